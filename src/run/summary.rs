//! The terminal summary at the end of a run: per workload and build, the
//! median time at each thread count, the speedup, and the failed cells.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::results::{CellKey, RunResults, SampleStatus, Scaling};
use crate::stats;

pub fn render(results: &RunResults) -> String {
    let mut walls: BTreeMap<CellKey, Vec<f64>> = BTreeMap::new();
    let mut failed: BTreeMap<CellKey, String> = BTreeMap::new();
    for record in &results.samples {
        match record.sample.status {
            SampleStatus::Ok if !record.sample.warmup => {
                if let Some(wall) = record.sample.wall_s() {
                    walls.entry(record.cell()).or_default().push(wall);
                }
            }
            SampleStatus::Failed => {
                failed
                    .entry(record.cell())
                    .or_insert_with(|| record.sample.failure_reason());
            }
            _ => {}
        }
    }
    let threads = &results.config.threads;
    let bootstrap = stats::Bootstrap::default();
    let mut out = String::new();
    for workload in &results.workloads {
        let scaling = workload.scaling.unwrap_or(Scaling::Strong);
        let scaling_name = match scaling {
            Scaling::Weak => "weak",
            Scaling::Strong => "strong",
        };
        let _ = writeln!(out, "\n{} ({scaling_name} scaling)", workload.name);
        let mut header = format!("  {:<24} {:<16}", "build", "mode");
        for t in threads {
            let _ = write!(header, " {:>10}", format!("{t} thr"));
        }
        let max = threads.iter().copied().max().unwrap_or(1);
        let _ = write!(header, " {:>11}", format!("speedup@{max}"));
        let _ = writeln!(out, "{header}");
        for build in &results.builds {
            for mode in &results.config.modes {
                let cell = |t: u32| CellKey {
                    build: build.name.clone(),
                    workload: workload.name.clone(),
                    mode: *mode,
                    threads: t,
                };
                let medians: Vec<Option<f64>> = threads
                    .iter()
                    .map(|t| walls.get(&cell(*t)).and_then(|w| stats::median(w)))
                    .collect();
                let any_failed = threads.iter().any(|t| failed.contains_key(&cell(*t)));
                if medians.iter().all(Option::is_none) && !any_failed {
                    continue;
                }
                let mut row = format!("  {:<24} {:<16}", build.name, mode.as_str());
                for (t, median) in threads.iter().zip(&medians) {
                    let text = match median {
                        Some(m) => format!("{m:.3} s"),
                        None if failed.contains_key(&cell(*t)) => "FAILED".to_string(),
                        None => "-".to_string(),
                    };
                    let _ = write!(row, " {text:>10}");
                }
                let text = match (walls.get(&cell(1)), walls.get(&cell(max))) {
                    (Some(one), Some(top)) => stats::scaling(scaling, max, one, top, &bootstrap)
                        .map_or("-".to_string(), |s| format!("{:.2}×", s.speedup.value)),
                    _ => "-".to_string(),
                };
                let _ = writeln!(out, "{row} {text:>11}");
            }
        }
    }
    if !failed.is_empty() {
        let _ = writeln!(out, "\nfailed cells ({}):", failed.len());
        for (cell, reason) in &failed {
            let _ = writeln!(
                out,
                "  {} {} {}×{}: {reason}",
                cell.build, cell.workload, cell.mode, cell.threads
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_medians_speedups_and_failed_cells() {
        let results = crate::analysis::fixture::fixture();
        let text = render(&results);
        assert!(text.contains("countdown (weak scaling)"), "{text}");
        assert!(text.contains("speedup@4"), "{text}");
        let row = |build: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(&format!("{build} ")) && l.contains("threads"))
                .unwrap_or_else(|| panic!("a row for {build} in {text}"))
                .to_string()
        };
        // Weak scaling: the GIL build's time grows with threads (speedup 1×).
        assert!(
            row("3.13").contains("1.000 s") && row("3.13").trim_end().ends_with("1.00×"),
            "{}",
            row("3.13")
        );
        // The free-threaded build failed at 4 threads: no speedup there.
        assert!(
            row("3.13t").contains("FAILED") && row("3.13t").trim_end().ends_with('-'),
            "{}",
            row("3.13t")
        );
        assert!(
            text.contains("failed cells (1):")
                && text.contains("3.13t countdown threads×4: exception: RuntimeError: boom"),
            "{text}"
        );
    }
}
