//! A metric over the runs of a history: one line per build (and machine),
//! each point with its interval (up to [`MAX_BARS`] points), and a
//! triangle where a change begins.

use anyhow::Result;
use plotters::prelude::*;

use super::{AXIS_DESC, FONT, LEGEND, SMALL, TICKS, TITLE, build_colour, svg, tick_formatter};

/// Most points of a line that get interval bars.
const MAX_BARS: usize = 120;

/// One series on the chart.
pub(crate) struct TrendLine {
    pub name: String,
    /// (axis position, value, low, high).
    pub points: Vec<(f64, f64, f64, f64)>,
    /// Axis positions where a change begins.
    pub changes: Vec<f64>,
}

pub(crate) struct TrendChart {
    pub title: String,
    pub y_desc: String,
    /// The runs on the axis.
    pub runs: usize,
    pub lines: Vec<TrendLine>,
}

impl TrendChart {
    pub(crate) fn render(&self) -> Result<String> {
        svg(SMALL, &self.title, |root| {
            let y_top = self
                .lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.1.max(p.3)))
                .fold(1e-9_f64, f64::max)
                * 1.15;
            let x_hi = (self.runs.max(2) - 1) as f64;
            let mut chart = ChartBuilder::on(root)
                .caption(&self.title, (FONT, TITLE))
                .margin(12)
                .x_label_area_size(52)
                .y_label_area_size(66)
                .build_cartesian_2d(-0.5..x_hi + 0.5, 0.0..y_top)?;
            let y_format = tick_formatter((0.0, y_top));
            chart
                .configure_mesh()
                .x_desc("run")
                .y_desc(&self.y_desc)
                .axis_desc_style((FONT, AXIS_DESC))
                .label_style((FONT, TICKS))
                .x_label_formatter(&|x| format!("{}", x.round() as i64 + 1))
                .y_label_formatter(&y_format)
                .light_line_style(RGBColor(235, 235, 235))
                .bold_line_style(RGBColor(215, 215, 215))
                .draw()?;
            for (index, line) in self.lines.iter().enumerate() {
                let colour = build_colour(index);
                // Over many runs the bars would hide the line and swell the page.
                if line.points.len() <= MAX_BARS {
                    chart.draw_series(line.points.iter().map(|&(x, _, low, high)| {
                        PathElement::new(vec![(x, low), (x, high)], colour.mix(0.5))
                    }))?;
                }
                chart
                    .draw_series(LineSeries::new(
                        line.points.iter().map(|&(x, y, _, _)| (x, y)),
                        colour.stroke_width(2),
                    ))?
                    .label(line.name.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 8, y)], colour.stroke_width(2))
                    });
                chart.draw_series(line.changes.iter().filter_map(|at| {
                    let (x, y, _, _) = line.points.iter().find(|p| p.0 == *at)?;
                    Some(TriangleMarker::new((*x, *y), 7, colour.filled()))
                }))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .margin(8)
                .legend_area_size(22)
                .label_font((FONT, LEGEND))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(190, 190, 190))
                .draw()?;
            Ok(())
        })
    }
}
