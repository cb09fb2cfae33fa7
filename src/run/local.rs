//! Samples taken on this host: each build is an interpreter of this host
//! (its path and the environment it runs with), its runner a plain child
//! process. Nothing is isolated — no container, no memory limit, the
//! host's own load — so it is no way to compare CPython builds; it runs
//! the whole driver (rounds, retakes, precision, resume, shards) in seconds
//! without a Docker engine, which is what the tests use it for.

use std::path::PathBuf;

use anyhow::{Context, Result};
use futures_util::FutureExt;
use futures_util::future::LocalBoxFuture;
use tokio::sync::watch;

use super::host;
use super::options::{RunOptions, RunOutcome, Start};
use super::phases::{Opened, announce, measure_and_finish};
use super::setup::{self, Prepared};
use super::source::Worker;
use super::source::{
    NamedRunner, SampleSource, Taken, failure_of, record_builds_and_workloads, script_run,
};
use crate::cache::Cache;
use crate::error::invalid_input;
use crate::progress::Verbosity;
use crate::results::machine::{record_machine, unique_id};
use crate::results::{BuildRecord, FailureKind, Journal, JournalEntry, Machine, ScriptRun};
use crate::runner::{RunnerError, RunnerSession, SampleRequest, ScriptRequest};
use crate::workloads::{self, Bundle};

/// What `engine` says of a machine whose samples were taken on this host.
const PLACE: &str = "local";

/// A build as this host has it: an interpreter and its environment.
#[derive(Debug, Clone)]
pub struct LocalBuild {
    pub name: String,
    pub python: PathBuf,
    pub env: Vec<(String, String)>,
}

struct Slot {
    build: LocalBuild,
    runner: RunnerSession,
}

/// The host's interpreters, a sample source.
pub struct LocalSource {
    /// The runner and workloads as a container holds them (`bench/`), and
    /// the runners' working folder (`work/`).
    files: Folder,
    /// The command the runners start with (`taskset` when CPUs are given).
    prefix: Vec<String>,
    slots: Vec<Slot>,
}

impl LocalSource {
    /// Lays out `bundle` in the run's folder under the system's temporary
    /// folder (the same on resume, so recorded workload paths hold) and
    /// starts a runner per build, on `cpus` when given.
    pub async fn start(
        builds: Vec<LocalBuild>,
        bundle: &Bundle,
        cpus: Option<&str>,
        run_id: &str,
    ) -> Result<LocalSource> {
        let files = Folder::new(std::env::temp_dir().join(format!("gilbench-local-{run_id}")))?;
        for (path, contents) in &bundle.files {
            let target = files.path().join("bench").join(path);
            std::fs::create_dir_all(target.parent().expect("a file in a folder"))?;
            std::fs::write(&target, contents)?;
        }
        std::fs::create_dir_all(files.path().join("work"))?;
        let prefix = match cpus {
            Some(cpus) => vec!["taskset".into(), "-c".into(), cpus.into()],
            None => Vec::new(),
        };
        let mut source = LocalSource {
            files,
            prefix,
            slots: Vec::new(),
        };
        for build in builds {
            let runner = source.open(&build)?;
            source.slots.push(Slot { build, runner });
        }
        Ok(source)
    }

    fn bench_dir(&self) -> PathBuf {
        self.files.path().join("bench")
    }

    fn open(&self, build: &LocalBuild) -> Result<RunnerSession> {
        let mut command = self.prefix.clone();
        command.push(build.python.to_string_lossy().into_owned());
        RunnerSession::spawn_local(
            &command,
            &self.bench_dir().join("runner"),
            &self.files.path().join("work"),
            &build.env,
        )
        .with_context(|| format!("starting the runner with {}", build.python.display()))
    }

    /// What `build`'s runner answers to `question`; where it gives none,
    /// how that failed, and the runner is started afresh.
    async fn ask<T>(
        &mut self,
        build: &str,
        question: impl AsyncFnOnce(&mut RunnerSession) -> Result<T, RunnerError>,
    ) -> Result<Result<T, (FailureKind, String)>> {
        let index = self
            .slots
            .iter()
            .position(|s| s.build.name == build)
            .expect("every build has a slot");
        let error = match question(&mut self.slots[index].runner).await {
            Ok(answer) => return Ok(Ok(answer)),
            Err(e) => e,
        };
        self.slots[index].runner = self.open(&self.slots[index].build)?;
        Ok(Err(failure_of(&error, false, false)))
    }
}

impl SampleSource for LocalSource {
    fn place(&self) -> &str {
        PLACE
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
        async { Ok(()) }.boxed_local()
    }

    fn close(self: Box<Self>) -> LocalBoxFuture<'static, ()> {
        async move {
            for slot in self.slots {
                slot.runner.shutdown().await;
            }
        }
        .boxed_local()
    }
}

/// Runs (or resumes) a benchmark of `builds` on this host and writes its
/// results and report; `interrupt` stops it as Ctrl-C does. The options'
/// image and engine settings do not apply here.
pub async fn execute(
    start: Start,
    builds: Vec<LocalBuild>,
    cache: &Cache,
    interrupt: watch::Receiver<bool>,
    verbosity: Verbosity,
) -> Result<RunOutcome> {
    let prepared = match start {
        Start::New(options) => new_run(*options, &builds)?,
        Start::Resume { dir, .. } => setup::resume(&dir)?,
    };
    let names = &prepared.header.config.builds;
    if let Some(missing) = names.iter().find(|n| !builds.iter().any(|b| &b.name == *n)) {
        return Err(invalid_input(format!(
            "the run measures {missing}, which no local build is named"
        )));
    }
    announce(&prepared);
    let opened = open(prepared, builds).await?;
    measure_and_finish(opened, cache, interrupt, verbosity).await
}

fn new_run(options: RunOptions, builds: &[LocalBuild]) -> Result<Prepared> {
    workloads::check_selectors(&options.workloads)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    let cpus_given = host::cpus_given(options.cpus.as_deref(), cores)?;
    let names = builds.iter().map(|b| b.name.clone()).collect();
    setup::new_run(options, names, host::environment(None), cpus_given)
}

/// Starts the runners and records the machine, the builds and the workloads.
async fn open(prepared: Prepared, builds: Vec<LocalBuild>) -> Result<Opened> {
    let config = &prepared.header.config;
    let bundle = workloads::bundle(&workloads::user_paths(&config.workloads))?;
    let mut journal = Journal::append_to(&prepared.dir)?;
    let run_id = &prepared.header.run_id;
    let mut source = LocalSource::start(builds, &bundle, config.cpus.as_deref(), run_id).await?;
    let machine = this_machine(&prepared.previous.machines, config.cpus.clone());
    let mut machines = prepared.previous.machines.clone();
    if !machines.contains(&machine) {
        journal.write(&JournalEntry::Machine(machine.clone()))?;
        record_machine(&mut machines, machine.clone());
    }
    let paths: Vec<String> = bundle
        .describe
        .iter()
        .map(|p| source.bench_dir().join(p).to_string_lossy().into_owned())
        .collect();
    let local_builds: Vec<LocalBuild> = source.slots.iter().map(|s| s.build.clone()).collect();
    let runners = source
        .slots
        .iter_mut()
        .map(|s| NamedRunner {
            name: &s.build.name,
            runner: &mut s.runner,
        })
        .collect();
    let (builds, workloads) = record_builds_and_workloads(
        runners,
        &prepared.previous,
        &bundle,
        &paths,
        &config.workloads,
        &mut journal,
        async |name, facts| Ok(build_record(&local_builds, name, facts)),
    )
    .await?;
    let measured_builds = config.builds.clone();
    Ok(Opened {
        prepared,
        journal,
        workers: vec![Worker {
            source: Box::new(source),
            machine: Some(machine.id.clone()),
        }],
        machines,
        builds,
        workloads,
        measured_builds,
        missing_builds: Vec::new(),
        lost_engines: Vec::new(),
    })
}

fn build_record(builds: &[LocalBuild], name: &str, facts: serde_json::Value) -> BuildRecord {
    let build = builds
        .iter()
        .find(|b| b.name == name)
        .expect("a known build");
    BuildRecord {
        name: name.to_string(),
        image: build.python.to_string_lossy().into_owned(),
        image_id: String::new(),
        image_labels: Default::default(),
        runtime_env: build.env.iter().cloned().collect(),
        facts,
        packages: Vec::new(),
    }
}

/// A folder made afresh and removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(path: PathBuf) -> Result<Folder> {
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Folder(path))
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// This host as a machine: the one a resumed run knew, else a new one.
fn this_machine(known: &[Machine], cpus: Option<String>) -> Machine {
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string());
    if let Some(machine) = known
        .iter()
        .find(|m| m.engine == PLACE && m.host_name == host_name)
    {
        return machine.clone();
    }
    let taken: Vec<String> = known.iter().map(|m| m.id.clone()).collect();
    Machine {
        id: unique_id(host_name.as_deref().unwrap_or(PLACE), &taken),
        engine: PLACE.to_string(),
        engine_id: None,
        engine_version: None,
        host_name,
        cpu_model: host::host_cpu_model(),
        cores: std::thread::available_parallelism()
            .ok()
            .map(|n| n.get() as i64),
        kernel: host::host_kernel(),
        memory_bytes: None,
        cpus,
    }
}
