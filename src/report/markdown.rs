//! `summary.md`: GitHub-flavoured Markdown for a pull request or an issue:
//! the findings, a table per workload (build × workers → median and
//! speedup; how precisely each build's row is known and the shape of its
//! samples), and the failed cells.
//! Every name is escaped, so a workload called `<b>|x` cannot break a table
//! or inject HTML.

use std::fmt::Write;

use anyhow::Result;

use super::export::{Format, Output};
use super::machines::overview::{Overview, comparison_heading};
use super::machines::{self, MachineRow};
use super::text::{memory_range, workers_word};
use super::{compare, findings, precision, shape};
use crate::analysis::{Analysis, CellSummary};
use crate::format::{fmt_seconds, fmt_times, markdown_escape as md, one_line, truncate};
use crate::results::Mode;

/// `summary.md`, which is also the step summary.
pub(crate) struct Markdown;

impl Format for Markdown {
    fn run(&self, a: &Analysis<'_>, out: &mut Output) -> Result<()> {
        publish(render(a), out)
    }

    fn overview(&self, o: &Overview<'_>, out: &mut Output) -> Result<()> {
        publish(overview(o), out)
    }
}

/// Writes `summary.md` and keeps it for the step summary.
fn publish(markdown: String, out: &mut Output) -> Result<()> {
    out.file("summary.md", markdown.as_bytes())?;
    out.step_summary(markdown);
    Ok(())
}

pub(crate) fn render(a: &Analysis<'_>) -> String {
    let mut out = String::new();
    heading(a, &mut out);
    findings_and_machines(a, &mut out);
    for workload in &a.workloads {
        for mode in a.modes_of(workload) {
            workload_table(a, workload, mode, &mut out);
        }
    }
    if !a.workloads.is_empty() {
        out.push_str("\nCells: median wall time (speedup against 1 worker). ");
        if a.summary.cells.iter().any(CellSummary::partly_failed) {
            out.push_str("⚠: some samples failed. ");
        }
        out.push_str(
            "Shape: bimodal samples, a drift between the first and second half, or outliers.\n",
        );
        let _ = writeln!(out, "{}.", md(&upper_first(precision::ROW_LEGEND)));
    }
    failed_cells(a, &mut out);
    out
}

/// The title, the status and builds, and the machine of a replicated
/// run's report of one machine.
fn heading(a: &Analysis<'_>, out: &mut String) {
    let r = a.results;
    let _ = writeln!(out, "# gilbench: run {}\n", md(&r.run_id));
    let builds: Vec<String> = a
        .builds
        .iter()
        .map(|b| {
            if a.baseline.as_deref() == Some(b.as_str()) {
                format!("{} (baseline)", md(b))
            } else {
                md(b)
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "Status: **{}** · started {} · builds: {}\n",
        md(r.status.as_str()),
        md(&r.started_at),
        builds.join(", ")
    );
    if let Some(line) = machines::replica_line(r) {
        let _ = writeln!(out, "Measured on {}\n", md(&line));
    }
}

/// The findings, then the machines of a run on several.
fn findings_and_machines(a: &Analysis<'_>, out: &mut String) {
    out.push_str("## Findings\n\n");
    let found = findings::derive(a);
    if found.is_empty() {
        out.push_str("Nothing stands out.\n");
    }
    for f in &found {
        let _ = writeln!(out, "- {}", md(&f.text));
    }
    let machines = machines::rows(a.results);
    if !machines.is_empty() {
        out.push_str("\n## Machines\n\n");
        out.push_str(&machines_table(&machines, &machines::set_aside(a)));
    }
}

/// A workload in a mode: a row per build with samples, a column per
/// worker count, then the row's precision and shapes.
fn workload_table(a: &Analysis<'_>, workload: &str, mode: Mode, out: &mut String) {
    let threads = a.threads_of(workload, mode);
    let _ = writeln!(
        out,
        "\n## {} ({} scaling, {mode} mode)\n",
        md(workload),
        a.scaling_name(workload)
    );
    let mut header = String::from("| build |");
    let mut rule = String::from("| --- |");
    for t in &threads {
        let _ = write!(header, " {t} {} |", workers_word(mode, *t));
        rule.push_str(" ---: |");
    }
    header.push_str(" peak memory | precision | shape |");
    rule.push_str(" ---: | ---: | --- |");
    let _ = writeln!(out, "{header}\n{rule}");
    for build in &a.builds {
        if a.series(build, workload, mode).is_empty() {
            continue;
        }
        let mut row = format!("| {} |", md(build));
        for t in &threads {
            let cell = a.cell(build, workload, mode, *t);
            let _ = write!(row, " {} |", cell_text(cell, *t));
        }
        let least = precision::least(a.series(build, workload, mode));
        let _ = writeln!(
            out,
            "{row} {} | {} | {} |",
            memory_range(a.series(build, workload, mode)).unwrap_or_default(),
            least.map_or_else(String::new, precision::text),
            md(&shapes(a, build, workload, mode))
        );
    }
}

/// A cell of a workload's table: the median (and the speedup above one
/// worker), or why there is none; "⚠" when some samples failed.
fn cell_text(cell: Option<&CellSummary>, threads: u32) -> String {
    let text = match cell {
        None => "".to_string(),
        Some(c) => match (c.wall, c.speedup) {
            (Some(w), Some(s)) if threads > 1 => {
                format!("{} ({})", fmt_seconds(w.median), fmt_times(s.value))
            }
            (Some(w), _) => fmt_seconds(w.median),
            (None, _) if c.counts.failed > 0 => "failed".into(),
            (None, _) if c.unsupported.is_some() => "unsupported".into(),
            (None, _) => "—".into(),
        },
    };
    let flag = match cell {
        Some(c) if c.partly_failed() => " ⚠",
        _ => "",
    };
    format!("{text}{flag}")
}

/// The failed cells, with their first message.
fn failed_cells(a: &Analysis<'_>, out: &mut String) {
    let failed: Vec<_> = a.summary.failed_cells().collect();
    if failed.is_empty() {
        return;
    }
    out.push_str("\n## Failed cells\n\n");
    out.push_str("| build | workload | mode | workers | failed | kind | first message |\n");
    out.push_str("| --- | --- | --- | ---: | ---: | --- | --- |\n");
    for c in failed {
        let mut message = c
            .failures
            .first()
            .map(|f| truncate(&one_line(&f.message), 160))
            .unwrap_or_default();
        if let Some(reproducer) = c
            .failures
            .iter()
            .find_map(findings::jit::failure_reproducer)
        {
            let _ = write!(message, "; {reproducer}");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} of {} | {} | {} |",
            md(&c.key.build),
            md(&c.key.workload),
            c.key.mode,
            c.key.threads,
            c.counts.failed,
            c.counts.samples,
            md(&c.failure_kinds().join(", ")),
            md(&message)
        );
    }
}

/// The machines table as GitHub-flavoured Markdown, with the set-aside
/// lines under it.
fn machines_table(rows: &[MachineRow], set_aside: &[String]) -> String {
    let split = rows.iter().any(|r| !r.units.is_empty());
    let mut out = String::from(
        "| machine | engine | host | CPU | cores | kernel | engine version | CPUs given |",
    );
    out.push_str(if split { " units |\n" } else { "\n" });
    out.push_str("| --- | --- | --- | --- | ---: | --- | --- | --- |");
    out.push_str(if split { " --- |\n" } else { "\n" });
    for r in rows {
        let id = match r.link.as_str() {
            "" => md(&r.id),
            link => format!("[{}]({link})", md(&r.id)),
        };
        let _ = write!(
            out,
            "| {id} | {} | {} | {} | {} | {} | {} | {} |",
            md(&r.engine),
            md(&r.host),
            md(&r.cpu_model),
            md(&r.cores),
            md(&r.kernel),
            md(&r.engine_version),
            md(&r.cpus)
        );
        if split {
            let _ = write!(out, " {} |", md(&r.units));
        }
        out.push('\n');
    }
    if !set_aside.is_empty() {
        out.push('\n');
    }
    for line in set_aside {
        let _ = writeln!(out, "- {}", md(line));
    }
    out
}

/// The overview of a replicated run: its machines, linked to their own
/// `summary.md`, the engines lost, and each machine against the first.
fn overview(o: &Overview<'_>) -> String {
    let r = o.results;
    let mut out = format!("# gilbench: run {}\n\n", md(&r.run_id));
    let _ = writeln!(
        out,
        "Status: **{}** · started {} · the whole matrix on each of {} machines, each \
         reported on its own\n",
        md(r.status.as_str()),
        md(&r.started_at),
        o.replicas.len()
    );
    out.push_str("## Machines\n\n");
    out.push_str(&machines_table(&o.machines("summary.md"), &[]));
    if !o.findings.is_empty() {
        out.push('\n');
    }
    for f in &o.findings {
        let _ = writeln!(out, "- {}", md(f));
    }
    for c in &o.comparisons {
        let _ = writeln!(out, "\n## {}\n", md(&comparison_heading(c)));
        out.push_str(&compare::markdown(c));
    }
    out
}

/// The flagged shapes of a build's cells: "bimodal", or by workers when
/// the workload ran at several counts ("1 thread: bimodal; 4 threads: 1
/// outlier").
fn shapes(a: &Analysis<'_>, build: &str, workload: &str, mode: Mode) -> String {
    let several = a.threads_of(workload, mode).len() > 1;
    let flagged: Vec<String> = a
        .series(build, workload, mode)
        .into_iter()
        .filter(|c| c.shape.flagged())
        .map(|c| {
            let what = shape::label(c);
            if several {
                let t = c.key.threads;
                format!("{t} {}: {what}", workers_word(mode, t))
            } else {
                what
            }
        })
        .collect();
    flagged.join("; ")
}

/// "precision: …" → "Precision: …".
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_have_a_column() {
        use crate::analysis::fixture::{fixture, noisy};
        let text = render(&Analysis::new(&noisy()));
        assert!(
            text.contains("| 3.14-jit | 316 ms | 10.5 MiB | — | bimodal |"),
            "{text}"
        );
        assert!(
            text.contains("| 3.14-jit | 424 ms | 10.5 MiB | ±6.2 % | bimodal, drift +12 % |"),
            "{text}"
        );
        assert!(
            text.contains("| 3.14 | 500 ms | 10.5 MiB | ±1.0 % | 1 outlier |"),
            "{text}"
        );
        // At several thread counts, the column says which.
        let mut run = fixture();
        let sample = run
            .samples
            .iter_mut()
            .find(|s| s.build == "3.13" && s.threads == 2 && !s.sample.warmup)
            .unwrap();
        sample.sample.wall_ns = sample.sample.wall_ns.map(|ns| ns * 3 / 2);
        let text = render(&Analysis::new(&run));
        assert!(text.contains("| — | 2 threads: 1 outlier |"), "{text}");
    }

    #[test]
    fn the_failure_flag_is_explained_only_where_it_is_shown() {
        use crate::results::{FailureKind, SampleStatus};
        let mut run = crate::analysis::fixture::fixture();
        // The fixture's one failed cell failed entirely: no cell is flagged.
        assert!(!render(&Analysis::new(&run)).contains('⚠'));
        let sample = run
            .samples
            .iter_mut()
            .find(|s| s.build == "3.13" && s.threads == 2 && !s.sample.warmup)
            .unwrap();
        sample.sample.status = SampleStatus::Failed;
        sample.sample.kind = Some(FailureKind::Exception);
        sample.sample.wall_ns = None;
        let text = render(&Analysis::new(&run));
        assert!(text.contains("(1.00×) ⚠ |"), "{text}");
        assert!(text.contains("⚠: some samples failed."), "{text}");
    }

    #[test]
    fn summary_matches_its_snapshot() {
        let run = crate::analysis::fixture::fixture();
        insta::assert_snapshot!(render(&Analysis::new(&run)));
    }
}
