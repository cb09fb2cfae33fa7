//! The terminal summary at the end of a run: per workload, a table of
//! build × mode rows with the median wall time at each thread count and
//! the speedup at the highest, if above one (a `*` marks a cell whose samples are
//! bimodal, drift or have outliers), and how precisely the row is known, then
//! the failed cells. It reads the
//! run's [`Analysis`] like every other report.

use std::fmt::Write;

use anyhow::Result;

use super::export::{Analysed, Format, Output, analyse};
use super::findings::jit::failure_reproducer;
use super::findings::machines::lost_engines;
use super::machines::overview::Overview;
use super::machines::{self, MachineRow};
use super::text::{Align, TextTable, memory_range};
use super::{precision, shape};
use crate::analysis::{Analysis, CellSummary};
use crate::format::{fmt_seconds_digits, fmt_times, one_line};
use crate::results::RunResults;

/// The end-of-run summary, printed at the top of a report when asked.
pub(crate) struct Terminal;

impl Format for Terminal {
    fn run(&self, a: &Analysis<'_>, out: &mut Output) -> Result<()> {
        out.terminal(|| of_run(a));
        Ok(())
    }

    fn overview(&self, overview: &Overview<'_>, out: &mut Output) -> Result<()> {
        out.terminal(|| of_replicas(overview));
        Ok(())
    }
}

/// The summary of a run's results. A run on several machines adds a line
/// per machine; a replicated one has its tables per machine, as no cell
/// pools two machines.
pub fn summary(results: &RunResults) -> String {
    analyse(results, |analysed| match analysed {
        Analysed::Run(a) => of_run(a),
        Analysed::Replicated(overview) => of_replicas(overview),
    })
}

/// A run's summary: its tables, then its machines.
fn of_run(a: &Analysis<'_>) -> String {
    let mut out = render(a);
    out.push_str(&machine_lines(
        a.results,
        &machines::set_aside(a),
        a.planned_cells(),
    ));
    out
}

/// A replicated run's summary: each machine's tables, then the machines.
fn of_replicas(o: &Overview<'_>) -> String {
    let planned = o.analyses.first().map_or(0, Analysis::planned_cells);
    let mut out = String::new();
    for (id, a) in o.replicas.iter().zip(o.analyses) {
        let _ = write!(out, "\non {}:\n{}", one_line(id), render(a));
    }
    out.push_str(&machine_lines(o.results, &[], planned));
    out
}

/// A line per machine when there are several, then the samples set aside
/// and the engines lost.
fn machine_lines(results: &RunResults, set_aside: &[String], planned_cells: usize) -> String {
    let rows = machines::rows(results);
    let lost = lost_engines(results, planned_cells);
    if rows.is_empty() && lost.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nmachines:\n");
    let lines = rows
        .iter()
        .map(MachineRow::line)
        .chain(set_aside.iter().cloned())
        .chain(lost.into_iter().map(|f| f.text));
    for line in lines {
        let _ = writeln!(out, "  {}", one_line(&line));
    }
    out
}

pub fn render(a: &Analysis<'_>) -> String {
    let top = a.threads.iter().copied().max().unwrap_or(1);
    let mut out = String::new();
    let mut marked = false;
    for workload in &a.workloads {
        // A flagged cell's median gets a trailing mark; the others a space, to align.
        let marks = a
            .summary
            .cells
            .iter()
            .any(|c| &c.key.workload == workload && c.shape.flagged());
        marked |= marks;
        let _ = writeln!(
            out,
            "\n{} ({} scaling)",
            one_line(workload),
            a.scaling_name(workload)
        );
        let mut table = a.threads.iter().fold(
            TextTable::new(" ")
                .indent("  ")
                .column("build", Align::Left, 24)
                .column("mode", Align::Left, 16),
            |t, threads| t.column(format!("{threads} thr"), Align::Right, 10),
        );
        // At one thread count there is no speedup to show.
        if top > 1 {
            table = table.column(format!("speedup@{top}"), Align::Right, 11);
        }
        table = table
            .column("peak memory", Align::Right, 11)
            .column("precision", Align::Right, 10);
        for build in &a.builds {
            for mode in &a.modes {
                let cells: Vec<Option<&CellSummary>> = a
                    .threads
                    .iter()
                    .map(|t| a.cell(build, workload, *mode, *t))
                    .collect();
                let shown = |c: &&CellSummary| c.has_measurements() || !c.failures.is_empty();
                if !cells.iter().flatten().any(shown) {
                    continue;
                }
                let mut row = vec![build.clone(), mode.to_string()];
                row.extend(cells.iter().map(|cell| median_text(*cell, marks)));
                if top > 1 {
                    let speedup = a.cell(build, workload, *mode, top).and_then(|c| c.speedup);
                    row.push(speedup.map_or_else(|| "-".into(), |s| fmt_times(s.value)));
                }
                row.push(
                    memory_range(cells.iter().flatten().copied()).unwrap_or_else(|| "-".into()),
                );
                row.push(
                    precision::least(cells.iter().flatten().copied())
                        .map_or_else(|| "-".into(), precision::text),
                );
                table.row(row);
            }
        }
        out.push_str(&table.render());
    }
    if !a.workloads.is_empty() {
        let _ = writeln!(out, "\n{}", precision::ROW_LEGEND);
    }
    if let Some(goal) = precision::goal_outcome(a) {
        let _ = writeln!(out, "{goal}");
    }
    if marked {
        let _ = writeln!(out, "\n{}", shape::MARK_LEGEND);
    }
    if !a.results.missing_builds.is_empty() {
        let _ = writeln!(out, "\nbuilds not measured:");
        for missing in &a.results.missing_builds {
            let _ = writeln!(out, "  {}: {}", missing.name, one_line(&missing.brief()));
        }
    }
    let failed: Vec<&CellSummary> = a.summary.failed_cells().collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nfailed cells ({}):", failed.len());
        for c in failed {
            let first = &c.failures[0];
            let mut reason = format!(
                "{}: {}",
                first.kind_name(),
                first.message.lines().next().unwrap_or("")
            );
            if let Some(reproducer) = c.failures.iter().find_map(failure_reproducer) {
                let _ = write!(reason, "; {reproducer}");
            }
            let _ = writeln!(
                out,
                "  {}",
                one_line(&format!(
                    "{} {} {}×{}: {reason}",
                    c.key.build, c.key.workload, c.key.mode, c.key.threads
                ))
            );
        }
    }
    out
}

/// The median wall time, "FAILED" if only failures were measured, "-" if
/// nothing was. With `marks`, a flagged shape adds "*" and others a space.
fn median_text(cell: Option<&CellSummary>, marks: bool) -> String {
    match cell {
        Some(
            c @ CellSummary {
                wall: Some(wall), ..
            },
        ) => {
            let mark = match (marks, c.shape.flagged()) {
                (false, _) => "",
                (true, true) => "*",
                (true, false) => " ",
            };
            format!("{}{mark}", fmt_seconds_digits(wall.median, 4))
        }
        Some(c) if !c.failures.is_empty() => "FAILED".into(),
        _ => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::fixture;

    #[test]
    fn shows_medians_speedups_and_failed_cells() {
        let results = fixture();
        let text = summary(&results);
        assert!(text.contains("countdown (weak scaling)"), "{text}");
        assert!(text.contains("speedup@4"), "{text}");
        let row = |build: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(&format!("{build} ")) && l.contains("threads"))
                .unwrap_or_else(|| panic!("a row for {build} in {text}"))
                .to_string()
        };
        // The speedup column, before the peak memory ("10.5 → 12.0 MiB")
        // and the precision.
        let speedup = |build: &str| {
            row(build)
                .split_whitespace()
                .rev()
                .nth(5)
                .map(str::to_string)
        };
        // Weak scaling: the GIL build's time grows with threads (speedup 1×).
        assert!(
            row("3.13").contains("1.000 s") && speedup("3.13").as_deref() == Some("1.00×"),
            "{}",
            row("3.13")
        );
        // The free-threaded build failed at 4 threads: no speedup there.
        assert!(
            row("3.13t").contains("FAILED") && speedup("3.13t").as_deref() == Some("-"),
            "{}",
            row("3.13t")
        );
        // Five samples a cell: too few for a distribution-free interval.
        assert!(row("3.13").trim_end().ends_with('—'), "{}", row("3.13"));
        assert!(
            text.contains("failed cells (1):")
                && text.contains("3.13t countdown threads×4: exception: RuntimeError: boom"),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn flagged_shapes_are_marked() {
        let text = summary(&crate::analysis::fixture::noisy());
        assert!(text.contains(shape::MARK_LEGEND), "{text}");
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with("3.14-jit "))
            .unwrap_or_else(|| panic!("a 3.14-jit row in {text}"));
        assert!(row.contains("ms*"), "{row}");
        insta::assert_snapshot!(text);
    }
}
