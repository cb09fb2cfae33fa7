//! The terminal summary at the end of a run: per workload and build, the
//! median time at each thread count, the speedup, and the failed cells.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::results::{CellKey, RunResults};
use crate::runner::{SampleStatus, Scaling};
use crate::stats;

/// Speedup at `threads` from median times (see workloads/README.md).
pub fn speedup(scaling: Scaling, one: f64, at: f64, threads: u32) -> f64 {
    match scaling {
        Scaling::Weak => threads as f64 * one / at,
        Scaling::Strong => one / at,
    }
}

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
                let reason = format!(
                    "{}: {}",
                    record.sample.kind.as_deref().unwrap_or("failure"),
                    record
                        .sample
                        .message
                        .as_deref()
                        .unwrap_or("")
                        .lines()
                        .next()
                        .unwrap_or("")
                );
                failed.entry(record.cell()).or_insert(reason);
            }
            _ => {}
        }
    }
    let threads = &results.config.threads;
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
                let one = threads
                    .iter()
                    .position(|t| *t == 1)
                    .and_then(|i| medians[i]);
                let top = threads
                    .iter()
                    .position(|t| *t == max)
                    .and_then(|i| medians[i]);
                let text = match (one, top) {
                    (Some(one), Some(top)) => format!("{:.2}×", speedup(scaling, one, top, max)),
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
    fn speedup_follows_the_scaling_kind() {
        assert_eq!(speedup(Scaling::Weak, 1.0, 2.0, 2), 1.0);
        assert_eq!(speedup(Scaling::Weak, 1.0, 1.0, 2), 2.0);
        assert_eq!(speedup(Scaling::Strong, 2.0, 1.0, 2), 2.0);
    }
}
