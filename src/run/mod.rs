//! `gilbench run`: the whole matrix, one sample at a time, with nothing lost.
//!
//! Images come from the image pipeline; each build gets one long-lived,
//! hardened container; samples are scheduled by `plan`; every event feeds
//! the progress display, the journal and the aggregator (`events`). A dead
//! container is replaced, a failing cell is recorded and skipped, Ctrl-C
//! and a lost engine stop cleanly with partial results and a resumable
//! journal.

pub mod events;
pub mod plan;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use tokio::sync::watch;

use crate::cache::Cache;
use crate::cli::RunArgs;
use crate::engine::Engine;
use crate::engine::container::{BENCH_DIR, BenchContainer, ContainerSpec};
use crate::error::{Error, invalid_input};
use crate::images::{self, BuildOptions};
use crate::progress::Verbosity;
use crate::results::{
    self, BuildRecord, Environment, FailureKind, Journal, JournalEntry, Mode, RunConfig, RunHeader,
    RunResults, RunStatus, Sample, SampleKey, SampleRecord, SampleStatus, WorkloadInfo,
};
use crate::runner::{RunnerError, RunnerSession, SampleRequest};
use crate::spec::BuildSpec;
use crate::workloads;
use events::{Consumers, Event, ProgressView};

pub const DEFAULT_BUILDS: [&str; 3] = ["3.13", "3.13t", "3.13-jit"];

/// Validated options of a run.
pub struct RunOptions {
    pub builds: Vec<BuildSpec>,
    pub build_options: BuildOptions,
    pub workloads: Vec<String>,
    pub modes: Vec<Mode>,
    pub threads: Option<Vec<u32>>,
    pub repeat: u32,
    pub warmup: u32,
    pub timeout: Duration,
    pub cpus: Option<String>,
    pub memory_bytes: i64,
    pub output: Option<PathBuf>,
    pub seed: Option<u64>,
    pub command_line: Vec<String>,
}

impl RunOptions {
    pub fn from_args(args: RunArgs, command_line: Vec<String>) -> Result<RunOptions> {
        let builds = if args.builds.is_empty() {
            DEFAULT_BUILDS
                .iter()
                .map(|s| s.parse().expect("valid"))
                .collect()
        } else {
            args.builds
        };
        let mut names = HashSet::new();
        for build in &builds {
            if !names.insert(build.to_string()) {
                return Err(invalid_input(format!("build {build} is given twice")));
            }
        }
        let build_options = args.options.into_options()?;
        for build in &builds {
            images::validate(build, &build_options)?;
        }
        // Paths are made absolute so that a resumed run finds them from anywhere.
        let workloads = args
            .workloads
            .iter()
            .map(|w| {
                if workloads::is_path(w) {
                    std::path::absolute(w)
                        .map(|p| p.display().to_string())
                        .map_err(|e| invalid_input(format!("workload path {w}: {e}")))
                } else {
                    Ok(w.clone())
                }
            })
            .collect::<Result<Vec<_>>>()?;
        if args.threads.contains(&0) {
            return Err(invalid_input("--threads takes counts of 1 or more"));
        }
        let mut modes = args.modes;
        modes.dedup();
        Ok(RunOptions {
            builds,
            build_options,
            workloads,
            modes,
            threads: (!args.threads.is_empty()).then_some(args.threads),
            repeat: args.repeat,
            warmup: args.warmup,
            timeout: args.timeout,
            cpus: args.cpus,
            memory_bytes: args.memory,
            output: args.output,
            seed: args.seed,
            command_line,
        })
    }
}

/// How a run ended, for the exit code.
pub struct RunOutcome {
    pub dir: PathBuf,
    pub failed_cells: usize,
}

/// One build's live state during the run.
struct BuildSlot {
    name: String,
    spec: BuildSpec,
    image: String,
    env: Vec<(String, String)>,
    container: BenchContainer,
    runner: RunnerSession,
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

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn new_run_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Runs (or resumes) a benchmark and writes its results.
pub async fn execute(
    options: Option<RunOptions>,
    resume: Option<PathBuf>,
    verbosity: Verbosity,
) -> Result<RunOutcome> {
    let mut interrupt = interrupt_watch();
    let engine = Engine::connect().await?;
    warn_about_leftovers(&engine).await;
    let cache = Cache::open()?;

    // The plan: a new one, or the one in the journal being resumed.
    let (dir, header, previous, options) = match resume {
        Some(dir) => load_for_resume(&dir)?,
        None => {
            let options = options.expect("a new run has options");
            create_run(&engine, options).await?
        }
    };
    let (run_id, config) = (header.run_id.clone(), header.config.clone());
    let mut journal = Journal::append_to(&dir)?;
    if previous.samples.is_empty() && previous.builds.is_empty() {
        eprintln!("results go to {}", dir.display());
    } else {
        eprintln!(
            "resuming {} ({} samples already taken)",
            dir.display(),
            previous.samples.len()
        );
    }

    let outcome = async {
        let slots = interruptible(
            &mut interrupt,
            start_builds(&engine, &cache, &options, &config, &run_id, verbosity),
        )
        .await??;
        Ok::<_, anyhow::Error>(slots)
    }
    .await;
    let mut slots = match outcome {
        Ok(slots) => slots,
        Err(e) => {
            crate::engine::container::remove_leftovers(&engine, Some(&run_id))
                .await
                .ok();
            return Err(e);
        }
    };

    // Interpreter facts and workloads: recorded once, kept on resume.
    let prepared =
        record_builds_and_workloads(&engine, &config, &previous, &mut slots, &mut journal).await;
    let (builds, chosen) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            for slot in &slots {
                slot.container.remove().await;
            }
            return Err(e);
        }
    };

    let mut consumers = Consumers {
        progress: ProgressView::new(verbosity),
        journal,
        samples: previous.samples.clone(),
    };
    let status = measure(
        &engine,
        &config,
        &run_id,
        &chosen,
        &mut slots,
        &mut consumers,
        &mut interrupt,
    )
    .await;
    consumers.progress.finish();

    for slot in &slots {
        slot.container.remove().await;
    }
    let (status, error) = match status {
        Ok(()) => (RunStatus::Complete, None),
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::Interrupted) => (RunStatus::Interrupted, Some(e)),
            _ => (RunStatus::Aborted, Some(e)),
        },
    };
    let results = RunResults {
        schema_version: results::SCHEMA_VERSION,
        gilbench_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id,
        status,
        started_at: header.started_at,
        finished_at: Some(timestamp()),
        command_line: header.command_line,
        config,
        environment: header.environment,
        builds,
        workloads: chosen,
        samples: consumers.samples,
    };
    let json = serde_json::to_vec_pretty(&results)?;
    results::write_atomically(&dir.join(results::RESULTS_FILE), &json)?;
    if verbosity > Verbosity::Quiet {
        print!("{}", crate::report::terminal::summary(&results));
    }
    eprintln!("results: {}", dir.join(results::RESULTS_FILE).display());
    // The results are safe on disk; a report that fails to render is redone
    // with `gilbench report`.
    if let Err(e) = crate::report::publish(&results, &dir) {
        eprintln!(
            "warning: the report could not be written ({e:#}); `gilbench report {}` retries",
            dir.display()
        );
    }
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
    Ok(RunOutcome { dir, failed_cells })
}

/// What a journal already holds.
#[derive(Default)]
struct Previous {
    builds: Vec<BuildRecord>,
    workloads: Option<Vec<WorkloadInfo>>,
    samples: Vec<SampleRecord>,
}

fn load_for_resume(dir: &Path) -> Result<(PathBuf, RunHeader, Previous, RunOptions)> {
    let entries = Journal::read(dir)
        .map_err(|e| invalid_input(format!("cannot resume {}: {e:#}", dir.display())))?;
    let mut entries = entries.into_iter();
    let header = match entries.next() {
        Some(JournalEntry::Header(header)) => header,
        _ => {
            return Err(invalid_input(format!(
                "{} has no journal header to resume from",
                dir.display()
            )));
        }
    };
    let mut previous = Previous::default();
    for entry in entries {
        match entry {
            JournalEntry::Build(record) => previous.builds.push(record),
            JournalEntry::Workloads { workloads } => previous.workloads = Some(workloads),
            JournalEntry::Sample(record) => previous.samples.push(record),
            JournalEntry::Header(_) => {}
        }
    }
    let (command_line, config) = (&header.command_line, &header.config);
    // The original command decides the images; the recorded config decides the rest.
    let args = crate::cli::Cli::run_args_from(command_line)
        .map_err(|e| invalid_input(format!("cannot re-read the recorded command line: {e}")))?;
    let mut options = RunOptions::from_args(args, command_line.clone())?;
    options.builds = config
        .builds
        .iter()
        .map(|b| b.parse())
        .collect::<Result<_, _>>()?;
    apply_recorded_build_options(&mut options.build_options, &config.build_options)?;
    Ok((dir.to_path_buf(), header, previous, options))
}

/// Creates the output folder and the journal header of a new run.
async fn create_run(
    engine: &Engine,
    options: RunOptions,
) -> Result<(PathBuf, RunHeader, Previous, RunOptions)> {
    let info = engine.docker.info().await?;
    let engine_cpus = info.ncpu.unwrap_or(1).max(1) as u32;
    let cpus_given = match &options.cpus {
        Some(set) => parse_cpuset(set, engine_cpus)?,
        None => engine_cpus,
    };
    let threads = options
        .threads
        .clone()
        .unwrap_or_else(|| plan::default_threads(cpus_given));
    let run_id = new_run_id();
    let dir = match &options.output {
        Some(dir) => dir.clone(),
        None => {
            let stamp = timestamp()
                .replace(['-', ':'], "")
                .replace('T', "-")
                .trim_end_matches('Z')
                .to_string();
            PathBuf::from("reports").join(format!("{stamp}-{}", &run_id[..6]))
        }
    };
    if dir.join(results::JOURNAL_FILE).exists() {
        return Err(invalid_input(format!(
            "{} already holds a run; resume it with --resume {0}, or choose another --output",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let version = engine.docker.version().await?;
    let environment = Environment {
        host_cpu_model: host_cpu_model(),
        host_cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        host_kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string()),
        engine_version: version.version,
        engine_api_version: engine.api_version(),
        engine_os: info.operating_system,
        engine_kernel: info.kernel_version,
        engine_cpus: info.ncpu,
        engine_memory_bytes: info.mem_total,
    };
    let config = RunConfig {
        builds: options.builds.iter().map(|b| b.to_string()).collect(),
        workloads: options.workloads.clone(),
        modes: options.modes.clone(),
        threads,
        repeat: options.repeat,
        warmup: options.warmup,
        timeout_s: options.timeout.as_secs_f64(),
        cpus: options.cpus.clone(),
        memory_bytes: options.memory_bytes,
        seed: options.seed.unwrap_or_else(rand::random),
        build_options: build_options_record(&options.build_options),
    };
    let header = RunHeader {
        schema_version: results::SCHEMA_VERSION,
        run_id,
        started_at: timestamp(),
        command_line: options.command_line.clone(),
        config,
        environment,
    };
    let mut journal = Journal::create(&dir)?;
    journal.write(&JournalEntry::Header(header.clone()))?;
    Ok((dir, header, Previous::default(), options))
}

fn build_options_record(options: &BuildOptions) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("profile".to_string(), options.profile.name().to_string()),
        ("source".to_string(), options.source.to_string()),
        ("base".to_string(), options.base.clone()),
        (
            "configure_args".to_string(),
            options.configure_args.join(" "),
        ),
        (
            "registry".to_string(),
            options.registry.clone().unwrap_or_default(),
        ),
    ])
}

/// Environment variables may differ when resuming; the recorded build
/// options decide which images the run measures.
fn apply_recorded_build_options(
    options: &mut BuildOptions,
    recorded: &BTreeMap<String, String>,
) -> Result<()> {
    use clap::ValueEnum;
    if let Some(profile) = recorded.get("profile") {
        options.profile = images::Profile::from_str(profile, false).map_err(invalid_input)?;
    }
    if let Some(source) = recorded.get("source") {
        options.source = source.parse()?;
    }
    if let Some(base) = recorded.get("base") {
        options.base = base.clone();
    }
    if let Some(args) = recorded.get("configure_args") {
        options.configure_args = args.split_whitespace().map(str::to_string).collect();
    }
    Ok(())
}

/// Counts the CPUs in a cpuset such as "0,1" or "0-3,6", checking each exists.
fn parse_cpuset(set: &str, engine_cpus: u32) -> Result<u32> {
    let bad = || invalid_input(format!("--cpus `{set}` is not a cpuset such as 0,1 or 0-3"));
    let mut cpus = HashSet::new();
    for part in set.split(',') {
        let (low, high) = match part.split_once('-') {
            Some((low, high)) => (
                low.trim().parse().map_err(|_| bad())?,
                high.trim().parse().map_err(|_| bad())?,
            ),
            None => {
                let cpu: u32 = part.trim().parse().map_err(|_| bad())?;
                (cpu, cpu)
            }
        };
        if low > high {
            return Err(bad());
        }
        for cpu in low..=high {
            if cpu >= engine_cpus {
                return Err(invalid_input(format!(
                    "--cpus names CPU {cpu}, but the engine has CPUs 0-{}",
                    engine_cpus - 1
                )));
            }
            cpus.insert(cpu);
        }
    }
    Ok(cpus.len() as u32)
}

fn host_cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn user_paths(selectors: &[String]) -> Vec<PathBuf> {
    selectors
        .iter()
        .filter(|s| workloads::is_path(s))
        .map(PathBuf::from)
        .collect()
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

fn container_spec(config: &RunConfig, run_id: &str, build: &str, image: &str) -> ContainerSpec {
    let max_threads = config.threads.iter().copied().max().unwrap_or(1) as i64;
    ContainerSpec {
        image: image.to_string(),
        run_id: run_id.to_string(),
        build: build.to_string(),
        cpuset: config.cpus.clone(),
        memory_bytes: config.memory_bytes,
        // The runner, its sample process, N workers (threads or processes,
        // each with a few helper threads), and headroom for tools.
        pids_limit: 64 + 16 * max_threads,
    }
}

/// Gets every image, then starts one container per build with the runner open.
async fn start_builds(
    engine: &Engine,
    cache: &Cache,
    options: &RunOptions,
    config: &RunConfig,
    run_id: &str,
    verbosity: Verbosity,
) -> Result<Vec<BuildSlot>> {
    let bundle = workloads::bundle(&user_paths(&config.workloads))?;
    let mut images_by_spec: HashMap<String, String> = HashMap::new();
    for spec in &options.builds {
        let key = image_key(spec);
        if !images_by_spec.contains_key(&key) {
            let image =
                images::ensure(engine, cache, spec, &options.build_options, verbosity).await?;
            images_by_spec.insert(key.clone(), image.name);
        }
    }
    // Containers start concurrently: it is I/O with the engine, not measurement.
    let starts = options.builds.iter().map(|spec| {
        let image = images_by_spec[&image_key(spec)].clone();
        let bundle = &bundle;
        async move {
            let name = spec.to_string();
            let container_spec = container_spec(config, run_id, &name, &image);
            let container = BenchContainer::start(engine, &container_spec, &bundle.files).await?;
            let env = spec.runtime_env.clone();
            match container.open_runner(&env).await {
                Ok(runner) => Ok(BuildSlot {
                    name,
                    spec: spec.clone(),
                    image,
                    env,
                    container,
                    runner,
                }),
                Err(e) => {
                    container.remove().await;
                    Err(e)
                }
            }
        }
    });
    let started: Vec<Result<BuildSlot>> = futures_util::future::join_all(starts).await;
    if started.iter().any(Result::is_err) {
        let mut first_error = None;
        for result in started {
            match result {
                Ok(slot) => slot.container.remove().await,
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        return Err(first_error.expect("one start failed"));
    }
    Ok(started
        .into_iter()
        .map(|r| r.expect("checked above"))
        .collect())
}

/// Builds that share an image (e.g. 3.13t and 3.13t+PYTHON_GIL=1) share this key.
fn image_key(spec: &BuildSpec) -> String {
    let source = spec
        .source
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_default();
    format!("{}@{source}", spec.image_spec())
}

/// Records each build's facts and the chosen workloads in the journal, or
/// takes them from the journal of a resumed run.
async fn record_builds_and_workloads(
    engine: &Engine,
    config: &RunConfig,
    previous: &Previous,
    slots: &mut [BuildSlot],
    journal: &mut Journal,
) -> Result<(Vec<BuildRecord>, Vec<WorkloadInfo>)> {
    let mut builds = previous.builds.clone();
    for slot in slots.iter_mut() {
        if builds.iter().any(|b| b.name == slot.name) {
            continue;
        }
        let record = build_record(engine, slot).await?;
        journal.write(&JournalEntry::Build(record.clone()))?;
        builds.push(record);
    }
    if let Some(chosen) = &previous.workloads {
        return Ok((builds, chosen.clone()));
    }
    let bundle = workloads::bundle(&user_paths(&config.workloads))?;
    let paths: Vec<String> = bundle
        .describe
        .iter()
        .map(|p| format!("{BENCH_DIR}/{p}"))
        .collect();
    let described = slots[0]
        .runner
        .describe(&paths)
        .await
        .context("describing the workloads")?;
    let chosen = workloads::select(&described, &config.workloads)?;
    journal.write(&JournalEntry::Workloads {
        workloads: chosen.clone(),
    })?;
    Ok((builds, chosen))
}

async fn build_record(engine: &Engine, slot: &mut BuildSlot) -> Result<BuildRecord> {
    let facts = slot
        .runner
        .facts(None)
        .await
        .with_context(|| format!("reading interpreter facts of {}", slot.name))?;
    let inspect = engine.docker.inspect_image(&slot.image).await?;
    Ok(BuildRecord {
        name: slot.name.clone(),
        image: slot.image.clone(),
        image_id: inspect.id.unwrap_or_default(),
        image_labels: inspect
            .config
            .and_then(|c| c.labels)
            .unwrap_or_default()
            .into_iter()
            .collect(),
        runtime_env: slot.spec.runtime_env.iter().cloned().collect(),
        facts,
    })
}

/// Takes every scheduled sample; returns early only when interrupted or
/// when the engine is lost.
#[allow(clippy::too_many_arguments)]
async fn measure(
    engine: &Engine,
    config: &RunConfig,
    run_id: &str,
    chosen: &[WorkloadInfo],
    slots: &mut [BuildSlot],
    consumers: &mut Consumers,
    interrupt: &mut watch::Receiver<bool>,
) -> Result<()> {
    let build_names: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
    let workload_modes: Vec<(String, Vec<Mode>)> = chosen
        .iter()
        .map(|w| (w.name.clone(), w.modes.clone()))
        .collect();
    let matrix = plan::Matrix {
        builds: &build_names,
        workloads: &workload_modes,
        modes: &config.modes,
        threads: &config.threads,
        warmup: config.warmup,
        repeat: config.repeat,
    };
    let done: HashSet<SampleKey> = consumers.samples.iter().map(SampleRecord::key).collect();
    // A cell that failed or is unsupported is not tried again.
    let mut settled: HashSet<_> = consumers
        .samples
        .iter()
        .filter(|r| r.sample.status != SampleStatus::Ok)
        .map(SampleRecord::cell)
        .collect();
    let order = plan::schedule(&matrix, config.seed, &done);
    let mut seq = consumers.samples.iter().map(|r| r.seq).max().unwrap_or(0);
    consumers.emit(Event::Sampling {
        total: order.len() + done.len(),
        done: done.len(),
    })?;
    let paths: HashMap<&str, &str> = chosen
        .iter()
        .map(|w| (w.name.as_str(), w.path.as_str()))
        .collect();

    for key in order {
        if settled.contains(&key.cell) {
            continue;
        }
        consumers.emit(Event::SampleStarted(&key))?;
        let slot = slots
            .iter_mut()
            .find(|s| s.name == key.cell.build)
            .expect("every build has a slot");
        let request = SampleRequest {
            workload: paths[key.cell.workload.as_str()].to_string(),
            mode: key.cell.mode,
            workers: key.cell.threads,
            size: None,
            warmup: key.warmup,
            timeout_s: config.timeout_s,
            env: BTreeMap::new(),
        };
        let sample = interruptible(
            interrupt,
            take_sample(engine, config, run_id, slot, &request, consumers),
        )
        .await??;
        if sample.status != SampleStatus::Ok {
            settled.insert(key.cell.clone());
        }
        seq += 1;
        let record = SampleRecord {
            build: key.cell.build.clone(),
            workload: key.cell.workload.clone(),
            threads: key.cell.threads,
            repeat: key.repeat,
            seq,
            at: now_unix(),
            sample,
        };
        consumers.emit(Event::SampleDone(&record))?;
    }
    Ok(())
}

/// One sample; a dead or hung container becomes a failed sample and is
/// replaced. Only a lost engine is an error.
async fn take_sample(
    engine: &Engine,
    config: &RunConfig,
    run_id: &str,
    slot: &mut BuildSlot,
    request: &SampleRequest,
    consumers: &mut Consumers,
) -> Result<Sample> {
    let failure = match slot.runner.sample(request).await {
        Ok(sample) => return Ok(sample),
        Err(e) => e,
    };
    engine_alive(engine).await?;
    let state = slot.container.state().await.ok();
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
    let sample = request.failed(kind, reason.clone());
    // Start afresh: the old container may be dead, hung or in an unknown state.
    slot.container.remove().await;
    let spec = container_spec(config, run_id, &slot.name, &slot.image);
    let bundle = workloads::bundle(&user_paths(&config.workloads))?;
    slot.container = BenchContainer::start(engine, &spec, &bundle.files).await?;
    slot.runner = slot.container.open_runner(&slot.env).await?;
    consumers.emit(Event::ContainerReplaced {
        build: &slot.name,
        reason: &reason,
    })?;
    Ok(sample)
}

/// Turns a silent engine into a clear error.
async fn engine_alive(engine: &Engine) -> Result<()> {
    match tokio::time::timeout(Duration::from_secs(10), engine.docker.ping()).await {
        Ok(Ok(_)) => Ok(()),
        _ => Err(Error::EngineUnavailable(format!(
            "the Docker engine at {} stopped answering",
            engine.host
        ))
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_count_and_check_their_cpus() {
        assert_eq!(parse_cpuset("0,1", 2).unwrap(), 2);
        assert_eq!(parse_cpuset("0-3,6", 8).unwrap(), 5);
        assert!(
            parse_cpuset("2", 2)
                .unwrap_err()
                .to_string()
                .contains("CPUs 0-1")
        );
        assert!(parse_cpuset("a", 2).is_err());
        assert!(parse_cpuset("3-1", 8).is_err());
    }
}
