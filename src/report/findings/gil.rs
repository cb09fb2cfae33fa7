//! Findings about the GIL on free-threaded builds: on from the start, or
//! turned back on by an import ("On 3.13t, importing pkg._speedups turned
//! the GIL back on: …"), and what `PYTHON_GIL=0` did when the run has the
//! same build with it.

use std::collections::BTreeMap;

use super::{Finding, FindingKind, top_speedup, verdict};
use crate::analysis::Analysis;
use crate::format::{fmt_times, one_line, truncate};
use crate::report::text::workers_word;
use crate::results::{BuildRecord, Mode};
use crate::spec::BuildSpec;

/// The runtime setting that keeps the GIL off whatever is imported.
const GIL_OFF: (&str, &str) = ("PYTHON_GIL", "0");

pub(super) fn gil(a: &Analysis<'_>, out: &mut Vec<Finding>) {
    for build in &a.builds {
        let Some(record) = a.build_record(build) else {
            continue;
        };
        if record.facts["py_gil_disabled"].as_bool() != Some(true) {
            continue;
        }
        let b = one_line(build);
        if record.facts["gil_enabled_at_start"].as_bool() == Some(true) {
            out.push(Finding::new(
                FindingKind::Gil,
                format!(
                    "{b} is a free-threaded build, but it ran with the GIL enabled from the start."
                ),
            ));
            continue;
        }
        for (module, workloads) in workloads_by_culprit(a, build) {
            let text = match module {
                Some(module) => turned_on_by(a, record, &module, &workloads),
                None => format!(
                    "The GIL was on while {} ran on {b}, a free-threaded build: importing an \
                     extension module without free-threading support turns it back on.",
                    names(&workloads)
                ),
            };
            out.push(Finding::new(FindingKind::Gil, text));
        }
    }
}

/// The workloads that ran with the GIL on, by the module that turned it on
/// (None: not named, as in results from before samples named it).
fn workloads_by_culprit(a: &Analysis<'_>, build: &str) -> BTreeMap<Option<String>, Vec<String>> {
    let mut culprits: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for cell in a.summary.cells.iter().filter(|c| c.key.build == build) {
        if cell.gil_enabled == Some(true) {
            let culprit = culprits.entry(&cell.key.workload).or_default();
            if culprit.is_none() {
                culprit.clone_from(&cell.gil_enabled_by);
            }
        }
    }
    let mut grouped: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (workload, culprit) in culprits {
        let culprit = culprit.map(|m| truncate(&one_line(&m), 120));
        grouped
            .entry(culprit)
            .or_default()
            .push(workload.to_string());
    }
    grouped
}

fn turned_on_by(
    a: &Analysis<'_>,
    record: &BuildRecord,
    module: &str,
    workloads: &[String],
) -> String {
    let b = one_line(&record.name);
    let mut text = format!("On {b}, importing {module} turned the GIL back on");
    let measured = threads_scaling(a, &record.name, workloads);
    if measured.is_empty() {
        text.push_str(&format!(" while {} ran.", names(workloads)));
    } else {
        let how: Vec<String> = measured
            .iter()
            .map(|m| match measured.len() {
                1 => format!("{}, {}", m.verdict, m.speedup),
                _ => format!("{}: {}, {}", m.workload, m.verdict, m.speedup),
            })
            .collect();
        let which: Vec<String> = measured.iter().map(|m| m.workload.clone()).collect();
        text.push_str(&format!(
            ": threads results of {} on {b} ran under the GIL ({}).",
            which.join(", "),
            how.join("; ")
        ));
    }
    match gil_off_sibling(a, record) {
        Some(sibling) => {
            let s = one_line(&sibling.name);
            let stayed_off: Vec<String> = workloads
                .iter()
                .filter(|w| gil_stayed_off(a, &sibling.name, w))
                .cloned()
                .collect();
            let scaled: Vec<String> = threads_scaling(a, &sibling.name, &stayed_off)
                .iter()
                .map(|m| {
                    format!(
                        "{} {} on {s} ({})",
                        m.workload,
                        as_verb(m.verdict),
                        m.speedup
                    )
                })
                .collect();
            if !scaled.is_empty() {
                text.push_str(&format!(
                    " With PYTHON_GIL=0 the GIL stayed off, at that module's own risk, and {}.",
                    scaled.join(", ")
                ));
            }
        }
        None => text.push_str(&format!(
            " The build {} keeps it off, at that module's own risk.",
            with_gil_off(&record.name)
        )),
    }
    text
}

/// How a workload scaled in threads mode on a build.
struct ThreadsScaling {
    workload: String,
    /// "flat", "scales", …
    verdict: &'static str,
    /// "1.02× at 2 threads"
    speedup: String,
}

/// The threads-mode scaling of each workload that has a speedup on `build`.
fn threads_scaling(a: &Analysis<'_>, build: &str, workloads: &[String]) -> Vec<ThreadsScaling> {
    workloads
        .iter()
        .filter_map(|w| {
            let (threads, s) = top_speedup(a, build, w, Mode::Threads)?;
            Some(ThreadsScaling {
                workload: one_line(w),
                verdict: verdict(s.value, threads, a.cores),
                speedup: format!(
                    "{} at {threads} {}",
                    fmt_times(s.value),
                    workers_word(Mode::Threads, threads)
                ),
            })
        })
        .collect()
}

/// A verdict after a workload's name: "scales", "is flat".
fn as_verb(verdict: &str) -> String {
    match verdict {
        "flat" => "is flat".to_string(),
        other => other.to_string(),
    }
}

/// The same image run with `PYTHON_GIL=0`, if the run has it.
fn gil_off_sibling<'a>(a: &Analysis<'a>, record: &BuildRecord) -> Option<&'a BuildRecord> {
    a.results.builds.iter().find(|other| {
        other.name != record.name
            && other.image_id == record.image_id
            && other.runtime_env.get(GIL_OFF.0).map(String::as_str) == Some(GIL_OFF.1)
    })
}

/// Every threads-mode sample of `workload` on `build` that said ran with
/// the GIL off.
fn gil_stayed_off(a: &Analysis<'_>, build: &str, workload: &str) -> bool {
    let cells = a.series(build, workload, Mode::Threads);
    !cells.is_empty() && cells.iter().all(|c| c.gil_enabled == Some(false))
}

/// The build's spec with `PYTHON_GIL=0` set: "3.13t+PYTHON_GIL=0".
fn with_gil_off(build: &str) -> String {
    match build.parse::<BuildSpec>() {
        Ok(mut spec) => {
            spec.runtime_env.retain(|(name, _)| name != GIL_OFF.0);
            spec.runtime_env
                .push((GIL_OFF.0.to_string(), GIL_OFF.1.to_string()));
            one_line(&spec.to_string())
        }
        Err(_) => format!("{}+{}={}", one_line(build), GIL_OFF.0, GIL_OFF.1),
    }
}

fn names(workloads: &[String]) -> String {
    let names: Vec<String> = workloads.iter().map(|w| one_line(w)).collect();
    names.join(", ")
}
