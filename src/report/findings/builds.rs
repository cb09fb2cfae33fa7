//! What each build costs or gains at one thread against the baseline build.
//! A difference the bootstrap interval proves (with at least two samples a
//! side) is stated; a small one that
//! it does not is "no clear difference"; a large one that it does not
//! (at least [`LARGE`]) is never hidden as "no clear difference": it is
//! "inconclusive", with the reason and what to do about it (in
//! `report::inconclusive`, shared with `gilbench compare`).

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{fmt_change, fmt_percent, one_line};
use crate::report::{inconclusive, packages};
use crate::results::Mode;
use crate::stats::{Estimate, geometric_mean};

/// The smallest unproven difference called inconclusive rather than "no
/// clear difference".
pub(crate) const LARGE: f64 = 0.05;

/// One workload's comparison: the first mode in which both builds ran one
/// thread.
struct Row<'w> {
    workload: &'w str,
    mode: Mode,
    /// Time of the build over the baseline's.
    e: Estimate,
}

enum Verdict {
    /// The interval excludes no difference.
    Clear,
    /// Unproven and small.
    Small,
    /// Unproven but large: "-17 % but bimodal on 3.14-jit", and how many
    /// samples the cells have.
    Inconclusive { why: String, samples: usize },
}

pub(super) fn build_costs(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let Some(baseline) = a.baseline.as_deref() else {
        return;
    };
    for build in a.builds.iter().filter(|b| *b != baseline) {
        let mut rows: Vec<Row<'_>> = a
            .workloads
            .iter()
            .filter_map(|w| {
                a.modes_of(w).into_iter().find_map(|mode| {
                    Some(Row {
                        workload: w,
                        mode,
                        e: a.relative_to_baseline(build, w, mode)?,
                    })
                })
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|x, y| y.e.value.total_cmp(&x.e.value));
        let verdicts: Vec<Verdict> = rows
            .iter()
            .map(|r| verdict(a, build, baseline, r))
            .collect();
        let behind: Vec<Option<String>> = rows
            .iter()
            .map(|r| packages::behind(a, build, baseline, r.workload))
            .collect();
        if let Some(text) = words(build, baseline, &rows, &verdicts, &behind) {
            out.push(Finding::new(FindingKind::BuildCost, text));
        }
    }
}

fn verdict(a: &Analysis<'_>, build: &str, baseline: &str, row: &Row<'_>) -> Verdict {
    let cells: Vec<_> = [build, baseline]
        .iter()
        .filter_map(|b| a.cell(b, row.workload, row.mode, 1))
        .collect();
    let samples = inconclusive::fewest_samples(&cells);
    // One sample a side has an interval of one point: it proves nothing.
    if row.e.excludes(1.0) && samples >= 2 {
        return Verdict::Clear;
    }
    if (row.e.value - 1.0).abs() < LARGE {
        return Verdict::Small;
    }
    Verdict::Inconclusive {
        why: inconclusive::unproven(row.e.value, &cells),
        samples,
    }
}

/// The finding for one build, from its rows (sorted, slowest first), their
/// verdicts and the packages behind each (a difference, not a noise, is
/// said with them).
fn words(
    build: &str,
    baseline: &str,
    rows: &[Row<'_>],
    verdicts: &[Verdict],
    behind: &[Option<String>],
) -> Option<String> {
    let (b, base) = (one_line(build), one_line(baseline));
    // One remedy for all: for the smallest change, with room for the most samples.
    let unproven: Vec<(f64, usize)> = rows
        .iter()
        .zip(verdicts)
        .filter_map(|(row, v)| match v {
            Verdict::Inconclusive { samples, .. } => Some((row.e.value, *samples)),
            _ => None,
        })
        .collect();
    let smallest = unproven
        .iter()
        .map(|u| u.0)
        .min_by(|x, y| (x - 1.0).abs().total_cmp(&(y - 1.0).abs()));
    let most = unproven.iter().map(|u| u.1).max().unwrap_or(0);
    let advice = smallest.map_or_else(String::new, |r| {
        format!("; {}", inconclusive::remedy(r, most))
    });
    let with = |i: usize| {
        behind[i]
            .as_ref()
            .map_or_else(String::new, |p| format!(" — {p}"))
    };
    if let ([row], [v]) = (rows, verdicts) {
        let (w, change) = (one_line(row.workload), fmt_change(row.e.value));
        return Some(match v {
            Verdict::Clear => format!(
                "{b} {} at 1 thread on {w} compared with {base}{}.",
                cost_phrase(row.e.value),
                with(0)
            ),
            Verdict::Small => format!(
                "{b} and {base} are within noise of each other at 1 thread on {w} ({change})."
            ),
            Verdict::Inconclusive { why, .. } => format!(
                "{b} against {base} at 1 thread on {w}: inconclusive: {why}{advice}{}.",
                with(0)
            ),
        });
    }
    let mut clear = Vec::new();
    let mut inconclusive = Vec::new();
    let mut small = Vec::new();
    for (i, (row, v)) in rows.iter().zip(verdicts).enumerate() {
        let (w, change) = (one_line(row.workload), fmt_change(row.e.value));
        match v {
            Verdict::Clear => clear.push(format!("{change} on {w}{}", with(i))),
            Verdict::Small => small.push(w),
            Verdict::Inconclusive { why, .. } => {
                inconclusive.push(format!("inconclusive on {w}: {why}{}", with(i)));
            }
        }
    }
    let mut parts: Vec<String> = Some(clear.join(", "))
        .filter(|c| !c.is_empty())
        .into_iter()
        .chain(inconclusive)
        .collect();
    if parts.is_empty() {
        return Some(format!(
            "{b} shows no clear difference from {base} at 1 thread ({}).",
            small.join(", ")
        ));
    }
    if !small.is_empty() {
        parts.push(format!("no clear difference on {}", small.join(", ")));
    }
    if !verdicts.iter().any(|v| matches!(v, Verdict::Clear)) {
        // Nothing proven: no headline number, only the parts.
        return Some(format!(
            "{b} against {base} at 1 thread: {}{advice}.",
            parts.join("; ")
        ));
    }
    let ratios: Vec<f64> = rows.iter().map(|r| r.e.value).collect();
    Some(format!(
        "{b} {} at 1 thread compared with {base} (geometric mean of {} workloads): {}{advice}.",
        cost_phrase(geometric_mean(&ratios)?),
        rows.len(),
        parts.join("; ")
    ))
}

/// 1.35 → "costs +35 %"; 0.88 → "is 12 % faster".
fn cost_phrase(ratio: f64) -> String {
    if ratio >= 1.0 {
        format!("costs {}", fmt_change(ratio))
    } else {
        format!("is {} faster", fmt_percent((1.0 - ratio) * 100.0))
    }
}
