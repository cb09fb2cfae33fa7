//! Twelve real runs (the local sample source: the host's `python3`, no
//! engine) of two workloads, one slowed by 20 % from the 7th run on by a
//! data file it reads — its own file, and so its series, unchanged. The
//! history names that workload and the 7th run, and nothing else. And the
//! command line's exit codes: 9 on the night a regression is confirmed.

use std::fs;
use std::path::Path;

use clap::Parser;
use gilbench::cache::Cache;
use gilbench::cli::{Cli, Command};
use gilbench::history::{self, CellEntry, Order, RunEntry, Store, TextFormat, WorkloadEntry};
use gilbench::progress::Verbosity;
use gilbench::run::local::{LocalBuild, execute};
use gilbench::stats::Estimate;
use tokio::sync::watch;

use crate::util;

const STEADY: &str = "NAME = \"steady\"\nCATEGORY = \"io\"\nSCALING = \"weak\"\nSIZE = 60\n\
MODES = (\"threads\",)\nimport time\n\n\
def setup(size, workers):\n    return None\n\n\
def work(state, worker_index, workers, size):\n    time.sleep(size / 1000)\n    return size\n\n\
def check(results, size, workers):\n    return results == [size] * workers\n";

/// Sleeps SIZE ms times the factor in FACTOR_FILE.
fn slowed(factor_file: &Path) -> String {
    STEADY.replace("steady", "slowed").replace(
        "    time.sleep(size / 1000)",
        &format!(
            "    with open({:?}) as f:\n        factor = float(f.read())\n    time.sleep(size * factor / 1000)",
            factor_file.display().to_string()
        ),
    )
}

fn run_once(workloads: &Path, out: &Path, cache: &Cache) {
    let line: Vec<String> = ["gilbench", "run", "--workload"]
        .iter()
        .map(ToString::to_string)
        .chain([
            workloads.display().to_string(),
            "--output".into(),
            out.display().to_string(),
            "--threads".into(),
            "1".into(),
            "--repeat".into(),
            "5".into(),
            "--warmup".into(),
            "0".into(),
            // Other load on a shared machine must not take samples, and so
            // points, away from the history under test.
            "--no-disturbance-check".into(),
        ])
        .collect();
    let Command::Run(run) = Cli::try_parse_from(&line).unwrap().command else {
        panic!("a run");
    };
    let builds = vec![LocalBuild {
        name: "host".into(),
        python: "python3".into(),
        env: Vec::new(),
    }];
    let stop = watch::channel(false).1;
    util::block_on(execute(
        run.into_start(line).unwrap(),
        builds,
        cache,
        stop,
        Verbosity::Quiet,
    ))
    .unwrap();
}

#[test]
fn twelve_real_runs_name_the_slowed_workload_and_the_seventh_run() {
    let dir = tempfile::tempdir().unwrap();
    let workloads = dir.path().join("workloads");
    fs::create_dir(&workloads).unwrap();
    let factor = dir.path().join("factor");
    fs::write(workloads.join("steady.py"), STEADY).unwrap();
    fs::write(workloads.join("slowed.py"), slowed(&factor)).unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let store = dir.path().join("history.sqlite").display().to_string();
    for night in 1..=12 {
        fs::write(&factor, if night >= 7 { "1.2" } else { "1.0" }).unwrap();
        let out = dir.path().join(format!("run{night:02}"));
        run_once(&workloads, &out, &cache);
        let label = format!("c{night:02}aaaaaa");
        history::add(&store, &[out], Some(&label), None).unwrap();
    }
    let loaded = Store::open(&store).unwrap().load().unwrap();
    assert_eq!(loaded.runs.len(), 12);
    // The workload files' hashes are recorded: one file, one series each.
    let files: std::collections::BTreeSet<_> = loaded
        .cells
        .iter()
        .map(|c| c.workload_sha256.clone())
        .collect();
    assert!(
        files.len() == 2 && files.iter().all(Option::is_some),
        "{files:?}"
    );
    let (text, confirmed) =
        history::regressions_text(&loaded, &Order::Added, TextFormat::Text, true);
    eprintln!("{text}");
    assert_eq!(confirmed, None);
    let lines: Vec<&str> = text.lines().collect();
    let times: Vec<String> = loaded
        .cells
        .iter()
        .map(|c| {
            format!(
                "{} {:?} ±{:?}",
                c.cell.workload,
                c.cell.time.map(|t| t.value),
                c.cell.precision
            )
        })
        .collect();
    assert!(!lines.is_empty(), "{text}{times:#?}");
    for line in &lines {
        assert!(
            line.starts_with("time of slowed at 1 thread on host rose from")
                && line.contains("and ")
                && line.contains("(c07aaaa); holds over the 6 runs since"),
            "{line}"
        );
    }
    same_answer_from_the_command_line(&store, dir.path());
    let site = dir.path().join("site");
    history::report(&store, &Order::Added, &site).unwrap();
    let index = fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Content-Security-Policy") && index.contains("workload-slowed.html"));
    let page = fs::read_to_string(site.join("workload-slowed.html")).unwrap();
    assert!(page.contains("<svg") && page.contains("rose from"));
}

/// `gilbench history regressions` of the SQLite store, and — where a
/// PostgreSQL server is given — of the same runs added to it by
/// `gilbench history add`: the same text, exit 0 (the slowdown began
/// long before the newest run).
fn same_answer_from_the_command_line(sqlite: &str, dir: &Path) {
    let regressions = |store: &str| {
        let out = util::run(
            util::gilbench()
                .args([
                    "history",
                    "regressions",
                    "--all",
                    "--order",
                    "added",
                    "--store",
                ])
                .arg(store),
        );
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = regressions(sqlite);
    assert!(text.contains("time of slowed"), "{text}");
    let Some(url) = std::env::var("GILBENCH_TEST_POSTGRES").ok() else {
        assert!(
            std::env::var("GILBENCH_CI").is_err(),
            "CI must test against PostgreSQL"
        );
        return;
    };
    let schema = format!("cli{}", std::process::id());
    let mut config: postgres::Config = url.parse().unwrap();
    if let Ok(password) = std::env::var("PGPASSWORD") {
        config.password(password);
    }
    let mut client = config.connect(postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = format!("{url}{sep}options=-csearch_path%3D{schema}");
    for night in 1..=12 {
        let out = util::run(
            util::gilbench()
                .args(["history", "add", "--store", &store, "--label"])
                .arg(format!("c{night:02}aaaaaa"))
                .arg(dir.join(format!("run{night:02}"))),
        );
        assert!(out.status.success());
    }
    assert_eq!(regressions(&store), text);
}

/// Night `night` of one cell, its time `time` seconds.
fn night(night: u32, time: f64) -> RunEntry {
    RunEntry {
        run_id: format!("night{night:02}"),
        started_at: format!("2026-11-{night:02}T03:00:00Z"),
        label: Some(format!("c{night:02}bbbbbb")),
        command: "gilbench run".into(),
        gilbench_version: env!("CARGO_PKG_VERSION").into(),
        shards: Vec::new(),
        builds: Vec::new(),
        workloads: vec![WorkloadEntry {
            name: "fib".into(),
            sha256: Some("aa".into()),
        }],
        cells: vec![CellEntry {
            machine: "m1".into(),
            build: "3.13t".into(),
            workload: "fib".into(),
            mode: "threads".into(),
            threads: 1,
            samples: 6,
            time: Some(Estimate {
                value: time,
                low: time * 0.98,
                high: time * 1.02,
            }),
            speedup: None,
            cost: None,
            memory_kb: None,
            precision: Some(0.02),
        }],
    }
}

/// `gilbench history regressions` of the store at `location`.
fn regressions(location: &str) -> std::process::Output {
    util::run(
        util::gilbench()
            .args(["history", "regressions", "--store"])
            .arg(location),
    )
}

#[test]
fn regressions_exit_9_on_the_night_a_second_slow_run_confirms_one() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("history.sqlite").display().to_string();
    let mut store = Store::open(&location).unwrap();
    // Ten steady nights, then fib 30 % slower from the 11th on.
    let noise = [1.0, 1.02, 0.99, 1.01, 0.98, 1.0, 1.02, 0.99, 1.01, 1.0];
    for (i, n) in noise.iter().enumerate() {
        store.add(&night(i as u32 + 1, *n)).unwrap();
    }
    let steady = regressions(&location);
    assert_eq!(steady.status.code(), Some(0));
    assert_eq!(
        util::stdout(&steady),
        "No regressions in 10 runs (1 series).\n"
    );

    // One slow night is not a regression yet.
    store.add(&night(11, 1.3)).unwrap();
    assert_eq!(regressions(&location).status.code(), Some(0));

    // The second confirms it: exit 9, naming the run it began at.
    store.add(&night(12, 1.3)).unwrap();
    let confirmed = regressions(&location);
    assert_eq!(confirmed.status.code(), Some(9));
    let sentence = "the newest run, 2026-11-12 (c12bbbb), confirms 1 regression, \
                    begun at run 2026-11-11 (c11bbbb)";
    let text = util::stdout(&confirmed);
    assert!(
        text.starts_with(
            "time of fib at 1 thread on 3.13t rose from 1.00 s to 1.30 s between run \
             2026-11-10 (c10bbbb) and 2026-11-11 (c11bbbb); holds over the 2 runs since\n"
        ) && text.ends_with(&format!("\nT{}.\n", &sentence[1..])),
        "{text}"
    );
    assert_eq!(util::stderr(&confirmed), format!("error: {sentence}\n"));

    // The night after: still a regression, no longer a new one.
    store.add(&night(13, 1.31)).unwrap();
    let later = regressions(&location);
    assert_eq!(later.status.code(), Some(0));
    assert!(util::stdout(&later).contains("holds over the 3 runs since"));
}

#[test]
fn an_order_that_cannot_be_had_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("history.sqlite").display().to_string();
    for (order, says) in [
        (
            "sideways",
            "unknown order `sideways`: time, added, label or git=DIR",
        ),
        (
            &format!("git={}", dir.path().display()),
            "cannot read the commits of a git checkout there",
        ),
    ] {
        let out = util::run(
            util::gilbench()
                .args(["history", "regressions", "--order", order, "--store"])
                .arg(&location),
        );
        assert_eq!(out.status.code(), Some(2), "{order}");
        assert!(util::stderr(&out).contains(says), "{}", util::stderr(&out));
    }
}
