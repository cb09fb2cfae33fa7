//! What a run says while it measures: its plan's size and time up front,
//! then one progress bar over the whole run (plain lines in CI logs) whose
//! total grows as precision rounds add samples, with the time left in the
//! samples planned so far and at most, with every round still possible.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::estimate::Estimate;
use crate::format::{fmt_percent, format_duration};
use crate::progress::Verbosity;
use crate::results::{SampleKey, SampleRecord, SampleStatus};

/// The plan as sampling begins.
#[derive(Debug, Clone, Copy)]
pub struct PlanSize {
    /// Samples of the first rounds (`--warmup` and `--repeat` of every
    /// cell), those a resumed run took before included.
    pub total: usize,
    pub done: usize,
    /// What the samples still to take in the first rounds will take, by
    /// earlier runs' times (None: no cell was ever timed here).
    pub first_rounds: Option<Estimate>,
    /// With a precision goal: its target, and the most samples its rounds
    /// can add (every cell up to `--max-repeat`).
    pub precision: Option<(f64, usize)>,
    pub time_budget_s: Option<f64>,
    /// Engines measuring at once: the time is theirs shared.
    pub engines: usize,
}

/// A progress bar on a terminal; plain lines elsewhere (CI logs), at
/// every tenth of the samples planned so far.
pub struct ProgressView {
    verbosity: Verbosity,
    bar: Option<ProgressBar>,
    /// Samples planned so far, and the most the run can take.
    total: usize,
    most: usize,
    done: usize,
    /// Samples taken in this session, and when it began.
    taken_here: usize,
    started: Instant,
    /// Expected seconds per sample before any is taken here.
    expected_s: Option<f64>,
    time_budget_s: Option<f64>,
    last_tenth_said: usize,
    #[cfg(test)]
    said: Vec<String>,
}

impl ProgressView {
    pub fn new(verbosity: Verbosity) -> ProgressView {
        ProgressView {
            verbosity,
            bar: None,
            total: 0,
            most: 0,
            done: 0,
            taken_here: 0,
            started: Instant::now(),
            expected_s: None,
            time_budget_s: None,
            last_tenth_said: 0,
            #[cfg(test)]
            said: Vec::new(),
        }
    }

    fn say(&mut self, line: &str) {
        #[cfg(test)]
        self.said.push(line.to_string());
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Sampling begins: the plan's size and time, and how to bound it.
    pub fn begin(&mut self, plan: &PlanSize) {
        let still = plan.total - plan.done;
        self.total = plan.total;
        self.done = plan.done;
        self.most = plan.total + plan.precision.map_or(0, |(_, more)| more);
        self.started = Instant::now();
        self.time_budget_s = plan.time_budget_s;
        let engines = plan.engines.max(1) as f64;
        self.expected_s = plan
            .first_rounds
            .map(|e| e.seconds / engines / (e.timed + e.untimed) as f64);
        if self.verbosity == Verbosity::Normal && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(plan.total as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} samples  {msg}")
                    .expect("the template is valid"),
            );
            bar.set_position(plan.done as u64);
            self.bar = Some(bar);
        }
        let time = match plan.first_rounds {
            Some(e) if e.untimed == 0 => format!(
                "about {} by earlier runs' times here",
                format_duration(secs(e.seconds / engines))
            ),
            Some(e) => format!(
                "about {} ({} of them timed in earlier runs here, the rest counted alike)",
                format_duration(secs(e.seconds / engines)),
                e.timed
            ),
            None => "no earlier run here timed these cells: the time left is shown once \
                     samples are taken"
                .to_string(),
        };
        self.say(&format!(
            "measuring: {still} samples in the first rounds ({} already taken), {time}",
            plan.done
        ));
        let Some((target, more)) = plan.precision else {
            return;
        };
        let bound = match plan.time_budget_s {
            Some(budget) => format!(
                "the time budget stops them after {} of measuring",
                format_duration(secs(budget))
            ),
            None => "bound them with --time-budget (e.g. 20m), or take exactly N samples \
                     with --repeat N --precision off"
                .to_string(),
        };
        let more_time = self
            .expected_s
            .map(|s| format!(", about {} more", format_duration(secs(s * more as f64))))
            .unwrap_or_default();
        self.say(&format!(
            "then rounds to know each cell to ±{}: at most {more} more samples{more_time}; {bound}",
            fmt_percent(target * 100.0)
        ));
    }

    /// A precision round adds `samples`; the rounds after it can add at
    /// most `fewer_at_most` fewer than was possible before it.
    pub fn extend(&mut self, samples: usize, fewer_at_most: usize, why: &str) {
        self.total += samples;
        self.most = self.most.saturating_sub(fewer_at_most).max(self.total);
        if let Some(bar) = &self.bar {
            bar.set_length(self.total as u64);
        }
        let plural = if samples == 1 { "" } else { "s" };
        self.say(&format!("{why}: {samples} more sample{plural}"));
        self.last_tenth_said = self.done * 10 / self.total;
        let line = self.status();
        self.say(&line);
    }

    /// Something worth saying that is not a sample.
    pub fn note(&mut self, text: &str) {
        self.say(text);
    }

    /// Something said only with `-v`.
    pub fn detail(&mut self, text: &str) {
        if self.verbosity == Verbosity::Verbose {
            self.say(text);
        }
    }

    /// A disturbed sample is taken again: one more than planned.
    pub fn retake(&mut self, why: &str) {
        self.total += 1;
        self.most += 1;
        if let Some(bar) = &self.bar {
            bar.set_length(self.total as u64);
        }
        self.say(why);
    }

    pub fn started(&mut self, key: &SampleKey) {
        let Some(bar) = &self.bar else { return };
        bar.set_message(format!(
            "{}  {} {} {}×{}{}",
            self.times(),
            key.cell.build,
            key.cell.workload,
            key.cell.mode,
            key.cell.threads,
            if key.warmup { " (warmup)" } else { "" }
        ));
    }

    pub fn sample_done(&mut self, record: &SampleRecord) {
        self.done += 1;
        self.taken_here += 1;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done as u64);
        }
        let sample = &record.sample;
        let what = format!(
            "{} {} {}×{} #{}{}",
            record.build,
            record.workload,
            sample.mode,
            record.threads,
            record.repeat + 1,
            if sample.warmup { " warmup" } else { "" }
        );
        match sample.status {
            SampleStatus::Failed => {
                self.say(&format!("FAILED {what}: {}", sample.failure_reason()))
            }
            SampleStatus::Unsupported if self.verbosity == Verbosity::Verbose => {
                self.say(&format!("unsupported {what}"))
            }
            SampleStatus::Ok if self.verbosity == Verbosity::Verbose => self.say(&format!(
                "{what}: {:.4} s",
                sample.wall_s().unwrap_or(f64::NAN)
            )),
            _ => {}
        }
        let tenth = self.done * 10 / self.total.max(1);
        if self.bar.is_none() && tenth > self.last_tenth_said && self.done < self.total {
            self.last_tenth_said = tenth;
            let line = self.status();
            self.say(&line);
        }
    }

    /// The last line: 100 %, said only here.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.total > 0 {
            let line = format!(
                "100% ({} samples, {} elapsed)",
                self.done,
                format_duration(self.started.elapsed())
            );
            self.say(&line);
        }
    }

    /// "45% (275/612 samples, 4m02s elapsed, about 4m50s left, at most
    /// 21m10s with every precision round)": never 100 % before the end.
    fn status(&self) -> String {
        let percent = (self.done * 100 / self.total.max(1)).min(99);
        format!(
            "{percent}% ({}/{} samples, {})",
            self.done,
            self.total,
            self.times()
        )
    }

    /// Elapsed, and the time left by the samples taken so far (or by
    /// earlier runs' times before any is).
    fn times(&self) -> String {
        let elapsed = self.started.elapsed();
        let mut text = format!("{} elapsed", format_duration(elapsed));
        let per_sample = match self.taken_here {
            0 => self.expected_s,
            n => Some(elapsed.as_secs_f64() / n as f64),
        };
        let Some(per_sample) = per_sample else {
            return text;
        };
        let left = per_sample * self.total.saturating_sub(self.done) as f64;
        text += &format!(", about {} left", format_duration(secs(left)));
        if self.most > self.total {
            let mut most = per_sample * (self.most - self.done) as f64;
            if let Some(budget) = self.time_budget_s {
                most = most.min((budget - elapsed.as_secs_f64()).max(left));
            }
            text += &format!(
                ", at most {} with every precision round",
                format_duration(secs(most))
            );
        }
        text
    }
}

fn secs(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(repeat: u32) -> SampleRecord {
        serde_json::from_value(serde_json::json!({
            "build": "3.13", "workload": "fib", "threads": 1, "repeat": repeat, "seq": 1,
            "at": 1.0, "sample": {"status": "ok", "workers": 1, "mode": "threads"},
        }))
        .unwrap()
    }

    /// (done, total) of each status line said.
    fn counts(said: &[String]) -> Vec<(usize, usize)> {
        said.iter()
            .filter_map(|line| {
                let (_, rest) = line.split_once("% (")?;
                let (done, rest) = rest.split_once('/')?;
                let (total, _) = rest.split_once(' ')?;
                Some((done.parse().ok()?, total.parse().ok()?))
            })
            .collect()
    }

    #[test]
    fn rounds_grow_the_total_and_only_the_last_line_says_100_percent() {
        let mut view = ProgressView::new(Verbosity::Quiet);
        view.begin(&PlanSize {
            total: 20,
            done: 0,
            first_rounds: Some(Estimate {
                seconds: 40.0,
                timed: 20,
                untimed: 0,
            }),
            precision: Some((0.05, 60)),
            time_budget_s: None,
            engines: 1,
        });
        assert!(view.said[0].contains("20 samples in the first rounds"));
        assert!(view.said[0].contains("about 40.0s by earlier runs' times"));
        assert!(view.said[1].contains("at most 60 more samples, about 2m00s more"));
        assert!(view.said[1].contains("--time-budget"));
        for n in 0..20 {
            view.sample_done(&record(n));
        }
        // Two rounds of 10, then 4 of the 10 cells again, one of them retaken.
        view.extend(10, 0, "round 3");
        for n in 0..10 {
            view.sample_done(&record(n));
        }
        view.extend(4, 6 * 18, "round 4");
        view.retake("disturbed");
        for n in 0..5 {
            view.sample_done(&record(n));
        }
        view.finish();

        let counts = counts(&view.said);
        assert!(counts.len() >= 4, "{:?}", view.said);
        let mut taken = 0;
        for (done, total) in counts {
            assert!(done >= taken && total >= done, "{done}/{total}");
            taken = done;
        }
        let hundred: Vec<_> = view.said.iter().filter(|l| l.starts_with("100%")).collect();
        assert_eq!(hundred.len(), 1);
        assert_eq!(view.said.last(), Some(hundred[0]));
        assert!(hundred[0].starts_with("100% (35 samples"));
        // The bound of every round still possible shrank with the cells settled.
        assert!(view.most < 20 + 60);
        assert!(
            view.said
                .iter()
                .any(|l| l.contains("with every precision round"))
        );
    }

    #[test]
    fn without_earlier_times_the_start_says_so_and_the_budget_bounds_the_rounds() {
        let mut view = ProgressView::new(Verbosity::Quiet);
        view.begin(&PlanSize {
            total: 12,
            done: 4,
            first_rounds: None,
            precision: Some((0.05, 24)),
            time_budget_s: Some(600.0),
            engines: 1,
        });
        assert!(view.said[0].contains("8 samples in the first rounds (4 already taken)"));
        assert!(view.said[0].contains("no earlier run here timed these cells"));
        assert!(view.said[1].contains("stops them after 10m00s of measuring"));
    }
}
