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
use crate::engine::Engine;
use crate::error::Error;
use crate::images::BuildOptions;
use crate::progress::Verbosity;
use crate::results::{
    self, DisturbancePolicy, Mode, PrecisionGoal, RunResults, RunStatus, SampleStatus,
};
use crate::spec::BuildSpec;
use events::{Consumers, ProgressView};
use session::Session;

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
    pub command_line: Vec<String>,
}

/// A new run, or the folder of one to finish.
pub enum Start {
    New(Box<RunOptions>),
    Resume(PathBuf),
}

/// How a run ended, for the exit code.
pub struct RunOutcome {
    pub dir: PathBuf,
    pub failed_cells: usize,
    /// Builds whose image could not be had (the others were measured).
    pub missing_builds: Vec<String>,
}

/// Runs (or resumes) a benchmark and writes its results and report.
pub async fn execute(start: Start, verbosity: Verbosity) -> Result<RunOutcome> {
    let mut interrupt = interrupt_watch();
    let engine = Engine::connect().await?;
    warn_about_leftovers(&engine).await;
    let cache = Cache::open()?;
    let prepared = match start {
        Start::New(options) => setup::new_run(&engine, &cache, *options).await?,
        Start::Resume(dir) => setup::resume(&dir)?,
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

    let started = interruptible(
        &mut interrupt,
        Session::start(&engine, &cache, &prepared, verbosity),
    )
    .await;
    let mut session = match started.map_err(anyhow::Error::from).and_then(|s| s) {
        Ok(session) => session,
        Err(e) => {
            crate::engine::container::remove_leftovers(&engine, Some(&header.run_id))
                .await
                .ok();
            return Err(e);
        }
    };
    let mut journal = results::Journal::append_to(&dir)?;
    for missing in &session.missing {
        journal.write(&results::JournalEntry::MissingBuild(missing.clone()))?;
    }
    // Interpreter facts and workloads: recorded once, kept on resume.
    let (builds, chosen) = match session
        .record_builds_and_workloads(&prepared.previous, &mut journal)
        .await
    {
        Ok(recorded) => recorded,
        Err(e) => {
            session.close().await;
            return Err(e);
        }
    };

    let mut consumers = Consumers {
        progress: ProgressView::new(verbosity),
        journal,
        samples: prepared.previous.samples,
    };
    let measured = measure::measure(
        &mut session,
        &header.config,
        &chosen,
        &mut consumers,
        &mut interrupt,
    )
    .await;
    consumers.progress.finish();
    let session_missing = session.missing.clone();
    session.close().await;

    let (status, error) = match measured {
        Ok(()) => (RunStatus::Complete, None),
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::Interrupted) => (RunStatus::Interrupted, Some(e)),
            _ => (RunStatus::Aborted, Some(e)),
        },
    };
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
        missing_builds: session_missing,
        workloads: chosen,
        precision: crate::analysis::precision::records(&consumers.samples),
        samples: consumers.samples,
        merged_shards: Vec::new(),
        missing_shards: Vec::new(),
        machines: Vec::new(),
        lost_engines: Vec::new(),
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
    if verbosity > Verbosity::Quiet {
        print!("{}", crate::report::terminal::summary(results));
    }
    eprintln!("results: {}", dir.join(results::RESULTS_FILE).display());
    // The results are safe on disk; a report that fails to render is redone
    // with `gilbench report`.
    if let Err(e) = crate::report::publish(results, dir) {
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

async fn warn_about_leftovers(engine: &Engine) {
    let labels = vec![format!("{}=true", crate::engine::LABEL_MANAGED)];
    if let Ok(ids) = engine.containers_with_labels(labels).await
        && !ids.is_empty()
    {
        eprintln!(
            "warning: {} container(s) from earlier gilbench runs remain; `gilbench clean` removes them",
            ids.len()
        );
    }
}
