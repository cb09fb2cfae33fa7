//! Expected failures and the exit codes they map to.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success |
//! | 1    | unexpected error (a bug, or an engine error gilbench does not recognise) |
//! | 2    | invalid input: command line, build spec, source path, workload |
//! | 3    | the Docker engine cannot be reached or is too old |
//! | 4    | an image could not be had: base missing, source unavailable, build or pull failed, packages not installable; in a run, the builds that could be had were measured and the results say which are missing |
//! | 5    | a run finished, but some cells failed (their failures are in the results) |
//! | 6    | `compare --fail-above`, or a run's gate over package variants: a cell is significantly slower than the threshold allows (or, in the gate, could not be judged) |
//! | 7    | a run on several engines lost one: split, its cells were measured on the others; replicate, its cells are missing until `--resume` |
//! | 8    | `compare --fail-above-memory`: a cell's peak memory grew significantly beyond the threshold (a slowdown's 6 takes precedence) |
//! | 9    | `history regressions`: the newest run confirms a regression |
//! | 130  | interrupted (Ctrl-C) |

use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    EngineUnavailable(String),
    #[error("{0}")]
    ImageUnavailable(String),
    #[error("interrupted")]
    Interrupted,
    #[error("{0} cell(s) failed; see the summary above and the results")]
    CellsFailed(usize),
    #[error("{0} cell(s) are significantly slower than the threshold allows")]
    Regressions(usize),
    #[error(
        "the gate cannot judge {0} cell(s): no undisturbed measurement on one side or both (see \
         the findings)"
    )]
    GateUnjudged(usize),
    #[error("{0}")]
    EnginesLost(String),
    #[error("{0} cell(s) use significantly more memory than the threshold allows")]
    MemoryRegressions(usize),
    /// Which run confirms them, and which runs they began at.
    #[error("{0}")]
    NewRegressions(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidInput(_) => 2,
            Error::EngineUnavailable(_) => 3,
            Error::ImageUnavailable(_) => 4,
            Error::CellsFailed(_) => 5,
            Error::Regressions(_) | Error::GateUnjudged(_) => 6,
            Error::EnginesLost(_) => 7,
            Error::MemoryRegressions(_) => 8,
            Error::NewRegressions(_) => 9,
            Error::Interrupted => 130,
        }
    }
}

/// The exit code for an error chain: the first gilbench `Error` in it decides.
pub fn exit_code_of(error: &anyhow::Error) -> ExitCode {
    let code = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Error>())
        .map_or(1, Error::exit_code);
    ExitCode::from(code)
}

pub fn invalid_input(message: impl Into<String>) -> anyhow::Error {
    Error::InvalidInput(message.into()).into()
}

pub fn image_unavailable(message: impl Into<String>) -> anyhow::Error {
    Error::ImageUnavailable(message.into()).into()
}
