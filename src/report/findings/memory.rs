//! What each build costs in memory: its peak at one worker against the
//! baseline build's (for a free-threaded build, beside PEP 779's bar of
//! 20 %), and the memory each extra worker adds, per build and mode.

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{fmt_change, fmt_mib, fmt_percent, one_line};
use crate::report::text::workers_word;
use crate::stats::{Estimate, geometric_mean};

/// PEP 779's bar for the free-threaded build's memory overhead.
const PEP_779_MEMORY: f64 = 0.20;

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
    // (workload, ratio, whether its interval proves a difference)
    let ratios: Vec<(&str, Estimate, bool)> = a
        .workloads
        .iter()
        .filter_map(|w| {
            a.modes_of(w).into_iter().find_map(|mode| {
                let e = a.memory_relative_to_baseline(build, w, mode)?;
                // One sample a side has an interval of one point: it proves nothing.
                let samples = [build, baseline]
                    .iter()
                    .filter_map(|b| Some(a.cell(b, w, mode, 1)?.counts.measured))
                    .min()?;
                Some((w.as_str(), e, e.excludes(1.0) && samples >= 2))
            })
        })
        .collect();
    if ratios.is_empty() {
        return None;
    }
    let (b, base) = (one_line(build), one_line(baseline));
    if ratios.iter().all(|(_, _, proven)| !proven) {
        return Some(format!(
            "{b}'s peak memory at 1 worker is within noise of {base}'s."
        ));
    }
    if ratios.len() > LISTED {
        return Some(summarised(&b, &base, &ratios, free_threaded));
    }
    let parts: Vec<String> = ratios
        .iter()
        .map(|(w, e, proven)| {
            let (w, change) = (one_line(w), fmt_change(e.value));
            if !proven {
                return format!("within noise on {w} ({change})");
            }
            if !free_threaded {
                return format!("{change} on {w}");
            }
            let side = if e.value > 1.0 + PEP_779_MEMORY {
                "above"
            } else {
                "within"
            };
            format!("{change} on {w}, {side} {}", pep_779())
        })
        .collect();
    Some(format!(
        "{b}'s peak memory at 1 worker against {base}: {}.",
        parts.join("; ")
    ))
}

/// Workloads named one by one; beyond, the finding sums them up.
const LISTED: usize = 4;

/// "3.13t's peak memory at 1 worker against 3.13: +14 % (geometric mean of
/// 17 workloads), from +10 % on sha256 to +48 % on gc_churn; above PEP
/// 779's 20 % on gc_churn (+48 %), zlib_compress (+42 %)."
fn summarised(
    b: &str,
    base: &str,
    ratios: &[(&str, Estimate, bool)],
    free_threaded: bool,
) -> String {
    let mut proven: Vec<(&str, f64)> = ratios
        .iter()
        .filter(|r| r.2)
        .map(|(w, e, _)| (*w, e.value))
        .collect();
    proven.sort_by(|x, y| y.1.total_cmp(&x.1));
    let values: Vec<f64> = proven.iter().map(|p| p.1).collect();
    let named = |(w, r): &(&str, f64)| format!("{} on {}", fmt_change(*r), one_line(w));
    let mut text = format!("{b}'s peak memory at 1 worker against {base}: ");
    if let (Some(mean), Some(high), Some(low)) =
        (geometric_mean(&values), proven.first(), proven.last())
    {
        text.push_str(&format!(
            "{} (geometric mean of {} workloads), from {} to {}",
            fmt_change(mean),
            proven.len(),
            named(low),
            named(high)
        ));
    }
    if free_threaded {
        let above: Vec<String> = proven
            .iter()
            .filter(|p| p.1 > 1.0 + PEP_779_MEMORY)
            .map(|(w, r)| format!("{} ({})", one_line(w), fmt_change(*r)))
            .collect();
        if above.is_empty() {
            text.push_str(&format!("; within {} on each", pep_779()));
        } else {
            text.push_str(&format!("; above {} on {}", pep_779(), above.join(", ")));
        }
    }
    let unproven = ratios.len() - proven.len();
    if unproven > 0 {
        text.push_str(&format!("; within noise on {unproven} more"));
    }
    text.push('.');
    text
}

/// "PEP 779's 20 %".
fn pep_779() -> String {
    format!("PEP 779's {}", fmt_percent(PEP_779_MEMORY * 100.0))
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
                    Some(format!("{} a {}", fmt_mib(mib), workers_word(mode, 1)))
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
