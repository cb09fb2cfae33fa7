//! Comparing measurements: two runs ([`compare`]) or two builds of one run
//! ([`compare_builds`]). Cells are matched by build, workload, mode and
//! workers (measured samples only: not warmups, status ok).
//!
//! Per cell: the ratio new/base of the median wall times with a bootstrap
//! 95 % interval (reported as the uncertainty of the ratio), and a
//! two-sided Mann-Whitney U test. A change is *significant* when the rank
//! test says so (p < alpha, 0.05) and the change is at least `min_effect`
//! (5 % by default): two runs of the same thing on one machine drift apart
//! between runs — by up to 5 % on a shared 2-core VM — which no test within
//! a run can see. The
//! rank test decides rather than the interval because a percentile
//! bootstrap of a median from a dozen samples is coarse: a 20 % slowdown
//! with p = 0.002 can still have an interval that touches 1. Otherwise the
//! cell is "not significant": the data do not support a difference, which
//! is not the same as no difference.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::analysis::RunSummary;
use crate::results::{CellKey, Mode, RunResults};
use crate::stats::{Bootstrap, Distribution, Estimate, geometric_mean, mann_whitney_u};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    pub bootstrap: Bootstrap,
    /// Significance level of the rank test.
    pub alpha: f64,
    /// Smallest relative change called significant (run-to-run noise floor).
    pub min_effect: f64,
}

impl Default for CompareOptions {
    fn default() -> CompareOptions {
        CompareOptions {
            bootstrap: Bootstrap::default(),
            alpha: 0.05,
            min_effect: 0.05,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Faster,
    Slower,
    NotSignificant,
}

/// One matched cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellComparison {
    pub base_build: String,
    pub new_build: String,
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
    pub base: Distribution,
    pub new: Distribution,
    /// median(new) / median(base): above 1 is slower.
    pub ratio: Estimate,
    pub p_value: f64,
    pub change: Change,
}

impl CellComparison {
    pub fn significant(&self) -> bool {
        self.change != Change::NotSignificant
    }

    /// "1.20× slower", "1.15× faster", "not significant".
    pub fn verdict(&self) -> String {
        match self.change {
            Change::Slower => format!("{:.2}× slower", self.ratio.value),
            Change::Faster => format!("{:.2}× faster", 1.0 / self.ratio.value),
            Change::NotSignificant => "not significant".into(),
        }
    }
}

/// The geometric mean of a build's ratios over its matched cells.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildGeomean {
    pub base_build: String,
    pub new_build: String,
    pub ratio: f64,
    pub cells: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// What the base and new sides are: run ids, or build names.
    pub base_label: String,
    pub new_label: String,
    pub cells: Vec<CellComparison>,
    pub geomeans: Vec<BuildGeomean>,
    /// Cells with measurements on one side only.
    pub only_in_base: Vec<CellKey>,
    pub only_in_new: Vec<CellKey>,
    pub options: CompareOptions,
}

/// Compares two runs, cell by cell (same build name, workload, mode, workers).
pub fn compare(base: &RunResults, new: &RunResults, opts: &CompareOptions) -> Comparison {
    let (b, n) = (
        RunSummary::with(base, &opts.bootstrap),
        RunSummary::with(new, &opts.bootstrap),
    );
    let walls = |s: &RunSummary| -> BTreeMap<CellKey, Vec<f64>> {
        s.cells
            .iter()
            .filter(|c| c.has_measurements())
            .map(|c| (c.key.clone(), c.wall_values()))
            .collect()
    };
    let (bw, nw) = (walls(&b), walls(&n));
    let mut pairs = Vec::new();
    for (key, base_values) in &bw {
        if let Some(new_values) = nw.get(key) {
            pairs.push((key.clone(), key.clone(), base_values, new_values));
        }
    }
    let only_in_base = bw
        .keys()
        .filter(|k| !nw.contains_key(*k))
        .cloned()
        .collect();
    let only_in_new = nw
        .keys()
        .filter(|k| !bw.contains_key(*k))
        .cloned()
        .collect();
    let mut comparison = build(
        label(base),
        label(new),
        pairs,
        only_in_base,
        only_in_new,
        opts,
    );
    comparison.sort_like(new);
    comparison
}

fn label(r: &RunResults) -> String {
    format!("run {}", r.run_id)
}

/// Compares two builds of one run (same workload, mode, workers).
/// Fails if either build is not in the run.
pub fn compare_builds(
    results: &RunResults,
    base_build: &str,
    new_build: &str,
    opts: &CompareOptions,
) -> anyhow::Result<Comparison> {
    let known: Vec<&str> = results
        .builds
        .iter()
        .map(|b| b.name.as_str())
        .chain(results.samples.iter().map(|s| s.build.as_str()))
        .collect();
    for build in [base_build, new_build] {
        if !known.contains(&build) {
            let mut names = known.clone();
            names.sort_unstable();
            names.dedup();
            return Err(crate::error::invalid_input(format!(
                "the run has no build `{build}` (builds: {})",
                names.join(", ")
            )));
        }
    }
    let summary = RunSummary::with(results, &opts.bootstrap);
    let walls = |build: &str| -> BTreeMap<(String, Mode, u32), (CellKey, Vec<f64>)> {
        summary
            .cells
            .iter()
            .filter(|c| c.key.build == build && c.has_measurements())
            .map(|c| {
                (
                    (c.key.workload.clone(), c.key.mode, c.key.threads),
                    (c.key.clone(), c.wall_values()),
                )
            })
            .collect()
    };
    let (bw, nw) = (walls(base_build), walls(new_build));
    let mut pairs = Vec::new();
    for (k, (base_key, base_values)) in &bw {
        if let Some((new_key, new_values)) = nw.get(k) {
            pairs.push((base_key.clone(), new_key.clone(), base_values, new_values));
        }
    }
    let only_in_base = bw
        .iter()
        .filter(|(k, _)| !nw.contains_key(*k))
        .map(|(_, v)| v.0.clone())
        .collect();
    let only_in_new = nw
        .iter()
        .filter(|(k, _)| !bw.contains_key(*k))
        .map(|(_, v)| v.0.clone())
        .collect();
    let mut comparison = build(
        base_build.to_string(),
        new_build.to_string(),
        pairs,
        only_in_base,
        only_in_new,
        opts,
    );
    comparison.sort_like(results);
    Ok(comparison)
}

fn build(
    base_label: String,
    new_label: String,
    pairs: Vec<(CellKey, CellKey, &Vec<f64>, &Vec<f64>)>,
    only_in_base: Vec<CellKey>,
    only_in_new: Vec<CellKey>,
    opts: &CompareOptions,
) -> Comparison {
    let mut cells = Vec::new();
    for (base_key, new_key, base_values, new_values) in pairs {
        let (Some(base), Some(new)) = (Distribution::of(base_values), Distribution::of(new_values))
        else {
            continue;
        };
        let salt = format!(
            "compare {}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            base_key.build, new_key.build, new_key.workload, new_key.mode, new_key.threads
        );
        let Some(ratio) = opts
            .bootstrap
            .salted(&salt)
            .ratio_of_medians(new_values, base_values)
        else {
            continue;
        };
        let p_value = mann_whitney_u(new_values, base_values).map_or(1.0, |t| t.p_value);
        let large_enough = (ratio.value - 1.0).abs() >= opts.min_effect;
        let change = if p_value < opts.alpha && large_enough {
            if ratio.value > 1.0 {
                Change::Slower
            } else {
                Change::Faster
            }
        } else {
            Change::NotSignificant
        };
        cells.push(CellComparison {
            base_build: base_key.build,
            new_build: new_key.build,
            workload: new_key.workload,
            mode: new_key.mode,
            threads: new_key.threads,
            base,
            new,
            ratio,
            p_value,
            change,
        });
    }
    let mut groups: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for c in &cells {
        groups
            .entry((c.base_build.clone(), c.new_build.clone()))
            .or_default()
            .push(c.ratio.value);
    }
    let geomeans = groups
        .into_iter()
        .filter_map(|((base_build, new_build), ratios)| {
            Some(BuildGeomean {
                ratio: geometric_mean(&ratios)?,
                cells: ratios.len(),
                base_build,
                new_build,
            })
        })
        .collect();
    Comparison {
        base_label,
        new_label,
        cells,
        geomeans,
        only_in_base,
        only_in_new,
        options: *opts,
    }
}

impl Comparison {
    /// Orders cells and geometric means as the run lists its builds and
    /// workloads (names it does not list go last, by name).
    fn sort_like(&mut self, run: &RunResults) {
        let build_rank = |name: &str| {
            run.builds
                .iter()
                .position(|b| b.name == name)
                .unwrap_or(usize::MAX)
        };
        let workload_rank = |name: &str| {
            run.workloads
                .iter()
                .position(|w| w.name == name)
                .unwrap_or(usize::MAX)
        };
        self.cells.sort_by(|x, y| {
            (
                build_rank(&x.new_build),
                &x.new_build,
                workload_rank(&x.workload),
                &x.workload,
                x.mode,
                x.threads,
            )
                .cmp(&(
                    build_rank(&y.new_build),
                    &y.new_build,
                    workload_rank(&y.workload),
                    &y.workload,
                    y.mode,
                    y.threads,
                ))
        });
        self.geomeans.sort_by(|x, y| {
            (build_rank(&x.new_build), &x.new_build).cmp(&(build_rank(&y.new_build), &y.new_build))
        });
    }

    /// Cells significantly slower by more than `fail_above` (0.05: the new
    /// median is more than 5 % above the base median, and the change is
    /// significant).
    pub fn regressions(&self, fail_above: f64) -> Vec<&CellComparison> {
        self.cells
            .iter()
            .filter(|c| c.change == Change::Slower && c.ratio.value > 1.0 + fail_above)
            .collect()
    }

    /// Cells significantly faster.
    pub fn improvements(&self) -> Vec<&CellComparison> {
        self.cells
            .iter()
            .filter(|c| c.change == Change::Faster)
            .collect()
    }

    fn same_builds(&self) -> bool {
        self.cells.iter().all(|c| c.base_build == c.new_build)
    }

    fn rows(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let same = self.same_builds();
        let mut header = vec!["build", "workload", "mode", "workers"];
        header.extend([
            "base median",
            "new median",
            "new/base [95 % CI]",
            "p",
            "verdict",
        ]);
        let rows = self
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
                    c.verdict(),
                ]
            })
            .collect();
        (header, rows)
    }

    fn geomean_lines(&self) -> Vec<String> {
        self.geomeans
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

    /// A plain-text table with aligned columns, for the terminal. Names are
    /// printed with control characters replaced, so a workload name cannot
    /// send escape sequences to the terminal.
    pub fn to_table(&self) -> String {
        let (header, rows) = self.rows();
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
            printable(&self.base_label),
            printable(&self.new_label)
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
        if self.cells.is_empty() {
            out.push_str("(no cell has measurements on both sides)\n");
        }
        for g in self.geomean_lines() {
            let _ = writeln!(out, "{}", printable(&g));
        }
        self.unmatched_text(&mut out, printable);
        out
    }

    /// The same as GitHub-flavoured Markdown.
    pub fn to_markdown(&self) -> String {
        let (header, rows) = self.rows();
        let mut out = format!(
            "**{}** → **{}**\n\n",
            crate::report::markdown_escape(&self.base_label),
            crate::report::markdown_escape(&self.new_label)
        );
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let rule: Vec<&str> = (0..header.len())
            .map(|i| if (3..8).contains(&i) { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "| {} |", rule.join(" | "));
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|f| crate::report::markdown_escape(f))
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        if !self.geomeans.is_empty() {
            out.push('\n');
        }
        for g in self.geomean_lines() {
            let _ = writeln!(out, "- {}", crate::report::markdown_escape(&g));
        }
        self.unmatched_text(&mut out, |s| {
            format!("- {}", crate::report::markdown_escape(s))
        });
        out
    }

    fn unmatched_text(&self, out: &mut String, fmt: impl Fn(&str) -> String) {
        for (side, keys) in [
            (&self.base_label, &self.only_in_base),
            (&self.new_label, &self.only_in_new),
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
    use crate::analysis::fixture::{fixture, scaled};

    #[test]
    fn identical_runs_have_no_significant_cell() {
        let run = fixture();
        let c = compare(&run, &run, &CompareOptions::default());
        assert!(!c.cells.is_empty());
        assert!(c.cells.iter().all(|c| !c.significant()), "{}", c.to_table());
        assert!(c.regressions(0.0).is_empty());
        assert!(c.only_in_base.is_empty() && c.only_in_new.is_empty());
        for g in &c.geomeans {
            assert!((g.ratio - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_twenty_percent_slowdown_is_flagged() {
        let run = fixture();
        let slower = scaled(&run, "3.13t", 1.2);
        let c = compare(&run, &slower, &CompareOptions::default());
        let regressions = c.regressions(0.05);
        assert!(!regressions.is_empty());
        for r in &regressions {
            assert_eq!(r.new_build, "3.13t");
            assert!((r.ratio.value - 1.2).abs() < 0.01, "{r:?}");
            assert!(r.p_value < 0.05);
            assert_eq!(r.verdict(), "1.20× slower");
        }
        // Every 3.13t cell with measurements on both sides is flagged.
        let t_cells = c.cells.iter().filter(|c| c.new_build == "3.13t").count();
        assert_eq!(regressions.len(), t_cells);
        assert!(c.regressions(0.25).is_empty(), "above the threshold only");
        assert!(
            c.cells
                .iter()
                .filter(|c| c.new_build != "3.13t")
                .all(|c| !c.significant())
        );
        let g = c.geomeans.iter().find(|g| g.new_build == "3.13t").unwrap();
        assert!((g.ratio - 1.2).abs() < 0.01, "{g:?}");
        let other = c.geomeans.iter().find(|g| g.new_build == "3.13").unwrap();
        assert!((other.ratio - 1.0).abs() < 1e-9);

        let table = c.to_table();
        assert!(table.contains("1.20× slower"), "{table}");
        assert!(table.contains("not significant"));
        assert!(!table.contains('\u{1b}'));
        let md = c.to_markdown();
        assert!(md.contains("| build | workload | mode | workers |"), "{md}");
        assert!(md.contains("&lt;script&gt;"), "names are escaped: {md}");
        assert!(!md.contains("<script"));
    }

    #[test]
    fn builds_of_one_run_and_unmatched_cells() {
        let run = fixture();
        let c = compare_builds(&run, "3.13", "3.13t", &CompareOptions::default()).unwrap();
        // 3.13t is slower at 1 thread and faster at 2 threads on countdown.
        let at = |threads| {
            c.cells
                .iter()
                .find(|x| x.workload == "countdown" && x.threads == threads)
                .unwrap()
        };
        assert_eq!(at(1).change, Change::Slower);
        assert_eq!(at(2).change, Change::Faster);
        assert_eq!(c.geomeans.len(), 1);
        // The failed 3.13t cell has no measurements: only the base has it.
        assert_eq!(c.only_in_base.len(), 1, "{:?}", c.only_in_base);
        assert!(c.to_table().contains("Only measured in 3.13:"));
        assert!(compare_builds(&run, "3.13", "nope", &CompareOptions::default()).is_err());

        let mut fewer = run.clone();
        fewer.samples.retain(|s| s.threads != 4);
        let c = compare(&run, &fewer, &CompareOptions::default());
        assert!(!c.only_in_base.is_empty());
        assert!(c.only_in_base.iter().all(|k| k.threads == 4));
        assert!(c.only_in_new.is_empty());
    }
}
