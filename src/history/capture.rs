//! A finished run (or a merged one) as the store keeps it: the per-cell
//! summary comes from the analysis, as every report reads it.

use std::collections::BTreeMap;

use super::entry::{BuildEntry, CellEntry, RunEntry, WorkloadEntry};
use crate::analysis::Analysis;
use crate::images::recipe::label::SOURCE_ID;
use crate::results::{CellKey, RunResults};
use crate::stats::median;

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
            let memory: Vec<f64> = c
                .measurements
                .iter()
                .filter_map(|m| m.max_rss_kb.map(|kb| kb as f64))
                .collect();
            CellEntry {
                machine: machines.get(&c.key).cloned().unwrap_or(fallback.clone()),
                build: c.key.build.clone(),
                workload: c.key.workload.clone(),
                mode: c.key.mode.to_string(),
                threads: c.key.threads,
                samples: c.counts.measured as u64,
                time: c.median,
                speedup: c.speedup,
                cost: (c.key.threads == 1)
                    .then(|| a.relative_to_baseline(&c.key.build, &c.key.workload, c.key.mode))
                    .flatten(),
                memory_kb: median(&memory),
                precision: c.precision.reached().fraction(),
            }
        })
        .collect();
    RunEntry {
        run_id: results.run_id.clone(),
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
                revision: b.image_labels.get(SOURCE_ID).cloned(),
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
