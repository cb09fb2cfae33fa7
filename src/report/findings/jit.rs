//! A JIT that changes what a program does: a cell that failed on a build
//! whose JIT was on, and completed when taken again with `PYTHON_JIT=0`
//! (the run writes a reproducer beside the results, and runs it once with
//! the JIT on and off).

use std::path::PathBuf;

use super::{Finding, FindingKind};
use crate::analysis::{Analysis, Failure};
use crate::format::{file_stem, fmt_seconds, one_line, truncate};
use crate::results::{FailureKind, ReproducerRun, ScriptRun};

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

/// "reproducer jit/3.13-jit-bm_x.py, run alone: with the JIT on, still
/// running after 30.0 s; with PYTHON_JIT=0, completes in 0.52 s".
pub(crate) fn reproducer_result(run: &ReproducerRun) -> String {
    format!(
        "reproducer {}, run alone: with the JIT on, {}; with PYTHON_JIT=0, {}",
        one_line(&run.path),
        ended(&run.jit_on),
        ended(&run.jit_off)
    )
}

/// The reproducer's result of a failure the JIT caused, where it was run.
pub(crate) fn failure_reproducer(failure: &Failure) -> Option<String> {
    failure.reproducer.as_ref().map(reproducer_result)
}

/// How one run of a program ended: "completes in 0.52 s".
fn ended(run: &ScriptRun) -> String {
    if let Some(error) = &run.error {
        return format!("not run to its end ({})", truncate(&one_line(error), 200));
    }
    if run.timed_out {
        return format!("still running after {}", fmt_seconds(run.timeout_s));
    }
    if run.output_limited {
        return "killed for writing more than 16 MiB of output".into();
    }
    if run.oom_killed {
        return "killed for exceeding the memory limit".into();
    }
    let took = run.duration_s().map(fmt_seconds);
    let after = took
        .as_ref()
        .map_or_else(String::new, |t| format!(" after {t}"));
    match (run.exit_code, run.signal) {
        (_, Some(signal)) => format!("killed by signal {signal}{after}"),
        (Some(0), _) => match took {
            Some(took) => format!("completes in {took}"),
            None => "completes".into(),
        },
        (Some(code), _) => {
            // What it said last: the traceback's last line, or its own verdict.
            let said = [&run.stderr_tail, &run.stdout_tail]
                .into_iter()
                .find_map(|tail| tail.lines().rev().find(|l| !l.trim().is_empty()))
                .map_or_else(String::new, |line| {
                    format!(": {}", truncate(&one_line(line), 200))
                });
            format!("exits with code {code}{after}{said}")
        }
        (None, None) => format!("ends{after}"),
    }
}

pub(super) fn jit_failures(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    for cell in a.summary.failed_cells() {
        let Some(failure) = cell.failures.iter().find(|f| f.jit_off_s.is_some()) else {
            continue;
        };
        let (build, workload) = (&cell.key.build, &cell.key.workload);
        // Results from before reproducers were run name only the file.
        let reproducer = failure_reproducer(failure).unwrap_or_else(|| {
            format!(
                "a reproducer in the run's folder: {}",
                reproducer_path(build, workload).display()
            )
        });
        out.push(Finding::new(
            FindingKind::Failures,
            format!(
                "{} ({}).",
                one_line(&verdict(build, workload, failure.kind, failure.jit_off_s)),
                reproducer
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reproducers_two_runs_are_said_in_words() {
        let run = |json| serde_json::from_value::<ScriptRun>(json).unwrap();
        let looped = run(serde_json::json!({
            "timeout_s": 30.0, "timed_out": true, "signal": 9, "duration_ns": 30_001_000_000u64,
        }));
        let completed = run(serde_json::json!({"exit_code": 0, "duration_ns": 520_000_000}));
        let text = reproducer_result(&ReproducerRun {
            path: "jit/3.13-jit-bm_x.py".into(),
            jit_on: looped,
            jit_off: completed.clone(),
        });
        assert_eq!(
            text,
            "reproducer jit/3.13-jit-bm_x.py, run alone: with the JIT on, still running after \
             30.0 s; with PYTHON_JIT=0, completes in 520 ms"
        );
        let wrong = run(serde_json::json!({
            "exit_code": 1, "duration_ns": 40_000_000,
            "stdout_tail": "work took 0.031 s; check failed\n",
        }));
        assert_eq!(
            ended(&wrong),
            "exits with code 1 after 40.0 ms: work took 0.031 s; check failed"
        );
        let crashed = run(serde_json::json!({"signal": 11, "duration_ns": 5_000_000}));
        assert_eq!(ended(&crashed), "killed by signal 11 after 5.00 ms");
        assert_eq!(
            ended(&ScriptRun::not_run("the runner exited".into())),
            "not run to its end (the runner exited)"
        );
    }
}
