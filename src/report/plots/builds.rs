//! (d) The builds against the baseline build at one worker, across all
//! workloads: how much each build's median time differs (the free-threaded
//! build's cost, the JIT's gain), with bootstrap intervals.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    AXIS_DESC, Area, FONT, KeyAxis, TICKS, TITLE, build_colour, label, label_area_width, row_name,
    svg, swatch_legend, text_style, tick_formatter,
};
use crate::analysis::Analysis;
use crate::stats::Estimate;

/// The chart, or None when there is no second build to compare.
pub(crate) fn render(a: &Analysis<'_>) -> Result<Option<String>> {
    let Some(baseline) = a.baseline.as_deref() else {
        return Ok(None);
    };
    let others: Vec<&String> = a.builds.iter().filter(|b| *b != baseline).collect();
    // Rows: workloads with at least one estimate; values: change in percent.
    let mut rows: Vec<(String, Vec<Option<Estimate>>)> = Vec::new();
    for workload in &a.workloads {
        let values: Vec<Option<Estimate>> = others
            .iter()
            .map(|b| {
                a.modes_of(workload)
                    .into_iter()
                    .find_map(|m| a.relative_to_baseline(b, workload, m))
                    .map(|e| Estimate {
                        value: (e.value - 1.0) * 100.0,
                        low: (e.low - 1.0) * 100.0,
                        high: (e.high - 1.0) * 100.0,
                    })
            })
            .collect();
        if values.iter().any(Option::is_some) {
            rows.push((label(workload, 36), values));
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let base = label(baseline, 32);
    let title = format!("Time at 1 worker relative to {base} (negative = faster)");
    let band = (22 * others.len() as u32 + 16).max(34);
    let height = 150 + band * rows.len() as u32;
    let width = 1180;
    let chart = Chart {
        rows: &rows,
        others: &others,
        a,
        base: &base,
        title: &title,
    };
    svg((width, height), &title, |root| chart.draw(root)).map(Some)
}

#[derive(Clone, Copy)]
struct Chart<'a> {
    rows: &'a [(String, Vec<Option<Estimate>>)],
    others: &'a [&'a String],
    a: &'a Analysis<'a>,
    base: &'a str,
    title: &'a str,
}

impl Chart<'_> {
    fn draw(self, root: &Area<'_>) -> Result<()> {
        let (_, height) = root.dim_in_pixel();
        let (upper, lower) = root.split_vertically(height - 44);
        let n = self.rows.len();
        let estimates = || self.rows.iter().flat_map(|r| r.1.iter().flatten());
        let lo = estimates()
            .map(|e| e.low.min(e.value))
            .fold(0.0_f64, f64::min);
        let hi = estimates()
            .map(|e| e.high.max(e.value))
            .fold(0.0_f64, f64::max);
        let pad = ((hi - lo) * 0.14).max(5.0);
        let x_range = (lo - pad, hi + pad);
        let centres: Vec<f64> = (0..n).map(|i| n as f64 - i as f64 - 0.5).collect();
        let label_width = label_area_width(self.rows.iter().map(|r| r.0.as_str()));
        let mut chart = ChartBuilder::on(&upper)
            .caption(self.title, (FONT, TITLE))
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(u32::try_from(label_width).unwrap_or(120))
            .build_cartesian_2d(
                x_range.0..x_range.1,
                KeyAxis::new(0.0, n as f64, centres.clone()),
            )?;
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let x_format = tick_formatter(x_range);
        chart
            .configure_mesh()
            .x_desc(format!(
                "change in median wall time vs {} at 1 worker (%); bars: 95 % CI",
                self.base
            ))
            .axis_desc_style((FONT, AXIS_DESC))
            .label_style((FONT, TICKS))
            .y_label_formatter(&|y| row_name(&names, *y))
            .x_label_formatter(&|x| format!("{}%", x_format(x)))
            .disable_y_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            BLACK.stroke_width(1),
        )))?;

        let slots = self.others.len() as f64;
        let mut legend = Vec::new();
        for (j, build) in self.others.iter().enumerate() {
            let colour = build_colour(self.a.build_index(build));
            legend.push((label(build, 32), colour));
            for (row, centre) in self.rows.iter().zip(&centres) {
                let Some(e) = row.1[j] else { continue };
                let top = centre + 0.4 - 0.8 * j as f64 / slots;
                let bottom = centre + 0.4 - 0.8 * (j + 1) as f64 / slots;
                let mid = (top + bottom) / 2.0;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top - 0.02), (e.value, bottom + 0.02)],
                    colour.mix(0.85).filled(),
                )))?;
                chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
                    mid,
                    e.low,
                    e.value,
                    e.high,
                    BLACK.stroke_width(1),
                    6,
                )))?;
                let (anchor, x) = if e.value >= 0.0 {
                    (HPos::Left, e.high.max(e.value))
                } else {
                    (HPos::Right, e.low.min(e.value))
                };
                let at = chart.backend_coord(&(x, mid));
                let shift = if e.value >= 0.0 { 6 } else { -6 };
                root.draw(&Text::new(
                    format!("{:+.0} %", e.value),
                    (at.0 + shift, at.1),
                    text_style(TICKS, anchor, VPos::Center),
                ))?;
            }
        }
        swatch_legend(&lower, &legend)?;
        Ok(())
    }
}
