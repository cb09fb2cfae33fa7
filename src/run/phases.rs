//! The phases every kind of sample source shares once its sources are
//! open: measure, then finish (results.json, the report, the outcome).

use anyhow::Result;
use tokio::sync::watch;

use super::events::Consumers;
use super::options::RunOutcome;
use super::progress::ProgressView;
use super::setup::{self, Prepared};
use super::source::Worker;
use super::{distribute, measure};
use crate::cache::Cache;
use crate::error::Error;
use crate::progress::Verbosity;
use crate::results::{
    self, BuildRecord, Journal, LostEngine, Machine, MissingBuild, RunResults, RunStatus,
    SampleRecord, WorkloadInfo,
};

/// A run whose sources are open, ready to measure.
pub struct Opened {
    pub(super) prepared: Prepared,
    pub(super) journal: Journal,
    pub(super) workers: Vec<Worker>,
    pub(super) machines: Vec<Machine>,
    pub(super) builds: Vec<BuildRecord>,
    pub(super) workloads: Vec<WorkloadInfo>,
    /// The builds measured (those whose image could be had).
    pub(super) measured_builds: Vec<String>,
    pub(super) missing_builds: Vec<MissingBuild>,
    /// Engines left out at the start.
    pub(super) lost_engines: Vec<LostEngine>,
}

/// What the measuring phase leaves for the finish.
struct Measured {
    samples: Vec<SampleRecord>,
    /// Engines lost during the run, or why the run stopped early.
    outcome: Result<Vec<LostEngine>>,
}

/// The phases every kind of source shares: measure, then finish.
pub async fn measure_and_finish(
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
    // The workloads' sources as uploaded, for reproducers (none if the
    // files have gone since the run began).
    let sources = crate::workloads::bundle(&crate::workloads::user_paths(&header.config.workloads))
        .map(|bundle| crate::workloads::sources(&bundle, &opened.workloads))
        .unwrap_or_default();
    let plan = measure::Sampling::new(
        &header.config,
        opened.measured_builds.clone(),
        &opened.workloads,
        &consumers.borrow().samples,
        super::jit::JitTriage::new(&opened.builds, sources, &opened.prepared.dir),
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
    super::estimate::remember_sample_times(cache, &consumers.samples);
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
    let mut results = RunResults {
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
        sample_file: None,
        merged_shards: Vec::new(),
        missing_shards: Vec::new(),
        machines,
        lost_engines: all_lost,
        package_differences: Vec::new(),
    };
    write_results_and_report(&mut results, journal, &dir, verbosity)?;
    if let Some(error) = error {
        let hint = format!(
            "the journal keeps every sample taken; finish with `gilbench run --resume {}`",
            dir.display()
        );
        return Err(error.context(hint));
    }
    Ok(RunOutcome::of(&results, dir, lost_engines))
}

/// Says where a run's results go, or that it is resumed.
pub fn announce(prepared: &Prepared) {
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

/// Seals the journal and writes `results.json` naming it as the file that
/// holds the samples, then the summary and the report.
fn write_results_and_report(
    results: &mut RunResults,
    journal: Journal,
    dir: &std::path::Path,
    verbosity: Verbosity,
) -> Result<()> {
    journal.seal()?;
    let samples = results::SampleFile {
        path: results::SEALED_JOURNAL_FILE.into(),
        count: results.samples.len(),
    };
    results.save(dir, samples)?;
    // The sealed journal holds all of it now; a resumed run unseals it.
    std::fs::remove_file(dir.join(results::JOURNAL_FILE))?;
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
