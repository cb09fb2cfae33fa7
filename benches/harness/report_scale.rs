//! Report scale: `gilbench report` of synthetic results, growing to
//! 5 builds × 30 workloads × 8 thread counts × 20 repeats, in a folder laid
//! out as a run leaves it (results.json and the sealed journal).

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::synthetic::SyntheticRun;
use crate::{Figure, checked, gilbench, median};

/// Renders of each size, whose median is the figure: one would say more
/// about the machine's other load than about the report.
const RENDERS: usize = 3;

pub fn measure_report_scale(scratch: &Path, figures: &mut Vec<Figure>) {
    for workloads in [4usize, 8, 15, 30] {
        let dir = scratch.join(format!("synthetic-{workloads}"));
        let cells = SyntheticRun {
            run_id: "synthetic",
            started_at: "2026-11-28T00:00:00Z",
            builds: 5,
            workloads,
            threads: 8,
            repeats: 20,
            slowdown: &|_| 1.0,
            memory: false,
        }
        .write(&dir);
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
