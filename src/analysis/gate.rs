//! The gate of a run with package variants: each variant's cells against
//! the base variant's on the same interpreter build, within one run. The
//! variants of a build are taken back to back in every round, so the
//! machine's drift between runs — which a gate across two runs has to be
//! set loose for — cannot favour either. With a confirmation, the cells the
//! first judgement fails are taken again and judged on the fresh samples
//! alone; a cell fails only when both agree.

use std::collections::HashSet;

use super::compare::{CellComparison, CompareOptions, Comparison, Measured, compare_on, salt};
use super::precision::CellWalls;
use crate::error::invalid_input;
use crate::results::shard::Group;
use crate::results::{CellKey, Gate, RunResults, SampleRecord};

/// "3.13t[head]" → ("3.13t", Some("head")); a build without a variant → (build, None).
pub fn split_variant(build: &str) -> (&str, Option<&str>) {
    match build.strip_suffix(']').and_then(|b| b.rsplit_once('[')) {
        Some((interpreter, variant)) => (interpreter, Some(variant)),
        None => (build, None),
    }
}

/// The variants among `builds`, in their order.
pub fn variants_of<'b>(builds: impl IntoIterator<Item = &'b String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for build in builds {
        if let (_, Some(variant)) = split_variant(build)
            && !names.iter().any(|n| n == variant)
        {
            names.push(variant.to_string());
        }
    }
    names
}

/// Each build of variant `head` paired with the same interpreter build of
/// variant `base`: (base build, head build).
fn pairs(builds: &[String], base: &str, head: &str) -> Vec<(String, String)> {
    builds
        .iter()
        .filter(|b| split_variant(b).1 == Some(head))
        .filter_map(|head_build| {
            let interpreter = split_variant(head_build).0;
            let base_build = format!("{interpreter}[{base}]");
            builds
                .contains(&base_build)
                .then(|| (base_build, head_build.clone()))
        })
        .collect()
}

/// The groups (workload, mode, workers) in which some variant's cell is
/// significantly slower than the base's by more than the gate allows,
/// judged on the measurements among `samples` — what the confirming rounds
/// take again. The same rule as [`judge`]'s.
pub fn failing_groups<'r>(
    samples: impl IntoIterator<Item = &'r SampleRecord>,
    builds: &[String],
    gate: &Gate,
) -> HashSet<Group> {
    let walls = CellWalls::of(samples);
    let opts = options(gate.fail_above);
    let mut groups = HashSet::new();
    for head in variants_of(builds).iter().filter(|v| **v != gate.base) {
        for (base_build, head_build) in pairs(builds, &gate.base, head) {
            for (key, head_walls) in walls.cells_of(&head_build) {
                let base_key = CellKey {
                    build: base_build.clone(),
                    ..key.clone()
                };
                let (Some(base_walls), group) = (walls.get(&base_key), Group::of(key)) else {
                    continue;
                };
                if Measured::of(head_walls, base_walls, &salt(&base_key, key), &opts)
                    .is_some_and(|m| m.regressed(gate.fail_above))
                {
                    groups.insert(group);
                }
            }
        }
    }
    groups
}

/// What the gate found: the first judgement of every variant against the
/// base, the confirming one where it was taken, and the cells that fail.
#[derive(Debug)]
pub struct Verdict {
    pub first: Vec<Comparison>,
    /// Empty without confirming rounds.
    pub confirmation: Vec<Comparison>,
    /// Significantly slower than the base by more than the gate allows,
    /// and, where a confirmation was taken, slower in it too.
    pub failed: Vec<CellComparison>,
    /// Cells the first judgement failed that the confirmation did not.
    pub cleared: Vec<CellComparison>,
    /// A head variant's cells that could not be judged: taken, but without
    /// a measurement on one side or both (failed, or every sample
    /// disturbed). A gate that cannot judge a cell does not pass it.
    pub unjudged: Vec<CellKey>,
}

impl Verdict {
    /// Whether the gate passes: nothing failed, everything judged.
    pub fn passes(&self) -> bool {
        self.failed.is_empty() && self.unjudged.is_empty()
    }
}

/// Judges `heads` (default: every variant but the base) against the base.
pub fn judge(results: &RunResults, gate: &Gate, heads: &[String]) -> anyhow::Result<Verdict> {
    let builds = &results.config.builds;
    let known = variants_of(builds);
    let heads: Vec<String> = if heads.is_empty() {
        known.iter().filter(|v| **v != gate.base).cloned().collect()
    } else {
        heads.to_vec()
    };
    for name in heads.iter().chain([&gate.base]) {
        if !known.contains(name) {
            return Err(invalid_input(format!(
                "the run has no package variant `{name}` (variants: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let opts = options(gate.fail_above);
    let part = |first: bool| RunResults {
        samples: results
            .samples
            .iter()
            .filter(|r| gate.is_first_judgement(r) == first)
            .cloned()
            .collect(),
        ..results.clone()
    };
    let comparisons = |part: &RunResults, rounds: &str| -> Vec<Comparison> {
        heads
            .iter()
            .map(|head| {
                let label = |v: &str| format!("variant {v}{rounds}");
                compare_on(
                    part,
                    &pairs(builds, &gate.base, head),
                    (label(&gate.base), label(head)),
                    &opts,
                )
            })
            .collect()
    };
    let first_part = part(true);
    let first = comparisons(&first_part, "");
    let unjudged = heads
        .iter()
        .flat_map(|head| pairs(builds, &gate.base, head))
        .flat_map(|(base_build, head_build)| {
            let taken: std::collections::BTreeSet<CellKey> = first_part
                .samples
                .iter()
                .filter(|r| !r.sample.warmup && (r.build == base_build || r.build == head_build))
                .map(|r| CellKey {
                    build: head_build.clone(),
                    ..r.cell()
                })
                .collect();
            taken
        })
        .filter(|key| {
            !first.iter().flat_map(|c| &c.cells).any(|c| {
                (&c.new_build, &c.workload, c.mode, c.threads)
                    == (&key.build, &key.workload, key.mode, key.threads)
            })
        })
        .collect();
    let confirming = part(false);
    let confirmation = if confirming.samples.is_empty() {
        Vec::new()
    } else {
        comparisons(&confirming, " (confirming rounds)")
    };
    let confirmed = |cell: &CellComparison| {
        let again = confirmation.iter().flat_map(|c| &c.cells).find(|c| {
            (&c.new_build, &c.workload, c.mode, c.threads)
                == (&cell.new_build, &cell.workload, cell.mode, cell.threads)
        });
        again.is_none_or(|c| c.time.regressed(gate.fail_above))
    };
    let (failed, cleared): (Vec<CellComparison>, Vec<CellComparison>) = first
        .iter()
        .flat_map(|c| c.regressions(gate.fail_above))
        .cloned()
        .partition(|cell| confirmed(cell));
    Ok(Verdict {
        first,
        confirmation,
        failed,
        cleared,
        unjudged,
    })
}

/// Within one run no drift between runs needs a floor under the effect:
/// the gate's threshold is the only one (a change above it that the test
/// does not prove is inconclusive).
fn options(fail_above: f64) -> CompareOptions {
    CompareOptions {
        min_effect: fail_above,
        ..CompareOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::analysis::fixture::{Outcome, RunBuilder};
    use crate::results::{Confirmation, Mode, RunStatus, Scaling};

    /// Base and head variants of one build, 12 rounds, a gate at 5 % whose
    /// confirmation takes the last 6; head's time per round from `head`.
    fn run(head: impl Fn(u32) -> f64 + 'static) -> (RunResults, Gate) {
        let builds =
            ["3.13[base]", "3.13[head]"].map(|b| (b.to_string(), "default".to_string(), json!({})));
        let mut results = RunBuilder {
            status: RunStatus::Complete,
            builds: builds.to_vec(),
            workloads: vec![("w".into(), Scaling::Weak)],
            modes: vec![Mode::Threads],
            threads: vec![1],
            repeat: 12,
            warmup: 0,
            outcome: Box::new(move |build, _, _, round| {
                let noise = 1.0 + 0.01 * f64::from(round % 5);
                let wall_s = noise
                    * if build.ends_with("[head]") {
                        head(round)
                    } else {
                        1.0
                    };
                Some(Outcome::Ok {
                    wall_s,
                    worker_cpu_s: wall_s,
                })
            }),
        }
        .build();
        let gate = Gate {
            base: "base".into(),
            fail_above: 0.05,
            confirm: Some(Confirmation {
                from_repeat: 6,
                rounds: 6,
            }),
        };
        results.config.gate = Some(gate.clone());
        (results, gate)
    }

    fn first_groups(results: &RunResults, gate: &Gate) -> HashSet<Group> {
        let first = results
            .samples
            .iter()
            .filter(|r| gate.is_first_judgement(r));
        failing_groups(first, &results.config.builds, gate)
    }

    #[test]
    fn a_slowdown_in_both_judgements_fails_the_gate() {
        let (results, gate) = run(|_| 1.2);
        assert_eq!(first_groups(&results, &gate).len(), 1);
        let verdict = judge(&results, &gate, &[]).unwrap();
        let failed: Vec<&str> = verdict
            .failed
            .iter()
            .map(|c| c.new_build.as_str())
            .collect();
        assert_eq!(failed, ["3.13[head]"]);
        assert_eq!(verdict.confirmation[0].cells[0].time.new.n, 6);
        assert!(verdict.cleared.is_empty());
    }

    #[test]
    fn a_slowdown_the_fresh_rounds_do_not_show_is_cleared() {
        let (results, gate) = run(|round| if round < 6 { 1.2 } else { 1.0 });
        assert_eq!(first_groups(&results, &gate).len(), 1);
        let verdict = judge(&results, &gate, &[]).unwrap();
        assert!(verdict.failed.is_empty());
        assert_eq!(verdict.cleared.len(), 1);
    }

    #[test]
    fn an_identical_head_passes_and_an_unknown_variant_is_named() {
        let (results, gate) = run(|_| 1.0);
        assert!(first_groups(&results, &gate).is_empty());
        let verdict = judge(&results, &gate, &[]).unwrap();
        assert!(verdict.passes() && verdict.cleared.is_empty());
        let unknown = judge(&results, &gate, &["tip".into()]).unwrap_err();
        assert!(
            format!("{unknown:#}").contains("no package variant `tip` (variants: base, head)"),
            "{unknown:#}"
        );
    }

    #[test]
    fn a_cell_without_measurements_on_the_head_is_not_passed() {
        let (mut results, gate) = run(|_| 1.0);
        for record in &mut results.samples {
            if record.build.ends_with("[head]") {
                record.disturbed = true;
            }
        }
        let verdict = judge(&results, &gate, &[]).unwrap();
        assert!(verdict.failed.is_empty());
        assert!(!verdict.passes());
        let unjudged: Vec<&str> = verdict.unjudged.iter().map(|k| k.build.as_str()).collect();
        assert_eq!(unjudged, ["3.13[head]"]);
    }

    #[test]
    fn variants_are_read_from_build_names() {
        assert_eq!(split_variant("3.13t[head]"), ("3.13t", Some("head")));
        assert_eq!(split_variant("3.13t"), ("3.13t", None));
        let builds = [
            "3.13[base]",
            "3.13[head]",
            "3.13t[base]",
            "3.13t[head]",
            "3.14",
        ]
        .map(String::from);
        assert_eq!(variants_of(&builds), ["base", "head"]);
        let pairs = pairs(&builds, "base", "head");
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[1], ("3.13t[base]".into(), "3.13t[head]".into()));
    }
}
