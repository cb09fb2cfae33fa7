//! Measures gilbench itself: orchestration overhead, per-sample overhead,
//! warm start, report scale, agreement with pyperf, and the single-thread
//! cost of the free-threaded build as both measure it.
//!
//! Run with `cargo bench --bench harness` on an otherwise idle machine with a
//! Docker engine (about 10 minutes once the 3.13 image exists). Prints each
//! figure against its goal. Uses the quick-profile 3.13 image unless
//! GILBENCH_PROFILE says otherwise. `cargo bench --bench harness -- report`
//! runs only the named parts: build, run, report, agreement, cost, engines
//! (split over a second engine, which `tests/engines/up` starts), history
//! (1,000 run folders added to a store, and its site), changes (change
//! points against Apache Otava's, which `pip install apache-otava`
//! provides) and gate (the variant gate's false alarms and detections over
//! 120 gated runs through the host's `python3`).

mod engines;
mod gate;
mod history;
mod pyperf;
#[path = "../../tests/registry.rs"]
mod registry;
mod report_scale;
mod synthetic;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

fn gilbench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gilbench"));
    if std::env::var_os("GILBENCH_PROFILE").is_none() {
        command.env("GILBENCH_PROFILE", "quick");
    }
    command
}

fn checked(command: &mut Command) -> Output {
    let output = command.output().expect("the command starts");
    if !output.status.success() {
        panic!(
            "{command:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn median(values: &[f64]) -> f64 {
    gilbench::stats::median(values).expect("a figure has at least one value")
}

fn cv(values: &[f64]) -> f64 {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    var.sqrt() / mean
}

struct Figure {
    name: &'static str,
    value: String,
    goal: &'static str,
    met: Option<bool>,
}

fn main() {
    // `cargo bench` passes --bench; other arguments name the parts to run.
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let scratch = tempfile::tempdir().unwrap();
    let mut figures = Vec::new();
    if ["build", "run", "agreement", "cost"]
        .iter()
        .any(|p| wanted(p))
    {
        measure_engine_parts(scratch.path(), &mut figures, &wanted);
    }
    if wanted("report") {
        report_scale::measure_report_scale(scratch.path(), &mut figures);
    }
    if wanted("history") {
        history::measure_scale(scratch.path(), &mut figures);
    }
    if wanted("changes") {
        history::measure_changes(scratch.path(), &mut figures);
    }
    if wanted("engines") {
        engines::measure_split(scratch.path(), &mut figures);
    }
    if wanted("gate") {
        gate::measure_error_rates(scratch.path(), &mut figures);
    }
    print_figures(&figures);
}

fn measure_engine_parts(scratch: &Path, figures: &mut Vec<Figure>, wanted: &dyn Fn(&str) -> bool) {
    // Warm `gilbench build`: unchanged inputs, no build step.
    checked(gilbench().args(["build", "3.13"]));
    let started = Instant::now();
    let second = checked(gilbench().args(["build", "3.13"]));
    let warm_build = started.elapsed().as_secs_f64();
    let image = image_of(&second);
    assert!(String::from_utf8_lossy(&second.stdout).contains("cached"));
    figures.push(Figure {
        name: "second `gilbench build` of unchanged inputs",
        value: format!("{warm_build:.2} s"),
        goal: "< 2 s, no build step",
        met: Some(warm_build < 2.0),
    });

    if wanted("run") {
        measure_run(scratch, &image, figures);
    }
    if wanted("agreement") {
        pyperf::measure_agreement(scratch, &image, figures);
    }
    if wanted("cost") {
        let free_threaded = checked(gilbench().args(["build", "3.13t"]));
        let images = [("3.13", image), ("3.13t", image_of(&free_threaded))];
        pyperf::measure_cost(scratch, &images, figures);
    }
}

/// The image name in `gilbench build`'s output.
fn image_of(build: &Output) -> String {
    String::from_utf8_lossy(&build.stdout)
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string()
}

fn measure_run(scratch: &Path, image: &str, figures: &mut Vec<Figure>) {
    // A run with cached images: overhead around ~0.5 s samples, and warm start.
    let invoked = unix_now();
    let started = Instant::now();
    let results = countdown_run(&scratch.join("run"), "1,2", 20, "0,1");
    let total = started.elapsed().as_secs_f64();
    let samples = results["samples"].as_array().unwrap();
    let seconds = |s: &Value, field: &str| s["sample"][field].as_f64().unwrap() / 1e9;
    let sum_wall: f64 = samples.iter().map(|s| seconds(s, "wall_ns")).sum();
    let child_overheads: Vec<f64> = samples
        .iter()
        .map(|s| seconds(s, "duration_ns") - seconds(s, "wall_ns"))
        .collect();
    let starts: Vec<f64> = samples
        .iter()
        .map(|s| s["at"].as_f64().unwrap() - seconds(s, "duration_ns"))
        .collect();
    let gaps: Vec<f64> = samples
        .windows(2)
        .zip(&starts[1..])
        .map(|(pair, start)| start - pair[0]["at"].as_f64().unwrap())
        .collect();
    let first_sample = starts[0] - invoked;
    let last_end = samples.last().unwrap()["at"].as_f64().unwrap();
    let teardown = invoked + total - last_end;
    let ratio = sum_wall / total;
    figures.push(Figure {
        name: "orchestration: sum of sample wall times / total wall time",
        value: format!(
            "{ratio:.3} ({} samples, {sum_wall:.1} s measured in {total:.1} s; start {first_sample:.2} s, \
             per sample {:.1} ms in the worker outside the timed region + {:.1} ms between samples, \
             end {teardown:.2} s)",
            samples.len(),
            1000.0 * child_overheads.iter().sum::<f64>() / samples.len() as f64,
            1000.0 * gaps.iter().sum::<f64>() / gaps.len() as f64,
        ),
        goal: ">= 0.9",
        met: Some(ratio >= 0.9),
    });
    figures.push(Figure {
        name: "warm start: invocation to first sample (images cached)",
        value: format!("{first_sample:.2} s"),
        goal: "< 2 s",
        met: Some(first_sample < 2.0),
    });

    // Per-sample overhead against a bare interpreter start in the same image.
    let bare = checked(Command::new("docker").args(["run", "--rm", "--network", "none", "--cpuset-cpus", "0", image]).args([
        "python3",
        "-c",
        "import subprocess, sys, time\n\
         times = []\n\
         for _ in range(30):\n\
         \x20   t = time.perf_counter(); subprocess.run([sys.executable, '-c', 'pass']); times.append(time.perf_counter() - t)\n\
         times.sort(); print(times[15])",
    ]));
    let bare_start: f64 = String::from_utf8_lossy(&bare.stdout)
        .trim()
        .parse()
        .unwrap();
    let per_sample = median(&child_overheads) + median(&gaps);
    figures.push(Figure {
        name: "per-sample overhead (spawn, import, setup, protocol, journal) / bare `python -c pass`",
        value: format!(
            "{:.1} ms / {:.1} ms = {:.1}x",
            per_sample * 1000.0,
            bare_start * 1000.0,
            per_sample / bare_start
        ),
        goal: "reported (a fresh interpreter per sample costs at least one start)",
        met: None,
    });
}

fn print_figures(figures: &[Figure]) {
    println!(
        "\ngilbench harness figures ({})",
        humantime::format_rfc3339_seconds(SystemTime::now())
    );
    for figure in figures {
        let mark = match figure.met {
            Some(true) => "met ",
            Some(false) => "MISS",
            None => "    ",
        };
        println!(
            "{mark}  {}\n        {}   (goal: {})",
            figure.name, figure.value, figure.goal
        );
    }
}

/// `gilbench run` of countdown on the 3.13 build (one warmup); its results.
fn countdown_run(dir: &Path, threads: &str, repeat: u32, cpus: &str) -> Value {
    let repeat = repeat.to_string();
    checked(
        gilbench()
            .args([
                "run",
                "--build",
                "3.13",
                "--workload",
                "countdown",
                "--threads",
                threads,
            ])
            .args([
                "--repeat", &repeat, "--warmup", "1", "--cpus", cpus, "-q", "-o",
            ])
            .arg(dir),
    );
    results_of(dir)
}

/// A run folder's results.json, with the samples it names inline.
fn results_of(dir: &Path) -> Value {
    gilbench::results::RunResults::load(dir)
        .unwrap()
        .with_samples_inline()
        .unwrap()
}
