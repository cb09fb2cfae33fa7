//! The in-container runner: the Python suite on the host's python3, and
//! every built-in workload in every mode inside the three 3.13 builds.

use std::collections::BTreeMap;
use std::process::Command;

use gilbench::engine::Engine;
use gilbench::engine::container::{BenchContainer, ContainerSpec};
use gilbench::results::{DisturbancePolicy, Mode, SampleStatus};
use gilbench::runner::{RunnerSession, SampleRequest};
use gilbench::workloads;

use crate::util::{self, built_images, gilbench, run};

#[test]
fn python_suite_passes_on_the_host_interpreter() {
    // Ten seconds on every core: never beside a test that measures.
    let _engine = util::engine();
    let output =
        run(Command::new("python3").args(["-m", "unittest", "discover", "-s", "tests/python"]));
    assert!(output.status.success(), "the runner's Python tests failed");
    assert!(String::from_utf8_lossy(&output.stderr).contains("OK"));
}

/// The three 3.13 images (built once, cached afterwards).
pub fn images_313() -> Vec<String> {
    let output = run(gilbench().args(["build", "3.13", "3.13t", "3.13-jit"]));
    assert!(output.status.success());
    built_images(&output)
        .into_iter()
        .map(|(image, _)| image)
        .collect()
}

pub async fn open(engine: &Engine, image: &str, build: &str) -> (BenchContainer, RunnerSession) {
    let spec = ContainerSpec {
        image: image.to_string(),
        run_id: "test-runner".to_string(),
        build: build.to_string(),
        cpuset: None,
        memory_bytes: 2 << 30,
        pids_limit: 256,
        bench_bytes: workloads::BENCH_FOLDER_BYTES,
    };
    let bundle = workloads::bundle(&[]).unwrap();
    let container = BenchContainer::start(engine, &spec, &bundle.files)
        .await
        .unwrap();
    // As gilbench runs it: a JIT build with PYTHON_JIT=1.
    let env = build
        .parse::<gilbench::spec::BuildSpec>()
        .map(|spec| spec.run_env())
        .unwrap_or_default();
    let runner = gilbench::run::docker::open_runner(&container, &env)
        .await
        .unwrap();
    (container, runner)
}

pub fn request(workload: &str, mode: Mode, workers: u32) -> SampleRequest {
    SampleRequest {
        workload: workload.to_string(),
        mode,
        workers,
        size: None,
        warmup: false,
        owner_first: false,
        warm_calls: 0,
        timeout_s: 120.0,
        env: BTreeMap::new(),
    }
}

#[test]
fn every_workload_runs_in_every_mode_of_each_build() {
    let _engine = util::engine();
    let images = images_313();
    util::block_on(every_workload_in(images));
}

async fn every_workload_in(images: Vec<String>) {
    let engine = Engine::connect().await.unwrap();
    for (image, build) in images.iter().zip(["3.13", "3.13t", "3.13-jit"]) {
        let (container, mut runner) = open(&engine, image, build).await;
        let facts = runner.facts(None).await.unwrap();
        assert_eq!(facts["python_version"], "3.13.5");
        assert_eq!(facts["py_gil_disabled"], build == "3.13t", "{facts}");
        assert_eq!(facts["gil_enabled_at_start"], build != "3.13t", "{facts}");
        assert_eq!(facts["jit_enabled"], build == "3.13-jit", "{facts}");
        assert_eq!(facts["has_subinterpreters"], false);

        let described = runner
            .describe(&["/gilbench/workloads".to_string()])
            .await
            .unwrap();
        assert!(described.len() >= 14, "{described:?}");
        for workload in &described {
            assert!(workload.error.is_none(), "{workload:?}");
            for mode in Mode::ALL {
                for workers in [1, 2] {
                    let sample = runner
                        .sample(&request(&workload.path, mode, workers))
                        .await
                        .unwrap();
                    let supported = workload.modes.contains(&mode) && mode != Mode::Subinterpreters;
                    if supported {
                        assert_eq!(
                            sample.status,
                            SampleStatus::Ok,
                            "{build} {} {mode} x{workers}: {sample:?}",
                            workload.name
                        );
                        assert!(sample.wall_ns.unwrap() > 0);
                        assert_eq!(
                            sample.worker_cpu_ns.as_ref().unwrap().len(),
                            workers as usize
                        );
                    } else {
                        assert_eq!(
                            sample.status,
                            SampleStatus::Unsupported,
                            "{build} {} {mode}: {sample:?}",
                            workload.name
                        );
                    }
                }
            }
        }
        runner.shutdown().await;
        container.remove().await;
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Weak-scaling speedup at 2 workers, 2 × T(1) / T(2), from medians of
/// interleaved samples (1, 2, 1, 2, …) so that drift hits both alike.
async fn speedup_at_2(runner: &mut RunnerSession, workload: &str, mode: Mode) -> f64 {
    let path = format!("/gilbench/workloads/{workload}.py");
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        for (workers, walls) in [(1, &mut one), (2, &mut two)] {
            walls.push(undisturbed_wall(runner, &request(&path, mode, workers)).await);
        }
    }
    2.0 * median(one) / median(two)
}

/// A sample's wall time, taken again (as `gilbench run` does) while other
/// load on its CPUs disturbs it, a bounded number of times.
async fn undisturbed_wall(runner: &mut RunnerSession, request: &SampleRequest) -> f64 {
    let policy = DisturbancePolicy::default();
    let mut attempts = 0;
    loop {
        let sample = runner.sample(request).await.unwrap();
        assert_eq!(sample.status, SampleStatus::Ok, "{sample:?}");
        attempts += 1;
        if !policy.disturbs(&sample) || attempts > policy.retakes {
            return sample.wall_s().unwrap();
        }
    }
}

/// Measures a speedup and checks it; on this VM a neighbour can slow one
/// side of a measurement for seconds, so a failed check is measured once
/// more, and a shape that is really absent fails both times.
async fn speedup_holds(
    runner: &mut RunnerSession,
    workload: &str,
    mode: Mode,
    holds: impl Fn(f64) -> bool,
) -> f64 {
    let first = speedup_at_2(runner, workload, mode).await;
    if holds(first) {
        return first;
    }
    let second = speedup_at_2(runner, workload, mode).await;
    eprintln!("{workload} {mode}: {first:.2} did not hold; measured again: {second:.2}");
    second
}

/// The published shape: threads do not scale CPU-bound Python with the GIL
/// and do without it; processes scale on both; native code that releases
/// the GIL scales on both. This machine's vCPUs are sometimes slowed by
/// their neighbours, so the bounds leave a margin around the figures
/// recorded in the README (GIL ~1.0, free-threaded ~1.8–2.0).
#[test]
fn the_gil_shows_in_countdown_and_not_in_sha256() {
    let _engine = util::engine();
    let images = images_313();
    util::block_on(scaling_shape(images));
}

async fn scaling_shape(images: Vec<String>) {
    let engine = Engine::connect().await.unwrap();
    let mut report = Vec::new();
    for (image, build) in images.iter().zip(["3.13", "3.13t"]) {
        let (container, mut runner) = open(&engine, image, build).await;
        let flat_or_scaling = |s: f64| if build == "3.13" { s <= 1.3 } else { s >= 1.4 };
        let threads = speedup_holds(&mut runner, "countdown", Mode::Threads, flat_or_scaling).await;
        let scaling = |s: f64| s >= 1.4;
        let processes = speedup_holds(&mut runner, "countdown", Mode::Processes, scaling).await;
        let sha = speedup_holds(&mut runner, "sha256", Mode::Threads, scaling).await;
        report.push(format!("{build}: countdown threads {threads:.2}, processes {processes:.2}; sha256 threads {sha:.2}"));
        eprintln!("{}", report.last().unwrap());
        if build == "3.13" {
            assert!(
                threads <= 1.3,
                "GIL build: two threads are no faster than one ({threads:.2})"
            );
        } else {
            assert!(threads >= 1.4, "free-threaded build scales ({threads:.2})");
        }
        assert!(
            processes >= 1.4,
            "{build}: processes scale ({processes:.2})"
        );
        assert!(
            sha >= 1.4,
            "{build}: sha256 releases the GIL and scales ({sha:.2})"
        );
        runner.shutdown().await;
        container.remove().await;
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn subinterpreters_run_every_workload_on_3_14() {
    let _engine = util::engine();
    let output = run(gilbench().args([
        "build",
        "3.14@debian-binary",
        "--apt-option=-o Acquire::Check-Valid-Until=false",
    ]));
    assert!(output.status.success());
    let image = built_images(&output)[0].0.clone();
    util::block_on(async move {
        let engine = Engine::connect().await.unwrap();
        let (container, mut runner) = open(&engine, &image, "3.14").await;
        let facts = runner.facts(None).await.unwrap();
        assert_eq!(facts["has_subinterpreters"], true, "{facts}");
        let described = runner
            .describe(&["/gilbench/workloads".to_string()])
            .await
            .unwrap();
        for workload in &described {
            for workers in [1, 2] {
                let sample = runner
                    .sample(&request(&workload.path, Mode::Subinterpreters, workers))
                    .await
                    .unwrap();
                let expected = if workload.modes.contains(&Mode::Subinterpreters) {
                    SampleStatus::Ok
                } else {
                    SampleStatus::Unsupported
                };
                assert_eq!(
                    sample.status, expected,
                    "{} x{workers}: {sample:?}",
                    workload.name
                );
            }
        }
        runner.shutdown().await;
        container.remove().await;
    });
}
