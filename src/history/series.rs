//! The store's cells as series: one per machine × build × workload (and
//! its file's hash) × mode × threads × metric, in the axis' order. A new
//! machine or a changed workload file starts a new series, never a step
//! in an old one.

use std::collections::BTreeMap;

use super::entry::CellEntry;
use super::order::{Axis, Order};
use super::store::History;
use crate::format::{fmt_bytes, fmt_seconds, fmt_times};
use crate::stats::Estimate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    Time,
    Speedup,
    /// Time at one thread relative to the run's baseline build.
    Cost,
    Memory,
}

impl Metric {
    pub const ALL: [Metric; 4] = [Metric::Time, Metric::Speedup, Metric::Cost, Metric::Memory];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Time => "time",
            Metric::Speedup => "speedup",
            Metric::Cost => "single-thread cost",
            Metric::Memory => "memory",
        }
    }

    /// A rise is a regression, except for the speedup.
    pub fn higher_is_worse(self) -> bool {
        self != Metric::Speedup
    }

    pub fn of(self, cell: &CellEntry) -> Option<Estimate> {
        match self {
            Metric::Time => cell.time,
            Metric::Speedup => cell.speedup,
            Metric::Cost => cell.cost,
            Metric::Memory => cell.memory_kb.map(Estimate::exact),
        }
    }

    pub fn format(self, value: f64) -> String {
        match self {
            Metric::Time => fmt_seconds(value),
            Metric::Speedup | Metric::Cost => fmt_times(value),
            Metric::Memory => fmt_bytes((value * 1024.0) as i64),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    pub workload: String,
    pub workload_sha256: Option<String>,
    pub mode: String,
    pub threads: u32,
    pub metric: Metric,
    pub build: String,
    pub machine: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Position of the run on the axis ([`Axis::runs`]).
    pub at: usize,
    pub value: Estimate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub key: SeriesKey,
    pub points: Vec<Point>,
}

impl Series {
    pub fn values(&self) -> Vec<Estimate> {
        self.points.iter().map(|p| p.value).collect()
    }
}

/// The axis and every series, in key order. Runs the order leaves out
/// have no points.
pub fn series_of(history: &History, order: &Order) -> (Axis, Vec<Series>) {
    let axis = Axis::of(history, order);
    let mut position = vec![None; history.runs.len()];
    for (at, &run) in axis.runs.iter().enumerate() {
        position[run] = Some(at);
    }
    let mut grouped: BTreeMap<SeriesKey, Vec<Point>> = BTreeMap::new();
    for stored in &history.cells {
        let Some(at) = position[stored.run] else {
            continue;
        };
        let c = &stored.cell;
        for metric in Metric::ALL {
            let Some(value) = metric.of(c) else { continue };
            let key = SeriesKey {
                workload: c.workload.clone(),
                workload_sha256: stored.workload_sha256.clone(),
                mode: c.mode.clone(),
                threads: c.threads,
                metric,
                build: c.build.clone(),
                machine: c.machine.clone(),
            };
            grouped.entry(key).or_default().push(Point { at, value });
        }
    }
    let series = grouped
        .into_iter()
        .map(|(key, mut points)| {
            points.sort_by_key(|p| p.at);
            Series { key, points }
        })
        .collect();
    (axis, series)
}
