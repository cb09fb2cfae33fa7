//! The shape of a cell's samples ([`Shape`]) in words, for every report: a
//! short label for the tables ("bimodal", "drift +12 %", "2 outliers") and
//! phrases for the findings and the tables' hover text.

use crate::analysis::CellSummary;
use crate::format::{fmt_change, fmt_percent, fmt_seconds};

/// The legend of the terminal's mark for a flagged cell.
pub(crate) const MARK_LEGEND: &str =
    "* the samples are bimodal, drift or have outliers: see the shape column of index.html";

/// "bimodal, drift +12 %, 1 outlier, 2 disturbed"; empty when nothing is
/// flagged.
pub(crate) fn label(cell: &CellSummary) -> String {
    let shape = &cell.shape;
    let mut parts = Vec::new();
    if shape.bimodal.is_some() {
        parts.push("bimodal".to_string());
    }
    if let Some(d) = shape.drift {
        parts.push(format!("drift {}", fmt_change(d.ratio())));
    }
    if shape.outliers > 0 {
        parts.push(outliers_word(shape.outliers));
    }
    if cell.counts.disturbed > 0 {
        parts.push(format!("{} disturbed, retaken", cell.counts.disturbed));
    }
    parts.join(", ")
}

/// "1 outlier", "2 outliers".
fn outliers_word(n: usize) -> String {
    format!("{n} outlier{}", if n == 1 { "" } else { "s" })
}

/// The phrases for a cell's shape, each able to stand after the cell's
/// name and a colon: "bimodal: 3 of 5 samples at 313 ms, 2 at 385 ms",
/// "drift: the second half ran 12 % slower than the first", "1 outlier
/// (620 ms)". Empty when nothing is flagged.
pub(crate) fn phrases(cell: &CellSummary) -> Vec<String> {
    let shape = &cell.shape;
    let mut out = Vec::new();
    if let Some(b) = shape.bimodal {
        out.push(format!(
            "bimodal: {} of {} samples at {}, {} at {}",
            b.low.count,
            b.low.count + b.high.count,
            fmt_seconds(b.low.centre),
            b.high.count,
            fmt_seconds(b.high.centre)
        ));
    }
    if let Some(d) = shape.drift {
        let (slower, faster) = if d.second >= d.first {
            ("second", "first")
        } else {
            ("first", "second")
        };
        let pct = (d.second.max(d.first) / d.second.min(d.first) - 1.0) * 100.0;
        out.push(format!(
            "drift: the {slower} half ran {} slower than the {faster}",
            fmt_percent(pct)
        ));
    }
    if shape.outliers > 0 {
        out.push(format!(
            "{} ({})",
            outliers_word(shape.outliers),
            outlier_times(cell)
        ));
    }
    out
}

/// The wall times of a cell's outliers: "620 ms, 700 ms", at most three.
pub(crate) fn outlier_times(cell: &CellSummary) -> String {
    let mut times: Vec<String> = cell.outliers().map(|m| fmt_seconds(m.wall_s)).collect();
    if times.len() > 3 {
        times.truncate(3);
        times.push("…".into());
    }
    times.join(", ")
}
