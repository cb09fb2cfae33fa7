//! Measures gilbench itself: orchestration overhead, per-sample overhead,
//! warm start, report scale, and agreement with pyperf.
//!
//! Run with `cargo bench --bench harness` on an otherwise idle machine with a
//! Docker engine (about 10 minutes once the 3.13 image exists). Prints each
//! figure against its goal. Uses the quick-profile 3.13 image unless
//! GILBENCH_PROFILE says otherwise. `cargo bench --bench harness -- report`
//! runs only the named parts: build, run, report, agreement.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

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
    if wanted("build") || wanted("run") || wanted("agreement") {
        measure_engine_parts(scratch.path(), &mut figures, &wanted);
    }
    if wanted("report") {
        measure_report_scale(scratch.path(), &mut figures);
    }
    print_figures(&figures);
}

fn measure_engine_parts(scratch: &Path, figures: &mut Vec<Figure>, wanted: &dyn Fn(&str) -> bool) {
    // Warm `gilbench build`: unchanged inputs, no build step.
    checked(gilbench().args(["build", "3.13"]));
    let started = Instant::now();
    let second = checked(gilbench().args(["build", "3.13"]));
    let warm_build = started.elapsed().as_secs_f64();
    let image = String::from_utf8_lossy(&second.stdout)
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string();
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
        measure_agreement(scratch, &image, figures);
    }
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

fn measure_report_scale(scratch: &Path, figures: &mut Vec<Figure>) {
    // Report scale: synthetic results, growing to 5 × 30 × 8 × 20.
    for workloads in [4usize, 8, 15, 30] {
        let dir = scratch.join(format!("synthetic-{workloads}"));
        std::fs::create_dir_all(&dir).unwrap();
        let cells = synthetic_results(&dir, 5, workloads, 8, 20);
        let started = Instant::now();
        checked(gilbench().args(["report"]).arg(&dir));
        let seconds = started.elapsed().as_secs_f64();
        let html = std::fs::metadata(dir.join("index.html")).unwrap().len() as f64 / 1e6;
        let all = folder_size(&dir) as f64 / 1e6;
        let full = workloads == 30;
        figures.push(Figure {
            name: if full { "report of 5 builds × 30 workloads × 8 threads × 20 repeats" } else { "report scale (smaller)" },
            value: format!("{cells} cells, {} samples: {seconds:.2} s, index.html {html:.2} MB (folder {all:.2} MB)", cells * 20),
            goal: if full { "< 2 s and < 5 MB" } else { "growth" },
            met: full.then_some(seconds < 2.0 && html < 5.0),
        });
    }
}

fn measure_agreement(scratch: &Path, image: &str, figures: &mut Vec<Figure>) {
    // Agreement with pyperf: the same function, interpreter and core.
    let (gilbench_values, pyperf_values) = agreement(image, scratch);
    let ratio = median(&gilbench_values) / median(&pyperf_values);
    figures.push(Figure {
        name: "agreement: median gilbench / median pyperf (countdown, 1 thread, core 0)",
        value: format!(
            "{ratio:.4} ({:.4} s vs {:.4} s, {} and {} values)",
            median(&gilbench_values),
            median(&pyperf_values),
            gilbench_values.len(),
            pyperf_values.len()
        ),
        goal: "within ±3 %",
        met: Some((ratio - 1.0).abs() <= 0.03),
    });
    let (cv_gilbench, cv_pyperf) = (cv(&gilbench_values), cv(&pyperf_values));
    figures.push(Figure {
        name: "coefficient of variation: gilbench vs pyperf",
        value: format!("{:.2} % vs {:.2} %", cv_gilbench * 100.0, cv_pyperf * 100.0),
        goal: "gilbench's no worse than pyperf's",
        met: Some(cv_gilbench <= cv_pyperf),
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

/// `gilbench run` of countdown on the 3.13 build (one warmup); its results.json.
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
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

fn folder_size(dir: &Path) -> u64 {
    walk(dir)
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Writes a synthetic results.json; returns the number of cells.
fn synthetic_results(
    dir: &Path,
    builds: usize,
    workloads: usize,
    threads: usize,
    repeats: usize,
) -> usize {
    let build_names: Vec<String> = (0..builds)
        .map(|b| ["3.13", "3.13t", "3.13-jit", "3.14", "3.14t"][b % 5].to_string())
        .collect();
    let thread_counts: Vec<u32> = (0..threads as u32).map(|t| 1 << t).collect();
    let mut samples = Vec::new();
    let mut seq = 0u64;
    for (b, build) in build_names.iter().enumerate() {
        for w in 0..workloads {
            for &t in &thread_counts {
                for r in 0..repeats {
                    seq += 1;
                    let free_threaded = build.ends_with('t');
                    let base = 0.2 + 0.01 * w as f64;
                    let wall = if free_threaded {
                        base * 1.3
                    } else {
                        base * t as f64
                    } * (1.0 + 0.01 * ((seq * 7919) % 13) as f64);
                    let wall_ns = (wall * 1e9) as u64;
                    samples.push(json!({
                        "build": build, "workload": format!("workload_{w:02}"), "threads": t, "repeat": r,
                        "seq": seq, "at": 1.8e9 + seq as f64,
                        "sample": {
                            "status": "ok", "wall_ns": wall_ns, "cpu_ns": wall_ns * u64::from(t),
                            "worker_cpu_ns": vec![wall_ns; t as usize], "max_rss_kb": 10240 + b,
                            "warmup": false, "workers": t, "mode": "threads", "size": 1000,
                            "stdout_tail": "", "stderr_tail": "", "exit_code": 0, "duration_ns": wall_ns + 30_000_000
                        }
                    }));
                }
            }
        }
    }
    let results = json!({
        "schema_version": 1, "gilbench_version": "synthetic", "run_id": "synthetic", "status": "complete",
        "started_at": "2026-11-28T00:00:00Z", "finished_at": "2026-11-28T01:00:00Z",
        "command_line": ["gilbench", "run"],
        "config": {
            "builds": build_names, "workloads": [], "modes": ["threads"], "threads": thread_counts,
            "repeat": repeats, "warmup": 0, "timeout_s": 120.0, "cpus": null, "memory_bytes": 2147483648u64,
            "seed": 1, "build_options": {}
        },
        "environment": { "host_cpus": 128, "engine_api_version": "1.41" },
        "builds": build_names.iter().map(|b| json!({
            "name": b, "image": format!("gilbench/cpython:{b}"), "image_id": "sha256:0", "image_labels": {
                "org.gilbench.variant": if b.ends_with('t') { "free-threaded" } else if b.ends_with("jit") { "jit" } else { "default" }
            }, "runtime_env": {}, "facts": {"python_version": "3.13.5"}
        })).collect::<Vec<_>>(),
        "workloads": (0..workloads).map(|w| json!({
            "name": format!("workload_{w:02}"), "path": format!("/gilbench/workloads/workload_{w:02}.py"),
            "category": "cpu", "scaling": "weak", "description": "synthetic", "size": 1000, "modes": ["threads"]
        })).collect::<Vec<_>>(),
        "samples": samples,
    });
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_vec(&results).unwrap(),
    )
    .unwrap();
    builds * workloads * threads
}

/// Times countdown's `work` with gilbench and with pyperf in the same
/// image, on the same core; returns both sets of values (seconds).
fn agreement(image: &str, scratch: &Path) -> (Vec<f64>, Vec<f64>) {
    let context = scratch.join("pyperf-image");
    let wheels = context.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    checked(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "pyperf",
                "--only-binary=:all:",
            ])
            .args([
                "--python-version",
                "3.13",
                "--platform",
                "manylinux2014_x86_64",
                "-d",
            ])
            .arg(&wheels),
    );
    let workloads = Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads");
    std::fs::copy(workloads.join("countdown.py"), context.join("countdown.py")).unwrap();
    std::fs::write(
        context.join("bench_countdown.py"),
        "import pyperf, countdown\n\
         runner = pyperf.Runner()\n\
         runner.bench_func('countdown', countdown.work, None, 0, 1, countdown.SIZE)\n",
    )
    .unwrap();
    std::fs::write(
        context.join("Dockerfile"),
        format!(
            "FROM {image}\nUSER root\nCOPY wheels /tmp/wheels\n\
             RUN python3 -m pip install --no-index --find-links /tmp/wheels pyperf\n\
             COPY countdown.py bench_countdown.py /bench/\nUSER bench\nWORKDIR /bench\n"
        ),
    )
    .unwrap();
    checked(
        Command::new("docker")
            .args(["build", "-q", "-t", "gilbench-harness/pyperf"])
            .arg(&context),
    );
    // Interleaved blocks, so that drift of the machine hits both harnesses alike.
    let (mut gilbench_values, mut pyperf_values) = (Vec::new(), Vec::new());
    for round in 0..4 {
        let pyperf = checked(Command::new("docker").args([
            "run", "--rm", "--network", "none", "--cpuset-cpus", "0", "gilbench-harness/pyperf",
            "sh", "-c", "python3 bench_countdown.py --processes 6 --values 1 --warmups 1 --loops 1 -o /tmp/out.json --quiet >/dev/null && cat /tmp/out.json",
        ]));
        let suite: Value = serde_json::from_slice(&pyperf.stdout).unwrap();
        pyperf_values.extend(
            suite["benchmarks"][0]["runs"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|run| run["values"].as_array())
                .flatten()
                .map(|v| v.as_f64().unwrap()),
        );

        let results = countdown_run(&scratch.join(format!("agreement-{round}")), "1", 6, "0");
        gilbench_values.extend(
            results["samples"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["sample"]["warmup"] == false)
                .map(|s| s["sample"]["wall_ns"].as_f64().unwrap() / 1e9),
        );
    }
    (gilbench_values, pyperf_values)
}
