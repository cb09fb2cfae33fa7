//! A finished run (or a merged one) as the store keeps it: the per-cell
//! summary comes from the analysis, as every report reads it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::entry::{BuildEntry, CellEntry, RunEntry, WorkloadEntry};
use crate::analysis::Analysis;
use crate::results::{CellKey, RunResults};

/// The run's id in the store. A merged run's id names its plan, the same
/// every night; its shards' ids tell one night's merge from another's.
fn identity(results: &RunResults) -> String {
    if results.merged_shards.is_empty() {
        return results.run_id.clone();
    }
    let mut shards: Vec<&str> = results
        .merged_shards
        .iter()
        .map(|s| s.run_id.as_str())
        .collect();
    shards.sort_unstable();
    let hash = hex::encode(Sha256::digest(shards.join(",")));
    format!("{}-{}", results.run_id, &hash[..12])
}

/// The run as an entry, placed on the axis at `label`.
pub fn run_entry(results: &RunResults, label: Option<String>) -> RunEntry {
    let a = Analysis::new(results);
    let mut machines: BTreeMap<&CellKey, String> = BTreeMap::new();
    let keys: Vec<(CellKey, Option<&String>)> = a
        .samples
        .iter()
        .map(|s| (s.cell(), s.machine.as_ref()))
        .collect();
    for (key, machine) in &keys {
        if let Some(machine) = machine {
            machines.entry(key).or_insert_with(|| machine.to_string());
        }
    }
    // Runs made before machines were named: the host's CPU stands for it.
    let fallback = results
        .machines
        .first()
        .map(|m| m.id.clone())
        .or_else(|| results.environment.host_cpu_model.clone())
        .unwrap_or_else(|| "unknown".to_string());
    let cells = a
        .summary
        .cells
        .iter()
        .filter(|c| c.has_measurements())
        .map(|c| {
            CellEntry {
                machine: machines.get(&c.key).cloned().unwrap_or(fallback.clone()),
                build: c.key.build.clone(),
                workload: c.key.workload.clone(),
                mode: c.key.mode.to_string(),
                threads: c.key.threads,
                samples: c.counts.measured as u64,
                time: c.median,
                // At one thread it is the cell against itself.
                speedup: c.speedup.filter(|_| c.key.threads > 1),
                cost: (c.key.threads == 1)
                    .then(|| a.relative_to_baseline(&c.key.build, &c.key.workload, c.key.mode))
                    .flatten(),
                // The median peak while the work ran.
                memory_kb: c.memory.map(|peak| peak.value * 1024.0),
                precision: c.precision.reached().fraction(),
            }
        })
        .collect();
    RunEntry {
        run_id: identity(results),
        started_at: results.started_at.clone(),
        label,
        command: shell_words::join(&results.command_line),
        gilbench_version: results.gilbench_version.clone(),
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
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::fixture;
    use crate::results::{Shard, ShardSource};

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
    fn merges_of_one_plan_on_two_nights_are_two_runs() {
        let night = run_entry(&merged(["a", "b"]), None);
        let again = run_entry(&merged(["b", "a"]), None);
        let next = run_entry(&merged(["c", "d"]), None);
        assert_eq!(night.run_id, again.run_id);
        assert_ne!(night.run_id, next.run_id);
        assert!(night.run_id.starts_with("merged-plan-"));
        assert!(!night.cells.is_empty());
    }
}
