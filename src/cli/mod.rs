//! The command line. Clap types stop here: each subcommand's arguments
//! are validated into the options the rest of the program takes
//! ([`BuildOptionArgs::into_options`], [`RunArgs::into_start`]).
//!
//! Here: the top-level parser, its subcommands, and the arguments of the
//! small ones. `build`: the builds to get and the options of every command
//! that gets images; `run`: the benchmark matrix; `images`: `gilbench
//! images` and its own subcommands.

mod build;
mod history;
mod images;
mod run;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::progress::Verbosity;

pub use build::{BuildArgs, BuildOptionArgs};
pub use history::{HistoryArgs, HistoryCommand};
pub use images::{ImagesArgs, ImagesCommand};
pub use run::RunArgs;

#[derive(Debug, Parser)]
#[command(
    name = "gilbench",
    version,
    about = "Measure what the GIL, the free-threaded build and the JIT do to your Python code",
    long_about = "gilbench builds or pulls real CPython images (default, free-threaded and JIT builds) \
                  through the Docker Engine API, runs Python workloads in them across thread counts, \
                  and reports the results.\n\nExit codes: 0 success, 1 unexpected error, 2 invalid input, \
                  3 Docker engine unavailable, 4 image unavailable (base, source, build, pull or packages; \
                  a run still measures the other builds), \
                  5 a run finished but some cells failed, 6 `compare --fail-above` found a \
                  significant slowdown, 7 a run on several engines lost one, 8 `compare \
                  --fail-above-memory` found significantly more memory, 9 `history regressions`: \
                  the newest run confirms a regression, 130 interrupted."
)]
pub struct Cli {
    /// Show more: -v streams full build logs.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Show only results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn verbosity(&self) -> Verbosity {
        if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Get interpreter images ready: reuse, pull or build them.
    Build(BuildArgs),
    /// Run the benchmark matrix: builds × workloads × modes × threads × repeats.
    Run(Box<RunArgs>),
    /// Remove every container gilbench left behind (e.g. after `kill -9`).
    Clean(CleanArgs),
    /// Render the report (index.html, summary.md, results.csv, pyperf/) of a run again.
    Report(ReportArgs),
    /// Compare two runs (or two builds of one run), cell by cell, for CI gates.
    Compare(CompareArgs),
    /// Join the folders of a run's shards (`run --shard K/N`) into one results.json and report.
    Merge(MergeArgs),
    /// List, prune or publish the images gilbench made.
    Images(ImagesArgs),
    /// Check the engine, base image, registry and sources, and say how to fix problems.
    Doctor(DoctorArgs),
    /// Runs over time: add runs to a store, find regressions, write a trend site.
    History(HistoryArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run's folder (or its results.json).
    #[arg(value_name = "DIR")]
    pub results: PathBuf,
    /// Where to write the report (default: the run's folder).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' run folders (or their results.json).
    #[arg(value_name = "DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// The folder for the merged results and report.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline run's folder (or results.json).
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The new run's folder; omit it to compare two builds of BASE with --builds, or two
    /// package variants with --variants.
    #[arg(value_name = "NEW", required_unless_present_any = ["builds", "variants"])]
    pub new: Option<PathBuf>,
    /// Two builds of one run to compare: baseline first, e.g. --builds 3.13,3.13t.
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 1,
        value_name = "BASE,NEW",
        conflicts_with = "new"
    )]
    pub builds: Vec<String>,
    /// Two package variants of one run (`run --project NAME=DIR`): every build of the head
    /// variant against the same build of the base, e.g. --variants base,head. The run's
    /// confirming rounds, where it took them, judge again what the first rounds fail.
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 1,
        value_name = "BASE,HEAD",
        conflicts_with_all = ["new", "builds"]
    )]
    pub variants: Vec<String>,
    /// Exit 6 when a cell is significantly slower by more than this, e.g. 5%.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_above: Option<f64>,
    /// Exit 8 when a cell's peak memory grew significantly by more than this, e.g. 10%.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_above_memory: Option<f64>,
    /// Smallest change called significant: drift between runs on this machine.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent, default_value = "5%")]
    pub min_effect: f64,
    /// Also write the comparison as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// "5%" or "5" -> 0.05.
fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(value) if value >= 0.0 && value.is_finite() => Ok(value / 100.0),
        _ => Err(format!("`{text}` is not a percentage such as 5%")),
    }
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// An engine to clean (repeatable; see `run --engine`). Default: DOCKER_HOST or the local
    /// socket.
    #[arg(long = "engine", value_name = "URL")]
    pub engines: Vec<crate::engine::Endpoint>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The options builds would use: doctor checks their base, registry and sources.
    #[command(flatten)]
    pub options: BuildOptionArgs,
    /// The CPUs a run would use (a cpuset such as 0,1 or 0-3), for the machine checks.
    /// Default: all.
    #[arg(long, value_name = "CPUSET")]
    pub cpus: Option<String>,
    /// An engine to check (repeatable; see `run --engine`). Default: DOCKER_HOST or the local
    /// socket.
    #[arg(long = "engine", value_name = "URL")]
    pub engines: Vec<crate::engine::Endpoint>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_with_or_without_the_sign() {
        assert_eq!(parse_percent("5%"), Ok(0.05));
        assert_eq!(parse_percent("12.5"), Ok(0.125));
        assert!(parse_percent("-1%").is_err());
        assert!(parse_percent("five").is_err());
    }
}
