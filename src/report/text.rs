//! Text for people that speaks of the run's own types, shared by every
//! renderer (an estimate with its interval, workers by mode), and
//! plain-text tables for the terminal; built on [`crate::format`].

use crate::analysis::CellSummary;
use crate::format::{fmt_mib, fmt_times, one_line};
use crate::results::Mode;
use crate::stats::Estimate;

/// "1.95× [1.90–2.01]".
pub fn fmt_times_ci(e: Estimate) -> String {
    format!("{} [{:.2}–{:.2}]", fmt_times(e.value), e.low, e.high)
}

/// A cell's median peak memory while the work ran, with its interval:
/// "12.3 MiB [12.1–12.5]".
pub fn memory_ci(e: Estimate) -> String {
    format!("{} [{:.1}–{:.1}]", fmt_mib(e.value), e.low, e.high)
}

/// A row of cells' median peak memory, fewest workers to most: "10.5 →
/// 12.0 MiB", or "10.5 MiB" for one cell; None without memory figures.
pub fn memory_range<'c>(cells: impl IntoIterator<Item = &'c CellSummary>) -> Option<String> {
    let peaks: Vec<f64> = cells
        .into_iter()
        .filter_map(|c| Some(c.memory?.value))
        .collect();
    match (peaks.first(), peaks.last()) {
        (Some(first), Some(last)) if peaks.len() > 1 => {
            Some(format!("{first:.1} → {}", fmt_mib(*last)))
        }
        (Some(only), _) => Some(fmt_mib(*only)),
        _ => None,
    }
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
