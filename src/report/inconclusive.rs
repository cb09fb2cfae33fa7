//! A large difference that the data do not prove is never "no difference":
//! it is inconclusive, with the reason and the remedy. The words shared by
//! the findings (what a build costs) and `gilbench compare`.

use crate::analysis::CellSummary;
use crate::analysis::precision::{DEFAULT_REPEAT, DEFAULT_TARGET, default_max_repeat};
use crate::format::{fmt_change, fmt_percent, one_line};

/// Fewer samples than this in either cell: too few to tell.
const FEW: usize = 5;

/// "-17 % but bimodal on 3.14-jit": an unproven ratio of the medians of
/// `cells` and why; it follows "inconclusive: ".
pub(crate) fn unproven(ratio: f64, cells: &[&CellSummary]) -> String {
    format!("{} but {}", fmt_change(ratio), reason(cells))
}

/// Why the difference between `cells` is unproven, in this order: bimodal,
/// drift, too few samples, too noisy (the larger coefficient of variation).
fn reason(cells: &[&CellSummary]) -> String {
    let on = |flagged: fn(&CellSummary) -> bool| {
        let names: Vec<String> = cells
            .iter()
            .filter(|c| flagged(c))
            .map(|c| one_line(&c.key.build))
            .collect();
        names.join(" and ")
    };
    let bimodal = on(|c| c.shape.bimodal.is_some());
    let drift = on(|c| c.shape.drift.is_some());
    let samples = fewest_samples(cells);
    let noisiest = cells
        .iter()
        .filter_map(|c| Some((c.cv()?, &c.key.build)))
        .max_by(|x, y| x.0.total_cmp(&y.0));
    if !bimodal.is_empty() {
        format!("bimodal on {bimodal}")
    } else if !drift.is_empty() {
        format!("drift on {drift}")
    } else {
        match noisiest {
            Some((cv, build)) if samples >= FEW => format!(
                "too noisy (CV {} on {})",
                fmt_percent(cv * 100.0),
                one_line(build)
            ),
            _ => format!("too few samples ({samples})"),
        }
    }
}

/// The measured samples of the cell that has fewest.
pub(crate) fn fewest_samples(cells: &[&CellSummary]) -> usize {
    cells.iter().map(|c| c.counts.measured).min().unwrap_or(0)
}

/// What to do about an unproven change of `ratio` between cells of
/// `samples` samples: know each median to about a third of the change (so
/// that their ratio's interval excludes no change), and allow more samples
/// than they have when that was the default's cap already. "run with
/// --precision 5%", "run with --precision 3% --max-repeat 40".
pub(crate) fn remedy(ratio: f64, samples: usize) -> String {
    let third = ((ratio - 1.0).abs() * 100.0 / 3.0).floor();
    let target = third.clamp(1.0, DEFAULT_TARGET * 100.0);
    let default_cap = default_max_repeat(DEFAULT_REPEAT) as usize;
    let cap = if samples * 2 > default_cap {
        format!(" --max-repeat {}", samples * 2)
    } else {
        String::new()
    };
    format!("run with --precision {target}%{cap}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remedy_asks_for_a_third_of_the_change_and_room_to_reach_it() {
        assert_eq!(remedy(0.83, 5), "run with --precision 5%");
        assert_eq!(remedy(1.10, 3), "run with --precision 3%");
        assert_eq!(remedy(1.05, 5), "run with --precision 1%");
        assert_eq!(remedy(1.18, 20), "run with --precision 5% --max-repeat 40");
    }
}
