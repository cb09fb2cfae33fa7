//! The GIL findings: on where a free-threaded build should have it off,
//! which import turned it on, and what `PYTHON_GIL=0` did.

use super::texts;
use crate::analysis::fixture::*;
use crate::report::{FindingKind, findings};
use crate::results::{Mode, RunResults, RunStatus, Scaling};

const GIL_OFF: &str = "3.13t+PYTHON_GIL=0";
const MODULE: &str = "gilext._speedups";

/// 3.13t, where importing gilext._speedups turned the GIL on (threads are
/// flat), and, if `with_gil_off`, the same image with PYTHON_GIL=0, where
/// the GIL stayed off (threads scale).
fn gil_import_run(with_gil_off: bool) -> RunResults {
    let mut builds = vec![build_entry("3.13t", "freethreaded", "3.13.5", true, false)];
    if with_gil_off {
        builds.push(build_entry(GIL_OFF, "freethreaded", "3.13.5", true, false));
    }
    let mut run = RunBuilder {
        status: RunStatus::Complete,
        builds,
        workloads: vec![("gil_ext_sum".into(), Scaling::Weak)],
        modes: vec![Mode::Threads],
        threads: vec![1, 2],
        repeat: 5,
        warmup: 0,
        outcome: Box::new(|build, _, threads, repeat| {
            let n = f64::from(threads);
            let jitter = 1.0 + f64::from(repeat % 3) * 0.004;
            let wall_s = if build == "3.13t" {
                0.4 * n
            } else {
                0.4 * 1.04
            };
            Some(Outcome::Ok {
                wall_s: wall_s * jitter,
                worker_cpu_s: 0.4,
            })
        }),
    }
    .build();
    let image_id = run.builds[0].image_id.clone();
    for record in &mut run.builds {
        record.image_id.clone_from(&image_id);
        if record.name == GIL_OFF {
            record.runtime_env.insert("PYTHON_GIL".into(), "0".into());
        }
    }
    for s in run.samples.iter_mut().filter(|s| s.build == "3.13t") {
        s.sample.gil_enabled = Some(true);
        s.sample.gil_enabled_by = Some(MODULE.into());
    }
    run
}

fn gil_texts(run: &RunResults) -> String {
    let found = findings(run);
    let gil: Vec<_> = found
        .into_iter()
        .filter(|f| f.kind == FindingKind::Gil)
        .collect();
    texts(&gil)
}

#[test]
fn the_import_that_turned_the_gil_on_is_named_with_what_python_gil_0_did() {
    let all = gil_texts(&gil_import_run(true));
    assert!(
        all.starts_with(
            "On 3.13t, importing gilext._speedups turned the GIL back on: threads results of \
             gil_ext_sum on 3.13t ran under the GIL (flat, 1.00× at 2 threads)."
        ),
        "{all}"
    );
    assert!(
        all.contains(
            "With PYTHON_GIL=0 the GIL stayed off, at that module's own risk, and gil_ext_sum \
             scales on 3.13t+PYTHON_GIL=0 (2.00× at 2 threads)."
        ),
        "{all}"
    );
    insta::assert_snapshot!(all);
}

#[test]
fn without_python_gil_0_in_the_run_the_finding_says_which_build_keeps_it_off() {
    let all = gil_texts(&gil_import_run(false));
    assert!(
        all.ends_with("The build 3.13t+PYTHON_GIL=0 keeps it off, at that module's own risk."),
        "{all}"
    );
    assert!(!all.contains("stayed off"), "{all}");
}

#[test]
fn a_workload_that_stays_flat_with_python_gil_0_is_called_flat() {
    let mut run = gil_import_run(true);
    for s in run.samples.iter_mut().filter(|s| s.build == GIL_OFF) {
        let wall_ns = s.sample.wall_ns.unwrap() * u64::from(s.threads);
        s.sample.wall_ns = Some(wall_ns);
    }
    let all = gil_texts(&run);
    assert!(
        all.ends_with("and gil_ext_sum is flat on 3.13t+PYTHON_GIL=0 (1.00× at 2 threads)."),
        "{all}"
    );
}

#[test]
fn python_gil_0_is_not_said_to_keep_the_gil_off_where_it_was_on() {
    let mut run = gil_import_run(true);
    for s in run.samples.iter_mut().filter(|s| s.build == GIL_OFF) {
        s.sample.gil_enabled = Some(true);
    }
    let all = gil_texts(&run);
    assert!(!all.contains("stayed off"), "{all}");
}

#[test]
fn a_gil_turned_on_by_an_unnamed_import_is_still_reported() {
    // Results from before samples named the module.
    let mut run = fixture();
    for s in &mut run.samples {
        if s.build == "3.13t" && s.workload == "countdown" {
            s.sample.gil_enabled = Some(true);
        }
    }
    let all = gil_texts(&run);
    assert!(
        all.starts_with("The GIL was on while countdown ran on 3.13t"),
        "{all}"
    );
}

#[test]
fn the_suggested_build_keeps_the_source_of_the_spec() {
    let mut run = gil_import_run(false);
    let name = "3.14t+PYTHONMALLOC=mimalloc@debian";
    run.builds[0].name = name.into();
    run.config.builds = vec![name.into()];
    for s in &mut run.samples {
        s.build = name.into();
    }
    let all = gil_texts(&run);
    assert!(
        all.contains("The build 3.14t+PYTHONMALLOC=mimalloc+PYTHON_GIL=0@debian keeps it off"),
        "{all}"
    );
}
