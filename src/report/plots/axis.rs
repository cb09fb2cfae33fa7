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
