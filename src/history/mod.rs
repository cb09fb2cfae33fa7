//! Runs over time: a store of runs' cell summaries (SQLite or PostgreSQL),
//! the series they make, the persistent changes in them, and the trend
//! site.
//!
//! - `entry`, `capture`, `label`: what a run puts in the store, and where
//!   it sits on the axis; `order`: how runs are ordered along it.
//! - `store/`: the tables, their migrations, the two backends.
//! - `series`: the store's cells as series over the axis.
//! - `changes`: change points; `regressions`: changes named in words.
//! - `site/`: the static trend site; `command`: the subcommands.

mod capture;
mod changes;
mod command;
mod entry;
mod label;
mod order;
mod regressions;
mod series;
mod site;
pub mod store;
#[cfg(test)]
mod tests;

pub use changes::{Settings, change_points};
pub use command::{TextFormat, add, regressions, regressions_text, report};
pub use entry::{BuildEntry, CellEntry, RunEntry, WorkloadEntry};
pub use order::{GitHistory, Order};
pub use store::{AddOutcome, Store};
