//! The line charts over the thread count on a log₂ axis (time, speedup,
//! parallelism): a line per build with its intervals, reference curves, a
//! level and the CPU count as markers, and a legend in the emptiest corner.

use anyhow::Result;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    AXIS_DESC, Area, CompactSvg, FONT, KeyAxis, LEGEND, REFERENCE, SMALL, TICKS, TITLE,
    build_colour, label, log2, svg, text_style, tick_formatter,
};
use crate::analysis::{Analysis, CellSummary};
use crate::report::text::workers_word;
use crate::results::Mode;

/// A line chart as drawn: thread counts across, values up.
type Chart<'a, 'b> = ChartContext<'a, CompactSvg<'b>, Cartesian2d<KeyAxis, RangedCoordf64>>;

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
        let frame = self.frame();
        let mut chart = self.chart(root, &frame)?;
        if self.lines.is_empty() {
            let centre = chart.backend_coord(&((frame.x.0 + frame.x.1) / 2.0, frame.y_top / 2.0));
            root.draw(&Text::new(
                "no measurements",
                centre,
                text_style(AXIS_DESC, HPos::Center, VPos::Center),
            ))?;
            return Ok(());
        }
        // Where something is drawn, to keep the legend off it.
        let mut occupied: Vec<(f64, f64)> = Vec::new();
        self.draw_references(&mut chart, &frame, &mut occupied)?;
        self.draw_level(root, &mut chart, &frame, &mut occupied)?;
        self.draw_marker(root, &mut chart, &frame)?;
        self.draw_lines(&mut chart, &frame, &mut occupied)?;
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

    /// The x range (the ticks, padded) and the top of the y range.
    fn frame(&self) -> Frame {
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
        let data_max = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1.max(p.3)))
            .fold(0.0_f64, f64::max);
        let level_max = self.level.as_ref().map_or(0.0, |l| l.0);
        Frame {
            ticks,
            x: (x_lo - pad, x_hi + pad),
            y_top: data_max.max(self.y_floor).max(level_max).max(1e-9) * 1.18,
        }
    }

    /// The caption, the axes and the grid.
    fn chart<'a, 'b>(&self, root: &'a Area<'b>, frame: &Frame) -> Result<Chart<'a, 'b>> {
        let y_range = (0.0, frame.y_top);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE))
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(66)
            .build_cartesian_2d(
                KeyAxis::new(frame.x.0, frame.x.1, frame.ticks.clone()),
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
        Ok(chart)
    }

    /// The dashed reference curves, each in the legend.
    fn draw_references(
        &self,
        chart: &mut Chart<'_, '_>,
        frame: &Frame,
        occupied: &mut Vec<(f64, f64)>,
    ) -> Result<()> {
        let (x_range, y_top) = (frame.x, frame.y_top);
        for reference in &self.references {
            let steps = 60;
            let points: Vec<(f64, f64)> = (0..=steps)
                .map(|i| x_range.0 + (x_range.1 - x_range.0) * f64::from(i) / f64::from(steps))
                .map(|x| (x, (reference.y)(2f64.powf(x))))
                .take_while(|(_, y)| *y <= y_top)
                .collect();
            occupied.extend(points.iter().map(|(x, y)| frame.norm(*x, *y)));
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
        Ok(())
    }

    /// The horizontal marker, labelled above its right end.
    fn draw_level(
        &self,
        root: &Area<'_>,
        chart: &mut Chart<'_, '_>,
        frame: &Frame,
        occupied: &mut Vec<(f64, f64)>,
    ) -> Result<()> {
        let Some((value, text)) = &self.level else {
            return Ok(());
        };
        let x_range = frame.x;
        let points = vec![(x_range.0, *value), (x_range.1, *value)];
        occupied.extend([frame.norm(x_range.0, *value), frame.norm(x_range.1, *value)]);
        chart.draw_series(DashedLineSeries::new(
            points,
            3,
            3,
            REFERENCE.stroke_width(1),
        ))?;
        // The label sits above the line's right end; keep the legend off it.
        let at = chart.backend_coord(&(x_range.1, *value));
        for i in 0..=10 {
            occupied.push(frame.norm(
                x_range.1 - (x_range.1 - x_range.0) * 0.04 * f64::from(i),
                *value,
            ));
        }
        root.draw(&Text::new(
            text.clone(),
            (at.0 - 6, at.1 - 4),
            text_style(TICKS, HPos::Right, VPos::Bottom).color(&REFERENCE),
        ))?;
        Ok(())
    }

    /// The vertical marker at the CPU count, if it is on the axis.
    fn draw_marker(&self, root: &Area<'_>, chart: &mut Chart<'_, '_>, frame: &Frame) -> Result<()> {
        let Some((cores, text)) = &self.marker else {
            return Ok(());
        };
        let (x_range, y_top) = (frame.x, frame.y_top);
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
        Ok(())
    }

    /// Each build's line with its intervals, in the legend.
    fn draw_lines(
        &self,
        chart: &mut Chart<'_, '_>,
        frame: &Frame,
        occupied: &mut Vec<(f64, f64)>,
    ) -> Result<()> {
        // Lines that coincide (two GIL builds, both flat) stay visible:
        // each is nudged sideways a little.
        let nudge = (frame.x.1 - frame.x.0) * 0.012;
        let middle = (self.lines.len() as f64 - 1.0) / 2.0;
        for (index, line) in self.lines.iter().enumerate() {
            let colour = line.colour;
            let dx = (index as f64 - middle) * nudge;
            let x = |threads: u32| log2(threads) + dx;
            let points: Vec<(f64, f64)> = line.points.iter().map(|p| (x(p.0), p.1)).collect();
            for pair in points.windows(2) {
                for i in 0..=8 {
                    let t = f64::from(i) / 8.0;
                    occupied.push(frame.norm(
                        pair[0].0 + (pair[1].0 - pair[0].0) * t,
                        pair[0].1 + (pair[1].1 - pair[0].1) * t,
                    ));
                }
            }
            occupied.extend(line.points.iter().map(|p| frame.norm(x(p.0), p.3)));
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
        Ok(())
    }
}

/// Where a line chart's data sits on its axes.
struct Frame {
    /// The thread counts' positions (log₂).
    ticks: Vec<f64>,
    /// The x range: the ticks, padded.
    x: (f64, f64),
    /// The y range is 0..this.
    y_top: f64,
}

impl Frame {
    /// A point in data coordinates as 0..1 of the plot, y up.
    fn norm(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.x.0) / (self.x.1 - self.x.0), y / self.y_top)
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
