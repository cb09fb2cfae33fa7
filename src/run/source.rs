//! The seam between the run driver and where samples are taken.
//!
//! Rounds, retakes, precision, shards and the distribution over engines
//! see only [`SampleSource`]: a Docker engine's containers (`docker.rs`)
//! are one kind of place, the host's own interpreters (`local.rs`) another.
//! A new isolation mode is one more implementation.

use anyhow::{Context, Result};
use futures_util::future::LocalBoxFuture;

use crate::results::{
    BuildRecord, FailureKind, Journal, JournalEntry, Sample, ScriptRun, WorkloadInfo,
};
use crate::runner::{RunnerError, RunnerSession, SampleRequest, ScriptRequest};
use crate::workloads::Bundle;

use super::setup::Previous;

/// A sample as the source took it; `replaced` says why the build's runner
/// (and its container) had to be started afresh afterwards, if it had.
pub struct Taken {
    pub sample: Sample,
    pub replaced: Option<String>,
}

impl Taken {
    /// A runner's answer to `request`, or how the runner failed to give
    /// one (its runner is replaced for that reason).
    pub fn of(request: &SampleRequest, answer: Result<Sample, (FailureKind, String)>) -> Taken {
        match answer {
            Ok(sample) => Taken {
                sample,
                replaced: None,
            },
            Err((kind, reason)) => Taken {
                sample: request.failed(kind, reason.clone()),
                replaced: Some(reason),
            },
        }
    }
}

/// A program's run from a runner's answer, or why there was none.
pub fn script_run(answer: Result<ScriptRun, (FailureKind, String)>) -> ScriptRun {
    answer.unwrap_or_else(|(_, reason)| ScriptRun::not_run(reason))
}

/// One source's part of a run: where it samples, and the machine its
/// samples name.
pub struct Worker {
    pub source: Box<dyn SampleSource>,
    pub machine: Option<String>,
}

/// Where one engine's (or the host's) samples are taken, one at a time.
pub trait SampleSource {
    /// The address samples are taken at, for messages and lost-engine records.
    fn place(&self) -> &str;

    /// One sample on `build`. A dead or hung runner becomes a failed sample
    /// and is replaced; only a lost place is an error.
    fn take_sample<'a>(
        &'a mut self,
        build: &'a str,
        request: &'a SampleRequest,
    ) -> LocalBoxFuture<'a, Result<Taken>>;

    /// Runs a program (a reproducer) once on `build`, as its samples run.
    /// A dead or hung runner is replaced, and the program's run says why it
    /// has no end; only a lost place is an error.
    fn run_script<'a>(
        &'a mut self,
        build: &'a str,
        request: &'a ScriptRequest,
    ) -> LocalBoxFuture<'a, Result<ScriptRun>>;

    /// Whether the place still answers.
    fn alive(&self) -> LocalBoxFuture<'_, Result<()>>;

    /// Stops every runner and removes what the source started.
    fn close(self: Box<Self>) -> LocalBoxFuture<'static, ()>;
}

/// How a sample the runner could not report failed, in the words of the
/// samples: what the place saw (`died`, `oom`) decides before the runner's
/// own error.
pub fn failure_of(error: &RunnerError, oom: bool, died: bool) -> (FailureKind, String) {
    if oom {
        return (
            FailureKind::Oom,
            "the container was killed for exceeding its memory limit".to_string(),
        );
    }
    if died {
        return (
            FailureKind::ContainerDied,
            format!("the container stopped during the sample ({error})"),
        );
    }
    match error {
        RunnerError::Timeout(_) => (
            FailureKind::Timeout,
            format!("the runner did not answer: {error}"),
        ),
        _ => (FailureKind::Protocol, error.to_string()),
    }
}

/// A build's open runner, named, for recording its facts.
pub struct NamedRunner<'r> {
    pub name: &'r str,
    pub runner: &'r mut RunnerSession,
}

/// Records the facts of each build not yet recorded (through `record`,
/// which adds what the place knows of the build's image), and the chosen
/// workloads (described by the first runner from `describe_paths`, each
/// with its file's hash from `bundle`), in the journal; a resumed run keeps what its journal holds.
pub async fn record_builds_and_workloads(
    runners: Vec<NamedRunner<'_>>,
    previous: &Previous,
    bundle: &Bundle,
    describe_paths: &[String],
    selectors: &[String],
    journal: &mut Journal,
    mut record: impl AsyncFnMut(&str, serde_json::Value) -> Result<BuildRecord>,
) -> Result<(Vec<BuildRecord>, Vec<WorkloadInfo>)> {
    let mut builds = previous.builds.clone();
    let mut first = None;
    for NamedRunner { name, runner } in runners {
        if !builds.iter().any(|b| b.name == name) {
            let facts = runner
                .facts(None)
                .await
                .with_context(|| format!("reading interpreter facts of {name}"))?;
            let build = record(name, facts).await?;
            journal.write(&JournalEntry::Build(build.clone()))?;
            builds.push(build);
        }
        first.get_or_insert(runner);
    }
    if let Some(chosen) = &previous.workloads {
        return Ok((builds, chosen.clone()));
    }
    let runner = first.context("no build to describe the workloads with")?;
    let described = runner
        .describe(describe_paths)
        .await
        .context("describing the workloads")?;
    let mut chosen = crate::workloads::select(&described, selectors)?;
    for workload in &mut chosen {
        workload.sha256 = bundle.sha256_of(&workload.path);
    }
    journal.write(&JournalEntry::Workloads {
        workloads: chosen.clone(),
    })?;
    Ok((builds, chosen))
}
