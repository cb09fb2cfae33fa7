//! (f) Every sample: a strip chart of the measured wall times, grouped by
//! thread count, one strip per build within a group. A strip's dots run
//! left to right in the order the samples were taken, so two clusters
//! show as two bands and a drift as a slope; a bar marks the median and
//! an open circle an outlier. The time axis is linear, or logarithmic
//! when the times span more than [`LOG_SPAN`]× (as weak scaling's do).
//!
//! Above [`MAX_DOTS`] samples in one chart the dots would run together
//! (and a large run's page would hold one element per sample): each strip
//! then shows how many of its samples fall in each band of time, the first
//! half of them (in the order taken) to the left of the strip's middle and
//! the second half to the right, so two clusters still show as two
//! bulges and a drift as a lopsided shape. Outliers stay open circles.

use std::collections::BTreeMap;

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{linear_ticks, log_ticks, tick_label};
use super::{
    AXIS_DESC, Area, CompactSvg, FONT, KeyAxis, SMALL, TICKS, TITLE, WorkloadChart, build_colour,
    label, svg, swatch_legend, text_style, time_unit,
};
use crate::analysis::{CellSummary, Measurement};
use crate::report::text::workers_word;

/// Above this ratio of the longest to the shortest time, the axis is
/// logarithmic.
const LOG_SPAN: f64 = 3.0;
/// Width of a group of strips (one thread count), in group units.
const GROUP: f64 = 0.8;
/// The most samples one chart draws as dots; above, strips are shapes.
const MAX_DOTS: usize = 400;
/// Bands of time over the axis, for the shapes.
const BANDS: f64 = 60.0;
/// Half the width of a strip's median bar and shape, as a part of the strip.
const HALF: f64 = 0.42;

/// One strip: a cell's samples at a position on the x axis.
struct Strip<'c> {
    centre: f64,
    colour: RGBColor,
    cell: &'c CellSummary,
}

/// The time axis: linear, or logarithmic (positions are ln of the time).
#[derive(Clone, Copy)]
struct TimeAxis {
    log: bool,
    /// From seconds to the shown unit.
    scale: f64,
}

impl TimeAxis {
    fn position(self, seconds: f64) -> f64 {
        let shown = seconds * self.scale;
        if self.log { shown.ln() } else { shown }
    }
    fn value(self, position: f64) -> f64 {
        if self.log { position.exp() } else { position }
    }
}

pub(crate) fn render(ctx: WorkloadChart<'_>) -> Result<String> {
    let a = ctx.analysis;
    let threads = a.threads_of(ctx.workload, ctx.mode);
    let builds: Vec<&String> = a
        .builds
        .iter()
        .filter(|b| {
            a.series(b, ctx.workload, ctx.mode)
                .iter()
                .any(|c| c.has_measurements())
        })
        .collect();
    let width = GROUP / builds.len().max(1) as f64;
    let mut strips = Vec::new();
    for (g, t) in threads.iter().enumerate() {
        for (j, build) in builds.iter().enumerate() {
            if let Some(cell) = a
                .cell(build, ctx.workload, ctx.mode, *t)
                .filter(|c| c.has_measurements())
            {
                strips.push(Strip {
                    centre: g as f64 - GROUP / 2.0 + width * (j as f64 + 0.5),
                    colour: build_colour(a.build_index(build)),
                    cell,
                });
            }
        }
    }
    // The x ticks: thread counts, or the builds when there is one count.
    let ticks: Vec<(f64, String)> = if threads.len() == 1 {
        builds
            .iter()
            .enumerate()
            .map(|(j, b)| (-GROUP / 2.0 + width * (j as f64 + 0.5), label(b, 16)))
            .collect()
    } else {
        threads
            .iter()
            .enumerate()
            .map(|(g, t)| (g as f64, t.to_string()))
            .collect()
    };
    let dots = strips
        .iter()
        .map(|s| s.cell.measurements.len())
        .sum::<usize>()
        <= MAX_DOTS;
    let across = if threads.len() == 1 {
        "build".to_string()
    } else {
        format!("worker {}", workers_word(ctx.mode, 2))
    };
    let x = XAxis {
        desc: if dots {
            format!("{across}; samples left to right in the order taken")
        } else {
            format!("{across}; width: samples, earlier half left, later half right")
        },
        range: (-0.5, threads.len().max(1) as f64 - 0.5),
        ticks,
    };
    let title = format!("{}: every sample", ctx.name());
    let legend: Vec<(String, RGBColor)> = builds
        .iter()
        .map(|b| (label(b, 24), build_colour(a.build_index(b))))
        .collect();
    svg(SMALL, &title, |root| {
        let (_, height) = root.dim_in_pixel();
        let (upper, lower) = root.split_vertically(height - 36);
        draw(&upper, &title, &x, width, &strips, dots)?;
        swatch_legend(&lower, &legend)
    })
}

/// The x axis: groups of strips, or the builds' strips at one thread count.
struct XAxis {
    desc: String,
    range: (f64, f64),
    /// (position, label)
    ticks: Vec<(f64, String)>,
}

fn draw(
    area: &Area<'_>,
    title: &str,
    x: &XAxis,
    width: f64,
    strips: &[Strip<'_>],
    dots: bool,
) -> Result<()> {
    let (x_range, ticks) = (x.range, &x.ticks);
    let scale = TimeScale::of(strips);
    let axis = scale.axis;
    let y_range = scale.range;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, TITLE))
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(66)
        .build_cartesian_2d(
            KeyAxis::new(x_range.0, x_range.1, ticks.iter().map(|t| t.0).collect()),
            KeyAxis::new(y_range.0, y_range.1, scale.ticks),
        )?;
    let y_desc = format!(
        "wall time ({}{}); bar: median, ○ outlier",
        scale.unit,
        if axis.log { ", log scale" } else { "" }
    );
    chart
        .configure_mesh()
        .x_desc(&x.desc)
        .y_desc(y_desc)
        .axis_desc_style((FONT, AXIS_DESC))
        .label_style((FONT, TICKS))
        .x_label_formatter(&|x| {
            ticks
                .iter()
                .find(|t| (t.0 - x).abs() < 1e-9)
                .map(|t| t.1.clone())
                .unwrap_or_default()
        })
        .y_label_formatter(&|y| tick_label(axis.value(*y)))
        .disable_x_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    if strips.is_empty() {
        let centre =
            chart.backend_coord(&((x_range.0 + x_range.1) / 2.0, (y_range.0 + y_range.1) / 2.0));
        area.draw(&Text::new(
            "no measurements",
            centre,
            text_style(AXIS_DESC, HPos::Center, VPos::Center),
        ))?;
        return Ok(());
    }
    for strip in strips {
        // The median's bar under the dots, but over a shape, which would
        // hide it.
        if dots {
            draw_median(&mut chart, strip, width, axis)?;
            draw_dots(&mut chart, strip, width, axis)?;
        } else {
            let band = (y_range.1 - y_range.0) / BANDS;
            draw_shape(&mut chart, strip, width, axis, band)?;
            draw_median(&mut chart, strip, width, axis)?;
        }
    }
    Ok(())
}

/// The time axis of a chart of `strips`: its scale, unit, range and ticks.
struct TimeScale {
    axis: TimeAxis,
    unit: &'static str,
    /// In axis positions.
    range: (f64, f64),
    ticks: Vec<f64>,
}

impl TimeScale {
    fn of(strips: &[Strip<'_>]) -> TimeScale {
        let walls = || {
            strips
                .iter()
                .flat_map(|s| s.cell.measurements.iter().map(|m| m.wall_s))
        };
        let low = walls().fold(f64::INFINITY, f64::min);
        let high = walls().fold(0.0_f64, f64::max);
        let (scale, unit) = time_unit(high);
        let axis = TimeAxis {
            log: low > 0.0 && high / low > LOG_SPAN,
            scale,
        };
        let (low_shown, high_shown) = (low * scale, high * scale);
        let (range, ticks) = if strips.is_empty() {
            ((0.0, 1.0), Vec::new())
        } else if axis.log {
            let ticks = log_ticks(low_shown, high_shown);
            let (lo, hi) = (low_shown.ln(), high_shown.ln());
            let pad = (hi - lo) * 0.08;
            ((lo - pad, hi + pad), ticks.iter().map(|t| t.ln()).collect())
        } else {
            let pad = ((high_shown - low_shown) * 0.12).max(high_shown * 0.02);
            let (lo, hi) = ((low_shown - pad).max(0.0), high_shown + pad);
            ((lo, hi), linear_ticks(lo, hi, 6))
        };
        TimeScale {
            axis,
            unit,
            range,
            ticks,
        }
    }
}

/// A strip chart as drawn.
type Chart<'a, 'b> = ChartContext<'a, CompactSvg<'b>, Cartesian2d<KeyAxis, KeyAxis>>;

/// The bar across a strip at its median.
fn draw_median(
    chart: &mut Chart<'_, '_>,
    strip: &Strip<'_>,
    width: f64,
    axis: TimeAxis,
) -> Result<()> {
    if let Some(wall) = strip.cell.wall {
        let y = axis.position(wall.median);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (strip.centre - width * HALF, y),
                (strip.centre + width * HALF, y),
            ],
            strip.colour.stroke_width(2),
        )))?;
    }
    Ok(())
}

/// The samples as dots, left to right in the order taken, outliers as
/// open circles.
fn draw_dots(
    chart: &mut Chart<'_, '_>,
    strip: &Strip<'_>,
    width: f64,
    axis: TimeAxis,
) -> Result<()> {
    let samples = &strip.cell.measurements;
    let spread = width * 0.7;
    let step = if samples.len() > 1 {
        spread / (samples.len() - 1) as f64
    } else {
        0.0
    };
    let left = strip.centre - step * (samples.len().saturating_sub(1)) as f64 / 2.0;
    let colour = strip.colour;
    chart.draw_series(samples.iter().enumerate().map(|(i, m)| {
        let at = (left + step * i as f64, axis.position(m.wall_s));
        if m.outlier {
            Circle::new(at, 5, colour.stroke_width(2))
        } else {
            Circle::new(at, 4, colour.mix(0.75).filled())
        }
    }))?;
    Ok(())
}

/// The samples as a shape: per band of time `band` high, a bar as wide as
/// the share of the strip's samples in it, the first half of the samples
/// to the left of the middle, the second half to the right; outliers as
/// open circles on their side.
fn draw_shape(
    chart: &mut Chart<'_, '_>,
    strip: &Strip<'_>,
    width: f64,
    axis: TimeAxis,
    band: f64,
) -> Result<()> {
    let samples = &strip.cell.measurements;
    let halves = samples.split_at(samples.len() / 2);
    let counts = [
        band_counts(halves.0, axis, band),
        band_counts(halves.1, axis, band),
    ];
    let most = counts
        .iter()
        .flat_map(|c| c.values())
        .max()
        .copied()
        .unwrap_or(1);
    // Opaque, as pale as the dots: a run of one colour is one path.
    let pale = blend(strip.colour, 0.75);
    for (side, half) in [(-1.0, &counts[0]), (1.0, &counts[1])] {
        chart.draw_series(half.iter().map(|(index, count)| {
            let reach = side * width * HALF * *count as f64 / most as f64;
            let low = *index as f64 * band;
            Rectangle::new(
                [(strip.centre, low), (strip.centre + reach, low + band)],
                pale.filled(),
            )
        }))?;
    }
    let outliers = [(-1.0, halves.0), (1.0, halves.1)]
        .into_iter()
        .flat_map(|(side, half)| {
            half.iter().filter(|m| m.outlier).map(move |m| {
                (
                    strip.centre + side * width * HALF / 2.0,
                    axis.position(m.wall_s),
                )
            })
        });
    chart.draw_series(outliers.map(|at| Circle::new(at, 5, strip.colour.stroke_width(2))))?;
    Ok(())
}

/// How many of `samples` (outliers aside) fall in each band of time, by
/// the band's index from the axis' zero.
fn band_counts(samples: &[Measurement], axis: TimeAxis, band: f64) -> BTreeMap<i64, usize> {
    let mut counts = BTreeMap::new();
    for m in samples.iter().filter(|m| !m.outlier) {
        let index = (axis.position(m.wall_s) / band).floor() as i64;
        *counts.entry(index).or_insert(0) += 1;
    }
    counts
}

/// `colour` at `alpha` over white, as an opaque colour.
fn blend(colour: RGBColor, alpha: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * alpha + 255.0 * (1.0 - alpha)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}
