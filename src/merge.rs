//! `gilbench merge`: joins the folders of a plan's shards into one
//! results.json and one report. Shards of another plan, or a shard given
//! twice, are refused (exit 2); shards not given are named in the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::invalid_input;
use crate::results::{self, RunResults, Shard, ShardSource};

/// Merges the shards in `dirs` into `output` (results and report).
pub fn merge(dirs: &[PathBuf], output: &Path) -> Result<RunResults> {
    if output.join(results::RESULTS_FILE).exists() {
        return Err(invalid_input(format!(
            "{} already holds results; choose another -o",
            output.display()
        )));
    }
    let mut shards: BTreeMap<u32, (PathBuf, RunResults)> = BTreeMap::new();
    for dir in dirs {
        let run = RunResults::load(dir)
            .map_err(|e| invalid_input(format!("cannot merge {}: {e:#}", dir.display())))?;
        let shard = run.config.shard.ok_or_else(|| {
            invalid_input(format!(
                "{} is not a shard: it was run without --shard K/N",
                dir.display()
            ))
        })?;
        if let Some((first_dir, first)) = shards.values().next() {
            check_same_plan(first_dir, first, dir, &run)?;
        }
        if let Some((other, _)) = shards.get(&shard.index) {
            return Err(invalid_input(format!(
                "shard {shard} is given twice: {} and {}",
                other.display(),
                dir.display()
            )));
        }
        shards.insert(shard.index, (dir.clone(), run));
    }
    let mut pieces = shards.into_values().map(|(_, run)| run);
    let mut merged = pieces
        .next()
        .ok_or_else(|| invalid_input("merge needs at least one shard folder"))?;
    let count = merged.config.shard.map_or(1, |s| s.count);
    merged.merged_shards = vec![source(&merged)];
    for piece in pieces {
        merged.merged_shards.push(source(&piece));
        absorb(&mut merged, piece);
    }
    let present: Vec<u32> = merged.merged_shards.iter().map(|s| s.shard.index).collect();
    merged.missing_shards = (1..=count).filter(|i| !present.contains(i)).collect();
    merged.config.shard = None;
    merged.precision = crate::analysis::precision::records(&merged.samples);
    merged.run_id = format!("merged-{}", merged.config.plan_id());

    std::fs::create_dir_all(output).with_context(|| format!("creating {}", output.display()))?;
    let json = serde_json::to_vec_pretty(&merged)?;
    results::write_atomically(&output.join(results::RESULTS_FILE), &json)?;
    crate::report::publish(&merged, output)?;
    Ok(merged)
}

/// Refuses shards whose plans differ, naming what differs.
fn check_same_plan(
    first_dir: &Path,
    first: &RunResults,
    dir: &Path,
    run: &RunResults,
) -> Result<()> {
    let counts = (
        first.config.shard.map(|s| s.count),
        run.config.shard.map(|s| s.count),
    );
    let (a, b) = (first.config.plan(), run.config.plan());
    let mut differences: Vec<String> = a
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, value)| b.get(key.as_str()) != Some(value))
        .map(|(key, value)| format!("{key}: {value} vs {}", b[key.as_str()]))
        .collect();
    if counts.0 != counts.1 {
        differences.push(format!(
            "shard count: {} vs {}",
            counts.0.unwrap_or(1),
            counts.1.unwrap_or(1)
        ));
    }
    if differences.is_empty() {
        return Ok(());
    }
    Err(invalid_input(format!(
        "{} and {} are shards of different plans ({})",
        first_dir.display(),
        dir.display(),
        differences.join("; ")
    )))
}

/// Where a shard came from; a run without `--shard` is all of one.
fn source(run: &RunResults) -> ShardSource {
    ShardSource {
        shard: run.config.shard.unwrap_or(Shard { index: 1, count: 1 }),
        run_id: run.run_id.clone(),
        started_at: run.started_at.clone(),
        finished_at: run.finished_at.clone(),
        environment: run.environment.clone(),
    }
}

/// Adds a shard's samples, builds and workloads to `merged`. Sequence
/// numbers are shifted past those already there, so they stay unique; the
/// order within a cell, which comes from one shard, is kept.
fn absorb(merged: &mut RunResults, piece: RunResults) {
    let offset = merged.samples.iter().map(|s| s.seq).max().unwrap_or(0);
    merged
        .samples
        .extend(piece.samples.into_iter().map(|mut s| {
            s.seq += offset;
            s
        }));
    for build in piece.builds {
        if !merged.builds.iter().any(|b| b.name == build.name) {
            merged.builds.push(build);
        }
    }
    for workload in piece.workloads {
        if !merged.workloads.iter().any(|w| w.name == workload.name) {
            merged.workloads.push(workload);
        }
    }
    if piece.status != results::RunStatus::Complete {
        merged.status = piece.status;
    }
    merged.started_at = merged.started_at.clone().min(piece.started_at);
    merged.finished_at = merged.finished_at.clone().max(piece.finished_at);
}
