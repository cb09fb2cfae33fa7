//! `gilbench run`: the whole matrix, one sample at a time, with nothing lost.
//!
//! `setup` begins a run (a new folder and journal header, or the journal of
//! a run being resumed); `session` keeps one hardened container per build
//! and takes samples in them; `plan` orders the samples; every event feeds
//! the progress display, the journal and the aggregator (`events`);
//! `measure` takes the samples, with extra rounds for a precision goal
//! (`rounds`). A dead
//! container is replaced, a failing cell is recorded and skipped, Ctrl-C and
//! a lost engine stop cleanly with partial results and a resumable journal.

mod defaults;
mod distribute;
mod engines;
pub mod events;
mod host;
mod measure;
pub mod plan;
pub mod rounds;
mod session;
mod setup;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use tokio::sync::watch;

use crate::cache::Cache;
use crate::engine::{Endpoint, Engine};
use crate::error::Error;
use crate::images::BuildOptions;
use crate::progress::Verbosity;
use crate::results::{
    self, Distribute, DisturbancePolicy, Mode, PrecisionGoal, RunResults, RunStatus, SampleStatus,
};
use crate::spec::BuildSpec;
use events::{Consumers, ProgressView};

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
pub struct RunOutcome {
    pub dir: PathBuf,
    pub failed_cells: usize,
    /// Builds whose image could not be had (the others were measured).
    pub missing_builds: Vec<String>,
    /// Engines that stopped answering during the run (the others finished it).
    pub lost_engines: Vec<String>,
    pub distribute: Distribute,
}

/// Runs (or resumes) a benchmark and writes its results and report.
pub async fn execute(start: Start, verbosity: Verbosity) -> Result<RunOutcome> {
    let mut interrupt = interrupt_watch();
    let cache = Cache::open()?;
    let (prepared, engines, endpoints) = match start {
        Start::New(options) => {
            let endpoints = options.endpoints();
            let engines = connect_and_warn(&endpoints).await?;
            let prepared = setup::new_run(&engines, &cache, *options).await?;
            (prepared, engines, endpoints)
        }
        Start::Resume { dir, engines } => {
            let prepared = setup::resume(&dir)?;
            let endpoints = setup::resumed_endpoints(&prepared, engines)?;
            let engines = connect_and_warn(&endpoints).await?;
            (prepared, engines, endpoints)
        }
    };
    let (dir, header) = (prepared.dir.clone(), prepared.header.clone());
    if prepared.previous.is_empty() {
        eprintln!("results go to {}", dir.display());
    } else {
        eprintln!(
            "resuming {} ({} samples already taken)",
            dir.display(),
            prepared.previous.samples.len()
        );
    }

    let mut journal = results::Journal::append_to(&dir)?;
    let started = interruptible(
        &mut interrupt,
        engines::start_sessions(
            &engines,
            &endpoints,
            &cache,
            &prepared,
            &mut journal,
            verbosity,
        ),
    )
    .await;
    let engines::Started {
        mut sessions,
        images,
        mut lost_engines,
    } = match started.map_err(anyhow::Error::from).and_then(|s| s) {
        Ok(started) => started,
        Err(e) => {
            for engine in &engines {
                crate::engine::container::remove_leftovers(engine, Some(&header.run_id))
                    .await
                    .ok();
            }
            return Err(e);
        }
    };
    for missing in &images.missing {
        journal.write(&results::JournalEntry::MissingBuild(missing.clone()))?;
    }
    let described = engines::describe_all(
        &mut sessions,
        prepared.previous.machines.clone(),
        &mut journal,
    )
    .await;
    let (machines, machine_ids) = match described {
        Ok(described) => described,
        Err(e) => {
            engines::close_all(sessions).await;
            return Err(e);
        }
    };
    // Interpreter facts and workloads: recorded once, kept on resume.
    let (builds, chosen) = match sessions[0]
        .0
        .record_builds_and_workloads(&prepared.previous, &mut journal)
        .await
    {
        Ok(recorded) => recorded,
        Err(e) => {
            engines::close_all(sessions).await;
            return Err(e);
        }
    };

    let consumers = std::cell::RefCell::new(Consumers {
        progress: ProgressView::new(verbosity),
        journal,
        samples: prepared.previous.samples,
    });
    let measured_builds = images.found.iter().map(|(s, _, _)| s.to_string()).collect();
    let plan = measure::Plan::new(
        &header.config,
        measured_builds,
        &chosen,
        &consumers.borrow().samples,
    );
    let workers = sessions
        .iter_mut()
        .zip(&machine_ids)
        .map(|((session, _), machine)| distribute::Worker {
            session,
            machine: Some(machine.clone()),
        })
        .collect();
    let measured = distribute::measure_on(
        workers,
        &plan,
        header.config.distribute,
        &cache,
        &consumers,
        &interrupt,
    )
    .await;
    let mut consumers = consumers.into_inner();
    consumers.progress.finish();
    distribute::remember_unit_times(&cache, &consumers.samples);
    engines::close_all(sessions).await;

    let (status, error) = match measured {
        Ok(lost) => {
            for engine in &lost {
                consumers
                    .journal
                    .write(&results::JournalEntry::LostEngine(engine.clone()))?;
            }
            lost_engines.extend(lost);
            (RunStatus::Complete, None)
        }
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::Interrupted) => (RunStatus::Interrupted, Some(e)),
            _ => (RunStatus::Aborted, Some(e)),
        },
    };
    let mut all_lost = prepared.previous.lost_engines;
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
        missing_builds: images.missing,
        workloads: chosen,
        precision: crate::analysis::precision::records(&consumers.samples),
        samples: consumers.samples,
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
    let failed_cells = results
        .samples
        .iter()
        .filter(|r| r.sample.status == SampleStatus::Failed)
        .map(|r| r.cell())
        .collect::<HashSet<_>>()
        .len();
    let missing_builds = results
        .missing_builds
        .iter()
        .map(|m| m.name.clone())
        .collect();
    Ok(RunOutcome {
        dir,
        failed_cells,
        missing_builds,
        lost_engines: lost_engines.into_iter().map(|l| l.engine).collect(),
        distribute: results.config.distribute,
    })
}

/// Writes `results.json` atomically, then the summary and the report.
fn write_results_and_report(
    results: &RunResults,
    dir: &std::path::Path,
    verbosity: Verbosity,
) -> Result<()> {
    let json = serde_json::to_vec_pretty(results)?;
    results::write_atomically(&dir.join(results::RESULTS_FILE), &json)?;
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
        _ = interrupt.wait_for(|stop| *stop) => Err(Error::Interrupted),
    }
}

/// Reaches the engines and says which hold containers of earlier runs,
/// before anything else can fail.
async fn connect_and_warn(endpoints: &[Endpoint]) -> Result<Vec<Engine>> {
    let engines = engines::connect_all(endpoints).await?;
    for engine in &engines {
        warn_about_leftovers(engine).await;
    }
    Ok(engines)
}

async fn warn_about_leftovers(engine: &Engine) {
    let labels = vec![format!("{}=true", crate::engine::LABEL_MANAGED)];
    if let Ok(ids) = engine.containers_with_labels(labels).await
        && !ids.is_empty()
    {
        eprintln!(
            "warning: {} container(s) from earlier gilbench runs remain on {}; `gilbench clean{}` \
             removes them",
            ids.len(),
            engine.host,
            if engine.endpoint == Endpoint::from_environment() {
                String::new()
            } else {
                format!(" --engine '{}'", engine.host)
            }
        );
    }
}
