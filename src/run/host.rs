//! Where a run happens: the host's and the engine's facts, and the CPUs the
//! bench containers are given.

use anyhow::Result;

use crate::engine::EngineFacts;
use crate::error::invalid_input;
use crate::results::Environment;

/// The facts of this host and, for a run on an engine, of the engine, as
/// the results record them.
pub fn environment(engine: Option<EngineFacts>) -> Environment {
    let engine = engine.as_ref();
    Environment {
        host_cpu_model: host_cpu_model(),
        host_cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        host_kernel: host_kernel(),
        engine_version: engine.and_then(|f| f.version.clone()),
        engine_api_version: engine.map(|f| f.api_version.clone()).unwrap_or_default(),
        engine_os: engine.and_then(|f| f.os.clone()),
        engine_kernel: engine.and_then(|f| f.kernel.clone()),
        engine_cpus: engine.and_then(|f| f.cpus),
        engine_memory_bytes: engine.and_then(|f| f.memory_bytes),
    }
}

/// How many CPUs the containers get: all of the engine's, or the cpuset's,
/// each of which must exist on the engine.
pub fn cpus_given(cpuset: Option<&str>, engine_cpus: u32) -> Result<u32> {
    let Some(set) = cpuset else {
        return Ok(engine_cpus);
    };
    let cpus = crate::cpuset::parse(set).map_err(|e| invalid_input(format!("--cpus {e}")))?;
    if let Some(cpu) = cpus.iter().find(|&&cpu| cpu >= engine_cpus) {
        return Err(invalid_input(format!(
            "--cpus names CPU {cpu}, but the engine has CPUs 0-{}",
            engine_cpus - 1
        )));
    }
    Ok(cpus.len() as u32)
}

pub fn host_kernel() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
}

pub fn host_cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_are_checked_against_the_engine() {
        assert_eq!(cpus_given(Some("0,1"), 2).unwrap(), 2);
        assert_eq!(cpus_given(Some("0-3,6"), 8).unwrap(), 5);
        assert_eq!(cpus_given(None, 4).unwrap(), 4);
        let error = cpus_given(Some("2"), 2).unwrap_err().to_string();
        assert!(error.contains("CPUs 0-1"), "{error}");
        assert!(cpus_given(Some("a"), 2).is_err());
    }
}
