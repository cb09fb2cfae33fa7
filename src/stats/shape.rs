//! The shape of a small set of samples (5 to 30 values): two clusters
//! ([`bimodality`]) or a change between the first and the second half
//! ([`drift`]). Both are rules for small samples, chosen so that plain noise
//! of a few percent is rarely flagged while the clusters a JIT that is
//! sometimes on, or a machine that slows down for seconds, produce are.

use super::{mann_whitney_u, median, sorted_quantile};

/// Each side of the widest gap holds at least this share of the values
/// (and at least two).
pub const BIMODAL_MIN_SHARE: f64 = 0.2;
/// The gap is wider than this many times the larger median absolute
/// deviation of the two clusters.
pub const BIMODAL_GAP_MADS: f64 = 4.0;
/// The gap is at least this fraction of the median of all values.
pub const BIMODAL_MIN_GAP: f64 = 0.05;
/// The upper cluster's median is at least this much above the lower's.
pub const BIMODAL_MIN_SEPARATION: f64 = 0.10;
/// The halves' medians differ by at least this much…
pub const DRIFT_MIN_CHANGE: f64 = 0.05;
/// …and a Mann-Whitney test of the halves gives p below this.
pub const DRIFT_ALPHA: f64 = 0.05;

/// One of two clusters: how many values, and their median.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cluster {
    pub count: usize,
    pub centre: f64,
}

/// Two clusters of values with an empty stretch between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bimodality {
    pub low: Cluster,
    pub high: Cluster,
    /// The empty stretch between the highest low and the lowest high value.
    pub gap: f64,
}

/// Whether the values fall into two clusters. The rule, for small samples:
/// sort the values and split them at the widest gap between neighbours
/// that leaves at least two values and [`BIMODAL_MIN_SHARE`] of them on each
/// side. They are bimodal when that gap is
///
/// - wider than [`BIMODAL_GAP_MADS`] times the larger median absolute
///   deviation of the two sides (the clusters are tight compared with the
///   space between them),
/// - at least [`BIMODAL_MIN_GAP`] of the median of all values, and
/// - the upper side's median is at least [`BIMODAL_MIN_SEPARATION`] above
///   the lower side's.
///
/// Fewer than four values are never bimodal. In simulations, normal noise
/// with a coefficient of variation of 5 % is flagged about 5 % of the time
/// with five values, 2.5 % with ten and almost never with twenty; two
/// clusters 15 % apart, each with 2 % noise, are found about 9 times in 10.
pub fn bimodality(values: &[f64]) -> Option<Bimodality> {
    let n = values.len();
    let least = ((BIMODAL_MIN_SHARE * n as f64).ceil() as usize).max(2);
    if n < 2 * least {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // The split index i: the low cluster is sorted[..i].
    let split = (least..=n - least).max_by(|a, b| {
        let gap = |i: &usize| sorted[*i] - sorted[*i - 1];
        gap(a).total_cmp(&gap(b))
    })?;
    let (low, high) = sorted.split_at(split);
    let gap = high[0] - low[low.len() - 1];
    let centre = |side: &[f64]| sorted_quantile(side, 0.5);
    let (low_centre, high_centre) = (centre(low), centre(high));
    let spread = median_absolute_deviation(low).max(median_absolute_deviation(high));
    let tight = gap > BIMODAL_GAP_MADS * spread;
    let wide = gap >= BIMODAL_MIN_GAP * centre(&sorted);
    let apart = high_centre >= low_centre * (1.0 + BIMODAL_MIN_SEPARATION);
    (tight && wide && apart).then_some(Bimodality {
        low: Cluster {
            count: low.len(),
            centre: low_centre,
        },
        high: Cluster {
            count: high.len(),
            centre: high_centre,
        },
        gap,
    })
}

/// Median of the absolute deviations from the median, of sorted values.
fn median_absolute_deviation(sorted: &[f64]) -> f64 {
    let centre = sorted_quantile(sorted, 0.5);
    let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - centre).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    sorted_quantile(&deviations, 0.5)
}

/// The first half of the values against the second, in the order taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drift {
    /// Median of the first half.
    pub first: f64,
    /// Median of the second half.
    pub second: f64,
    /// Of the Mann-Whitney test of the second half against the first.
    pub p_value: f64,
}

impl Drift {
    /// second / first: above 1, the second half was slower.
    pub fn ratio(&self) -> f64 {
        self.second / self.first
    }
}

/// Whether the values, in the order they were taken, drifted: the first
/// ⌊n/2⌋ against the last ⌊n/2⌋ (the middle value of an odd count is in
/// neither), called drift when their medians differ by at least
/// [`DRIFT_MIN_CHANGE`] and a Mann-Whitney test gives p <
/// [`DRIFT_ALPHA`]. Halves of fewer than four values are too small for the
/// test, so fewer than eight values never drift.
pub fn drift(in_order: &[f64]) -> Option<Drift> {
    let half = in_order.len() / 2;
    if half < 4 {
        return None;
    }
    let (first, second) = (&in_order[..half], &in_order[in_order.len() - half..]);
    let d = Drift {
        first: median(first)?,
        second: median(second)?,
        p_value: mann_whitney_u(second, first)?.p_value,
    };
    let large = d.first > 0.0 && (d.ratio() - 1.0).abs() >= DRIFT_MIN_CHANGE;
    (large && d.p_value < DRIFT_ALPHA).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_clusters_of_a_jit_that_is_sometimes_on_are_bimodal() {
        // Countdown on Debian's 3.14 with PYTHON_JIT=1, in seconds.
        let b = bimodality(&[0.313, 0.384, 0.311, 0.385, 0.316]).expect("bimodal");
        assert_eq!((b.low.count, b.high.count), (3, 2));
        assert!((b.low.centre - 0.313).abs() < 1e-12);
        assert!((b.high.centre - 0.3845).abs() < 1e-12);
        assert!((b.gap - 0.068).abs() < 1e-12);
        // The same build without the JIT: one cluster.
        assert_eq!(bimodality(&[0.379, 0.414, 0.381, 0.401, 0.383]), None);
    }

    #[test]
    fn uniform_noise_is_not_bimodal() {
        // ±5 % around 1 s, 20 values in a scrambled order.
        let values: Vec<f64> = (0..20)
            .map(|i| 0.95 + 0.1 * f64::from((i * 7) % 20) / 19.0)
            .collect();
        assert_eq!(bimodality(&values), None);
        // Ten values that are uniform but for one slow one: an outlier, not a cluster.
        let mut one_slow: Vec<f64> = (0..9).map(|i| 1.0 + f64::from(i) * 0.005).collect();
        one_slow.push(1.5);
        assert_eq!(bimodality(&one_slow), None);
    }

    #[test]
    fn bimodality_needs_enough_values_on_each_side_and_a_real_gap() {
        assert_eq!(bimodality(&[1.0, 1.0, 2.0]), None, "too few values");
        assert!(bimodality(&[1.0, 1.01, 1.3, 1.31]).is_some(), "two and two");
        // Clusters 6 % apart: a gap, but too small a difference to matter.
        assert_eq!(bimodality(&[1.0, 1.001, 1.002, 1.06, 1.061]), None);
        // Wide clusters with a gap no wider than their spread.
        assert_eq!(bimodality(&[1.0, 1.05, 1.1, 1.2, 1.25, 1.3]), None);
    }

    #[test]
    fn a_stepwise_slowdown_is_drift() {
        // The first half 12 % slower than the second, with ±1 % noise.
        let noise = |i: u32| 1.0 + (f64::from(i % 5) - 2.0) * 0.005;
        let values: Vec<f64> = (0..20)
            .map(|i| if i < 10 { 1.12 } else { 1.0 } * noise(i))
            .collect();
        let d = drift(&values).expect("drift");
        assert!((d.ratio() - 1.0 / 1.12).abs() < 0.01, "{d:?}");
        assert!(d.p_value < 0.001, "{d:?}");
        // The other way round: the second half slower.
        let later: Vec<f64> = values.iter().rev().copied().collect();
        assert!((drift(&later).unwrap().ratio() - 1.12).abs() < 0.01);
    }

    #[test]
    fn steady_or_short_series_do_not_drift() {
        let steady: Vec<f64> = (0..20)
            .map(|i| 1.0 + f64::from((i * 7) % 11) * 0.004)
            .collect();
        assert_eq!(drift(&steady), None);
        // A clear step, but too few values for the test.
        assert_eq!(drift(&[1.0, 1.0, 1.0, 1.2, 1.2, 1.2]), None);
        assert!(drift(&[1.0, 1.01, 1.0, 1.01, 1.2, 1.21, 1.2, 1.21]).is_some());
        // Significant but small: 2 %.
        let small: Vec<f64> = (0..20)
            .map(|i| if i < 10 { 1.0 } else { 1.02 } + f64::from(i % 3) * 0.001)
            .collect();
        assert_eq!(drift(&small), None);
        assert_eq!(drift(&[]), None);
    }
}
