//! Memory on real builds: a workload that maps a known number of MiB per
//! worker grows each sample by that much in every mode, one that allocates
//! nothing barely grows it, and `compare --fail-above-memory` fails on 20 %
//! more memory and passes identical twins.

use serde_json::Value;

use crate::util::{self, fixture, gilbench, run, stdout};

/// Debian sid's Release file on this project's mirror has expired.
const SID_APT: &str = "--apt-option=-o Acquire::Check-Valid-Until=false";

/// What `tests/fixtures/memory/alloc_mib.py` maps per worker by default.
const ALLOC_MIB: f64 = 16.0;

/// The work's growth per worker, MiB, of each measured sample of `workload`:
/// (build, mode, workers, growth).
fn growths(results: &Value, workload: &str) -> Vec<(String, String, u64, f64)> {
    results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["workload"] == workload && r["sample"]["status"] == "ok")
        .map(|r| {
            let s = &r["sample"];
            let kb = |field: &str| s[field].as_u64().unwrap_or_else(|| panic!("{field}: {s}"));
            let workers = s["workers"].as_u64().unwrap();
            let growth = (kb("rss_peak_kb") as f64 - kb("rss_setup_kb") as f64) / 1024.0;
            (
                r["build"].as_str().unwrap().to_string(),
                s["mode"].as_str().unwrap().to_string(),
                workers,
                growth / workers as f64,
            )
        })
        .collect()
}

/// Runs the two fixtures at 1, 2 and 4 workers in `modes` on `builds`
/// (few samples: memory barely varies) and returns the results.
fn memory_run(builds: &[&str], modes: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut command = gilbench();
    command.arg("run");
    for build in builds {
        command.args(["--build", build]);
    }
    let output = run(command
        .args(extra)
        .arg("--workload")
        .arg(format!(
            "{},{}",
            fixture("memory/alloc_mib.py"),
            fixture("memory/idle.py")
        ))
        .args(["--mode", modes, "--threads", "1,2,4"])
        .args(["--repeat", "2", "--warmup", "0"])
        // Other load on the CPUs slows samples, but does not change their memory.
        .args(["--no-disturbance-check", "-o"])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(0));
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains("Each extra worker on alloc\\_mib adds"),
        "{summary}"
    );
    util::results(dir.path())
}

/// Every (build, mode) has samples at 1, 2 and 4 workers; the allocating
/// fixture grows by what it maps per worker, the idle one by almost nothing.
fn assert_growths(results: &Value, cells: &[(&str, &str)]) {
    let allocating = growths(results, "alloc_mib");
    for (build, mode) in cells {
        let covered = [1, 2, 4].iter().all(|w| {
            allocating
                .iter()
                .any(|(b, m, n, _)| b == build && m == mode && n == w)
        });
        assert!(covered, "{build} {mode}: {allocating:?}");
    }
    for (build, mode, workers, per_worker) in &allocating {
        let off = (per_worker - ALLOC_MIB).abs();
        assert!(
            off <= (0.05 * ALLOC_MIB).max(1.0),
            "{build} {mode} at {workers}: {per_worker:.2} MiB a worker, {ALLOC_MIB} allocated"
        );
    }
    let idle = growths(results, "idle");
    assert!(!idle.is_empty());
    for (build, mode, workers, per_worker) in &idle {
        assert!(
            per_worker.abs() < 1.0,
            "{build} {mode} at {workers}: {per_worker:.2} MiB a worker for nothing"
        );
    }
}

#[test]
fn growth_per_worker_is_what_each_worker_allocates_in_threads_and_processes() {
    let _engine = util::engine();
    let results = memory_run(&["3.13", "3.13t"], "threads,processes", &[]);
    assert_growths(
        &results,
        &[
            ("3.13", "threads"),
            ("3.13", "processes"),
            ("3.13t", "threads"),
            ("3.13t", "processes"),
        ],
    );
}

/// Subinterpreters need 3.14: Debian's prebuilt one (its apt options are
/// part of every build's recipe, hence a run of its own).
#[test]
fn growth_per_worker_is_what_each_worker_allocates_in_subinterpreters() {
    let _engine = util::engine();
    let build = "3.14@debian-binary";
    let results = memory_run(&[build], "subinterpreters", &[SID_APT]);
    assert_growths(&results, &[(build, "subinterpreters")]);
}

/// Builds of one image measured interleaved in one run: an identical twin,
/// and one whose workload maps 20 % more (GILBENCH_ALLOC_MIB, read by the
/// fixture): 40 MiB against 48, on top of the interpreter's own memory.
#[test]
fn compare_fails_above_memory_on_twenty_percent_more_and_passes_twins() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["run", "--build", "3.13+GILBENCH_ALLOC_MIB=40"])
        .args(["--build", "3.13+GILBENCH_ALLOC_MIB=40+GILBENCH_TWIN=1"])
        .args(["--build", "3.13+GILBENCH_ALLOC_MIB=48", "--workload"])
        .arg(fixture("memory/alloc_mib.py"))
        .args(["--threads", "1", "--repeat", "6", "--warmup", "0"])
        // Other load on the CPUs slows samples, but does not change their memory.
        .args(["--no-disturbance-check", "-o"])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(0));
    let compare = |new: &str| {
        run(gilbench().arg("compare").arg(dir.path()).args([
            "--builds",
            &format!("3.13+GILBENCH_ALLOC_MIB=40,{new}"),
            "--fail-above-memory",
            "10%",
        ]))
    };
    let twins = compare("3.13+GILBENCH_ALLOC_MIB=40+GILBENCH_TWIN=1");
    assert_eq!(twins.status.code(), Some(0), "identical twins pass");
    let more = compare("3.13+GILBENCH_ALLOC_MIB=48");
    assert_eq!(
        more.status.code(),
        Some(8),
        "20 % more memory fails the gate"
    );
    let table = stdout(&more);
    let row = table.lines().find(|l| l.contains("alloc_mib")).unwrap();
    assert!(row.contains("× more"), "{table}");
}
