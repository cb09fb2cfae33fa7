//! A run's session with the engine: one hardened container per build, kept
//! for the whole run, each with its runner open. A sample goes to its build's
//! container; a container that dies or hangs is replaced by a fresh one.

use std::collections::HashMap;

use anyhow::{Context, Result};

use super::setup::{Prepared, Previous};
use crate::cache::Cache;
use crate::engine::Engine;
use crate::engine::container::{BENCH_DIR, BenchContainer, ContainerSpec};
use crate::error::Error;
use crate::images;
use crate::progress::Verbosity;
use crate::results::{
    BuildRecord, FailureKind, Journal, JournalEntry, MissingBuild, RunConfig, Sample, WorkloadInfo,
};
use crate::runner::{RunnerError, RunnerSession, SampleRequest};
use crate::spec::BuildSpec;
use crate::workloads::{self, Bundle};

/// One build's live state.
struct BuildSlot {
    name: String,
    spec: BuildSpec,
    image: String,
    container: BenchContainer,
    runner: RunnerSession,
}

pub struct Session<'a> {
    pub engine: &'a Engine,
    config: RunConfig,
    /// The cpuset of the containers on this engine.
    cpus: Option<String>,
    run_id: String,
    bundle: Bundle,
    slots: Vec<BuildSlot>,
}

/// A sample as the session took it; `replaced` says why the build's
/// container had to be replaced afterwards, if it had.
pub struct Taken {
    pub sample: Sample,
    pub replaced: Option<String>,
}

/// Every build's image, got on the run's first engine, or why it could
/// not be had.
#[derive(Clone)]
pub struct BuildImages {
    /// The builds that have an image: its name and id.
    pub found: Vec<(BuildSpec, String, String)>,
    pub missing: Vec<MissingBuild>,
}

impl BuildImages {
    /// Gets every image. A build whose image cannot be had is recorded as
    /// missing and the others go on; when none can be had, that is the error.
    pub async fn resolve(
        engine: &Engine,
        cache: &Cache,
        prepared: &Prepared,
        verbosity: Verbosity,
    ) -> Result<BuildImages> {
        // Per image: its name and id, or why it could not be had.
        let mut by_key: HashMap<String, Result<(String, String), String>> = HashMap::new();
        let mut first_error = None;
        for spec in &prepared.builds {
            let key = spec.image_key();
            if by_key.contains_key(&key) {
                continue;
            }
            let image =
                match images::ensure(engine, cache, spec, &prepared.build_options, verbosity).await
                {
                    Ok(image) => Ok((image.name, image.id)),
                    Err(e) if is_image_unavailable(&e) => {
                        let reason = format!("{e:#}");
                        first_error.get_or_insert(e);
                        Err(reason)
                    }
                    Err(e) => return Err(e),
                };
            by_key.insert(key, image);
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for spec in &prepared.builds {
            match &by_key[&spec.image_key()] {
                Ok((name, id)) => found.push((spec.clone(), name.clone(), id.clone())),
                Err(reason) => missing.push(MissingBuild {
                    name: spec.to_string(),
                    reason: reason.clone(),
                }),
            }
        }
        if let Some(error) = first_error
            && found.is_empty()
        {
            return Err(error);
        }
        for build in &missing {
            eprintln!(
                "error: {} will not be measured: {}",
                build.name, build.reason
            );
        }
        Ok(BuildImages { found, missing })
    }
}

impl<'a> Session<'a> {
    /// Starts one container per build that has an image, each with its
    /// runner open, on `engine` with its containers on `cpus`; on any
    /// failure nothing is left running.
    pub async fn start(
        engine: &'a Engine,
        cpus: Option<String>,
        images: &BuildImages,
        prepared: &Prepared,
    ) -> Result<Session<'a>> {
        let config = prepared.header.config.clone();
        let bundle = workloads::bundle(&workloads::user_paths(&config.workloads))?;
        let mut session = Session {
            engine,
            config,
            cpus,
            run_id: prepared.header.run_id.clone(),
            bundle,
            slots: Vec::new(),
        };
        // Containers start concurrently: it is I/O with the engine, not measurement.
        let starts = images
            .found
            .iter()
            .map(|(spec, image, _)| session.open_slot(spec.clone(), image.clone()));
        let started: Vec<Result<BuildSlot>> = futures_util::future::join_all(starts).await;
        let mut first_error = None;
        for result in started {
            match result {
                Ok(slot) => session.slots.push(slot),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        if let Some(error) = first_error {
            session.close().await;
            return Err(error);
        }
        Ok(session)
    }

    fn container_spec(&self, build: &str, image: &str) -> ContainerSpec {
        let max_threads = self.config.threads.iter().copied().max().unwrap_or(1) as i64;
        ContainerSpec {
            image: image.to_string(),
            run_id: self.run_id.clone(),
            build: build.to_string(),
            cpuset: self.cpus.clone(),
            memory_bytes: self.config.memory_bytes,
            // The runner, its sample process, N workers (threads or processes,
            // each with a few helper threads), and headroom for tools.
            pids_limit: 64 + 16 * max_threads,
        }
    }

    async fn open_slot(&self, spec: BuildSpec, image: String) -> Result<BuildSlot> {
        let name = spec.to_string();
        let container_spec = self.container_spec(&name, &image);
        let container =
            BenchContainer::start(self.engine, &container_spec, &self.bundle.files).await?;
        match container.open_runner(&spec.run_env()).await {
            Ok(runner) => Ok(BuildSlot {
                name,
                spec,
                image,
                container,
                runner,
            }),
            Err(e) => {
                container.remove().await;
                Err(e)
            }
        }
    }

    /// The CPU's model, as the interpreter in the first container sees it.
    pub async fn cpu_model(&mut self) -> Option<String> {
        let facts = self.slots.first_mut()?.runner.facts(None).await.ok()?;
        facts.get("cpu_model")?.as_str().map(str::to_string)
    }

    /// Records each build's facts and the chosen workloads in the journal,
    /// or takes them from the journal of a resumed run.
    pub async fn record_builds_and_workloads(
        &mut self,
        previous: &Previous,
        journal: &mut Journal,
    ) -> Result<(Vec<BuildRecord>, Vec<WorkloadInfo>)> {
        let mut builds = previous.builds.clone();
        for slot in self.slots.iter_mut() {
            if builds.iter().any(|b| b.name == slot.name) {
                continue;
            }
            let record = build_record(self.engine, slot).await?;
            journal.write(&JournalEntry::Build(record.clone()))?;
            builds.push(record);
        }
        if let Some(chosen) = &previous.workloads {
            return Ok((builds, chosen.clone()));
        }
        let paths: Vec<String> = self
            .bundle
            .describe
            .iter()
            .map(|p| format!("{BENCH_DIR}/{p}"))
            .collect();
        let described = self.slots[0]
            .runner
            .describe(&paths)
            .await
            .context("describing the workloads")?;
        let chosen = workloads::select(&described, &self.config.workloads)?;
        journal.write(&JournalEntry::Workloads {
            workloads: chosen.clone(),
        })?;
        Ok((builds, chosen))
    }

    /// One sample on `build`. A dead or hung container becomes a failed
    /// sample and is replaced; only a lost engine is an error.
    pub async fn take_sample(&mut self, build: &str, request: &SampleRequest) -> Result<Taken> {
        let index = self
            .slots
            .iter()
            .position(|s| s.name == build)
            .expect("every build has a slot");
        let failure = match self.slots[index].runner.sample(request).await {
            Ok(sample) => {
                return Ok(Taken {
                    sample,
                    replaced: None,
                });
            }
            Err(e) => e,
        };
        self.engine.alive().await?;
        let state = self.slots[index].container.state().await.ok();
        let (kind, reason) = match (&failure, state) {
            (_, Some(state)) if state.oom_killed => (
                FailureKind::Oom,
                "the container was killed for exceeding its memory limit".to_string(),
            ),
            (_, Some(state)) if !state.running => (
                FailureKind::ContainerDied,
                format!("the container stopped during the sample ({failure})"),
            ),
            (RunnerError::Timeout(_), _) => (
                FailureKind::Timeout,
                format!("the runner did not answer: {failure}"),
            ),
            _ => (FailureKind::Protocol, failure.to_string()),
        };
        self.replace(index).await?;
        Ok(Taken {
            sample: request.failed(kind, reason.clone()),
            replaced: Some(reason),
        })
    }

    /// Starts afresh: the old container may be dead, hung or in an unknown state.
    async fn replace(&mut self, index: usize) -> Result<()> {
        let old = &self.slots[index];
        old.container.remove().await;
        let slot = self.open_slot(old.spec.clone(), old.image.clone()).await?;
        self.slots[index] = slot;
        Ok(())
    }

    /// Removes every container of the session.
    pub async fn close(self) {
        for slot in &self.slots {
            slot.container.remove().await;
        }
    }
}

async fn build_record(engine: &Engine, slot: &mut BuildSlot) -> Result<BuildRecord> {
    let facts = slot
        .runner
        .facts(None)
        .await
        .with_context(|| format!("reading interpreter facts of {}", slot.name))?;
    let (image_id, image_labels) = engine.image_identity(&slot.image).await?;
    let packages = image_labels
        .get(crate::images::recipe::label::LOCK)
        .map(|lock| crate::deps::lock::from_label(lock))
        .unwrap_or_default();
    Ok(BuildRecord {
        name: slot.name.clone(),
        image: slot.image.clone(),
        image_id,
        image_labels,
        runtime_env: slot.spec.run_env().into_iter().collect(),
        facts,
        packages,
    })
}

/// Whether an error means an image could not be had (a failed build or
/// pull), which costs that build only.
fn is_image_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<Error>(),
            Some(Error::ImageUnavailable(_))
        )
    })
}
