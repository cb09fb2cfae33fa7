//! The machines of a run: one per Docker engine, named in every sample,
//! and how a run with several engines shares its cells among them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Mode, RunResults, SampleRecord};

/// The machine behind one engine, as the engine and the interpreter see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// The short name samples and reports use: the engine's host name,
    /// with "#2", "#3" … when engines share one.
    pub id: String,
    /// The engine's address as given, credentials left out.
    pub engine: String,
    /// The engine's own id (`docker info`), stable across restarts.
    pub engine_id: Option<String>,
    pub engine_version: Option<String>,
    pub host_name: Option<String>,
    pub cpu_model: Option<String>,
    /// CPUs of the machine.
    pub cores: Option<i64>,
    pub kernel: Option<String>,
    pub memory_bytes: Option<i64>,
    /// The cpuset bench containers got on this engine (None: all CPUs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
}

/// How a run with several engines uses them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribute {
    /// Each cell on one engine, the engines in parallel.
    #[default]
    Split,
    /// The whole matrix on every engine, to compare the machines.
    Replicate,
}

impl std::fmt::Display for Distribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Distribute::Split => "split",
            Distribute::Replicate => "replicate",
        })
    }
}

impl std::str::FromStr for Distribute {
    type Err = String;

    fn from_str(text: &str) -> Result<Distribute, String> {
        match text {
            "split" => Ok(Distribute::Split),
            "replicate" => Ok(Distribute::Replicate),
            _ => Err(format!("unknown distribution `{text}` (split, replicate)")),
        }
    }
}

/// An engine that stopped answering during the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostEngine {
    /// The machine's id, or the engine's address when it was lost before
    /// it was described.
    pub machine: String,
    pub engine: String,
    pub reason: String,
    pub at: String,
}

/// What one engine measures as a whole: every build and thread count of
/// one workload in one mode, so that neither a build comparison nor a
/// scaling curve ever crosses machines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    pub workload: String,
    pub mode: Mode,
}

impl Unit {
    pub fn of(record: &SampleRecord) -> Unit {
        Unit {
            workload: record.workload.clone(),
            mode: record.sample.mode,
        }
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.workload, self.mode)
    }
}

/// A unique machine id for `host`, given the ids already taken.
pub fn unique_id(host: &str, taken: &[String]) -> String {
    let host = if host.is_empty() { "engine" } else { host };
    (1..)
        .map(|n| match n {
            1 => host.to_string(),
            n => format!("{host}#{n}"),
        })
        .find(|id| !taken.contains(id))
        .expect("an unbounded range has a free id")
}

/// Each unit's samples come from one machine: in a split run the machine
/// that measured the unit last (a unit moved off a lost engine starts
/// over on the next). Samples of other machines stay in the results.
pub fn machine_of_units(samples: &[SampleRecord]) -> BTreeMap<Unit, String> {
    let mut last: BTreeMap<Unit, (u64, String)> = BTreeMap::new();
    for record in samples {
        let Some(machine) = &record.machine else {
            continue;
        };
        let entry = last
            .entry(Unit::of(record))
            .or_insert((record.seq, machine.clone()));
        if record.seq >= entry.0 {
            *entry = (record.seq, machine.clone());
        }
    }
    last.into_iter().map(|(unit, (_, m))| (unit, m)).collect()
}

/// Records `machine` in `machines`: in place of the one with its id, so
/// the machines keep the order their engines were first given, or last.
pub fn record_machine(machines: &mut Vec<Machine>, machine: Machine) {
    match machines.iter_mut().find(|m| m.id == machine.id) {
        Some(known) => *known = machine,
        None => machines.push(machine),
    }
}

/// The machines that took samples: those the run describes in its order
/// (the order the engines were given), then any it does not, in the order
/// they first sampled. Never the order of the first samples alone, which
/// races between engines.
pub fn sampled_machines(machines: &[Machine], samples: &[SampleRecord]) -> Vec<String> {
    let sampled: BTreeSet<&str> = samples
        .iter()
        .filter_map(|r| r.machine.as_deref())
        .collect();
    let mut ids: Vec<String> = machines
        .iter()
        .map(|m| m.id.clone())
        .filter(|id| sampled.contains(id.as_str()))
        .collect();
    for id in samples.iter().filter_map(|r| r.machine.as_ref()) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// Splits samples into those the statistics use, each unit's from its
/// machine ([`machine_of_units`]), and those set aside: taken on a machine
/// the unit left, kept in the results but never counted. Samples that name
/// no machine count where their unit has none, so older results lose none.
pub fn counted_and_set_aside(samples: &[SampleRecord]) -> (Vec<&SampleRecord>, Vec<&SampleRecord>) {
    let units = machine_of_units(samples);
    samples
        .iter()
        .partition(|r| units.get(&Unit::of(r)) == r.machine.as_ref())
}

impl RunResults {
    /// The samples the statistics use (see [`counted_and_set_aside`]).
    pub fn counted_samples(&self) -> Vec<&SampleRecord> {
        counted_and_set_aside(&self.samples).0
    }

    /// The machines compared with each other: those that took samples of a
    /// replicated run, when there are several. Empty otherwise.
    pub fn replicas(&self) -> Vec<String> {
        let sampled = sampled_machines(&self.machines, &self.samples);
        match self.config.distribute {
            Distribute::Replicate if sampled.len() > 1 => sampled,
            _ => Vec::new(),
        }
    }

    /// The run as machine `id` saw it: its samples, its description and
    /// its lost engine only. The run's precision records are of other
    /// samples and are left out, as older results leave them: the analysis
    /// computes each cell's precision from the machine's own samples.
    pub fn for_machine(&self, id: &str) -> RunResults {
        let mine = |m: &Option<String>| m.as_deref() == Some(id);
        let mut run = self.clone();
        run.samples.retain(|r| mine(&r.machine));
        run.machines.retain(|m| m.id == id);
        run.lost_engines.retain(|l| l.machine == id);
        run.precision.clear();
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_ids_are_unique() {
        let taken = vec!["box".to_string(), "box#2".to_string()];
        assert_eq!(unique_id("box", &taken), "box#3");
        assert_eq!(unique_id("other", &taken), "other");
        assert_eq!(unique_id("", &[]), "engine");
    }

    #[test]
    fn a_unit_belongs_to_the_machine_that_measured_it_last() {
        let record = |workload: &str, seq: u64, machine: &str| -> SampleRecord {
            serde_json::from_value(serde_json::json!({
                "build": "3.13", "workload": workload, "threads": 1, "repeat": 0,
                "seq": seq, "at": 0.0, "machine": machine,
                "sample": {"status": "ok", "workers": 1, "mode": "threads"},
            }))
            .unwrap()
        };
        let samples = [
            record("fib", 1, "a"),
            record("nbody", 2, "b"),
            record("fib", 3, "b"),
            record("nbody", 4, "b"),
        ];
        let units = machine_of_units(&samples);
        assert_eq!(units.values().collect::<Vec<_>>(), ["b", "b"]);
        assert_eq!(sampled_machines(&[], &samples), ["a", "b"]);
        let described = |id: &str| -> Machine {
            serde_json::from_value(serde_json::json!({"id": id, "engine": id})).unwrap()
        };
        // The engines' order wins over which one happened to sample first.
        assert_eq!(
            sampled_machines(&[described("c"), described("b"), described("a")], &samples),
            ["b", "a"]
        );
    }
}
