//! Pure statistics over slices of numbers: nothing here knows about runs,
//! cells or reports (those are in `analysis`).
//!
//! - Order statistics on slices of seconds: [`median`], [`quantile`],
//!   [`mean`], [`std_dev`], gathered in a [`Distribution`].
//! - Percentile-bootstrap confidence intervals with a seeded RNG, so the same
//!   results always give the same intervals ([`Bootstrap`]).
//! - The distribution-free interval of a median from order statistics
//!   ([`median_interval`]), sound from six samples on, and a ratio of
//!   medians bounded by two such intervals ([`ratio_interval`]).
//! - Speedup and parallel efficiency for weak and strong scaling
//!   ([`scaling`]).
//! - Outliers are flagged with Tukey's fences, never dropped
//!   ([`tukey_outliers`]).
//! - The Mann-Whitney U test ([`mann_whitney_u`]) and the geometric mean, for
//!   comparisons.
//! - The shape of a cell's samples: two clusters ([`bimodality`]) or a
//!   change between the first and second half ([`drift`]), in `shape.rs`.

mod bootstrap;
mod order_interval;
mod shape;

pub use bootstrap::Bootstrap;

pub use order_interval::{
    fewest_for_median_interval, median_interval, median_interval_or_range, ratio_interval,
};
pub use shape::{
    BIMODAL_GAP_MADS, BIMODAL_MIN_GAP, BIMODAL_MIN_SEPARATION, BIMODAL_MIN_SHARE, Bimodality,
    Cluster, DRIFT_ALPHA, DRIFT_MIN_CHANGE, Drift, bimodality, drift,
};

/// Median of the values (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// Linear-interpolated quantile `q` in [0, 1] (the "type 7" definition
/// used by numpy and R by default).
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted_quantile(&sorted, q))
}

/// [`quantile`] of values already sorted in ascending order (not empty).
fn sorted_quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (n − 1); None for fewer than two values.
pub fn std_dev(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let variance = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    Some(variance.sqrt())
}

/// The least-squares slope of y against x; None for fewer than two
/// distinct x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let (mx, my) = (mean(&xs)?, mean(&ys)?);
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Geometric mean of positive values; None if empty or any value is not > 0.
pub fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return None;
    }
    Some((values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// The usual summary of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distribution {
    pub n: usize,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
    pub mean: f64,
    /// None for a single value.
    pub std_dev: Option<f64>,
}

impl Distribution {
    pub fn of(values: &[f64]) -> Option<Distribution> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Distribution {
            n: sorted.len(),
            min: sorted[0],
            q1: sorted_quantile(&sorted, 0.25),
            median: sorted_quantile(&sorted, 0.5),
            q3: sorted_quantile(&sorted, 0.75),
            max: sorted[sorted.len() - 1],
            mean: mean(&sorted)?,
            std_dev: std_dev(&sorted),
        })
    }

    /// Interquartile range, q3 − q1.
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }
}

/// Flags the values outside Tukey's fences (1.5 IQR beyond the quartiles).
/// The result is parallel to `values`. Fewer than four values are never
/// flagged: their quartiles say too little.
pub fn tukey_outliers(values: &[f64]) -> Vec<bool> {
    match Distribution::of(values) {
        Some(d) if values.len() >= 4 => {
            let (low, high) = (d.q1 - 1.5 * d.iqr(), d.q3 + 1.5 * d.iqr());
            values.iter().map(|v| *v < low || *v > high).collect()
        }
        _ => vec![false; values.len()],
    }
}

/// A point estimate with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    pub fn exact(value: f64) -> Estimate {
        Estimate {
            value,
            low: value,
            high: value,
        }
    }

    /// The same estimate multiplied by a positive constant.
    pub fn scaled(self, factor: f64) -> Estimate {
        Estimate {
            value: self.value * factor,
            low: self.low * factor,
            high: self.high * factor,
        }
    }

    /// True if `x` lies outside the interval.
    pub fn excludes(self, x: f64) -> bool {
        x < self.low || x > self.high
    }
}

/// How a workload's work grows with its workers, which decides what a
/// speedup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingKind {
    /// Each worker does a fixed unit.
    Weak,
    /// A fixed total is split among the workers.
    Strong,
}

/// Speedup and parallel efficiency at N workers, with intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalingEstimate {
    pub speedup: Estimate,
    pub efficiency: Estimate,
}

/// Speedup and efficiency at `threads` workers from the wall times with one
/// worker (`t1`) and with `threads` workers (`tn`), per workloads/README.md:
///
/// | | weak | strong |
/// | --- | --- | --- |
/// | speedup(N) | N·T(1)/T(N) | T(1)/T(N) |
/// | efficiency(N) | T(1)/T(N) | speedup(N)/N |
///
/// T is the median; the interval bootstraps the ratio of medians.
pub fn scaling(
    kind: ScalingKind,
    threads: u32,
    t1: &[f64],
    tn: &[f64],
    bootstrap: &Bootstrap,
) -> Option<ScalingEstimate> {
    let ratio = bootstrap.ratio_of_medians(t1, tn)?;
    Some(ScalingEstimate::of_ratio(kind, threads, ratio))
}

impl ScalingEstimate {
    /// From T(1)/T(N), the ratio of the medians, as [`scaling`] defines them.
    pub fn of_ratio(kind: ScalingKind, threads: u32, ratio: Estimate) -> ScalingEstimate {
        let n = f64::from(threads.max(1));
        match kind {
            ScalingKind::Weak => ScalingEstimate {
                speedup: ratio.scaled(n),
                efficiency: ratio,
            },
            ScalingKind::Strong => ScalingEstimate {
                speedup: ratio,
                efficiency: ratio.scaled(1.0 / n),
            },
        }
    }
}

/// Result of a two-sided Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankTest {
    /// U of the first sample.
    pub u: f64,
    pub z: f64,
    pub p_value: f64,
}

/// Two-sided Mann-Whitney U test with the normal approximation, tie
/// correction and continuity correction. None if either side is empty.
pub fn mann_whitney_u(a: &[f64], b: &[f64]) -> Option<RankTest> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let ranked = ranks(&all);
    let rank_sum_a: f64 = ranked[..a.len()].iter().sum();
    let mut sorted = all;
    sorted.sort_by(f64::total_cmp);
    let tie_term: f64 = sorted
        .chunk_by(|x, y| x == y)
        .map(|ties| (ties.len() as f64).powi(3) - ties.len() as f64)
        .sum();
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mu = n1 * n2 / 2.0;
    let total = n1 + n2;
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    if variance.is_nan() || variance <= 0.0 {
        return Some(RankTest {
            u,
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = ((u - mu).abs() - 0.5).max(0.0) / variance.sqrt();
    Some(RankTest {
        u,
        z,
        p_value: erfc(z / std::f64::consts::SQRT_2).min(1.0),
    })
}

/// Ranks from 1, ties sharing their average rank.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = rank;
        }
        start = end + 1;
    }
    ranks
}

/// Complementary error function (Numerical Recipes' `erfcc`, fractional
/// error below 1.2e-7): enough for p-values.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistics_match_the_usual_definitions() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), Some(2.0));
        assert_eq!(median(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 3.0]), Some(2.0));
        let sd = std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert!((sd - 2.138).abs() < 1e-3, "{sd}");
        assert_eq!(std_dev(&[1.0]), None);
    }

    #[test]
    fn distribution_summarises_and_outliers_are_flagged_not_dropped() {
        let values = [1.0, 1.1, 0.9, 1.05, 0.95, 5.0];
        let d = Distribution::of(&values).unwrap();
        assert_eq!(d.n, 6);
        assert_eq!((d.min, d.max), (0.9, 5.0));
        assert!((d.median - 1.025).abs() < 1e-12);
        let flags = tukey_outliers(&values);
        assert_eq!(flags, [false, false, false, false, false, true]);
        assert_eq!(
            tukey_outliers(&[1.0, 9.0, 1.0]),
            [false; 3],
            "too few to judge"
        );
        assert_eq!(Distribution::of(&[]), None);
    }

    #[test]
    fn ratio_of_medians_and_scaling_follow_the_definitions() {
        let b = Bootstrap::default();
        let t1 = [1.0, 1.01, 0.99, 1.0, 1.02];
        let t4_gil = [4.0, 4.04, 3.96, 4.0, 4.08];
        let t4_free = [1.0, 1.01, 0.99, 1.0, 1.02];
        let gil = scaling(ScalingKind::Weak, 4, &t1, &t4_gil, &b).unwrap();
        assert!((gil.speedup.value - 1.0).abs() < 1e-9);
        assert!((gil.efficiency.value - 0.25).abs() < 1e-9);
        let free = scaling(ScalingKind::Weak, 4, &t1, &t4_free, &b).unwrap();
        assert!((free.speedup.value - 4.0).abs() < 1e-9);
        assert!(free.speedup.low <= 4.0 && free.speedup.high >= 4.0);
        let strong = scaling(
            ScalingKind::Strong,
            4,
            &t1,
            &[0.25, 0.26, 0.25, 0.24, 0.25],
            &b,
        )
        .unwrap();
        assert!((strong.speedup.value - 4.0).abs() < 1e-9);
        assert!((strong.efficiency.value - 1.0).abs() < 1e-9);
        assert_eq!(b.ratio_of_medians(&[1.0], &[0.0]), None);
    }

    #[test]
    fn mann_whitney_matches_the_normal_approximation() {
        // As scipy.stats.mannwhitneyu(a, b, method="asymptotic") computes it.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [6.0, 7.0, 8.0, 9.0, 10.0];
        let t = mann_whitney_u(&a, &b).unwrap();
        assert_eq!(t.u, 0.0);
        assert!((t.p_value - 0.01219).abs() < 1e-4, "{t:?}");
        // With ties: a=[1,2,2,3,3], b=[2,3,4,4,5] → U=4, p≈0.0857.
        let t = mann_whitney_u(&[1.0, 2.0, 2.0, 3.0, 3.0], &[2.0, 3.0, 4.0, 4.0, 5.0]).unwrap();
        assert_eq!(t.u, 4.0);
        assert!((t.p_value - 0.08567).abs() < 1e-4, "{t:?}");
        let same = mann_whitney_u(&[1.0; 5], &[1.0; 5]).unwrap();
        assert_eq!(same.p_value, 1.0);
        assert_eq!(mann_whitney_u(&[], &[1.0]), None);
    }

    #[test]
    fn geometric_mean_of_ratios() {
        let g = geometric_mean(&[2.0, 0.5, 1.0]).unwrap();
        assert!((g - 1.0).abs() < 1e-12);
        assert!((geometric_mean(&[1.2, 1.2]).unwrap() - 1.2).abs() < 1e-12);
        assert_eq!(geometric_mean(&[1.0, 0.0]), None);
        assert_eq!(geometric_mean(&[]), None);
    }

    #[test]
    fn erfc_is_accurate_enough() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_2).abs() < 1e-6);
        assert!((erfc(-1.0) - 1.842_700_8).abs() < 1e-6);
    }
}
