//! The history store at scale (1,000 runs of 500 cells: added, then the
//! site written) and the change-point search on synthetic series with
//! known steps, scored against Apache Otava's on the same series.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use gilbench::history::{
    BuildEntry, CellEntry, Order, RunEntry, Settings, Store, WorkloadEntry, change_points,
};
use gilbench::stats::Estimate;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::Figure;

const RUNS: usize = 1000;
const WORKLOADS: usize = 25;
const BUILDS: [&str; 4] = ["3.13", "3.13t", "3.13-jit", "3.14t"];
const THREADS: [u32; 5] = [1, 2, 4, 8, 16];

fn estimate(value: f64) -> Estimate {
    Estimate {
        value,
        low: value * 0.97,
        high: value * 1.03,
    }
}

/// Run `i` of the scale test: 25 workloads × 4 builds × 5 thread counts.
fn scale_run(i: usize, rng: &mut Xoshiro256PlusPlus) -> RunEntry {
    let mut cells = Vec::new();
    for w in 0..WORKLOADS {
        for (b, build) in BUILDS.iter().enumerate() {
            for threads in THREADS {
                let time = (0.5 + w as f64 * 0.01) * rng.random_range(0.95..1.05);
                cells.push(CellEntry {
                    machine: "bench-vm".into(),
                    build: build.to_string(),
                    workload: format!("workload{w:02}"),
                    mode: "threads".into(),
                    threads,
                    samples: 6,
                    time: Some(estimate(time)),
                    speedup: (threads > 1).then(|| estimate(f64::from(threads) * 0.8)),
                    cost: (threads == 1 && b > 0).then(|| estimate(1.1)),
                    memory_kb: Some(20_000.0 + f64::from(threads) * 100.0),
                    precision: Some(0.03),
                });
            }
        }
    }
    RunEntry {
        run_id: format!("run{i:04}"),
        started_at: format!(
            "2026-{:02}-{:02}T03:00:{:02}Z",
            1 + i / 84 % 12,
            1 + i / 3 % 28,
            i % 60
        ),
        label: Some(format!("{i:07x}")),
        command: "gilbench run".into(),
        gilbench_version: env!("CARGO_PKG_VERSION").into(),
        shards: Vec::new(),
        builds: BUILDS
            .iter()
            .map(|b| BuildEntry {
                name: b.to_string(),
                version: Some("3.13.5".into()),
                revision: None,
                image_id: "sha256:00".into(),
                packages: String::new(),
            })
            .collect(),
        workloads: (0..WORKLOADS)
            .map(|w| WorkloadEntry {
                name: format!("workload{w:02}"),
                sha256: Some(format!("{w:064x}")),
            })
            .collect(),
        cells,
    }
}

pub fn measure_scale(scratch: &Path, figures: &mut Vec<Figure>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20);
    let runs: Vec<RunEntry> = (0..RUNS).map(|i| scale_run(i, &mut rng)).collect();
    let location = scratch.join("history.sqlite").display().to_string();
    let started = Instant::now();
    let mut store = Store::open(&location).unwrap();
    for run in &runs {
        store.add(run).unwrap();
    }
    let add = started.elapsed().as_secs_f64();
    let started = Instant::now();
    gilbench::history::report(&location, &Order::Time, &scratch.join("site")).unwrap();
    let site = started.elapsed().as_secs_f64();
    let size = std::fs::read_dir(scratch.join("site"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum::<u64>() as f64
        / 1e6;
    figures.push(Figure {
        name: "history: 1,000 runs × 500 cells added to a SQLite store",
        value: format!("{add:.1} s"),
        goal: "< 60 s",
        met: Some(add < 60.0),
    });
    figures.push(Figure {
        name: "history: trend site of those runs (load, change points, pages)",
        value: format!("{site:.1} s, {size:.1} MB"),
        goal: "< 10 s",
        met: Some(site < 10.0),
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
