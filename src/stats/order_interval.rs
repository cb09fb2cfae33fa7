//! The distribution-free confidence interval of a median, from order
//! statistics: it holds for any continuous distribution of independent
//! samples, where a bootstrap of a median from a handful of samples is too
//! narrow (from five samples its "95 %" interval covers the median about
//! two times in three).

use super::Estimate;

/// The median with the interval `[x(k), x(n+1-k)]` of the sorted values,
/// `k` the largest rank at which P(B < k) ≤ (1 − confidence)/2 for
/// B ~ Binomial(n, ½): it covers the true median with at least
/// `confidence`. None when there are too few values for any rank to do
/// (fewer than 6 at 95 %).
pub fn median_interval(values: &[f64], confidence: f64) -> Option<Estimate> {
    let k = lower_rank(values.len(), confidence)?;
    Some(interval_at_rank(values, k))
}

/// [`median_interval`], or where the values are too few for it, their
/// range: it covers the median with probability 1 − 2^(1−n) (94 % at five
/// values) and, as every resampled median lies within it, is never
/// narrower than a bootstrap's. None for no values.
pub fn median_interval_or_range(values: &[f64], confidence: f64) -> Option<Estimate> {
    if values.is_empty() {
        return None;
    }
    let k = lower_rank(values.len(), confidence).unwrap_or(1);
    Some(interval_at_rank(values, k))
}

/// median(numerator) / median(denominator), its interval bounded by the
/// two medians' ([`median_interval_or_range`]): it holds whenever both of
/// theirs do. None if either is empty or the denominator's interval
/// reaches 0.
pub fn ratio_interval(numerator: &[f64], denominator: &[f64], confidence: f64) -> Option<Estimate> {
    let top = median_interval_or_range(numerator, confidence)?;
    let bottom = median_interval_or_range(denominator, confidence)?;
    (bottom.low > 0.0).then(|| Estimate {
        value: top.value / bottom.value,
        low: top.low / bottom.high,
        high: top.high / bottom.low,
    })
}

/// The median with the interval `[x(k), x(n+1-k)]` of the sorted values.
fn interval_at_rank(values: &[f64], k: usize) -> Estimate {
    let n = values.len();
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Estimate {
        value: super::sorted_quantile(&sorted, 0.5),
        low: sorted[k - 1],
        high: sorted[n - k],
    }
}

/// The fewest values that give [`median_interval`] at `confidence` an
/// interval: 6 at 95 %.
pub fn fewest_for_median_interval(confidence: f64) -> usize {
    (1..)
        .find(|&n| lower_rank(n, confidence).is_some())
        .unwrap_or(usize::MAX)
}

/// The rank `k` (from 1) of the interval's lower end, if any will do.
fn lower_rank(n: usize, confidence: f64) -> Option<usize> {
    let tail = (1.0 - confidence.clamp(0.0, 1.0)) / 2.0;
    // P(B = i) in logs: 2^-n underflows past a thousand samples.
    let mut log_term = -(n as f64) * std::f64::consts::LN_2;
    let mut below = 0.0;
    let mut rank = 0;
    for i in 0..n.div_ceil(2) {
        below += log_term.exp();
        if below > tail {
            break;
        }
        rank = i + 1;
        log_term += ((n - i) as f64 / (i + 1) as f64).ln();
    }
    (rank > 0).then_some(rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_match_the_binomial_tables() {
        // The usual 95 % table: n → k.
        for (n, k) in [
            (5, None),
            (6, Some(1)),
            (8, Some(1)),
            (9, Some(2)),
            (20, Some(6)),
        ] {
            assert_eq!(lower_rank(n, 0.95), k, "n = {n}");
        }
        assert_eq!(lower_rank(100, 0.95), Some(40));
        assert!(lower_rank(5000, 0.95).is_some(), "no underflow");
        assert_eq!(lower_rank(6, 0.99), None);
        assert_eq!(fewest_for_median_interval(0.95), 6);
        assert_eq!(fewest_for_median_interval(0.99), 8);
    }

    #[test]
    fn the_interval_brackets_the_median_by_rank() {
        let values: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let e = median_interval(&values, 0.95).unwrap();
        assert_eq!((e.low, e.value, e.high), (6.0, 10.5, 15.0));
        assert_eq!(median_interval(&values[..5], 0.95), None);
        let six = median_interval(&[3.0, 1.0, 2.0, 6.0, 5.0, 4.0], 0.95).unwrap();
        assert_eq!((six.low, six.high), (1.0, 6.0), "the range");
    }

    #[test]
    fn too_few_values_for_an_interval_give_their_range() {
        let five = median_interval_or_range(&[3.0, 1.0, 2.0, 5.0, 4.0], 0.95).unwrap();
        assert_eq!((five.low, five.value, five.high), (1.0, 3.0, 5.0));
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(
            median_interval_or_range(&values, 0.95),
            median_interval(&values, 0.95)
        );
        assert_eq!(median_interval_or_range(&[], 0.95), None);
    }

    #[test]
    fn a_ratio_is_bounded_by_both_medians_intervals() {
        let r = ratio_interval(&[4.0, 5.0, 6.0], &[1.0, 2.0, 4.0], 0.95).unwrap();
        assert_eq!((r.low, r.value, r.high), (1.0, 2.5, 6.0));
        assert_eq!(ratio_interval(&[1.0], &[0.0, 1.0], 0.95), None);
        assert_eq!(ratio_interval(&[], &[1.0], 0.95), None);
    }
}
