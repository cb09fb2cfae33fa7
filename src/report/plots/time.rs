//! (a) Wall time against the number of workers: a line per build, the
//! median with the quartiles as error bars.

use anyhow::Result;

use super::{LineChart, WorkloadChart, lines_of, threads_shown, time_unit, x_desc};

pub(crate) fn render(ctx: WorkloadChart<'_>) -> Result<String> {
    let mut lines = lines_of(ctx.analysis, ctx.workload, ctx.mode, |c| {
        let w = c.wall?;
        Some((w.median, w.q1, w.q3))
    });
    let max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let (scale, unit) = time_unit(max);
    for line in &mut lines {
        for p in &mut line.points {
            *p = (p.0, p.1 * scale, p.2 * scale, p.3 * scale);
        }
    }
    LineChart {
        title: format!("{}: wall time", ctx.name()),
        x_desc: x_desc(ctx.mode),
        y_desc: format!("wall time ({unit}), median; bars: quartiles"),
        threads: threads_shown(ctx.analysis, &lines),
        lines,
        references: Vec::new(),
        marker: ctx.cores_marker(),
        level: None,
        y_floor: 0.0,
    }
    .render()
}
