//! The per-cell summary of a run: one [`CellSummary`] per build × workload ×
//! mode × threads, with its measurements, failures, distribution, median
//! interval, speedup against one worker, how precisely both are known and
//! the shape of its samples. Every
//! report and comparison reads these instead of the raw samples.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::parallel::parallel_map;
use super::precision::{CellWalls, Precision};
use crate::results::{
    CellKey, FailureKind, Mode, ReproducerRun, RunResults, Sample, SampleRecord, SampleStatus,
    Scaling,
};
use crate::stats::{
    Bimodality, Bootstrap, Distribution, Drift, Estimate, ScalingKind, bimodality, drift, scaling,
    tukey_outliers,
};

/// Sum of the workers' CPU time over the wall time: how many workers were
/// on a CPU at once, on average. None without per-worker CPU times.
pub fn effective_parallelism(sample: &Sample) -> Option<f64> {
    let wall = sample.wall_ns.filter(|w| *w > 0)?;
    let cpu: u64 = sample.worker_cpu_ns.as_ref()?.iter().sum();
    Some(cpu as f64 / wall as f64)
}

/// A failed sample, as the reports show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub repeat: u32,
    pub warmup: bool,
    pub seq: u64,
    /// None when the runner gave no kind.
    pub kind: Option<FailureKind>,
    pub message: String,
    pub exit_code: Option<i64>,
    pub stderr_tail: Option<String>,
    /// On a build whose JIT was on, the same sample with `PYTHON_JIT=0`
    /// completed, in this many seconds: the failure is the JIT's.
    pub jit_off_s: Option<f64>,
    /// Then its reproducer, run alone with the JIT on and off.
    pub reproducer: Option<ReproducerRun>,
}

impl Failure {
    /// The failure kind's name (workloads/README.md), or "failed"; marked
    /// when the JIT caused it.
    pub fn kind_name(&self) -> Cow<'static, str> {
        let kind = self.kind.map_or("failed", FailureKind::as_str);
        match self.jit_off_s {
            Some(_) => format!("{kind} with the JIT on only").into(),
            None => kind.into(),
        }
    }
}

/// One measured sample of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    pub repeat: u32,
    pub seq: u64,
    pub wall_s: f64,
    /// Threads mode at one thread: the wall time in the thread that built
    /// the work's state (see `owner_values`).
    pub owner_wall_s: Option<f64>,
    /// With `--warm-calls`: the first, untimed call of the work in the
    /// sample's process, and all of the untimed calls together.
    pub cold_s: Option<f64>,
    pub warm_up_s: Option<f64>,
    pub cpu_s: Option<f64>,
    pub effective_parallelism: Option<f64>,
    /// Peak resident memory while the work ran, and its growth over the
    /// size after setup, MiB.
    pub peak_mib: Option<f64>,
    pub growth_mib: Option<f64>,
    /// Outside Tukey's fences among the cell's wall times (kept all the same).
    pub outlier: bool,
}

/// How many samples of each sort a cell has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every sample, warmups and failures included.
    pub samples: usize,
    pub warmups: usize,
    /// Status ok, not a warmup, with a wall time.
    pub measured: usize,
    pub failed: usize,
    pub unsupported: usize,
    /// Taken while other load was on their CPUs: kept, retaken, not measured.
    pub disturbed: usize,
}

/// The shape of a cell's wall times: what a median and its interval do
/// not say.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shape {
    /// Two clusters ([`bimodality`]).
    pub bimodal: Option<Bimodality>,
    /// The second half of the samples, in the order taken, against the
    /// first ([`drift`]).
    pub drift: Option<Drift>,
    /// Samples outside Tukey's fences.
    pub outliers: usize,
}

impl Shape {
    /// The shape of wall times in the order they were taken, `outliers` of
    /// them flagged.
    pub fn of(in_order: &[f64], outliers: usize) -> Shape {
        Shape {
            bimodal: bimodality(in_order),
            drift: drift(in_order),
            outliers,
        }
    }

    /// Bimodal or drifting: the median stands for no typical sample.
    pub fn unsteady(&self) -> bool {
        self.bimodal.is_some() || self.drift.is_some()
    }

    /// Anything to flag: unsteady, or outliers.
    pub fn flagged(&self) -> bool {
        self.unsteady() || self.outliers > 0
    }
}

/// One cell of the matrix (build × workload × mode × threads), summarised.
/// Statistics cover the measured samples only: not warmups, status ok.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSummary {
    pub key: CellKey,
    pub scaling: Scaling,
    pub counts: Counts,
    /// In the order they were taken.
    pub measurements: Vec<Measurement>,
    /// Of the wall times in seconds.
    pub wall: Option<Distribution>,
    pub shape: Shape,
    /// The median wall time with its bootstrap interval.
    pub median: Option<Estimate>,
    pub cpu: Option<Distribution>,
    /// Of the per-sample effective parallelism; `median` is the headline value.
    pub parallelism: Option<Distribution>,
    /// The median peak resident memory while the work ran, MiB, with its
    /// bootstrap interval; None without memory figures.
    pub memory: Option<Estimate>,
    /// Of the growth of resident memory during the work, MiB.
    pub growth: Option<Distribution>,
    /// Against the same build, workload and mode at one thread.
    pub speedup: Option<Estimate>,
    /// How precisely the median and the speedup are known.
    pub precision: Precision,
    pub efficiency: Option<Estimate>,
    /// Failed samples, warmups included.
    pub failures: Vec<Failure>,
    /// Why the mode is unsupported, if a sample said so.
    pub unsupported: Option<String>,
    /// True if any measured sample ran with the GIL on; None if none said.
    pub gil_enabled: Option<bool>,
    /// The module whose import turned the GIL on, as the first measured
    /// sample that named one said.
    pub gil_enabled_by: Option<String>,
}

impl CellSummary {
    pub fn wall_values(&self) -> Vec<f64> {
        self.measurements.iter().map(|m| m.wall_s).collect()
    }

    /// The wall times of the work in the thread that built its state, when
    /// every measurement has one (threads mode at one thread). Single-thread
    /// costs are defined this way; a lone worker thread on a free-threaded
    /// build pays for using objects another thread created.
    pub fn owner_values(&self) -> Option<Vec<f64>> {
        let values: Option<Vec<f64>> = self.measurements.iter().map(|m| m.owner_wall_s).collect();
        values.filter(|v| !v.is_empty())
    }

    /// The peaks of resident memory, MiB, when every measurement has one.
    pub fn peak_values(&self) -> Option<Vec<f64>> {
        let values: Option<Vec<f64>> = self.measurements.iter().map(|m| m.peak_mib).collect();
        values.filter(|v| !v.is_empty())
    }

    /// The first calls of the work, where every measurement has one
    /// (`--warm-calls`).
    pub fn cold_values(&self) -> Option<Vec<f64>> {
        let values: Option<Vec<f64>> = self.measurements.iter().map(|m| m.cold_s).collect();
        values.filter(|v| !v.is_empty())
    }

    pub fn outliers(&self) -> impl Iterator<Item = &Measurement> {
        self.measurements.iter().filter(|m| m.outlier)
    }

    pub fn has_measurements(&self) -> bool {
        !self.measurements.is_empty()
    }

    /// Measured, but some samples failed: the tables flag it with "⚠".
    pub fn partly_failed(&self) -> bool {
        self.has_measurements() && self.counts.failed > 0
    }

    /// Coefficient of variation of the wall times (standard deviation over
    /// mean); None for fewer than two.
    pub fn cv(&self) -> Option<f64> {
        let wall = self.wall?;
        Some(wall.std_dev? / wall.mean).filter(|cv| cv.is_finite())
    }

    /// The kinds of the cell's failures, by name, each once, sorted.
    pub fn failure_kinds(&self) -> Vec<Cow<'static, str>> {
        let mut kinds: Vec<Cow<'static, str>> =
            self.failures.iter().map(Failure::kind_name).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }
}

/// Every cell of a run that has at least one sample, in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub cells: Vec<CellSummary>,
}

impl RunSummary {
    /// Summarises with the default bootstrap (2000 resamples, 95 %).
    pub fn of(results: &RunResults) -> RunSummary {
        RunSummary::with(results, &Bootstrap::default())
    }

    /// Summarises the samples the statistics use: in a run over several
    /// engines, each unit's from its own machine.
    pub fn with(results: &RunResults, bootstrap: &Bootstrap) -> RunSummary {
        RunSummary::of_samples(results, &results.counted_samples(), bootstrap)
    }

    /// Summarises `samples`, some of `results`.
    pub fn of_samples(
        results: &RunResults,
        samples: &[&SampleRecord],
        bootstrap: &Bootstrap,
    ) -> RunSummary {
        let mut grouped: BTreeMap<CellKey, Vec<&SampleRecord>> = BTreeMap::new();
        for record in samples {
            grouped.entry(record.cell()).or_default().push(record);
        }
        let groups: Vec<(CellKey, Vec<&SampleRecord>)> = grouped.into_iter().collect();
        let walls = CellWalls::of(samples.iter().copied());
        let mut cells: Vec<CellSummary> = parallel_map(&groups, |(key, records)| {
            let mut records = records.clone();
            records.sort_by_key(|r| r.seq);
            let scaling = results.scaling_of(&key.workload);
            let precision = walls.precision(key);
            summarise_cell(key.clone(), scaling, &records, precision, bootstrap)
        });
        // Speedup against the one-thread cell of the same build, workload, mode.
        let baselines: BTreeMap<CellKey, Vec<f64>> = cells
            .iter()
            .filter(|c| c.key.threads == 1 && c.has_measurements())
            .map(|c| (c.key.clone(), c.wall_values()))
            .collect();
        let speedups = parallel_map(&cells, |cell| {
            let one = CellKey {
                threads: 1,
                ..cell.key.clone()
            };
            let t1 = baselines.get(&one)?;
            let salted = bootstrap.salted(&format!("speedup {}", cell_salt(&cell.key)));
            scaling(
                scaling_kind(cell.scaling),
                cell.key.threads,
                t1,
                &cell.wall_values(),
                &salted,
            )
        });
        for (cell, estimate) in cells.iter_mut().zip(speedups) {
            if let Some(s) = estimate {
                cell.speedup = Some(s.speedup);
                cell.efficiency = Some(s.efficiency);
            }
        }
        RunSummary { cells }
    }

    pub fn get(&self, key: &CellKey) -> Option<&CellSummary> {
        self.cells
            .binary_search_by(|c| c.key.cmp(key))
            .ok()
            .map(|i| &self.cells[i])
    }

    pub fn cell(
        &self,
        build: &str,
        workload: &str,
        mode: Mode,
        threads: u32,
    ) -> Option<&CellSummary> {
        self.get(&CellKey {
            build: build.to_string(),
            workload: workload.to_string(),
            mode,
            threads,
        })
    }

    /// Cells with at least one failed sample.
    pub fn failed_cells(&self) -> impl Iterator<Item = &CellSummary> {
        self.cells.iter().filter(|c| !c.failures.is_empty())
    }
}

/// Shorthand for [`RunSummary::of`].
pub fn summarize(results: &RunResults) -> RunSummary {
    RunSummary::of(results)
}

/// A workload's scaling, as the statistics take it.
pub(crate) fn scaling_kind(scaling: Scaling) -> ScalingKind {
    match scaling {
        Scaling::Weak => ScalingKind::Weak,
        Scaling::Strong => ScalingKind::Strong,
    }
}

fn cell_salt(key: &CellKey) -> String {
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        key.build, key.workload, key.mode, key.threads
    )
}

fn summarise_cell(
    key: CellKey,
    scaling: Scaling,
    records: &[&SampleRecord],
    precision: Precision,
    bootstrap: &Bootstrap,
) -> CellSummary {
    let mut counts = Counts::default();
    let mut measurements = Vec::new();
    let mut failures = Vec::new();
    let mut unsupported = None;
    let mut gil_enabled = None;
    let mut gil_enabled_by = None;
    for record in records {
        let sample = &record.sample;
        counts.samples += 1;
        if sample.warmup {
            counts.warmups += 1;
        }
        if record.disturbed {
            counts.disturbed += 1;
            continue;
        }
        match sample.status {
            SampleStatus::Ok => {
                if let (false, Some(wall_s)) = (sample.warmup, sample.wall_s()) {
                    counts.measured += 1;
                    if let Some(on) = sample.gil_enabled {
                        gil_enabled = Some(gil_enabled.unwrap_or(false) || on);
                    }
                    if gil_enabled_by.is_none() {
                        gil_enabled_by.clone_from(&sample.gil_enabled_by);
                    }
                    measurements.push(Measurement {
                        repeat: record.repeat,
                        seq: record.seq,
                        wall_s,
                        owner_wall_s: sample.owner_wall_s(),
                        cold_s: sample.cold_s(),
                        warm_up_s: sample.warm_up_s(),
                        cpu_s: sample.cpu_s(),
                        effective_parallelism: effective_parallelism(sample),
                        peak_mib: sample.peak_mib(),
                        growth_mib: sample.growth_mib(),
                        outlier: false,
                    });
                }
            }
            SampleStatus::Failed => {
                counts.failed += 1;
                failures.push(Failure {
                    repeat: record.repeat,
                    warmup: sample.warmup,
                    seq: record.seq,
                    kind: sample.kind,
                    message: sample.message.clone().unwrap_or_default(),
                    exit_code: sample.exit_code,
                    stderr_tail: sample.stderr_tail.clone().filter(|s| !s.trim().is_empty()),
                    jit_off_s: record.jit_off.as_ref().and_then(|off| off.completed_in_s()),
                    reproducer: record.reproducer.as_deref().cloned(),
                });
            }
            SampleStatus::Unsupported => {
                counts.unsupported += 1;
                unsupported.get_or_insert_with(|| {
                    sample
                        .message
                        .clone()
                        .unwrap_or_else(|| "mode not supported".into())
                });
            }
        }
    }
    let walls: Vec<f64> = measurements.iter().map(|m| m.wall_s).collect();
    let mut outliers = 0;
    for (m, flagged) in measurements.iter_mut().zip(tukey_outliers(&walls)) {
        m.outlier = flagged;
        outliers += usize::from(flagged);
    }
    let cpus: Vec<f64> = measurements.iter().filter_map(|m| m.cpu_s).collect();
    let parallelism: Vec<f64> = measurements
        .iter()
        .filter_map(|m| m.effective_parallelism)
        .collect();
    let salted = bootstrap.salted(&format!("median {}", cell_salt(&key)));
    let peaks: Vec<f64> = measurements.iter().filter_map(|m| m.peak_mib).collect();
    let growths: Vec<f64> = measurements.iter().filter_map(|m| m.growth_mib).collect();
    let memory_salted = bootstrap.salted(&format!("memory {}", cell_salt(&key)));
    CellSummary {
        memory: memory_salted.median(&peaks),
        growth: Distribution::of(&growths),
        median: salted.median(&walls),
        wall: Distribution::of(&walls),
        shape: Shape::of(&walls, outliers),
        cpu: Distribution::of(&cpus),
        parallelism: Distribution::of(&parallelism),
        key,
        scaling,
        counts,
        measurements,
        speedup: None,
        precision,
        efficiency: None,
        failures,
        unsupported,
        gil_enabled,
        gil_enabled_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{fixture, noisy};

    #[test]
    fn cells_are_summarised_once_with_speedups_and_failures() {
        let summary = RunSummary::of(&fixture());
        // 3 builds × 2 workloads × 3 thread counts, each with samples.
        assert_eq!(summary.cells.len(), 18);
        let free = summary
            .cell("3.13t", "countdown", Mode::Threads, 2)
            .unwrap();
        assert_eq!(free.counts.measured, 5);
        assert_eq!(free.counts.warmups, 1);
        let speedup = free.speedup.unwrap();
        assert!((speedup.value - 1.96).abs() < 0.01, "{speedup:?}");
        assert!(speedup.low <= speedup.value && speedup.value <= speedup.high);
        let failed: Vec<&CellSummary> = summary.failed_cells().collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].key.threads, 4);
        assert_eq!(failed[0].failure_kinds(), ["exception"]);
        assert!(!failed[0].has_measurements() && failed[0].speedup.is_none());
        assert!(summary.cells.iter().all(|c| !c.shape.flagged()), "steady");
        assert!(free.cv().unwrap() < 0.01);
    }

    #[test]
    fn the_shape_of_each_cell_is_flagged() {
        let summary = RunSummary::of(&noisy());
        let shape = |build, workload| {
            summary
                .cell(build, workload, Mode::Threads, 1)
                .unwrap()
                .shape
        };
        let jit = shape("3.14-jit", "countdown");
        let b = jit.bimodal.expect("bimodal");
        assert_eq!((b.low.count, b.high.count), (3, 2));
        assert!((b.low.centre - 0.313).abs() < 1e-9, "{b:?}");
        assert!(jit.drift.is_none() && jit.outliers == 0);
        assert!(!shape("3.14", "countdown").flagged());
        let drifting = shape("3.14-jit", "sha256");
        let d = drifting.drift.expect("drift");
        assert!((d.ratio() - 1.12).abs() < 0.005, "{d:?}");
        assert!(drifting.unsteady());
        let outlier = shape("3.14", "sha256");
        assert_eq!(outlier.outliers, 1);
        assert!(outlier.flagged() && !outlier.unsteady());
    }
}
