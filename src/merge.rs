//! `gilbench merge`: joins the folders of a plan's shards into one
//! results.json and one report. Shards of another plan, or a shard given
//! twice, are refused (exit 2); shards not given are named in the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::invalid_input;
use crate::results::machine::unique_id;
use crate::results::{self, Machine, RunResults, SampleFile, Shard, ShardSource};

/// Merges the shards in `dirs` into `output` (results and report), with
/// the terminal summary if `show_terminal_summary`.
pub fn merge(dirs: &[PathBuf], output: &Path, show_terminal_summary: bool) -> Result<RunResults> {
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
    let samples = SampleFile::write(output, results::MERGED_SAMPLES_FILE, &merged.samples)?;
    merged.save(output, samples)?;
    crate::report::publish(&merged, output, show_terminal_summary)?;
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

/// Adds a shard's samples, builds, workloads and machines to `merged`.
/// Sequence numbers are shifted past those already there, so they stay
/// unique; the order within a cell, which comes from one shard, is kept.
fn absorb(merged: &mut RunResults, mut piece: RunResults) {
    absorb_machines(merged, &mut piece);
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

/// Adds a shard's machines and lost engines. A machine already there (same
/// id, same engine) is kept once; another machine under a taken id gets a
/// new one, and its samples and lost engine name it so.
fn absorb_machines(merged: &mut RunResults, piece: &mut RunResults) {
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for machine in &piece.machines {
        match merged.machines.iter().find(|m| m.id == machine.id) {
            Some(known) if same_machine(known, machine) => {}
            Some(_) => {
                let taken: Vec<String> = merged
                    .machines
                    .iter()
                    .chain(&piece.machines)
                    .map(|m| m.id.clone())
                    .collect();
                let host = machine.host_name.as_deref().unwrap_or(&machine.id);
                let id = unique_id(host, &taken);
                renamed.insert(machine.id.clone(), id.clone());
                merged.machines.push(Machine {
                    id,
                    ..machine.clone()
                });
            }
            None => merged.machines.push(machine.clone()),
        }
    }
    let rename = |id: &mut String| {
        if let Some(new) = renamed.get(id) {
            id.clone_from(new);
        }
    };
    for sample in &mut piece.samples {
        if let Some(id) = sample.machine.as_mut() {
            rename(id);
        }
    }
    for mut lost in std::mem::take(&mut piece.lost_engines) {
        rename(&mut lost.machine);
        if !merged.lost_engines.contains(&lost) {
            merged.lost_engines.push(lost);
        }
    }
    for engine in &piece.config.engines {
        if !merged.config.engines.contains(engine) {
            merged.config.engines.push(engine.clone());
        }
    }
}

/// The same machine: the same engine id, or (where an engine gave none)
/// the same address.
fn same_machine(a: &Machine, b: &Machine) -> bool {
    a.engine_id == b.engine_id && (a.engine_id.is_some() || a.engine == b.engine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{HOSTILE, fixture, machine};
    use std::collections::BTreeSet;

    use crate::results::LostEngine;

    /// The fixture's samples of `workload`, all taken on `machine`.
    fn shard_on(workload: &str, machines: Vec<Machine>, on: &str) -> RunResults {
        let mut run = fixture();
        run.samples.retain(|s| s.workload == workload);
        for s in &mut run.samples {
            s.machine = Some(on.into());
        }
        run.machines = machines;
        run
    }

    #[test]
    fn machines_of_shards_are_joined_and_a_taken_id_is_renamed() {
        let mut merged = shard_on("countdown", vec![machine("box", "A")], "box");
        let mut second = shard_on(
            HOSTILE,
            vec![machine("box", "B"), machine("box#2", "C")],
            "box",
        );
        second.lost_engines = vec![LostEngine {
            machine: "box".into(),
            engine: "tcp://B:2376".into(),
            reason: "connection refused".into(),
            at: "2025-01-01T12:05:00Z".into(),
        }];
        let same = shard_on("countdown", vec![machine("box", "A")], "box");
        absorb(&mut merged, second);
        absorb(&mut merged, same);
        let ids: Vec<(&str, Option<&str>)> = merged
            .machines
            .iter()
            .map(|m| (m.id.as_str(), m.engine_id.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                ("box", Some("A")),
                ("box#3", Some("B")),
                ("box#2", Some("C"))
            ]
        );
        let on = |workload: &str| -> BTreeSet<Option<String>> {
            merged
                .samples
                .iter()
                .filter(|s| s.workload == workload)
                .map(|s| s.machine.clone())
                .collect()
        };
        assert_eq!(on(HOSTILE), [Some("box#3".into())].into());
        assert_eq!(on("countdown"), [Some("box".into())].into());
        assert_eq!(merged.lost_engines.len(), 1);
        assert_eq!(merged.lost_engines[0].machine, "box#3");
    }
}
