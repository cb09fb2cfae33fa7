//! Taking a run's samples: the planned rounds, then, with a precision goal,
//! extra rounds over the cells not yet known well enough (`rounds`), until
//! none is left, `max_repeat` is reached or the time budget is spent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use tokio::sync::watch;

use super::events::{Consumers, Event};
use super::session::Session;
use super::{interruptible, plan, rounds};
use crate::results::shard::Group;
use crate::results::{
    CellKey, DisturbancePolicy, Mode, PrecisionGoal, RunConfig, SampleKey, SampleRecord,
    SampleStatus, WorkloadInfo,
};
use crate::runner::SampleRequest;

/// Takes every scheduled sample; returns early only when interrupted or
/// when the engine is lost.
pub(super) async fn measure(
    session: &mut Session<'_>,
    config: &RunConfig,
    chosen: &[WorkloadInfo],
    consumers: &mut Consumers,
    interrupt: &mut watch::Receiver<bool>,
) -> Result<()> {
    // Builds whose image could not be had are left out; the rest are measured.
    let build_names = session.measured_builds();
    let workload_modes: Vec<(String, Vec<Mode>)> = chosen
        .iter()
        .map(|w| (w.name.clone(), w.modes.clone()))
        .collect();
    let matrix = plan::Matrix {
        builds: &build_names,
        workloads: &workload_modes,
        modes: &config.modes,
        threads: &config.threads,
        warmup: config.warmup,
        repeat: config.repeat,
        shard: config.shard,
    };
    let done = done_keys(&consumers.samples, &config.disturbance);
    let order = plan::schedule(&matrix, config.seed, &done);
    // The time budget counts what a resumed run measured before.
    let measuring_since = Instant::now()
        .checked_sub(measuring_time(&consumers.samples))
        .unwrap_or_else(Instant::now);
    consumers.emit(Event::Sampling {
        total: order.len() + done.len(),
        done: done.len(),
    })?;
    let mut sampler = Sampler {
        session,
        config,
        paths: chosen
            .iter()
            .map(|w| (w.name.clone(), w.path.clone()))
            .collect(),
        // A cell that failed or is unsupported is not tried again.
        settled: consumers
            .samples
            .iter()
            .filter(|r| r.sample.status != SampleStatus::Ok)
            .map(SampleRecord::cell)
            .collect(),
        seq: consumers.samples.iter().map(|r| r.seq).max().unwrap_or(0),
        consumers,
        interrupt,
    };
    for key in order {
        sampler.take(&key).await?;
    }
    match config.precision {
        Some(goal) => extra_rounds(&mut sampler, &matrix, &goal, &done, measuring_since).await,
        None => Ok(()),
    }
}

/// Rounds beyond `--repeat` over the groups whose cells are not yet known
/// to the goal, until none is, `max_repeat` is reached or the time budget,
/// counted from `measuring_since`, is spent.
async fn extra_rounds(
    sampler: &mut Sampler<'_, '_, '_>,
    matrix: &plan::Matrix<'_>,
    goal: &PrecisionGoal,
    done: &HashSet<SampleKey>,
    measuring_since: Instant,
) -> Result<()> {
    let groups = matrix.groups();
    for repeat in matrix.repeat..goal.max_repeat {
        let live: Vec<CellKey> = matrix
            .cells()
            .into_iter()
            .filter(|c| !sampler.settled.contains(c))
            .collect();
        let unsettled = rounds::unsettled(&sampler.consumers.samples, repeat, goal.target, &live);
        if unsettled.is_empty() || budget_is_spent(sampler, goal, measuring_since)? {
            return Ok(());
        }
        let pending: Vec<Group> = groups
            .iter()
            .filter(|g| unsettled.contains(g))
            .cloned()
            .collect();
        let round = matrix.extra_round(&pending, sampler.config.seed, repeat, done);
        let samples = round.iter().map(Vec::len).sum();
        if samples > 0 {
            sampler.consumers.emit(Event::Extended {
                samples,
                why: &format!(
                    "round {}: {} of {} cells again, to know them to ±{}",
                    repeat + 1,
                    pending.len() * matrix.builds.len(),
                    live.len(),
                    percent(goal.target)
                ),
            })?;
        }
        for group in round {
            if budget_is_spent(sampler, goal, measuring_since)? {
                return Ok(());
            }
            for key in group {
                sampler.take(&key).await?;
            }
        }
    }
    Ok(())
}

/// True, and said, once the time budget is spent.
fn budget_is_spent(
    sampler: &mut Sampler<'_, '_, '_>,
    goal: &PrecisionGoal,
    measuring_since: Instant,
) -> Result<bool> {
    let Some(budget) = spent_budget(goal, measuring_since.elapsed()) else {
        return Ok(false);
    };
    sampler.consumers.emit(Event::Note(&format!(
        "the time budget of {} is spent: the cells not yet known to ±{} keep the samples \
         they have",
        crate::progress::format_duration(budget),
        percent(goal.target)
    )))?;
    Ok(true)
}

/// What taking a sample needs and changes.
struct Sampler<'s, 'e, 'c> {
    session: &'s mut Session<'e>,
    config: &'c RunConfig,
    /// Each workload's path in the container.
    paths: HashMap<String, String>,
    /// Cells that failed or are unsupported: not tried again.
    settled: HashSet<CellKey>,
    seq: u64,
    consumers: &'c mut Consumers,
    interrupt: &'c mut watch::Receiver<bool>,
}

impl Sampler<'_, '_, '_> {
    /// Takes one sample, and takes it again while other load disturbs it, a
    /// bounded number of times, right away: the cell's builds stay
    /// interleaved. A cell already settled is skipped.
    async fn take(&mut self, key: &SampleKey) -> Result<()> {
        if self.settled.contains(&key.cell) {
            return Ok(());
        }
        let policy = self.config.disturbance;
        self.consumers.emit(Event::SampleStarted(key))?;
        let request = SampleRequest {
            workload: self.paths[&key.cell.workload].clone(),
            mode: key.cell.mode,
            workers: key.cell.threads,
            size: None,
            warmup: key.warmup,
            owner_first: key.repeat % 2 == 1,
            timeout_s: self.config.timeout_s,
            env: BTreeMap::new(),
        };
        let mut retakes = 0;
        loop {
            let taken = interruptible(
                self.interrupt,
                self.session.take_sample(&key.cell.build, &request),
            )
            .await??;
            if let Some(reason) = &taken.replaced {
                self.consumers.emit(Event::ContainerReplaced {
                    build: &key.cell.build,
                    reason,
                })?;
            }
            if taken.sample.status != SampleStatus::Ok {
                self.settled.insert(key.cell.clone());
            }
            let disturbed = !key.warmup && policy.disturbs(&taken.sample);
            let load = taken.sample.foreign_load().unwrap_or(0.0);
            self.seq += 1;
            let record = SampleRecord {
                build: key.cell.build.clone(),
                workload: key.cell.workload.clone(),
                threads: key.cell.threads,
                repeat: key.repeat,
                seq: self.seq,
                at: now_unix(),
                sample: taken.sample,
                disturbed,
                machine: None,
            };
            self.consumers.emit(Event::SampleDone(&record))?;
            if !disturbed || retakes == policy.retakes {
                return Ok(());
            }
            retakes += 1;
            self.consumers.emit(Event::Retake(&format!(
                "{} × {} at {} {}: other load took {load:.2} CPUs during the sample; \
                 taking it again ({retakes} of at most {})",
                key.cell.build, key.cell.workload, key.cell.threads, key.cell.mode, policy.retakes
            )))?;
        }
    }
}

/// Samples already settled: taken undisturbed, or disturbed as often as
/// the policy retakes them.
fn done_keys(samples: &[SampleRecord], policy: &DisturbancePolicy) -> HashSet<SampleKey> {
    let mut disturbed: HashMap<SampleKey, u32> = HashMap::new();
    let mut done = HashSet::new();
    for record in samples {
        if record.disturbed {
            let count = disturbed.entry(record.key()).or_default();
            *count += 1;
            if *count > policy.retakes {
                done.insert(record.key());
            }
        } else {
            done.insert(record.key());
        }
    }
    done
}

/// How long the samples already taken (a resumed run's) took, first to last.
fn measuring_time(samples: &[SampleRecord]) -> Duration {
    let times = samples.iter().map(|r| r.at);
    let first = times.clone().fold(f64::INFINITY, f64::min);
    let last = times.fold(f64::NEG_INFINITY, f64::max);
    Duration::try_from_secs_f64(last - first).unwrap_or_default()
}

/// The time budget, once `spent` has reached it.
fn spent_budget(goal: &PrecisionGoal, spent: Duration) -> Option<Duration> {
    let budget = Duration::try_from_secs_f64(goal.time_budget_s?).ok()?;
    (spent >= budget).then_some(budget)
}

/// 0.02 → "2 %".
fn percent(fraction: f64) -> String {
    crate::report::text::fmt_percent(fraction * 100.0)
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_budget_counts_what_a_resumed_run_measured_before() {
        let goal = |budget| PrecisionGoal {
            target: 0.02,
            max_repeat: 20,
            time_budget_s: budget,
        };
        let minute = Duration::from_secs(60);
        assert_eq!(spent_budget(&goal(None), minute * 600), None);
        assert_eq!(spent_budget(&goal(Some(120.0)), minute), None);
        assert_eq!(spent_budget(&goal(Some(60.0)), minute), Some(minute));
        let at = |at: f64| {
            let mut record: SampleRecord = serde_json::from_value(serde_json::json!({
                "build": "3.13", "workload": "fib", "threads": 1, "repeat": 0, "seq": 1,
                "at": at, "sample": {"status": "ok", "workers": 1, "mode": "threads"},
            }))
            .unwrap();
            record.seq = at as u64;
            record
        };
        assert_eq!(measuring_time(&[]), Duration::ZERO);
        assert_eq!(measuring_time(&[at(100.0), at(160.0), at(130.0)]), minute);
    }
}
