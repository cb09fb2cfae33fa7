//! Charts as SVG strings, one file per chart, drawn with plotters into
//! [`CompactSvg`] (`svg.rs`), which shares styles among marks so that a
//! page of hundreds of charts stays small. It writes text as `<text>`
//! elements (the browser picks the font, no font files are needed) and
//! escapes `<`, `>`, `&` and quotes in every label and attribute, so names
//! from workloads and builds cannot inject markup.
//!
//! Four per-workload charts (time, speedup, parallelism, peak memory) are
//! line charts over the thread count on a log₂ axis; they share
//! [`LineChart`] (`line.rs`). The fifth (`strip.rs`) shows every sample,
//! so that two clusters or a drift can be seen (above a few hundred
//! samples, as the shape of each strip's samples); a run at one thread count shows it
//! instead of the speedup and parallelism charts, which would have one
//! point each.

mod axis;
pub(crate) mod builds;
pub(crate) mod heatmap;
mod line;
pub(crate) mod memory;
pub(crate) mod parallelism;
pub(crate) mod speedup;
pub(crate) mod strip;
mod svg;
pub(crate) mod time;
pub(crate) mod trend;

use anyhow::Result;
pub(crate) use axis::KeyAxis;
pub(crate) use line::{LineChart, Reference, lines_of, threads_shown, x_desc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) use svg::CompactSvg;

use crate::analysis::Analysis;
use crate::format::{one_line, truncate};
use crate::results::Mode;

pub(crate) type Area<'b> = DrawingArea<CompactSvg<'b>, Shift>;

/// Okabe–Ito colours (distinguishable with colour-blindness), then a few
/// more; build i gets colour i in every chart.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(140, 86, 75),   // brown
    RGBColor(127, 127, 127), // grey
    RGBColor(188, 189, 34),  // olive
];

pub(crate) fn build_colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// "#0072b2".
pub(crate) fn hex(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

const FONT: &str = "sans-serif";
/// Sizes as plotters takes them (the SVG font-size is size / 1.24).
const TITLE: u32 = 22;
const AXIS_DESC: u32 = 18;
const TICKS: u32 = 16;
const LEGEND: u32 = 16;
const REFERENCE: RGBColor = RGBColor(120, 120, 120);

/// The width and height of the per-workload charts, in pixels.
pub(crate) const SMALL: (u32, u32) = (620, 420);

/// Draws into a fresh SVG of `size` and returns it, with an accessible
/// label on the root element.
pub(crate) fn svg(
    size: (u32, u32),
    label: &str,
    draw: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = CompactSvg::new(&mut out, size, (FONT, f64::from(TICKS))).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let attrs = format!(
        "<svg role=\"img\" aria-label=\"{}\" ",
        escape_attr(&one_line(label))
    );
    Ok(out.replacen("<svg ", &attrs, 1))
}

fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A name for a chart label: one line, not too long.
/// The name of the row at height `y` in a chart whose rows are drawn top
/// down, one unit high, the first at the top.
pub(crate) fn row_name(names: &[String], y: f64) -> String {
    let index = (names.len() as f64 - y - 0.5).round();
    names
        .get(index.max(0.0) as usize)
        .cloned()
        .unwrap_or_default()
}

pub(crate) fn label(text: &str, max: usize) -> String {
    truncate(&one_line(text), max)
}

fn text_style(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v))
}

/// The unit for times of up to `max` seconds: (factor from seconds, unit).
pub(crate) fn time_unit(max: f64) -> (f64, &'static str) {
    if max >= 1.0 || max == 0.0 {
        (1.0, "s")
    } else if max >= 1e-3 {
        (1e3, "ms")
    } else {
        (1e6, "µs")
    }
}

/// Position on the log₂ thread axis.
pub(crate) fn log2(threads: u32) -> f64 {
    f64::from(threads.max(1)).log2()
}

/// Tick labels with as many decimals as the tick spacing needs.
fn tick_formatter(range: (f64, f64)) -> impl Fn(&f64) -> String {
    let step = (range.1 - range.0).abs() / 8.0;
    let decimals = if step > 0.0 {
        (-step.log10().floor()).clamp(0.0, 4.0) as usize
    } else {
        2
    };
    move |v: &f64| format!("{v:.decimals$}")
}

/// The context of the per-workload charts: which workload, in which mode.
#[derive(Clone, Copy)]
pub(crate) struct WorkloadChart<'a> {
    pub analysis: &'a Analysis<'a>,
    pub workload: &'a str,
    pub mode: Mode,
}

impl WorkloadChart<'_> {
    /// "countdown" or "countdown (processes)", shortened for a title.
    pub fn name(&self) -> String {
        match self.mode {
            Mode::Threads => label(self.workload, 40),
            mode => format!("{} ({mode})", label(self.workload, 30)),
        }
    }

    /// The vertical CPU-count marker.
    pub fn cores_marker(&self) -> Option<(u32, String)> {
        self.analysis
            .cores
            .map(|c| (c, format!("{c} CPU{}", if c == 1 { "" } else { "s" })))
    }
}

/// A row of colour swatches with their names, for charts whose legend
/// would cover the data.
fn swatch_legend(area: &Area<'_>, entries: &[(String, RGBColor)]) -> Result<()> {
    let (_, height) = area.dim_in_pixel();
    let y = i32::try_from(height / 2).unwrap_or(0);
    let mut x = 16;
    for (name, colour) in entries {
        area.draw(&Rectangle::new(
            [(x, y - 8), (x + 16, y + 8)],
            colour.filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(x, y - 8), (x + 16, y + 8)],
            RGBColor(150, 150, 150).stroke_width(1),
        ))?;
        area.draw(&Text::new(
            name.clone(),
            (x + 22, y),
            text_style(LEGEND, HPos::Left, VPos::Center),
        ))?;
        x += 22 + estimated_width(name, LEGEND) + 24;
    }
    Ok(())
}

/// Room for a column of row labels at tick size: the widest, within bounds.
pub(crate) fn label_area_width<'a>(labels: impl Iterator<Item = &'a str>) -> i32 {
    labels
        .map(|label| estimated_width(label, TICKS))
        .max()
        .unwrap_or(60)
        .clamp(60, 320)
        + 16
}

/// Rough width of a label in pixels (the browser picks the font).
fn estimated_width(text: &str, size: u32) -> i32 {
    let chars = i32::try_from(text.chars().count()).unwrap_or(i32::MAX / 64);
    chars.saturating_mul(i32::try_from(size).unwrap_or(16)) * 9 / 20
}
