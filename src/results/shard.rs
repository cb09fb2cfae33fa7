//! CI shards: a deterministic K-th of a run's cells, so that a CI matrix or
//! a Kubernetes Indexed Job runs the pieces and `gilbench merge` joins them.
//! Every build of a cell lands in the same shard, so a comparison of builds
//! never crosses machines.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{CellKey, Mode};

/// Shard `index` of `count`, both counted from 1 as in `--shard 2/3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// A cell without its build: what a shard takes whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
}

impl Group {
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

/// Every group of a matrix, in the order shards are dealt from: by thread
/// count, then workload and mode, so that each shard gets its share of the
/// slow high-thread cells.
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
    /// The groups this shard takes: every `count`-th, from its own offset.
    pub fn select(self, groups: &[Group]) -> Vec<Group> {
        groups
            .iter()
            .enumerate()
            .filter(|(position, _)| *position as u32 % self.count + 1 == self.index)
            .map(|(_, group)| group.clone())
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
    fn shards_partition_the_groups_and_share_the_slow_ones() {
        let all = matrix();
        assert_eq!(all.len(), 9);
        let shards: Vec<Vec<Group>> = (1..=3)
            .map(|index| Shard { index, count: 3 }.select(&all))
            .collect();
        let mut joined: Vec<Group> = shards.concat();
        joined.sort_by_key(Group::to_string);
        let mut expected = all.clone();
        expected.sort_by_key(Group::to_string);
        assert_eq!(joined, expected, "every group once");
        for shard in &shards {
            assert_eq!(shard.len(), 3);
            assert_eq!(shard.iter().filter(|g| g.threads == 4).count(), 1);
        }
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
