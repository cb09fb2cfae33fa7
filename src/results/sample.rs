//! The domain types every sample is made of: how its workers ran, what the
//! runner measured, how it failed. They are part of the results schema and
//! the runner protocol alike.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a sample's workers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Threads,
    Processes,
    Subinterpreters,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Threads, Mode::Processes, Mode::Subinterpreters];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Threads => "threads",
            Mode::Processes => "processes",
            Mode::Subinterpreters => "subinterpreters",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(text: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or_else(|| format!("unknown mode `{text}` (threads, processes, subinterpreters)"))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Strong: a fixed total split among N workers. Weak: each worker does a fixed unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    Weak,
    Strong,
}

/// A workload as the runner describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    pub name: String,
    pub path: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub scaling: Option<Scaling>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub modes: Vec<Mode>,
    /// Set when the file could not be imported or lacks the API.
    #[serde(default)]
    pub error: Option<String>,
    /// Of the workload's file, so that a history of runs can tell a changed
    /// workload from a regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleStatus {
    Ok,
    Failed,
    Unsupported,
}

/// One measurement (or failure) as the runner reports it: its fields are
/// the runner's `SAMPLE_FIELDS` (runner/common.py), which a test holds to
/// these. Fields a newer runner adds are kept in `extra` rather than dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub status: SampleStatus,
    #[serde(default)]
    pub kind: Option<FailureKind>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub wall_ns: Option<u64>,
    #[serde(default)]
    pub cpu_ns: Option<u64>,
    #[serde(default)]
    pub worker_cpu_ns: Option<Vec<u64>>,
    /// ru_maxrss: start-up and setup included.
    #[serde(default)]
    pub max_rss_kb: Option<u64>,
    /// Resident memory after setup and its peak while the work ran (the
    /// process, or in processes mode every process added up: see
    /// runner/memory.py); absent where the kernel offers no reset.
    #[serde(default)]
    pub rss_setup_kb: Option<u64>,
    #[serde(default)]
    pub rss_peak_kb: Option<u64>,
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub result_repr: Option<String>,
    #[serde(default)]
    pub gil_enabled: Option<bool>,
    /// The module whose import turned the GIL back on, on a free-threaded
    /// build (absent from older results).
    #[serde(default)]
    pub gil_enabled_by: Option<String>,
    /// Whether the GIL was on right after the workload's import.
    #[serde(default)]
    pub gil_enabled_after_import: Option<bool>,
    /// The workload's name and scaling as it declares them.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub scaling: Option<Scaling>,
    /// Processes mode: how the worker processes were started.
    #[serde(default)]
    pub start_method: Option<String>,
    #[serde(default)]
    pub warmup: bool,
    pub workers: u32,
    pub mode: Mode,
    #[serde(default)]
    pub size: Option<u64>,
    /// The workload's file, as the runner saw it.
    #[serde(default)]
    pub workload: Option<String>,
    #[serde(default)]
    pub stdout_tail: Option<String>,
    #[serde(default)]
    pub stderr_tail: Option<String>,
    #[serde(default)]
    pub exit_code: Option<i64>,
    /// The signal that ended the worker's process, when one did.
    #[serde(default)]
    pub signal: Option<i64>,
    #[serde(default)]
    pub duration_ns: Option<u64>,
    /// CPU time something other than the sample spent on the sample's CPUs
    /// while it ran, and steal time (see runner/cpuload.py).
    #[serde(default)]
    pub foreign_cpu_ns: Option<u64>,
    #[serde(default)]
    pub steal_ns: Option<u64>,
    /// How long that was watched, and how many CPUs.
    #[serde(default)]
    pub watched_ns: Option<u64>,
    #[serde(default)]
    pub watched_cpus: Option<u32>,
    /// Threads mode at one thread: the work's wall time in the thread that
    /// built its state, beside `wall_ns` in a worker thread.
    #[serde(default)]
    pub owner_wall_ns: Option<u64>,
    /// Top-level modules outside the standard library that the workload's
    /// import and setup brought in (absent from older results).
    #[serde(default)]
    pub imports: Option<Vec<String>>,
    /// Each untimed call of the work before the timed section (`--warm-calls`),
    /// in the sample's main thread; the first is the cold time.
    #[serde(default)]
    pub warm_call_ns: Option<Vec<u64>>,
    /// Other load on the sample's CPUs during those untimed calls.
    #[serde(default)]
    pub warm_load: Option<OtherLoad>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl Sample {
    /// "kind: first line of the message", for one-line failure reports.
    pub fn failure_reason(&self) -> String {
        format!(
            "{}: {}",
            self.kind.map_or("failure", FailureKind::as_str),
            self.message
                .as_deref()
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
        )
    }

    /// Other load on the sample's CPUs while its workers ran.
    pub fn timed_load(&self) -> Option<OtherLoad> {
        Some(OtherLoad {
            foreign_cpu_ns: self.foreign_cpu_ns?,
            steal_ns: self.steal_ns.unwrap_or(0),
            watched_ns: self.watched_ns?,
            watched_cpus: self.watched_cpus.unwrap_or(0),
        })
    }

    /// [`OtherLoad::cpus`] while the workers ran.
    pub fn foreign_load(&self) -> Option<f64> {
        self.timed_load()?.cpus()
    }

    // The runner counts nanoseconds; everything after it reads seconds,
    // converted here only.
    pub fn wall_s(&self) -> Option<f64> {
        self.wall_ns.map(seconds)
    }

    pub fn cpu_s(&self) -> Option<f64> {
        self.cpu_ns.map(seconds)
    }

    pub fn owner_wall_s(&self) -> Option<f64> {
        self.owner_wall_ns.map(seconds)
    }

    /// Peak resident memory while the work ran, in MiB.
    pub fn peak_mib(&self) -> Option<f64> {
        self.rss_peak_kb.map(mib)
    }

    /// How much the work grew resident memory beyond its size after
    /// setup, in MiB.
    pub fn growth_mib(&self) -> Option<f64> {
        Some(mib(self.rss_peak_kb?) - mib(self.rss_setup_kb?))
    }

    /// How long an ok sample's work took at one worker: in the owning
    /// thread where measured, else in the worker; None if it failed.
    pub fn completed_in_s(&self) -> Option<f64> {
        if self.status != SampleStatus::Ok {
            return None;
        }
        self.owner_wall_s().or(self.wall_s())
    }

    /// The first call of the work in the sample's process, where warm calls
    /// preceded the timed one.
    pub fn cold_s(&self) -> Option<f64> {
        self.warm_call_ns.as_ref()?.first().copied().map(seconds)
    }

    /// All the untimed calls before the timed one together.
    pub fn warm_up_s(&self) -> Option<f64> {
        self.warm_call_ns
            .as_ref()
            .filter(|calls| !calls.is_empty())
            .map(|calls| seconds(calls.iter().sum()))
    }

    /// The whole sample process's time, else the timed part's.
    pub fn duration_s(&self) -> Option<f64> {
        self.duration_ns.or(self.wall_ns).map(seconds)
    }
}

/// How a program the runner ran once ended (its `script` request; see
/// workloads/README.md): a reproducer, run as a sample's worker runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScriptRun {
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub signal: Option<i64>,
    #[serde(default)]
    pub timeout_s: f64,
    /// Still running at the timeout, and killed.
    #[serde(default)]
    pub timed_out: bool,
    /// Killed for writing more than the runner's output limit.
    #[serde(default)]
    pub output_limited: bool,
    /// Killed by the OOM killer.
    #[serde(default)]
    pub oom_killed: bool,
    /// Why it was not run, or not to its end (the runner failed).
    #[serde(default)]
    pub error: Option<String>,
    /// The whole process, start-up included.
    #[serde(default)]
    pub duration_ns: Option<u64>,
    #[serde(default)]
    pub stdout_tail: String,
    #[serde(default)]
    pub stderr_tail: String,
}

impl ScriptRun {
    /// A program the runner could not run, and why.
    pub fn not_run(reason: String) -> ScriptRun {
        ScriptRun {
            error: Some(reason),
            ..ScriptRun::default()
        }
    }

    pub fn duration_s(&self) -> Option<f64> {
        self.duration_ns.map(seconds)
    }
}

/// The reproducer of a failure the JIT caused, run once in the build's
/// image as the samples ran: as the failed sample (the JIT on), and with
/// `PYTHON_JIT=0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReproducerRun {
    /// In the run's folder.
    pub path: String,
    pub jit_on: ScriptRun,
    pub jit_off: ScriptRun,
}

/// Other load on a sample's CPUs over one stretch of it (runner/cpuload.py):
/// CPU time something else spent there, steal time, and how long, over how
/// many CPUs, that was watched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OtherLoad {
    pub foreign_cpu_ns: u64,
    #[serde(default)]
    pub steal_ns: u64,
    pub watched_ns: u64,
    #[serde(default)]
    pub watched_cpus: u32,
}

impl OtherLoad {
    /// Foreign CPU time and steal, together.
    pub fn busy_ns(&self) -> u64 {
        self.foreign_cpu_ns + self.steal_ns
    }

    /// Foreign CPU time plus steal over the watched time, in CPUs: 0.5 means
    /// half a CPU was busy with something else on average.
    pub fn cpus(&self) -> Option<f64> {
        (self.watched_ns > 0).then(|| self.busy_ns() as f64 / self.watched_ns as f64)
    }
}

fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// Why a sample failed (see workloads/README.md, "Failure kinds"). The
/// runner reports the first nine; the orchestrator adds `container_died`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    ImportError,
    Exception,
    WrongResult,
    Timeout,
    Signal,
    Oom,
    OutputLimit,
    Protocol,
    ResourceLimit,
    ContainerDied,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::ImportError => "import_error",
            FailureKind::Exception => "exception",
            FailureKind::WrongResult => "wrong_result",
            FailureKind::Timeout => "timeout",
            FailureKind::Signal => "signal",
            FailureKind::Oom => "oom",
            FailureKind::OutputLimit => "output_limit",
            FailureKind::Protocol => "protocol",
            FailureKind::ResourceLimit => "resource_limit",
            FailureKind::ContainerDied => "container_died",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every scheduled sample was taken.
    Complete,
    /// Stopped by Ctrl-C; resumable.
    Interrupted,
    /// The engine was lost; resumable.
    Aborted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Aborted => "aborted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runner_and_this_side_know_the_same_sample_fields() {
        let script = "import json, sys; sys.path.insert(0, sys.argv[1]); \
                      from runner.common import SAMPLE_FIELDS; print(json.dumps(SAMPLE_FIELDS))";
        let output = std::process::Command::new("python3")
            .args(["-c", script, env!("CARGO_MANIFEST_DIR")])
            .output()
            .expect("python3 runs");
        assert!(output.status.success(), "{output:?}");
        let python: std::collections::BTreeSet<String> =
            serde_json::from_slice(&output.stdout).unwrap();
        let sample: Sample =
            serde_json::from_str(r#"{"status":"ok","workers":1,"mode":"threads"}"#).unwrap();
        let rust: std::collections::BTreeSet<String> = serde_json::to_value(&sample)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(python, rust);
    }

    #[test]
    fn modes_parse_and_print() {
        for mode in Mode::ALL {
            assert_eq!(mode.as_str().parse::<Mode>().unwrap(), mode);
        }
        assert!("fibers".parse::<Mode>().is_err());
    }

    #[test]
    fn samples_name_the_import_that_turned_the_gil_on_and_older_ones_still_load() {
        let named: Sample = serde_json::from_str(
            r#"{"status":"ok","workers":2,"mode":"threads","gil_enabled":true,
                "gil_enabled_by":"gilext._speedups"}"#,
        )
        .unwrap();
        assert_eq!(named.gil_enabled_by.as_deref(), Some("gilext._speedups"));
        assert!(!named.extra.contains_key("gil_enabled_by"));
        let older: Sample = serde_json::from_str(
            r#"{"status":"ok","workers":2,"mode":"threads","gil_enabled":true}"#,
        )
        .unwrap();
        assert_eq!(older.gil_enabled_by, None);
    }
}
