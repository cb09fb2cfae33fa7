//! A replicated run (the whole matrix on every machine) is reported per
//! machine, each in `machines/<id>/` as a full report of its own samples,
//! since no cell may pool two machines. At the top, `index.html` and
//! `summary.md` give the overview: the machines, each compared cell by cell
//! with the first, links to their reports, and the engines lost; and
//! `results.csv` holds every sample.

use std::fmt::Write;

use anyhow::Result;
use askama::Template;

use super::{MachineRow, rows};
use crate::analysis::Analysis;
use crate::analysis::compare::{CompareOptions, Comparison, compare};
use crate::report::compare as tables;
use crate::report::findings::machines::lost_engines;
use crate::report::markdown::md;
use crate::report::text::{one_line, unique_file_stems};
use crate::results::RunResults;

/// What the overview shows, each format in its way.
pub(crate) struct Overview<'a> {
    pub results: &'a RunResults,
    /// The replicated machines' ids, in order.
    pub replicas: &'a [String],
    /// Each machine's analysis, of its own samples, in the same order.
    pub analyses: &'a [Analysis<'a>],
    /// Each machine's report folder (`machines/<id>`), in the same order.
    pub folders: Vec<String>,
    /// The engines lost.
    pub findings: Vec<String>,
    /// Each machine after the first against the first.
    pub comparisons: Vec<Comparison>,
}

impl<'a> Overview<'a> {
    pub fn new(
        results: &'a RunResults,
        replicas: &'a [String],
        analyses: &'a [Analysis<'a>],
    ) -> Overview<'a> {
        let folders = unique_file_stems(replicas.iter().map(String::as_str))
            .into_iter()
            .map(|stem| format!("machines/{stem}"))
            .collect();
        let planned = analyses.first().map_or(0, Analysis::planned_cells);
        let comparisons = analyses
            .iter()
            .zip(replicas)
            .skip(1)
            .map(|(a, id)| {
                let mut c = compare(analyses[0].results, a.results, &CompareOptions::default());
                c.base_label.clone_from(&replicas[0]);
                c.new_label.clone_from(id);
                c
            })
            .collect();
        Overview {
            results,
            replicas,
            analyses,
            folders,
            findings: lost_engines(results, planned)
                .into_iter()
                .map(|f| f.text)
                .collect(),
            comparisons,
        }
    }

    /// The machines table's rows, each linked to `page` of its report.
    fn machines(&self, page: &str) -> Vec<MachineRow> {
        let mut machines = rows(self.results);
        for machine in &mut machines {
            if let Some(i) = self.replicas.iter().position(|id| *id == machine.id) {
                machine.link = format!("{}/{page}", self.folders[i]);
            }
        }
        machines
    }

    /// The overview's `index.html`.
    pub fn index_html(&self) -> Result<String> {
        Ok(OverviewPage::new(self).render()?)
    }

    /// The overview's `summary.md`.
    pub fn markdown(&self) -> String {
        let r = self.results;
        let mut out = format!("# gilbench: run {}\n\n", md(&r.run_id));
        let _ = writeln!(
            out,
            "Status: **{}** · started {} · the whole matrix on each of {} machines, each \
             reported on its own\n",
            md(r.status.as_str()),
            md(&r.started_at),
            self.replicas.len()
        );
        out.push_str("## Machines\n\n");
        out.push_str(&super::markdown(&self.machines("summary.md"), &[]));
        if !self.findings.is_empty() {
            out.push('\n');
        }
        for f in &self.findings {
            let _ = writeln!(out, "- {}", md(f));
        }
        for c in &self.comparisons {
            let _ = writeln!(out, "\n## {}\n", md(&heading(c)));
            out.push_str(&tables::markdown(c));
        }
        out
    }
}

/// "box#2 against box".
fn heading(c: &Comparison) -> String {
    one_line(&format!("{} against {}", c.new_label, c.base_label))
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
                    heading: heading(c),
                    titles: tables::titles(),
                    rows: tables::rows(c),
                    notes: tables::geomean_lines(c),
                    one_sided: tables::one_sided(c),
                })
                .collect(),
        }
    }
}
