//! A finding for each engine lost during the run: in a split run, where
//! its unfinished cells went; in a replicated run, how many of its cells
//! are missing.

use std::collections::BTreeSet;

use super::{Finding, FindingKind};
use crate::format::one_line;
use crate::results::machine::{Unit, machine_of_units, sampled_machines};
use crate::results::{Distribute, LostEngine, RunResults};

/// One finding per lost engine; `planned_cells` is the plan's size, which
/// every machine of a replicated run measures whole.
pub(crate) fn lost_engines(results: &RunResults, planned_cells: usize) -> Vec<Finding> {
    results
        .lost_engines
        .iter()
        .map(|lost| {
            let what = match results.config.distribute {
                Distribute::Split => taken_over(results, lost),
                Distribute::Replicate => {
                    let measured = measured_cells_on(results, &lost.machine);
                    match planned_cells.saturating_sub(measured) {
                        // A resumed run finished them once the engine was back.
                        0 => format!("its cells were measured on {} when resumed", lost.machine),
                        missing => format!(
                            "its cells are missing: {missing} cells not measured on {}",
                            lost.machine
                        ),
                    }
                }
            };
            let who = if lost.machine == lost.engine {
                String::new()
            } else {
                format!(" ({})", lost.machine)
            };
            Finding::new(
                FindingKind::Status,
                one_line(&format!(
                    "The engine at {}{who} stopped answering at {}: {what}.",
                    lost.engine, lost.at
                )),
            )
        })
        .collect()
}

/// Where a split run measured the lost engine's unfinished cells: the
/// machines its units moved to, or else the other machines that took
/// samples.
fn taken_over(results: &RunResults, lost: &LostEngine) -> String {
    let units = machine_of_units(&results.samples);
    let started: BTreeSet<Unit> = results
        .samples
        .iter()
        .filter(|r| r.machine.as_deref() == Some(lost.machine.as_str()))
        .map(Unit::of)
        .collect();
    let mut others: Vec<String> = sampled_machines(&results.machines, &results.samples)
        .into_iter()
        .filter(|m| *m != lost.machine)
        .collect();
    let moved_to: Vec<&String> = started.iter().filter_map(|u| units.get(u)).collect();
    if moved_to.iter().any(|m| **m != lost.machine) {
        others.retain(|m| moved_to.contains(&m));
    }
    if others.is_empty() {
        "its unfinished cells were not measured".into()
    } else {
        format!(
            "its unfinished cells were measured on {}",
            others.join(", ")
        )
    }
}

fn measured_cells_on(results: &RunResults, machine: &str) -> usize {
    results
        .samples
        .iter()
        .filter(|r| r.machine.as_deref() == Some(machine) && r.is_measurement())
        .map(|r| r.cell())
        .collect::<BTreeSet<_>>()
        .len()
}
