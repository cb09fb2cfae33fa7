//! Text for people, shared by every renderer: durations, ratios and changes
//! as words and numbers, names made safe to print, and plain-text tables
//! for the terminal.

use crate::results::Mode;
use crate::stats::Estimate;

/// Seconds in a readable unit with three significant digits: "1.23 s",
/// "45.6 ms", "789 µs". For reports.
pub fn fmt_seconds(seconds: f64) -> String {
    fmt_seconds_digits(seconds, 3)
}

/// Seconds in a readable unit with `digits` significant digits (at least
/// the whole part): with 4, "1.350 s", "826.2 ms", "42.07 µs". The terminal
/// tables use 4.
pub fn fmt_seconds_digits(seconds: f64, digits: usize) -> String {
    let (value, unit) = if seconds.abs() >= 1.0 || seconds == 0.0 {
        (seconds, "s")
    } else if seconds.abs() >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if seconds.abs() >= 1e-6 {
        (seconds * 1e6, "µs")
    } else {
        (seconds * 1e9, "ns")
    };
    let whole = match value.abs() {
        m if m >= 100.0 => 3,
        m if m >= 10.0 => 2,
        _ => 1,
    };
    let decimals = digits.saturating_sub(whole);
    format!("{value:.decimals$} {unit}")
}

/// "1.95×".
pub fn fmt_times(x: f64) -> String {
    if x.abs() >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}

/// A ratio as a signed change: 1.35 → "+35 %", 0.88 → "-12 %".
pub fn fmt_change(ratio: f64) -> String {
    let pct = (ratio - 1.0) * 100.0;
    let sign = if pct < 0.0 { '-' } else { '+' };
    format!("{sign}{}", fmt_percent(pct.abs()))
}

/// A percentage: 12.3 → "12 %", 3.12 → "3.1 %" (a decimal below 10).
pub fn fmt_percent(pct: f64) -> String {
    if pct.abs() >= 9.95 {
        format!("{pct:.0} %")
    } else {
        format!("{pct:.1} %")
    }
}

/// "1.95× [1.90–2.01]".
pub fn fmt_times_ci(e: Estimate) -> String {
    format!("{} [{:.2}–{:.2}]", fmt_times(e.value), e.low, e.high)
}

/// "thread"/"threads", "process"/"processes", … for `n` workers of a mode.
pub fn workers_word(mode: Mode, n: u32) -> &'static str {
    match (mode, n == 1) {
        (Mode::Threads, true) => "thread",
        (Mode::Threads, false) => "threads",
        (Mode::Processes, true) => "process",
        (Mode::Processes, false) => "processes",
        (Mode::Subinterpreters, true) => "subinterpreter",
        (Mode::Subinterpreters, false) => "subinterpreters",
    }
}

/// A string on one line, safe to print: line breaks and tabs become
/// spaces, other control characters (escape sequences) U+FFFD. For
/// tables, headings and the terminal.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Shortens to `max` characters with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A name (a build's, a machine's) as a file stem: letters, digits, `.`,
/// `_`, `-` only.
fn file_stem(name: &str) -> String {
    let mut stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.starts_with('.') || stem.is_empty() {
        stem.insert(0, '_');
    }
    stem
}

/// A file stem for each name, made unique by "-2", "-3" … where two names
/// give the same one.
pub(crate) fn unique_file_stems<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for name in names {
        let stem = file_stem(name);
        let unique = (1..)
            .map(|n| match n {
                1 => stem.clone(),
                n => format!("{stem}-{n}"),
            })
            .find(|s| !stems.contains(s))
            .expect("an unbounded range has a free stem");
        stems.push(unique);
    }
    stems
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

struct Column {
    title: String,
    align: Align,
    min_width: usize,
}

/// A plain-text table with aligned columns, for the terminal. Every field
/// goes through [`one_line`], so a name cannot send escape sequences to
/// the terminal or break a row; widths count characters.
pub struct TextTable {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    indent: &'static str,
    gap: &'static str,
    rule: bool,
}

impl TextTable {
    /// An empty table whose columns are separated by `gap`.
    pub fn new(gap: &'static str) -> TextTable {
        TextTable {
            columns: Vec::new(),
            rows: Vec::new(),
            indent: "",
            gap,
            rule: false,
        }
    }

    /// Starts every line with `indent`.
    pub fn indent(self, indent: &'static str) -> TextTable {
        TextTable { indent, ..self }
    }

    /// Puts a line of dashes under the header.
    pub fn rule(self) -> TextTable {
        TextTable { rule: true, ..self }
    }

    /// Adds a column at least `min_width` characters wide.
    pub fn column(mut self, title: impl Into<String>, align: Align, min_width: usize) -> TextTable {
        self.columns.push(Column {
            title: one_line(&title.into()),
            align,
            min_width,
        });
        self
    }

    /// Adds a row: one field per column.
    pub fn row(&mut self, fields: Vec<String>) {
        self.rows.push(fields.iter().map(|f| one_line(f)).collect());
    }

    /// The header, the rule if asked for, and the rows, each line ending in
    /// a newline, without trailing spaces.
    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|f| width(f))
                    .fold(c.min_width.max(width(&c.title)), usize::max)
            })
            .collect();
        let line = |fields: &[String]| {
            let padded: Vec<String> = fields
                .iter()
                .zip(&self.columns)
                .zip(&widths)
                .map(|((field, column), w)| {
                    let pad = " ".repeat(w.saturating_sub(width(field)));
                    match column.align {
                        Align::Left => format!("{field}{pad}"),
                        Align::Right => format!("{pad}{field}"),
                    }
                })
                .collect();
            format!("{}{}", self.indent, padded.join(self.gap))
                .trim_end()
                .to_string()
                + "\n"
        };
        let titles: Vec<String> = self.columns.iter().map(|c| c.title.clone()).collect();
        let mut out = line(&titles);
        if self.rule {
            let total =
                widths.iter().sum::<usize>() + width(self.gap) * widths.len().saturating_sub(1);
            out.push_str(&format!("{}{}\n", self.indent, "-".repeat(total)));
        }
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_seconds(1.234), "1.23 s");
        assert_eq!(fmt_seconds(0.0456), "45.6 ms");
        assert_eq!(fmt_seconds(0.000789), "789 µs");
        assert_eq!(fmt_seconds_digits(1.35, 4), "1.350 s");
        assert_eq!(fmt_seconds_digits(0.8262, 4), "826.2 ms");
        assert_eq!(fmt_seconds_digits(42.07e-6, 4), "42.07 µs");
        assert_eq!(fmt_seconds_digits(123.456, 4), "123.5 s");
        assert_eq!(fmt_change(1.35), "+35 %");
        assert_eq!(fmt_change(0.88), "-12 %");
        assert_eq!(fmt_change(1.031), "+3.1 %");
        assert_eq!(fmt_change(0.995), "-0.5 %");
        assert_eq!(fmt_percent(12.3), "12 %");
        assert_eq!(fmt_percent(3.12), "3.1 %");
        assert_eq!(fmt_times(1.953), "1.95×");
    }

    #[test]
    fn names_are_made_printable() {
        assert_eq!(one_line("a\nb\u{1b}[2J"), "a b\u{FFFD}[2J");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }

    #[test]
    fn tables_align_their_columns() {
        let mut table = TextTable::new("  ")
            .rule()
            .column("name", Align::Left, 0)
            .column("n", Align::Right, 3);
        table.row(vec!["a\u{1b}[2J".into(), "1".into()]);
        table.row(vec!["long name".into(), "12345".into()]);
        assert_eq!(
            table.render(),
            "name           n\n----------------\na\u{FFFD}[2J          1\nlong name  12345\n"
        );
        let mut indented = TextTable::new(" ").indent("  ").column("x", Align::Left, 4);
        indented.row(vec!["y".into()]);
        assert_eq!(indented.render(), "  x\n  y\n");
    }
}
