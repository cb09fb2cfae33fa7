//! A disturbed machine: a CPU hog on the sample's CPU for part of a run.
//! Disturbed samples are flagged, kept and retaken, so the cell's median
//! matches an undisturbed run; with the check off, the hog moves it.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{self, gilbench, journal_samples, results, run};

const CELL: &[&str] = &[
    "run",
    "--build",
    "3.13",
    "--workload",
    "countdown",
    "--threads",
    "1",
    "--repeat",
    "12",
    "--warmup",
    "1",
    "--cpus",
    "0",
    "--seed",
    "7",
];

/// The median wall time of the measured samples (disturbed ones left out
/// unless `with_disturbed`), and how many samples were disturbed.
fn median(results: &Value, with_disturbed: bool) -> (f64, usize) {
    let samples = results["samples"].as_array().unwrap();
    let disturbed = samples.iter().filter(|s| s["disturbed"] == true).count();
    let walls = samples
        .iter()
        .filter(|s| s["sample"]["warmup"] == false && s["sample"]["status"] == "ok")
        .filter(|s| with_disturbed || s["disturbed"] != true)
        .map(|s| s["sample"]["wall_ns"].as_f64().unwrap() / 1e9)
        .collect();
    (util::median(walls), disturbed)
}

/// A busy loop on CPU 0 for `seconds`.
fn hog(seconds: u32) -> Child {
    Command::new("taskset")
        .args(["-c", "0", "python3", "-c"])
        .arg(format!(
            "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"
        ))
        .spawn()
        .unwrap()
}

/// Waits until the run in `dir` has journaled `samples` samples (or ends).
fn wait_for_samples(dir: &Path, samples: usize, run: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while journal_samples(dir) < samples
        && Instant::now() < deadline
        && run.try_wait().unwrap().is_none()
    {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the cell; a hog runs beside it from its fourth sample for the next
/// nine taken (retakes included), so that without the check most of the
/// twelve measured samples are slowed, however long a sample takes.
fn run_with_hog(extra: &[&str], dir: &Path) -> Value {
    let mut child = gilbench()
        .args(CELL)
        .args(extra)
        .arg("-o")
        .arg(dir)
        .spawn()
        .unwrap();
    wait_for_samples(dir, 3, &mut child);
    let mut hog = hog(120);
    wait_for_samples(dir, 12, &mut child);
    let _ = hog.kill();
    let _ = hog.wait();
    assert!(child.wait().unwrap().success());
    results(dir)
}

/// The median of an undisturbed run of the cell.
fn quiet_median() -> f64 {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(gilbench().args(CELL).arg("-o").arg(dir.path()))
            .status
            .success()
    );
    median(&results(dir.path()), false).0
}

#[test]
fn a_cpu_hog_is_caught_and_its_samples_retaken() {
    let _engine = util::engine();
    let (on_dir, off_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // This VM's speed drifts by 5-12 % over seconds, so the undisturbed
    // reference is taken before and after the disturbed runs.
    let before = quiet_median();
    let on = run_with_hog(&[], on_dir.path());
    let off = run_with_hog(&["--no-disturbance-check"], off_dir.path());
    let after = quiet_median();
    let (low, high) = (before.min(after), before.max(after));
    let (caught, disturbed) = median(&on, false);
    let (missed, unflagged) = median(&off, true);
    eprintln!(
        "median: quiet {before:.3} s and {after:.3} s; hog with the check {caught:.3} s \
         ({:+.1} % of the nearer quiet run, {disturbed} samples disturbed and retaken); \
         hog without it {missed:.3} s ({:+.1} % of the slower quiet run)",
        (caught / caught.clamp(low, high) - 1.0) * 100.0,
        (missed / high - 1.0) * 100.0
    );
    assert!(
        disturbed >= 2,
        "the hog's samples were flagged: {disturbed}"
    );
    assert_eq!(unflagged, 0, "without the check nothing is flagged");
    let measured = on["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sample"]["warmup"] == false)
        .count();
    assert!(
        measured > 12,
        "disturbed samples are kept beside their retakes"
    );
    // The hog doubles a sample; 5 % is the drift allowed beyond the spread
    // of the two quiet runs.
    assert!(
        caught > low * 0.95 && caught < high * 1.05,
        "{caught} outside the quiet runs {low}..{high} by more than 5 %"
    );
    assert!(missed / high > 1.10, "{missed} vs {high}");
}

#[test]
fn a_workload_with_two_speeds_is_reported_as_bimodal() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let fixture = util::fixture("shape/two_speeds.py");
    let output = run(gilbench()
        .args(["run", "--build", "3.13", "--workload"])
        .arg(&fixture)
        .args([
            "--mode",
            "processes",
            "--threads",
            "1",
            "--repeat",
            "8",
            "--warmup",
            "1",
        ])
        // Retakes would break the alternation this test relies on.
        .args(["--cpus", "1", "--no-disturbance-check", "-o"])
        .arg(dir.path()));
    assert!(output.status.success());
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    // Markdown escapes the underscore.
    assert!(
        summary.contains("two\\_speeds (processes) on 3.13: bimodal: 4 of 8 samples at"),
        "{summary}"
    );
    assert!(summary.contains("| bimodal |"), "{summary}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("ms*"));
}
