//! CI shards: `run --shard K/N` takes a K-th of the units (every build and
//! thread count of one workload in one mode together), and `gilbench merge`
//! joins the pieces; a shard given twice or one of another plan is
//! refused, a missing one named.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::{self, fixture, gilbench, results, run, stderr};

/// A run of the spin and steady fixtures (two units) on two builds at
/// three thread counts, `repeat` samples a cell.
fn run_plan(dir: &Path, repeat: &str, extra: &[&str]) {
    let output = run(gilbench()
        .args(["run", "--build", "3.13", "--build", "3.13t", "--workload"])
        .arg(fixture("compare/base"))
        .arg("--workload")
        .arg(fixture("precision/steady.py"))
        .args([
            "--threads",
            "1,2,4",
            "--repeat",
            repeat,
            "--warmup",
            "0",
            "--cpus",
            "0,1",
        ])
        .args(extra)
        .arg("-o")
        .arg(dir));
    assert!(output.status.success(), "{}", stderr(&output));
}

/// (build, workload, threads) of every measured sample.
fn cells(results: &Value) -> BTreeSet<(String, String, u64)> {
    results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sample"]["status"] == "ok")
        .map(|s| {
            (
                s["build"].as_str().unwrap().to_string(),
                s["workload"].as_str().unwrap().to_string(),
                s["threads"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn merge(shards: &[&Path], out: &Path) -> std::process::Output {
    run(gilbench().arg("merge").args(shards).arg("-o").arg(out))
}

#[test]
fn shards_merged_give_the_cells_of_one_run_and_bad_merges_are_refused() {
    let _engine = util::engine();
    let scratch = tempfile::tempdir().unwrap();
    let dir = |name: &str| scratch.path().join(name);
    run_plan(&dir("whole"), "2", &[]);
    for k in 1..=2 {
        run_plan(
            &dir(&format!("shard{k}")),
            "2",
            &["--shard", &format!("{k}/2")],
        );
    }
    let whole = cells(&results(&dir("whole")));
    assert_eq!(
        whole.len(),
        12,
        "two workloads on two builds at three thread counts"
    );
    let mut seen = BTreeSet::new();
    for k in 1..=2 {
        let shard = cells(&results(&dir(&format!("shard{k}"))));
        let workloads: BTreeSet<&str> = shard.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(
            (workloads.len(), shard.len()),
            (1, 6),
            "shard {k} took one unit, every build and thread count of it: {shard:?}"
        );
        assert!(seen.is_disjoint(&shard));
        seen.extend(shard);
    }

    let (s1, s2) = (dir("shard1"), dir("shard2"));
    let output = merge(&[&s2, &s1], &dir("merged"));
    assert!(output.status.success(), "{}", stderr(&output));
    let merged = results(&dir("merged"));
    assert_eq!(cells(&merged), whole);
    assert!(merged.get("missing_shards").is_none());
    assert_eq!(merged["merged_shards"].as_array().unwrap().len(), 2);
    assert!(dir("merged").join("index.html").exists());

    let twice = merge(&[&s1, &s2, &s1], &dir("twice"));
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("shard 1/2 is given twice"),
        "{}",
        stderr(&twice)
    );

    run_plan(&dir("other"), "3", &["--shard", "2/2"]);
    let other = merge(&[&s1, &dir("other")], &dir("mixed"));
    assert_eq!(other.status.code(), Some(2));
    assert!(
        stderr(&other).contains("shards of different plans (repeat: 2 vs 3)"),
        "{}",
        stderr(&other)
    );

    let partial = merge(&[&s1], &dir("partial"));
    assert!(partial.status.success(), "{}", stderr(&partial));
    let summary = std::fs::read_to_string(dir("partial").join("summary.md")).unwrap();
    assert!(
        summary.contains("Shard 2/2 is missing from the merge"),
        "{summary}"
    );
    assert_eq!(
        results(&dir("partial"))["missing_shards"],
        serde_json::json!([2])
    );
}
