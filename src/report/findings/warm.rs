//! Warm and cold, with `--warm-calls`: each sample times the work after
//! untimed calls in the same process (as pyperf's warmups), and the first
//! of those calls is the cold time. A JIT shows the difference; what the
//! warm-up costs is the untimed calls' time.

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{fmt_change, fmt_seconds, one_line};
use crate::results::Mode;
use crate::stats::median;

pub(super) fn warm_and_cold(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let calls = a.results.config.warm_calls;
    if calls == 0 {
        return;
    }
    for build in &a.builds {
        let parts: Vec<String> = a
            .workloads
            .iter()
            .filter_map(|w| {
                let cell = a.cell(build, w, Mode::Threads, 1)?;
                let change = a.warm_over_cold(build, w)?;
                let warm = median(&cell.owner_values().unwrap_or_else(|| cell.wall_values()))?;
                let cold = median(&cell.cold_values()?)?;
                let warm_up: Vec<f64> = cell
                    .measurements
                    .iter()
                    .filter_map(|m| m.warm_up_s)
                    .collect();
                let clear = if change.excludes(1.0) {
                    ""
                } else {
                    ", within the noise"
                };
                Some(format!(
                    "{} {} warm, {} cold ({}{clear}), the warm-up {} a sample",
                    one_line(w),
                    fmt_seconds(warm),
                    fmt_seconds(cold),
                    fmt_change(change.value),
                    fmt_seconds(median(&warm_up)?)
                ))
            })
            .collect();
        if parts.is_empty() {
            continue;
        }
        out.push(Finding::new(
            FindingKind::BuildCost,
            format!(
                "Warm and cold on {} (at 1 thread, the timed call after {calls} untimed \
                 call{} in the same process, against the first of them): {}.",
                one_line(build),
                if calls == 1 { "" } else { "s" },
                parts.join("; ")
            ),
        ));
    }
}
