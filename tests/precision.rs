//! Repeats until the answer is clear: with --precision, a steady cell stops
//! early and a jittery one goes on to --max-repeat, across an interruption
//! and a resume, and the reports say how precisely each cell is known.

use std::collections::HashSet;
use std::process::Command;

use serde_json::Value;

use crate::run::{sample_keys, start_and_wait};
use crate::util::{self, fixture, gilbench, results, run, stdout};

const TARGET: f64 = 0.03;
const CAP: u64 = 25;

/// The recorded precision of the cell of `workload` at `threads`: samples
/// and reached.
fn cell(results: &Value, workload: &str, threads: u64) -> (u64, Option<f64>) {
    let record = results["precision"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["workload"] == workload && c["threads"] == threads)
        .unwrap_or_else(|| panic!("a precision record for {workload} at {threads}"));
    (
        record["samples"].as_u64().unwrap(),
        record["reached"].as_f64(),
    )
}

#[test]
fn precision_stops_the_steady_cell_early_and_repeats_the_jittery_one() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let workloads = fixture("precision");
    let args = [
        "--build",
        "3.13",
        "--workload",
        &workloads,
        "--threads",
        "1,2",
        "--precision",
        "3%",
        "--repeat",
        "5",
        "--max-repeat",
        "25",
        // Sleeps are not slowed by other load on the CPUs; retaking them
        // would only make the test slower on a busy machine.
        "--no-disturbance-check",
    ];
    // 4 warmups and 4 × 5 planned samples, then extra rounds: the run is
    // interrupted in them and resumed.
    let child = start_and_wait(&args, dir.path(), 30);
    run(Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(130));
    let resumed = run(gilbench().arg("run").arg("--resume").arg(dir.path()));
    assert_eq!(resumed.status.code(), Some(0));

    let results = results(dir.path());
    assert_eq!(results["status"], "complete");
    assert_eq!(results["config"]["precision"]["target"], TARGET);
    assert_eq!(results["config"]["precision"]["max_repeat"], CAP);
    let keys = sample_keys(&results);
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        keys.len(),
        "no sample was taken twice"
    );
    // At 2 threads the speedup counts too: its interval combines both medians'.
    for threads in [1, 2] {
        let (steady, steady_reached) = cell(&results, "steady", threads);
        let (jittery, jittery_reached) = cell(&results, "jittery", threads);
        eprintln!(
            "{threads} thread(s): steady {steady} samples, ±{:.2} %; jittery {jittery} samples, \
             ±{:.2} %",
            steady_reached.unwrap_or(f64::NAN) * 100.0,
            jittery_reached.unwrap_or(f64::NAN) * 100.0
        );
        assert!(
            (6..CAP).contains(&steady),
            "the steady cell stopped early: {steady}"
        );
        assert!(steady_reached.is_some_and(|p| p <= TARGET));
        assert_eq!(jittery, CAP, "the jittery cell went on to the cap");
        assert!(jittery_reached.is_some_and(|p| p > TARGET));
    }

    // The reports show what each cell reached.
    let goal = "precision goal ±3.0 % (at most 25 samples a cell): reached by 2 of 4 cells; \
                not by jittery on 3.13";
    assert!(stdout(&resumed).contains(goal), "{}", stdout(&resumed));
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("| precision | shape |"), "{summary}");
    assert!(summary.contains(goal), "{summary}");
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains(goal));
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .split(',')
            .any(|column| column == "cell_precision")
    );
}
