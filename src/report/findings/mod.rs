//! Headline findings: what the data say, in plain words. Each finding is
//! plain text; the HTML and Markdown exporters escape it.
//!
//! Here: the run's status, scaling, cores, unsupported modes and failures.
//! What a build costs or gains against the baseline, and why a large
//! difference is inconclusive, is in `builds.rs`; the cost of a lone worker
//! thread against the owning thread in `cross_thread.rs`; bimodal, drifting
//! and outlying samples in `shape.rs`; the GIL on a free-threaded build, and
//! which import turned it on, in `gil.rs`; engines lost during the run in
//! `machines.rs`; what builds and workers cost in memory in `memory.rs`; a
//! build measured warm against cold in `warm.rs`; failures the JIT caused
//! in `jit.rs`; the gate over package variants in `gate.rs`.

mod builds;
mod cross_thread;
mod gate;
mod gil;
pub(crate) mod jit;
pub(crate) mod machines;
mod memory;
mod shape;
pub(crate) mod warm;

use std::collections::BTreeMap;

use super::packages;
use super::text::workers_word;
use crate::analysis::Analysis;
use crate::format::{fmt_times, one_line, truncate};
use crate::results::{Mode, RunStatus, Shard};
use crate::stats::Estimate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// The run is partial, or empty.
    Status,
    /// How a workload scales on each build.
    Scaling,
    /// What a build costs or gains at one thread against the baseline.
    BuildCost,
    /// What a build or an extra worker costs in memory.
    Memory,
    /// Bimodal, drifting or outlying samples.
    Shape,
    /// The GIL was on where it should not have been.
    Gil,
    Failures,
    Note,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    pub text: String,
}

impl Finding {
    fn new(kind: FindingKind, text: String) -> Finding {
        Finding { kind, text }
    }
}

pub(crate) fn derive(a: &Analysis<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    status(a, &mut out);
    gate::gate(a, &mut out);
    out.extend(machines::lost_engines(a.results, a.planned_cells()));
    for workload in &a.workloads {
        for mode in a.modes_of(workload) {
            if let Some(f) = scaling(a, workload, mode) {
                out.push(f);
            }
        }
    }
    builds::build_costs(a, &mut out);
    memory::memory(a, &mut out);
    cross_thread::cross_thread(a, &mut out);
    warm::warm_and_cold(a, &mut out);
    shape::shapes(a, &mut out);
    shape::disturbance(a, &mut out);
    if let Some(text) = super::precision::goal_outcome(a) {
        out.push(Finding::new(FindingKind::Note, text));
    }
    cores(a, &mut out);
    gil::gil(a, &mut out);
    unsupported(a, &mut out);
    jit::jit_failures(a, &mut out);
    failures(a, &mut out);
    out
}

fn status(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let (measured, planned) = (a.measured_cells(), a.planned_cells());
    let what = match a.results.status {
        RunStatus::Complete => None,
        RunStatus::Interrupted => Some("This run was interrupted"),
        RunStatus::Aborted => Some("This run was aborted (the container engine was lost)"),
    };
    if let Some(what) = what {
        out.push(Finding::new(
            FindingKind::Status,
            format!(
                "{what}: {measured} of {planned} planned cells have measurements; \
                 the rest are missing below."
            ),
        ));
    }
    for &index in &a.results.missing_shards {
        let count = a
            .results
            .merged_shards
            .first()
            .map_or(index, |s| s.shard.count);
        let shard = Shard { index, count };
        let cells: Vec<String> = a.groups_of(shard).iter().map(ToString::to_string).collect();
        out.push(Finding::new(
            FindingKind::Status,
            format!(
                "Shard {shard} is missing from the merge: {} cell(s) of every build were not \
                 measured: {}.",
                cells.len(),
                truncate(&cells.join(", "), 600)
            ),
        ));
    }
    for missing in &a.results.missing_builds {
        out.push(Finding::new(
            FindingKind::Status,
            format!(
                "{} was not measured: {}",
                one_line(&missing.name),
                one_line(&missing.brief())
            ),
        ));
    }
    if measured == 0 {
        out.push(Finding::new(
            FindingKind::Status,
            "No sample was measured, so there is nothing to compare.".into(),
        ));
    }
}

/// "flat", "scales", … for a speedup at `threads` workers on `cores` CPUs:
/// the gain beyond one worker against the most the CPUs allow.
pub(crate) fn verdict(speedup: f64, threads: u32, cores: Option<u32>) -> &'static str {
    let most = cores.map_or(threads, |c| threads.min(c)).max(2);
    let gain = (speedup - 1.0) / f64::from(most - 1);
    if speedup < 0.8 {
        "gets slower"
    } else if gain >= 0.5 {
        "scales"
    } else if gain >= 0.2 {
        "scales partly"
    } else {
        "flat"
    }
}

/// The highest thread count at which a build has a speedup.
pub(crate) fn top_speedup(
    a: &Analysis<'_>,
    build: &str,
    workload: &str,
    mode: Mode,
) -> Option<(u32, Estimate)> {
    a.series(build, workload, mode)
        .into_iter()
        .filter(|c| c.key.threads > 1)
        .filter_map(|c| Some((c.key.threads, c.speedup?)))
        .next_back()
}

fn scaling(a: &Analysis<'_>, workload: &str, mode: Mode) -> Option<Finding> {
    let mut parts = Vec::new();
    let mut verdicts = Vec::new();
    let mut last_threads = None;
    for build in &a.builds {
        let Some((threads, s)) = top_speedup(a, build, workload, mode) else {
            continue;
        };
        verdicts.push((build, verdict(s.value, threads, a.cores)));
        // Say the worker count whenever it changes from the previous part.
        let at = if last_threads != Some(threads) {
            format!(" at {threads} {}", workers_word(mode, threads))
        } else {
            String::new()
        };
        last_threads = Some(threads);
        parts.push(format!(
            "{} on {} ({}{at})",
            verdict(s.value, threads, a.cores),
            one_line(build),
            fmt_times(s.value)
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let mut text = format!("{}: {}.", workload_name(workload, mode), parts.join(", "));
    text.push_str(&packages_behind_scaling(a, workload, &verdicts));
    if mode == Mode::Threads {
        text.push_str(&scaling_with_the_gil(a, workload));
    }
    Some(Finding::new(FindingKind::Scaling, text))
}

/// Where builds scale differently, the packages the workload imports that
/// a build holds differently from the baseline.
fn packages_behind_scaling(
    a: &Analysis<'_>,
    workload: &str,
    verdicts: &[(&String, &str)],
) -> String {
    let Some(baseline) = a.baseline.as_deref() else {
        return String::new();
    };
    let Some((_, base_verdict)) = verdicts.iter().find(|(b, _)| *b == baseline) else {
        return String::new();
    };
    let words: Vec<String> = verdicts
        .iter()
        .filter(|(_, v)| v != base_verdict)
        .filter_map(|(build, _)| packages::behind(a, build, baseline, workload))
        .collect();
    if words.is_empty() {
        return String::new();
    }
    format!(" The builds' packages differ: {}.", words.join("; "))
}

/// Threads that scale on a build with the GIL spend their time where the
/// GIL is released: worth saying, as it is the opposite of pure Python.
fn scaling_with_the_gil(a: &Analysis<'_>, workload: &str) -> String {
    let gil_builds: Vec<String> = a
        .builds
        .iter()
        .filter(|build| a.build_record(build).is_some() && !a.is_free_threaded(build))
        .filter(|build| {
            top_speedup(a, build, workload, Mode::Threads)
                .is_some_and(|(threads, s)| verdict(s.value, threads, a.cores) == "scales")
        })
        .map(|build| one_line(build))
        .collect();
    if gil_builds.is_empty() {
        return String::new();
    }
    format!(
        " Its threads scale with the GIL too ({}): the work runs in code that releases the \
         GIL, such as a C extension (numpy, hashlib, zlib) or I/O.",
        gil_builds.join(", ")
    )
}

/// "countdown", or "countdown (processes)" in a mode other than threads.
fn workload_name(workload: &str, mode: Mode) -> String {
    match mode {
        Mode::Threads => one_line(workload),
        other => format!("{} ({other})", one_line(workload)),
    }
}

fn cores(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let (Some(cores), Some(max)) = (a.cores, a.threads.last().copied()) else {
        return;
    };
    if max > cores {
        out.push(Finding::new(
            FindingKind::Note,
            format!(
                "The containers could use {cores} CPU{}: beyond {cores} workers no build can run \
                 more work in parallel, so speedups level off there.",
                if cores == 1 { "" } else { "s" }
            ),
        ));
    }
}

fn unsupported(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let mut by_mode: BTreeMap<(Mode, String), Vec<String>> = BTreeMap::new();
    for cell in &a.summary.cells {
        if let Some(why) = &cell.unsupported {
            let builds = by_mode.entry((cell.key.mode, one_line(why))).or_default();
            let b = one_line(&cell.key.build);
            if !builds.contains(&b) {
                builds.push(b);
            }
        }
    }
    for ((mode, why), builds) in by_mode {
        out.push(Finding::new(
            FindingKind::Note,
            format!(
                "The {mode} mode is not available on {}: {}",
                builds.join(", "),
                truncate(&why, 160)
            ),
        ));
    }
}

fn failures(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    let failed: Vec<_> = a.summary.failed_cells().collect();
    if failed.is_empty() {
        return;
    }
    let shown: Vec<String> = failed
        .iter()
        .take(4)
        .map(|c| {
            format!(
                "{} × {} at {} {} ({}, {} of {} samples)",
                one_line(&c.key.build),
                one_line(&c.key.workload),
                c.key.threads,
                workers_word(c.key.mode, c.key.threads),
                one_line(&c.failure_kinds().join("/")),
                c.counts.failed,
                c.counts.samples
            )
        })
        .collect();
    let more = failed.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(", and {more} more")
    } else {
        String::new()
    };
    out.push(Finding::new(
        FindingKind::Failures,
        format!(
            "Samples failed in {} cell{}: {}{tail}.",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            shown.join("; ")
        ),
    ));
}
