//! Taking a run's samples: the planned rounds, then, with a precision goal,
//! extra rounds over the cells not yet known well enough (`rounds`), until
//! none is left, `max_repeat` is reached or the time budget is spent.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use tokio::sync::watch;

use super::events::{Consumers, Event};
use super::interrupt::interruptible;
use super::jit::{self, JitTriage};
use super::source::SampleSource;
use super::{plan, rounds};
use crate::analysis::gate;
use crate::results::machine::{Unit, counted_and_set_aside};
use crate::results::shard::Group;
use crate::results::{
    CellKey, DisturbancePolicy, Gate, Mode, PrecisionGoal, ReproducerRun, RunConfig, Sample,
    SampleKey, SampleRecord, SampleStatus, WorkloadInfo,
};
use crate::runner::SampleRequest;

/// What every engine's sampling reads: the matrix's parts and where each
/// workload is in the containers.
pub(super) struct Sampling<'c> {
    pub config: &'c RunConfig,
    /// The builds measured (those whose image could be had).
    pub builds: Vec<String>,
    workload_modes: Vec<(String, Vec<Mode>)>,
    paths: HashMap<String, String>,
    /// When measuring began, counting what a resumed run measured before.
    measuring_since: Instant,
    jit: JitTriage,
}

impl<'c> Sampling<'c> {
    pub fn new(
        config: &'c RunConfig,
        builds: Vec<String>,
        chosen: &[WorkloadInfo],
        samples: &[SampleRecord],
        jit: JitTriage,
    ) -> Sampling<'c> {
        Sampling {
            config,
            builds,
            workload_modes: chosen
                .iter()
                .map(|w| (w.name.clone(), w.modes.clone()))
                .collect(),
            paths: chosen
                .iter()
                .map(|w| (w.name.clone(), w.path.clone()))
                .collect(),
            // The time budget counts what a resumed run measured before.
            measuring_since: Instant::now()
                .checked_sub(measuring_time(samples))
                .unwrap_or_else(Instant::now),
            jit,
        }
    }

    /// The run's matrix, or only one unit of it.
    pub fn matrix(&self, unit: Option<Unit>) -> plan::Matrix<'_> {
        plan::Matrix {
            builds: &self.builds,
            workloads: &self.workload_modes,
            modes: &self.config.modes,
            threads: &self.config.threads,
            warmup: self.config.warmup,
            repeat: self.config.repeat,
            shard: self.config.shard,
            unit,
        }
    }

    /// The samples of the whole matrix still to take on one machine, and
    /// how many it has taken.
    pub fn remaining(
        &self,
        samples: &[SampleRecord],
        machine: Option<&str>,
    ) -> (Vec<SampleKey>, usize) {
        let done = done_keys(samples, &self.config.disturbance, machine);
        let order = plan::schedule(&self.matrix(None), self.config.seed, &done);
        (order, done.len())
    }
}

impl Sampling<'_> {
    /// Whether `machine` took every planned sample of `unit`.
    pub fn unit_is_measured(&self, unit: &Unit, samples: &[SampleRecord], machine: &str) -> bool {
        let done = done_keys(samples, &self.config.disturbance, Some(machine));
        plan::schedule(&self.matrix(Some(unit.clone())), self.config.seed, &done).is_empty()
    }
}

/// Takes every scheduled sample of `matrix` on the sampler's engine, then
/// with a precision goal the extra rounds; returns early only when
/// interrupted or when the engine is lost.
pub(super) async fn measure(
    sampler: &mut Sampler<'_, '_, '_>,
    matrix: &plan::Matrix<'_>,
) -> Result<()> {
    let config = sampler.plan.config;
    let done = done_keys(
        &sampler.consumers.borrow().samples,
        &config.disturbance,
        sampler.machine.as_deref(),
    );
    for key in plan::schedule(matrix, config.seed, &done) {
        sampler.take(&key).await?;
    }
    if let Some(goal) = config.precision {
        extra_rounds(sampler, matrix, &goal, &done).await?;
    }
    match &config.gate {
        Some(gate) => confirming_rounds(sampler, matrix, gate, &done).await,
        None => Ok(()),
    }
}

/// With a gate's confirmation: the groups whose cells the gate fails on
/// the samples so far are taken again on every build, in fresh rounds that
/// the gate then judges alone.
async fn confirming_rounds(
    sampler: &mut Sampler<'_, '_, '_>,
    matrix: &plan::Matrix<'_>,
    gate: &Gate,
    done: &HashSet<SampleKey>,
) -> Result<()> {
    let Some(confirm) = gate.confirm else {
        return Ok(());
    };
    let own = sampler.own_samples();
    let first = counted_and_set_aside(&own).0;
    let failing = gate::failing_groups(
        first.into_iter().filter(|r| gate.is_first_judgement(r)),
        matrix.builds,
        gate,
    );
    let pending: Vec<Group> = matrix
        .groups()
        .into_iter()
        .filter(|g| failing.contains(g))
        .collect();
    let rounds: Vec<Vec<SampleKey>> = (confirm.from_repeat..confirm.from_repeat + confirm.rounds)
        .flat_map(|repeat| matrix.extra_round(&pending, sampler.plan.config.seed, repeat, done))
        .collect();
    let samples = rounds.iter().map(Vec::len).sum();
    if samples > 0 {
        sampler.emit(Event::Extended {
            samples,
            fewer_at_most: 0,
            why: &format!(
                "confirming: {} group(s) the gate fails, {} fresh rounds on every build",
                pending.len(),
                confirm.rounds
            ),
        })?;
    }
    for key in rounds.iter().flatten() {
        sampler.take(key).await?;
    }
    Ok(())
}

/// Rounds beyond `--repeat` over the groups whose cells are not yet known
/// to the goal, until none is, `max_repeat` is reached or the time budget
/// is spent.
async fn extra_rounds(
    sampler: &mut Sampler<'_, '_, '_>,
    matrix: &plan::Matrix<'_>,
    goal: &PrecisionGoal,
    done: &HashSet<SampleKey>,
) -> Result<()> {
    let groups = matrix.groups();
    // Samples a round took before: every cell, until a round leaves some out.
    let mut previous_round = matrix.cells().len();
    for repeat in matrix.repeat..goal.max_repeat {
        let live: Vec<CellKey> = matrix
            .cells()
            .into_iter()
            .filter(|c| !sampler.settled.contains(c))
            .collect();
        let own = sampler.own_samples();
        let unsettled = rounds::unsettled(&own, repeat, goal.target, &live);
        if unsettled.is_empty() || sampler.budget_is_spent(goal)? {
            return Ok(());
        }
        let pending: Vec<Group> = groups
            .iter()
            .filter(|g| unsettled.contains_key(g))
            .cloned()
            .collect();
        for group in &pending {
            sampler.emit(Event::Detail(&format!(
                "{} ({}, {} workers): again, as {}",
                group.workload, group.mode, group.threads, unsettled[group]
            )))?;
        }
        let round = matrix.extra_round(&pending, sampler.plan.config.seed, repeat, done);
        let samples = round.iter().map(Vec::len).sum();
        let rounds_left = (goal.max_repeat - repeat) as usize;
        let fewer_at_most = previous_round.saturating_sub(samples) * rounds_left;
        previous_round = samples;
        if samples > 0 {
            sampler.emit(Event::Extended {
                samples,
                fewer_at_most,
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
            if sampler.budget_is_spent(goal)? {
                return Ok(());
            }
            for key in group {
                sampler.take(&key).await?;
            }
        }
    }
    Ok(())
}

/// One engine's sampling: its source, the machine its samples name, and
/// what all engines share.
pub(super) struct Sampler<'s, 'c, 'j> {
    pub source: &'s mut dyn SampleSource,
    /// The id samples carry (None: a run with no machine records).
    pub machine: Option<String>,
    plan: &'c Sampling<'c>,
    /// Cells that failed or are unsupported on this machine: not tried again.
    settled: HashSet<CellKey>,
    consumers: &'c RefCell<Consumers<'j>>,
    interrupt: watch::Receiver<bool>,
}

impl<'s, 'c, 'j> Sampler<'s, 'c, 'j> {
    pub fn new(
        source: &'s mut dyn SampleSource,
        machine: Option<String>,
        plan: &'c Sampling<'c>,
        consumers: &'c RefCell<Consumers<'j>>,
        interrupt: watch::Receiver<bool>,
    ) -> Self {
        // A cell that failed or is unsupported is not tried again.
        let settled = consumers
            .borrow()
            .samples
            .iter()
            .filter(|r| r.sample.status != SampleStatus::Ok)
            .filter(|r| on_machine(r, machine.as_deref()))
            .map(SampleRecord::cell)
            .collect();
        Sampler {
            source,
            machine,
            plan,
            settled,
            consumers,
            interrupt,
        }
    }

    fn emit(&self, event: Event) -> Result<()> {
        self.consumers.borrow_mut().emit(event)
    }

    /// The samples this machine took: only they decide what it takes
    /// again, as cells never pool two machines.
    fn own_samples(&self) -> Vec<SampleRecord> {
        self.consumers
            .borrow()
            .samples
            .iter()
            .filter(|r| on_machine(r, self.machine.as_deref()))
            .cloned()
            .collect()
    }

    /// True, and said, once the time budget is spent.
    fn budget_is_spent(&self, goal: &PrecisionGoal) -> Result<bool> {
        let Some(budget) = spent_budget(goal, self.plan.measuring_since.elapsed()) else {
            return Ok(false);
        };
        self.emit(Event::Note(&format!(
            "the time budget of {} is spent: the cells not yet known to ±{} keep the samples \
             they have",
            crate::format::format_duration(budget),
            percent(goal.target)
        )))?;
        Ok(true)
    }

    /// Takes one sample, and takes it again while other load disturbs it, a
    /// bounded number of times, right away: the cell's builds stay
    /// interleaved. A cell already settled is skipped.
    async fn take(&mut self, key: &SampleKey) -> Result<()> {
        if self.settled.contains(&key.cell) {
            return Ok(());
        }
        let config = self.plan.config;
        let policy = config.disturbance;
        self.emit(Event::SampleStarted(key))?;
        let request = SampleRequest {
            workload: self.plan.paths[&key.cell.workload].clone(),
            mode: key.cell.mode,
            workers: key.cell.threads,
            size: None,
            warmup: key.warmup,
            owner_first: key.repeat % 2 == 1,
            warm_calls: config.warm_calls,
            timeout_s: config.timeout_s,
            env: BTreeMap::new(),
        };
        let mut retakes = 0;
        loop {
            let taken = interruptible(
                &mut self.interrupt,
                self.source.take_sample(&key.cell.build, &request),
            )
            .await??;
            if let Some(reason) = &taken.replaced {
                self.emit(Event::ContainerReplaced {
                    build: &key.cell.build,
                    reason,
                })?;
            }
            if taken.sample.status != SampleStatus::Ok {
                self.settled.insert(key.cell.clone());
            }
            let (jit_off, reproducer) = self.triage(key, &request, &taken.sample).await?;
            let disturbance = policy.disturbance(&taken.sample).filter(|_| !key.warmup);
            let disturbed = disturbance.is_some();
            let mut consumers = self.consumers.borrow_mut();
            let record = SampleRecord {
                build: key.cell.build.clone(),
                workload: key.cell.workload.clone(),
                threads: key.cell.threads,
                repeat: key.repeat,
                seq: consumers.next_seq(),
                at: now_unix(),
                sample: taken.sample,
                disturbed,
                machine: self.machine.clone(),
                jit_off,
                reproducer,
            };
            consumers.emit(Event::SampleDone(&record))?;
            if !disturbed || retakes == policy.retakes {
                return Ok(());
            }
            retakes += 1;
            consumers.emit(Event::Retake(&format!(
                "{} × {} at {} {}: {}; taking it again ({retakes} of at most {})",
                key.cell.build,
                key.cell.workload,
                key.cell.threads,
                key.cell.mode,
                disturbance.unwrap_or_default(),
                policy.retakes
            )))?;
        }
    }
}

impl Sampler<'_, '_, '_> {
    /// A failed sample on a build whose JIT is on, taken again with the JIT
    /// off; where that completes, the reproducer is written and run, and
    /// the finding said at once.
    async fn triage(
        &mut self,
        key: &SampleKey,
        request: &SampleRequest,
        failed: &Sample,
    ) -> Result<(Option<Box<Sample>>, Option<Box<ReproducerRun>>)> {
        let triage = &self.plan.jit;
        if failed.status != SampleStatus::Failed || !triage.builds.contains(&key.cell.build) {
            return Ok((None, None));
        }
        let off = interruptible(
            &mut self.interrupt,
            self.source
                .take_sample(&key.cell.build, &jit::jit_off(request)),
        )
        .await??
        .sample;
        let Some(off_s) = off.completed_in_s() else {
            return Ok((Some(Box::new(off)), None));
        };
        let (build, workload) = (&key.cell.build, &key.cell.workload);
        let path = &self.plan.paths[workload];
        let mut note = crate::report::jit_verdict(build, workload, failed.kind, Some(off_s));
        let written = jit::write_reproducer(triage, build, workload, path, failed, &off)?;
        let reproducer = match written {
            Some(written) => {
                let run = self.run_reproducer(build, &written, request).await?;
                note.push_str(&format!("; {}", crate::report::reproducer_result(&run)));
                Some(Box::new(run))
            }
            None => None,
        };
        self.emit(Event::Note(&note))?;
        Ok((Some(Box::new(off)), reproducer))
    }

    /// Runs a reproducer once where the failed sample ran, with its
    /// environment (the JIT on) and with the JIT off, each under the
    /// sample's timeout.
    async fn run_reproducer(
        &mut self,
        build: &str,
        reproducer: &jit::Reproducer,
        request: &SampleRequest,
    ) -> Result<ReproducerRun> {
        let on = reproducer.request(request.env.clone(), request.timeout_s);
        let off = reproducer.request(jit::without_jit(&request.env), request.timeout_s);
        let jit_on =
            interruptible(&mut self.interrupt, self.source.run_script(build, &on)).await??;
        let jit_off =
            interruptible(&mut self.interrupt, self.source.run_script(build, &off)).await??;
        Ok(ReproducerRun {
            path: reproducer.path.to_string_lossy().into_owned(),
            jit_on,
            jit_off,
        })
    }
}

/// Whether a sample was taken on `machine`; samples of runs without
/// machine records belong to every one.
fn on_machine(record: &SampleRecord, machine: Option<&str>) -> bool {
    match (&record.machine, machine) {
        (Some(taken_on), Some(machine)) => taken_on == machine,
        _ => true,
    }
}

/// Samples already settled on `machine`: taken undisturbed, or disturbed
/// as often as the policy retakes them.
fn done_keys(
    samples: &[SampleRecord],
    policy: &DisturbancePolicy,
    machine: Option<&str>,
) -> HashSet<SampleKey> {
    let mut disturbed: HashMap<SampleKey, u32> = HashMap::new();
    let mut done = HashSet::new();
    for record in samples.iter().filter(|r| on_machine(r, machine)) {
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
    crate::format::fmt_percent(fraction * 100.0)
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
