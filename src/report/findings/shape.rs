//! Findings about the shape of cells' samples: one per bimodal or drifting
//! cell ("countdown on 3.14-jit: bimodal: 3 of 5 samples at 313 ms, 2 at
//! 385 ms"), up to [`SHOWN`] of them, and one for the cells whose only
//! flag is outliers.

use super::{Finding, FindingKind, workload_name};
use crate::analysis::{Analysis, CellSummary};
use crate::format::one_line;
use crate::report::shape::{outlier_times, phrases};
use crate::report::text::workers_word;

/// Bimodal or drifting cells named one by one; the rest are counted.
const SHOWN: usize = 6;
/// Cells with outliers named in their finding; the rest are counted.
const OUTLIERS_SHOWN: usize = 4;

/// The run's verdict on other load: quiet, or how many samples it disturbed.
pub(super) fn disturbance(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let watched = a.samples.iter().any(|r| r.sample.watched_ns.is_some());
    if !watched {
        return;
    }
    if !a.results.config.disturbance.check {
        out.push(Finding::new(
            FindingKind::Note,
            "Other load on the samples' CPUs was not checked (--no-disturbance-check).".into(),
        ));
        return;
    }
    let disturbed: Vec<_> = a.samples.iter().filter(|r| r.disturbed).collect();
    if disturbed.is_empty() {
        out.push(Finding::new(
            FindingKind::Note,
            "Quiet run: no sample was disturbed by other load on its CPUs.".into(),
        ));
        return;
    }
    let worst = disturbed
        .iter()
        .filter_map(|r| r.sample.foreign_load())
        .fold(0.0_f64, f64::max);
    let cells: std::collections::BTreeSet<_> = disturbed.iter().map(|r| r.cell()).collect();
    out.push(Finding::new(
        FindingKind::Shape,
        format!(
            "Disturbed run: {} of {} samples ran while other load was on their CPUs (up to \
             {worst:.2} CPUs) in {} cell{}; they are kept apart from the statistics and were \
             taken again. The shape column says where.",
            disturbed.len(),
            a.samples.len(),
            cells.len(),
            if cells.len() == 1 { "" } else { "s" }
        ),
    ));
}

pub(super) fn shapes(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let mut unsteady = Vec::new();
    let mut outlying = Vec::new();
    for workload in &a.workloads {
        for mode in a.modes_of(workload) {
            let several = a.threads_of(workload, mode).len() > 1;
            for build in &a.builds {
                for cell in a.series(build, workload, mode) {
                    let name = cell_name(cell, several);
                    if cell.shape.unsteady() {
                        unsteady.push(format!("{name}: {}.", phrases(cell).join("; ")));
                    } else if cell.shape.outliers > 0 {
                        outlying.push(format!(
                            "{name} ({} of {} samples: {})",
                            cell.shape.outliers,
                            cell.counts.measured,
                            outlier_times(cell)
                        ));
                    }
                }
            }
        }
    }
    let more = unsteady.len().saturating_sub(SHOWN);
    for text in unsteady.into_iter().take(SHOWN) {
        out.push(Finding::new(FindingKind::Shape, text));
    }
    if more > 0 {
        out.push(Finding::new(
            FindingKind::Shape,
            format!(
                "{more} more cell{} bimodal or drifting: see the shape column of the tables.",
                if more == 1 { " is" } else { "s are" }
            ),
        ));
    }
    if outlying.is_empty() {
        return;
    }
    let count = outlying.len();
    let rest = count.saturating_sub(OUTLIERS_SHOWN);
    outlying.truncate(OUTLIERS_SHOWN);
    let tail = if rest > 0 {
        format!(", and {rest} more")
    } else {
        String::new()
    };
    out.push(Finding::new(
        FindingKind::Shape,
        format!(
            "Outliers (outside Tukey's fences, kept in the statistics) in {count} cell{}: {}{tail}.",
            if count == 1 { "" } else { "s" },
            outlying.join("; ")
        ),
    ));
}

/// "countdown on 3.14-jit", with " at 4 threads" when the workload ran at
/// `several` thread counts.
fn cell_name(cell: &CellSummary, several: bool) -> String {
    let k = &cell.key;
    let mut name = format!(
        "{} on {}",
        workload_name(&k.workload, k.mode),
        one_line(&k.build)
    );
    if several {
        name.push_str(&format!(
            " at {} {}",
            k.threads,
            workers_word(k.mode, k.threads)
        ));
    }
    name
}
