//! [`Analysis`]: what every renderer reads. The results, their cell
//! summaries, and the orders in which builds, workloads, modes and thread
//! counts are shown.

use std::collections::{BTreeMap, BTreeSet};

use super::parallel::parallel_map;
use super::summary::{CellSummary, RunSummary};
use crate::results::machine::counted_and_set_aside;
use crate::results::shard::{self, Group, Shard};
use crate::results::{
    BuildRecord, Mode, PackageDifference, RunResults, SampleRecord, Scaling, VARIANT_LABEL,
    packages,
};
use crate::stats::{Bootstrap, Estimate, slope};

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
    /// Packages the builds' locks hold differently (also for results
    /// written before results.json recorded them).
    pub package_differences: Vec<PackageDifference>,
    /// [`Analysis::relative_to_baseline`] of every other build, workload
    /// and mode that has one: bootstrapped once, for every format that
    /// shows it, rather than once per format.
    relative: RelativeEstimates,
    /// [`Analysis::memory_relative_to_baseline`], the same way.
    memory_relative: RelativeEstimates,
    /// [`Analysis::cross_thread_penalty`] of every build and workload that
    /// has one.
    cross_thread: BuildWorkloadEstimates,
    /// [`Analysis::warm_over_cold`] of every build and workload that has one.
    warm: BuildWorkloadEstimates,
}

/// Estimates per (build, workload, mode).
type RelativeEstimates = BTreeMap<(String, String, Mode), Estimate>;
/// Estimates per (build, workload), of threads mode at one thread.
type BuildWorkloadEstimates = BTreeMap<(String, String), Estimate>;

impl<'a> Analysis<'a> {
    pub fn new(results: &'a RunResults) -> Analysis<'a> {
        let bootstrap = Bootstrap::default();
        let (samples, set_aside) = counted_and_set_aside(&results.samples);
        let summary = RunSummary::of_samples(results, &samples, &bootstrap);
        let builds = shown_builds(results, &samples);
        let baseline = baseline_of(results, &builds);
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
        let mut analysis = Analysis {
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
            package_differences: packages::differences(&results.builds),
            relative: BTreeMap::new(),
            memory_relative: BTreeMap::new(),
            cross_thread: BTreeMap::new(),
            warm: BTreeMap::new(),
        };
        (analysis.relative, analysis.memory_relative) = analysis.estimate_relative(&bootstrap);
        (analysis.cross_thread, analysis.warm) = analysis.estimate_one_thread(&bootstrap);
        analysis
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

    /// Time of `build` (not the baseline) at one thread relative to the
    /// baseline build: the ratio of medians with a bootstrap interval.
    /// Measured in the thread that built the work's state where both cells
    /// have that.
    pub fn relative_to_baseline(
        &self,
        build: &str,
        workload: &str,
        mode: Mode,
    ) -> Option<Estimate> {
        let key = (build.to_string(), workload.to_string(), mode);
        self.relative.get(&key).copied()
    }

    /// Peak memory of `build` at one worker relative to the baseline build:
    /// the ratio of medians with a bootstrap interval.
    pub fn memory_relative_to_baseline(
        &self,
        build: &str,
        workload: &str,
        mode: Mode,
    ) -> Option<Estimate> {
        let key = (build.to_string(), workload.to_string(), mode);
        self.memory_relative.get(&key).copied()
    }

    /// The memory each extra worker adds, MiB: the least-squares slope of
    /// the cells' median peaks against their worker counts.
    pub fn memory_per_worker(&self, build: &str, workload: &str, mode: Mode) -> Option<f64> {
        let points: Vec<(f64, f64)> = self
            .series(build, workload, mode)
            .iter()
            .filter_map(|c| Some((f64::from(c.key.threads), c.memory?.value)))
            .collect();
        slope(&points)
    }

    /// Whether the build was configured without the GIL.
    pub fn is_free_threaded(&self, build: &str) -> bool {
        self.build_record(build)
            .is_some_and(|b| b.facts["py_gil_disabled"].as_bool() == Some(true))
    }

    /// A lone worker thread's time over the time in the thread that built
    /// the work's state, in threads mode at one thread.
    pub fn cross_thread_penalty(&self, build: &str, workload: &str) -> Option<Estimate> {
        let key = (build.to_string(), workload.to_string());
        self.cross_thread.get(&key).copied()
    }

    /// Each other build's time and peak memory at one worker over the
    /// baseline's, per workload and mode.
    fn estimate_relative(&self, bootstrap: &Bootstrap) -> (RelativeEstimates, RelativeEstimates) {
        let Some(baseline) = self.baseline.as_deref() else {
            return Default::default();
        };
        let keys: Vec<(String, String, Mode)> = self
            .summary
            .cells
            .iter()
            .filter(|c| c.key.threads == 1 && c.key.build != baseline)
            .map(|c| (c.key.build.clone(), c.key.workload.clone(), c.key.mode))
            .collect();
        let estimates = parallel_map(&keys, |(build, workload, mode)| {
            let (Some(new), Some(base)) = (
                self.cell(build, workload, *mode, 1),
                self.cell(baseline, workload, *mode, 1),
            ) else {
                return (None, None);
            };
            let (new_values, base_values) = match (new.owner_values(), base.owner_values()) {
                (Some(new), Some(base)) => (new, base),
                _ => (new.wall_values(), base.wall_values()),
            };
            let time = bootstrap
                .salted(&format!("relative {build}\u{0}{workload}\u{0}{mode}"))
                .ratio_of_medians(&new_values, &base_values);
            let memory = new
                .peak_values()
                .zip(base.peak_values())
                .and_then(|(new, base)| {
                    bootstrap
                        .salted(&format!("memory {build}\u{0}{workload}\u{0}{mode}"))
                        .ratio_of_medians(&new, &base)
                });
            (time, memory)
        });
        let (mut time, mut memory) = (BTreeMap::new(), BTreeMap::new());
        for (key, (t, m)) in keys.into_iter().zip(estimates) {
            if let Some(m) = m {
                memory.insert(key.clone(), m);
            }
            if let Some(t) = t {
                time.insert(key, t);
            }
        }
        (time, memory)
    }

    /// In threads mode at one thread: each cell's lone worker thread over
    /// its owning thread, and with `--warm-calls` its timed call over its
    /// first one.
    fn estimate_one_thread(
        &self,
        bootstrap: &Bootstrap,
    ) -> (BuildWorkloadEstimates, BuildWorkloadEstimates) {
        let cells: Vec<&CellSummary> = self
            .summary
            .cells
            .iter()
            .filter(|c| c.key.threads == 1 && c.key.mode == Mode::Threads)
            .collect();
        let estimates = parallel_map(&cells, |cell| {
            let (build, workload) = (&cell.key.build, &cell.key.workload);
            let owner = cell.owner_values();
            let cross_thread = owner.as_ref().and_then(|owner| {
                bootstrap
                    .salted(&format!("cross-thread {build}\u{0}{workload}"))
                    .ratio_of_medians(&cell.wall_values(), owner)
            });
            let warm = cell.cold_values().and_then(|cold| {
                let warm = owner.clone().unwrap_or_else(|| cell.wall_values());
                bootstrap
                    .salted(&format!("warm {build}\u{0}{workload}"))
                    .ratio_of_medians(&warm, &cold)
            });
            (cross_thread, warm)
        });
        let (mut cross_thread, mut warm) = (BTreeMap::new(), BTreeMap::new());
        for (c, (penalty, warmed)) in cells.into_iter().zip(estimates) {
            let key = (c.key.build.clone(), c.key.workload.clone());
            if let Some(w) = warmed {
                warm.insert(key.clone(), w);
            }
            if let Some(p) = penalty {
                cross_thread.insert(key, p);
            }
        }
        (cross_thread, warm)
    }

    /// The timed (warm) call over the first (cold) one, in the thread that
    /// built the state, in threads mode at one thread, with `--warm-calls`.
    pub fn warm_over_cold(&self, build: &str, workload: &str) -> Option<Estimate> {
        let key = (build.to_string(), workload.to_string());
        self.warm.get(&key).copied()
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

/// The builds in the order they are shown: the run's, then any other build
/// with samples.
pub(crate) fn shown_builds(results: &RunResults, samples: &[&SampleRecord]) -> Vec<String> {
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
        results.builds.iter().any(|b| &b.name == name) || samples.iter().any(|s| &s.build == name)
    });
    builds
}

/// The build others are compared with at one thread: the default variant,
/// else the first of `builds`.
pub(crate) fn baseline_of(results: &RunResults, builds: &[String]) -> Option<String> {
    results
        .builds
        .iter()
        .find(|b| b.image_labels.get(VARIANT_LABEL).map(String::as_str) == Some("default"))
        .map(|b| b.name.clone())
        .or_else(|| builds.first().cloned())
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
