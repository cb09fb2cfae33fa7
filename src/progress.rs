//! Progress for long work: a live line on a terminal, plain lines elsewhere.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::format::format_duration;

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// One task's progress: its current stage and elapsed time; with `-v`, every
/// line of its log too.
pub struct Task {
    label: String,
    stage: String,
    started: Instant,
    verbosity: Verbosity,
    bar: Option<ProgressBar>,
}

impl Task {
    pub fn start(label: impl Into<String>, verbosity: Verbosity) -> Task {
        let label = label.into();
        let live = verbosity == Verbosity::Normal && std::io::stderr().is_terminal();
        let bar = live.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
                    .expect("the template is valid"),
            );
            bar.set_prefix(label.clone());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Task {
            label,
            stage: String::new(),
            started: Instant::now(),
            verbosity,
            bar,
        }
    }

    /// Moves to a new stage; repeated calls with the same stage are free.
    pub fn stage(&mut self, stage: &str) {
        if stage == self.stage {
            return;
        }
        self.stage = stage.to_string();
        match &self.bar {
            Some(bar) => bar.set_message(stage.to_string()),
            None if self.verbosity > Verbosity::Quiet => {
                eprintln!("[{}] {} ({})", self.label, stage, self.elapsed())
            }
            None => {}
        }
    }

    /// A line of the task's log, shown only with `-v`.
    pub fn log_line(&self, line: &str) {
        if self.verbosity == Verbosity::Verbose {
            eprintln!("[{}] {line}", self.label);
        }
    }

    /// A message that always shows (unless quiet), above the live line.
    pub fn note(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("[{}] {message}", self.label)),
            None if self.verbosity > Verbosity::Quiet => eprintln!("[{}] {message}", self.label),
            None => {}
        }
    }

    pub fn elapsed(&self) -> String {
        format_duration(self.started.elapsed())
    }

    /// Ends the task with a final message.
    pub fn finish(self, message: &str) {
        let line = format!("[{}] {message} ({})", self.label, self.elapsed());
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.verbosity > Verbosity::Quiet {
            eprintln!("{line}");
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
