//! A workload's page: each metric at each mode and thread count over the
//! runs, a line per build (and machine, and workload file), changes marked.

use std::collections::BTreeMap;

use anyhow::Result;
use askama::Template;

use crate::history::order::Axis;
use crate::history::regressions::Change;
use crate::history::series::{Metric, Series};
use crate::history::store::History;
use crate::report::{TrendChart, TrendLine};

#[derive(Template)]
#[template(path = "history/workload.html")]
struct WorkloadPage {
    title: String,
    gilbench_version: &'static str,
    changes: Vec<String>,
    charts: Vec<String>,
    /// (run, started, label)
    runs: Vec<(String, String, String)>,
}

pub(super) fn render(
    workload: &str,
    series: &[&Series],
    changes: &[&Change],
    history: &History,
    axis: &Axis,
    text: &dyn Fn(&Change) -> String,
) -> Result<String> {
    let mut charts: BTreeMap<(&str, u32, Metric), Vec<&Series>> = BTreeMap::new();
    for s in series {
        charts
            .entry((s.key.mode.as_str(), s.key.threads, s.key.metric))
            .or_default()
            .push(s);
    }
    let files = series
        .iter()
        .map(|s| &s.key.workload_sha256)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let machines = series
        .iter()
        .map(|s| &s.key.machine)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut svgs = Vec::new();
    for ((mode, threads, metric), lines) in charts {
        let lines = lines
            .iter()
            .map(|s| {
                let mut name = s.key.build.clone();
                if machines > 1 {
                    name.push_str(&format!(" on {}", s.key.machine));
                }
                if files > 1 {
                    let sha = s.key.workload_sha256.as_deref().unwrap_or("?");
                    name.push_str(&format!(" (file {})", sha.get(..7).unwrap_or(sha)));
                }
                TrendLine {
                    name,
                    points: s
                        .points
                        .iter()
                        .map(|p| (p.at as f64, p.value.value, p.value.low, p.value.high))
                        .collect(),
                    changes: changes
                        .iter()
                        .filter(|c| c.key == s.key)
                        .map(|c| c.first_after as f64)
                        .collect(),
                }
            })
            .collect();
        let unit = match metric {
            Metric::Time => "seconds",
            Metric::Speedup => "× one thread",
            Metric::Cost => "× the baseline build",
            Metric::Memory => "KiB",
        };
        let workers = if threads == 1 {
            "1 worker".to_string()
        } else {
            format!("{threads} workers")
        };
        svgs.push(
            TrendChart {
                title: format!("{} — {mode}, {workers}", metric.name()),
                y_desc: format!("{} ({unit})", metric.name()),
                runs: axis.runs.len(),
                lines,
            }
            .render()?,
        );
    }
    let page = WorkloadPage {
        title: format!("{workload} over the runs"),
        gilbench_version: env!("CARGO_PKG_VERSION"),
        changes: changes.iter().map(|c| text(c)).collect(),
        charts: svgs,
        runs: axis
            .runs
            .iter()
            .map(|&r| {
                let run = &history.runs[r];
                (
                    run.name(),
                    run.started_at.clone(),
                    run.label.clone().unwrap_or_default(),
                )
            })
            .collect(),
    };
    Ok(page.render()?)
}
