//! The trend site: `index.html` (every series with its newest value and
//! latest change) and one page per workload with its metrics over the
//! runs. The same head, style and Content-Security-Policy as a run's
//! report; charts are inline SVG.

mod workload;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use askama::Template;

use super::changes::Settings;
use super::order::Order;
use super::regressions::{Change, changes, describe, several_machines};
use super::series::{Series, SeriesKey, series_of};
use super::store::History;
use crate::format::unique_file_stems;

#[derive(Template)]
#[template(path = "history/index.html")]
struct IndexPage {
    title: String,
    gilbench_version: &'static str,
    runs: usize,
    series: usize,
    order: String,
    /// The runs the order leaves out, named; empty when none are.
    left_out: String,
    regressions: usize,
    improvements: usize,
    latest: Vec<String>,
    rows: Vec<Row>,
}

struct Row {
    page: String,
    workload: String,
    mode: String,
    threads: u32,
    metric: &'static str,
    build: String,
    machine: String,
    points: usize,
    newest: String,
    change: String,
}

/// How many changes the index lists at its top.
const LATEST: usize = 20;

/// Writes the site into `dir` (created if needed).
pub fn write(history: &History, order: &Order, dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (axis, series) = series_of(history, order);
    let mut found = changes(&series, &Settings::default());
    found.sort_by(|a, b| b.first_after.cmp(&a.first_after).then(a.key.cmp(&b.key)));
    let machines = several_machines(&series);
    let text = |c: &Change| describe(c, history, &axis, machines);
    let workloads: Vec<&str> = series
        .iter()
        .map(|s| s.key.workload.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let pages: BTreeMap<&str, String> = workloads
        .iter()
        .copied()
        .zip(unique_file_stems(workloads.iter().copied()))
        .map(|(w, stem)| (w, format!("workload-{stem}.html")))
        .collect();
    let latest_of: BTreeMap<&SeriesKey, &Change> =
        found.iter().rev().map(|c| (&c.key, c)).collect();
    let mut rows: Vec<(Option<usize>, Row)> = series
        .iter()
        .map(|s| {
            let change = latest_of.get(&s.key);
            (
                change.map(|c| c.first_after),
                row(s, &pages, change.map(|c| text(c))),
            )
        })
        .collect();
    // Series with a change first, the newest change at the top.
    rows.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let index = IndexPage {
        title: "gilbench history".to_string(),
        gilbench_version: env!("CARGO_PKG_VERSION"),
        runs: axis.runs.len(),
        series: series.len(),
        order: order.describe(),
        left_out: axis
            .left_out_note(history, order)
            .map_or_else(String::new, |note| format!("{note}.")),
        regressions: found.iter().filter(|c| c.regression).count(),
        improvements: found.iter().filter(|c| !c.regression).count(),
        latest: found.iter().take(LATEST).map(text).collect(),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    };
    fs::write(dir.join("index.html"), index.render()?)?;
    for (workload, page) in &pages {
        let of_workload: Vec<&Series> = series
            .iter()
            .filter(|s| s.key.workload == *workload)
            .collect();
        let changes: Vec<&Change> = found
            .iter()
            .filter(|c| c.key.workload == *workload)
            .collect();
        let html = workload::render(workload, &of_workload, &changes, history, &axis, &text)?;
        fs::write(dir.join(page), html)?;
    }
    Ok(())
}

fn row(s: &Series, pages: &BTreeMap<&str, String>, change: Option<String>) -> Row {
    let k = &s.key;
    Row {
        page: pages[k.workload.as_str()].clone(),
        workload: k.workload.clone(),
        mode: k.mode.clone(),
        threads: k.threads,
        metric: k.metric.name(),
        build: k.build.clone(),
        machine: k.machine.clone(),
        points: s.points.len(),
        newest: s
            .points
            .last()
            .map_or_else(String::new, |p| k.metric.format(p.value.value)),
        change: change.unwrap_or_else(|| "—".to_string()),
    }
}
