//! An axis for charts whose ticks are given, not chosen by plotters.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A linear f64 axis whose ticks are exactly the given points (the thread
/// counts, or the centres of categories). plotters' `WithKeyPoints` over
/// f64 cannot take a custom label formatter, this can.
#[derive(Clone)]
pub(crate) struct KeyAxis {
    pub low: f64,
    pub high: f64,
    pub ticks: Vec<f64>,
}

impl KeyAxis {
    pub fn new(low: f64, high: f64, ticks: Vec<f64>) -> KeyAxis {
        KeyAxis { low, high, ticks }
    }
}

impl Ranged for KeyAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if self.high == self.low {
            return (limit.0 + limit.1) / 2;
        }
        let fraction = (value - self.low) / (self.high - self.low);
        let length = f64::from(limit.1 - limit.0);
        limit.0 + (length * fraction).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.low..self.high
    }
}

/// About `count` round ticks (1, 2, 2.5 or 5 × 10^k apart) within
/// `low..=high`.
pub(crate) fn linear_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    let range = high - low;
    if range <= 0.0 || !range.is_finite() {
        return vec![low];
    }
    let rough = range / count.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Round ticks for a logarithmic axis within `low..=high` (both above 0):
/// 1, 2 and 5 × 10^k, or, when that gives fewer than four, evenly spaced
/// round numbers (the range is then narrow enough for them to read well).
pub(crate) fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    if low <= 0.0 || low.is_nan() || high < low || !high.is_finite() {
        return Vec::new();
    }
    let (from, to) = (low.log10().floor() as i32, high.log10().ceil() as i32);
    let ticks: Vec<f64> = (from..=to)
        .flat_map(|p| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(p)))
        .filter(|v| *v >= low * (1.0 - 1e-9) && *v <= high * (1.0 + 1e-9))
        .collect();
    if ticks.len() >= 4 {
        ticks
    } else {
        linear_ticks(low, high, 5)
    }
}

/// A tick value without needless digits: 0.3, 2.5, 313.
pub(crate) fn tick_label(value: f64) -> String {
    format!("{}", (value * 1e4).round() / 1e4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_within_the_range() {
        assert_eq!(linear_ticks(305.0, 392.0, 5), [320.0, 340.0, 360.0, 380.0]);
        assert_eq!(linear_ticks(0.0, 1.0, 4), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(linear_ticks(2.0, 2.0, 5), [2.0]);
        let labels = |ticks: Vec<f64>| ticks.into_iter().map(tick_label).collect::<Vec<_>>();
        assert_eq!(labels(log_ticks(0.8, 4.2)), ["1", "2", "3", "4"]);
        assert_eq!(
            labels(log_ticks(0.358, 1.35)),
            ["0.4", "0.6", "0.8", "1", "1.2"]
        );
        assert_eq!(
            labels(log_ticks(0.09, 11.0)),
            ["0.1", "0.2", "0.5", "1", "2", "5", "10"]
        );
        assert!(log_ticks(0.0, 1.0).is_empty());
        assert_eq!(tick_label(0.30000000000000004), "0.3");
        assert_eq!(tick_label(313.0), "313");
    }
}
