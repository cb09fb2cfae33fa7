//! (c) Effective parallelism (sum of the workers' CPU time over the wall
//! time) against the number of workers: ~1 under the GIL, up to N (or the
//! CPU count) when workers really run at once.

use anyhow::Result;

use super::{LineChart, Reference, WorkloadChart, lines_of, threads_shown, x_desc};

pub(crate) fn render(ctx: WorkloadChart<'_>) -> Result<String> {
    let a = ctx.analysis;
    let lines = lines_of(a, ctx.workload, ctx.mode, |c| {
        let p = c.parallelism?;
        Some((p.median, p.q1, p.q3))
    });
    let threads = threads_shown(a, &lines);
    let most = threads.last().copied().unwrap_or(1);
    LineChart {
        title: format!("{}: effective parallelism", ctx.name()),
        x_desc: x_desc(ctx.mode),
        y_desc: "busy workers (worker CPU s / wall s)".into(),
        threads,
        lines,
        references: vec![Reference {
            name: "ideal (all N busy)".into(),
            y: |n| n,
        }],
        marker: None,
        level: a.cores.map(|c| {
            (
                f64::from(c),
                format!("{c} CPU{} available", if c == 1 { "" } else { "s" }),
            )
        }),
        y_floor: f64::from(a.cores.map_or(most, |c| most.min(c))),
    }
    .render()
}
