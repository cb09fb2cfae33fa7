//! A finished run (or a merged one) as the store keeps it. Each cell's
//! summary is computed for the store alone, from order statistics and
//! without a bootstrap: the medians are those every report shows, their
//! intervals distribution-free ([`median_interval_or_range`]), and a
//! ratio's interval is bounded by its two medians' ([`ratio_interval`]).
//! Reading a run and summarising it so takes milliseconds, where the
//! report's bootstrap of a large run takes most of a second.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use sha2::{Digest, Sha256};

use super::entry::{BuildEntry, CellEntry, RunEntry, WorkloadEntry};
use crate::analysis::precision::CONFIDENCE;
use crate::analysis::summary::scaling_kind;
use crate::analysis::{Precision, baseline_of, parallel_in_order, shown_builds};
use crate::results::machine::counted_and_set_aside;
use crate::results::{CellKey, RunResults};
use crate::stats::{ScalingEstimate, median, median_interval_or_range, ratio_interval};

/// The run's id in the store. A merged run's id names its plan, the same
/// every night; its shards' ids tell one night's merge from another's.
fn identity(results: &RunResults) -> String {
    if results.merged_shards.is_empty() {
        return results.run_id.clone();
    }
    let hash = hex::encode(Sha256::digest(shards(results).join(",")));
    format!("{}-{}", results.run_id, &hash[..12])
}

/// A merged run's shards' run ids, sorted; empty for any other run.
fn shards(results: &RunResults) -> Vec<String> {
    let mut shards: Vec<String> = results
        .merged_shards
        .iter()
        .map(|s| s.run_id.clone())
        .collect();
    shards.sort_unstable();
    shards
}

/// One cell's samples, as much of them as the store's summary reads.
#[derive(Default)]
struct Measured {
    machine: Option<String>,
    walls: Vec<f64>,
    /// Times in the thread that built the work's state, where measured.
    owners: Vec<Option<f64>>,
    peaks: Vec<f64>,
}

impl Measured {
    /// The owning thread's times when every measurement has one, else the
    /// wall times: what a single-thread cost compares, as in the reports.
    fn cost_values(&self, other: &Measured) -> (Vec<f64>, Vec<f64>) {
        let owners = |m: &Measured| m.owners.iter().copied().collect::<Option<Vec<f64>>>();
        match (owners(self), owners(other)) {
            (Some(mine), Some(theirs)) => (mine, theirs),
            _ => (self.walls.clone(), other.walls.clone()),
        }
    }
}

/// The run as an entry, placed on the axis at `label`.
pub fn run_entry(results: &RunResults, label: Option<String>) -> RunEntry {
    let (samples, _) = counted_and_set_aside(&results.samples);
    let baseline = baseline_of(results, &shown_builds(results, &samples));
    let mut cells: BTreeMap<CellKey, Measured> = BTreeMap::new();
    for record in &samples {
        let cell = cells.entry(record.cell()).or_default();
        if cell.machine.is_none() {
            cell.machine.clone_from(&record.machine);
        }
        if let (true, Some(wall)) = (record.is_measurement(), record.sample.wall_s()) {
            cell.walls.push(wall);
            cell.owners.push(record.sample.owner_wall_s());
            cell.peaks.extend(record.sample.peak_mib());
        }
    }
    // Runs made before machines were named: the host's CPU stands for it.
    let fallback = results
        .machines
        .first()
        .map(|m| m.id.clone())
        .or_else(|| results.environment.host_cpu_model.clone())
        .unwrap_or_else(|| "unknown".to_string());
    let at = |key: &CellKey, build: &str, threads: u32| {
        cells
            .get(&CellKey {
                build: build.to_string(),
                threads,
                ..key.clone()
            })
            .filter(|m| !m.walls.is_empty())
    };
    let entries = cells
        .iter()
        .filter(|(_, m)| !m.walls.is_empty())
        .map(|(key, m)| {
            let one_worker = at(key, &key.build, 1).filter(|_| key.threads > 1);
            // At one thread the speedup is the cell against itself.
            let speedup = one_worker.and_then(|one| {
                let ratio = ratio_interval(&one.walls, &m.walls, CONFIDENCE)?;
                let kind = scaling_kind(results.scaling_of(&key.workload));
                Some(ScalingEstimate::of_ratio(kind, key.threads, ratio).speedup)
            });
            let base = baseline
                .as_deref()
                .filter(|b| key.threads == 1 && *b != key.build)
                .and_then(|b| at(key, b, 1));
            let cost = base.and_then(|base| {
                let (mine, theirs) = m.cost_values(base);
                ratio_interval(&mine, &theirs, CONFIDENCE)
            });
            CellEntry {
                machine: m.machine.clone().unwrap_or(fallback.clone()),
                build: key.build.clone(),
                workload: key.workload.clone(),
                mode: key.mode.to_string(),
                threads: key.threads,
                samples: m.walls.len() as u64,
                time: median_interval_or_range(&m.walls, CONFIDENCE),
                speedup,
                cost,
                // The median peak while the work ran.
                memory_kb: median(&m.peaks).map(|mib| mib * 1024.0),
                precision: Precision::of(&m.walls, one_worker.map(|o| o.walls.as_slice()))
                    .reached()
                    .fraction(),
            }
        })
        .collect();
    RunEntry {
        run_id: identity(results),
        started_at: results.started_at.clone(),
        label,
        command: shell_words::join(&results.command_line),
        gilbench_version: results.gilbench_version.clone(),
        shards: shards(results),
        builds: results
            .builds
            .iter()
            .map(|b| BuildEntry {
                name: b.name.clone(),
                version: b.facts["python_version"].as_str().map(str::to_string),
                revision: b.image_labels.get(crate::results::SOURCE_ID_LABEL).cloned(),
                image_id: b.image_id.clone(),
                packages: b
                    .packages
                    .iter()
                    .map(|p| p.describe())
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect(),
        workloads: results
            .workloads
            .iter()
            .map(|w| WorkloadEntry {
                name: w.name.clone(),
                sha256: w.sha256.clone(),
            })
            .collect(),
        cells: entries,
    }
}

/// Reads and summarises the run folders on every core, and hands each
/// entry to `take` in the order the folders were given (the order a store
/// numbers runs in). The first error, of a folder or of `take`, stops it.
pub fn each_entry(
    dirs: &[PathBuf],
    label: Option<&str>,
    mut take: impl FnMut(RunEntry) -> Result<()>,
) -> Result<()> {
    parallel_in_order(
        dirs,
        |dir| RunResults::load(dir).map(|r| run_entry(&r, label.map(str::to_string))),
        |entry| take(entry?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analysis;
    use crate::analysis::fixture::fixture;
    use crate::results::{Mode, Shard, ShardSource};
    use crate::stats::Estimate;

    fn merged(shard_ids: [&str; 2]) -> RunResults {
        let mut results = fixture();
        results.run_id = "merged-plan".into();
        results.merged_shards = shard_ids
            .iter()
            .enumerate()
            .map(|(i, id)| ShardSource {
                shard: Shard {
                    index: i as u32 + 1,
                    count: 2,
                },
                run_id: id.to_string(),
                started_at: results.started_at.clone(),
                finished_at: None,
                environment: results.environment.clone(),
            })
            .collect();
        results
    }

    #[test]
    fn the_store_keeps_the_reports_medians_within_intervals_no_narrower() {
        let results = fixture();
        let a = Analysis::new(&results);
        let entry = run_entry(&results, None);
        assert_eq!(entry.cells.len(), a.measured_cells());
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12 * y.abs().max(1.0);
        let contains = |outer: Estimate, inner: Estimate| {
            close(outer.value, inner.value) && outer.low <= inner.low && inner.high <= outer.high
        };
        let mut ratios = 0;
        for cell in &entry.cells {
            let mode: Mode = cell.mode.parse().unwrap();
            let c = a
                .cell(&cell.build, &cell.workload, mode, cell.threads)
                .unwrap();
            assert_eq!(cell.samples, c.counts.measured as u64);
            // Five samples each: too few for a 95 % interval, so the range.
            assert!(contains(cell.time.unwrap(), c.median.unwrap()), "{cell:?}");
            assert_eq!(cell.precision, c.precision.reached().fraction());
            assert_eq!(cell.memory_kb, c.memory.map(|m| m.value * 1024.0));
            let report_cost = (cell.threads == 1)
                .then(|| a.relative_to_baseline(&cell.build, &cell.workload, mode))
                .flatten();
            let report_speedup = c.speedup.filter(|_| cell.threads > 1);
            for (ours, theirs) in [(cell.speedup, report_speedup), (cell.cost, report_cost)] {
                assert_eq!(ours.is_some(), theirs.is_some(), "{cell:?}");
                if let (Some(ours), Some(theirs)) = (ours, theirs) {
                    assert!(contains(ours, theirs), "{ours:?} {theirs:?}");
                    ratios += 1;
                }
            }
        }
        assert!(ratios > 5, "speedups and costs were compared");
    }

    #[test]
    fn merges_of_one_plan_on_two_nights_are_two_runs() {
        let night = run_entry(&merged(["a", "b"]), None);
        let again = run_entry(&merged(["b", "a"]), None);
        let next = run_entry(&merged(["c", "d"]), None);
        assert_eq!(night.run_id, again.run_id);
        assert_ne!(night.run_id, next.run_id);
        assert!(night.run_id.starts_with("merged-plan-"));
        assert!(!night.cells.is_empty());
        assert_eq!(night.parts(), ["a", "b"]);
        assert_eq!(run_entry(&fixture(), None).parts(), [fixture().run_id]);
    }
}
