//! How a run begins: a new run gets its folder and journal header; a resumed
//! run gets back everything its journal holds, its build options included.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};

use super::options::RunOptions;
use super::plan;
use crate::error::invalid_input;
use crate::results::machine::record_machine;
use crate::results::{
    self, BuildRecord, Confirmation, Environment, Gate, Journal, JournalEntry, LostEngine, Machine,
    RunConfig, RunHeader, SampleRecord, WorkloadInfo,
};

/// A run ready to measure: where it writes, what it is, what it already has.
pub struct Prepared {
    pub dir: PathBuf,
    pub header: RunHeader,
    pub previous: Previous,
}

/// What a journal already holds.
#[derive(Default)]
pub struct Previous {
    pub builds: Vec<BuildRecord>,
    pub workloads: Option<Vec<WorkloadInfo>>,
    pub samples: Vec<SampleRecord>,
    pub machines: Vec<Machine>,
    pub lost_engines: Vec<LostEngine>,
}

impl Previous {
    pub fn is_empty(&self) -> bool {
        self.builds.is_empty() && self.samples.is_empty()
    }
}

/// Creates the output folder and writes the journal header of a new run
/// of `builds` (their names), on a place described by `environment` whose
/// containers get `cpus_given` CPUs.
pub fn new_run(
    options: RunOptions,
    builds: Vec<String>,
    environment: Environment,
    cpus_given: u32,
) -> Result<Prepared> {
    let run_id = format!("{:016x}", rand::random::<u64>());
    let dir = options
        .output
        .clone()
        .unwrap_or_else(|| default_output(&run_id));
    if Journal::exists(&dir) {
        return Err(invalid_input(format!(
            "{} already holds a run; resume it with --resume {0}, or choose another --output",
            dir.display()
        )));
    }
    let gate = gate(&options, &builds)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config = RunConfig {
        builds,
        workloads: options.workloads,
        modes: options.modes,
        threads: options
            .threads
            .unwrap_or_else(|| plan::default_threads(cpus_given)),
        repeat: options.repeat,
        warmup: options.warmup,
        warm_calls: options.warm_calls,
        timeout_s: options.timeout.as_secs_f64(),
        cpus: options.cpus,
        memory_bytes: options.memory_bytes,
        seed: options.seed.unwrap_or_else(rand::random),
        build_options: options.build_options.record(),
        disturbance: options.disturbance,
        precision: options.precision,
        shard: options.shard,
        engines: options.engines.iter().map(ToString::to_string).collect(),
        distribute: options.distribute,
        gate,
    };
    let header = RunHeader {
        schema_version: results::SCHEMA_VERSION,
        run_id,
        started_at: timestamp(),
        command_line: options.command_line,
        config,
        environment,
    };
    Journal::create(&dir)?.write(&JournalEntry::Header(header.clone()))?;
    Ok(Prepared {
        dir,
        header,
        previous: Previous::default(),
    })
}

/// Fresh rounds a confirmation takes: at least as many as the first
/// rounds, and enough for the rank test to see a slowdown in them alone.
pub const CONFIRM_ROUNDS: u32 = 10;

/// The gate `--fail-above` asks for: the first variant among `builds` is
/// the base; the confirming rounds come after every round the run can
/// take otherwise.
fn gate(options: &RunOptions, builds: &[String]) -> Result<Option<Gate>> {
    let Some(fail_above) = options.fail_above else {
        return Ok(None);
    };
    let variants = crate::analysis::gate::variants_of(builds);
    if variants.len() < 2 {
        return Err(invalid_input(
            "--fail-above in a run judges package variants against the base: name two, e.g. \
             --project base=../main --project head=. (to gate on an earlier run, use \
             gilbench compare BASE NEW --fail-above)",
        ));
    }
    let last_round = options
        .precision
        .map_or(options.repeat, |goal| goal.max_repeat.max(options.repeat));
    Ok(Some(Gate {
        base: variants[0].clone(),
        fail_above,
        confirm: options.confirm.then_some(Confirmation {
            from_repeat: last_round,
            rounds: CONFIRM_ROUNDS.max(options.repeat),
        }),
    }))
}

/// Reads back the journal of a run to finish it.
pub fn resume(dir: &Path) -> Result<Prepared> {
    let entries = Journal::read(dir)
        .map_err(|e| invalid_input(format!("cannot resume {}: {e:#}", dir.display())))?;
    let mut entries = entries.into_iter();
    let Some(JournalEntry::Header(header)) = entries.next() else {
        return Err(invalid_input(format!(
            "{} has no journal header to resume from",
            dir.display()
        )));
    };
    let mut previous = Previous::default();
    for entry in entries {
        match entry {
            JournalEntry::Build(record) => previous.builds.push(record),
            JournalEntry::Workloads { workloads } => previous.workloads = Some(workloads),
            JournalEntry::Sample(record) => previous.samples.push(record),
            // Tried again: the image may be had now.
            JournalEntry::Header(_) | JournalEntry::MissingBuild(_) => {}
            JournalEntry::Machine(machine) => record_machine(&mut previous.machines, machine),
            JournalEntry::LostEngine(lost) => previous.lost_engines.push(lost),
        }
    }
    Ok(Prepared {
        dir: dir.to_path_buf(),
        header,
        previous,
    })
}

pub fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// reports/<UTC time>-<the run id's first six digits>
fn default_output(run_id: &str) -> PathBuf {
    let stamp = timestamp()
        .replace(['-', ':'], "")
        .replace('T', "-")
        .trim_end_matches('Z')
        .to_string();
    PathBuf::from("reports").join(format!("{stamp}-{}", &run_id[..6]))
}
