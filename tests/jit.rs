//! The JIT as CPython ships it: built in, switched at run time. One image
//! measures it on (`3.13-jit`, run with PYTHON_JIT=1) and off
//! (`3.13-jit+PYTHON_JIT=0`), interleaved in one run.

use std::path::Path;

use serde_json::Value;

use crate::util::{self, gilbench, results, run};

const SID_APT: &str = "--apt-option=-o Acquire::Check-Valid-Until=false";

/// Runs countdown on two builds at one thread and returns results.json.
fn run_pair(on: &str, off: &str, extra: &[&str], dir: &Path) -> Value {
    let output = run(gilbench()
        .args(["run", "--build", on, "--build", off])
        .args(["--workload", "countdown", "--threads", "1", "--repeat", "7"])
        .args(extra)
        .arg("-o")
        .arg(dir));
    assert_eq!(output.status.code(), Some(0));
    results(dir)
}

fn build<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["builds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("no build {name}"))
}

fn median_wall(results: &Value, name: &str) -> f64 {
    let walls = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["build"] == name && s["sample"]["warmup"] == false)
        .map(|s| s["sample"]["wall_ns"].as_f64().unwrap())
        .collect();
    util::median(walls)
}

/// The same image, the JIT on in one build and off in the other; returns
/// the ratio of the median times, on / off.
fn assert_one_image_switched(results: &Value, on: &str, off: &str) -> f64 {
    let (on_build, off_build) = (build(results, on), build(results, off));
    assert_eq!(on_build["image_id"], off_build["image_id"], "one image");
    assert_eq!(on_build["facts"]["jit_built"], true);
    assert_eq!(
        on_build["facts"]["jit_enabled"], true,
        "{}",
        on_build["facts"]
    );
    assert_eq!(off_build["facts"]["jit_built"], true);
    assert_eq!(
        off_build["facts"]["jit_enabled"], false,
        "{}",
        off_build["facts"]
    );
    assert_eq!(on_build["runtime_env"]["PYTHON_JIT"], "1");
    assert_eq!(off_build["runtime_env"]["PYTHON_JIT"], "0");
    let ratio = median_wall(results, on) / median_wall(results, off);
    eprintln!("countdown with the JIT on / off ({on}): {ratio:.3}");
    ratio
}

#[test]
fn one_jit_image_measures_the_jit_on_and_off() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let results = run_pair("3.13-jit", "3.13-jit+PYTHON_JIT=0", &[], dir.path());
    let ratio = assert_one_image_switched(&results, "3.13-jit", "3.13-jit+PYTHON_JIT=0");
    // Measured here: the 3.13 JIT runs countdown about a quarter faster.
    assert!(ratio < 0.93, "the JIT makes countdown faster: {ratio:.3}");
}

#[test]
fn debians_prebuilt_jit_is_switched_the_same_way() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let (on, off) = (
        "3.14-jit@debian-binary",
        "3.14-jit+PYTHON_JIT=0@debian-binary",
    );
    let results = run_pair(on, off, &[SID_APT], dir.path());
    let ratio = assert_one_image_switched(&results, on, off);
    // Its samples are bimodal with the JIT on (see the README), so only a
    // difference in the right direction is asserted.
    assert!(ratio < 1.0, "the JIT makes countdown faster: {ratio:.3}");
}

#[test]
fn a_failure_only_with_the_jit_on_is_taken_again_with_it_off_in_the_same_image() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["run", "--build", "3.13-jit", "--workload"])
        .arg(util::fixture("jit/loops_with_jit.py"))
        .args(["--threads", "1", "--repeat", "1", "--warmup", "0"])
        .args(["--timeout", "3s", "-o"])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(5), "a failed cell");
    let results = util::results(dir.path());
    let record = &results["samples"][0];
    assert_eq!(record["sample"]["kind"], "timeout", "{record}");
    assert_eq!(record["jit_off"]["status"], "ok", "{record}");
    // Its reproducer, run once in the same image, behaves the same.
    let reproducer = &record["reproducer"];
    assert_eq!(reproducer["jit_on"]["timed_out"], true, "{reproducer}");
    assert_eq!(reproducer["jit_off"]["exit_code"], 0, "{reproducer}");
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains("3.13-jit: loops\\_with\\_jit times out with the JIT on and completes"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "with the JIT on, still running after 3.00 s; with PYTHON\\_JIT=0, completes in"
        ),
        "{summary}"
    );
    assert!(dir.path().join("jit/3.13-jit-loops_with_jit.py").is_file());
}
