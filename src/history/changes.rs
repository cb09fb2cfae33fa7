//! Change points: where a series steps to a new level and stays there.
//!
//! Binary segmentation as in E-divisive means (Apache Otava's method): the
//! most likely split of a stretch is tested, kept if significant, and both
//! sides are searched again. The split is where the Mann–Whitney U of the
//! two sides, standardised, peaks (Pettitt's rank statistic, scaled so that
//! a split near either end is not outweighed by one in the middle), and
//! the test is the
//! Mann–Whitney U of the two sides: ranks make one wild run count no more
//! than any other, and need no permutations, so thousands of long series
//! are searched in well under a second. A split is kept when both sides
//! hold at least [`Settings::min_run`] runs (one noisy run is never a
//! change), the step is larger than the points' own intervals and
//! `min_effect`, and the test gives p < `alpha` — or p < `alpha_confirmed`
//! where every point after the split has an interval that stays
//! `min_effect` away from the level before: how a change shows at the newest runs, before it has
//! many runs behind it.

use crate::stats::{Estimate, mann_whitney_u, median, ranks};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Significance level of a split.
    pub alpha: f64,
    /// Significance level of a split whose later points' intervals all
    /// stay `min_effect` away from the earlier level.
    pub alpha_confirmed: f64,
    /// Smallest relative step worth naming.
    pub min_effect: f64,
    /// Fewest runs on each side of a change.
    pub min_run: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            alpha: 0.01,
            alpha_confirmed: 0.05,
            min_effect: 0.05,
            min_run: 2,
        }
    }
}

/// Indices of the points that start a new level, ascending.
pub fn change_points(points: &[Estimate], settings: &Settings) -> Vec<usize> {
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let mut found = Vec::new();
    let mut pending = vec![(0, values.len())];
    while let Some((start, end)) = pending.pop() {
        let Some(split) = best_split(&values[start..end], settings.min_run) else {
            continue;
        };
        let at = start + split;
        if is_change(&points[start..at], &points[at..end], settings) {
            found.push(at);
            pending.push((start, at));
            pending.push((at, end));
        }
    }
    found.sort_unstable();
    found
}

/// Where the standardised rank statistic peaks, both sides at least
/// `min_run` long.
fn best_split(values: &[f64], min_run: usize) -> Option<usize> {
    let n = values.len();
    if n < 2 * min_run {
        return None;
    }
    let ranks = ranks(values);
    // U_t = 2 × (sum of the first t ranks) − t (n + 1), whose variance
    // without ties is t (n − t) (n + 1) / 3.
    let nf = n as f64;
    let mut sum = 0.0;
    let mut best = None;
    let mut peak = -1.0;
    for t in 1..n - min_run + 1 {
        sum += ranks[t - 1];
        let t_f = t as f64;
        let u = (2.0 * sum - t_f * (nf + 1.0)).abs() / (t_f * (nf - t_f) * (nf + 1.0) / 3.0).sqrt();
        if t >= min_run && u > peak {
            (best, peak) = (Some(t), u);
        }
    }
    best
}

fn is_change(before: &[Estimate], after: &[Estimate], settings: &Settings) -> bool {
    let (Some(old), Some(new)) = (level(before), level(after)) else {
        return false;
    };
    let widths: Vec<f64> = before
        .iter()
        .chain(after)
        .filter(|p| p.value > 0.0)
        .map(|p| (p.high - p.low) / 2.0 / p.value)
        .collect();
    let noise = median(&widths).unwrap_or(0.0);
    if old <= 0.0 || ((new - old) / old).abs() <= settings.min_effect.max(noise) {
        return false;
    }
    let values = |points: &[Estimate]| points.iter().map(|p| p.value).collect::<Vec<_>>();
    let Some(test) = mann_whitney_u(&values(before), &values(after)) else {
        return false;
    };
    let margin = old * settings.min_effect;
    let beyond = after
        .iter()
        .all(|p| p.low > old + margin || p.high < old - margin);
    test.p_value < settings.alpha || (beyond && test.p_value < settings.alpha_confirmed)
}

/// The level of a stretch of points: the median of their values.
pub fn level(points: &[Estimate]) -> Option<f64> {
    median(&points.iter().map(|p| p.value).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<Estimate> {
        values
            .iter()
            .map(|&v| Estimate {
                value: v,
                low: v * 0.98,
                high: v * 1.02,
            })
            .collect()
    }

    #[test]
    fn a_step_that_holds_is_found_where_it_starts() {
        let series = points(&[
            1.0, 1.03, 0.98, 1.01, 0.99, 1.02, 1.2, 1.22, 1.19, 1.21, 1.18, 1.2,
        ]);
        assert_eq!(change_points(&series, &Settings::default()), [6]);
    }

    #[test]
    fn one_wild_run_is_not_a_change() {
        let series = points(&[1.0, 1.03, 0.98, 1.01, 2.5, 0.99, 1.02, 1.0, 0.97, 1.01]);
        assert!(change_points(&series, &Settings::default()).is_empty());
    }

    #[test]
    fn a_step_inside_the_points_intervals_is_not_named() {
        let wide: Vec<Estimate> = [1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.05, 1.05, 1.05]
            .iter()
            .map(|&v| Estimate {
                value: v,
                low: v * 0.8,
                high: v * 1.2,
            })
            .collect();
        assert!(change_points(&wide, &Settings::default()).is_empty());
    }

    #[test]
    fn two_runs_whose_intervals_leave_the_old_level_are_a_change() {
        let series = points(&[1.0, 1.03, 0.98, 1.01, 0.99, 1.02, 1.0, 0.97, 1.25, 1.24]);
        assert_eq!(change_points(&series, &Settings::default()), [8]);
    }
}
