//! Runs over several engines: a split run whose unit moved off a lost
//! engine, and a run replicated on two machines.

use super::texts;
use crate::analysis::fixture::{HOSTILE, fixture, machine};
use crate::analysis::{Analysis, precision};
use crate::report::export::Output;
use crate::report::{
    export, findings, index_html, render, results_csv, summary_markdown, terminal,
};
use crate::results::{Distribute, LostEngine, Mode, RunResults};

fn lost(id: &str, engine_id: &str) -> LostEngine {
    LostEngine {
        machine: id.into(),
        engine: format!("tcp://{engine_id}:2376"),
        reason: "connection refused".into(),
        at: "2025-01-01T12:05:00Z".into(),
    }
}

/// The fixture split over box (countdown) and box#2 (the other workload),
/// box#2 lost after six samples of countdown, ten times slower, which
/// then started over on box.
fn split() -> RunResults {
    let mut run = fixture();
    for r in &mut run.samples {
        r.seq += 100;
        r.machine = Some(
            if r.workload == "countdown" {
                "box"
            } else {
                "box#2"
            }
            .into(),
        );
    }
    let started: Vec<_> = run
        .samples
        .iter()
        .filter(|r| r.workload == "countdown" && r.build == "3.13" && r.threads == 1)
        .cloned()
        .collect();
    assert_eq!(started.len(), 6);
    for (seq, mut r) in (1..).zip(started) {
        r.seq = seq;
        r.machine = Some("box#2".into());
        r.sample.wall_ns = r.sample.wall_ns.map(|ns| ns * 10);
        run.samples.push(r);
    }
    run.machines = vec![machine("box", "A"), machine("box#2", "B")];
    run.lost_engines = vec![lost("box#2", "B")];
    run
}

#[test]
fn a_split_run_sets_aside_the_samples_of_a_unit_that_moved() {
    let run = split();
    let a = Analysis::new(&run);
    assert_eq!(a.set_aside.len(), 6);
    let cell = a.cell("3.13", "countdown", Mode::Threads, 1).unwrap();
    assert_eq!(cell.counts.measured, 5, "only box's samples count");
    assert!(cell.wall.unwrap().max < 1.1, "{:?}", cell.wall);
    let records = precision::records(&run.samples);
    let record = records
        .iter()
        .find(|p| p.build == "3.13" && p.workload == "countdown" && p.threads == 1)
        .unwrap();
    assert_eq!(record.samples, 5);

    let aside = "6 samples of countdown (threads) taken on box#2 before it was lost are kept in \
                 results.json, not used";
    let md = summary_markdown(&run);
    assert!(md.contains("## Machines"), "{md}");
    assert!(md.contains("| box | tcp://A:2376 |"), "{md}");
    assert!(md.contains(r"| box\#2 | tcp://B:2376 |"), "{md}");
    assert!(
        md.contains(&format!(
            "| {} |",
            crate::format::markdown_escape(&format!("{HOSTILE} (threads)"))
        )),
        "{md}"
    );
    assert!(md.contains(&crate::format::markdown_escape(aside)), "{md}");
    let html = index_html(&run).unwrap();
    assert!(html.contains(r#"<section id="machines">"#));
    assert!(html.contains(aside), "the set-aside line is on the page");

    let found = texts(&findings(&run));
    assert!(
        found.contains(
            "The engine at tcp://B:2376 (box#2) stopped answering at 2025-01-01T12:05:00Z: its \
             unfinished cells were measured on box."
        ),
        "{found}"
    );
    let text = terminal::summary(&run);
    assert!(
        text.contains("\nmachines:\n  box: tcp://A:2376 · CPU of box"),
        "{text}"
    );
    assert!(text.contains(&format!("  {aside}")), "{text}");

    let csv = results_csv(&run);
    let on = |machine: &str| {
        csv.lines()
            .filter(|l| l.starts_with("3.13,countdown,") && l.ends_with(&format!(",{machine}")))
            .count()
    };
    assert_eq!(
        (on("box#2"), on("box")),
        (6, 18),
        "every sample, with its machine"
    );
}

#[test]
fn one_machine_gets_no_machines_table() {
    let mut run = fixture();
    for r in &mut run.samples {
        r.machine = Some("box".into());
    }
    run.machines = vec![machine("box", "A")];
    let md = summary_markdown(&run);
    assert!(!md.contains("## Machines"));
    assert!(!index_html(&run).unwrap().contains("id=\"machines\""));
    assert!(!terminal::summary(&run).contains("machines:"));
    assert!(
        results_csv(&run)
            .lines()
            .skip(1)
            .all(|l| l.ends_with(",box"))
    );
}

/// The fixture on box and on lab, where every sample took 20 % longer and
/// the engine was lost before any four-thread cell.
fn replicated() -> RunResults {
    let mut run = fixture();
    run.config.distribute = Distribute::Replicate;
    let mut lab = run.samples.clone();
    for r in &mut run.samples {
        r.machine = Some("box".into());
    }
    lab.retain(|r| r.threads < 4);
    for r in &mut lab {
        r.seq += 1000;
        r.machine = Some("lab".into());
        r.sample.wall_ns = r.sample.wall_ns.map(|ns| ns * 6 / 5);
    }
    run.samples.extend(lab);
    run.machines = vec![machine("box", "A"), machine("lab", "B")];
    run.lost_engines = vec![lost("lab", "B")];
    run
}

#[test]
fn a_replicated_run_is_reported_per_machine_and_compared() {
    let run = replicated();
    assert_eq!(run.replicas(), ["box", "lab"]);
    for id in ["box", "lab"] {
        let mine = run.for_machine(id);
        assert_eq!(mine.machines.len(), 1);
        let a = Analysis::new(&mine);
        let cell = a.cell("3.13", "countdown", Mode::Threads, 1).unwrap();
        assert_eq!(cell.counts.measured, 5, "no cell pools two machines");
        let expected = if id == "box" { 1.0 } else { 1.2 };
        assert!((cell.wall.unwrap().median - expected).abs() < 0.02, "{id}");
    }
    // Even the whole run's statistics take each unit from one machine.
    let whole = Analysis::new(&run);
    assert!(whole.summary.cells.iter().all(|c| c.counts.measured <= 5));

    let dir = tempfile::tempdir().unwrap();
    let written = render(&run, dir.path()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    for name in [
        "index.html",
        "summary.md",
        "results.csv",
        "machines/box/index.html",
        "machines/box/pyperf/3.13.json",
        "machines/lab/summary.md",
        "machines/lab/results.csv",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let overview = read("summary.md");
    assert!(overview.contains("## lab against box"), "{overview}");
    assert!(
        overview.contains("[box](machines/box/summary.md)"),
        "{overview}"
    );
    assert!(overview.contains("1.20× slower"), "{overview}");
    assert!(
        overview.contains("its cells are missing: 6 cells not measured on lab"),
        "{overview}"
    );
    let html = read("index.html");
    assert!(html.contains("default-src 'none'"), "the same policy");
    assert!(!html.contains("<script"), "names are escaped");
    assert!(html.contains(r#"<a href="machines/lab/index.html">lab</a>"#));
    assert!(html.contains("lab against box"));
    let csv = read("results.csv");
    assert_eq!(csv.lines().count(), 1 + run.samples.len());
    assert!(csv.lines().any(|l| l.ends_with(",lab")));
    assert!(!read("machines/box/results.csv").contains(",lab"));
    assert!(read("machines/lab/summary.md").contains("Measured on lab: tcp://B:2376"));
    assert!(read("machines/lab/index.html").contains("measured on lab: tcp://B:2376"));

    let text = terminal::summary(&run);
    assert!(
        text.contains("\non box:\n") && text.contains("\non lab:\n"),
        "{text}"
    );
}

/// The step summary is the `summary.md` at the top as written: a run's, or
/// a replicated run's overview, never a machine's.
#[test]
fn the_step_summary_is_the_summary_at_the_top() {
    for run in [fixture(), split(), replicated()] {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Output::new(dir.path(), false);
        export(&run, &mut out).unwrap();
        let written = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
        assert_eq!(out.step_summary.as_deref(), Some(written.as_str()));
    }
}

/// The split and the replicated run into $GILBENCH_REPORT_DEMO_MACHINES
/// (default /tmp/report-demo-machines), `split/` and `replicated/`.
#[test]
#[ignore]
fn demo_machines() {
    let dir = std::env::var("GILBENCH_REPORT_DEMO_MACHINES")
        .unwrap_or_else(|_| "/tmp/report-demo-machines".into());
    let dir = std::path::Path::new(&dir);
    for (name, run) in [("split", split()), ("replicated", replicated())] {
        for path in render(&run, &dir.join(name)).unwrap() {
            println!("{}", path.display());
        }
    }
}
