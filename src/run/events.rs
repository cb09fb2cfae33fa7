//! The run's event stream and its three consumers: the progress display
//! (`progress`), the journal, and the aggregator that becomes `results.json`.

use anyhow::Result;

use super::progress::{PlanSize, ProgressView};
use crate::results::{Journal, JournalEntry, SampleKey, SampleRecord};

/// What happens during a run, in order.
pub enum Event<'a> {
    /// Sampling begins.
    Sampling(PlanSize),
    /// More samples than planned: `samples` added to the total, and why;
    /// the rounds after can add at most `fewer_at_most` fewer than before.
    Extended {
        samples: usize,
        fewer_at_most: usize,
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
    /// Something said only with `-v`.
    Detail(&'a str),
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
        let progress = &mut self.progress;
        match event {
            Event::Sampling(plan) => progress.begin(&plan),
            Event::Extended {
                samples,
                fewer_at_most,
                why,
            } => progress.extend(samples, fewer_at_most, why),
            Event::SampleStarted(key) => progress.started(key),
            Event::SampleDone(record) => {
                progress.sample_done(record);
                self.journal.write(&JournalEntry::Sample(record.clone()))?;
                self.samples.push(record.clone());
            }
            Event::ContainerReplaced { build, reason } => {
                progress.note(&format!("{build}: container replaced ({reason})"))
            }
            Event::Retake(why) => progress.retake(why),
            Event::Note(text) => progress.note(text),
            Event::Detail(text) => progress.detail(text),
        }
        Ok(())
    }
}
