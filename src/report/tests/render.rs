//! Every file of a report, for complete, partial and empty runs.

use std::path::Path;

use super::texts;
use crate::analysis::fixture::*;
use crate::report::{findings, index_html, render, summary_markdown};
use crate::results::{Environment, Mode, RunStatus, Scaling};

#[test]
fn render_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let written = render(&fixture(), dir.path()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "index.html",
            "summary.md",
            "results.csv",
            "pyperf/3.13.json",
            "pyperf/3.13t.json",
            "pyperf/3.13-jit.json"
        ]
    );
    for path in &written {
        assert!(
            std::fs::metadata(path).unwrap().len() > 100,
            "{}",
            path.display()
        );
    }
    // Rendering again replaces the files.
    render(&fixture(), dir.path()).unwrap();
}

#[test]
fn partial_runs_render() {
    // Interrupted: the headline says so.
    let mut run = fixture_with(RunStatus::Interrupted);
    run.samples.retain(|s| s.threads < 4);
    let found = texts(&findings(&run));
    assert!(
        found.starts_with("This run was interrupted: 12 of 18 planned cells have measurements"),
        "{found}"
    );
    let html = index_html(&run).unwrap();
    assert!(html.contains("This run was interrupted"));
    let dir = tempfile::tempdir().unwrap();
    render(&run, dir.path()).unwrap();

    // Only failures: no statistics, no pyperf files, still a report.
    let mut failed = fixture_with(RunStatus::Complete);
    failed
        .samples
        .retain(|s| s.sample.status != crate::results::SampleStatus::Ok);
    let dir = tempfile::tempdir().unwrap();
    let written = render(&failed, dir.path()).unwrap();
    assert_eq!(written.len(), 3, "no pyperf file without measurements");
    let found = texts(&findings(&failed));
    assert!(found.contains("No sample was measured"), "{found}");
    let html = index_html(&failed).unwrap();
    assert!(html.contains("No speedup to show"));
    assert!(summary_markdown(&failed).contains("| 3.13t | countdown | threads | 4 |"));

    // A build with no samples, and a single thread count.
    let mut single = RunBuilder {
        status: RunStatus::Complete,
        builds: vec![
            build_entry("3.13", "default", "3.13.1", false, false),
            build_entry("3.14", "default2", "3.14.0", false, false),
        ],
        workloads: vec![("countdown".into(), Scaling::Weak)],
        modes: vec![Mode::Threads],
        threads: vec![2],
        repeat: 3,
        warmup: 0,
        outcome: Box::new(|b, w, t, r| {
            if b == "3.14" {
                None
            } else {
                standard_outcome(b, w, t, r)
            }
        }),
    }
    .build();
    single.environment = Environment::default();
    let dir = tempfile::tempdir().unwrap();
    render(&single, dir.path()).unwrap();
    let html = index_html(&single).unwrap();
    assert!(html.contains("3.14"), "the empty build is listed");
    assert!(html.contains("no measurements") || html.contains("<svg"));

    // Nothing at all.
    let mut empty = fixture_with(RunStatus::Aborted);
    empty.samples.clear();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(render(&empty, dir.path()).unwrap().len(), 3);
    assert!(texts(&findings(&empty)).contains("This run was aborted"));
}

/// Renders the fixture into $GILBENCH_REPORT_DEMO (default /tmp/report-demo)
/// to look at it: `cargo test --lib report::tests::render::demo -- --ignored`.
#[test]
#[ignore]
fn demo() {
    let dir = std::env::var("GILBENCH_REPORT_DEMO").unwrap_or_else(|_| "/tmp/report-demo".into());
    for path in render(&fixture(), Path::new(&dir)).unwrap() {
        println!("{}", path.display());
    }
}

/// The noisy run (bimodal, drifting and outlying samples at one thread
/// count) into $GILBENCH_REPORT_DEMO_NOISY (default /tmp/report-demo-noisy).
#[test]
#[ignore]
fn demo_noisy() {
    let dir = std::env::var("GILBENCH_REPORT_DEMO_NOISY")
        .unwrap_or_else(|_| "/tmp/report-demo-noisy".into());
    for path in render(&noisy(), Path::new(&dir)).unwrap() {
        println!("{}", path.display());
    }
}

/// A bigger fabricated run (4 builds, 2 modes, 6 worker counts) into
/// $GILBENCH_REPORT_DEMO_BIG (default /tmp/report-demo-big).
#[test]
#[ignore]
fn demo_big() {
    let dir =
        std::env::var("GILBENCH_REPORT_DEMO_BIG").unwrap_or_else(|_| "/tmp/report-demo-big".into());
    let run = RunBuilder {
        status: RunStatus::Interrupted,
        builds: [
            standard_builds(),
            vec![build_entry(
                "3.14t+PYTHON_GIL=1",
                "freethreaded",
                "3.14.0",
                true,
                false,
            )],
        ]
        .concat(),
        workloads: vec![
            ("countdown".into(), Scaling::Weak),
            ("primes".into(), Scaling::Strong),
            ("sleep".into(), Scaling::Weak),
        ],
        modes: vec![Mode::Threads, Mode::Processes],
        threads: vec![1, 2, 3, 4, 8, 16],
        repeat: 7,
        warmup: 1,
        outcome: Box::new(|b, w, t, r| {
            if w == "sleep" {
                return Some(Outcome::Ok {
                    wall_s: 0.3 + f64::from(r) * 0.001,
                    worker_cpu_s: 0.001,
                });
            }
            let b = if b.starts_with("3.14t") { "3.13" } else { b };
            let t = t.min(4);
            standard_outcome(b, if w == "primes" { HOSTILE } else { w }, t, r)
        }),
    }
    .build();
    for path in render(&run, Path::new(&dir)).unwrap() {
        println!("{}", path.display());
    }
}
