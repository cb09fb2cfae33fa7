//! The tables of `gilbench compare`: plain text for the terminal
//! ([`table`]) and GitHub-flavoured Markdown ([`markdown`]) of a
//! [`Comparison`] (computed in `analysis::compare`).

use std::fmt::Write;

use super::inconclusive;
use super::packages::pairs_words;
use super::text::{Align, TextTable};
use crate::analysis::compare::{CellComparison, Change, Comparison, Measured};
use crate::format::{fmt_change, fmt_seconds_digits, markdown_escape as md, one_line};
use crate::stats::Estimate;

/// The columns, and how they align: numbers to the right.
const COLUMNS: [(&str, Align); 11] = [
    ("build", Align::Left),
    ("workload", Align::Left),
    ("mode", Align::Left),
    ("workers", Align::Right),
    ("base median", Align::Right),
    ("new median", Align::Right),
    ("new/base [95 % CI]", Align::Right),
    ("p", Align::Right),
    ("verdict", Align::Left),
    ("memory new/base [95 % CI]", Align::Right),
    ("memory", Align::Left),
];

/// A plain-text table with aligned columns, for the terminal. Names are
/// printed with control characters replaced, so a workload name cannot
/// send escape sequences to the terminal.
pub fn table(c: &Comparison) -> String {
    let mut out = format!("{} → {}\n", one_line(&c.base_label), one_line(&c.new_label));
    let mut table = COLUMNS
        .iter()
        .fold(TextTable::new("  ").rule(), |t, (title, align)| {
            t.column(*title, *align, 0)
        });
    for row in rows(c) {
        table.row(row);
    }
    out.push_str(&table.render());
    if c.cells.is_empty() {
        out.push_str("(no cell has measurements on both sides)\n");
    }
    for g in geomean_lines(c).iter().chain(&package_lines(c)) {
        let _ = writeln!(out, "{}", one_line(g));
    }
    unmatched(c, &mut out, &one_line, &one_line);
    out
}

/// The same as GitHub-flavoured Markdown, every name escaped.
pub fn markdown(c: &Comparison) -> String {
    let mut out = format!("**{}** → **{}**\n\n", md(&c.base_label), md(&c.new_label));
    let _ = writeln!(out, "| {} |", titles().join(" | "));
    let rule: Vec<&str> = COLUMNS
        .iter()
        .map(|(_, align)| match align {
            Align::Left => "---",
            Align::Right => "---:",
        })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in rows(c) {
        let cells: Vec<String> = row.iter().map(|f| md(f)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if !c.geomeans.is_empty() {
        out.push('\n');
    }
    for g in geomean_lines(c).iter().chain(&package_lines(c)) {
        let _ = writeln!(out, "- {}", md(g));
    }
    unmatched(c, &mut out, &md, &|s| format!("- {}", md(s)));
    out
}

/// "1.20× slower", "1.15× faster", "not significant", or "inconclusive:
/// +18 % but bimodal on 3.14-jit; run with --precision 5%".
pub fn verdict(c: &CellComparison) -> String {
    let ratio = c.time.ratio.value;
    match c.time.change {
        Change::Higher => format!("{ratio:.2}× slower"),
        Change::Lower => format!("{:.2}× faster", 1.0 / ratio),
        Change::Inconclusive => {
            let cells = [&c.new_cell, &c.base_cell];
            format!(
                "inconclusive: {}; {}",
                inconclusive::unproven(ratio, &cells),
                inconclusive::remedy(ratio, inconclusive::fewest_samples(&cells))
            )
        }
        Change::NotSignificant => "not significant".into(),
    }
}

/// "1.20× more", "1.15× less", "not significant", or "inconclusive: +12 %,
/// p = 0.100": the same rules as for time.
pub fn memory_verdict(m: &Measured) -> String {
    match m.change {
        Change::Higher => format!("{:.2}× more", m.ratio.value),
        Change::Lower => format!("{:.2}× less", 1.0 / m.ratio.value),
        Change::Inconclusive => format!(
            "inconclusive: {}, p = {:.3}",
            fmt_change(m.ratio.value),
            m.p_value
        ),
        Change::NotSignificant => "not significant".into(),
    }
}

/// "1.032 [1.010–1.055]".
fn ratio_ci(e: Estimate) -> String {
    format!("{:.3} [{:.3}–{:.3}]", e.value, e.low, e.high)
}

/// The columns' titles.
pub(crate) fn titles() -> Vec<&'static str> {
    COLUMNS.iter().map(|(title, _)| *title).collect()
}

/// One row per matched cell, as plain text.
pub(crate) fn rows(c: &Comparison) -> Vec<Vec<String>> {
    let same_builds = c.cells.iter().all(|x| x.base_build == x.new_build);
    c.cells
        .iter()
        .map(|x| {
            let build = if same_builds {
                x.new_build.clone()
            } else {
                format!("{} → {}", x.base_build, x.new_build)
            };
            vec![
                build,
                x.workload.clone(),
                x.mode.to_string(),
                x.threads.to_string(),
                fmt_seconds_digits(x.time.base.median, 4),
                fmt_seconds_digits(x.time.new.median, 4),
                ratio_ci(x.time.ratio),
                format!("{:.3}", x.time.p_value),
                verdict(x),
                x.memory
                    .as_ref()
                    .map_or_else(|| "—".into(), |m| ratio_ci(m.ratio)),
                x.memory.as_ref().map_or_else(String::new, memory_verdict),
            ]
        })
        .collect()
}

/// A line per changed workload whose packages differ between the sides:
/// "accel_sum: accelfixture is pure Python on 3.13t (…) and compiled on 3.13 (cp313)".
fn package_lines(c: &Comparison) -> Vec<String> {
    c.packages
        .iter()
        .filter_map(|p| Some(format!("{}: {}", p.workload, pairs_words(&p.pairs)?)))
        .collect()
}

/// A line per build: its geometric mean of the ratios.
pub(crate) fn geomean_lines(c: &Comparison) -> Vec<String> {
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

/// The cells measured on one side only, under a heading per side; `name`
/// formats the side's label, `item` each cell's line.
fn unmatched(
    c: &Comparison,
    out: &mut String,
    name: &dyn Fn(&str) -> String,
    item: &dyn Fn(&str) -> String,
) {
    for (side, cells) in one_sided(c) {
        let _ = writeln!(out, "\nOnly measured in {}:", name(&side));
        for cell in cells {
            let _ = writeln!(out, "{}", item(&cell));
        }
    }
}

/// Each side's label with the cells measured on it only, as text; sides
/// without such cells are left out.
pub(crate) fn one_sided(c: &Comparison) -> Vec<(String, Vec<String>)> {
    [
        (&c.base_label, &c.only_in_base),
        (&c.new_label, &c.only_in_new),
    ]
    .into_iter()
    .filter(|(_, keys)| !keys.is_empty())
    .map(|(side, keys)| {
        let cells = keys
            .iter()
            .map(|k| {
                format!(
                    "{} × {} · {} · {} workers",
                    k.build, k.workload, k.mode, k.threads
                )
            })
            .collect();
        (side.clone(), cells)
    })
    .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::{CompareOptions, compare, compare_builds};
    use crate::analysis::fixture::{fixture, more_memory, noisy, scaled};

    #[test]
    fn a_large_unproven_change_says_why_and_what_to_do() {
        let c = compare_builds(&noisy(), "3.14", "3.14-jit", &CompareOptions::default()).unwrap();
        let table = table(&c);
        assert!(
            table.contains("inconclusive: -17 % but bimodal on 3.14-jit; run with --precision 5%"),
            "{table}"
        );
        insta::assert_snapshot!("inconclusive", table);
    }

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
    fn memory_ratios_stand_beside_time_ratios() {
        let run = fixture();
        let c = compare(
            &run,
            &more_memory(&run, "3.13t", 1.2),
            &CompareOptions::default(),
        );
        let table = table(&c);
        let row = table
            .lines()
            .find(|l| l.starts_with("3.13t ") && l.contains("countdown"))
            .unwrap();
        assert!(
            row.contains("not significant") && row.contains("1.200 [1.199–1.201]  1.20× more"),
            "{table}"
        );
        insta::assert_snapshot!("memory", table);
    }

    #[test]
    fn builds_of_one_run_match_their_snapshots() {
        let c = compare_builds(&fixture(), "3.13", "3.13t", &CompareOptions::default()).unwrap();
        let table = table(&c);
        assert!(table.contains("Only measured in 3.13:"));
        insta::assert_snapshot!("table", table);
        insta::assert_snapshot!("markdown", markdown(&c));
    }
}
