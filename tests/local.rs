//! The run driver through the local sample source: the host's `python3`
//! as two builds, no Docker engine. Rounds, a disturbed sample retaken,
//! Ctrl-C and resume, a precision goal and shards, each in seconds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use gilbench::cache::Cache;
use gilbench::cli::{Cli, Command};
use gilbench::progress::Verbosity;
use gilbench::run::local::{LocalBuild, execute};
use gilbench::run::{RunOutcome, Start};
use serde_json::Value;
use tokio::sync::watch;

use crate::util::{self, fixture};

/// The host's interpreter twice: one build as it is, one with an
/// environment of its own.
fn builds() -> Vec<LocalBuild> {
    let python = PathBuf::from("python3");
    vec![
        LocalBuild {
            name: "host".into(),
            python: python.clone(),
            env: Vec::new(),
        },
        LocalBuild {
            name: "host+hashseed".into(),
            python,
            env: vec![("PYTHONHASHSEED".into(), "0".into())],
        },
    ]
}

/// `gilbench run ARGS` as the command line parses it.
fn start(args: &[String]) -> Start {
    let mut line = vec!["gilbench".to_string(), "run".to_string()];
    line.extend_from_slice(args);
    let Command::Run(run) = Cli::try_parse_from(&line).unwrap().command else {
        panic!("a run");
    };
    run.into_start(line).unwrap()
}

/// `--workload` of the fixtures named, `--output OUT`, and the rest.
fn args(fixtures: &[&str], out: &Path, rest: &[&str]) -> Vec<String> {
    let workloads: Vec<String> = fixtures.iter().map(|f| fixture(f)).collect();
    let mut args = vec![
        "--workload".to_string(),
        workloads.join(","),
        "--output".to_string(),
        out.to_string_lossy().into_owned(),
    ];
    args.extend(rest.iter().map(ToString::to_string));
    args
}

/// Runs `start` locally; `stop` is the Ctrl-C switch.
fn run_locally(
    start: Start,
    cache: &Cache,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<RunOutcome> {
    util::block_on(execute(start, builds(), cache, stop, Verbosity::Quiet))
}

/// A Ctrl-C switch nobody presses.
fn never() -> watch::Receiver<bool> {
    watch::channel(false).1
}

/// Measured samples per (build, workload, threads, repeat): undisturbed
/// and disturbed.
fn samples_by_key(results: &Value) -> BTreeMap<(String, String, u64, u64), (u32, u32)> {
    let mut keys: BTreeMap<_, (u32, u32)> = BTreeMap::new();
    for s in results["samples"].as_array().unwrap() {
        if s["sample"]["warmup"] == true {
            continue;
        }
        let key = (
            s["build"].as_str().unwrap().to_string(),
            s["workload"].as_str().unwrap().to_string(),
            s["threads"].as_u64().unwrap(),
            s["repeat"].as_u64().unwrap(),
        );
        let counts = keys.entry(key).or_default();
        if s["disturbed"] == true {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
    }
    keys
}

#[test]
fn a_whole_run_with_a_retake_an_interrupt_and_a_resume_needs_no_engine() {
    let _quiet = util::quiet();
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let out = dir.path().join("run");
    let rest = [
        "--threads",
        "1,2",
        "--repeat",
        "3",
        "--seed",
        "7",
        // The busy loop takes a whole CPU; the machine's own noise far less.
        "--max-foreign-load",
        "0.6",
    ];
    let args = args(
        &["precision/steady.py", "local/disturbs_once.py"],
        &out,
        &rest,
    );

    // Ctrl-C once ten samples are in the journal.
    let (stop, stopped) = watch::channel(false);
    let journal = out.clone();
    let watcher = std::thread::spawn(move || {
        while util::journal_samples(&journal) < 10 {
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.send(true).unwrap();
    });
    let error = run_locally(start(&args), &cache, stopped).unwrap_err();
    watcher.join().unwrap();
    assert!(format!("{error:#}").contains("--resume"), "{error:#}");
    let interrupted = util::results(&out);
    assert_eq!(interrupted["status"], "interrupted");
    let taken = interrupted["samples"].as_array().unwrap().len();
    assert!(
        (10..32).contains(&taken),
        "{taken} samples before the interrupt"
    );

    let resume = ["--resume".to_string(), out.to_string_lossy().into_owned()];
    let outcome = run_locally(start(&resume), &cache, never()).unwrap();
    assert_eq!(outcome.failed_cells, 0);
    let results = util::results(&out);
    assert_eq!(results["status"], "complete");
    assert_eq!(results["builds"].as_array().unwrap().len(), 2);

    // Every planned sample once, undisturbed (or disturbed past every retake);
    // nothing taken again after the resume.
    let keys = samples_by_key(&results);
    assert_eq!(keys.len(), 2 * 2 * 2 * 3, "{keys:?}");
    for (key, (undisturbed, disturbed)) in &keys {
        assert!(
            *undisturbed == 1 || (*undisturbed == 0 && *disturbed >= 4),
            "{key:?}: {undisturbed} undisturbed, {disturbed} disturbed"
        );
    }
    // The busy loop beside one sample was seen, and that sample taken again
    // (on a busy machine other samples may be too).
    let retaken = keys
        .iter()
        .any(|((_, workload, _, _), (undisturbed, disturbed))| {
            workload == "disturbs_once" && *disturbed >= 1 && undisturbed + disturbed >= 2
        });
    assert!(retaken, "no disturbed sample retaken: {keys:?}");
    assert!(out.join("index.html").exists() && out.join("summary.md").exists());
    eprintln!("the local run took {:?}", began.elapsed());
}

/// Measured samples per cell of `workload`, one number per build.
fn cell_sizes(results: &Value, workload: &str) -> Vec<u32> {
    let mut sizes: BTreeMap<String, u32> = BTreeMap::new();
    for ((build, w, _, _), (undisturbed, _)) in samples_by_key(results) {
        if w == workload {
            *sizes.entry(build).or_default() += undisturbed;
        }
    }
    sizes.into_values().collect()
}

#[test]
fn a_precision_goal_stops_the_steady_cells_and_repeats_the_jittery_ones() {
    let _quiet = util::quiet();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let out = dir.path().join("run");
    let rest = [
        "--threads",
        "1",
        "--repeat",
        "3",
        "--precision",
        "5%",
        "--max-repeat",
        "10",
        "--no-disturbance-check",
    ];
    let args = args(
        &["precision/steady.py", "precision/jittery.py"],
        &out,
        &rest,
    );
    run_locally(start(&args), &cache, never()).unwrap();
    let results = util::results(&out);
    // Six samples are the fewest that bound a median; a fixed sleep is
    // known to well under 5 % by then, one of ±30 % is not by ten.
    assert_eq!(cell_sizes(&results, "steady"), [6, 6]);
    assert_eq!(cell_sizes(&results, "jittery"), [10, 10]);
}

/// The cells of a run's measured samples.
fn cells(dir: &Path) -> BTreeSet<(String, String, u64)> {
    samples_by_key(&util::results(dir))
        .into_keys()
        .map(|(build, workload, threads, _)| (build, workload, threads))
        .collect()
}

#[test]
fn shards_measured_apart_merge_into_the_whole_plan_and_count_once_in_a_history() {
    let _quiet = util::quiet();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let run = |name: &str, shard: &[&str]| {
        let out = dir.path().join(name);
        // Other load on a shared machine must not leave cells unmeasured,
        // and so out of the history below.
        let mut rest = vec![
            "--threads",
            "1,2",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--no-disturbance-check",
        ];
        rest.extend_from_slice(shard);
        let args = args(
            &["precision/steady.py", "precision/jittery.py"],
            &out,
            &rest,
        );
        run_locally(start(&args), &cache, never()).unwrap();
        out
    };
    let whole = run("whole", &[]);
    let first = run("first", &["--shard", "1/2"]);
    let second = run("second", &["--shard", "2/2"]);
    let (a, b) = (cells(&first), cells(&second));
    assert!(
        !a.is_empty() && !b.is_empty() && a.is_disjoint(&b),
        "{a:?} {b:?}"
    );
    let merged = dir.path().join("merged");
    let output = util::run(util::gilbench().args([
        "merge",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ]));
    assert!(output.status.success());
    assert_eq!(cells(&merged), cells(&whole));

    // The night's shards, then its merge, then a shard again: one run.
    let store = dir.path().join("history.sqlite");
    let output = util::run(
        util::gilbench()
            .args(["history", "add", "--store"])
            .args([&store, &first, &second, &merged, &first]),
    );
    assert_eq!(output.status.code(), Some(0));
    let id = |dir: &Path| util::results(dir)["run_id"].as_str().unwrap().to_string();
    let (first_id, second_id) = (id(&first), id(&second));
    let history = gilbench::history::Store::open(store.to_str().unwrap())
        .unwrap()
        .load()
        .unwrap();
    assert_eq!(history.runs.len(), 1);
    let merged_id = &history.runs[0].run_id;
    assert!(merged_id.starts_with(&id(&merged)), "{merged_id}");
    // Its cells are both shards'.
    let kept: BTreeSet<(String, String, u64)> = history
        .cells
        .iter()
        .map(|c| {
            (
                c.cell.build.clone(),
                c.cell.workload.clone(),
                u64::from(c.cell.threads),
            )
        })
        .collect();
    assert_eq!(kept, cells(&merged));
    let text = util::stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let mut shards = [first_id.clone(), second_id];
    shards.sort();
    let replaced = format!(
        "added run {merged_id} ({} cells) to {} in place of runs {}, whose samples it holds (a night counts once)",
        history.cells.len(),
        store.display(),
        shards.join(", ")
    );
    let not_added = format!(
        "run {first_id} is not added: its samples are in {} already, in run {merged_id} (a night counts once)",
        store.display()
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(
        (lines[2], lines[3]),
        (replaced.as_str(), not_added.as_str())
    );
}

#[test]
fn a_bench_folder_runs_with_its_subpackage_data_and_helpers() {
    let _quiet = util::quiet();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let out = dir.path().join("run");
    let rest = [
        "--mode",
        "threads,processes",
        "--threads",
        "1,2",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--no-disturbance-check",
    ];
    let args = args(&["bench_tree"], &out, &rest);
    let outcome = run_locally(start(&args), &cache, never()).unwrap();
    assert_eq!(outcome.failed_cells, 0);
    let results = util::results(&out);
    let names: Vec<&str> = results["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["word_count"], "layout.py is a helper");
    let samples = results["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 2 * 2 * 2);
    for s in samples {
        assert_eq!(s["sample"]["status"], "ok", "{}", s["sample"]);
    }
}

#[test]
fn warm_calls_are_recorded_and_the_report_sets_warm_against_cold() {
    let _quiet = util::quiet();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let out = dir.path().join("run");
    let rest = [
        "--threads",
        "1",
        "--repeat",
        "2",
        "--warmup",
        "0",
        "--warm-calls",
        "3",
        "--no-disturbance-check",
    ];
    let args = args(&["local/warms_up.py"], &out, &rest);
    run_locally(start(&args), &cache, never()).unwrap();
    let results = util::results(&out);
    assert_eq!(results["config"]["warm_calls"], 3);
    let samples = results["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 2 * 2);
    for s in samples {
        let calls: Vec<u64> = s["sample"]["warm_call_ns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        // The sleeps are floors: 100 ms for the first call, 20 ms after.
        assert_eq!(calls.len(), 3, "{}", s["sample"]);
        assert!(calls[0] >= 100_000_000, "{calls:?}");
        assert!(calls[1..].iter().all(|c| *c >= 20_000_000), "{calls:?}");
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary
            .contains("Warm and cold on host (at 1 thread, the timed call after 3 untimed calls"),
        "{summary}"
    );
    assert!(
        summary.contains(" warm, ") && summary.contains(" cold ("),
        "{summary}"
    );
}

#[test]
fn a_failure_only_with_the_jit_on_is_the_jits_and_its_reproducer_behaves_the_same() {
    let _quiet = util::quiet();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let out = dir.path().join("run");
    let rest = [
        "--threads",
        "1",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--timeout",
        "2s",
    ];
    let args = args(&["jit/loops_with_jit.py"], &out, &rest);
    // The host's python3 stands in for a JIT build: the fixture reads PYTHON_JIT.
    let jit = LocalBuild {
        name: "host-jit".into(),
        python: PathBuf::from("python3"),
        env: vec![("PYTHON_JIT".into(), "1".into())],
    };
    let outcome = util::block_on(execute(
        start(&args),
        vec![jit],
        &cache,
        never(),
        Verbosity::Quiet,
    ))
    .unwrap();
    assert_eq!(outcome.failed_cells, 1);
    let results = util::results(&out);
    let record = &results["samples"][0];
    assert_eq!(record["sample"]["kind"], "timeout", "{record}");
    assert_eq!(record["jit_off"]["status"], "ok", "{record}");
    assert_eq!(record["jit_off"]["size"], 1000);
    // The reproducer, run once where the sample ran: it loops with the JIT
    // on until the sample's timeout, and completes with it off.
    let reproducer = &record["reproducer"];
    assert_eq!(reproducer["path"], "jit/host-jit-loops_with_jit.py");
    assert_eq!(reproducer["jit_on"]["timed_out"], true, "{reproducer}");
    assert_eq!(reproducer["jit_on"]["timeout_s"], 2.0);
    assert_eq!(reproducer["jit_off"]["exit_code"], 0, "{reproducer}");
    assert!(
        reproducer["jit_off"]["stdout_tail"]
            .as_str()
            .unwrap()
            .contains("check passed"),
        "{reproducer}"
    );
    assert!(reproducer["jit_off"]["duration_ns"].as_u64().unwrap() > 0);

    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains(
            "reproducer jit/host-jit-loops\\_with\\_jit.py, run alone: with the JIT on, still \
             running after 2.00 s; with PYTHON\\_JIT=0, completes in"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("host-jit: loops\\_with\\_jit times out with the JIT on and completes in"),
        "{summary}"
    );
    assert!(
        summary.contains("jit/host-jit-loops\\_with\\_jit.py"),
        "{summary}"
    );
    assert!(
        summary.contains("timeout with the JIT on only"),
        "{summary}"
    );

    // Run alone, the reproducer does what the sample did.
    let script = out.join("jit/host-jit-loops_with_jit.py");
    let off = std::process::Command::new("python3")
        .arg(&script)
        .env("PYTHON_JIT", "0")
        .output()
        .unwrap();
    assert!(off.status.success(), "{off:?}");
    assert!(String::from_utf8_lossy(&off.stdout).contains("check passed"));
    let on = std::process::Command::new("timeout")
        .args(["2", "python3"])
        .arg(&script)
        .env("PYTHON_JIT", "1")
        .output()
        .unwrap();
    assert_eq!(
        on.status.code(),
        Some(124),
        "still looping when killed: {on:?}"
    );
}
