//! The results of a run: one `Serialize` type *is* the `results.json`
//! schema (documented in docs/results.md). `sample` holds the domain types
//! every sample is made of; `journal` the file appended as samples arrive;
//! `sample_file` where results.json's samples are held.

mod journal;
pub mod machine;
pub mod packages;
mod sample;
mod sample_file;
pub mod shard;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Digest;

use crate::atomic::write_atomically;

pub use journal::{Journal, JournalEntry, RunHeader, SEALED_JOURNAL_FILE};
pub use machine::{Distribute, LostEngine, Machine};
pub use packages::{LockedPackage, PackageDifference, PackageKind, PackageOnBuild};
pub use sample::{
    FailureKind, Mode, OtherLoad, ReproducerRun, RunStatus, Sample, SampleStatus, Scaling,
    ScriptRun, WorkloadInfo,
};
pub use sample_file::{MERGED_SAMPLES_FILE, SampleFile};
pub use shard::Shard;

/// Bumped on any incompatible change of `results.json` or the journal.
/// Version 2: results.json no longer repeats the samples the journal holds;
/// it names the file that holds them (`sample_file`). Version 1 still loads.
pub const SCHEMA_VERSION: u32 = 2;
pub const RESULTS_FILE: &str = "results.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";
/// The image label (in [`BuildRecord::image_labels`]) naming a build's
/// variant: "default", "free-threaded" or "jit".
pub const VARIANT_LABEL: &str = "org.gilbench.variant";
/// The image label naming the exact source a build was made from (a
/// CPython revision or a tarball's checksum).
pub const SOURCE_ID_LABEL: &str = "org.gilbench.source-id";

/// `results.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResults {
    pub schema_version: u32,
    pub gilbench_version: String,
    pub run_id: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub command_line: Vec<String>,
    pub config: RunConfig,
    pub environment: Environment,
    pub builds: Vec<BuildRecord>,
    /// Builds asked for whose image could not be had: not measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_builds: Vec<MissingBuild>,
    pub workloads: Vec<WorkloadInfo>,
    /// Every sample, in the order taken. Read from `sample_file`, never
    /// written into results.json (version 1 held them inline).
    #[serde(default, skip_serializing)]
    pub samples: Vec<SampleRecord>,
    /// Where the samples are held (version 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_file: Option<SampleFile>,
    /// How precisely each measured cell was known when the run ended
    /// (older results: empty; reports compute it from the samples).
    #[serde(default)]
    pub precision: Vec<CellPrecision>,
    /// Results merged from shards: where each came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_shards: Vec<ShardSource>,
    /// Shards of the plan that were not merged, by index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<u32>,
    /// The machine behind each engine; samples name theirs (older
    /// results: empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub machines: Vec<Machine>,
    /// Engines that stopped answering during the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost_engines: Vec<LostEngine>,
    /// Packages the builds' locks hold differently (version, kind, compiled
    /// modules): recomputed from `builds` whenever results.json is written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_differences: Vec<PackageDifference>,
}

/// One shard in merged results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardSource {
    pub shard: Shard,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub environment: Environment,
}

/// What was asked for; enough to resume or reproduce the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub builds: Vec<String>,
    pub workloads: Vec<String>,
    pub modes: Vec<Mode>,
    pub threads: Vec<u32>,
    pub repeat: u32,
    pub warmup: u32,
    /// Untimed calls of the work in each sample's process before the timed
    /// one: 0 measures the first call (cold).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warm_calls: u32,
    pub timeout_s: f64,
    /// The cpuset given to every container, e.g. "0,1" (None: all CPUs).
    pub cpus: Option<String>,
    pub memory_bytes: i64,
    pub seed: u64,
    /// Build options as given on the command line (profile, source, …).
    pub build_options: BTreeMap<String, String>,
    /// How samples disturbed by other load are caught (older runs: defaults).
    #[serde(default)]
    pub disturbance: DisturbancePolicy,
    /// Repeats beyond `repeat` until each cell is known well enough (None:
    /// exactly `repeat`; older runs too).
    #[serde(default)]
    pub precision: Option<PrecisionGoal>,
    /// The part of the plan this run takes (`--shard K/N`); None: all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The engines given with `--engine` (empty: `DOCKER_HOST` or the
    /// local socket), credentials left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<String>,
    /// How several engines share the cells.
    #[serde(default)]
    pub distribute: Distribute,
    /// With package variants and `--fail-above`: the gate judged at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
}

/// The gate of a run with package variants: every other variant's cells
/// against the base variant's on the same interpreter build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// The base variant (the first named).
    pub base: String,
    /// A cell fails when significantly slower than the base by more than
    /// this fraction (0.05: 5 %).
    pub fail_above: f64,
    /// With `--confirm`: the rounds that judge again, on fresh samples
    /// only, the cells the earlier rounds would fail; they are taken from
    /// this repeat index on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirmation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The first repeat index of the confirming rounds: every earlier
    /// sample is the first judgement's.
    pub from_repeat: u32,
    /// How many fresh rounds confirm.
    pub rounds: u32,
}

impl Gate {
    /// Whether `record` belongs to the first judgement (not to the
    /// confirming rounds).
    pub fn is_first_judgement(&self, record: &SampleRecord) -> bool {
        self.confirm.is_none_or(|c| record.repeat < c.from_repeat)
    }
}

impl RunConfig {
    /// What makes two shards pieces of one plan: everything that decides
    /// the cells and how each is measured, not the seed (which only orders
    /// samples), the shard, or the machine's CPUs and limits.
    pub fn plan(&self) -> Value {
        let mut plan = serde_json::json!({
            "builds": self.builds,
            "workloads": self.workloads,
            "modes": self.modes,
            "threads": self.threads,
            "repeat": self.repeat,
            "warmup": self.warmup,
            "build_options": self.build_options,
            "disturbance": self.disturbance,
            "precision": self.precision,
        });
        // Only when given, so that plans made before the option keep their id.
        if self.warm_calls > 0 {
            plan["warm_calls"] = self.warm_calls.into();
        }
        if let Some(gate) = &self.gate {
            plan["gate"] = serde_json::json!(gate);
        }
        plan
    }

    /// A short hash of [`RunConfig::plan`].
    pub fn plan_id(&self) -> String {
        let digest = sha2::Sha256::digest(self.plan().to_string().as_bytes());
        hex::encode(&digest[..8])
    }
}

/// When a cell has been measured enough: its median, and above one worker
/// its speedup, known to ±`target` at 95 % confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrecisionGoal {
    /// Relative half-width of the 95 % interval: 0.02 is ±2 %.
    pub target: f64,
    /// Measured samples per cell at most.
    pub max_repeat: u32,
    /// Seconds of measuring after which no more cells are repeated.
    #[serde(default)]
    pub time_budget_s: Option<f64>,
}

/// How precisely one cell's median and speedup were known: relative
/// half-widths of their 95 % intervals, null below the samples an interval
/// needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellPrecision {
    pub build: String,
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
    /// Measured samples (not warmups, not disturbed).
    pub samples: usize,
    pub median: Option<f64>,
    /// Absent where the cell has no speedup (one worker, none measured at
    /// one worker) or too few samples for its interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// The wider of the two: what the precision goal is checked against.
    pub reached: Option<f64>,
}

/// When a sample counts as disturbed, and how often it is taken again.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DisturbancePolicy {
    /// False: samples are neither flagged nor retaken.
    pub check: bool,
    /// Foreign load (CPUs busy with something else, on average, while the
    /// sample ran) above which a sample is disturbed.
    pub max_foreign_load: f64,
    /// Retakes of one disturbed sample before it is kept as it is.
    pub retakes: u32,
}

impl Default for DisturbancePolicy {
    fn default() -> Self {
        DisturbancePolicy {
            check: true,
            max_foreign_load: DisturbancePolicy::DEFAULT_MAX_FOREIGN_LOAD,
            retakes: 3,
        }
    }
}

impl DisturbancePolicy {
    pub const DEFAULT_MAX_FOREIGN_LOAD: f64 = 0.15;
    /// Below this much foreign CPU time a sample is never disturbed: the
    /// counters tick every 10 ms, so a few ticks are rounding.
    const MIN_FOREIGN_NS: u64 = 30_000_000;

    pub fn disturbs(&self, sample: &Sample) -> bool {
        self.disturbance(sample).is_some()
    }

    /// What disturbed a sample ("other load took 0.40 CPUs during the
    /// sample"), or None. The untimed calls of `--warm-calls` are watched
    /// apart: load there skews the cold time and what the warm-up costs.
    pub fn disturbance(&self, sample: &Sample) -> Option<String> {
        if !self.check || sample.status != SampleStatus::Ok {
            return None;
        }
        [
            (sample.timed_load(), "during the sample"),
            (sample.warm_load, "during its untimed calls"),
        ]
        .into_iter()
        .find_map(|(load, when)| {
            let load = load.filter(|l| l.busy_ns() >= Self::MIN_FOREIGN_NS)?;
            let cpus = load.cpus().filter(|c| *c > self.max_foreign_load)?;
            Some(format!("other load took {cpus:.2} CPUs {when}"))
        })
    }
}

/// Where the run happened.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Environment {
    /// CPU model of the machine gilbench ran on (from /proc/cpuinfo).
    pub host_cpu_model: Option<String>,
    pub host_cpus: usize,
    pub host_kernel: Option<String>,
    pub engine_version: Option<String>,
    pub engine_api_version: String,
    pub engine_os: Option<String>,
    pub engine_kernel: Option<String>,
    pub engine_cpus: Option<i64>,
    pub engine_memory_bytes: Option<i64>,
}

/// One build measured in the run: its image and interpreter facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRecord {
    /// The spec as given, e.g. "3.13t+PYTHON_GIL=1": the build's name in results.
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub image_labels: BTreeMap<String, String>,
    pub runtime_env: BTreeMap<String, String>,
    /// What the runner (`python3 runner serve`) reported about the interpreter
    /// (see workloads/README.md).
    pub facts: Value,
    /// The Python packages installed into the image, as pip resolved them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<LockedPackage>,
}

/// A build that was asked for but not measured, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingBuild {
    pub name: String,
    /// The error, e.g. the end of pip's log and where the whole log is.
    pub reason: String,
}

impl MissingBuild {
    /// The reason in brief: its first line, and where the whole log is.
    pub fn brief(&self) -> String {
        let first = self.reason.lines().next().unwrap_or_default();
        // A failed build's first line quotes its whole command.
        let first = match first.char_indices().nth(200) {
            Some((cut, _)) => format!("{}…", &first[..cut]),
            None => first.to_string(),
        };
        match self
            .reason
            .lines()
            .find(|l| l.contains("the whole log is in"))
        {
            Some(log) => format!("{first} ({})", log.trim_matches(|c| c == '-' || c == ' ')),
            None => first,
        }
    }
}

/// One sample with its place in the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    pub build: String,
    pub workload: String,
    pub threads: u32,
    /// Index among the cell's warmups or among its measured repeats.
    pub repeat: u32,
    /// Order in which samples were taken in the run.
    pub seq: u64,
    /// Unix time (seconds) when the sample finished.
    pub at: f64,
    pub sample: Sample,
    /// Other load on the sample's CPUs passed the run's threshold: kept,
    /// never in the statistics, and taken again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disturbed: bool,
    /// The id of the machine (in [`RunResults::machines`]) it ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// A failed sample on a build whose JIT was on, taken again with
    /// `PYTHON_JIT=0`: if that one completed, the failure is the JIT's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_off: Option<Box<Sample>>,
    /// Where the failure was the JIT's: its reproducer, run alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproducer: Option<Box<ReproducerRun>>,
}

impl SampleRecord {
    pub fn key(&self) -> SampleKey {
        SampleKey {
            cell: self.cell(),
            repeat: self.repeat,
            warmup: self.sample.warmup,
        }
    }

    pub fn cell(&self) -> CellKey {
        CellKey {
            build: self.build.clone(),
            workload: self.workload.clone(),
            mode: self.sample.mode,
            threads: self.threads,
        }
    }

    pub fn is_measurement(&self) -> bool {
        !self.sample.warmup && self.sample.status == SampleStatus::Ok && !self.disturbed
    }
}

/// One cell of the matrix: build × workload × mode × threads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub build: String,
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
}

/// One sample's place: a cell, and which warmup or repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleKey {
    pub cell: CellKey,
    pub repeat: u32,
    pub warmup: bool,
}

impl RunResults {
    pub fn workload(&self, name: &str) -> Option<&WorkloadInfo> {
        self.workloads.iter().find(|w| w.name == name)
    }

    pub fn scaling_of(&self, workload: &str) -> Scaling {
        self.workload(workload)
            .and_then(|w| w.scaling)
            .unwrap_or(Scaling::Strong)
    }

    /// Reads results.json (`path`, or the one in the folder `path`) with
    /// its samples.
    pub fn load(path: &Path) -> Result<RunResults> {
        let file = if path.is_dir() {
            path.join(RESULTS_FILE)
        } else {
            path.to_path_buf()
        };
        // Every caller reads a path the user named: a missing or unreadable
        // one is invalid input.
        let text = fs::read_to_string(&file).map_err(|e| {
            crate::error::Error::InvalidInput(format!("cannot read {}: {e}", file.display()))
        })?;
        // The version first, so that another version gets a clear message
        // rather than a field-by-field mismatch.
        #[derive(Deserialize)]
        struct Versioned {
            #[serde(default)]
            schema_version: u64,
        }
        let version = serde_json::from_str::<Versioned>(&text)
            .map_err(|e| {
                crate::error::Error::InvalidInput(format!(
                    "{} is not a gilbench results file: {e}",
                    file.display()
                ))
            })?
            .schema_version;
        if !(1..=u64::from(SCHEMA_VERSION)).contains(&version) {
            anyhow::bail!(crate::error::Error::InvalidInput(format!(
                "{} has schema version {version}; this gilbench reads versions 1 to {SCHEMA_VERSION}",
                file.display()
            )));
        }
        let mut results: RunResults = serde_json::from_str(&text)
            .with_context(|| format!("{} does not match the results schema", file.display()))?;
        if let Some(samples) = &results.sample_file {
            let folder = file.parent().unwrap_or(Path::new("."));
            results.samples = samples.read(folder)?;
        }
        Ok(results)
    }

    /// The whole run as one JSON document with its samples inline, as
    /// results.json version 1 held them: for readers that want one value.
    pub fn with_samples_inline(&self) -> Result<Value> {
        let mut document = serde_json::to_value(self)?;
        document["samples"] = serde_json::to_value(&self.samples)?;
        Ok(document)
    }

    /// Writes results.json into `dir` (replaced whole), in this version of
    /// the schema, naming `samples` as the file that holds its samples.
    pub fn save(&mut self, dir: &Path, samples: SampleFile) -> Result<()> {
        self.schema_version = SCHEMA_VERSION;
        self.sample_file = Some(samples);
        self.package_differences = packages::differences(&self.builds);
        let json = serde_json::to_vec_pretty(self)?;
        write_atomically(&dir.join(RESULTS_FILE), &json)
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_load_during_the_untimed_calls_disturbs_a_sample_too() {
        let policy = DisturbancePolicy::default();
        let mut sample: Sample = serde_json::from_value(serde_json::json!({
            "status": "ok", "workers": 1, "mode": "threads",
            "foreign_cpu_ns": 10_000_000, "steal_ns": 0, "watched_ns": 1_000_000_000,
            "watched_cpus": 1,
        }))
        .unwrap();
        assert_eq!(policy.disturbance(&sample), None, "0.01 CPUs");
        let load = |foreign_cpu_ns, watched_ns| OtherLoad {
            foreign_cpu_ns,
            steal_ns: 0,
            watched_ns,
            watched_cpus: 1,
        };
        sample.warm_load = Some(load(20_000_000, 50_000_000));
        assert_eq!(
            policy.disturbance(&sample),
            None,
            "0.4 CPUs, but two clock ticks are rounding"
        );
        sample.warm_load = Some(load(400_000_000, 1_000_000_000));
        assert_eq!(
            policy.disturbance(&sample).as_deref(),
            Some("other load took 0.40 CPUs during its untimed calls")
        );
        sample.foreign_cpu_ns = Some(500_000_000);
        assert_eq!(
            policy.disturbance(&sample).as_deref(),
            Some("other load took 0.50 CPUs during the sample")
        );
        let unchecked = DisturbancePolicy {
            check: false,
            ..policy
        };
        assert!(!unchecked.disturbs(&sample));
    }
}
