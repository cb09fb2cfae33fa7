//! [`Analysis`]: what every renderer reads. The results, their cell
//! summaries, and the orders in which builds, workloads, modes and thread
//! counts are shown.

use std::collections::BTreeSet;

use super::summary::{CellSummary, RunSummary};
use crate::results::machine::counted_and_set_aside;
use crate::results::shard::{self, Group, Shard};
use crate::results::{BuildRecord, Mode, RunResults, SampleRecord, Scaling, VARIANT_LABEL};
use crate::stats::{Bootstrap, Estimate};

/// What every exporter reads: the results, their cell summaries, and the
/// orders in which builds, workloads, modes and thread counts are shown.
pub struct Analysis<'a> {
    pub results: &'a RunResults,
    /// The samples the statistics use: in a run over several engines, each
    /// unit's from its own machine.
    pub samples: Vec<&'a SampleRecord>,
    /// Samples of a unit taken on a machine it left (a lost engine): kept
    /// in the results, never counted.
    pub set_aside: Vec<&'a SampleRecord>,
    pub summary: RunSummary,
    /// In the order of the run's builds, then any other build with samples.
    pub builds: Vec<String>,
    /// The build others are compared with at one thread.
    pub baseline: Option<String>,
    pub workloads: Vec<String>,
    pub modes: Vec<Mode>,
    pub threads: Vec<u32>,
    /// CPUs the containers could use, if known.
    pub cores: Option<u32>,
    bootstrap: Bootstrap,
}

impl<'a> Analysis<'a> {
    pub fn new(results: &'a RunResults) -> Analysis<'a> {
        let bootstrap = Bootstrap::default();
        let (samples, set_aside) = counted_and_set_aside(&results.samples);
        let summary = RunSummary::of_samples(results, &samples, &bootstrap);
        let mut builds = first_seen(
            results
                .builds
                .iter()
                .map(|b| &b.name)
                .chain(&results.config.builds)
                .chain(samples.iter().map(|s| &s.build)),
        );
        // Builds named in the config but never resolved nor sampled are noise.
        builds.retain(|name| {
            results.builds.iter().any(|b| &b.name == name)
                || samples.iter().any(|s| &s.build == name)
        });
        let baseline = results
            .builds
            .iter()
            .find(|b| b.image_labels.get(VARIANT_LABEL).map(String::as_str) == Some("default"))
            .map(|b| b.name.clone())
            .or_else(|| builds.first().cloned());
        let workloads = first_seen(
            results
                .workloads
                .iter()
                .filter(|w| w.error.is_none())
                .map(|w| &w.name)
                .chain(samples.iter().map(|s| &s.workload)),
        );
        let modes: BTreeSet<Mode> = results
            .config
            .modes
            .iter()
            .copied()
            .chain(samples.iter().map(|s| s.sample.mode))
            .collect();
        let threads: BTreeSet<u32> = results
            .config
            .threads
            .iter()
            .copied()
            .chain(samples.iter().map(|s| s.threads))
            .collect();
        let cores = results
            .config
            .cpus
            .as_deref()
            .and_then(|set| crate::cpuset::parse(set).ok())
            .map(|cpus| cpus.len() as u32)
            .or_else(|| {
                results
                    .environment
                    .engine_cpus
                    .and_then(|n| u32::try_from(n).ok())
            })
            .or_else(|| u32::try_from(results.environment.host_cpus).ok())
            .filter(|n| *n > 0);
        Analysis {
            results,
            samples,
            set_aside,
            summary,
            builds,
            baseline,
            workloads,
            modes: modes.into_iter().collect(),
            threads: threads.into_iter().collect(),
            cores,
            bootstrap,
        }
    }

    pub fn cell(
        &self,
        build: &str,
        workload: &str,
        mode: Mode,
        threads: u32,
    ) -> Option<&CellSummary> {
        self.summary.cell(build, workload, mode, threads)
    }

    /// Whether `record` is one of the samples set aside.
    pub fn is_set_aside(&self, record: &SampleRecord) -> bool {
        self.set_aside.iter().any(|r| std::ptr::eq(*r, record))
    }

    pub fn build_record(&self, name: &str) -> Option<&'a BuildRecord> {
        self.results.builds.iter().find(|b| b.name == name)
    }

    /// Index of the build in the shown order: its colour.
    pub fn build_index(&self, name: &str) -> usize {
        self.builds.iter().position(|b| b == name).unwrap_or(0)
    }

    /// The modes a workload has any sample in.
    pub fn modes_of(&self, workload: &str) -> Vec<Mode> {
        self.modes
            .iter()
            .copied()
            .filter(|m| {
                self.summary
                    .cells
                    .iter()
                    .any(|c| c.key.workload == workload && c.key.mode == *m)
            })
            .collect()
    }

    /// The cells of one workload and mode, for one build, by thread count.
    pub fn series(&self, build: &str, workload: &str, mode: Mode) -> Vec<&CellSummary> {
        self.threads
            .iter()
            .filter_map(|t| self.cell(build, workload, mode, *t))
            .collect()
    }

    /// The thread counts at which any build has a cell of this workload and
    /// mode.
    pub fn threads_of(&self, workload: &str, mode: Mode) -> Vec<u32> {
        self.threads
            .iter()
            .copied()
            .filter(|t| {
                self.builds
                    .iter()
                    .any(|b| self.cell(b, workload, mode, *t).is_some())
            })
            .collect()
    }

    /// Time of `build` at one thread relative to the baseline build:
    /// the ratio of medians with a bootstrap interval. Measured in the
    /// thread that built the work's state where both cells have that.
    pub fn relative_to_baseline(
        &self,
        build: &str,
        workload: &str,
        mode: Mode,
    ) -> Option<Estimate> {
        let baseline = self.baseline.as_deref()?;
        let new = self.cell(build, workload, mode, 1)?;
        let base = self.cell(baseline, workload, mode, 1)?;
        let (new_values, base_values) = match (new.owner_values(), base.owner_values()) {
            (Some(new), Some(base)) => (new, base),
            _ => (new.wall_values(), base.wall_values()),
        };
        self.bootstrap
            .salted(&format!("relative {build}\u{0}{workload}\u{0}{mode}"))
            .ratio_of_medians(&new_values, &base_values)
    }

    /// A lone worker thread's time over the time in the thread that built
    /// the work's state, in threads mode at one thread.
    pub fn cross_thread_penalty(&self, build: &str, workload: &str) -> Option<Estimate> {
        let cell = self.cell(build, workload, Mode::Threads, 1)?;
        let owner = cell.owner_values()?;
        self.bootstrap
            .salted(&format!("cross-thread {build}\u{0}{workload}"))
            .ratio_of_medians(&cell.wall_values(), &owner)
    }

    /// The timed (warm) call over the first (cold) one, in the thread that
    /// built the state, in threads mode at one thread, with `--warm-calls`.
    pub fn warm_over_cold(&self, build: &str, workload: &str) -> Option<Estimate> {
        let cell = self.cell(build, workload, Mode::Threads, 1)?;
        let cold = cell.cold_values()?;
        let warm = cell.owner_values().unwrap_or_else(|| cell.wall_values());
        self.bootstrap
            .salted(&format!("warm {build}\u{0}{workload}"))
            .ratio_of_medians(&warm, &cold)
    }

    /// Cells the run asked for: builds × workloads × modes × thread counts.
    /// Workloads are counted as described by the runner when it could
    /// (a folder given on the command line expands to many).
    pub fn planned_cells(&self) -> usize {
        let c = &self.results.config;
        let builds = c.builds.len().max(self.results.builds.len());
        let groups = self.planned_groups();
        if groups.is_empty() {
            return builds * c.workloads.len() * c.modes.len().max(1) * c.threads.len().max(1);
        }
        builds * groups.len()
    }

    /// The cells without their builds that the run (its shard, if it is
    /// one) scheduled: the modes each workload supports, as the plan has them.
    pub fn planned_groups(&self) -> Vec<Group> {
        match self.results.config.shard {
            Some(shard) => self.groups_of(shard),
            None => self.all_groups(),
        }
    }

    /// The cells without their builds that a shard of this plan takes.
    pub fn groups_of(&self, shard: Shard) -> Vec<Group> {
        shard.select(&self.all_groups())
    }

    fn all_groups(&self) -> Vec<Group> {
        let c = &self.results.config;
        let workloads: Vec<(String, Vec<Mode>)> = self
            .results
            .workloads
            .iter()
            .map(|w| (w.name.clone(), w.modes.clone()))
            .collect();
        shard::groups(&workloads, &c.modes, &c.threads)
    }

    pub fn measured_cells(&self) -> usize {
        self.summary
            .cells
            .iter()
            .filter(|c| c.has_measurements())
            .count()
    }

    pub fn scaling_name(&self, workload: &str) -> &'static str {
        match self.results.scaling_of(workload) {
            Scaling::Weak => "weak",
            Scaling::Strong => "strong",
        }
    }
}

/// The names in the order they are first seen, each once.
fn first_seen<'n>(names: impl Iterator<Item = &'n String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}
