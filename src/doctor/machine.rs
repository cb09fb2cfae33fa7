//! The machine checks of `gilbench doctor`, in the spirit of `pyperf system
//! show`: what on this host makes timings noisy, and how to quieten it. Read
//! from /proc and /sys; each file is parsed by a small pure function. What
//! the host does not show (a VM rarely exposes frequency scaling) is a
//! neutral note, not a warning.
//!
//! | check | warns when | advice |
//! | --- | --- | --- |
//! | load | the 1-minute load average is at least 1 (or a tenth of the CPUs) | stop what runs, wait a minute |
//! | busy | other processes used a fifth of a CPU or more over half a second | stop them, or keep them off the run's CPUs |
//! | steal | the hypervisor took 5 % or more of the CPUs' time | a quieter time or a dedicated host |
//! | smt | two of the CPUs used are SMT siblings of one core | `--cpus` with one CPU per core, or SMT off |
//! | cpufreq | a CPU's governor is not `performance` | `cpupower frequency-set -g performance` |
//! | turbo | turbo boost is on | `no_turbo` / `boost` in /sys |

use std::collections::BTreeSet;
use std::path::Path;

use super::check::{Check, read};
use super::{cpus, proc};

/// The machine checks for the CPUs a run would use (`chosen`, else all
/// online CPUs) of the host whose /proc and /sys are under `root` ("/").
/// Takes half a second, to see what else uses the CPUs.
pub(super) fn checks(root: &Path, chosen: Option<&BTreeSet<u32>>) -> Vec<Check> {
    let sys = root.join("sys/devices/system/cpu");
    let online = read(&sys.join("online")).and_then(|t| crate::cpuset::parse(t.trim()).ok());
    let host_cpus = online.as_ref().map_or(0, BTreeSet::len);
    let used: BTreeSet<u32> = chosen.cloned().or(online).unwrap_or_default();
    let mut out = proc::checks(&root.join("proc"), host_cpus);
    out.extend(cpus::checks(&sys, &used));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    #[test]
    fn a_fake_host_is_read_from_its_files() {
        let root = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("sys/devices/system/cpu/online", "0-1\n");
        write(
            "sys/devices/system/cpu/cpu0/topology/thread_siblings_list",
            "0-1\n",
        );
        write(
            "sys/devices/system/cpu/cpu1/topology/thread_siblings_list",
            "0-1\n",
        );
        write(
            "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
            "powersave\n",
        );
        write("proc/loadavg", "0.10 0.20 0.30 1/100 5\n");
        write("proc/stat", "cpu  1 0 1 100 0 0 0 0 0 0\n");
        let checks = checks(root.path(), None);
        let status = |topic: &str| {
            checks
                .iter()
                .find(|c| c.topic == topic)
                .map(|c| c.status)
                .unwrap_or_else(|| panic!("no {topic} check"))
        };
        assert_eq!(status("load"), Status::Ok);
        assert_eq!(status("busy"), Status::Ok);
        assert_eq!(status("steal"), Status::Note, "no time passed in a file");
        assert_eq!(status("smt"), Status::Warn);
        assert_eq!(status("cpufreq"), Status::Warn);
        assert_eq!(status("turbo"), Status::Note);
        // With one CPU of the core chosen, the siblings do not matter.
        let one = BTreeSet::from([0]);
        let checks = super::checks(root.path(), Some(&one));
        assert!(
            checks
                .iter()
                .any(|c| c.topic == "smt" && c.status == Status::Ok)
        );
    }
}
