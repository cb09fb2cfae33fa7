//! Both backends: SQLite always; PostgreSQL at `GILBENCH_TEST_POSTGRES`
//! (a URL; `.ci/run` starts a server and sets it, and CI sets
//! `GILBENCH_CI=1` so that a missing server fails instead of skipping).

use super::*;
use crate::history::command::{TextFormat, regressions_text};
use crate::history::entry::{BuildEntry, CellEntry, WorkloadEntry};
use crate::history::order::Order;
use crate::stats::Estimate;

fn postgres_url() -> Option<String> {
    let url = std::env::var("GILBENCH_TEST_POSTGRES").ok();
    if url.is_none() && std::env::var("GILBENCH_CI").is_ok() {
        panic!("GILBENCH_TEST_POSTGRES is not set: CI must test against PostgreSQL");
    }
    url
}

/// A fresh, empty store of each backend.
fn fresh_stores(dir: &tempfile::TempDir) -> Vec<String> {
    let mut stores = vec![dir.path().join("history.sqlite").display().to_string()];
    if let Some(url) = postgres_url() {
        let schema = format!("t{}", rand::random::<u64>());
        let mut server = Store::open_unmigrated(&url).unwrap();
        server.db.batch(&format!("CREATE SCHEMA {schema}")).unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        stores.push(format!("{url}{sep}options=-csearch_path%3D{schema}"));
    }
    stores
}

pub(crate) fn run(id: &str, day: u32, time: f64) -> RunEntry {
    let cell = |workload: &str, threads: u32, t: f64| CellEntry {
        machine: "m1".into(),
        build: "3.13t".into(),
        workload: workload.into(),
        mode: "threads".into(),
        threads,
        samples: 6,
        time: Some(Estimate {
            value: t,
            low: t * 0.98,
            high: t * 1.02,
        }),
        speedup: (threads > 1).then(|| Estimate::exact(1.9)),
        cost: None,
        memory_kb: (threads == 1).then_some(20480.0),
        precision: Some(0.02),
    };
    RunEntry {
        run_id: id.into(),
        started_at: format!("2026-11-{day:02}T03:00:00Z"),
        label: Some(format!("{id}abcdef")),
        command: "gilbench run".into(),
        gilbench_version: "0.1.0".into(),
        shards: Vec::new(),
        builds: vec![BuildEntry {
            name: "3.13t".into(),
            version: Some("3.13.5".into()),
            revision: None,
            image_id: "sha256:00".into(),
            packages: String::new(),
        }],
        workloads: vec![WorkloadEntry {
            name: "fib".into(),
            sha256: Some("aa".into()),
        }],
        cells: vec![
            cell("fib", 1, time),
            cell("fib", 2, time / 1.9),
            cell("nbody", 1, 0.5),
        ],
    }
}

/// Twelve nights; fib slows by 20 % from the 7th.
fn nights() -> Vec<RunEntry> {
    let noise = [
        1.0, 1.03, 0.98, 1.01, 0.99, 1.02, 1.0, 0.97, 1.02, 1.0, 1.01, 0.99,
    ];
    (0..12)
        .map(|i| {
            let step = if i >= 6 { 1.2 } else { 1.0 };
            run(&format!("r{i:02}"), i as u32 + 1, noise[i] * step)
        })
        .collect()
}

#[test]
fn a_run_added_twice_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    for location in fresh_stores(&dir) {
        let mut store = Store::open(&location).unwrap();
        let added = AddOutcome::Added {
            replaced: Vec::new(),
        };
        assert_eq!(store.add(&run("a", 1, 1.0)).unwrap(), added);
        assert_eq!(store.add(&run("a", 1, 1.0)).unwrap(), AddOutcome::AlreadyIn);
        let history = Store::open(&location).unwrap().load().unwrap();
        assert_eq!(history.runs.len(), 1, "{}", store.location);
        assert_eq!(history.cells.len(), 3);
    }
}

/// A merge of `shards`, on night `day`.
fn merged(id: &str, day: u32, shards: &[&str]) -> RunEntry {
    RunEntry {
        shards: shards.iter().map(ToString::to_string).collect(),
        ..run(id, day, 1.0)
    }
}

#[test]
fn a_night_added_merged_and_in_shards_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let ids = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
    for location in fresh_stores(&dir) {
        let mut store = Store::open(&location).unwrap();
        for id in ["s1", "s2", "other"] {
            store.add(&run(id, 1, 1.0)).unwrap();
        }
        // The night's merge takes the place of its shards.
        assert_eq!(
            store.add(&merged("m12", 1, &["s1", "s2"])).unwrap(),
            AddOutcome::Added {
                replaced: ids(&["s1", "s2"])
            }
        );
        // Neither a shard of it nor a merge of fewer of its shards is added.
        assert_eq!(
            store.add(&run("s1", 1, 1.0)).unwrap(),
            AddOutcome::HeldBy(ids(&["m12"]))
        );
        assert_eq!(
            store.add(&merged("m1", 1, &["s1"])).unwrap(),
            AddOutcome::HeldBy(ids(&["m12"]))
        );
        // A merge of more of them takes the place of one of fewer.
        assert_eq!(
            store.add(&merged("m123", 1, &["s1", "s2", "s3"])).unwrap(),
            AddOutcome::Added {
                replaced: ids(&["m12"])
            }
        );
        let history = Store::open(&location).unwrap().load().unwrap();
        let kept: Vec<&str> = history.runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(kept, ["other", "m123"], "{location}");
        assert_eq!(history.cells.len(), 6);
    }
}

#[test]
fn either_store_gives_the_same_history_regressions_and_site() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for location in fresh_stores(&dir) {
        let mut store = Store::open(&location).unwrap();
        for night in nights() {
            store.add(&night).unwrap();
        }
        let history = store.load().unwrap();
        let (text, _) = regressions_text(&history, &Order::Time, TextFormat::Text, false);
        let site = dir.path().join(format!("site{}", results.len()));
        crate::history::site::write(&history, &Order::Time, &site).unwrap();
        let index = std::fs::read_to_string(site.join("index.html")).unwrap();
        results.push((history, text, index));
    }
    let (history, text, _) = &results[0];
    assert_eq!(history.cells[0].cell, nights()[0].cells[0]);
    assert!(
        text.contains("time of fib at 1 thread on 3.13t rose from")
            && text.contains("between run 2026-11-06 (r05abcd) and 2026-11-07 (r06abcd)")
            && text.lines().count() == 2,
        "{text}"
    );
    for other in &results[1..] {
        assert_eq!(other, &results[0]);
    }
}

#[test]
fn two_writers_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for location in fresh_stores(&dir) {
        Store::open(&location).unwrap();
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let location = location.clone();
                std::thread::spawn(move || {
                    let mut store = Store::open(&location).unwrap();
                    // Each writer adds its own runs and ten both add.
                    for i in 0..25 {
                        let id = if i < 10 {
                            format!("both{i}")
                        } else {
                            format!("w{w}-{i}")
                        };
                        store.add(&run(&id, 1 + i % 28, 1.0)).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let history = Store::open(&location).unwrap().load().unwrap();
        assert_eq!(history.runs.len(), 40, "{location}");
        assert_eq!(history.cells.len(), 120);
        let mut seqs: Vec<i64> = history.runs.iter().map(|r| r.seq).collect();
        seqs.dedup();
        assert_eq!(seqs.len(), 40);
    }
}

#[test]
fn a_store_of_the_first_schema_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    for location in fresh_stores(&dir) {
        {
            let mut old = Store::open_unmigrated(&location).unwrap();
            old.migrate(1).unwrap();
            assert_eq!(old.version().unwrap(), 1);
            old.db
                .batch(
                    "INSERT INTO runs VALUES ('old', 1, '2026-10-01T00:00:00Z', NULL, 'gilbench run', '0.1.0');
                     INSERT INTO cells (run_id, machine, build, workload, mode, threads, samples, time_s, time_low, time_high)
                     VALUES ('old', 'm1', '3.13t', 'fib', 'threads', 1, 6, 1.0, 0.9, 1.1);",
                )
                .unwrap();
        }
        let mut store = Store::open(&location).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        store.add(&run("new", 2, 1.0)).unwrap();
        let history = store.load().unwrap();
        assert_eq!(history.runs.len(), 2);
        let old = &history.cells[0];
        assert_eq!((history.runs[old.run].seq, old.cell.memory_kb), (1, None));
        assert_eq!(history.cells[1].cell.memory_kb, Some(20480.0));
    }
}
