//! The SVG the charts are drawn into: what plotters' own SVG backend
//! draws, in fewer bytes. A large run's page holds hundreds of charts, and
//! repeating every style attribute on every mark made them most of it.
//!
//! - Consecutive strokes of one opaque style (a grid, a dashed curve's
//!   dashes, an error bar's three lines) become one `<path>`, and so do
//!   consecutive filled rectangles of one colour.
//! - Consecutive circles or texts of one style share a `<g>` carrying it.
//! - What every text shares (the font family and the tick size) is said
//!   once on the root; default values (opacity 1, black text) are left out.
//!
//! Paint order is kept: only marks drawn one after another are joined,
//! and translucent strokes and fills are never joined into one path, where
//! their overlaps would no longer darken.

use std::fmt::{self, Write};

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{FontStyle, FontTransform};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::escape_attr;

type Drawn = Result<(), DrawingErrorKind<fmt::Error>>;

/// The plotters backend writing compact SVG into a string.
pub(crate) struct CompactSvg<'a> {
    out: &'a mut String,
    size: (u32, u32),
    /// The style of the run of marks being written, if one is open.
    open: Option<Run>,
    /// A path's outline, gathered until its run ends.
    d: String,
    /// What the root says for every text.
    font: (String, f64),
}

/// What a run of marks shares.
#[derive(Clone, PartialEq)]
enum Run {
    /// Strokes and filled rectangles: one `<path>` with these attributes.
    Path(String),
    /// Circles or texts: a `<g>` with these attributes.
    Group(String),
}

impl<'a> CompactSvg<'a> {
    /// An SVG of `size` whose texts are in `family` at `size` (as plotters
    /// takes sizes) unless they say otherwise.
    pub fn new(out: &'a mut String, size: (u32, u32), font: (&str, f64)) -> CompactSvg<'a> {
        let font = (font.0.to_string(), font.1);
        writeln!(
            out,
            "<svg width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" xmlns=\"http://www.w3.org/2000/svg\" \
             font-family=\"{2}\" font-size=\"{3}\">",
            size.0,
            size.1,
            escape_attr(&font.0),
            font_size(font.1)
        )
        .expect("writing to a string");
        CompactSvg {
            out,
            size,
            open: None,
            d: String::new(),
            font,
        }
    }

    /// Starts a mark of `run`: continues the open run if it is the same and
    /// may be joined, else ends it and opens this one.
    fn begin(&mut self, run: Run, joinable: bool) {
        if joinable && self.open.as_ref() == Some(&run) {
            return;
        }
        self.end();
        if let Run::Group(attrs) = &run {
            self.out.push_str(&format!("<g{attrs}>\n"));
        }
        self.open = Some(run);
    }

    /// Ends the open run, writing a path's gathered outline.
    fn end(&mut self) {
        match self.open.take() {
            Some(Run::Path(attrs)) => {
                self.out
                    .push_str(&format!("<path{attrs} d=\"{}\"/>\n", self.d));
                self.d.clear();
            }
            Some(Run::Group(_)) => self.out.push_str("</g>\n"),
            None => {}
        }
    }

    /// Adds a polyline through `points` to the open path.
    fn trace(&mut self, points: impl IntoIterator<Item = BackendCoord>) {
        let mut last: Option<BackendCoord> = None;
        for (x, y) in points {
            let step = match last {
                None => format!("M{x} {y}"),
                Some((_, ly)) if ly == y => format!("H{x}"),
                Some((lx, _)) if lx == x => format!("V{y}"),
                Some(_) => format!("L{x} {y}"),
            };
            self.d.push_str(&step);
            last = Some((x, y));
        }
    }

    fn text_attrs<S: BackendTextStyle>(&self, style: &S) -> String {
        let mut attrs = String::new();
        let family = style.family();
        if family.as_str() != self.font.0 {
            attrs += &format!(" font-family=\"{}\"", escape_attr(family.as_str()));
        }
        if style.size() != self.font.1 {
            attrs += &format!(" font-size=\"{}\"", font_size(style.size()));
        }
        attrs += match style.anchor().h_pos {
            HPos::Left => "",
            HPos::Center => " text-anchor=\"middle\"",
            HPos::Right => " text-anchor=\"end\"",
        };
        match style.style() {
            FontStyle::Normal => {}
            FontStyle::Bold => attrs += " font-weight=\"bold\"",
            other => attrs += &format!(" font-style=\"{}\"", other.as_str()),
        }
        let colour = style.color();
        if colour.rgb != (0, 0, 0) {
            attrs += &format!(" fill=\"{}\"", hex(colour));
        }
        attrs + &opacity("fill-opacity", colour)
    }
}

impl DrawingBackend for CompactSvg<'_> {
    type ErrorType = fmt::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        self.end();
        if !self.out.ends_with("</svg>\n") {
            self.out.push_str("</svg>\n");
        }
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, colour: BackendColor) -> Drawn {
        self.draw_rect(point, (point.0 + 1, point.1 + 1), &colour, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        let ((x0, y0), (x1, y1)) = (upper_left, bottom_right);
        // As an SVG <rect>: nothing at all when it has no area.
        if style.color().alpha == 0.0 || x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        let colour = style.color();
        let attrs = if fill {
            format!(
                " fill=\"{}\"{}",
                hex(colour),
                opacity("fill-opacity", colour)
            )
        } else {
            stroke_attrs(colour, 1)
        };
        self.begin(Run::Path(attrs), colour.alpha >= 1.0);
        self.trace([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]);
        self.d.push('Z');
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let attrs = stroke_attrs(colour, style.stroke_width());
        self.begin(Run::Path(attrs), colour.alpha >= 1.0);
        self.trace(path);
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let attrs = if fill {
            format!(
                " fill=\"{}\"{}",
                hex(colour),
                opacity("fill-opacity", colour)
            )
        } else {
            stroke_attrs(colour, style.stroke_width())
        };
        self.begin(Run::Group(attrs), true);
        writeln!(self.out, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{radius}\"/>")
            .map_err(DrawingErrorKind::DrawingError)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Drawn {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        // Never joined: two polygons wound opposite ways would cut holes
        // in each other within one path.
        let attrs = format!(
            " fill=\"{}\"{}",
            hex(colour),
            opacity("fill-opacity", colour)
        );
        self.begin(Run::Path(attrs), false);
        self.trace(vertices);
        self.d.push('Z');
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        (x, y): BackendCoord,
    ) -> Drawn {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let dy = match style.anchor().v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.5ex",
            VPos::Bottom => "-0.5ex",
        };
        let rotate = match style.transform() {
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => 270,
            _ => 0,
        };
        let transform = if rotate == 0 {
            String::new()
        } else {
            format!(" transform=\"rotate({rotate}, {x}, {y})\"")
        };
        let attrs = self.text_attrs(style);
        self.begin(Run::Group(attrs), true);
        writeln!(
            self.out,
            "<text x=\"{x}\" y=\"{y}\" dy=\"{dy}\"{transform}>{}</text>",
            escape_attr(text)
        )
        .map_err(DrawingErrorKind::DrawingError)
    }
}

/// A stroke's attributes (an unfilled path).
fn stroke_attrs(colour: BackendColor, width: u32) -> String {
    let width = if width == 1 {
        String::new()
    } else {
        format!(" stroke-width=\"{width}\"")
    };
    format!(
        " fill=\"none\" stroke=\"{}\"{width}{}",
        hex(colour),
        opacity("stroke-opacity", colour)
    )
}

/// The attribute for a colour's alpha, or nothing when it is opaque.
fn opacity(name: &str, colour: BackendColor) -> String {
    if colour.alpha >= 1.0 {
        String::new()
    } else {
        format!(" {name}=\"{}\"", (colour.alpha * 1000.0).round() / 1000.0)
    }
}

fn hex(colour: BackendColor) -> String {
    let (r, g, b) = colour.rgb;
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// The SVG font size for a plotters size, as plotters' own SVG gives it:
/// it is said once per run of texts, and rounding it moved glyphs.
fn font_size(size: f64) -> f64 {
    size / 1.24
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use super::*;

    fn drawn(draw: impl FnOnce(&mut CompactSvg<'_>) -> Drawn) -> String {
        let mut out = String::new();
        let mut svg = CompactSvg::new(&mut out, (100, 50), ("sans-serif", 16.0));
        draw(&mut svg).unwrap();
        svg.present().unwrap();
        out
    }

    #[test]
    fn consecutive_opaque_strokes_share_one_path_and_translucent_ones_do_not() {
        let grey = RGBColor(215, 215, 215);
        let svg = drawn(|svg| {
            svg.draw_line((0, 10), (90, 10), &grey)?;
            svg.draw_line((0, 20), (90, 20), &grey)?;
            svg.draw_line((5, 0), (5, 40), &ShapeStyle::from(grey).stroke_width(2))?;
            svg.draw_line((0, 0), (9, 9), &BLUE.mix(0.5))?;
            svg.draw_line((0, 9), (9, 0), &BLUE.mix(0.5))
        });
        assert!(svg.contains("<path fill=\"none\" stroke=\"#D7D7D7\" d=\"M0 10H90M0 20H90\"/>"));
        assert!(svg.contains("stroke-width=\"2\" d=\"M5 0V40\""));
        assert_eq!(svg.matches("stroke-opacity=\"0.5\"").count(), 2, "{svg}");
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn circles_and_texts_share_a_group_and_text_is_escaped() {
        let svg = drawn(|svg| {
            for x in [10, 20] {
                svg.draw_circle((x, 5), 4, &RED.mix(0.75), true)?;
            }
            let style = TextStyle::from(("sans-serif", 16).into_font());
            svg.draw_text("<b>&", &style, (1, 2))
        });
        assert!(svg.contains(
            "<g fill=\"#FF0000\" fill-opacity=\"0.75\">\n<circle cx=\"10\" cy=\"5\" r=\"4\"/>\n\
             <circle cx=\"20\" cy=\"5\" r=\"4\"/>\n</g>"
        ));
        assert!(svg.contains(">&lt;b&gt;&amp;</text>"), "{svg}");
        assert!(svg.contains("font-family=\"sans-serif\""), "on the root");
    }

    #[test]
    fn a_rectangle_without_area_is_not_drawn() {
        let svg = drawn(|svg| svg.draw_rect((5, 5), (5, 20), &BLACK, false));
        assert!(!svg.contains("<path"), "{svg}");
    }
}
