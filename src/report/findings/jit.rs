//! A JIT that changes what a program does: a cell that failed on a build
//! whose JIT was on, and completed when taken again with `PYTHON_JIT=0`
//! (the run writes a reproducer beside the results).

use std::path::PathBuf;

use super::{Finding, FindingKind};
use crate::analysis::Analysis;
use crate::format::{file_stem, fmt_seconds, one_line};
use crate::results::FailureKind;

/// Where a run puts the reproducer of a failure the JIT caused.
pub(crate) fn reproducer_path(build: &str, workload: &str) -> PathBuf {
    PathBuf::from("jit").join(format!("{}-{}.py", file_stem(build), file_stem(workload)))
}

/// "3.13-jit: bm_x times out with the JIT on and completes in 0.47 s with
/// PYTHON_JIT=0".
pub(crate) fn verdict(
    build: &str,
    workload: &str,
    kind: Option<FailureKind>,
    off_s: Option<f64>,
) -> String {
    let what = match kind {
        Some(FailureKind::Timeout) => "times out".to_string(),
        Some(FailureKind::WrongResult) => "gives a wrong result".to_string(),
        Some(FailureKind::Signal) => "crashes".to_string(),
        Some(kind) => format!("fails ({})", kind.as_str()),
        None => "fails".to_string(),
    };
    let time = off_s.map_or_else(String::new, |s| format!(" in {}", fmt_seconds(s)));
    format!("{build}: {workload} {what} with the JIT on and completes{time} with PYTHON_JIT=0")
}

pub(super) fn jit_failures(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    for cell in a.summary.failed_cells() {
        let Some(failure) = cell.failures.iter().find(|f| f.jit_off_s.is_some()) else {
            continue;
        };
        let (build, workload) = (&cell.key.build, &cell.key.workload);
        out.push(Finding::new(
            FindingKind::Failures,
            format!(
                "{} (a reproducer in the run's folder: {}).",
                one_line(&verdict(build, workload, failure.kind, failure.jit_off_s)),
                reproducer_path(build, workload).display()
            ),
        ));
    }
}
