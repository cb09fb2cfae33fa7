//! The changes of every series, named in words.

use std::collections::BTreeSet;

use super::changes::{Settings, change_points, level};
use super::order::Axis;
use super::series::{Series, SeriesKey};
use super::store::History;

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: SeriesKey,
    /// Axis positions of the last run before the change and the first after.
    pub last_before: usize,
    pub first_after: usize,
    pub before: f64,
    pub after: f64,
    /// Runs of the series from the change on.
    pub holds: usize,
    pub regression: bool,
}

/// Every change of every series, in series order, oldest first.
pub fn changes(series: &[Series], settings: &Settings) -> Vec<Change> {
    let mut out = Vec::new();
    for s in series {
        let values = s.values();
        let splits = change_points(&values, settings);
        let mut bounds = vec![0];
        bounds.extend(&splits);
        bounds.push(values.len());
        for (i, &at) in splits.iter().enumerate() {
            let (Some(before), Some(after)) = (
                level(&values[bounds[i]..at]),
                level(&values[at..bounds[i + 2]]),
            ) else {
                continue;
            };
            out.push(Change {
                key: s.key.clone(),
                last_before: s.points[at - 1].at,
                first_after: s.points[at].at,
                before,
                after,
                holds: values.len() - at,
                regression: (after > before) == s.key.metric.higher_is_worse(),
            });
        }
    }
    out
}

/// "speedup of dict_build at 2 threads on 3.14t fell from 1.92× to 1.41×
/// between run … and …; holds over the 9 runs since".
pub fn describe(change: &Change, history: &History, axis: &Axis, show_machine: bool) -> String {
    let k = &change.key;
    let metric = k.metric;
    let verb = if change.after > change.before {
        "rose"
    } else {
        "fell"
    };
    let threads = if k.threads == 1 {
        "1 thread".to_string()
    } else {
        format!("{} threads", k.threads)
    };
    let mode = if k.mode == "threads" {
        String::new()
    } else {
        format!(" ({})", k.mode)
    };
    let machine = if show_machine {
        format!(" on machine {}", k.machine)
    } else {
        String::new()
    };
    let run = |at: usize| history.runs[axis.runs[at]].name();
    let since = match change.holds {
        1 => "holds at the newest run".to_string(),
        n => format!("holds over the {n} runs since"),
    };
    format!(
        "{} of {} at {threads}{mode} on {}{machine} {verb} from {} to {} between run {} and {}; {since}",
        metric.name(),
        k.workload,
        k.build,
        metric.format(change.before),
        metric.format(change.after),
        run(change.last_before),
        run(change.first_after),
    )
}

/// Whether the series come from more than one machine (then each change
/// says which).
pub fn several_machines(series: &[Series]) -> bool {
    series
        .iter()
        .map(|s| &s.key.machine)
        .collect::<BTreeSet<_>>()
        .len()
        > 1
}

/// Regressions the newest run confirms: their series reach the newest
/// run, and it is the first run that can confirm them (they began within
/// the last `min_run` runs).
pub fn confirmed_by_newest<'c>(
    changes: &'c [Change],
    series: &[Series],
    axis: &Axis,
    settings: &Settings,
) -> Vec<&'c Change> {
    let Some(newest) = axis.runs.len().checked_sub(1) else {
        return Vec::new();
    };
    changes
        .iter()
        .filter(|c| c.regression)
        .filter(|c| {
            series.iter().any(|s| {
                s.key == c.key
                    && s.points.last().map(|p| p.at) == Some(newest)
                    && c.holds <= settings.min_run
            })
        })
        .collect()
}
