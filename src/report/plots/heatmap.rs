//! (e) Overview: the speedup at the highest worker count, one row per
//! workload (and mode), one column per build; cells coloured from red
//! (slower than one worker) through grey (no gain) to green (ideal), the
//! value printed in each.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    Area, FONT, KeyAxis, LEGEND, TICKS, TITLE, label, label_area_width, row_name, svg,
    swatch_legend, text_style,
};
use crate::analysis::Analysis;
use crate::format::fmt_times;
use crate::report::findings::top_speedup;
use crate::results::Mode;

const NEUTRAL: RGBColor = RGBColor(242, 242, 242);
const GOOD: RGBColor = RGBColor(26, 152, 80);
const BAD: RGBColor = RGBColor(215, 48, 39);
const MISSING: RGBColor = RGBColor(215, 215, 215);

struct Cell {
    /// (threads, speedup)
    value: Option<(u32, f64)>,
    failed: bool,
}

/// The heatmap, or None when nothing has a speedup.
pub(crate) fn render(a: &Analysis<'_>) -> Result<Option<String>> {
    let mut rows: Vec<(String, Vec<Cell>)> = Vec::new();
    for workload in &a.workloads {
        for mode in a.modes_of(workload) {
            let cells: Vec<Cell> = a
                .builds
                .iter()
                .map(|b| Cell {
                    value: top_speedup(a, b, workload, mode).map(|(t, e)| (t, e.value)),
                    failed: a
                        .series(b, workload, mode)
                        .iter()
                        .any(|c| !c.failures.is_empty()),
                })
                .collect();
            let name = match mode {
                Mode::Threads => label(workload, 36),
                other => format!("{} ({other})", label(workload, 28)),
            };
            rows.push((name, cells));
        }
    }
    if !rows.iter().any(|r| r.1.iter().any(|c| c.value.is_some())) {
        return Ok(None);
    }
    let mut counts: Vec<u32> = rows
        .iter()
        .flat_map(|r| r.1.iter().filter_map(|c| c.value.map(|v| v.0)))
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let uniform = (counts.len() == 1).then(|| counts[0]);
    let title = match uniform {
        Some(n) => format!("Speedup at {n} workers vs 1 worker"),
        None => "Speedup at each cell's highest worker count (shown as @N)".to_string(),
    };
    let label_width = label_area_width(rows.iter().map(|r| r.0.as_str()));
    let column = 170;
    let width = (label_width as u32 + column * a.builds.len() as u32 + 60).clamp(900, 1180);
    let height = 150 + 44 * rows.len() as u32;
    let chart = Heatmap {
        a,
        rows: &rows,
        uniform,
        label_width: label_width as u32,
        title: &title,
    };
    svg((width, height), &title, |root| chart.draw(root)).map(Some)
}

#[derive(Clone, Copy)]
struct Heatmap<'a> {
    a: &'a Analysis<'a>,
    rows: &'a [(String, Vec<Cell>)],
    uniform: Option<u32>,
    label_width: u32,
    title: &'a str,
}

impl Heatmap<'_> {
    fn draw(self, root: &Area<'_>) -> Result<()> {
        let (_, height) = root.dim_in_pixel();
        let (upper, lower) = root.split_vertically(height - 44);
        let (n_rows, n_cols) = (self.rows.len(), self.a.builds.len());
        let row_centres: Vec<f64> = (0..n_rows)
            .map(|i| n_rows as f64 - i as f64 - 0.5)
            .collect();
        let col_centres: Vec<f64> = (0..n_cols).map(|i| i as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(&upper)
            .caption(self.title, (FONT, TITLE))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(self.label_width)
            .build_cartesian_2d(
                KeyAxis::new(0.0, n_cols as f64, col_centres),
                KeyAxis::new(0.0, n_rows as f64, row_centres),
            )?;
        let builds: Vec<String> = self.a.builds.iter().map(|b| label(b, 24)).collect();
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_mesh()
            .label_style((FONT, TICKS))
            .x_label_formatter(&|x| {
                builds
                    .get(x.floor().max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            })
            .y_label_formatter(&|y| row_name(&names, *y))
            .draw()?;
        for (i, (_, cells)) in self.rows.iter().enumerate() {
            let top = n_rows as f64 - i as f64;
            for (j, cell) in cells.iter().enumerate() {
                let x = j as f64;
                let fill = match cell.value {
                    Some((threads, s)) => colour_for(s, threads),
                    None => MISSING,
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.02, top - 0.04), (x + 0.98, top - 0.96)],
                    fill.filled(),
                )))?;
                let mut text = match cell.value {
                    Some((_, s)) if self.uniform.is_some() => fmt_times(s),
                    Some((threads, s)) => format!("{} @{threads}", fmt_times(s)),
                    None if cell.failed => "failed".to_string(),
                    None => "—".to_string(),
                };
                if cell.failed && cell.value.is_some() {
                    text.push_str(" ⚠");
                }
                let ink = if luminance(fill) < 0.45 { WHITE } else { BLACK };
                let centre = chart.backend_coord(&(x + 0.5, top - 0.5));
                root.draw(&Text::new(
                    text,
                    centre,
                    text_style(LEGEND + 2, HPos::Center, VPos::Center).color(&ink),
                ))?;
            }
        }
        let ideal = self
            .uniform
            .map_or_else(|| "ideal (N×)".to_string(), |n| format!("ideal ({n}×)"));
        swatch_legend(
            &lower,
            &[
                ("slower than 1 worker (≤ 0.5×)".into(), BAD),
                ("no gain (1×)".into(), NEUTRAL),
                (ideal, GOOD),
                ("no data".into(), MISSING),
                ("⚠ some samples failed".into(), WHITE),
            ],
        )
    }
}

/// Red below 1× (full at 0.5×), neutral at 1×, green at the ideal N×; log scale.
fn colour_for(speedup: f64, threads: u32) -> RGBColor {
    if speedup.is_nan() || speedup <= 0.0 {
        return BAD;
    }
    let t = if speedup >= 1.0 {
        (speedup.ln() / f64::from(threads.max(2)).ln()).min(1.0)
    } else {
        (speedup.ln() / 2f64.ln()).max(-1.0)
    };
    let (from, to, t) = if t >= 0.0 {
        (NEUTRAL, GOOD, t)
    } else {
        (NEUTRAL, BAD, -t)
    };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

fn luminance(c: RGBColor) -> f64 {
    (0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2)) / 255.0
}
