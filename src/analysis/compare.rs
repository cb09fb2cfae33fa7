//! Comparing measurements: two runs ([`compare`]) or two builds of one run
//! ([`compare_builds`]). Cells are matched by build, workload, mode and
//! workers (measured samples only: not warmups, status ok).
//!
//! Per cell: the ratio new/base of the median wall times with a bootstrap
//! 95 % interval (reported as the uncertainty of the ratio), and a
//! two-sided Mann-Whitney U test; the same for the peak memory while the
//! work ran, where both sides measured it. A change is *significant* when the rank
//! test says so (p < alpha, 0.05) and the change is at least `min_effect`
//! (5 % by default): two runs of the same thing on one machine drift apart
//! between runs — by up to 5 % on a shared 2-core VM — which no test within
//! a run can see. The
//! rank test decides rather than the interval because a percentile
//! bootstrap of a median from a dozen samples is coarse: a 20 % slowdown
//! with p = 0.002 can still have an interval that touches 1. A change of at
//! least `min_effect` that the test does not prove is *inconclusive* (the
//! reports say why and what to do); a smaller one is "not significant": the
//! data do not support a difference, which is not the same as no
//! difference.
//!
//! The tables (terminal and Markdown) are in `report::compare`.

use std::collections::BTreeMap;

use super::packages::{ChangedCell, PackagesBehind, packages_behind};
use super::summary::{CellSummary, RunSummary};
use crate::results::{BuildRecord, CellKey, Mode, RunResults};
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

/// How the new median stands against the base median: for wall time,
/// higher is slower; for memory, more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Lower,
    Higher,
    /// At least `min_effect`, but not proven.
    Inconclusive,
    NotSignificant,
}

/// One measure (wall time or peak memory) of a matched cell on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub base: Distribution,
    pub new: Distribution,
    /// median(new) / median(base).
    pub ratio: Estimate,
    pub p_value: f64,
    pub change: Change,
}

impl Measured {
    /// The ratio with its interval and the rank test, judged by the
    /// options' rules. None if either side has no usable median.
    pub(super) fn of(
        new: &[f64],
        base: &[f64],
        salt: &str,
        opts: &CompareOptions,
    ) -> Option<Measured> {
        let (base_d, new_d) = (Distribution::of(base)?, Distribution::of(new)?);
        let ratio = opts.bootstrap.salted(salt).ratio_of_medians(new, base)?;
        let p_value = mann_whitney_u(new, base).map_or(1.0, |t| t.p_value);
        let large_enough = (ratio.value - 1.0).abs() >= opts.min_effect;
        let change = match (p_value < opts.alpha, large_enough, ratio.value > 1.0) {
            (true, true, true) => Change::Higher,
            (true, true, false) => Change::Lower,
            (false, true, _) => Change::Inconclusive,
            (_, false, _) => Change::NotSignificant,
        };
        Some(Measured {
            base: base_d,
            new: new_d,
            ratio,
            p_value,
            change,
        })
    }

    pub fn significant(&self) -> bool {
        matches!(self.change, Change::Lower | Change::Higher)
    }

    /// Significantly higher by more than `fail_above` (0.05: the new
    /// median is more than 5 % above the base median).
    pub(super) fn regressed(&self, fail_above: f64) -> bool {
        self.change == Change::Higher && self.ratio.value > 1.0 + fail_above
    }
}

/// One matched cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellComparison {
    pub base_build: String,
    pub new_build: String,
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
    /// Wall time: a ratio above 1 is slower.
    pub time: Measured,
    /// Peak memory while the work ran, where both sides measured it.
    pub memory: Option<Measured>,
    /// The two cells, for why a change is inconclusive.
    pub base_cell: CellSummary,
    pub new_cell: CellSummary,
}

impl CellComparison {
    pub fn significant(&self) -> bool {
        self.time.significant()
    }
}

impl Comparison {
    /// Cells whose time changed (significantly or inconclusively) or whose
    /// peak memory changed significantly: a package can do either.
    fn changed_cells(&self) -> impl Iterator<Item = ChangedCell<'_>> + '_ {
        self.cells
            .iter()
            .filter(|c| {
                c.time.change != Change::NotSignificant
                    || c.memory.as_ref().is_some_and(Measured::significant)
            })
            .map(|c| {
                (
                    c.base_build.as_str(),
                    c.new_build.as_str(),
                    c.workload.as_str(),
                )
            })
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
    /// The packages behind the changed cells (significant or
    /// inconclusive), once per build pair and workload.
    pub packages: Vec<PackagesBehind>,
}

/// Compares two runs, cell by cell (same build name, workload, mode, workers).
pub fn compare(base: &RunResults, new: &RunResults, opts: &CompareOptions) -> Comparison {
    let same_cell = |key: &CellKey| Some(key.clone());
    let mut comparison = matched(
        label(base),
        label(new),
        &side(&RunSummary::with(base, &opts.bootstrap), same_cell),
        &side(&RunSummary::with(new, &opts.bootstrap), same_cell),
        opts,
    );
    comparison.sort_like(new);
    // The same build name on both sides: each side's copy named by its side.
    let side_name = |build: &str, side: &str| format!("{build} in the {side} run");
    let records: Vec<BuildRecord> = [(base, "base"), (new, "new")]
        .into_iter()
        .flat_map(|(r, side)| {
            r.builds.iter().map(move |b| BuildRecord {
                name: side_name(&b.name, side),
                ..b.clone()
            })
        })
        .collect();
    let samples = base.samples.iter().chain(&new.samples);
    comparison.packages = packages_behind(comparison.changed_cells(), &records, samples, side_name);
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
    Ok(compare_on(
        results,
        &[(base_build.to_string(), new_build.to_string())],
        (base_build.to_string(), new_build.to_string()),
        opts,
    ))
}

/// Compares pairs of builds of one run (base build, new build), cell by
/// cell (same workload, mode, workers); `labels` name the two sides.
pub fn compare_on(
    results: &RunResults,
    pairs: &[(String, String)],
    labels: (String, String),
    opts: &CompareOptions,
) -> Comparison {
    let summary = RunSummary::with(results, &opts.bootstrap);
    let of_side = |pick: fn(&(String, String)) -> &String| {
        side(&summary, |key: &CellKey| {
            let pair = pairs.iter().position(|p| *pick(p) == key.build)?;
            Some((pair, key.workload.clone(), key.mode, key.threads))
        })
    };
    let mut comparison = matched(
        labels.0,
        labels.1,
        &of_side(|p| &p.0),
        &of_side(|p| &p.1),
        opts,
    );
    comparison.sort_like(results);
    comparison.packages = packages_behind(
        comparison.changed_cells(),
        &results.builds,
        results.samples.iter(),
        |b, _| b.to_string(),
    );
    comparison
}

/// One side's measured cells, by what matches them with the other side's.
type Side<'s, K> = BTreeMap<K, &'s CellSummary>;

/// The measured cells of `summary` that `matching` gives a key to.
fn side<K: Ord>(summary: &RunSummary, matching: impl Fn(&CellKey) -> Option<K>) -> Side<'_, K> {
    summary
        .cells
        .iter()
        .filter(|c| c.has_measurements())
        .filter_map(|c| Some((matching(&c.key)?, c)))
        .collect()
}

/// Compares the cells both sides have; the others are listed as measured
/// on one side only.
fn matched<K: Ord>(
    base_label: String,
    new_label: String,
    base: &Side<'_, K>,
    new: &Side<'_, K>,
    opts: &CompareOptions,
) -> Comparison {
    let only_in = |one: &Side<'_, K>, other: &Side<'_, K>| -> Vec<CellKey> {
        one.iter()
            .filter(|(k, _)| !other.contains_key(*k))
            .map(|(_, cell)| cell.key.clone())
            .collect()
    };
    let mut cells = Vec::new();
    for (k, base_cell) in base {
        let Some(new_cell) = new.get(k) else {
            continue;
        };
        if let Some(cell) = compare_cell(base_cell, new_cell, opts) {
            cells.push(cell);
        }
    }
    let mut groups: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for c in &cells {
        groups
            .entry((c.base_build.clone(), c.new_build.clone()))
            .or_default()
            .push(c.time.ratio.value);
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
        only_in_base: only_in(base, new),
        only_in_new: only_in(new, base),
        options: *opts,
        packages: Vec::new(),
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
        self.cells.sort_by_cached_key(|c| {
            (
                build_rank(&c.new_build),
                c.new_build.clone(),
                workload_rank(&c.workload),
                c.workload.clone(),
                c.mode,
                c.threads,
            )
        });
        self.geomeans
            .sort_by_cached_key(|g| (build_rank(&g.new_build), g.new_build.clone()));
    }

    /// Cells significantly slower by more than `fail_above` (0.05: the new
    /// median is more than 5 % above the base median, and the change is
    /// significant).
    pub fn regressions(&self, fail_above: f64) -> Vec<&CellComparison> {
        self.cells
            .iter()
            .filter(|c| c.time.regressed(fail_above))
            .collect()
    }

    /// Cells whose peak memory grew significantly by more than `fail_above`.
    pub fn memory_regressions(&self, fail_above: f64) -> Vec<&CellComparison> {
        self.cells
            .iter()
            .filter(|c| c.memory.as_ref().is_some_and(|m| m.regressed(fail_above)))
            .collect()
    }

    /// Cells significantly faster.
    pub fn improvements(&self) -> Vec<&CellComparison> {
        self.cells
            .iter()
            .filter(|c| c.time.change == Change::Lower)
            .collect()
    }
}

/// What seeds a cell comparison's bootstrap: the same cells, the same interval.
pub(super) fn salt(base: &CellKey, new: &CellKey) -> String {
    format!(
        "compare {}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        base.build, new.build, new.workload, new.mode, new.threads
    )
}

/// One matched cell: the ratios of medians with their intervals, and the
/// rank tests. None if either side has no usable median wall time.
fn compare_cell(
    base_cell: &CellSummary,
    new_cell: &CellSummary,
    opts: &CompareOptions,
) -> Option<CellComparison> {
    let (base_key, new_key) = (&base_cell.key, &new_cell.key);
    let salt = salt(base_key, new_key);
    let time = Measured::of(
        &new_cell.wall_values(),
        &base_cell.wall_values(),
        &salt,
        opts,
    )?;
    let memory = match (new_cell.peak_values(), base_cell.peak_values()) {
        (Some(new), Some(base)) => Measured::of(&new, &base, &format!("memory {salt}"), opts),
        _ => None,
    };
    Some(CellComparison {
        base_build: base_key.build.clone(),
        new_build: new_key.build.clone(),
        workload: new_key.workload.clone(),
        mode: new_key.mode,
        threads: new_key.threads,
        time,
        memory,
        base_cell: base_cell.clone(),
        new_cell: new_cell.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::{fixture, more_memory, noisy, scaled};

    #[test]
    fn a_large_unproven_change_is_inconclusive_not_insignificant() {
        let c = compare_builds(&noisy(), "3.14", "3.14-jit", &CompareOptions::default()).unwrap();
        let countdown = c.cells.iter().find(|x| x.workload == "countdown").unwrap();
        // -17 %, but the JIT build's samples fall into two groups.
        assert!(
            (countdown.time.ratio.value - 0.83).abs() < 0.01,
            "{countdown:?}"
        );
        assert!(countdown.time.p_value >= 0.05);
        assert_eq!(countdown.time.change, Change::Inconclusive);
        assert!(!countdown.significant());
        assert!(c.improvements().iter().all(|x| x.workload != "countdown"));
    }

    #[test]
    fn identical_runs_have_no_significant_cell() {
        let run = fixture();
        let c = compare(&run, &run, &CompareOptions::default());
        assert!(!c.cells.is_empty());
        assert!(c.cells.iter().all(|c| !c.significant()), "{c:?}");
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
            assert!((r.time.ratio.value - 1.2).abs() < 0.01, "{r:?}");
            assert!(r.time.p_value < 0.05);
            assert_eq!(r.time.change, Change::Higher);
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
    }

    #[test]
    fn twenty_percent_more_memory_fails_a_ten_percent_gate_and_twins_pass() {
        let run = fixture();
        let same = compare(&run, &run, &CompareOptions::default());
        assert!(same.memory_regressions(0.0).is_empty());
        assert!(same.cells.iter().all(|c| c.memory.is_some()));
        let more = compare(
            &run,
            &more_memory(&run, "3.13t", 1.2),
            &CompareOptions::default(),
        );
        let grown = more.memory_regressions(0.10);
        let t_cells = more.cells.iter().filter(|c| c.new_build == "3.13t").count();
        assert_eq!(grown.len(), t_cells, "{grown:?}");
        for c in &grown {
            let m = c.memory.as_ref().unwrap();
            assert!(
                (m.ratio.value - 1.2).abs() < 0.01 && m.p_value < 0.05,
                "{m:?}"
            );
            assert!(!c.time.significant(), "time is unchanged");
        }
        assert!(
            more.memory_regressions(0.25).is_empty(),
            "above the threshold only"
        );
        assert!(more.regressions(0.0).is_empty());
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
        assert_eq!(at(1).time.change, Change::Higher);
        assert_eq!(at(2).time.change, Change::Lower);
        assert_eq!(c.geomeans.len(), 1);
        // The failed 3.13t cell has no measurements: only the base has it.
        assert_eq!(c.only_in_base.len(), 1, "{:?}", c.only_in_base);
        assert_eq!(c.only_in_base[0].build, "3.13");
        assert!(compare_builds(&run, "3.13", "nope", &CompareOptions::default()).is_err());

        let mut fewer = run.clone();
        fewer.samples.retain(|s| s.threads != 4);
        let c = compare(&run, &fewer, &CompareOptions::default());
        assert!(!c.only_in_base.is_empty());
        assert!(c.only_in_base.iter().all(|k| k.threads == 4));
        assert!(c.only_in_new.is_empty());
    }
}
