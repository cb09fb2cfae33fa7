//! Several engines in one run, each taking one sample at a time, the
//! engines in parallel.
//!
//! - split: the units (every build and thread count of one workload in one
//!   mode) go one at a time to whichever engine is free, so that neither a
//!   build comparison nor a scaling curve crosses machines. The units that
//!   took longest in earlier runs go first, so that the engines finish
//!   together. A unit an engine began on a resumed run goes back to it. An
//!   engine that stops answering gives its unit back, and another engine
//!   measures that unit afresh.
//! - replicate: every engine takes the whole matrix; a lost engine's cells
//!   are missing.
//!
//! With one engine, the whole matrix is interleaved as one, as ever.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use anyhow::Result;
use tokio::sync::watch;

use super::estimate::SampleTimes;
use super::events::{Consumers, Event};
use super::measure::{Sampler, Sampling, measure};
use super::progress::PlanSize;
use super::source::Worker;
use crate::cache::{Cache, Durations};
use crate::error::Error;
use crate::results::SampleRecord;
use crate::results::machine::{Distribute, LostEngine, Unit};

/// Measures the plan on the workers; returns the engines lost on the way.
/// Fails when interrupted, or when every engine is lost.
pub(super) async fn measure_on(
    workers: &mut [Worker],
    plan: &Sampling<'_>,
    distribute: Distribute,
    cache: &Cache,
    consumers: &RefCell<Consumers<'_>>,
    interrupt: &watch::Receiver<bool>,
) -> Result<Vec<LostEngine>> {
    let count = workers.len();
    let size = plan_size(
        plan,
        workers,
        distribute,
        &consumers.borrow().samples,
        cache,
    );
    consumers.borrow_mut().emit(Event::Sampling(size))?;
    if count == 1 {
        let worker = &mut workers[0];
        let mut sampler = Sampler::new(
            worker.source.as_mut(),
            worker.machine.clone(),
            plan,
            consumers,
            interrupt.clone(),
        );
        measure(&mut sampler, &plan.matrix(None)).await?;
        return Ok(Vec::new());
    }
    let queue = RefCell::new(match distribute {
        Distribute::Split => Queue::new(plan, workers, &consumers.borrow().samples, cache),
        Distribute::Replicate => Queue::default(),
    });
    let runs = workers.iter_mut().map(|worker| {
        let queue = &queue;
        async move {
            let mut sampler = Sampler::new(
                worker.source.as_mut(),
                worker.machine.clone(),
                plan,
                consumers,
                interrupt.clone(),
            );
            let outcome = match distribute {
                Distribute::Replicate => measure(&mut sampler, &plan.matrix(None)).await,
                Distribute::Split => take_units(&mut sampler, plan, queue).await,
            };
            let Err(error) = outcome else {
                return Ok(None);
            };
            if is_interrupt(&error) || sampler.source.alive().await.is_ok() {
                return Err(error);
            }
            let place = sampler.source.place().to_string();
            let lost = LostEngine {
                machine: sampler.machine.clone().unwrap_or_else(|| place.clone()),
                engine: place,
                reason: format!("{error:#}"),
                at: super::setup::timestamp(),
            };
            let fate = match distribute {
                Distribute::Split => "its unfinished unit goes to the other engines",
                Distribute::Replicate => "its remaining cells will be missing",
            };
            consumers.borrow_mut().emit(Event::Note(&format!(
                "the engine at {} ({}) stopped answering: {fate}",
                lost.engine, lost.machine
            )))?;
            Ok(Some(lost))
        }
    });
    let outcomes = futures_util::future::join_all(runs).await;
    let mut lost = Vec::new();
    for outcome in outcomes {
        if let Some(engine) = outcome? {
            lost.push(engine);
        }
    }
    if lost.len() == count {
        return Err(Error::EngineUnavailable(format!(
            "every engine stopped answering: {}",
            lost.iter()
                .map(|l| l.engine.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    Ok(lost)
}

/// Split: takes units until none is left or being measured elsewhere (a
/// lost engine gives its unit back).
async fn take_units(
    sampler: &mut Sampler<'_, '_, '_>,
    plan: &Sampling<'_>,
    queue: &RefCell<Queue>,
) -> Result<()> {
    loop {
        let next = queue.borrow_mut().next_for(sampler.machine.as_deref());
        let unit = match next {
            Next::Unit(unit) => unit,
            Next::Wait => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            Next::Done => return Ok(()),
        };
        let measured = measure(sampler, &plan.matrix(Some(unit.clone()))).await;
        let mut queue = queue.borrow_mut();
        queue.busy -= 1;
        if measured.is_err() {
            queue.free.push_front(unit);
            queue.lost(sampler.machine.as_deref());
        }
        measured?;
    }
}

/// The units not yet given to an engine.
#[derive(Default)]
struct Queue {
    /// Units any engine may take, in the plan's order.
    free: VecDeque<Unit>,
    /// Units a machine began in an earlier part of a resumed run.
    reserved: HashMap<String, VecDeque<Unit>>,
    /// Units being measured now.
    busy: usize,
}

enum Next {
    Unit(Unit),
    /// Nothing free, but a unit being measured may come back.
    Wait,
    Done,
}

impl Queue {
    /// Every unit of the plan: those begun on a machine of this run are
    /// reserved for it; those finished on a machine no longer here are
    /// left as they are; the rest are free, the longest first (units never
    /// timed count as longest).
    fn new(
        plan: &Sampling<'_>,
        workers: &[Worker],
        samples: &[SampleRecord],
        cache: &Cache,
    ) -> Queue {
        let here: Vec<&str> = workers
            .iter()
            .filter_map(|w| w.machine.as_deref())
            .collect();
        let mut queue = Queue::default();
        let began = crate::results::machine::machine_of_units(samples);
        for unit in plan.matrix(None).units() {
            match began.get(&unit) {
                Some(machine) if here.contains(&machine.as_str()) => queue
                    .reserved
                    .entry(machine.clone())
                    .or_default()
                    .push_back(unit),
                Some(machine) if plan.unit_is_measured(&unit, samples, machine) => {}
                _ => queue.free.push_back(unit),
            }
        }
        longest_first(&mut queue.free, cache);
        queue
    }

    fn next_for(&mut self, machine: Option<&str>) -> Next {
        let reserved = machine.and_then(|m| self.reserved.get_mut(m));
        let unit = match reserved.and_then(VecDeque::pop_front) {
            Some(unit) => Some(unit),
            None => self.free.pop_front(),
        };
        match unit {
            Some(unit) => {
                self.busy += 1;
                Next::Unit(unit)
            }
            None if self.busy > 0 => Next::Wait,
            None => Next::Done,
        }
    }

    /// A lost machine's reserved units become free.
    fn lost(&mut self, machine: Option<&str>) {
        if let Some(units) = machine.and_then(|m| self.reserved.remove(m)) {
            self.free.extend(units);
        }
    }
}

/// The file in the cache with each unit's mean sample time.
const UNIT_TIMES: &str = "unit-times.json";

fn unit_key(unit: &Unit) -> String {
    format!("{} {}", unit.workload, unit.mode)
}

/// Orders units by their mean sample time in earlier runs, longest first;
/// units never timed go first of all.
fn longest_first(units: &mut VecDeque<Unit>, cache: &Cache) {
    let times = Durations::load(cache, UNIT_TIMES);
    let expected = |unit: &Unit| times.get(&unit_key(unit)).unwrap_or(f64::INFINITY);
    units
        .make_contiguous()
        .sort_by(|a, b| expected(b).total_cmp(&expected(a)));
}

/// Remembers each unit's mean sample time, to deal the longest first in
/// the next split run.
pub(super) fn remember_unit_times(cache: &Cache, samples: &[SampleRecord]) {
    let mut sums: HashMap<Unit, (f64, u32)> = HashMap::new();
    for record in samples.iter().filter(|r| r.is_measurement()) {
        let Some(seconds) = record.sample.duration_s() else {
            continue;
        };
        let sum = sums.entry(Unit::of(record)).or_default();
        *sum = (sum.0 + seconds, sum.1 + 1);
    }
    if sums.is_empty() {
        return;
    }
    let mut times = Durations::load(cache, UNIT_TIMES);
    for (unit, (seconds, count)) in sums {
        times.set(unit_key(&unit), seconds / f64::from(count));
    }
    times.save();
}

/// The plan's size and time as sampling begins, for the progress display.
fn plan_size(
    plan: &Sampling<'_>,
    workers: &[Worker],
    distribute: Distribute,
    samples: &[SampleRecord],
    cache: &Cache,
) -> PlanSize {
    // Replicated: each engine takes the whole matrix.
    let machines: Vec<Option<&str>> = match distribute {
        Distribute::Replicate if workers.len() > 1 => {
            workers.iter().map(|w| w.machine.as_deref()).collect()
        }
        _ => vec![None],
    };
    let mut still = Vec::new();
    let mut done = 0;
    for machine in &machines {
        let (keys, taken) = plan.remaining(samples, *machine);
        still.extend(keys);
        done += taken;
    }
    let config = plan.config;
    let precision = config.precision.map(|goal| {
        let rounds = goal.max_repeat.saturating_sub(config.repeat) as usize;
        let cells = plan.matrix(None).cells().len();
        (goal.target, cells * rounds * machines.len())
    });
    PlanSize {
        total: still.len() + done,
        done,
        first_rounds: SampleTimes::load(cache).estimate(still.iter().map(|k| &k.cell)),
        precision,
        time_budget_s: config.precision.and_then(|goal| goal.time_budget_s),
        engines: workers.len(),
    }
}

fn is_interrupt(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| matches!(cause.downcast_ref::<Error>(), Some(Error::Interrupted)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Mode;

    #[test]
    fn units_that_took_longest_go_first_and_new_ones_before_them() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let sample = |workload: &str, duration_ms: u64| -> SampleRecord {
            serde_json::from_value(serde_json::json!({
                "build": "3.13", "workload": workload, "threads": 1, "repeat": 0, "seq": 1,
                "at": 0.0, "sample": {"status": "ok", "workers": 1, "mode": "threads",
                "wall_ns": 1, "duration_ns": duration_ms * 1_000_000},
            }))
            .unwrap()
        };
        remember_unit_times(
            &cache,
            &[
                sample("short", 100),
                sample("long", 900),
                sample("long", 700),
            ],
        );
        let unit = |workload: &str| Unit {
            workload: workload.into(),
            mode: Mode::Threads,
        };
        let mut units: VecDeque<Unit> = ["short", "long", "new"].map(unit).into();
        longest_first(&mut units, &cache);
        assert_eq!(units, ["new", "long", "short"].map(unit));
    }
}
