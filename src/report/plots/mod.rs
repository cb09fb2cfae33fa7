//! Charts as SVG strings, one file per chart. plotters' SVG backend writes
//! text as `<text>` elements (the browser picks the font, no font files are
//! needed) and escapes `<`, `>`, `&` and quotes in every label and
//! attribute, so names from workloads and builds cannot inject markup.
//!
//! Three per-workload charts (time, speedup, parallelism) are line charts
//! over the thread count on a log₂ axis; they share [`LineChart`]. The
//! fourth (`strip.rs`) shows every sample, so that two clusters or a drift
//! can be seen; a run at one thread count shows it instead of the speedup
//! and parallelism charts, which would have one point each.

mod axis;
pub(crate) mod builds;
pub(crate) mod heatmap;
pub(crate) mod parallelism;
pub(crate) mod speedup;
pub(crate) mod strip;
pub(crate) mod time;

use anyhow::Result;
pub(crate) use axis::KeyAxis;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::text::workers_word;
use crate::analysis::{Analysis, CellSummary};
use crate::format::{one_line, truncate};
use crate::results::Mode;

pub(crate) type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;

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
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
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

/// One build's line: a point per thread count, with an interval.
pub(crate) struct Line {
    pub name: String,
    pub colour: RGBColor,
    /// (threads, value, low, high)
    pub points: Vec<(u32, f64, f64, f64)>,
}

/// A dashed grey reference curve (e.g. ideal speedup), in data coordinates.
pub(crate) struct Reference {
    pub name: String,
    /// y as a function of the thread count (continuous).
    pub y: fn(f64) -> f64,
}

/// A line chart over thread counts.
pub(crate) struct LineChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub threads: Vec<u32>,
    pub lines: Vec<Line>,
    pub references: Vec<Reference>,
    /// A vertical marker at this thread count (the CPU count), labelled.
    pub marker: Option<(u32, String)>,
    /// A horizontal marker at this value, labelled.
    pub level: Option<(f64, String)>,
    /// The y range shown is at least 0..this.
    pub y_floor: f64,
}

/// The lines of a workload and mode: one per build with measurements.
pub(crate) fn lines_of(
    a: &Analysis<'_>,
    workload: &str,
    mode: Mode,
    value: impl Fn(&CellSummary) -> Option<(f64, f64, f64)>,
) -> Vec<Line> {
    a.builds
        .iter()
        .map(|build| Line {
            name: label(build, 32),
            colour: build_colour(a.build_index(build)),
            points: a
                .series(build, workload, mode)
                .into_iter()
                .filter_map(|c| {
                    let (v, low, high) = value(c)?;
                    Some((c.key.threads, v, low, high))
                })
                .collect(),
        })
        .filter(|l| !l.points.is_empty())
        .collect()
}

/// "worker threads (log₂ scale)".
pub(crate) fn x_desc(mode: Mode) -> String {
    format!("worker {} (log₂ scale)", workers_word(mode, 2))
}

/// The thread counts that have a point in any line (else all of the run's).
pub(crate) fn threads_shown(a: &Analysis<'_>, lines: &[Line]) -> Vec<u32> {
    let mut t: Vec<u32> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    t.sort_unstable();
    t.dedup();
    if t.is_empty() { a.threads.clone() } else { t }
}

impl LineChart {
    pub fn render(&self) -> Result<String> {
        svg(SMALL, &self.title, |root| self.draw(root))
    }

    fn draw(&self, root: &Area<'_>) -> Result<()> {
        let ticks: Vec<f64> = self.threads.iter().map(|t| log2(*t)).collect();
        let (x_lo, x_hi) = match (ticks.first(), ticks.last()) {
            (Some(lo), Some(hi)) => (*lo, *hi),
            _ => (0.0, 1.0),
        };
        let pad = if x_hi - x_lo < 1e-9 {
            0.5
        } else {
            ((x_hi - x_lo) * 0.06).max(0.2)
        };
        let x_range = (x_lo - pad, x_hi + pad);
        let data_max = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1.max(p.3)))
            .fold(0.0_f64, f64::max);
        let level_max = self.level.as_ref().map_or(0.0, |l| l.0);
        let y_top = data_max.max(self.y_floor).max(level_max).max(1e-9) * 1.18;
        let y_range = (0.0, y_top);

        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE))
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(66)
            .build_cartesian_2d(
                KeyAxis::new(x_range.0, x_range.1, ticks.clone()),
                y_range.0..y_range.1,
            )?;
        let y_format = tick_formatter(y_range);
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .axis_desc_style((FONT, AXIS_DESC))
            .label_style((FONT, TICKS))
            .x_label_formatter(&|x| format!("{}", 2f64.powf(*x).round()))
            .y_label_formatter(&y_format)
            .y_labels(8)
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;

        if self.lines.is_empty() {
            let centre = chart.backend_coord(&((x_range.0 + x_range.1) / 2.0, y_top / 2.0));
            root.draw(&Text::new(
                "no measurements",
                centre,
                text_style(AXIS_DESC, HPos::Center, VPos::Center),
            ))?;
            return Ok(());
        }

        let mut occupied: Vec<(f64, f64)> = Vec::new();
        let norm = |x: f64, y: f64| ((x - x_range.0) / (x_range.1 - x_range.0), y / y_range.1);

        for reference in &self.references {
            let steps = 60;
            let points: Vec<(f64, f64)> = (0..=steps)
                .map(|i| x_range.0 + (x_range.1 - x_range.0) * f64::from(i) / f64::from(steps))
                .map(|x| (x, (reference.y)(2f64.powf(x))))
                .take_while(|(_, y)| *y <= y_top)
                .collect();
            occupied.extend(points.iter().map(|(x, y)| norm(*x, *y)));
            chart
                .draw_series(DashedLineSeries::new(
                    points,
                    6,
                    4,
                    REFERENCE.stroke_width(2),
                ))?
                .label(reference.name.clone())
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 8, y)], REFERENCE.stroke_width(2))
                });
        }

        if let Some((value, text)) = &self.level {
            let points = vec![(x_range.0, *value), (x_range.1, *value)];
            occupied.extend([norm(x_range.0, *value), norm(x_range.1, *value)]);
            chart.draw_series(DashedLineSeries::new(
                points,
                3,
                3,
                REFERENCE.stroke_width(1),
            ))?;
            // The label sits above the line's right end; keep the legend off it.
            let at = chart.backend_coord(&(x_range.1, *value));
            for i in 0..=10 {
                occupied.push(norm(
                    x_range.1 - (x_range.1 - x_range.0) * 0.04 * f64::from(i),
                    *value,
                ));
            }
            root.draw(&Text::new(
                text.clone(),
                (at.0 - 6, at.1 - 4),
                text_style(TICKS, HPos::Right, VPos::Bottom).color(&REFERENCE),
            ))?;
        }

        if let Some((cores, text)) = &self.marker {
            let x = log2(*cores);
            if x >= x_range.0 && x <= x_range.1 {
                chart.draw_series(DashedLineSeries::new(
                    vec![(x, 0.0), (x, y_top)],
                    4,
                    4,
                    RGBColor(200, 40, 40).stroke_width(1),
                ))?;
                let top = chart.backend_coord(&(x, y_top));
                root.draw(&Text::new(
                    text.clone(),
                    (top.0 - 4, top.1 + 4),
                    text_style(TICKS, HPos::Right, VPos::Top).color(&RGBColor(200, 40, 40)),
                ))?;
            }
        }

        // Lines that coincide (two GIL builds, both flat) stay visible:
        // each is nudged sideways a little.
        let nudge = (x_range.1 - x_range.0) * 0.012;
        let middle = (self.lines.len() as f64 - 1.0) / 2.0;
        for (index, line) in self.lines.iter().enumerate() {
            let colour = line.colour;
            let dx = (index as f64 - middle) * nudge;
            let x = |threads: u32| log2(threads) + dx;
            let points: Vec<(f64, f64)> = line.points.iter().map(|p| (x(p.0), p.1)).collect();
            for pair in points.windows(2) {
                for i in 0..=8 {
                    let t = f64::from(i) / 8.0;
                    occupied.push(norm(
                        pair[0].0 + (pair[1].0 - pair[0].0) * t,
                        pair[0].1 + (pair[1].1 - pair[0].1) * t,
                    ));
                }
            }
            occupied.extend(line.points.iter().map(|p| norm(x(p.0), p.3)));
            chart.draw_series(line.points.iter().map(|p| {
                ErrorBar::new_vertical(x(p.0), p.2, p.1, p.3, colour.stroke_width(2), 10)
            }))?;
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(3)).point_size(5))?
                .label(line.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 4, y), (x + 12, y)], colour.stroke_width(3))
                });
        }

        chart
            .configure_series_labels()
            .position(legend_position(&occupied))
            .margin(8)
            .legend_area_size(22)
            .label_font((FONT, LEGEND))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .draw()?;
        Ok(())
    }
}

/// The corner of the plot with the fewest data points (coordinates in
/// 0..1, y up), for the legend.
fn legend_position(points: &[(f64, f64)]) -> SeriesLabelPosition {
    let count = |x_lo: f64, x_hi: f64, y_lo: f64, y_hi: f64| {
        points
            .iter()
            .filter(|(x, y)| *x >= x_lo && *x <= x_hi && *y >= y_lo && *y <= y_hi)
            .count()
    };
    let counts = [
        count(0.0, 0.5, 0.55, 1.1),
        count(0.5, 1.0, 0.55, 1.1),
        count(0.5, 1.0, -0.1, 0.45),
        count(0.0, 0.5, -0.1, 0.45),
    ];
    match (0..counts.len()).min_by_key(|i| counts[*i]) {
        Some(0) | None => SeriesLabelPosition::UpperLeft,
        Some(1) => SeriesLabelPosition::UpperRight,
        Some(2) => SeriesLabelPosition::LowerRight,
        Some(_) => SeriesLabelPosition::LowerLeft,
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
