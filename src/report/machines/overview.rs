//! A replicated run (the whole matrix on every machine) is reported per
//! machine, each in `machines/<id>/` as a full report of its own samples,
//! since no cell may pool two machines. At the top, `index.html` and
//! `summary.md` give the overview: the machines, each compared cell by cell
//! with the first, links to their reports, and the engines lost; and
//! `results.csv` holds every sample.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use askama::Template;

use super::{MachineRow, rows};
use crate::analysis::Analysis;
use crate::analysis::compare::{CompareOptions, Comparison, compare};
use crate::format::{markdown_escape as md, one_line, unique_file_stems};
use crate::report::compare as tables;
use crate::report::findings::machines::lost_engines;
use crate::report::{Files, csv};
use crate::results::RunResults;

/// Writes each machine's report and the overview into `out_dir`.
pub(crate) fn render(
    results: &RunResults,
    replicas: &[String],
    out_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let runs: Vec<RunResults> = replicas.iter().map(|id| results.for_machine(id)).collect();
    let analyses: Vec<Analysis<'_>> = runs.iter().map(Analysis::new).collect();
    let folders: Vec<String> = unique_file_stems(replicas.iter().map(String::as_str))
        .into_iter()
        .map(|stem| format!("machines/{stem}"))
        .collect();
    let overview = Overview::new(results, replicas, &runs, &analyses, &folders);
    let mut files = Files::new(out_dir)?;
    files.write(
        "index.html",
        OverviewPage::new(&overview).render()?.as_bytes(),
    )?;
    files.write("summary.md", overview.markdown().as_bytes())?;
    files.write("results.csv", csv::render(&analyses).as_bytes())?;
    let mut written = files.written;
    for (analysis, folder) in analyses.iter().zip(&folders) {
        written.extend(crate::report::write_report(
            analysis,
            &out_dir.join(folder),
        )?);
    }
    Ok(written)
}

/// What both overview files say.
struct Overview<'r> {
    results: &'r RunResults,
    /// Each replicated machine's id and the folder of its report.
    folders: Vec<(String, String)>,
    findings: Vec<String>,
    /// Each machine after the first against the first.
    comparisons: Vec<Comparison>,
}

impl<'r> Overview<'r> {
    fn new(
        results: &'r RunResults,
        replicas: &[String],
        runs: &[RunResults],
        analyses: &[Analysis<'_>],
        folders: &[String],
    ) -> Overview<'r> {
        let planned = analyses.first().map_or(0, Analysis::planned_cells);
        let comparisons = runs
            .iter()
            .zip(replicas)
            .skip(1)
            .map(|(run, id)| {
                let mut c = compare(&runs[0], run, &CompareOptions::default());
                c.base_label.clone_from(&replicas[0]);
                c.new_label.clone_from(id);
                c
            })
            .collect();
        Overview {
            results,
            folders: replicas
                .iter()
                .cloned()
                .zip(folders.iter().cloned())
                .collect(),
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
            if let Some((_, folder)) = self.folders.iter().find(|(id, _)| *id == machine.id) {
                machine.link = format!("{folder}/{page}");
            }
        }
        machines
    }

    fn markdown(&self) -> String {
        let r = self.results;
        let mut out = format!("# gilbench: run {}\n\n", md(&r.run_id));
        let _ = writeln!(
            out,
            "Status: **{}** · started {} · the whole matrix on each of {} machines, each \
             reported on its own\n",
            md(r.status.as_str()),
            md(&r.started_at),
            self.folders.len()
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
