//! Between the statistics and the reports: what a run's samples mean.
//!
//! - `summary`: one [`CellSummary`] per build × workload × mode × threads
//!   (measurements, failures, median with its interval, speedup, the
//!   [`Shape`] of its samples), gathered in a [`RunSummary`].
//! - `view`: the [`Analysis`] every renderer reads: the summary plus the
//!   orders in which builds, workloads, modes and thread counts are shown,
//!   the baseline build and the cores available.
//! - `compare`: two runs, or two builds of one run, cell by cell.
//! - `gate`: package variants of one run against the base variant, with
//!   the confirmation of what the first judgement fails.
//! - `packages`: the packages builds hold differently that a workload imports.
//! - `parallel`: spreading the bootstraps of every cell, or the runs a
//!   history adds, over the cores.
//! - `precision`: how precisely each cell's median and speedup are known,
//!   over one grouping of the samples into cells ([`precision::CellWalls`]),
//!   and the precision goal's defaults.
//!
//! Built on `stats` (pure numerics); `report` renders what is here.

pub mod compare;
#[cfg(test)]
pub(crate) mod fixture;
pub mod gate;
pub mod packages;
mod parallel;
pub mod precision;
pub mod summary;
mod view;

pub(crate) use parallel::parallel_in_order;
pub use precision::{Known, Precision};
pub use summary::{CellSummary, Counts, Failure, Measurement, RunSummary, Shape, summarize};
pub use view::Analysis;
pub(crate) use view::{baseline_of, shown_builds};
