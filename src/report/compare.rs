//! The tables of `gilbench compare`: plain text for the terminal
//! ([`table`]) and GitHub-flavoured Markdown ([`markdown`]) of a
//! [`Comparison`] (computed in `analysis::compare`).

use std::fmt::Write;

use super::markdown::md;
use crate::analysis::compare::{CellComparison, Change, Comparison};

/// A plain-text table with aligned columns, for the terminal. Names are
/// printed with control characters replaced, so a workload name cannot
/// send escape sequences to the terminal.
pub fn table(c: &Comparison) -> String {
    let (header, rows) = rows(c);
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(|f| printable(&f)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, field) in widths.iter_mut().zip(row) {
            *w = (*w).max(field.chars().count());
        }
    }
    let numeric = |i: usize| (3..8).contains(&i);
    let line = |fields: Vec<String>| {
        let cells: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let pad = widths[i].saturating_sub(f.chars().count());
                if numeric(i) {
                    format!("{}{f}", " ".repeat(pad))
                } else {
                    format!("{f}{}", " ".repeat(pad))
                }
            })
            .collect();
        cells.join("  ").trim_end().to_string()
    };
    let mut out = format!(
        "{} → {}\n",
        printable(&c.base_label),
        printable(&c.new_label)
    );
    out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
    out.push('\n');
    let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    if c.cells.is_empty() {
        out.push_str("(no cell has measurements on both sides)\n");
    }
    for g in geomean_lines(c) {
        let _ = writeln!(out, "{}", printable(&g));
    }
    unmatched(c, &mut out, printable);
    out
}

/// The same as GitHub-flavoured Markdown, every name escaped.
pub fn markdown(c: &Comparison) -> String {
    let (header, rows) = rows(c);
    let mut out = format!("**{}** → **{}**\n\n", md(&c.base_label), md(&c.new_label));
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let rule: Vec<&str> = (0..header.len())
        .map(|i| if (3..8).contains(&i) { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|f| md(f)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if !c.geomeans.is_empty() {
        out.push('\n');
    }
    for g in geomean_lines(c) {
        let _ = writeln!(out, "- {}", md(&g));
    }
    unmatched(c, &mut out, |s| format!("- {}", md(s)));
    out
}

/// "1.20× slower", "1.15× faster", "not significant".
pub fn verdict(c: &CellComparison) -> String {
    match c.change {
        Change::Slower => format!("{:.2}× slower", c.ratio.value),
        Change::Faster => format!("{:.2}× faster", 1.0 / c.ratio.value),
        Change::NotSignificant => "not significant".into(),
    }
}

/// The header and one row per matched cell, as plain text.
fn rows(c: &Comparison) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let same = c.cells.iter().all(|x| x.base_build == x.new_build);
    let mut header = vec!["build", "workload", "mode", "workers"];
    header.extend([
        "base median",
        "new median",
        "new/base [95 % CI]",
        "p",
        "verdict",
    ]);
    let rows = c
        .cells
        .iter()
        .map(|c| {
            let build = if same {
                c.new_build.clone()
            } else {
                format!("{} → {}", c.base_build, c.new_build)
            };
            vec![
                build,
                c.workload.clone(),
                c.mode.to_string(),
                c.threads.to_string(),
                seconds(c.base.median),
                seconds(c.new.median),
                format!(
                    "{:.3} [{:.3}–{:.3}]",
                    c.ratio.value, c.ratio.low, c.ratio.high
                ),
                format!("{:.3}", c.p_value),
                verdict(c),
            ]
        })
        .collect();
    (header, rows)
}

fn geomean_lines(c: &Comparison) -> Vec<String> {
    c.geomeans
        .iter()
        .map(|g| {
            let who = if g.base_build == g.new_build {
                g.new_build.clone()
            } else {
                format!("{} vs {}", g.new_build, g.base_build)
            };
            format!(
                "{who}: geometric mean of new/base {:.3} ({}) over {} cell{}",
                g.ratio,
                change_words(g.ratio),
                g.cells,
                if g.cells == 1 { "" } else { "s" }
            )
        })
        .collect()
}

/// The cells measured on one side only, under a heading per side; `fmt`
/// formats each cell's line.
fn unmatched(c: &Comparison, out: &mut String, fmt: impl Fn(&str) -> String) {
    for (side, keys) in [
        (&c.base_label, &c.only_in_base),
        (&c.new_label, &c.only_in_new),
    ] {
        if keys.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\nOnly measured in {}:", printable(side));
        for k in keys {
            let text = format!(
                "{} × {} · {} · {} workers",
                k.build, k.workload, k.mode, k.threads
            );
            let _ = writeln!(out, "{}", fmt(&text));
        }
    }
}

fn change_words(ratio: f64) -> String {
    if (ratio - 1.0).abs() < 5e-4 {
        "no change".into()
    } else if ratio >= 1.0 {
        format!("{:.1} % slower", (ratio - 1.0) * 100.0)
    } else {
        format!("{:.1} % faster", (1.0 / ratio - 1.0) * 100.0)
    }
}

/// Four significant digits: "1.350 s", "826.2 ms", "42.07 µs".
fn seconds(s: f64) -> String {
    let (value, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else {
        (s * 1e6, "µs")
    };
    let decimals = if value >= 100.0 {
        1
    } else if value >= 10.0 {
        2
    } else {
        3
    };
    format!("{value:.decimals$} {unit}")
}

/// Control characters (escape sequences, newlines) replaced for the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::{CompareOptions, compare, compare_builds};
    use crate::analysis::fixture::{fixture, scaled};

    #[test]
    fn a_twenty_percent_slowdown_reads_as_such() {
        let run = fixture();
        let c = compare(
            &run,
            &scaled(&run, "3.13t", 1.2),
            &CompareOptions::default(),
        );
        let regressions = c.regressions(0.05);
        assert!(!regressions.is_empty());
        for r in &regressions {
            assert_eq!(verdict(r), "1.20× slower");
        }
        let table = table(&c);
        assert!(table.contains("1.20× slower"), "{table}");
        assert!(table.contains("not significant"));
        assert!(!table.contains('\u{1b}'));
        let md = markdown(&c);
        assert!(md.contains("| build | workload | mode | workers |"), "{md}");
        assert!(md.contains("&lt;script&gt;"), "names are escaped: {md}");
        assert!(!md.contains("<script"));
    }

    #[test]
    fn unmatched_cells_are_listed() {
        let c = compare_builds(&fixture(), "3.13", "3.13t", &CompareOptions::default()).unwrap();
        assert!(table(&c).contains("Only measured in 3.13:"));
    }
}
