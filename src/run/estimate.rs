//! How long a plan's samples take: each cell's time per sample in earlier
//! runs from this machine (kept in the cache), summed over the plan.

use std::collections::HashMap;

use crate::cache::{Cache, Durations};
use crate::results::{CellKey, SampleRecord};

/// The file in the cache with each cell's mean time per sample.
const SAMPLE_TIMES: &str = "sample-times.json";

/// A gap between two samples longer than this is a pause (a resumed run,
/// a replaced container), not the second sample's time.
const PAUSE_S: f64 = 300.0;

/// The cache key of a cell (its mean over the engines that took it).
fn key(cell: &CellKey) -> String {
    format!(
        "{} {} {} {}",
        cell.build, cell.workload, cell.mode, cell.threads
    )
}

/// Remembers each cell's mean time per sample: from the end of the
/// sample before it on the same engine to its own end, so the engine's
/// own overhead between samples is counted.
pub(super) fn remember_sample_times(cache: &Cache, samples: &[SampleRecord]) {
    let mut by_machine: HashMap<Option<&str>, Vec<&SampleRecord>> = HashMap::new();
    for record in samples {
        by_machine
            .entry(record.machine.as_deref())
            .or_default()
            .push(record);
    }
    let mut sums: HashMap<String, (f64, u32)> = HashMap::new();
    for mut records in by_machine.into_values() {
        records.sort_by_key(|r| r.seq);
        for pair in records.windows(2) {
            let seconds = pair[1].at - pair[0].at;
            if (0.0..PAUSE_S).contains(&seconds) {
                let sum = sums.entry(key(&pair[1].cell())).or_default();
                *sum = (sum.0 + seconds, sum.1 + 1);
            }
        }
    }
    if sums.is_empty() {
        return;
    }
    let mut times = Durations::load(cache, SAMPLE_TIMES);
    for (key, (seconds, count)) in sums {
        times.set(key, seconds / f64::from(count));
    }
    times.save();
}

/// What a number of samples will take by earlier runs' times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub seconds: f64,
    /// Samples whose cell was timed before; the others count at the mean
    /// of these.
    pub timed: usize,
    pub untimed: usize,
}

/// Earlier runs' times of the cells on one engine.
pub(super) struct SampleTimes {
    times: Durations,
}

impl SampleTimes {
    pub fn load(cache: &Cache) -> SampleTimes {
        SampleTimes {
            times: Durations::load(cache, SAMPLE_TIMES),
        }
    }

    /// The time of one sample of each cell given (a cell once per sample);
    /// None when none of them was ever timed.
    pub fn estimate<'a>(&self, cells: impl IntoIterator<Item = &'a CellKey>) -> Option<Estimate> {
        let (mut seconds, mut timed, mut untimed) = (0.0, 0, 0);
        for cell in cells {
            match self.times.get(&key(cell)) {
                Some(s) => {
                    seconds += s;
                    timed += 1;
                }
                None => untimed += 1,
            }
        }
        (timed > 0).then(|| Estimate {
            seconds: seconds / timed as f64 * (timed + untimed) as f64,
            timed,
            untimed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Mode;

    fn record(workload: &str, seq: u64, at: f64) -> SampleRecord {
        serde_json::from_value(serde_json::json!({
            "build": "3.13", "workload": workload, "threads": 1, "repeat": 0, "seq": seq,
            "at": at, "sample": {"status": "ok", "workers": 1, "mode": "threads"},
        }))
        .unwrap()
    }

    fn cell(workload: &str) -> CellKey {
        CellKey {
            build: "3.13".into(),
            workload: workload.into(),
            mode: Mode::Threads,
            threads: 1,
        }
    }

    #[test]
    fn a_cell_takes_from_the_sample_before_it_to_its_end_and_pauses_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let samples = [
            record("fib", 1, 100.0),
            record("slow", 2, 103.0),
            record("fib", 3, 104.0),
            record("slow", 4, 107.0),
            // A resumed run: the hour between is not fib's.
            record("fib", 5, 3707.0),
            record("fib", 6, 3708.0),
        ];
        remember_sample_times(&cache, &samples);
        let times = SampleTimes::load(&cache);
        let (fib, slow, new) = (cell("fib"), cell("slow"), cell("new"));
        let estimate = |cells: &[&CellKey]| times.estimate(cells.iter().copied());
        assert_eq!(estimate(&[&fib]).unwrap().seconds, 1.0);
        assert_eq!(estimate(&[&slow, &slow]).unwrap().seconds, 6.0);
        // A cell never timed counts at the mean of those that were.
        let mixed = estimate(&[&fib, &slow, &new, &new]).unwrap();
        assert_eq!((mixed.seconds, mixed.timed, mixed.untimed), (8.0, 2, 2));
        assert_eq!(estimate(&[&new]), None);
    }
}
