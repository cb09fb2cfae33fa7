//! Samples taken in a Docker engine: one hardened container per build, kept
//! for the whole run, each with its runner open. A sample goes to its build's
//! container; a container that dies or hangs is replaced by a fresh one.

use std::collections::HashMap;

use anyhow::{Context, Result};

use futures_util::FutureExt;
use futures_util::future::LocalBoxFuture;

use super::images::BuildImages;
use crate::engine::Engine;
use crate::engine::container::{BENCH_DIR, BenchContainer, ContainerSpec};
use crate::results::{BuildRecord, FailureKind, Journal, RunConfig, ScriptRun, WorkloadInfo};
use crate::run::setup::{Prepared, Previous};
use crate::run::source::{
    NamedRunner, SampleSource, Taken, failure_of, record_builds_and_workloads, script_run,
};
use crate::runner::{RunnerError, RunnerSession, SampleRequest, ScriptRequest};
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

/// One engine's containers, a sample source.
pub struct DockerSource {
    pub engine: Engine,
    config: RunConfig,
    /// The cpuset of the containers on this engine.
    cpus: Option<String>,
    run_id: String,
    bundle: Bundle,
    slots: Vec<BuildSlot>,
}

impl DockerSource {
    /// Starts one container per build that has an image, each with its
    /// runner open, on `engine` with its containers on `cpus`; on any
    /// failure nothing is left running.
    pub async fn start(
        engine: &Engine,
        cpus: Option<String>,
        images: &BuildImages,
        prepared: &Prepared,
    ) -> Result<DockerSource> {
        let config = prepared.header.config.clone();
        let bundle = workloads::bundle(&workloads::user_paths(&config.workloads))?;
        let mut session = DockerSource {
            engine: engine.clone(),
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
            session.remove_containers().await;
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
            bench_bytes: crate::workloads::BENCH_FOLDER_BYTES,
        }
    }

    async fn open_slot(&self, spec: BuildSpec, image: String) -> Result<BuildSlot> {
        let name = spec.to_string();
        let container_spec = self.container_spec(&name, &image);
        let container =
            BenchContainer::start(&self.engine, &container_spec, &self.bundle.files).await?;
        match open_runner(&container, &spec.run_env()).await {
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
        let images: HashMap<String, (String, BuildSpec)> = self
            .slots
            .iter()
            .map(|s| (s.name.clone(), (s.image.clone(), s.spec.clone())))
            .collect();
        let paths: Vec<String> = self
            .bundle
            .describe
            .iter()
            .map(|p| format!("{BENCH_DIR}/{p}"))
            .collect();
        let runners = self
            .slots
            .iter_mut()
            .map(|s| NamedRunner {
                name: &s.name,
                runner: &mut s.runner,
            })
            .collect();
        let engine = &self.engine;
        record_builds_and_workloads(
            runners,
            previous,
            &self.bundle,
            &paths,
            &self.config.workloads,
            journal,
            async |name, facts| {
                let (image, spec) = &images[name];
                build_record(engine, name, image, spec, facts).await
            },
        )
        .await
    }

    /// What `build`'s runner answers to `question`; where it gives none,
    /// how that failed (what the container saw decides), and the container
    /// is replaced. Only a lost engine is an error.
    async fn ask<T>(
        &mut self,
        build: &str,
        question: impl AsyncFnOnce(&mut RunnerSession) -> Result<T, RunnerError>,
    ) -> Result<Result<T, (FailureKind, String)>> {
        let index = self
            .slots
            .iter()
            .position(|s| s.name == build)
            .expect("every build has a slot");
        let error = match question(&mut self.slots[index].runner).await {
            Ok(answer) => return Ok(Ok(answer)),
            Err(e) => e,
        };
        self.engine.alive().await?;
        let state = self.slots[index].container.state().await.ok();
        let failure = failure_of(
            &error,
            state.is_some_and(|s| s.oom_killed),
            state.is_some_and(|s| !s.running),
        );
        self.replace(index).await?;
        Ok(Err(failure))
    }

    /// Starts afresh: the old container may be dead, hung or in an unknown state.
    async fn replace(&mut self, index: usize) -> Result<()> {
        let old = &self.slots[index];
        old.container.remove().await;
        let slot = self.open_slot(old.spec.clone(), old.image.clone()).await?;
        self.slots[index] = slot;
        Ok(())
    }

    async fn remove_containers(&self) {
        for slot in &self.slots {
            slot.container.remove().await;
        }
    }
}

impl SampleSource for DockerSource {
    fn place(&self) -> &str {
        &self.engine.host
    }

    fn take_sample<'a>(
        &'a mut self,
        build: &'a str,
        request: &'a SampleRequest,
    ) -> LocalBoxFuture<'a, Result<Taken>> {
        async move {
            let answer = self
                .ask(build, async |runner| runner.sample(request).await)
                .await?;
            Ok(Taken::of(request, answer))
        }
        .boxed_local()
    }

    fn run_script<'a>(
        &'a mut self,
        build: &'a str,
        request: &'a ScriptRequest,
    ) -> LocalBoxFuture<'a, Result<ScriptRun>> {
        async move {
            let answer = self
                .ask(build, async |runner| runner.script(request).await)
                .await?;
            Ok(script_run(answer))
        }
        .boxed_local()
    }

    fn alive(&self) -> LocalBoxFuture<'_, Result<()>> {
        self.engine.alive().boxed_local()
    }

    fn close(self: Box<Self>) -> LocalBoxFuture<'static, ()> {
        async move { self.remove_containers().await }.boxed_local()
    }
}

/// Starts the runner package (`python3 runner serve`) in the container
/// with `env` added, and speaks the protocol over the exec's streams.
pub async fn open_runner(
    container: &BenchContainer,
    env: &[(String, String)],
) -> Result<RunnerSession> {
    let runner = format!("{BENCH_DIR}/runner");
    let (input, output) = container
        .exec(vec!["python3", runner.as_str(), "serve"], env)
        .await
        .context("starting the runner")?;
    Ok(RunnerSession::new(input, Box::pin(output), None))
}

/// A build's record: its facts, and the image it ran from.
async fn build_record(
    engine: &Engine,
    name: &str,
    image: &str,
    spec: &BuildSpec,
    facts: serde_json::Value,
) -> Result<BuildRecord> {
    let (image_id, image_labels) = engine.image_identity(image).await?;
    let packages = image_labels
        .get(crate::images::recipe::label::LOCK)
        .map(|lock| crate::deps::lock::from_label(lock))
        .unwrap_or_default();
    Ok(BuildRecord {
        name: name.to_string(),
        image: image.to_string(),
        image_id,
        image_labels,
        runtime_env: spec.run_env().into_iter().collect(),
        facts,
        packages,
    })
}
