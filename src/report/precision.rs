//! How precisely cells are known ([`Precision`]), in words for every
//! report: "±1.8 %" for a cell or the least precise cell of a table row,
//! the median's and the speedup's on hover, and the legend.

use crate::analysis::{Analysis, CellSummary, Known};
use crate::format::{fmt_percent, one_line};
use crate::report::text::workers_word;

/// What a precision column of table rows means, for the legends.
pub(crate) const ROW_LEGEND: &str = "precision: ± the wider side of the distribution-free \
     95 % interval of the row's least precisely known median or speedup (— below 6 samples)";

/// Cells short of the goal named in its outcome; the rest are counted.
const SHORT_SHOWN: usize = 4;

/// "±1.8 %", or "—" when too few samples give no interval.
pub(crate) fn text(known: Known) -> String {
    match known {
        Known::Within(e) => format!("±{}", fmt_percent(e * 100.0)),
        Known::TooFewSamples => "—".into(),
    }
}

/// The precision of the least precisely known of `cells` that have
/// measurements; None if none has.
pub(crate) fn least<'c>(cells: impl IntoIterator<Item = &'c CellSummary>) -> Option<Known> {
    cells
        .into_iter()
        .filter(|c| c.has_measurements())
        .map(|c| c.precision.reached())
        .max_by(|a, b| a.error().total_cmp(&b.error()))
}

/// "median ±1.2 %, speedup ±1.8 %".
pub(crate) fn detail(cell: &CellSummary) -> String {
    let p = cell.precision;
    match p.speedup {
        Some(s) => format!("median {}, speedup {}", text(p.median), text(s)),
        None => format!("median {}", text(p.median)),
    }
}

/// The run's precision goal and how its cells fared: "precision goal ±3.0 %
/// (at most 25 samples a cell): reached by 1 of 2 cells; not by jittery on
/// 3.13 at 1 thread (±17 % after 25 samples)". None for a run without a goal.
pub(crate) fn goal_outcome(a: &Analysis<'_>) -> Option<String> {
    let goal = a.results.config.precision?;
    let measured: Vec<&CellSummary> = a
        .summary
        .cells
        .iter()
        .filter(|c| c.has_measurements())
        .collect();
    let short: Vec<&&CellSummary> = measured
        .iter()
        .filter(|c| !c.precision.reached().within(goal.target))
        .collect();
    let budget = goal
        .time_budget_s
        .map(|s| format!(" or {s:.0} s of measuring"))
        .unwrap_or_default();
    let head = format!(
        "precision goal {} (at most {} samples a cell{budget}): reached by {} of {} cells",
        text(Known::Within(goal.target)),
        goal.max_repeat,
        measured.len() - short.len(),
        measured.len()
    );
    if short.is_empty() {
        return Some(format!("{head}."));
    }
    let mut named: Vec<String> = short
        .iter()
        .take(SHORT_SHOWN)
        .map(|c| {
            let k = &c.key;
            let n = c.counts.measured;
            let how = match c.precision.reached() {
                Known::Within(_) => format!("{} after {n} samples", text(c.precision.reached())),
                Known::TooFewSamples => format!("{n} samples, too few for an interval"),
            };
            format!(
                "{} on {} at {} {} ({how})",
                one_line(&k.workload),
                one_line(&k.build),
                k.threads,
                workers_word(k.mode, k.threads),
            )
        })
        .collect();
    if short.len() > SHORT_SHOWN {
        named.push(format!("{} more", short.len() - SHORT_SHOWN));
    }
    Some(format!("{head}; not by {}.", named.join(", ")))
}
