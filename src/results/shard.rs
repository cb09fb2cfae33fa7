//! CI shards: a deterministic K-th of a run's cells, so that a CI matrix or
//! a Kubernetes Indexed Job runs the pieces and `gilbench merge` joins them.
//! A shard takes whole units (every build and thread count of one workload
//! in one mode), so neither a comparison of builds nor a scaling curve
//! crosses machines.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::machine::Unit;
use super::{CellKey, Mode};

/// Shard `index` of `count`, both counted from 1 as in `--shard 2/3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// A cell without its build: what a round of extra repeats takes on every
/// build.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
}

impl Group {
    pub fn unit(&self) -> Unit {
        Unit {
            workload: self.workload.clone(),
            mode: self.mode,
        }
    }

    /// The group of a cell.
    pub fn of(cell: &CellKey) -> Group {
        Group {
            workload: cell.workload.clone(),
            mode: cell.mode,
            threads: cell.threads,
        }
    }

    /// The group's cell on `build`.
    pub fn cell(&self, build: String) -> CellKey {
        CellKey {
            build,
            workload: self.workload.clone(),
            mode: self.mode,
            threads: self.threads,
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {} thr)", self.workload, self.mode, self.threads)
    }
}

/// Every group of a matrix: by thread count, then workload and mode.
pub fn groups(workloads: &[(String, Vec<Mode>)], modes: &[Mode], threads: &[u32]) -> Vec<Group> {
    let mut groups: Vec<Group> = workloads
        .iter()
        .flat_map(|(workload, supported)| {
            modes
                .iter()
                .filter(|m| supported.contains(m))
                .flat_map(move |mode| {
                    threads.iter().map(move |&threads| Group {
                        workload: workload.clone(),
                        mode: *mode,
                        threads,
                    })
                })
        })
        .collect();
    groups.sort_by(|a, b| {
        (a.threads, &a.workload, a.mode.as_str()).cmp(&(b.threads, &b.workload, b.mode.as_str()))
    });
    groups.dedup();
    groups
}

impl Shard {
    /// The groups of the units this shard takes: units are dealt in the
    /// order their groups first appear, every `count`-th from the shard's
    /// own offset.
    pub fn select(self, groups: &[Group]) -> Vec<Group> {
        let mut units: Vec<Unit> = Vec::new();
        for group in groups {
            let unit = group.unit();
            if !units.contains(&unit) {
                units.push(unit);
            }
        }
        let taken: Vec<&Unit> = units
            .iter()
            .enumerate()
            .filter(|(position, _)| *position as u32 % self.count + 1 == self.index)
            .map(|(_, unit)| unit)
            .collect();
        groups
            .iter()
            .filter(|g| taken.contains(&&g.unit()))
            .cloned()
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let invalid = || format!("{text:?} is not a shard: give K/N with 1 <= K <= N, e.g. 2/3");
        let (index, count) = text.split_once('/').ok_or_else(invalid)?;
        let index: u32 = index.trim().parse().map_err(|_| invalid())?;
        let count: u32 = count.trim().parse().map_err(|_| invalid())?;
        if index == 0 || index > count {
            return Err(invalid());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Vec<Group> {
        let workloads = vec![
            (
                "countdown".to_string(),
                vec![Mode::Threads, Mode::Processes],
            ),
            ("shared_dict".to_string(), vec![Mode::Threads]),
        ];
        groups(&workloads, &[Mode::Threads, Mode::Processes], &[1, 2, 4])
    }

    #[test]
    fn shards_take_whole_units_and_every_cell_once() {
        let all = matrix();
        assert_eq!(all.len(), 9);
        let deal = |count: u32| -> Vec<Vec<Group>> {
            (1..=count)
                .map(|index| Shard { index, count }.select(&all))
                .collect()
        };
        let shards = deal(2);
        assert_eq!(shards, deal(2), "the same plan gives the same partition");
        let mut joined: Vec<Group> = shards.concat();
        joined.sort_by_key(Group::to_string);
        let mut expected = all.clone();
        expected.sort_by_key(Group::to_string);
        assert_eq!(joined, expected, "every group once");
        for shard in &shards {
            let units: Vec<Unit> = shard.iter().map(Group::unit).collect();
            for unit in &units {
                let threads = units.iter().filter(|u| *u == unit).count();
                assert_eq!(threads, 3, "{unit} with every thread count in one shard");
            }
        }
        // Three units among four shards: one goes without.
        assert_eq!(
            deal(4).iter().map(Vec::len).collect::<Vec<_>>(),
            [3, 3, 3, 0]
        );
    }

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(Shard { index: 2, count: 3 }.to_string(), "2/3");
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
