//! (e) Peak resident memory while the work ran against the number of
//! workers: a line per build, the median with its 95 % interval.

use anyhow::Result;

use super::{LineChart, WorkloadChart, lines_of, threads_shown, x_desc};

/// None when no cell of the workload and mode has memory figures.
pub(crate) fn render(ctx: WorkloadChart<'_>) -> Result<Option<String>> {
    let lines = lines_of(ctx.analysis, ctx.workload, ctx.mode, |c| {
        let m = c.memory?;
        Some((m.value, m.low, m.high))
    });
    if lines.is_empty() {
        return Ok(None);
    }
    let chart = LineChart {
        title: format!("{}: peak memory", ctx.name()),
        x_desc: x_desc(ctx.mode),
        y_desc: "peak memory (MiB), median; bars: 95 % CI".into(),
        threads: threads_shown(ctx.analysis, &lines),
        lines,
        references: Vec::new(),
        marker: None,
        level: None,
        y_floor: 0.0,
    };
    Ok(Some(chart.render()?))
}
