//! Rounds beyond `--repeat`: with a precision goal, which cells are taken
//! again. A cell goes on while its median, or above one worker its
//! speedup, is not known to the goal ([`CellWalls::precision`]); its group goes on on
//! every build, so that builds stay interleaved.

use std::collections::HashMap;

use crate::analysis::precision::{CellWalls, Known};
use crate::results::machine::counted_and_set_aside;
use crate::results::shard::Group;
use crate::results::{CellKey, SampleRecord};

/// The groups to take again in round `repeat`, each with why (its first
/// cell short of the goal): those with a cell among `live` whose median or
/// speedup is not yet known to ±`target`. A speedup
/// short of it also sends back its one-worker group when that side's median
/// is known no better. Only rounds before `repeat` count, so that a resumed
/// run makes the decisions the interrupted one made.
pub fn unsettled(
    samples: &[SampleRecord],
    repeat: u32,
    target: f64,
    live: &[CellKey],
) -> HashMap<Group, String> {
    let counted = counted_and_set_aside(samples).0;
    let walls = CellWalls::of(counted.into_iter().filter(|r| r.repeat < repeat));
    let mut groups = HashMap::new();
    let mut send_back = |key: &CellKey, why: String| {
        groups.entry(Group::of(key)).or_insert(why);
    };
    for key in live {
        let precision = walls.precision(key);
        if !precision.median.within(target) {
            send_back(
                key,
                format!("{}'s median {}", key.build, known(precision.median)),
            );
        }
        let Some(speedup) = precision.speedup else {
            continue;
        };
        if speedup.within(target) {
            continue;
        }
        send_back(key, format!("{}'s speedup {}", key.build, known(speedup)));
        let one = CellKey {
            threads: 1,
            ..key.clone()
        };
        let one_side = walls.precision(&one).median;
        if live.contains(&one) && one_side.error() >= precision.median.error() {
            let why = format!(
                "{}'s speedup at {} {} and this side's median {}",
                key.build,
                key.threads,
                known(speedup),
                known(one_side)
            );
            send_back(&one, why);
        }
    }
    groups
}

/// "known to ±3.2 %", "not known yet (too few samples)".
fn known(precision: Known) -> String {
    match precision.fraction() {
        Some(e) => format!("known to ±{}", crate::format::fmt_percent(e * 100.0)),
        None => "not known yet (too few samples)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Mode, Sample, SampleStatus};

    fn key(workload: &str, threads: u32) -> CellKey {
        CellKey {
            build: "3.13".into(),
            workload: workload.into(),
            mode: Mode::Threads,
            threads,
        }
    }

    /// A measured sample of `cell` in round `repeat`.
    fn sample(cell: &CellKey, repeat: u32, wall_s: f64) -> SampleRecord {
        let json = serde_json::json!({
            "status": "ok", "warmup": false, "workers": cell.threads,
            "mode": "threads", "wall_ns": (wall_s * 1e9) as u64,
        });
        SampleRecord {
            build: cell.build.clone(),
            workload: cell.workload.clone(),
            threads: cell.threads,
            repeat,
            seq: 0,
            at: 0.0,
            sample: serde_json::from_value::<Sample>(json).unwrap(),
            disturbed: false,
            machine: None,
            jit_off: None,
            reproducer: None,
        }
    }

    /// `n` rounds of `cell` whose wall times spread evenly by ±`spread`
    /// around 1 s: at six, the median is known to exactly ±`spread`.
    fn rounds(cell: &CellKey, n: u32, spread: f64) -> Vec<SampleRecord> {
        (0..n)
            .map(|r| {
                let position = 2.0 * f64::from(r) / f64::from(n - 1) - 1.0;
                sample(cell, r, 1.0 + spread * position)
            })
            .collect()
    }

    #[test]
    fn stable_cells_stop_and_noisy_ones_go_on() {
        let (stable, noisy) = (key("sleep", 1), key("random", 1));
        let mut samples = rounds(&stable, 6, 0.005);
        samples.extend(rounds(&noisy, 6, 0.3));
        let live = [stable.clone(), noisy.clone()];
        let todo = unsettled(&samples, 6, 0.02, &live);
        assert_eq!(todo.keys().collect::<Vec<_>>(), [&Group::of(&noisy)]);
        assert_eq!(todo[&Group::of(&noisy)], "3.13's median known to ±30 %");
        // Five rounds are too few for any interval: both go on.
        assert_eq!(unsettled(&samples, 5, 0.02, &live).len(), 2);
        // A settled (failed) cell is not live: never taken again.
        assert!(unsettled(&samples, 6, 0.02, &[stable]).is_empty());
    }

    #[test]
    fn later_rounds_and_disturbed_samples_do_not_count() {
        let cell = key("sleep", 1);
        let todo = |samples: &[SampleRecord], repeat| {
            unsettled(samples, repeat, 0.02, std::slice::from_ref(&cell)).len()
        };
        let mut samples = rounds(&cell, 5, 0.005);
        // A sixth round taken after the decision for round 5 was made.
        samples.push(sample(&cell, 5, 1.0));
        assert_eq!(todo(&samples, 5), 1);
        assert_eq!(todo(&samples, 6), 0);
        // Disturbed, the sixth round leaves five measurements; so does a failure.
        samples.last_mut().unwrap().disturbed = true;
        assert_eq!(todo(&samples, 6), 1);
        let failed = samples.last_mut().unwrap();
        failed.disturbed = false;
        failed.sample.status = SampleStatus::Failed;
        assert_eq!(todo(&samples, 6), 1);
    }

    #[test]
    fn an_imprecise_speedup_sends_back_its_less_precise_side() {
        let (one, two) = (key("fib", 1), key("fib", 2));
        let live = [one.clone(), two.clone()];
        // Each median ±1.5 %: both within 2 %, their ratio (±2.1 %) not.
        let mut samples = rounds(&one, 6, 0.015);
        samples.extend(rounds(&two, 6, 0.015));
        let todo = unsettled(&samples, 6, 0.02, &live);
        assert_eq!(todo.len(), 2, "equally imprecise: both sides");
        // A precise one-worker side stays; the two-worker cell goes on.
        let mut samples = rounds(&one, 6, 0.001);
        samples.extend(rounds(&two, 6, 0.03));
        let todo = unsettled(&samples, 6, 0.02, &live);
        assert_eq!(todo.keys().collect::<Vec<_>>(), [&Group::of(&two)]);
        assert!(unsettled(&samples, 6, 0.05, &live).is_empty());
    }
}
