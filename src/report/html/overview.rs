//! The overview page of a replicated run: its machines, linked to their
//! own reports, and each compared with the first (from the askama
//! template `templates/report/machines.html`).

use anyhow::Result;
use askama::Template;

use crate::format::one_line;
use crate::report::compare as tables;
use crate::report::machines::MachineRow;
use crate::report::machines::overview::{Overview, comparison_heading};

/// The overview's `index.html`.
pub(super) fn render(o: &Overview<'_>) -> Result<String> {
    Ok(OverviewPage::new(o).render()?)
}

#[derive(Template)]
#[template(path = "report/machines.html")]
struct OverviewPage {
    title: String,
    gilbench_version: String,
    run_id: String,
    status: String,
    complete: bool,
    started_at: String,
    finished_at: String,
    findings: Vec<String>,
    machines: Vec<MachineRow>,
    split: bool,
    set_aside: Vec<String>,
    comparisons: Vec<ComparisonView>,
}

struct ComparisonView {
    heading: String,
    titles: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
    /// (side, cells measured on it only)
    one_sided: Vec<(String, Vec<String>)>,
}

impl OverviewPage {
    fn new(o: &Overview<'_>) -> OverviewPage {
        let r = o.results;
        OverviewPage {
            title: format!("gilbench machines {}", one_line(&r.run_id)),
            gilbench_version: r.gilbench_version.clone(),
            run_id: r.run_id.clone(),
            status: r.status.as_str().to_string(),
            complete: r.status == crate::results::RunStatus::Complete,
            started_at: r.started_at.clone(),
            finished_at: r.finished_at.clone().unwrap_or_else(|| "—".into()),
            findings: o.findings.clone(),
            machines: o.machines("index.html"),
            split: false,
            set_aside: Vec::new(),
            comparisons: o
                .comparisons
                .iter()
                .map(|c| ComparisonView {
                    heading: comparison_heading(c),
                    titles: tables::titles(),
                    rows: tables::rows(c),
                    notes: tables::geomean_lines(c),
                    one_sided: tables::one_sided(c),
                })
                .collect(),
        }
    }
}
