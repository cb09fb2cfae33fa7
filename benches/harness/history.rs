//! The history at scale (1,000 run folders of 500 cells each, as runs
//! leave them: added, then the site written) and the change-point search
//! on synthetic series with known steps, scored against Apache Otava's on
//! the same series.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use gilbench::history::{Settings, change_points};
use gilbench::stats::Estimate;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::synthetic::SyntheticRun;
use crate::{Figure, checked, gilbench, median};

const RUNS: usize = 1000;
/// 4 builds × 25 workloads × 5 thread counts (1 to 16): 500 cells.
const BUILDS: usize = 4;
const WORKLOADS: usize = 25;
const THREADS: usize = 5;
/// Measured samples per cell, as in the report's scale test.
const REPEATS: usize = 20;
/// Timings of each step, whose median is the figure.
const TIMINGS: usize = 3;

/// Run `i`'s folder: each workload drifts by ±3 % from night to night;
/// workload 0 slows by 20 % from the 500th night, workload 1 speeds up by
/// 15 % from the 700th.
fn write_night(i: usize, dir: &Path) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(i as u64);
    let drift: Vec<f64> = (0..WORKLOADS)
        .map(|_| rng.random_range(0.97..1.03))
        .collect();
    let step = |w: usize| match w {
        0 if i >= 500 => 1.2,
        1 if i >= 700 => 1.0 / 1.15,
        _ => 1.0,
    };
    let started = UNIX_EPOCH + Duration::from_secs(1_767_236_400 + 86_400 * i as u64);
    SyntheticRun {
        run_id: &format!("night{i:04}"),
        started_at: &humantime::format_rfc3339_seconds(started).to_string(),
        builds: BUILDS,
        workloads: WORKLOADS,
        threads: THREADS,
        repeats: REPEATS,
        slowdown: &|w| drift[w] * step(w),
        memory: true,
    }
    .write(dir);
}

/// Writes the run folders on every core.
fn write_nights(root: &Path) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = (0..RUNS)
        .map(|i| root.join(format!("night{i:04}")))
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for core in 0..cores {
            let dirs = &dirs;
            scope.spawn(move || {
                for (i, dir) in dirs.iter().enumerate().skip(core).step_by(cores) {
                    write_night(i, dir);
                }
            });
        }
    });
    dirs
}

fn seconds(work: impl FnOnce()) -> f64 {
    let started = Instant::now();
    work();
    started.elapsed().as_secs_f64()
}

pub fn measure_scale(scratch: &Path, figures: &mut Vec<Figure>) {
    let dirs = write_nights(&scratch.join("nights"));
    let site = scratch.join("site");
    let mut store = String::new();
    let adds: Vec<f64> = (0..TIMINGS)
        .map(|t| {
            store = scratch
                .join(format!("history{t}.sqlite"))
                .display()
                .to_string();
            seconds(|| {
                checked(
                    gilbench()
                        .args(["history", "add", "--store", &store])
                        .args(&dirs),
                );
            })
        })
        .collect();
    let sites: Vec<f64> = (0..TIMINGS)
        .map(|_| {
            seconds(|| {
                checked(
                    gilbench()
                        .args(["history", "report", "--store", &store, "-o"])
                        .arg(&site),
                );
            })
        })
        .collect();
    let size = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum::<u64>() as f64
        / 1e6;
    let each = |times: &[f64]| {
        times
            .iter()
            .map(|t| format!("{t:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (add, written) = (median(&adds), median(&sites));
    figures.push(Figure {
        name: "history: `history add` of 1,000 run folders × 500 cells × 20 samples, SQLite",
        value: format!("{add:.1} s (median of {TIMINGS}: {} s)", each(&adds)),
        goal: "< 60 s",
        met: Some(add < 60.0),
    });
    figures.push(Figure {
        name: "history: trend site of those runs (load, change points, pages)",
        value: format!(
            "{written:.1} s (median of {TIMINGS}: {} s), {size:.1} MB",
            each(&sites)
        ),
        goal: "< 10 s",
        met: Some(written < 10.0),
    });
}

/// A synthetic series: noise (a standard deviation of 2.5–6 %, so that
/// 95 % of points lie within ±5–12 %), three steps of 5–30 % at least ten
/// points apart, 3 % outliers (×1.5–2.5), and the noise doubling once
/// (not a change to find). Returns the values and the true change points.
fn synthetic(rng: &mut Xoshiro256PlusPlus, len: usize) -> (Vec<f64>, Vec<usize>) {
    let mut steps: Vec<usize> = Vec::new();
    while steps.len() < 3 {
        let at = rng.random_range(10..len - 10);
        if steps.iter().all(|s| s.abs_diff(at) >= 10) {
            steps.push(at);
        }
    }
    steps.sort_unstable();
    let noisier_from = rng.random_range(10..len - 10);
    let mut sigma = rng.random_range(0.025..0.06);
    let mut level = 1.0;
    let mut values = Vec::with_capacity(len);
    for i in 0..len {
        if steps.contains(&i) {
            let size = rng.random_range(0.05..0.30);
            level *= if rng.random::<bool>() {
                1.0 + size
            } else {
                1.0 / (1.0 + size)
            };
        }
        if i == noisier_from {
            sigma *= 2.0;
        }
        // Box–Muller.
        let (u1, u2): (f64, f64) = (rng.random_range(1e-12..1.0), rng.random());
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let mut value = level * (1.0 + sigma * normal);
        if rng.random::<f64>() < 0.03 {
            value *= rng.random_range(1.5..2.5);
        }
        values.push(value);
    }
    (values, steps)
}

/// (true positives, found, true): a found point within `TOLERANCE` of a
/// true one matches it, each true one at most once.
fn score(found: &[usize], truth: &[usize]) -> (usize, usize, usize) {
    const TOLERANCE: usize = 2;
    let mut used = vec![false; truth.len()];
    let mut hits = 0;
    for f in found {
        if let Some(i) = (0..truth.len()).find(|&i| !used[i] && truth[i].abs_diff(*f) <= TOLERANCE)
        {
            used[i] = true;
            hits += 1;
        }
    }
    (hits, found.len(), truth.len())
}

fn line(name: &str, (hits, found, truth): (usize, usize, usize)) -> String {
    let precision = hits as f64 / found.max(1) as f64;
    let recall = hits as f64 / truth.max(1) as f64;
    format!(
        "{name}: precision {precision:.2}, recall {recall:.2} ({hits} of {found} found, {truth} true)"
    )
}

pub fn measure_changes(scratch: &Path, figures: &mut Vec<Figure>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let series: Vec<(Vec<f64>, Vec<usize>)> = (0..200).map(|_| synthetic(&mut rng, 60)).collect();
    let mut ours = (0, 0, 0);
    for (values, truth) in &series {
        // Each point's interval: what a run of 6 samples at this noise gives.
        let points: Vec<Estimate> = values
            .iter()
            .map(|&v| Estimate {
                value: v,
                low: v * 0.98,
                high: v * 1.02,
            })
            .collect();
        let (h, f, t) = score(&change_points(&points, &Settings::default()), truth);
        ours = (ours.0 + h, ours.1 + f, ours.2 + t);
    }
    let input = scratch.join("series.json");
    let values: Vec<&Vec<f64>> = series.iter().map(|s| &s.0).collect();
    std::fs::write(&input, json!(values).to_string()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/harness/otava_changes.py"
    );
    let otava = Command::new("python3")
        .arg(script)
        .arg(&input)
        .output()
        .unwrap();
    let otava_line = if otava.status.success() {
        let found: Vec<Vec<usize>> = serde_json::from_slice(&otava.stdout).unwrap();
        let mut total = (0, 0, 0);
        for (f, (_, truth)) in found.iter().zip(&series) {
            let (h, n, t) = score(f, truth);
            total = (total.0 + h, total.1 + n, total.2 + t);
        }
        line("Apache Otava", total)
    } else {
        format!(
            "Apache Otava not run: {}",
            String::from_utf8_lossy(&otava.stderr).trim()
        )
    };
    figures.push(Figure {
        name: "history: change points in 200 synthetic series of 60 runs (3 steps of 5–30 % each)",
        value: format!("{}; {otava_line}", line("gilbench", ours)),
        goal: "at least Otava's",
        met: None,
    });
}
