//! Between the statistics and the reports: what a run's samples mean.
//!
//! - `summary`: one [`CellSummary`] per build × workload × mode × threads
//!   (measurements, failures, median with its interval, speedup), gathered
//!   in a [`RunSummary`].
//!
//! Built on `stats` (pure numerics); `report` renders what is here.

pub mod summary;

pub use summary::{CellSummary, Counts, Failure, Measurement, RunSummary, summarize};
