//! What each build costs in memory: its peak at one worker against the
//! baseline build's (for a free-threaded build, beside PEP 779's bar of
//! 20 %), and the memory each extra worker adds, per build and mode.

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{fmt_change, fmt_mib, one_line};
use crate::results::Mode;
use crate::stats::Estimate;

/// PEP 779's bar for the free-threaded build's memory overhead.
pub(crate) const PEP_779_MEMORY: f64 = 0.20;

pub(super) fn memory(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    if let Some(baseline) = a.baseline.as_deref() {
        for build in a.builds.iter().filter(|b| *b != baseline) {
            if let Some(text) = against_baseline(a, build, baseline) {
                out.push(Finding::new(FindingKind::Memory, text));
            }
        }
    }
    for workload in &a.workloads {
        if let Some(text) = per_worker(a, workload) {
            out.push(Finding::new(FindingKind::Memory, text));
        }
    }
}

/// "3.13t's peak memory at 1 worker against 3.13: +31 % on dict_build,
/// above PEP 779's 20 %; +8.0 % on countdown." Each workload in the first
/// mode both builds ran at one worker; a change its interval does not
/// prove is within noise.
fn against_baseline(a: &Analysis<'_>, build: &str, baseline: &str) -> Option<String> {
    let free_threaded = a.is_free_threaded(build);
    let ratios: Vec<(&str, Estimate)> = a
        .workloads
        .iter()
        .filter_map(|w| {
            let e = a
                .modes_of(w)
                .into_iter()
                .find_map(|mode| a.memory_relative_to_baseline(build, w, mode))?;
            Some((w.as_str(), e))
        })
        .collect();
    if ratios.is_empty() {
        return None;
    }
    let (b, base) = (one_line(build), one_line(baseline));
    if ratios.iter().all(|(_, e)| !e.excludes(1.0)) {
        return Some(format!(
            "{b}'s peak memory at 1 worker is within noise of {base}'s."
        ));
    }
    let parts: Vec<String> = ratios
        .iter()
        .map(|(w, e)| {
            let (w, change) = (one_line(w), fmt_change(e.value));
            if !e.excludes(1.0) {
                return format!("within noise on {w} ({change})");
            }
            let bar = match (free_threaded, e.value > 1.0 + PEP_779_MEMORY) {
                (false, _) => "",
                (true, true) => ", above PEP 779's 20 %",
                (true, false) => ", within PEP 779's 20 %",
            };
            format!("{change} on {w}{bar}")
        })
        .collect();
    Some(format!(
        "{b}'s peak memory at 1 worker against {base}: {}.",
        parts.join("; ")
    ))
}

/// "Each extra worker on dict_build adds 0.4 MiB a thread and 9.8 MiB a
/// process on 3.13t; 0.2 MiB a thread on 3.13."
fn per_worker(a: &Analysis<'_>, workload: &str) -> Option<String> {
    let parts: Vec<String> = a
        .builds
        .iter()
        .filter_map(|build| {
            let modes: Vec<String> = a
                .modes_of(workload)
                .into_iter()
                .filter_map(|mode| {
                    let mib = a.memory_per_worker(build, workload, mode)?;
                    Some(format!("{} a {}", fmt_mib(mib), worker_noun(mode)))
                })
                .collect();
            (!modes.is_empty()).then(|| format!("{} on {}", modes.join(" and "), one_line(build)))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "Each extra worker on {} adds {}.",
            one_line(workload),
            parts.join("; ")
        )
    })
}

fn worker_noun(mode: Mode) -> &'static str {
    match mode {
        Mode::Threads => "thread",
        Mode::Processes => "process",
        Mode::Subinterpreters => "subinterpreter",
    }
}
