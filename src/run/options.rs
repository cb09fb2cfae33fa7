//! What a run is asked to do, and how it ended.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::Endpoint;
use crate::images::BuildOptions;
use crate::results::{
    Distribute, DisturbancePolicy, LostEngine, Mode, PrecisionGoal, RunResults, SampleStatus,
};
use crate::spec::BuildSpec;

/// Validated options of a new run.
pub struct RunOptions {
    /// Empty: the newest minor's three builds (see `defaults`).
    pub builds: Vec<BuildSpec>,
    pub build_options: BuildOptions,
    pub workloads: Vec<String>,
    pub modes: Vec<Mode>,
    /// None: powers of two up to the CPUs given, plus that count.
    pub threads: Option<Vec<u32>>,
    pub repeat: u32,
    pub warmup: u32,
    pub warm_calls: u32,
    pub timeout: Duration,
    pub cpus: Option<String>,
    pub memory_bytes: i64,
    pub output: Option<PathBuf>,
    pub seed: Option<u64>,
    pub shard: Option<crate::results::Shard>,
    pub disturbance: DisturbancePolicy,
    /// None: exactly `repeat` samples per cell.
    pub precision: Option<PrecisionGoal>,
    /// Empty: `DOCKER_HOST` or the local socket.
    pub engines: Vec<Endpoint>,
    pub distribute: Distribute,
    pub command_line: Vec<String>,
    /// The gate over package variants (`--fail-above`), if any.
    pub fail_above: Option<f64>,
    /// Confirm what the gate fails with fresh rounds (`--confirm`).
    pub confirm: bool,
}

impl RunOptions {
    /// The engines to run on: those given, else `DOCKER_HOST` or the local socket.
    pub(super) fn endpoints(&self) -> Vec<Endpoint> {
        if self.engines.is_empty() {
            return vec![Endpoint::from_environment()];
        }
        self.engines.clone()
    }
}

/// A new run, or the folder of one to finish (on the engines it ran on,
/// unless others are given).
pub enum Start {
    New(Box<RunOptions>),
    Resume {
        dir: PathBuf,
        engines: Vec<Endpoint>,
    },
}

/// How a run ended, for the exit code.
#[derive(Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub failed_cells: usize,
    /// Builds whose image could not be had (the others were measured).
    pub missing_builds: Vec<String>,
    /// Engines that stopped answering during the run (the others finished it).
    pub lost_engines: Vec<String>,
    pub distribute: Distribute,
}

impl RunOutcome {
    pub(super) fn of(
        results: &RunResults,
        dir: PathBuf,
        lost_engines: Vec<LostEngine>,
    ) -> RunOutcome {
        let failed_cells = results
            .samples
            .iter()
            .filter(|r| r.sample.status == SampleStatus::Failed)
            .map(|r| r.cell())
            .collect::<HashSet<_>>()
            .len();
        RunOutcome {
            dir,
            failed_cells,
            missing_builds: results
                .missing_builds
                .iter()
                .map(|m| m.name.clone())
                .collect(),
            lost_engines: lost_engines.into_iter().map(|l| l.engine).collect(),
            distribute: results.config.distribute,
        }
    }
}
