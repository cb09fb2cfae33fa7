//! The benchmark matrix and the order in which its samples are taken.
//!
//! Samples go one at a time. Each round (every warmup round, then every
//! measured round) visits every cell once, in an order shuffled with the
//! run's seed, and runs a cell for all builds back to back (builds in a
//! shuffled order too), so that drift of the machine hits every build alike.
//! Rounds beyond the planned ones (a precision goal) visit some groups only,
//! in the same way.

use std::collections::HashSet;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::results::machine::Unit;
use crate::results::shard::{self, Group, Shard};
use crate::results::{CellKey, Mode, SampleKey};

/// What the matrix spans.
pub struct Matrix<'a> {
    pub builds: &'a [String],
    /// Workloads with the modes each supports on every build.
    pub workloads: &'a [(String, Vec<Mode>)],
    pub modes: &'a [Mode],
    pub threads: &'a [u32],
    pub warmup: u32,
    pub repeat: u32,
    /// Only this part of the cells, if given.
    pub shard: Option<Shard>,
    /// Only this workload in this mode, if given: one engine's share.
    pub unit: Option<Unit>,
}

impl Matrix<'_> {
    /// The cells, without their builds, that this run takes.
    pub fn groups(&self) -> Vec<Group> {
        let all = shard::groups(self.workloads, self.modes, self.threads);
        let mine = match self.shard {
            Some(shard) => shard.select(&all),
            None => all,
        };
        match &self.unit {
            Some(unit) => mine
                .into_iter()
                .filter(|g| g.workload == unit.workload && g.mode == unit.mode)
                .collect(),
            None => mine,
        }
    }

    /// The units (workload × mode) the matrix spans, in its groups' order.
    pub fn units(&self) -> Vec<Unit> {
        let mut units: Vec<Unit> = Vec::new();
        for group in self.groups() {
            let unit = Unit {
                workload: group.workload.clone(),
                mode: group.mode,
            };
            if !units.contains(&unit) {
                units.push(unit);
            }
        }
        units
    }

    /// Every cell: each group on each build.
    pub fn cells(&self) -> Vec<CellKey> {
        self.groups()
            .iter()
            .flat_map(|g| self.builds.iter().map(|b| g.cell(b.clone())))
            .collect()
    }

    /// Measured round `repeat` over `groups` only: a round beyond the
    /// planned ones, ordered as a planned round of that index would be.
    pub fn extra_round(
        &self,
        groups: &[Group],
        seed: u64,
        repeat: u32,
        done: &HashSet<SampleKey>,
    ) -> Vec<Vec<SampleKey>> {
        let index = u64::from(self.warmup + repeat);
        round(groups, self.builds, seed, index, (repeat, false), done)
    }
}

/// The samples still to take, in order, skipping those already in `done`.
pub fn schedule(matrix: &Matrix, seed: u64, done: &HashSet<SampleKey>) -> Vec<SampleKey> {
    let groups = matrix.groups();
    let rounds = (0..matrix.warmup)
        .map(|r| (r, true))
        .chain((0..matrix.repeat).map(|r| (r, false)));
    rounds
        .enumerate()
        .flat_map(|(index, which)| round(&groups, matrix.builds, seed, index as u64, which, done))
        .flatten()
        .collect()
}

/// One round: every group once, in an order shuffled with the seed and
/// the round's index, each on all builds back to back (in a shuffled order
/// too), as one list per group; `which` is the repeat and whether it is a
/// warmup. Keys in `done` are left out.
fn round(
    groups: &[Group],
    builds: &[String],
    seed: u64,
    index: u64,
    (repeat, warmup): (u32, bool),
    done: &HashSet<SampleKey>,
) -> Vec<Vec<SampleKey>> {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(index));
    let mut order = groups.to_vec();
    order.shuffle(&mut rng);
    order
        .into_iter()
        .map(|group| {
            let mut builds = builds.to_vec();
            builds.shuffle(&mut rng);
            builds
                .into_iter()
                .map(|build| SampleKey {
                    cell: group.cell(build),
                    repeat,
                    warmup,
                })
                .filter(|key| !done.contains(key))
                .collect()
        })
        .collect()
}

/// Default thread counts: powers of two up to `cpus`, plus `cpus` itself.
pub fn default_threads(cpus: u32) -> Vec<u32> {
    let mut threads: Vec<u32> = std::iter::successors(Some(1u32), |t| t.checked_mul(2))
        .take_while(|t| *t <= cpus.max(1))
        .collect();
    if !threads.contains(&cpus) && cpus > 0 {
        threads.push(cpus);
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix<'a>(builds: &'a [String], workloads: &'a [(String, Vec<Mode>)]) -> Matrix<'a> {
        Matrix {
            builds,
            workloads,
            modes: &[Mode::Threads, Mode::Processes],
            threads: &[1, 2],
            warmup: 1,
            repeat: 3,
            shard: None,
            unit: None,
        }
    }

    #[test]
    fn covers_every_sample_once_interleaving_builds() {
        let builds = vec!["3.13".to_string(), "3.13t".to_string()];
        let workloads = vec![
            (
                "countdown".to_string(),
                vec![Mode::Threads, Mode::Processes],
            ),
            ("shared_dict".to_string(), vec![Mode::Threads]),
        ];
        let order = schedule(&matrix(&builds, &workloads), 7, &HashSet::new());
        // (2 + 1 mode-workloads) × 2 threads × 2 builds × (1 warmup + 3 repeats)
        assert_eq!(order.len(), 3 * 2 * 2 * 4);
        assert_eq!(order.iter().collect::<HashSet<_>>().len(), order.len());
        assert!(
            order[..12].iter().all(|k| k.warmup),
            "warmup rounds come first"
        );
        // Consecutive pairs are one cell on both builds.
        for pair in order.chunks(2) {
            assert_eq!(pair[0].cell.workload, pair[1].cell.workload);
            assert_ne!(pair[0].cell.build, pair[1].cell.build);
        }
        assert_eq!(
            order,
            schedule(&matrix(&builds, &workloads), 7, &HashSet::new()),
            "the seed decides"
        );
        assert_ne!(
            order,
            schedule(&matrix(&builds, &workloads), 8, &HashSet::new())
        );
    }

    #[test]
    fn resuming_skips_what_is_done_and_keeps_the_order() {
        let builds = vec!["3.13".to_string()];
        let workloads = vec![("fib".to_string(), vec![Mode::Threads])];
        let full = schedule(&matrix(&builds, &workloads), 1, &HashSet::new());
        let done: HashSet<SampleKey> = full[..3].iter().cloned().collect();
        assert_eq!(
            schedule(&matrix(&builds, &workloads), 1, &done),
            full[3..].to_vec()
        );
    }

    #[test]
    fn an_extra_round_takes_its_groups_as_a_planned_round_would() {
        let builds = vec!["3.13".to_string(), "3.13t".to_string()];
        let workloads = vec![
            ("countdown".to_string(), vec![Mode::Threads]),
            ("fib".to_string(), vec![Mode::Threads]),
        ];
        let m = matrix(&builds, &workloads);
        let planned = schedule(&m, 3, &HashSet::new());
        // Round 2 of the plan is its last measured round: 4 groups × 2 builds.
        let last: Vec<SampleKey> = planned[planned.len() - 8..].to_vec();
        let again: Vec<SampleKey> = m.extra_round(&m.groups(), 3, 2, &HashSet::new()).concat();
        assert_eq!(again, last);
        // One group: its cell on both builds, nothing else.
        let fib = Group::of(&last.iter().find(|k| k.cell.workload == "fib").unwrap().cell);
        let round = m.extra_round(std::slice::from_ref(&fib), 3, 7, &HashSet::new());
        assert_eq!(round.len(), 1);
        assert_eq!(round[0].len(), 2);
        assert!(
            round[0]
                .iter()
                .all(|k| Group::of(&k.cell) == fib && k.repeat == 7)
        );
        assert_eq!(m.cells().len(), 8);
    }

    #[test]
    fn default_threads_are_powers_of_two_plus_the_cpu_count() {
        assert_eq!(default_threads(1), vec![1]);
        assert_eq!(default_threads(2), vec![1, 2]);
        assert_eq!(default_threads(6), vec![1, 2, 4, 6]);
        assert_eq!(default_threads(8), vec![1, 2, 4, 8]);
    }
}
