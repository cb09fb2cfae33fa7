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
use crate::stats::median_interval;

/// The confidence of every precision.
pub const CONFIDENCE: f64 = 0.95;

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

    /// The cell's precision in `walls` (every cell's wall times), with the
    /// speedup against its one-worker cell there.
    pub fn in_cells(walls: &BTreeMap<CellKey, Vec<f64>>, key: &CellKey) -> Precision {
        let one = CellKey {
            threads: 1,
            ..key.clone()
        };
        let one_worker = (key.threads > 1).then(|| walls.get(&one)).flatten();
        Precision::of(
            walls.get(key).map_or(&[], Vec::as_slice),
            one_worker.map(Vec::as_slice),
        )
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

/// Each cell's measured wall times (not warmups, not disturbed, not set
/// aside for another machine), counting only rounds before `before_repeat`
/// when given.
pub fn walls_by_cell(
    samples: &[SampleRecord],
    before_repeat: Option<u32>,
) -> BTreeMap<CellKey, Vec<f64>> {
    let mut walls: BTreeMap<CellKey, Vec<f64>> = BTreeMap::new();
    for record in counted_and_set_aside(samples).0 {
        if !record.is_measurement() || before_repeat.is_some_and(|r| record.repeat >= r) {
            continue;
        }
        if let Some(wall) = record.sample.wall_s() {
            walls.entry(record.cell()).or_default().push(wall);
        }
    }
    walls
}

/// The precision of every measured cell, as `results.json` records it.
pub fn records(samples: &[SampleRecord]) -> Vec<CellPrecision> {
    let walls = walls_by_cell(samples, None);
    walls
        .iter()
        .map(|(key, values)| {
            let p = Precision::in_cells(&walls, key);
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
}
