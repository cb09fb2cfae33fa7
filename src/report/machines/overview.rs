//! A replicated run (the whole matrix on every machine) is reported per
//! machine, each in `machines/<id>/` as a full report of its own samples,
//! since no cell may pool two machines. At the top, `index.html` and
//! `summary.md` give the overview: the machines, each compared cell by cell
//! with the first, links to their reports, and the engines lost; and
//! `results.csv` holds every sample. [`Overview`] is what they show; each
//! format renders it (`html/overview.rs`, `markdown.rs`, `csv.rs`, and on
//! the terminal `terminal.rs`).

use super::{MachineRow, rows};
use crate::analysis::Analysis;
use crate::analysis::compare::{CompareOptions, Comparison, compare};
use crate::format::{one_line, unique_file_stems};
use crate::report::findings::machines::lost_engines;
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
    pub fn machines(&self, page: &str) -> Vec<MachineRow> {
        let mut machines = rows(self.results);
        for machine in &mut machines {
            if let Some(i) = self.replicas.iter().position(|id| *id == machine.id) {
                machine.link = format!("{}/{page}", self.folders[i]);
            }
        }
        machines
    }
}

/// "box#2 against box".
pub(crate) fn comparison_heading(c: &Comparison) -> String {
    one_line(&format!("{} against {}", c.new_label, c.base_label))
}
