//! Percentile-bootstrap intervals of a median and of a ratio of medians,
//! with a seeded RNG so that the same values always give the same interval.
//!
//! A report bootstraps every cell of a run, thousands of resamples each,
//! so the resampling is made cheap without changing a single result: the
//! values are ranked once, a resample only counts how often each rank was
//! drawn, and its median is read off those counts (the same order
//! statistic, bit for bit, that sorting the resample would give); the
//! interval's two quantiles are selected rather than sorted for.

use rand::SeedableRng;
use rand::distr::uniform::{UniformSampler, UniformUsize};
use rand::rngs::Xoshiro256PlusPlus;

use super::{Estimate, median};

/// Percentile bootstrap: resample with replacement, recompute the
/// statistic, take the middle `confidence` of its distribution. The RNG is
/// seeded, so intervals are reproducible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub resamples: usize,
    /// E.g. 0.95 for a 95 % interval.
    pub confidence: f64,
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap {
            resamples: 2000,
            confidence: 0.95,
            seed: 0x6769_6c62_656e_6368, // "gilbench"
        }
    }
}

impl Bootstrap {
    /// The same settings with the seed mixed with `salt` (e.g. a cell's
    /// name), so that each cell draws its own, still reproducible, stream.
    pub fn salted(self, salt: &str) -> Bootstrap {
        Bootstrap {
            seed: self.seed ^ fnv1a(salt.as_bytes()),
            ..self
        }
    }

    /// The median with its bootstrap interval.
    pub fn median(&self, values: &[f64]) -> Option<Estimate> {
        let value = median(values)?;
        if values.len() == 1 {
            return Some(Estimate::exact(value));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut ranked = Ranked::new(values);
        let stats: Vec<f64> = (0..self.resamples.max(1))
            .map(|_| ranked.resampled_median(&mut rng))
            .collect();
        Some(self.interval(value, stats))
    }

    /// median(numerator) / median(denominator), both resampled independently.
    /// None if either is empty or the denominator's median is not > 0.
    pub fn ratio_of_medians(&self, numerator: &[f64], denominator: &[f64]) -> Option<Estimate> {
        let (top, bottom) = (median(numerator)?, median(denominator)?);
        if bottom.is_nan() || bottom <= 0.0 {
            return None;
        }
        let value = top / bottom;
        if numerator.len() == 1 && denominator.len() == 1 {
            return Some(Estimate::exact(value));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let (mut top, mut bottom) = (Ranked::new(numerator), Ranked::new(denominator));
        let stats: Vec<f64> = (0..self.resamples.max(1))
            .map(|_| {
                let t = top.resampled_median(&mut rng);
                let b = bottom.resampled_median(&mut rng);
                t / b
            })
            .filter(|r| r.is_finite())
            .collect();
        if stats.is_empty() {
            return Some(Estimate::exact(value));
        }
        Some(self.interval(value, stats))
    }

    fn interval(&self, value: f64, mut stats: Vec<f64>) -> Estimate {
        let tail = (1.0 - self.confidence.clamp(0.0, 1.0)) / 2.0;
        Estimate {
            value,
            low: selected_quantile(&mut stats, tail),
            high: selected_quantile(&mut stats, 1.0 - tail),
        }
    }
}

/// Values ranked once, for resampling them many times.
struct Ranked {
    /// The values in ascending order.
    sorted: Vec<f64>,
    /// The rank, in `sorted`, of each value as given.
    rank: Vec<usize>,
    /// How often each rank was drawn in the current resample.
    drawn: Vec<usize>,
}

impl Ranked {
    fn new(values: &[f64]) -> Ranked {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
        let mut rank = vec![0; values.len()];
        for (r, i) in order.iter().enumerate() {
            rank[*i] = r;
        }
        Ranked {
            sorted: order.iter().map(|i| values[*i]).collect(),
            rank,
            drawn: vec![0; values.len()],
        }
    }

    /// The median of a resample of as many values, drawn with replacement
    /// (the same draws, in the same order, as indexing the values would
    /// take).
    fn resampled_median(&mut self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        let n = self.rank.len();
        self.drawn.fill(0);
        for _ in 0..n {
            // What `rng.random_range(0..n)` draws, called directly: the
            // check that the range is not empty stays out of this loop.
            let drawn = UniformUsize::sample_single(0, n, rng).expect("n > 0");
            self.drawn[self.rank[drawn]] += 1;
        }
        // The values at positions (n - 1) / 2 and n / 2 of the sorted
        // resample, in one walk up the ranks: the same one for odd n.
        let (mut lower, mut seen) = (None, 0);
        for (value, count) in self.sorted.iter().zip(&self.drawn) {
            seen += count;
            if seen > (n - 1) / 2 {
                let lower = *lower.get_or_insert(*value);
                if seen > n / 2 {
                    return if n % 2 == 1 {
                        *value
                    } else {
                        (lower + *value) / 2.0
                    };
                }
            }
        }
        unreachable!("a resample has n values")
    }
}

/// The linear-interpolated quantile `q` of `values` (not empty), as
/// [`super::quantile`] computes it, from the two order statistics it
/// interpolates between, selected in place instead of sorting them all.
fn selected_quantile(values: &mut [f64], q: f64) -> f64 {
    let position = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let low = position.floor() as usize;
    let (_, at_low, above) = values.select_nth_unstable_by(low, f64::total_cmp);
    let at_low = *at_low;
    let at_high = if position.ceil() as usize > low {
        above
            .iter()
            .copied()
            .min_by(f64::total_cmp)
            .unwrap_or(at_low)
    } else {
        at_low
    };
    at_low + (at_high - at_low) * (position - low as f64)
}

/// 64-bit FNV-1a: a hash that is stable across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantile;
    use rand::RngExt;

    #[test]
    fn bootstrap_is_reproducible_and_brackets_the_median() {
        let values: Vec<f64> = (0..20).map(|i| 1.0 + f64::from(i % 7) * 0.01).collect();
        let b = Bootstrap::default();
        let first = b.median(&values).unwrap();
        assert_eq!(first, b.median(&values).unwrap(), "seeded");
        assert!(first.low <= first.value && first.value <= first.high);
        assert!(first.high - first.low < 0.07);
        let other = b.salted("another cell").median(&values).unwrap();
        assert_eq!(other.value, first.value);
        assert_eq!(b.median(&[2.0]), Some(Estimate::exact(2.0)));
        assert_eq!(b.median(&[]), None);
    }

    /// The bootstrap as first written: copy each resample and sort it.
    fn by_sorting(b: &Bootstrap, numerator: &[f64], denominator: Option<&[f64]>) -> Estimate {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(b.seed);
        let mut resample = |values: &[f64]| {
            let drawn: Vec<f64> = (0..values.len())
                .map(|_| values[rng.random_range(0..values.len())])
                .collect();
            median(&drawn).unwrap()
        };
        let mut stats: Vec<f64> = (0..b.resamples)
            .map(|_| match denominator {
                None => resample(numerator),
                Some(d) => resample(numerator) / resample(d),
            })
            .collect();
        stats.sort_by(f64::total_cmp);
        let value = median(numerator).unwrap() / denominator.map_or(1.0, |d| median(d).unwrap());
        Estimate {
            value,
            low: quantile(&stats, 0.025).unwrap(),
            high: quantile(&stats, 0.975).unwrap(),
        }
    }

    #[test]
    fn counting_ranks_gives_the_intervals_sorting_each_resample_gave() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for n in [2, 3, 5, 6, 19, 20, 41] {
            // Few distinct values, so that ties are common.
            let mut values = || -> Vec<f64> {
                (0..n)
                    .map(|_| 1.0 + f64::from(rng.random_range(0..9u8)) * 0.013)
                    .collect()
            };
            let (a, d) = (values(), values());
            let b = Bootstrap::default().salted(&format!("{n}"));
            assert_eq!(b.median(&a).unwrap(), by_sorting(&b, &a, None), "n = {n}");
            assert_eq!(
                b.ratio_of_medians(&a, &d).unwrap(),
                by_sorting(&b, &a, Some(&d)),
                "n = {n}"
            );
        }
    }
}
