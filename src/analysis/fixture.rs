//! Hand-built results for the tests of the analysis and of every report:
//! [`fixture`] (the standard run) and [`RunBuilder`] (any other).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::results::VARIANT_LABEL;
use crate::results::{
    BuildRecord, Environment, Machine, Mode, RunConfig, RunResults, RunStatus, Sample,
    SampleRecord, Scaling, WorkloadInfo,
};

pub(crate) const HOSTILE: &str = "<script>alert(1)</script>";

/// What one fabricated sample does.
pub(crate) enum Outcome {
    /// Wall time in seconds, and the CPU time of each worker.
    Ok { wall_s: f64, worker_cpu_s: f64 },
    Failed {
        kind: &'static str,
        message: String,
        stderr: String,
    },
}

/// (build, workload, threads, repeat) → what the sample does; None: no sample.
pub(crate) type OutcomeFn = dyn Fn(&str, &str, u32, u32) -> Option<Outcome>;

/// Fabricates a run: every build × workload × mode × thread count, with
/// `warmup` warmups and `repeat` measured samples, in that order. The
/// outcome of each sample comes from `outcome(build, workload, threads, repeat)`.
pub(crate) struct RunBuilder {
    pub status: RunStatus,
    /// (name, org.gilbench.variant label, facts)
    pub builds: Vec<(String, String, Value)>,
    pub workloads: Vec<(String, Scaling)>,
    pub modes: Vec<Mode>,
    pub threads: Vec<u32>,
    pub repeat: u32,
    pub warmup: u32,
    pub outcome: Box<OutcomeFn>,
}

impl RunBuilder {
    pub fn build(&self) -> RunResults {
        RunResults {
            missing_builds: Vec::new(),
            schema_version: crate::results::SCHEMA_VERSION,
            gilbench_version: "0.1.0".into(),
            run_id: "20250101-120000-abcd".into(),
            status: self.status,
            started_at: "2025-01-01T12:00:00Z".into(),
            finished_at: Some("2025-01-01T12:10:00Z".into()),
            command_line: vec![
                "gilbench".into(),
                "run".into(),
                "--builds".into(),
                "3.13,3.13t,3.13-jit".into(),
                "--workload".into(),
                HOSTILE.into(),
            ],
            config: self.config(),
            environment: environment(),
            builds: self.build_records(),
            workloads: self.workload_infos(),
            samples: self.samples(),
            sample_file: None,
            precision: Vec::new(),
            merged_shards: Vec::new(),
            missing_shards: Vec::new(),
            machines: Vec::new(),
            lost_engines: Vec::new(),
            package_differences: Vec::new(),
        }
    }

    /// Every sample, numbered in the order taken: build × workload × mode
    /// × threads, warmups first.
    fn samples(&self) -> Vec<SampleRecord> {
        let mut samples = Vec::new();
        let mut seq = 0;
        for (build, _, facts) in &self.builds {
            let free_threaded = facts["py_gil_disabled"].as_bool() == Some(true);
            for (workload, _) in &self.workloads {
                for mode in &self.modes {
                    for threads in &self.threads {
                        let runs = (0..self.warmup)
                            .map(|r| (r, true))
                            .chain((0..self.repeat).map(|r| (r, false)));
                        for (repeat, warmup) in runs {
                            // Warmups reuse the outcome of repeat 0.
                            let which = if warmup { 0 } else { repeat };
                            let Some(outcome) = (self.outcome)(build, workload, *threads, which)
                            else {
                                continue;
                            };
                            seq += 1;
                            let sample = Taken {
                                threads: *threads,
                                mode: *mode,
                                warmup,
                                free_threaded,
                                repeat,
                            }
                            .sample(outcome);
                            samples.push(SampleRecord {
                                build: build.clone(),
                                workload: workload.clone(),
                                threads: *threads,
                                repeat,
                                seq,
                                at: 1_700_000_000.0 + seq as f64,
                                sample,
                                disturbed: false,
                                machine: None,
                                jit_off: None,
                                reproducer: None,
                            });
                        }
                    }
                }
            }
        }
        samples
    }

    fn config(&self) -> RunConfig {
        RunConfig {
            builds: self.builds.iter().map(|b| b.0.clone()).collect(),
            workloads: self.workloads.iter().map(|w| w.0.clone()).collect(),
            modes: self.modes.clone(),
            threads: self.threads.clone(),
            repeat: self.repeat,
            warmup: self.warmup,
            warm_calls: 0,
            timeout_s: 60.0,
            cpus: None,
            memory_bytes: 2 << 30,
            seed: 42,
            build_options: BTreeMap::new(),
            disturbance: Default::default(),
            precision: None,
            shard: None,
            engines: Vec::new(),
            distribute: Default::default(),
            gate: None,
        }
    }

    fn build_records(&self) -> Vec<BuildRecord> {
        self.builds
            .iter()
            .map(|(name, variant, facts)| BuildRecord {
                name: name.clone(),
                image: format!("gilbench/cpython:{name}"),
                image_id: format!("sha256:{:0>64}", name.len()),
                image_labels: BTreeMap::from([(VARIANT_LABEL.to_string(), variant.clone())]),
                runtime_env: BTreeMap::new(),
                facts: facts.clone(),
                packages: Vec::new(),
            })
            .collect()
    }

    fn workload_infos(&self) -> Vec<WorkloadInfo> {
        self.workloads
            .iter()
            .map(|(name, scaling)| WorkloadInfo {
                name: name.clone(),
                path: format!("/work/{name}.py"),
                category: Some("cpu".into()),
                scaling: Some(*scaling),
                description: Some(format!("what {name} measures, <i>really</i>")),
                size: Some(1000),
                modes: vec![Mode::Threads],
                error: None,
                sha256: None,
            })
            .collect()
    }
}

/// Where and how a fabricated sample was taken.
struct Taken {
    threads: u32,
    mode: Mode,
    warmup: bool,
    free_threaded: bool,
    repeat: u32,
}

impl Taken {
    /// The sample as the runner reports it.
    fn sample(&self, outcome: Outcome) -> Sample {
        let Taken {
            threads,
            mode,
            warmup,
            free_threaded,
            repeat,
        } = *self;
        // 10 MiB after setup (13 on a free-threaded build); while the work
        // runs, half a MiB more for each thread, 10 MiB for each process (an
        // interpreter of its own), give or take 16 KiB.
        let setup_kb = if free_threaded { 13_312 } else { 10_240 };
        let worker_kb = if mode == Mode::Processes { 10_240 } else { 512 };
        let peak_kb = setup_kb + u64::from(threads) * worker_kb + u64::from(repeat % 3) * 16;
        let sample = match outcome {
            Outcome::Ok {
                wall_s,
                worker_cpu_s,
            } => json!({
                "status": "ok",
                "wall_ns": (wall_s * 1e9).round() as u64,
                "cpu_ns": (worker_cpu_s * f64::from(threads) * 1e9 * 1.01).round() as u64,
                "worker_cpu_ns": vec![(worker_cpu_s * 1e9).round() as u64; threads as usize],
                "max_rss_kb": 10_240 + u64::from(threads) * 512,
                "rss_setup_kb": setup_kb,
                "rss_peak_kb": peak_kb,
                "check": "ok",
                "gil_enabled": !free_threaded,
                "warmup": warmup,
                "workers": threads,
                "mode": mode,
                "exit_code": 0,
                "duration_ns": ((wall_s + 0.05) * 1e9).round() as u64,
            }),
            Outcome::Failed {
                kind,
                message,
                stderr,
            } => json!({
                "status": "failed",
                "kind": kind,
                "message": message,
                "stderr_tail": stderr,
                "warmup": warmup,
                "workers": threads,
                "mode": mode,
                "exit_code": 1,
            }),
        };
        serde_json::from_value(sample).expect("fabricated samples match the schema")
    }
}

/// The machine and engine of every fabricated run.
fn environment() -> Environment {
    Environment {
        host_cpu_model: Some("Fabricated CPU @ 3.0GHz".into()),
        host_cpus: 8,
        host_kernel: Some("6.1.0".into()),
        engine_version: Some("27.0".into()),
        engine_api_version: "1.46".into(),
        engine_os: Some("Debian".into()),
        engine_kernel: Some("6.1.0".into()),
        engine_cpus: Some(4),
        engine_memory_bytes: Some(16 << 30),
    }
}

/// A build for [`RunBuilder::builds`]: name, variant label, facts.
pub(crate) fn build_entry(
    name: &str,
    variant: &str,
    python: &str,
    free_threaded: bool,
    jit: bool,
) -> (String, String, Value) {
    (
        name.into(),
        variant.into(),
        facts(python, free_threaded, jit),
    )
}

/// The fixture's builds: 3.13 (the default, baseline), 3.13t, 3.13-jit.
pub(crate) fn standard_builds() -> Vec<(String, String, Value)> {
    vec![
        build_entry("3.13", "default", "3.13.1", false, false),
        build_entry("3.13t", "freethreaded", "3.13.1", true, false),
        build_entry("3.13-jit", "jit", "3.13.1", false, true),
    ]
}

fn facts(python: &str, free_threaded: bool, jit: bool) -> Value {
    json!({
        "python_version": python,
        "implementation": "CPython",
        "version": format!("{python} (main) [GCC 12.2.0]"),
        "executable": "/usr/local/bin/python3",
        "config_args": if free_threaded { "'--disable-gil'" } else if jit { "'--enable-experimental-jit'" } else { "'--enable-optimizations'" },
        "py_gil_disabled": free_threaded,
        "gil_enabled_at_start": !free_threaded,
        "gil_enabled_after_import": null,
        "jit_built": jit,
        "jit_enabled": jit,
        "jit_detection": "3.13 _testinternalcapi",
        "cpu_count": 8,
        "process_cpu_count": 4,
        "affinity": [0, 1, 2, 3],
        "cgroup_version": 2,
        "cgroup_cpu_max": "max 100000",
        "cgroup_memory_max": "2147483648",
        "cgroup_pids_max": "max",
        "env": {"PYTHON_GIL": null, "PYTHON_JIT": null},
        "switch_interval": 0.005,
    })
}

/// The standard fixture: 3 builds × 2 workloads × threads [1, 2, 4] × 5
/// repeats (plus a warmup). The GIL builds are flat (weak scaling: T(N) =
/// N·T(1)); the free-threaded build costs 35 % at one thread and scales;
/// the JIT is 20 % faster. 3.13t × countdown × 4 threads fails every time
/// (stderr with HTML in it), and the second workload has a hostile name.
pub(crate) fn fixture() -> RunResults {
    fixture_with(RunStatus::Complete)
}

pub(crate) fn fixture_with(status: RunStatus) -> RunResults {
    RunBuilder {
        status,
        ..standard_builder()
    }
    .build()
}

/// What the standard fixture is built from.
pub(crate) fn standard_builder() -> RunBuilder {
    RunBuilder {
        status: RunStatus::Complete,
        builds: standard_builds(),
        workloads: vec![
            ("countdown".into(), Scaling::Weak),
            (HOSTILE.into(), Scaling::Strong),
        ],
        modes: vec![Mode::Threads],
        threads: vec![1, 2, 4],
        repeat: 5,
        warmup: 1,
        outcome: Box::new(standard_outcome),
    }
}

pub(crate) fn standard_outcome(
    build: &str,
    workload: &str,
    threads: u32,
    repeat: u32,
) -> Option<Outcome> {
    if build == "3.13t" && workload == "countdown" && threads == 4 {
        return Some(Outcome::Failed {
            kind: "exception",
            message: "RuntimeError: boom, \"quoted\"\nsecond line".into(),
            stderr: "Traceback (most recent call last):\n  <b>html</b>\nRuntimeError: boom".into(),
        });
    }
    let free = build == "3.13t";
    let t1 = match build {
        "3.13t" => 1.35,
        "3.13-jit" => 0.8,
        _ => 1.0,
    };
    let n = f64::from(threads);
    // ±1 % of deterministic noise, different for each repeat.
    let jitter = 1.0 + (f64::from((repeat * 7 + threads) % 5) - 2.0) * 0.005;
    let weak = workload == "countdown";
    let (wall, cpu) = match (weak, free) {
        (true, false) => (t1 * n, t1),
        (true, true) => (t1 * (1.0 + 0.02 * (n - 1.0)), t1),
        (false, false) => (t1, t1 / n),
        (false, true) => (t1 / n * (1.0 + 0.02 * (n - 1.0)), t1 / n),
    };
    Some(Outcome::Ok {
        wall_s: wall * jitter,
        worker_cpu_s: cpu * jitter,
    })
}

/// The same run with every wall time of `build` multiplied by `factor`,
/// under another run id.
pub(crate) fn scaled(results: &RunResults, build: &str, factor: f64) -> RunResults {
    let mut out = results.clone();
    out.run_id = "new".into();
    for r in &mut out.samples {
        if let (true, Some(ns)) = (r.build == build, r.sample.wall_ns.as_mut()) {
            *ns = (*ns as f64 * factor).round() as u64;
        }
    }
    out
}

/// The same run with every peak memory of `build` grown by `factor` over
/// the whole peak, under another run id.
pub(crate) fn more_memory(results: &RunResults, build: &str, factor: f64) -> RunResults {
    let mut out = results.clone();
    out.run_id = "new".into();
    for r in &mut out.samples {
        if let (true, Some(kb)) = (r.build == build, r.sample.rss_peak_kb.as_mut()) {
            *kb = (*kb as f64 * factor).round() as u64;
        }
    }
    out
}

/// A run like the one whose headline hid a JIT's gain: 3.14 and 3.14-jit
/// at one thread. countdown (5 samples each): the JIT build is bimodal
/// (311–316 ms three times, 384–385 ms twice), 3.14 is not (379–414 ms).
/// sha256 (10 samples each): the JIT build's second half ran 12 % slower
/// than its first; one of 3.14's samples is an outlier.
pub(crate) fn noisy() -> RunResults {
    RunBuilder {
        status: RunStatus::Complete,
        builds: vec![
            build_entry("3.14", "default", "3.14.0", false, false),
            build_entry("3.14-jit", "jit", "3.14.0", false, true),
        ],
        workloads: vec![
            ("countdown".into(), Scaling::Weak),
            ("sha256".into(), Scaling::Weak),
        ],
        modes: vec![Mode::Threads],
        threads: vec![1],
        repeat: 10,
        warmup: 0,
        outcome: Box::new(noisy_outcome),
    }
    .build()
}

fn noisy_outcome(build: &str, workload: &str, _threads: u32, repeat: u32) -> Option<Outcome> {
    const JIT: [f64; 5] = [0.313, 0.384, 0.311, 0.385, 0.316];
    const PLAIN: [f64; 5] = [0.379, 0.414, 0.381, 0.401, 0.383];
    let r = repeat as usize;
    let wall_s = match (workload, build) {
        ("countdown", "3.14-jit") => *JIT.get(r)?,
        ("countdown", _) => *PLAIN.get(r)?,
        // ±1 % of noise; the second half 12 % slower.
        ("sha256", "3.14-jit") => {
            let step = if r < 5 { 1.0 } else { 1.12 };
            0.4 * step * (1.0 + (f64::from(repeat % 5) - 2.0) * 0.005)
        }
        (_, _) if r == 6 => 0.62,
        (_, _) => 0.5 * (1.0 + (f64::from((repeat * 3) % 5) - 2.0) * 0.005),
    };
    Some(Outcome::Ok {
        wall_s,
        worker_cpu_s: wall_s,
    })
}

/// A run with `--warm-calls 3` of 3.13 and 3.13-jit at one thread, 6
/// samples each: the timed call takes 400 ms on 3.13 and 300 ms on the JIT
/// build, whose first untimed call took 500 ms (on 3.13 the same as the
/// timed one); every later untimed call as long as the timed one.
pub(crate) fn warmed() -> RunResults {
    let mut results = RunBuilder {
        status: RunStatus::Complete,
        builds: vec![
            build_entry("3.13", "default", "3.13.1", false, false),
            build_entry("3.13-jit", "jit", "3.13.1", false, true),
        ],
        workloads: vec![("richards".into(), Scaling::Weak)],
        modes: vec![Mode::Threads],
        threads: vec![1],
        repeat: 6,
        warmup: 0,
        outcome: Box::new(|build, _, _, repeat| {
            let wall_s = if build == "3.13-jit" { 0.3 } else { 0.4 };
            // ±0.5 % of noise, different for each repeat.
            let wall_s = wall_s * (1.0 + (f64::from(repeat % 3) - 1.0) * 0.005);
            Some(Outcome::Ok {
                wall_s,
                worker_cpu_s: wall_s,
            })
        }),
    }
    .build();
    results.config.warm_calls = 3;
    for r in &mut results.samples {
        let warm = r.sample.wall_ns.expect("every sample completed");
        let cold = if r.build == "3.13-jit" {
            warm * 5 / 3
        } else {
            warm
        };
        r.sample.owner_wall_ns = Some(warm);
        r.sample.warm_call_ns = Some(vec![cold, warm, warm]);
    }
    results
}

/// A machine named `id` whose engine has the id `engine_id`, on host "box".
pub(crate) fn machine(id: &str, engine_id: &str) -> Machine {
    Machine {
        id: id.into(),
        engine: format!("tcp://{engine_id}:2376"),
        engine_id: Some(engine_id.into()),
        engine_version: Some("27.0".into()),
        host_name: Some("box".into()),
        cpu_model: Some(format!("CPU of {id}")),
        cores: Some(4),
        kernel: Some("6.1.0".into()),
        memory_bytes: Some(16 << 30),
        cpus: None,
    }
}

/// The standard fixture where countdown imports `accelpkg`, which 3.13
/// holds as a compiled 2.0 wheel and 3.13t as a pure-Python 1.0 wheel;
/// `same` (a dependency of both, imported by no workload) only differs in version.
pub(crate) fn with_package_differences() -> RunResults {
    use crate::results::LockedPackage;
    let package = |name: &str, version: &str, tags: &str, compiled: &[&str]| LockedPackage {
        name: name.into(),
        version: version.into(),
        file: format!("{name}-{version}-{tags}.whl"),
        tags: tags.into(),
        sha256: String::new(),
        requested: true,
        imports: vec![name.into()],
        compiled: compiled.iter().map(|c| c.to_string()).collect(),
    };
    let mut results = fixture();
    for build in &mut results.builds {
        build.packages = match build.name.as_str() {
            "3.13" => vec![
                package(
                    "accelpkg",
                    "2.0",
                    "cp313-cp313-linux_x86_64",
                    &["accelpkg._speedups"],
                ),
                package("same", "1.1", "py3-none-any", &[]),
            ],
            "3.13t" => vec![
                package("accelpkg", "1.0", "py3-none-any", &[]),
                package("same", "1.0", "py3-none-any", &[]),
            ],
            _ => Vec::new(),
        };
    }
    for r in &mut results.samples {
        if r.workload == "countdown" {
            r.sample.imports = Some(vec!["accelpkg".into()]);
        }
    }
    results
}
