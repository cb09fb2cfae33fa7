//! Warm and cold, with `--warm-calls`: each sample times the work after
//! untimed calls in the same process (as pyperf's warmups), and the first
//! of those calls is the cold time. A JIT shows the difference; what the
//! warm-up costs is the untimed calls' time. The finding and the page's
//! table read the same [`WarmAndCold`] rows.

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{fmt_change, fmt_seconds, one_line};
use crate::results::Mode;
use crate::stats::{Estimate, median};

/// A workload on one build, warm and cold: threads mode at one thread.
pub(crate) struct WarmAndCold<'a> {
    pub build: &'a str,
    pub workload: &'a str,
    /// Medians of the timed call (in the thread that built its state, where
    /// measured) and of the first untimed one.
    pub warm_s: f64,
    pub cold_s: f64,
    /// Warm over cold, with its interval.
    pub change: Estimate,
    /// Median of a sample's untimed calls together.
    pub warm_up_s: f64,
}

impl WarmAndCold<'_> {
    /// "-6.8 %", or "-1.5 %, within the noise" when the interval holds no change.
    pub fn change_text(&self) -> String {
        let noise = if self.change.excludes(1.0) {
            ""
        } else {
            ", within the noise"
        };
        format!("{}{noise}", fmt_change(self.change.value))
    }
}

/// Every build's workloads measured warm and cold, builds and workloads
/// in the report's order; empty without `--warm-calls`.
pub(crate) fn rows<'a>(a: &'a Analysis<'_>) -> Vec<WarmAndCold<'a>> {
    if a.results.config.warm_calls == 0 {
        return Vec::new();
    }
    a.builds
        .iter()
        .flat_map(|build| a.workloads.iter().map(move |w| (build, w)))
        .filter_map(|(build, workload)| {
            let cell = a.cell(build, workload, Mode::Threads, 1)?;
            let warm_up: Vec<f64> = cell
                .measurements
                .iter()
                .filter_map(|m| m.warm_up_s)
                .collect();
            Some(WarmAndCold {
                build,
                workload,
                warm_s: median(&cell.owner_values().unwrap_or_else(|| cell.wall_values()))?,
                cold_s: median(&cell.cold_values()?)?,
                change: a.warm_over_cold(build, workload)?,
                warm_up_s: median(&warm_up)?,
            })
        })
        .collect()
}

pub(super) fn warm_and_cold(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let calls = a.results.config.warm_calls;
    let rows = rows(a);
    for build in &a.builds {
        let parts: Vec<String> = rows
            .iter()
            .filter(|r| r.build == build)
            .map(|r| {
                format!(
                    "{} {} warm, {} cold ({}), the warm-up {} a sample",
                    one_line(r.workload),
                    fmt_seconds(r.warm_s),
                    fmt_seconds(r.cold_s),
                    r.change_text(),
                    fmt_seconds(r.warm_up_s)
                )
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
