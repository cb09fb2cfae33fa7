//! The run's event stream and its three consumers: the progress display,
//! the journal, and the aggregator that becomes `results.json`.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::Verbosity;
use crate::results::{Journal, JournalEntry, SampleKey, SampleRecord, SampleStatus};

/// What happens during a run, in order.
pub enum Event<'a> {
    /// Sampling begins: `total` samples in the plan, `done` of them already taken.
    Sampling {
        total: usize,
        done: usize,
    },
    /// More samples than planned: `samples` added to the total, and why.
    Extended {
        samples: usize,
        why: &'a str,
    },
    SampleStarted(&'a SampleKey),
    SampleDone(&'a SampleRecord),
    /// A dead container was replaced by a fresh one.
    ContainerReplaced {
        build: &'a str,
        reason: &'a str,
    },
    /// A disturbed sample is taken again (why, in words): one sample more
    /// than the plan had.
    Retake(&'a str),
    /// Something worth saying that is not a sample.
    Note(&'a str),
}

/// The three consumers of the stream.
pub struct Consumers<'j> {
    pub progress: ProgressView,
    pub journal: &'j mut Journal,
    pub samples: Vec<SampleRecord>,
}

impl Consumers<'_> {
    /// The next sample's place in the order samples were taken, across
    /// every engine.
    pub fn next_seq(&self) -> u64 {
        self.samples.last().map_or(0, |r| r.seq) + 1
    }

    pub fn emit(&mut self, event: Event) -> Result<()> {
        self.progress.observe(&event);
        if let Event::SampleDone(record) = event {
            self.journal.write(&JournalEntry::Sample(record.clone()))?;
            self.samples.push(record.clone());
        }
        Ok(())
    }
}

/// A progress bar with ETA on a terminal; plain lines elsewhere (CI logs).
pub struct ProgressView {
    verbosity: Verbosity,
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
    started: Instant,
    last_percent_printed: usize,
}

impl ProgressView {
    pub fn new(verbosity: Verbosity) -> ProgressView {
        ProgressView {
            verbosity,
            bar: None,
            total: 0,
            done: 0,
            started: Instant::now(),
            last_percent_printed: 0,
        }
    }

    fn say(&self, line: &str) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn observe(&mut self, event: &Event) {
        match event {
            Event::Sampling { total, done } => {
                self.total = *total;
                self.done = *done;
                self.started = Instant::now();
                if self.verbosity == Verbosity::Normal && std::io::stderr().is_terminal() {
                    let bar = ProgressBar::new(*total as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{bar:30} {pos}/{len} samples  {elapsed} elapsed, ETA {eta}  {msg}",
                        )
                        .expect("the template is valid"),
                    );
                    bar.set_position(*done as u64);
                    self.bar = Some(bar);
                }
                self.say(&format!(
                    "measuring: {total} samples ({done} already taken)"
                ));
            }
            Event::Extended { samples, why } => {
                self.total += samples;
                if let Some(bar) = &self.bar {
                    bar.set_length(self.total as u64);
                }
                let plural = if *samples == 1 { "" } else { "s" };
                self.say(&format!("{why}: {samples} more sample{plural}"));
            }
            Event::SampleStarted(key) => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!(
                        "{} {} {}×{}{}",
                        key.cell.build,
                        key.cell.workload,
                        key.cell.mode,
                        key.cell.threads,
                        if key.warmup { " (warmup)" } else { "" }
                    ));
                }
            }
            Event::SampleDone(record) => {
                self.done += 1;
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
                if self.bar.is_none() && self.verbosity == Verbosity::Normal && self.total > 0 {
                    let percent = self.done * 100 / self.total;
                    if percent / 10 > self.last_percent_printed / 10 {
                        self.last_percent_printed = percent;
                        self.say(&format!(
                            "{percent}% ({}/{} samples, {} elapsed)",
                            self.done,
                            self.total,
                            crate::format::format_duration(self.started.elapsed())
                        ));
                    }
                }
            }
            Event::ContainerReplaced { build, reason } => {
                self.say(&format!("{build}: container replaced ({reason})"))
            }
            Event::Retake(text) => {
                self.total += 1;
                if let Some(bar) = &self.bar {
                    bar.set_length(self.total as u64);
                }
                self.say(text)
            }
            Event::Note(text) => self.say(text),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
