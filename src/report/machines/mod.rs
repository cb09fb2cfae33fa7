//! Machines as a dimension of a run over several engines: the rows of the
//! machines table (which `html/` and `markdown.rs` render) and a line per
//! machine (terminal), the samples set aside when a unit moved off a lost
//! engine, and what the overview of a replicated run shows in place of one
//! report (`overview.rs`).

pub(crate) mod overview;

use crate::analysis::Analysis;
use crate::format::one_line;
use crate::results::machine::{Unit, machine_of_units};
use crate::results::{Distribute, Machine, RunResults};

/// One machine as the tables show it; "—" where it is not known.
pub(crate) struct MachineRow {
    pub id: String,
    /// The machine's own report, relative to the page (replicated runs).
    pub link: String,
    pub engine: String,
    pub host: String,
    pub cpu_model: String,
    pub cores: String,
    pub kernel: String,
    pub engine_version: String,
    pub cpus: String,
    /// In a split run, the units whose samples it took; empty otherwise.
    pub units: String,
}

impl MachineRow {
    /// The row as one line for the terminal.
    pub fn line(&self) -> String {
        let mut parts = vec![
            self.engine.clone(),
            self.cpu_model.clone(),
            format!("{} cores", self.cores),
            format!("kernel {}", self.kernel),
            format!("engine {}", self.engine_version),
            format!("CPUs {}", self.cpus),
        ];
        if !self.units.is_empty() {
            parts.push(self.units.clone());
        }
        one_line(&format!("{}: {}", self.id, parts.join(" · ")))
    }
}

/// The machines table's rows: one per machine when there are several, none
/// otherwise (a run on one machine reads as it always did).
pub(crate) fn rows(results: &RunResults) -> Vec<MachineRow> {
    if results.machines.len() < 2 {
        return Vec::new();
    }
    let units = match results.config.distribute {
        Distribute::Split => machine_of_units(&results.samples),
        Distribute::Replicate => Default::default(),
    };
    results
        .machines
        .iter()
        .map(|m| {
            let measured: Vec<String> = units
                .iter()
                .filter(|(_, id)| **id == m.id)
                .map(|(unit, _)| unit.to_string())
                .collect();
            row(m, measured.join(", "))
        })
        .collect()
}

fn row(m: &Machine, units: String) -> MachineRow {
    let known = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    MachineRow {
        id: m.id.clone(),
        link: String::new(),
        engine: m.engine.clone(),
        host: known(&m.host_name),
        cpu_model: known(&m.cpu_model),
        cores: m.cores.map_or_else(|| "—".into(), |n| n.to_string()),
        kernel: known(&m.kernel),
        engine_version: known(&m.engine_version),
        cpus: m.cpus.clone().unwrap_or_else(|| "all".into()),
        units,
    }
}

/// The machine a replicated run's report is about: the one machine of
/// the results [`RunResults::for_machine`] gives, as a line.
pub(crate) fn replica_line(results: &RunResults) -> Option<String> {
    match (results.config.distribute, results.machines.as_slice()) {
        (Distribute::Replicate, [machine]) => Some(row(machine, String::new()).line()),
        _ => None,
    }
}

/// One line per unit and machine whose samples were set aside: "6 samples
/// of fib (threads) taken on box#2 before it was lost are kept in
/// results.json, not used".
pub(crate) fn set_aside(a: &Analysis<'_>) -> Vec<String> {
    let mut groups: Vec<((Unit, String), usize)> = Vec::new();
    for record in &a.set_aside {
        let key = (Unit::of(record), record.machine.clone().unwrap_or_default());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => groups.push((key, 1)),
        }
    }
    let moved_to = machine_of_units(&a.results.samples);
    groups
        .into_iter()
        .map(|((unit, machine), n)| {
            let lost = a.results.lost_engines.iter().any(|l| l.machine == machine);
            let when = match moved_to.get(&unit) {
                Some(other) if !lost => format!("before the unit moved to {other}"),
                _ => "before it was lost".into(),
            };
            let (samples, are) = if n == 1 {
                ("sample", "is")
            } else {
                ("samples", "are")
            };
            one_line(&format!(
                "{n} {samples} of {unit} taken on {machine} {when} {are} kept in results.json, \
                 not used"
            ))
        })
        .collect()
}
