//! (b) Speedup against the number of workers: a line per build with its
//! bootstrap interval, the ideal speedup (N) and the CPU count marked.

use anyhow::Result;

use super::{LineChart, Reference, WorkloadChart, lines_of, threads_shown, x_desc};

pub(crate) fn render(ctx: WorkloadChart<'_>) -> Result<String> {
    let a = ctx.analysis;
    let lines = lines_of(a, ctx.workload, ctx.mode, |c| {
        let s = c.speedup?;
        Some((s.value, s.low, s.high))
    });
    let threads = threads_shown(a, &lines);
    let most = threads.last().copied().unwrap_or(1);
    let ideal_shown = a.cores.map_or(most, |c| most.min(c.max(2)));
    LineChart {
        title: format!(
            "{}: speedup ({} scaling)",
            ctx.name(),
            a.scaling_name(ctx.workload)
        ),
        x_desc: x_desc(ctx.mode),
        y_desc: "speedup vs 1 worker (×); bars: 95 % CI".into(),
        threads,
        lines,
        references: vec![Reference {
            name: "ideal (speedup = N)".into(),
            y: |n| n,
        }],
        marker: ctx.cores_marker(),
        level: Some((1.0, "1× = no gain".into())),
        y_floor: f64::from(ideal_shown),
    }
    .render()
}
