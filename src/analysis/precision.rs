//! How precisely a cell's measurements pin down what the reports state: its
//! median and, above one worker, its speedup. A run with a precision goal
//! repeats cells until this reaches it (`run::rounds`); the reports show it.
//!
//! The median's precision is the wider side of its distribution-free 95 %
//! interval ([`median_interval`]) over the median. The speedup is a ratio of
//! two independent medians, so its relative error is theirs combined in
//! quadrature.

use std::collections::BTreeMap;

use crate::results::machine::counted_and_set_aside;
use crate::results::{CellKey, CellPrecision, SampleRecord};
use crate::stats::{fewest_for_median_interval, median_interval};

/// The confidence of every precision.
pub const CONFIDENCE: f64 = 0.95;

/// Measured samples per cell when `--repeat` is not given.
pub const DEFAULT_REPEAT: u32 = 5;
/// The precision goal when `--repeat` is not given: ±5 %.
pub const DEFAULT_TARGET: f64 = 0.05;

/// `--max-repeat` when not given: four times `--repeat`, and at least 20.
pub fn default_max_repeat(repeat: u32) -> u32 {
    repeat.saturating_mul(4).max(20)
}

/// Checks that `max_repeat` samples of a cell can ever reach a precision
/// goal; if not, the error is the fewest samples a median's interval needs.
pub fn check_max_repeat(max_repeat: u32) -> Result<(), usize> {
    let fewest = fewest_for_median_interval(CONFIDENCE);
    if (max_repeat as usize) < fewest {
        return Err(fewest);
    }
    Ok(())
}

/// How well one statistic is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Known {
    /// Too few samples for a distribution-free interval (fewer than 6).
    TooFewSamples,
    /// To within ± this fraction of its value (0.02: ±2 %).
    Within(f64),
}

impl Known {
    /// The relative error; infinite when unknown, so that it compares as
    /// the worst.
    pub fn error(self) -> f64 {
        match self {
            Known::TooFewSamples => f64::INFINITY,
            Known::Within(e) => e,
        }
    }

    pub fn within(self, target: f64) -> bool {
        self.error() <= target
    }

    pub fn fraction(self) -> Option<f64> {
        match self {
            Known::TooFewSamples => None,
            Known::Within(e) => Some(e),
        }
    }
}

/// A cell's precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    pub median: Known,
    /// None where the cell has no speedup: one worker, or nothing measured
    /// at one worker.
    pub speedup: Option<Known>,
}

impl Precision {
    /// From a cell's wall times and, above one worker, those of the same
    /// build, workload and mode at one worker.
    pub fn of(walls: &[f64], one_worker: Option<&[f64]>) -> Precision {
        let median = median_precision(walls);
        let speedup =
            one_worker
                .filter(|w| !w.is_empty())
                .map(|one| match (median, median_precision(one)) {
                    (Known::Within(n), Known::Within(o)) => Known::Within(n.hypot(o)),
                    _ => Known::TooFewSamples,
                });
        Precision { median, speedup }
    }

    /// The less precise of the median and the speedup.
    pub fn reached(&self) -> Known {
        match self.speedup {
            Some(s) if s.error() > self.median.error() => s,
            _ => self.median,
        }
    }
}

fn median_precision(walls: &[f64]) -> Known {
    match median_interval(walls, CONFIDENCE) {
        Some(e) if e.value > 0.0 => {
            Known::Within((e.high - e.value).max(e.value - e.low) / e.value)
        }
        _ => Known::TooFewSamples,
    }
}

/// Each cell's measured wall times: the one grouping of samples into
/// cells that every precision is computed over, whether the run driver
/// decides which cells to repeat, a run or merge records its precision, or
/// a report shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellWalls(BTreeMap<CellKey, Vec<f64>>);

impl CellWalls {
    /// The wall times of the measurements among `samples` (not warmups,
    /// not failed, not disturbed), by cell. Which samples count at all (a
    /// machine's, a round's) is the caller's choice.
    pub fn of<'r>(samples: impl IntoIterator<Item = &'r SampleRecord>) -> CellWalls {
        let mut walls: BTreeMap<CellKey, Vec<f64>> = BTreeMap::new();
        for record in samples.into_iter().filter(|r| r.is_measurement()) {
            if let Some(wall) = record.sample.wall_s() {
                walls.entry(record.cell()).or_default().push(wall);
            }
        }
        CellWalls(walls)
    }

    /// The wall times of cell `key`.
    pub fn get(&self, key: &CellKey) -> Option<&[f64]> {
        self.0.get(key).map(Vec::as_slice)
    }

    /// The cells of `build` and their wall times.
    pub fn cells_of<'w>(
        &'w self,
        build: &'w str,
    ) -> impl Iterator<Item = (&'w CellKey, &'w [f64])> {
        self.0
            .iter()
            .filter(move |(key, _)| key.build == build)
            .map(|(key, walls)| (key, walls.as_slice()))
    }

    /// The precision of cell `key`, with its speedup against the cell of
    /// the same build, workload and mode at one worker.
    pub fn precision(&self, key: &CellKey) -> Precision {
        let one = CellKey {
            threads: 1,
            ..key.clone()
        };
        let one_worker = (key.threads > 1).then(|| self.0.get(&one)).flatten();
        Precision::of(
            self.0.get(key).map_or(&[], Vec::as_slice),
            one_worker.map(Vec::as_slice),
        )
    }

    /// The precision of every cell with a measurement, as `results.json`
    /// records it.
    pub fn records(&self) -> Vec<CellPrecision> {
        self.0
            .iter()
            .map(|(key, values)| {
                let p = self.precision(key);
                CellPrecision {
                    build: key.build.clone(),
                    workload: key.workload.clone(),
                    mode: key.mode,
                    threads: key.threads,
                    samples: values.len(),
                    median: p.median.fraction(),
                    speedup: p.speedup.and_then(Known::fraction),
                    reached: p.reached().fraction(),
                }
            })
            .collect()
    }
}

/// The precision of every measured cell of a run, as `results.json`
/// records it: over the samples the statistics use (see
/// [`counted_and_set_aside`]).
pub fn records(samples: &[SampleRecord]) -> Vec<CellPrecision> {
    CellWalls::of(counted_and_set_aside(samples).0).records()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` wall times spread evenly by ±`spread` around 1 s.
    fn spread(n: usize, spread: f64) -> Vec<f64> {
        (0..n)
            .map(|i| 1.0 + spread * (2.0 * i as f64 / (n - 1) as f64 - 1.0))
            .collect()
    }

    #[test]
    fn a_median_needs_six_samples_and_is_known_to_its_interval() {
        assert_eq!(
            Precision::of(&spread(5, 0.01), None).median,
            Known::TooFewSamples
        );
        let six = Precision::of(&spread(6, 0.01), None);
        // Six samples: the interval is their range, ±1 %.
        assert!((six.median.error() - 0.01).abs() < 1e-9, "{six:?}");
        assert_eq!(six.speedup, None);
        assert_eq!(six.reached(), six.median);
        // More samples narrow it to inner ranks.
        let many = Precision::of(&spread(40, 0.01), None);
        assert!(many.median.error() < 0.005, "{many:?}");
    }

    #[test]
    fn a_speedup_combines_both_medians() {
        let p = Precision::of(&spread(6, 0.03), Some(&spread(6, 0.04)));
        let s = p.speedup.unwrap().error();
        assert!((s - 0.05).abs() < 1e-9, "3 % and 4 % make 5 %: {s}");
        assert_eq!(p.reached(), p.speedup.unwrap());
        assert!(!p.reached().within(0.049) && p.reached().within(0.051));
        let unknown = Precision::of(&spread(6, 0.03), Some(&spread(3, 0.0)));
        assert_eq!(unknown.speedup, Some(Known::TooFewSamples));
        assert_eq!(unknown.reached(), Known::TooFewSamples);
        assert_eq!(Precision::of(&spread(6, 0.03), Some(&[])).speedup, None);
    }

    #[test]
    fn the_default_cap_is_four_times_the_minimum_and_at_least_twenty() {
        assert_eq!(default_max_repeat(DEFAULT_REPEAT), 20);
        assert_eq!(default_max_repeat(10), 40);
        assert_eq!(default_max_repeat(1), 20);
    }

    #[test]
    fn a_cap_below_six_samples_can_never_reach_a_goal() {
        assert_eq!(check_max_repeat(5), Err(6));
        assert_eq!(check_max_repeat(6), Ok(()));
    }
}
