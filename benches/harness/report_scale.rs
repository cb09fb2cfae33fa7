//! Report scale: `gilbench report` of synthetic results, growing to
//! 5 builds × 30 workloads × 8 thread counts × 20 repeats, in a folder laid
//! out as a run leaves it (results.json and the sealed journal).

use std::path::{Path, PathBuf};
use std::time::Instant;

use gilbench::results::{RunResults, SEALED_JOURNAL_FILE, SampleFile};
use serde_json::json;

use crate::{Figure, checked, gilbench, median};

/// Renders of each size, whose median is the figure: one would say more
/// about the machine's other load than about the report.
const RENDERS: usize = 3;

pub fn measure_report_scale(scratch: &Path, figures: &mut Vec<Figure>) {
    for workloads in [4usize, 8, 15, 30] {
        let dir = scratch.join(format!("synthetic-{workloads}"));
        std::fs::create_dir_all(&dir).unwrap();
        let cells = synthetic_results(&dir, 5, workloads, 8, 20);
        let times: Vec<f64> = (0..RENDERS)
            .map(|_| {
                let started = Instant::now();
                checked(gilbench().args(["report"]).arg(&dir));
                started.elapsed().as_secs_f64()
            })
            .collect();
        let seconds = median(&times);
        let html = std::fs::metadata(dir.join("index.html")).unwrap().len() as f64 / 1e6;
        let all = folder_size(&dir) as f64 / 1e6;
        let full = workloads == 30;
        figures.push(Figure {
            name: if full { "report of 5 builds × 30 workloads × 8 threads × 20 repeats" } else { "report scale (smaller)" },
            value: format!(
                "{cells} cells, {} samples: {seconds:.2} s (median of {RENDERS}), index.html {html:.2} MB, folder {all:.2} MB",
                cells * 20
            ),
            goal: if full { "< 1 s, index.html < 3 MB, folder < 15 MB" } else { "growth" },
            met: full.then_some(seconds < 1.0 && html < 3.0 && all < 15.0),
        });
    }
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

/// Writes synthetic results; returns the number of cells.
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
    // Written as a run writes them: the samples once, in the sealed
    // journal, and results.json naming it.
    let mut results: RunResults = serde_json::from_value(results).unwrap();
    let samples = SampleFile::write(dir, SEALED_JOURNAL_FILE, &results.samples).unwrap();
    results.save(dir, samples).unwrap();
    builds * workloads * threads
}
