//! The cross-thread penalty: at one thread, the work runs both in the
//! thread that built its state and in a lone worker thread. Single-thread
//! costs use the first (as pyperformance measures); speedups compare
//! worker threads with worker threads. Where the two differ clearly, that
//! is a finding of its own.

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{fmt_change, one_line};

/// The smallest proven penalty worth a finding.
const NOTABLE: f64 = 0.03;

pub(super) fn cross_thread(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    for build in &a.builds {
        let penalties: Vec<String> = a
            .workloads
            .iter()
            .filter_map(|w| {
                let e = a.cross_thread_penalty(build, w)?;
                let notable = e.excludes(1.0) && (e.value - 1.0).abs() >= NOTABLE;
                notable.then(|| format!("{} on {}", fmt_change(e.value), one_line(w)))
            })
            .collect();
        if penalties.is_empty() {
            continue;
        }
        out.push(Finding::new(
            FindingKind::BuildCost,
            format!(
                "Cross-thread penalty on {}: a lone worker thread takes {} against the thread \
                 that built its objects (on a free-threaded build, objects another thread \
                 created take the slower shared reference-count path). Costs at 1 thread are \
                 measured in the owning thread; speedups compare worker threads throughout.",
                one_line(build),
                penalties.join(", ")
            ),
        ));
    }
}
