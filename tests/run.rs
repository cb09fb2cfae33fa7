//! `gilbench run` against the real engine: the full matrix, Ctrl-C and
//! resume, kill -9 and clean, a killed container, hostile workloads and
//! the sandbox's walls.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    self, fixture, gilbench, journal_samples, median, results, run, run_id, stderr, stdout,
};

fn containers_of_run(run_id: &str) -> Vec<String> {
    let output = run(Command::new("docker").args([
        "ps",
        "-aq",
        "--filter",
        &format!("label=org.gilbench.run={run_id}"),
    ]));
    stdout(&output)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Starts a run in the background and waits until its journal holds `samples` samples.
pub(crate) fn start_and_wait(args: &[&str], dir: &Path, samples: usize) -> Child {
    let child = gilbench()
        .arg("run")
        .args(args)
        .arg("-o")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while journal_samples(dir) < samples {
        assert!(
            Instant::now() < deadline,
            "the run never got to {samples} samples"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

pub(crate) fn sample_keys(results: &Value) -> Vec<String> {
    results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {}",
                r["build"],
                r["workload"],
                r["sample"]["mode"],
                r["threads"],
                r["repeat"],
                r["sample"]["warmup"]
            )
        })
        .collect()
}

/// Median measured wall time per (build, workload, threads).
fn medians(results: &Value) -> BTreeMap<(String, String, u64), f64> {
    let mut walls: BTreeMap<(String, String, u64), Vec<f64>> = BTreeMap::new();
    for record in results["samples"].as_array().unwrap() {
        let sample = &record["sample"];
        if sample["status"] == "ok" && sample["warmup"] == false {
            walls
                .entry((
                    record["build"].as_str().unwrap().to_string(),
                    record["workload"].as_str().unwrap().to_string(),
                    record["threads"].as_u64().unwrap(),
                ))
                .or_default()
                .push(sample["wall_ns"].as_f64().unwrap() / 1e9);
        }
    }
    walls.into_iter().map(|(k, v)| (k, median(v))).collect()
}

const SMALL_RUN: [&str; 8] = [
    "--build",
    "3.13",
    "--workload",
    "countdown,fib",
    "--threads",
    "1,2",
    "--repeat",
    "3",
];
/// 2 workloads × 2 thread counts × (1 warmup + 3 repeats).
const SMALL_RUN_SAMPLES: usize = 16;

#[test]
fn the_full_matrix_shows_the_gil_flat_and_free_threading_scaling() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args([
            "run", "--build", "3.13", "--build", "3.13t", "--build", "3.13-jit",
        ])
        .args([
            "--workload",
            "countdown,fib,sha256",
            "--threads",
            "1,2",
            "--repeat",
            "3",
        ])
        .arg("-o")
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("countdown (weak scaling)"));

    let results = results(dir.path());
    assert_eq!(results["schema_version"], 2);
    assert_eq!(results["sample_file"]["path"], "journal.jsonl.gz");
    assert!(
        !dir.path().join("journal.jsonl").exists(),
        "the journal is sealed: each sample is held once"
    );
    assert_eq!(results["status"], "complete");
    // Every planned sample (3 measured and 1 warmup per cell) once; a busy
    // machine's disturbed samples are taken again beside them.
    let planned: std::collections::BTreeSet<_> = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let key = ["build", "workload", "threads", "repeat"].map(|k| s[k].to_string());
            (key, s["sample"]["warmup"] == true)
        })
        .collect();
    assert_eq!(planned.len(), 3 * 3 * 2 * 4);
    assert!(results["config"]["seed"].is_u64());
    assert!(results["environment"]["engine_version"].is_string());
    assert!(results["environment"]["host_cpu_model"].is_string());
    assert!(
        results["command_line"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "countdown,fib,sha256")
    );
    let builds = results["builds"].as_array().unwrap();
    assert_eq!(builds.len(), 3);
    for build in builds {
        assert_eq!(build["facts"]["python_version"], "3.13.5");
        assert!(build["image_id"].as_str().unwrap().starts_with("sha256:"));
    }
    assert_eq!(builds[1]["facts"]["py_gil_disabled"], true);

    let medians = medians(&results);
    let speedup = |build: &str, workload: &str| {
        let at = |t| medians[&(build.to_string(), workload.to_string(), t)];
        2.0 * at(1) / at(2)
    };
    eprintln!(
        "countdown speedup at 2 threads: 3.13 {:.2}, 3.13t {:.2}, 3.13-jit {:.2}; sha256: {:.2}, {:.2}",
        speedup("3.13", "countdown"),
        speedup("3.13t", "countdown"),
        speedup("3.13-jit", "countdown"),
        speedup("3.13", "sha256"),
        speedup("3.13t", "sha256")
    );
    assert!(speedup("3.13", "countdown") <= 1.3, "the GIL build is flat");
    assert!(
        speedup("3.13t", "countdown") >= 1.4,
        "the free-threaded build scales"
    );
    assert!(speedup("3.13", "sha256") >= 1.4 && speedup("3.13t", "sha256") >= 1.4);
}

#[test]
fn ctrl_c_stops_cleanly_and_resume_loses_nothing() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let child = start_and_wait(&SMALL_RUN, dir.path(), 4);
    run(Command::new("kill").args(["-INT", &child.id().to_string()]));
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));

    let run_id = run_id(dir.path());
    assert!(
        containers_of_run(&run_id).is_empty(),
        "no container is left behind"
    );
    let partial = results(dir.path());
    assert_eq!(partial["status"], "interrupted");
    let taken = journal_samples(dir.path());
    assert!((4..SMALL_RUN_SAMPLES).contains(&taken), "{taken}");
    assert_eq!(
        partial["samples"].as_array().unwrap().len(),
        taken,
        "the journal holds every completed sample"
    );

    let resumed = run(gilbench().arg("run").arg("--resume").arg(dir.path()));
    assert_eq!(resumed.status.code(), Some(0));
    assert!(stderr(&resumed).contains(&format!("({taken} samples already taken)")));
    let finished = results(dir.path());
    assert_eq!(finished["status"], "complete");
    let keys = sample_keys(&finished);
    assert_eq!(keys.len(), SMALL_RUN_SAMPLES);
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        SMALL_RUN_SAMPLES,
        "no sample was taken twice"
    );
}

#[test]
fn after_kill_9_clean_removes_the_container_and_resume_finishes() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let mut child = start_and_wait(&SMALL_RUN, dir.path(), 4);
    child.kill().unwrap();
    child.wait().unwrap();
    let run_id = run_id(dir.path());
    assert_eq!(
        containers_of_run(&run_id).len(),
        1,
        "kill -9 leaves the container"
    );

    let warned = run(gilbench().args(["run", "--build", "3.13", "--workload", "nope"]));
    assert!(stderr(&warned).contains("`gilbench clean` removes them"));
    let cleaned = run(gilbench().arg("clean"));
    assert!(cleaned.status.success());
    assert!(
        stdout(&cleaned).starts_with("removed "),
        "{}",
        stdout(&cleaned)
    );
    assert!(containers_of_run(&run_id).is_empty());

    let resumed = run(gilbench().arg("run").arg("--resume").arg(dir.path()));
    assert_eq!(resumed.status.code(), Some(0));
    assert_eq!(sample_keys(&results(dir.path())).len(), SMALL_RUN_SAMPLES);
}

#[test]
fn a_killed_container_fails_its_cell_and_the_run_completes() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let child = start_and_wait(&SMALL_RUN, dir.path(), 3);
    let run_id = run_id(dir.path());
    for container in containers_of_run(&run_id) {
        run(Command::new("docker").args(["kill", &container]));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(5),
        "failed cells give exit code 5"
    );
    let results = results(dir.path());
    assert_eq!(results["status"], "complete");
    let failed: Vec<&Value> = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["sample"]["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "exactly the cell that was running fails");
    assert_eq!(failed[0]["sample"]["kind"], "container_died");
    let ok = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["sample"]["status"] == "ok")
        .count();
    assert!(
        ok >= SMALL_RUN_SAMPLES - 4,
        "the other cells are measured after the replacement ({ok})"
    );
    assert!(containers_of_run(&run_id).is_empty());
}

#[test]
fn hostile_workloads_fail_as_their_kind_while_others_are_measured() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["run", "--build", "3.13", "--workload"])
        .arg(format!("countdown,{}", fixture("hostile")))
        .args([
            "--threads",
            "1",
            "--repeat",
            "2",
            "--warmup",
            "0",
            "--timeout",
            "5s",
            "--memory",
            "256m",
            "-o",
        ])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(5));
    let results = results(dir.path());
    let mut kinds = BTreeMap::new();
    for record in results["samples"].as_array().unwrap() {
        kinds.insert(
            record["workload"].as_str().unwrap().to_string(),
            (
                record["sample"]["status"].clone(),
                record["sample"]["kind"].clone(),
                record["sample"].clone(),
            ),
        );
    }
    let kind = |w: &str| kinds[w].1.as_str().unwrap_or("none").to_string();
    assert_eq!(kinds["countdown"].0, "ok");
    assert_eq!(kind("hang"), "timeout");
    assert_eq!(kind("flood"), "output_limit");
    assert_eq!(kind("fork_bomb"), "resource_limit");
    assert_eq!(kind("memory_hog"), "oom");
    assert_eq!(kind("bad_utf8"), "wrong_result");
    let bad = &kinds["bad_utf8"].2;
    assert!(bad["stdout_tail"].as_str().unwrap().contains('\u{fffd}'));
    assert!(bad["stderr_tail"].as_str().unwrap().contains("broken"));
    // Each failing cell is tried once; countdown is measured twice.
    let countdown = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["workload"] == "countdown")
        .count();
    assert_eq!(countdown, 2);
}

#[test]
fn workloads_cannot_reach_the_network_or_write_outside_their_tmpfs() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["run", "--build", "3.13", "--workload"])
        .arg(fixture("sandbox/sandbox_probe.py"))
        .args(["--threads", "1", "--repeat", "1", "--warmup", "0", "-o"])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(0));
    let results = results(dir.path());
    let sample = &results["samples"][0]["sample"];
    assert_eq!(sample["status"], "ok", "{sample}");
}

#[test]
fn a_bench_folder_with_a_subpackage_and_data_runs_in_the_containers() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["run", "--build", "3.13", "--build", "3.13t"])
        .arg("--workload")
        .arg(fixture("bench_tree"))
        .args(["--threads", "1,2", "--repeat", "1", "--warmup", "0"])
        .args(["--no-disturbance-check", "-o"])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results = results(dir.path());
    let samples = results["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 2 * 2);
    for s in samples {
        assert_eq!(s["sample"]["status"], "ok", "{}", s["sample"]);
    }
}

#[test]
fn bad_run_options_exit_2_before_anything_runs() {
    for args in [
        vec!["run", "--workload", "no_such_workload", "--build", "3.13"],
        vec!["run", "--threads", "0"],
        vec!["run", "--memory", "10k"],
        vec!["run", "--mode", "fibers"],
        vec!["run", "--cpus", "0-99", "--build", "3.13"],
    ] {
        let _engine = util::engine();
        let output = run(gilbench()
            .args(&args)
            .arg("-o")
            .arg(tempfile::tempdir().unwrap().path()));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_workload_typo_fails_before_any_image_is_built() {
    let _engine = util::engine();
    // Over the upload limit: a sparse file, sized but never read.
    let big = tempfile::tempdir().unwrap();
    std::fs::write(big.path().join("bench.py"), "").unwrap();
    let data = std::fs::File::create(big.path().join("data.bin")).unwrap();
    data.set_len(40 << 20).unwrap();
    let big_path = big.path().to_str().unwrap();
    // 3.12 is never built by the tests: reaching the image step would start a build.
    for workload in ["nope", "./no/such/workloads", big_path] {
        let started = Instant::now();
        let output = run(gilbench()
            .args([
                "run",
                "--build",
                "3.12",
                "--profile",
                "quick",
                "--workload",
                workload,
            ])
            .arg("-o")
            .arg(tempfile::tempdir().unwrap().path()));
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let text = stderr(&output);
        assert!(
            !text.contains("results go to"),
            "the run never began: {text}"
        );
        if workload == big_path {
            assert!(text.contains("hold 40.0 MiB; at most 32.0 MiB"), "{text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "a typo costs seconds, not a build"
        );
    }
    let tags =
        run(Command::new("docker").args(["images", "gilbench/cpython", "--format", "{{.Tag}}"]));
    assert!(
        !stdout(&tags).lines().any(|tag| tag.starts_with("3.12")),
        "no 3.12 image was built"
    );
}

#[test]
fn losing_the_engine_stops_with_a_clear_error_and_a_resumable_journal() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let proxy = util::EngineProxy::start();
    let child = gilbench()
        .arg("run")
        .args(SMALL_RUN)
        .arg("-o")
        .arg(dir.path())
        .env("DOCKER_HOST", proxy.docker_host())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while journal_samples(dir.path()) < 3 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(100));
    }
    proxy.cut();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stderr).to_string();
    eprintln!("{text}");
    assert_eq!(output.status.code(), Some(3), "a lost engine exits 3");
    assert!(text.contains("stopped answering"), "{text}");
    assert!(text.contains("--resume"), "{text}");
    let taken = journal_samples(dir.path());
    assert_eq!(results(dir.path())["status"], "aborted");

    // The engine is still there for everyone else: clean up and finish.
    assert!(run(gilbench().arg("clean")).status.success());
    let resumed = run(gilbench().arg("run").arg("--resume").arg(dir.path()));
    assert_eq!(resumed.status.code(), Some(0));
    assert!(stderr(&resumed).contains(&format!("({taken} samples already taken)")));
    assert_eq!(sample_keys(&results(dir.path())).len(), SMALL_RUN_SAMPLES);
}
