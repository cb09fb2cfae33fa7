//! What every format of the report reads and where it puts what it
//! renders. The formats themselves are listed in `report`'s
//! [`FORMATS`](super::FORMATS).
//!
//! A format reads an [`Analysis`], built once per run by [`analyse`]: the
//! run's, or for a run replicated on several machines, one per machine
//! (no cell pools two machines), gathered in an [`Overview`]. It writes
//! into an [`Output`]: files under the report's folder, the terminal
//! summary, and the Markdown for the GitHub Actions step summary.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::machines::overview::Overview;
use crate::analysis::Analysis;
use crate::atomic::write_atomically;
use crate::results::RunResults;

/// One format of the report.
pub(crate) trait Format {
    /// Renders the report of one analysis: a run's, or in a replicated run
    /// one machine's (into `machines/<id>/`).
    fn run(&self, a: &Analysis<'_>, out: &mut Output) -> Result<()>;

    /// Renders the top of a replicated run's report, over the machines';
    /// by default nothing (the format is in each machine's report only).
    fn overview(&self, _overview: &Overview<'_>, _out: &mut Output) -> Result<()> {
        Ok(())
    }
}

/// What the formats read: a run's analysis, or a replicated run's
/// overview with an analysis per machine.
pub(crate) enum Analysed<'a> {
    Run(&'a Analysis<'a>),
    Replicated(&'a Overview<'a>),
}

/// Analyses `results` once, per machine if they were replicated on
/// several, and hands the analyses to `then`.
pub(crate) fn analyse<T>(results: &RunResults, then: impl FnOnce(Analysed<'_>) -> T) -> T {
    let replicas = results.replicas();
    if replicas.is_empty() {
        return then(Analysed::Run(&Analysis::new(results)));
    }
    let runs: Vec<RunResults> = replicas.iter().map(|id| results.for_machine(id)).collect();
    let analyses: Vec<Analysis<'_>> = runs.iter().map(Analysis::new).collect();
    then(Analysed::Replicated(&Overview::new(
        results, &replicas, &analyses,
    )))
}

/// Where the formats put what they render: files under one folder, and
/// at the top of a report, the terminal summary and the step summary.
pub(crate) struct Output {
    dir: PathBuf,
    /// The files written, in order.
    pub written: Vec<PathBuf>,
    /// Whether the terminal summary is printed.
    show_terminal: bool,
    /// A machine's report in a replicated run: files only.
    nested: bool,
    /// The Markdown for the step summary, appended once every file is written.
    pub step_summary: Option<String>,
}

impl Output {
    /// The top of a report in `dir`, printing the terminal summary if
    /// `show_terminal`.
    pub fn new(dir: &Path, show_terminal: bool) -> Output {
        Output {
            dir: dir.to_path_buf(),
            written: Vec::new(),
            show_terminal,
            nested: false,
            step_summary: None,
        }
    }

    /// A report in the folder `name`, below this one: its files only.
    pub fn nested(&self, name: &str) -> Output {
        Output {
            dir: self.dir.join(name),
            written: Vec::new(),
            show_terminal: false,
            nested: true,
            step_summary: None,
        }
    }

    /// Writes `bytes` atomically to `name`, a path relative to the
    /// report's folder, creating folders as needed.
    pub fn file(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        write_atomically(&path, bytes)?;
        self.written.push(path);
        Ok(())
    }

    /// Prints the terminal summary `text` makes, if it is shown (only then
    /// is it made).
    pub fn terminal(&mut self, text: impl FnOnce() -> String) {
        if self.show_terminal {
            print!("{}", text());
        }
    }

    /// Keeps the report's Markdown for the step summary (not a machine's,
    /// in a replicated run).
    pub fn step_summary(&mut self, markdown: String) {
        if !self.nested {
            self.step_summary = Some(markdown);
        }
    }
}
