//! Reports: every renderer of a run's results. They read the
//! [`Analysis`](crate::analysis::Analysis) and write bytes; nothing here
//! computes statistics or touches Docker, so every renderer is unit-tested
//! on hand-built results (`tests/`).
//!
//! [`publish`] is the one way in (the end of a run, `gilbench merge`,
//! `gilbench report`): it analyses the results once and hands the analysis
//! to every format listed in `FORMATS`, each a `Format` writing into an
//! `Output` (`export.rs`). The terminal summary comes first, when asked
//! for (`terminal.rs`); then, into the output folder:
//!
//! | file | what | made by |
//! | --- | --- | --- |
//! | `index.html` | one self-contained page: findings, charts (inline SVG), tables, build facts, failures, how to reproduce. No scripts, no external requests (a Content-Security-Policy says so) | `html/` + `templates/report/` |
//! | `summary.md` | GitHub-flavoured Markdown: findings, a table per workload, failed cells; also appended to the GitHub Actions step summary | `markdown.rs` |
//! | `results.csv` | one row per sample | `csv.rs` |
//! | `pyperf/<build>.json` | one pyperf `BenchmarkSuite` per build, for `pyperf show`/`compare_to` | `pyperf.rs` |
//!
//! A run over several machines adds a machines table and the engines lost
//! (`machines/`, `findings/machines.rs`). A run replicated on several
//! machines gets these files per machine, in `machines/<id>/`, and at the
//! top an `index.html` and `summary.md` that compare the machines, and a
//! `results.csv` of every sample: what they show is gathered in
//! `machines/overview.rs`, and each format renders it in its way.
//!
//! The charts (`plots/`, one file per chart) are SVG strings that plotters
//! draws into a compact backend of our own (`plots/svg.rs`).
//! The packages behind a difference between builds, in words, are in
//! `packages.rs`. The comparison tables of `gilbench compare` are in `compare.rs`
//! (terminal and Markdown). Numbers and durations are formatted by the
//! program's one formatter (`crate::format`); `text.rs` adds the words of
//! the run's own types and plain-text tables.
//!
//! # `results.csv` columns
//!
//! One row per sample (warmups and failures included), in the order the
//! samples were taken. Empty cell = not measured.
//!
//! | column | meaning |
//! | --- | --- |
//! | `build` | build name as given on the command line, e.g. `3.13t` |
//! | `workload` | workload name |
//! | `mode` | `threads`, `processes` or `subinterpreters` |
//! | `scaling` | `weak` or `strong` (see workloads/README.md) |
//! | `threads` | number of workers |
//! | `repeat` | index among the cell's warmups, or among its measured repeats |
//! | `warmup` | `true` for a warm-up sample (never in the statistics) |
//! | `seq` | order in which the samples were taken in the run |
//! | `status` | `ok`, `failed` or `unsupported` |
//! | `kind` | failure kind (`exception`, `timeout`, `oom`, …) when failed |
//! | `wall_s` | wall time of the parallel section, seconds |
//! | `cpu_s` | process CPU time across the parallel section, seconds |
//! | `worker_cpu_s_sum` | sum of the workers' own CPU times, seconds |
//! | `effective_parallelism` | `worker_cpu_s_sum / wall_s` |
//! | `max_rss_kb` | peak resident set size of the sample's process (ru_maxrss: start-up and setup included), KiB |
//! | `rss_setup_kb` | resident memory after setup, just before the work, KiB (processes mode: every process added up) |
//! | `rss_peak_kb` | peak resident memory while the work ran, KiB (processes mode: the processes' peaks added up) |
//! | `gil_enabled` | whether the GIL was on during the sample |
//! | `gil_enabled_by` | the module whose import turned the GIL back on (free-threaded builds), empty otherwise |
//! | `exit_code` | the sample process's exit code |
//! | `at` | Unix time (seconds) when the sample finished |
//! | `message` | failure message, empty when ok |
//! | `disturbed` | `true` when other load on the sample's CPUs passed the run's threshold, while its workers ran or during its untimed calls (`--warm-calls`) (kept out of the statistics, retaken) |
//! | `foreign_load` | CPUs busy with something else, on average, while the sample ran (other load plus steal) |
//! | `cell_precision` | how precisely the sample's cell was known at the end of the run: the relative half-width of the wider 95 % interval of its median and speedup (0.018 = ±1.8 %); empty below 6 samples, and for a sample set aside (taken on a machine its unit left) |
//! | `warm_call_s` | with `--warm-calls`: each untimed call's wall time before the timed one, seconds, in order and separated by spaces (the first is the cold time); empty otherwise |
//! | `machine` | the id of the machine (`machines` in results.json) the sample ran on; empty in runs that name none |
//!
//! Every sample is exactly one line: line breaks inside fields (in failure
//! messages) become spaces. Fields are quoted per RFC 4180 when they contain
//! a comma or a quote; lines end in CRLF.

pub mod compare;
mod csv;
mod export;
mod findings;
mod html;
mod inconclusive;
mod machines;
mod markdown;
mod packages;
mod plots;
pub(crate) use plots::trend::{TrendChart, TrendLine};
mod precision;
mod pyperf;
mod shape;
pub mod terminal;
#[cfg(test)]
mod tests;
pub mod text;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::analysis::Analysis;
use crate::results::RunResults;
use export::{Analysed, Format, Output, analyse};

pub use csv::results_csv;
pub(crate) use findings::jit::{
    reproducer_path as jit_reproducer_path, reproducer_result, verdict as jit_verdict,
};
pub use findings::{Finding, FindingKind};
pub use html::index_html;
pub use pyperf::{PyperfBenchmark, PyperfRun, PyperfSuite, pyperf_suites};

/// Every format of the report, rendered in this order: the terminal
/// summary first (shown even if a file then cannot be written), then the
/// files. A new format is a [`Format`] and a line here.
const FORMATS: &[&dyn Format] = &[
    &terminal::Terminal,
    &html::Html,
    &markdown::Markdown,
    &csv::Csv,
    &pyperf::Pyperf,
];

/// The one way into the reports: prints the terminal summary if
/// `show_terminal_summary`, writes the report into `dir`, appends its
/// Markdown to the GitHub Actions step summary when there is one, and says
/// where the report is. Returns the files written.
pub fn publish(
    results: &RunResults,
    dir: &Path,
    show_terminal_summary: bool,
) -> Result<Vec<PathBuf>> {
    let mut out = Output::new(dir, show_terminal_summary);
    export(results, &mut out)?;
    if let Some(markdown) = &out.step_summary {
        append_step_summary(markdown)?;
    }
    eprintln!(
        "report: {} ({} files)",
        dir.join("index.html").display(),
        out.written.len()
    );
    Ok(out.written)
}

/// Writes `index.html`, `summary.md`, `results.csv` and `pyperf/*.json`
/// into `out_dir` (created if needed) and returns the paths written; no
/// terminal summary, no step summary. Works for partial runs: missing
/// cells, failures only, one thread count. A run replicated on several
/// machines gets a report per machine in `machines/<id>/` and an overview
/// of the machines at the top.
pub fn render(results: &RunResults, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Output::new(out_dir, false);
    export(results, &mut out)?;
    Ok(out.written)
}

/// Analyses `results` once and renders every format into `out`.
fn export(results: &RunResults, out: &mut Output) -> Result<()> {
    analyse(results, |analysed| match analysed {
        Analysed::Run(a) => export_run(a, out),
        Analysed::Replicated(overview) => {
            for format in FORMATS {
                format.overview(overview, out)?;
            }
            for (a, folder) in overview.analyses.iter().zip(&overview.folders) {
                let mut own = out.nested(folder);
                export_run(a, &mut own)?;
                out.written.append(&mut own.written);
            }
            Ok(())
        }
    })
}

/// Every format of one analysis.
fn export_run(a: &Analysis<'_>, out: &mut Output) -> Result<()> {
    for format in FORMATS {
        format.run(a, out)?;
    }
    Ok(())
}

/// In GitHub Actions (`GITHUB_STEP_SUMMARY` set), appends Markdown to the job's summary.
pub fn append_step_summary(markdown: &str) -> Result<()> {
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(summary)?;
        file.write_all(markdown.as_bytes())?;
    }
    Ok(())
}

/// `summary.md` as a string.
pub fn summary_markdown(results: &RunResults) -> String {
    markdown::render(&Analysis::new(results))
}

/// The headline findings, in plain words.
pub fn findings(results: &RunResults) -> Vec<Finding> {
    findings::derive(&Analysis::new(results))
}
