//! `gilbench run`: the whole matrix, one sample at a time, with nothing lost.
//!
//! A run goes through four phases: set up (`setup`: a new folder and
//! journal header, or the journal of a run being resumed), open the
//! sources (`docker/`: images and one hardened container per build on each
//! engine; `local.rs`: the host's interpreters), measure (`measure` takes
//! the samples `plan` orders, with extra rounds for a precision goal in
//! `rounds`, over one or several sources in `distribute`), and finish
//! (results.json and the report: `phases`). Every sample goes through the
//! [`SampleSource`](source::SampleSource) seam; every event feeds the
//! progress display (`progress`, with the time `estimate`), the journal and
//! the aggregator (`events`). A dead container is replaced, a failing cell
//! is recorded and skipped, Ctrl-C and a lost engine stop cleanly with
//! partial results and a resumable journal.

mod distribute;
pub mod docker;
pub mod estimate;
pub mod events;
mod host;
mod interrupt;
mod jit;
pub mod local;
mod measure;
mod options;
mod phases;
pub mod plan;
pub mod progress;
pub mod rounds;
mod setup;
pub mod source;

use anyhow::Result;

use crate::cache::Cache;
use crate::progress::Verbosity;
pub use options::{RunOptions, RunOutcome, Start};

/// Runs (or resumes) a benchmark on Docker engines and writes its results
/// and report.
pub async fn execute(start: Start, verbosity: Verbosity) -> Result<RunOutcome> {
    let mut interrupt = interrupt::interrupt_watch();
    let cache = Cache::open()?;
    let opened = docker::open(start, &cache, verbosity, &mut interrupt).await?;
    phases::measure_and_finish(opened, &cache, interrupt, verbosity).await
}
