//! The gate of a run with package variants (`run --fail-above`), in
//! words: the cells that fail it, with the confirming rounds' answer where
//! they were taken, and the cells the confirmation cleared.

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::analysis::compare::CellComparison;
use crate::analysis::gate::{Verdict, judge, split_variant};
use crate::format::{fmt_percent, one_line};
use crate::report::text::workers_word;

pub(super) fn gate(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let Some(gate) = &a.results.config.gate else {
        return;
    };
    let Ok(verdict) = judge(a.results, gate, &[]) else {
        return;
    };
    let threshold = fmt_percent(gate.fail_above * 100.0);
    let rounds = gate.confirm.map(|c| c.rounds);
    let unmeasured: Vec<&str> = a
        .results
        .missing_builds
        .iter()
        .filter(|m| split_variant(&m.name).1.is_some())
        .map(|m| m.name.as_str())
        .collect();
    if !unmeasured.is_empty() {
        out.push(Finding::new(
            FindingKind::Failures,
            format!(
                "The gate cannot pass: {} could not be had (see the builds not measured), so \
                 those variants were not compared with the base.",
                unmeasured.join(", ")
            ),
        ));
    }
    for cell in &verdict.failed {
        let confirmed = match (rounds, again(&verdict, cell)) {
            (Some(n), Some(again)) => format!(", and in {n} fresh rounds {}", slower(again)),
            _ => String::new(),
        };
        out.push(Finding::new(
            FindingKind::Failures,
            format!(
                "The gate fails: {} is {}{confirmed} — more than the {threshold} allowed.",
                where_(cell),
                slower(cell)
            ),
        ));
    }
    for cell in &verdict.cleared {
        let fresh = again(&verdict, cell).map_or(String::new(), |c| format!(" ({})", slower(c)));
        out.push(Finding::new(
            FindingKind::Note,
            format!(
                "The gate's first rounds found {} {}, which {} fresh rounds did not confirm{fresh}: \
                 not counted as a regression.",
                where_(cell),
                slower(cell),
                rounds.unwrap_or_default()
            ),
        ));
    }
    if !verdict.unjudged.is_empty() {
        let cells: Vec<String> = verdict
            .unjudged
            .iter()
            .map(|k| {
                format!(
                    "{} at {} {} on {}",
                    one_line(&k.workload),
                    k.threads,
                    workers_word(k.mode, k.threads),
                    one_line(&k.build)
                )
            })
            .collect();
        out.push(Finding::new(
            FindingKind::Failures,
            format!(
                "The gate cannot judge {}: no undisturbed measurement on one side or both (see \
                 the failures and disturbed samples); it does not pass them.",
                cells.join(", ")
            ),
        ));
    }
    if verdict.passes() && unmeasured.is_empty() {
        let cells: usize = verdict.first.iter().map(|c| c.cells.len()).sum();
        out.push(Finding::new(
            FindingKind::Note,
            format!(
                "The gate passes: of {cells} cells compared with the base variant on the same \
                 build, none is significantly slower by more than {threshold}."
            ),
        ));
    }
}

/// The same cell in the confirming rounds.
fn again<'v>(verdict: &'v Verdict, cell: &CellComparison) -> Option<&'v CellComparison> {
    verdict
        .confirmation
        .iter()
        .flat_map(|c| &c.cells)
        .find(|c| {
            (&c.new_build, &c.workload, c.mode, c.threads)
                == (&cell.new_build, &cell.workload, cell.mode, cell.threads)
        })
}

/// "countdown at 1 thread on 3.13[head] against 3.13[base]"
fn where_(cell: &CellComparison) -> String {
    format!(
        "{} at {} {} on {} against {}",
        one_line(&cell.workload),
        cell.threads,
        workers_word(cell.mode, cell.threads),
        one_line(&cell.new_build),
        one_line(&cell.base_build)
    )
}

/// "1.20× the base's time (p = 0.002)"
fn slower(cell: &CellComparison) -> String {
    format!(
        "{:.3}× the base's time (p = {:.3})",
        cell.time.ratio.value, cell.time.p_value
    )
}
