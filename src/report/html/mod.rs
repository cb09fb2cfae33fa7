//! `index.html`: one self-contained page from the askama templates in
//! `templates/report/` (compiled into the binary, HTML escaping on). The
//! only unescaped insertions are the SVG charts, which plotters escapes
//! itself. A Content-Security-Policy forbids scripts and every external
//! request; the page works offline.

use anyhow::Result;
use askama::Template;

mod facts;
mod overview;

use facts::{Fact, FactRow, build_facts, config, environment};

use super::export::{Format, Output};
use super::machines::overview::Overview;
use super::machines::{self, MachineRow};
use super::plots::{self, WorkloadChart, build_colour, hex};
use super::text::{fmt_times_ci, memory_ci, workers_word};
use super::{findings, precision, shape};
use crate::analysis::{Analysis, CellSummary, Failure};
use crate::format::{fmt_change, fmt_mib, fmt_seconds, one_line, truncate};
use crate::lines::tail_lines;

/// `index.html`: the run's page, or a replicated run's overview.
pub(crate) struct Html;

impl Format for Html {
    fn run(&self, a: &Analysis<'_>, out: &mut Output) -> Result<()> {
        out.file("index.html", render(a)?.as_bytes())
    }

    fn overview(&self, o: &Overview<'_>, out: &mut Output) -> Result<()> {
        out.file("index.html", overview::render(o)?.as_bytes())
    }
}

/// `index.html` as a string.
pub fn index_html(results: &crate::results::RunResults) -> Result<String> {
    render(&Analysis::new(results))
}

pub(crate) fn render(a: &Analysis<'_>) -> Result<String> {
    Ok(IndexPage::new(a)?.render()?)
}

#[derive(Template)]
#[template(path = "report/index.html")]
struct IndexPage {
    title: String,
    run_id: String,
    status: String,
    complete: bool,
    started_at: String,
    finished_at: String,
    gilbench_version: String,
    findings: Vec<FindingView>,
    baseline: String,
    heatmap: Option<String>,
    builds_chart: Option<String>,
    /// With `--warm-calls`: each build's workloads warm and cold.
    warm: Option<WarmView>,
    /// In a replicated run's report of one machine: that machine.
    replica: Option<String>,
    /// Empty when the run used one machine.
    machines: Vec<MachineRow>,
    /// Whether the machines table has a units column (a split run).
    split: bool,
    set_aside: Vec<String>,
    swatches: Vec<Swatch>,
    workloads: Vec<WorkloadView>,
    broken_workloads: Vec<Fact>,
    failures: Vec<FailureView>,
    builds: Vec<BuildHead>,
    build_facts: Vec<FactRow>,
    environment: Vec<Fact>,
    config: Vec<Fact>,
    command: String,
    seed: u64,
}

struct FindingView {
    class: &'static str,
    text: String,
}

struct Swatch {
    name: String,
    colour: String,
}

struct WorkloadView {
    anchor: String,
    name: String,
    description: String,
    facts: String,
    sections: Vec<ModeView>,
}

struct ModeView {
    heading: Option<String>,
    charts: Vec<String>,
    rows: Vec<RowView>,
}

struct RowView {
    build: String,
    colour: String,
    threads: u32,
    samples: String,
    median: String,
    /// Mean ± std and the range, shown on hover.
    spread: String,
    iqr: String,
    ci: String,
    speedup: String,
    efficiency: String,
    parallelism: String,
    /// "±1.8 %"; the median's and the speedup's on hover.
    precision: String,
    precision_detail: String,
    /// "12.3 MiB [12.1–12.5]"; the work's growth on hover.
    memory: String,
    growth: String,
    /// "bimodal, 1 outlier"; the phrases and the outliers' repeats on hover.
    shape: String,
    shape_detail: String,
    failed: String,
    class: &'static str,
}

struct WarmView {
    /// "5 untimed calls".
    calls: String,
    rows: Vec<WarmRow>,
}

struct WarmRow {
    build: String,
    colour: String,
    workload: String,
    cold: String,
    warm: String,
    /// "-6.8 %"; the interval on hover.
    change: String,
    change_detail: String,
    /// What the first call pays beyond a warm one.
    first_extra: String,
    warm_up: String,
}

struct FailureView {
    anchor: String,
    cell: String,
    summary: String,
    samples: Vec<Fact>,
    /// Where the JIT caused the failure: its reproducer's two runs.
    reproducer: String,
    stderr: String,
}

struct BuildHead {
    name: String,
    colour: String,
    baseline: bool,
    image: String,
    image_id: String,
}

impl IndexPage {
    fn new(a: &Analysis<'_>) -> Result<IndexPage> {
        let r = a.results;
        let findings = findings::derive(a)
            .into_iter()
            .map(|f| FindingView {
                class: match f.kind {
                    findings::FindingKind::Status => "status",
                    findings::FindingKind::Failures => "failures",
                    findings::FindingKind::Gil => "gil",
                    findings::FindingKind::Shape => "shape",
                    _ => "plain",
                },
                text: f.text,
            })
            .collect();
        let mut workloads = Vec::new();
        for (index, name) in a.workloads.iter().enumerate() {
            workloads.push(workload_view(a, index, name)?);
        }
        Ok(IndexPage {
            title: format!("gilbench report {}", one_line(&r.run_id)),
            run_id: r.run_id.clone(),
            status: r.status.as_str().to_string(),
            complete: r.status == crate::results::RunStatus::Complete,
            started_at: r.started_at.clone(),
            finished_at: r.finished_at.clone().unwrap_or_else(|| "—".into()),
            gilbench_version: r.gilbench_version.clone(),
            findings,
            baseline: a.baseline.clone().unwrap_or_default(),
            heatmap: plots::heatmap::render(a)?,
            builds_chart: plots::builds::render(a)?,
            warm: warm_view(a),
            replica: machines::replica_line(r),
            machines: machines::rows(r),
            split: r.config.distribute == crate::results::Distribute::Split,
            set_aside: machines::set_aside(a),
            swatches: a
                .builds
                .iter()
                .enumerate()
                .map(|(i, b)| Swatch {
                    name: b.clone(),
                    colour: hex(build_colour(i)),
                })
                .collect(),
            workloads,
            broken_workloads: r
                .workloads
                .iter()
                .filter_map(|w| Some(Fact::new(&w.name, w.error.clone()?)))
                .collect(),
            failures: failure_views(a),
            builds: a.builds.iter().map(|b| build_head(a, b)).collect(),
            build_facts: build_facts(a),
            environment: environment(a),
            config: config(a),
            command: shell_words::join(&r.command_line),
            seed: r.config.seed,
        })
    }
}

fn workload_view(a: &Analysis<'_>, index: usize, name: &str) -> Result<WorkloadView> {
    let info = a.results.workload(name);
    let mut facts = vec![format!("{} scaling", a.scaling_name(name))];
    if let Some(category) = info.and_then(|w| w.category.as_deref()) {
        facts.push(format!("category {category}"));
    }
    if let Some(size) = info.and_then(|w| w.size) {
        facts.push(format!("size {size}"));
    }
    let modes = a.modes_of(name);
    let mut sections = Vec::new();
    for mode in &modes {
        let ctx = WorkloadChart {
            analysis: a,
            workload: name,
            mode: *mode,
        };
        // At one thread count, speedup, parallelism and memory would be one point each.
        let mut charts = vec![plots::time::render(ctx)?];
        if a.threads_of(name, *mode).len() > 1 {
            charts.push(plots::speedup::render(ctx)?);
            charts.push(plots::parallelism::render(ctx)?);
            charts.extend(plots::memory::render(ctx)?);
        }
        charts.push(plots::strip::render(ctx)?);
        let mut rows = Vec::new();
        for build in &a.builds {
            for cell in a.series(build, name, *mode) {
                rows.push(row_view(a, cell));
            }
        }
        sections.push(ModeView {
            heading: (modes.len() > 1).then(|| format!("{mode} mode")),
            charts,
            rows,
        });
    }
    Ok(WorkloadView {
        anchor: format!("workload-{index}"),
        name: name.to_string(),
        description: info.and_then(|w| w.description.clone()).unwrap_or_default(),
        facts: facts.join(" · "),
        sections,
    })
}

fn row_view(a: &Analysis<'_>, c: &CellSummary) -> RowView {
    let dash = || "—".to_string();
    let outliers: Vec<String> = c.outliers().map(|m| format!("#{}", m.repeat)).collect();
    RowView {
        build: c.key.build.clone(),
        colour: hex(build_colour(a.build_index(&c.key.build))),
        threads: c.key.threads,
        samples: format!("{}", c.counts.measured),
        median: c.wall.map_or_else(dash, |w| fmt_seconds(w.median)),
        iqr: c.wall.map_or_else(dash, |w| {
            format!("{} – {}", fmt_seconds(w.q1), fmt_seconds(w.q3))
        }),
        ci: c.median.map_or_else(dash, |e| {
            format!("{} – {}", fmt_seconds(e.low), fmt_seconds(e.high))
        }),
        spread: c.wall.map_or_else(String::new, |w| {
            let sd = w
                .std_dev
                .map(|sd| format!(" ± {}", fmt_seconds(sd)))
                .unwrap_or_default();
            format!(
                "mean {}{sd}; min {}, max {}",
                fmt_seconds(w.mean),
                fmt_seconds(w.min),
                fmt_seconds(w.max)
            )
        }),
        speedup: c.speedup.map_or_else(dash, fmt_times_ci),
        efficiency: c
            .efficiency
            .map_or_else(dash, |e| format!("{:.0} %", e.value * 100.0)),
        parallelism: c
            .parallelism
            .map_or_else(dash, |p| format!("{:.2}", p.median)),
        precision: if c.has_measurements() {
            precision::text(c.precision.reached())
        } else {
            dash()
        },
        precision_detail: precision::detail(c),
        memory: c.memory.map_or_else(dash, memory_ci),
        growth: c.growth.map_or_else(String::new, |g| {
            format!("the work grew it by {} (median)", fmt_mib(g.median))
        }),
        shape: shape::label(c),
        shape_detail: {
            let mut detail = shape::phrases(c);
            if !outliers.is_empty() {
                detail.push(format!("outliers: {}", outliers.join(", ")));
            }
            detail.join("; ")
        },
        failed: if c.counts.failed > 0 {
            format!("{} failed", c.counts.failed)
        } else if c.unsupported.is_some() {
            "unsupported".into()
        } else {
            String::new()
        },
        class: if !c.has_measurements() {
            "missing"
        } else if c.counts.failed > 0 {
            "partial"
        } else {
            ""
        },
    }
}

fn warm_view(a: &Analysis<'_>) -> Option<WarmView> {
    let rows: Vec<WarmRow> = findings::warm::rows(a)
        .into_iter()
        .map(|r| WarmRow {
            build: r.build.to_string(),
            colour: hex(build_colour(a.build_index(r.build))),
            workload: r.workload.to_string(),
            cold: fmt_seconds(r.cold_s),
            warm: fmt_seconds(r.warm_s),
            change: r.change_text(),
            change_detail: format!(
                "95 % interval: {} to {}",
                fmt_change(r.change.low),
                fmt_change(r.change.high)
            ),
            first_extra: fmt_seconds(r.cold_s - r.warm_s),
            warm_up: fmt_seconds(r.warm_up_s),
        })
        .collect();
    let calls = a.results.config.warm_calls;
    (!rows.is_empty()).then(|| WarmView {
        calls: format!("{calls} untimed call{}", if calls == 1 { "" } else { "s" }),
        rows,
    })
}

fn failure_views(a: &Analysis<'_>) -> Vec<FailureView> {
    a.summary
        .failed_cells()
        .enumerate()
        .map(|(i, c)| FailureView {
            anchor: format!("failure-{i}"),
            cell: format!(
                "{} × {} · {} mode · {} {}",
                c.key.build,
                c.key.workload,
                c.key.mode,
                c.key.threads,
                workers_word(c.key.mode, c.key.threads)
            ),
            summary: format!(
                "{} of {} samples failed ({})",
                c.counts.failed,
                c.counts.samples,
                c.failure_kinds().join(", ")
            ),
            samples: grouped_failures(&c.failures),
            reproducer: c
                .failures
                .iter()
                .find_map(findings::jit::failure_reproducer)
                .unwrap_or_default(),
            stderr: c
                .failures
                .iter()
                .find_map(|f| f.stderr_tail.as_deref())
                .map(|s| tail_lines(s, 40))
                .unwrap_or_default(),
        })
        .collect()
}

/// Failures with the same kind, exit code and message, listed once with
/// the samples they happened in.
fn grouped_failures(failures: &[Failure]) -> Vec<Fact> {
    type Key = (String, Option<i64>, String);
    let mut groups: Vec<(Key, Vec<String>)> = Vec::new();
    for f in failures {
        let which = if f.warmup {
            format!("warmup {}", f.repeat)
        } else {
            format!("repeat {}", f.repeat)
        };
        let key = (f.kind_name().to_string(), f.exit_code, f.message.clone());
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(group) => group.1.push(which),
            None => groups.push((key, vec![which])),
        }
    }
    groups
        .into_iter()
        .map(|((kind, exit, message), which)| {
            let exit = exit.map(|e| format!(", exit code {e}")).unwrap_or_default();
            Fact::new(
                which.join(", "),
                format!("{kind}{exit}: {}", truncate(&message, 600)),
            )
        })
        .collect()
}

fn build_head(a: &Analysis<'_>, name: &str) -> BuildHead {
    let record = a.build_record(name);
    BuildHead {
        name: name.to_string(),
        colour: hex(build_colour(a.build_index(name))),
        baseline: a.baseline.as_deref() == Some(name),
        image: record.map_or_else(|| "—".into(), |r| r.image.clone()),
        image_id: record.map_or_else(|| "—".into(), |r| r.image_id.clone()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_reads_back_in_a_shell() {
        assert_eq!(
            shell_words::join(["gilbench", "run", "--workload", "it's here"]),
            r"gilbench run --workload 'it'\''s here'"
        );
    }
}
