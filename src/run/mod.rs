//! `gilbench run`: the whole matrix, one sample at a time, with nothing lost.
//!
//! A run goes through four phases: set up (`setup`: a new folder and
//! journal header, or the journal of a run being resumed), open the
//! sources (`docker/`: images and one hardened container per build on each
//! engine; `local.rs`: the host's interpreters), measure (`measure` takes
//! the samples `plan` orders, with extra rounds for a precision goal in
//! `rounds`, over one or several sources in `distribute`), and finish
//! (results.json and the report). Every sample goes through the
//! [`SampleSource`](source::SampleSource) seam; every event feeds the
//! progress display, the journal and the aggregator (`events`). A dead
//! container is replaced, a failing cell is recorded and skipped, Ctrl-C and
//! a lost engine stop cleanly with partial results and a resumable journal.

mod distribute;
pub mod docker;
pub mod events;
mod host;
pub mod local;
mod measure;
pub mod plan;
pub mod rounds;
mod setup;
pub mod source;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use tokio::sync::watch;

use crate::cache::Cache;
use crate::engine::Endpoint;
use crate::error::Error;
use crate::images::BuildOptions;
use crate::progress::Verbosity;
use crate::results::{
    self, BuildRecord, Distribute, DisturbancePolicy, Journal, LostEngine, Machine, MissingBuild,
    Mode, PrecisionGoal, RunResults, RunStatus, SampleRecord, SampleStatus, WorkloadInfo,
};
use crate::spec::BuildSpec;
use events::{Consumers, ProgressView};
use setup::Prepared;
use source::SampleSource;

/// Validated options of a new run.
pub struct RunOptions {
    /// Empty: the newest minor's three builds (see `defaults`).
    pub builds: Vec<BuildSpec>,
    pub build_options: BuildOptions,
    pub workloads: Vec<String>,
    pub modes: Vec<Mode>,
    /// None: powers of two up to the CPUs given, plus that count.
    pub threads: Option<Vec<u32>>,
    pub repeat: u32,
    pub warmup: u32,
    pub timeout: Duration,
    pub cpus: Option<String>,
    pub memory_bytes: i64,
    pub output: Option<PathBuf>,
    pub seed: Option<u64>,
    pub shard: Option<crate::results::Shard>,
    pub disturbance: DisturbancePolicy,
    /// None: exactly `repeat` samples per cell.
    pub precision: Option<PrecisionGoal>,
    /// Empty: `DOCKER_HOST` or the local socket.
    pub engines: Vec<Endpoint>,
    pub distribute: Distribute,
    pub command_line: Vec<String>,
}

impl RunOptions {
    /// The engines to run on: those given, else `DOCKER_HOST` or the local socket.
    fn endpoints(&self) -> Vec<Endpoint> {
        if self.engines.is_empty() {
            return vec![Endpoint::from_environment()];
        }
        self.engines.clone()
    }
}

/// A new run, or the folder of one to finish (on the engines it ran on,
/// unless others are given).
pub enum Start {
    New(Box<RunOptions>),
    Resume {
        dir: PathBuf,
        engines: Vec<Endpoint>,
    },
}

/// How a run ended, for the exit code.
#[derive(Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub failed_cells: usize,
    /// Builds whose image could not be had (the others were measured).
    pub missing_builds: Vec<String>,
    /// Engines that stopped answering during the run (the others finished it).
    pub lost_engines: Vec<String>,
    pub distribute: Distribute,
}

/// One source's part of a run: where it samples, and the machine its
/// samples name.
pub struct Worker {
    pub source: Box<dyn SampleSource>,
    pub machine: Option<String>,
}

/// A run whose sources are open, ready to measure.
pub struct Opened {
    prepared: Prepared,
    journal: Journal,
    workers: Vec<Worker>,
    machines: Vec<Machine>,
    builds: Vec<BuildRecord>,
    workloads: Vec<WorkloadInfo>,
    /// The builds measured (those whose image could be had).
    measured_builds: Vec<String>,
    missing_builds: Vec<MissingBuild>,
    /// Engines left out at the start.
    lost_engines: Vec<LostEngine>,
}

/// What the measuring phase leaves for the finish.
struct Measured {
    samples: Vec<SampleRecord>,
    /// Engines lost during the run, or why the run stopped early.
    outcome: Result<Vec<LostEngine>>,
}

/// Runs (or resumes) a benchmark on Docker engines and writes its results
/// and report.
pub async fn execute(start: Start, verbosity: Verbosity) -> Result<RunOutcome> {
    let mut interrupt = interrupt_watch();
    let cache = Cache::open()?;
    let opened = docker::open(start, &cache, verbosity, &mut interrupt).await?;
    measure_and_finish(opened, &cache, interrupt, verbosity).await
}

/// The phases every kind of source shares: measure, then finish.
async fn measure_and_finish(
    mut opened: Opened,
    cache: &Cache,
    interrupt: watch::Receiver<bool>,
    verbosity: Verbosity,
) -> Result<RunOutcome> {
    let measured = measure_all(&mut opened, cache, interrupt, verbosity).await;
    let workers = std::mem::take(&mut opened.workers);
    futures_util::future::join_all(workers.into_iter().map(|w| w.source.close())).await;
    finish(opened, measured, verbosity)
}

/// Takes every sample the plan still needs on the open sources.
async fn measure_all(
    opened: &mut Opened,
    cache: &Cache,
    interrupt: watch::Receiver<bool>,
    verbosity: Verbosity,
) -> Measured {
    let header = &opened.prepared.header;
    let consumers = std::cell::RefCell::new(Consumers {
        progress: ProgressView::new(verbosity),
        journal: &mut opened.journal,
        samples: std::mem::take(&mut opened.prepared.previous.samples),
    });
    let plan = measure::Sampling::new(
        &header.config,
        opened.measured_builds.clone(),
        &opened.workloads,
        &consumers.borrow().samples,
    );
    let outcome = distribute::measure_on(
        &mut opened.workers,
        &plan,
        header.config.distribute,
        cache,
        &consumers,
        &interrupt,
    )
    .await;
    let mut consumers = consumers.into_inner();
    consumers.progress.finish();
    distribute::remember_unit_times(cache, &consumers.samples);
    Measured {
        samples: consumers.samples,
        outcome,
    }
}

/// Writes the results and the report, and says how the run ended.
fn finish(opened: Opened, measured: Measured, verbosity: Verbosity) -> Result<RunOutcome> {
    let Opened {
        prepared,
        mut journal,
        machines,
        builds,
        workloads,
        missing_builds,
        mut lost_engines,
        ..
    } = opened;
    let (status, error) = match measured.outcome {
        Ok(lost) => {
            for engine in &lost {
                journal.write(&results::JournalEntry::LostEngine(engine.clone()))?;
            }
            lost_engines.extend(lost);
            (RunStatus::Complete, None)
        }
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::Interrupted) => (RunStatus::Interrupted, Some(e)),
            _ => (RunStatus::Aborted, Some(e)),
        },
    };
    let Prepared {
        dir,
        header,
        previous,
    } = prepared;
    let mut all_lost = previous.lost_engines;
    all_lost.extend(lost_engines.iter().cloned());
    let results = RunResults {
        schema_version: results::SCHEMA_VERSION,
        gilbench_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: header.run_id,
        status,
        started_at: header.started_at,
        finished_at: Some(setup::timestamp()),
        command_line: header.command_line,
        config: header.config,
        environment: header.environment,
        builds,
        missing_builds,
        workloads,
        precision: crate::analysis::precision::records(&measured.samples),
        samples: measured.samples,
        merged_shards: Vec::new(),
        missing_shards: Vec::new(),
        machines,
        lost_engines: all_lost,
    };
    write_results_and_report(&results, &dir, verbosity)?;
    if let Some(error) = error {
        let hint = format!(
            "the journal keeps every sample taken; finish with `gilbench run --resume {}`",
            dir.display()
        );
        return Err(error.context(hint));
    }
    Ok(RunOutcome::of(&results, dir, lost_engines))
}

impl RunOutcome {
    fn of(results: &RunResults, dir: PathBuf, lost_engines: Vec<LostEngine>) -> RunOutcome {
        let failed_cells = results
            .samples
            .iter()
            .filter(|r| r.sample.status == SampleStatus::Failed)
            .map(|r| r.cell())
            .collect::<HashSet<_>>()
            .len();
        RunOutcome {
            dir,
            failed_cells,
            missing_builds: results
                .missing_builds
                .iter()
                .map(|m| m.name.clone())
                .collect(),
            lost_engines: lost_engines.into_iter().map(|l| l.engine).collect(),
            distribute: results.config.distribute,
        }
    }
}

/// Says where a run's results go, or that it is resumed.
fn announce(prepared: &Prepared) {
    let dir = prepared.dir.display();
    if prepared.previous.is_empty() {
        eprintln!("results go to {dir}");
    } else {
        eprintln!(
            "resuming {dir} ({} samples already taken)",
            prepared.previous.samples.len()
        );
    }
}

/// Writes `results.json` atomically, then the summary and the report.
fn write_results_and_report(
    results: &RunResults,
    dir: &std::path::Path,
    verbosity: Verbosity,
) -> Result<()> {
    let json = serde_json::to_vec_pretty(results)?;
    crate::atomic::write_atomically(&dir.join(results::RESULTS_FILE), &json)?;
    eprintln!("results: {}", dir.join(results::RESULTS_FILE).display());
    // The results are safe on disk; a report that fails to render is redone
    // with `gilbench report`.
    if let Err(e) = crate::report::publish(results, dir, verbosity > Verbosity::Quiet) {
        eprintln!(
            "warning: the report could not be written ({e:#}); `gilbench report {}` retries",
            dir.display()
        );
    }
    Ok(())
}

/// Stops the run at the first Ctrl-C; a second one exits at once.
fn interrupt_watch() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = sender.send(true);
            eprintln!("\ninterrupted: stopping cleanly (Ctrl-C again exits at once)");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    receiver
}

/// Awaits `work` unless the run is interrupted first.
async fn interruptible<T>(
    interrupt: &mut watch::Receiver<bool>,
    work: impl Future<Output = T>,
) -> Result<T, Error> {
    if *interrupt.borrow() {
        return Err(Error::Interrupted);
    }
    tokio::select! {
        value = work => Ok(value),
        Ok(_) = interrupt.wait_for(|stop| *stop) => Err(Error::Interrupted),
    }
}
