//! How a run begins: a new run gets its folder and journal header; a resumed
//! run gets back everything its journal holds, its build options included.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};

use super::{RunOptions, defaults, host, plan};
use crate::cache::Cache;
use crate::engine::{Endpoint, Engine};
use crate::error::invalid_input;
use crate::images::BuildOptions;
use crate::results::machine::record_machine;
use crate::results::{
    self, BuildRecord, Journal, JournalEntry, LostEngine, Machine, RunConfig, RunHeader,
    SampleRecord, WorkloadInfo,
};
use crate::spec::BuildSpec;

/// A run ready to measure: where it writes, what it is, what it already has.
pub struct Prepared {
    pub dir: PathBuf,
    pub header: RunHeader,
    pub previous: Previous,
    pub builds: Vec<BuildSpec>,
    pub build_options: BuildOptions,
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

/// Creates the output folder and writes the journal header of a new run.
pub async fn new_run(
    engines: &[Engine],
    cache: &Cache,
    mut options: RunOptions,
) -> Result<Prepared> {
    // A typo must fail now, not after an hour of building images.
    crate::workloads::check_selectors(&options.workloads)?;
    if options.builds.is_empty() {
        let (builds, why) =
            tokio::task::block_in_place(|| defaults::default_builds(cache, &options.build_options));
        let names: Vec<String> = builds.iter().map(ToString::to_string).collect();
        eprintln!("no --build given: measuring {} ({why})", names.join(", "));
        options.builds = builds;
    }
    let environment = host::environment(&engines[0]).await?;
    // Default thread counts fit the engine with the fewest CPUs given.
    let mut cpus_given = u32::MAX;
    for engine in engines {
        let cpus = engine.endpoint.cpus.as_deref().or(options.cpus.as_deref());
        let engine_cpus = engine.facts().await?.cpus.unwrap_or(1).max(1) as u32;
        let given = host::cpus_given(cpus, engine_cpus)
            .map_err(|e| invalid_input(format!("{} (engine {})", e, engine.host)))?;
        cpus_given = cpus_given.min(given);
    }
    let run_id = format!("{:016x}", rand::random::<u64>());
    let dir = options
        .output
        .clone()
        .unwrap_or_else(|| default_output(&run_id));
    if dir.join(results::JOURNAL_FILE).exists() {
        return Err(invalid_input(format!(
            "{} already holds a run; resume it with --resume {0}, or choose another --output",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config = RunConfig {
        builds: options.builds.iter().map(|b| b.to_string()).collect(),
        workloads: options.workloads,
        modes: options.modes,
        threads: options
            .threads
            .unwrap_or_else(|| plan::default_threads(cpus_given)),
        repeat: options.repeat,
        warmup: options.warmup,
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
        builds: options.builds,
        build_options: options.build_options,
    })
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
    let builds = header
        .config
        .builds
        .iter()
        .map(|b| b.parse())
        .collect::<Result<_, _>>()?;
    // The recorded options, not today's environment, decide the images.
    let build_options = BuildOptions::from_record(&header.config.build_options)?;
    Ok(Prepared {
        dir: dir.to_path_buf(),
        header,
        previous,
        builds,
        build_options,
    })
}

/// The engines a resumed run goes on with: those given now, else those it
/// was started with.
pub fn resumed_endpoints(prepared: &Prepared, given: Vec<Endpoint>) -> Result<Vec<Endpoint>> {
    if !given.is_empty() {
        return Ok(given);
    }
    let recorded = &prepared.header.config.engines;
    if recorded.is_empty() {
        return Ok(vec![Endpoint::from_environment()]);
    }
    recorded.iter().map(|e| e.parse()).collect()
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
