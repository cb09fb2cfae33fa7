//! The `history` subcommands, on validated options.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::changes::Settings;
use super::entry::RunEntry;
use super::order::{Axis, Order};
use super::regressions::{Change, changes, confirmed_by_newest, describe, several_machines};
use super::series::series_of;
use super::store::{AddOutcome, History, Store};
use super::{capture, label, site};
use crate::error::invalid_input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Text,
    Markdown,
}

/// Adds each run folder to the store at `location`, in the order given.
pub fn add(
    location: &str,
    runs: &[PathBuf],
    label: Option<&str>,
    project: Option<&Path>,
) -> Result<()> {
    if let Some(missing) = runs.iter().find(|dir| !dir.exists()) {
        return Err(invalid_input(format!(
            "{} does not exist: nothing was added",
            missing.display()
        )));
    }
    let label = label::resolve(label, project);
    let mut store = Store::open(location)?;
    capture::each_entry(runs, label.as_deref(), |entry| {
        println!("{}", added(&entry, &store.add(&entry)?, &store.location));
        Ok(())
    })
}

/// What adding `run` did, in words.
fn added(run: &RunEntry, outcome: &AddOutcome, store: &str) -> String {
    let id = &run.run_id;
    let runs = |ids: &[String]| match ids {
        [one] => format!("run {one}"),
        _ => format!("runs {}", ids.join(", ")),
    };
    match outcome {
        AddOutcome::Added { replaced } if replaced.is_empty() => {
            format!("added run {id} ({} cells) to {store}", run.cells.len())
        }
        AddOutcome::Added { replaced } => format!(
            "added run {id} ({} cells) to {store} in place of {}, whose samples it holds \
             (a night counts once)",
            run.cells.len(),
            runs(replaced)
        ),
        AddOutcome::AlreadyIn => format!("run {id} is already in {store}"),
        AddOutcome::HeldBy(held_by) => format!(
            "run {id} is not added: its samples are in {store} already, in {} \
             (a night counts once)",
            runs(held_by)
        ),
    }
}

/// The regressions (or every change, with `all`) as text or Markdown,
/// newest first; and when the newest run confirms regressions, that in
/// words, naming the runs they began at.
pub fn regressions_text(
    history: &History,
    order: &Order,
    format: TextFormat,
    all: bool,
) -> (String, Option<String>) {
    let settings = Settings::default();
    let (axis, series) = series_of(history, order);
    let mut found = changes(&series, &settings);
    found.sort_by(|a, b| b.first_after.cmp(&a.first_after).then(a.key.cmp(&b.key)));
    let confirmed = confirmation(
        &confirmed_by_newest(&found, &series, &axis, &settings),
        history,
        &axis,
    );
    let machines = several_machines(&series);
    let shown: Vec<String> = found
        .iter()
        .filter(|c| all || c.regression)
        .map(|c| describe(c, history, &axis, machines))
        .collect();
    let what = if all { "changes" } else { "regressions" };
    let mut out = match format {
        TextFormat::Text => String::new(),
        TextFormat::Markdown => format!("### gilbench history: {what}\n\n"),
    };
    if shown.is_empty() {
        out.push_str(&format!(
            "No {what} in {} runs ({} series).\n",
            axis.runs.len(),
            series.len()
        ));
    }
    for line in shown {
        match format {
            TextFormat::Text => out.push_str(&format!("{line}\n")),
            TextFormat::Markdown => {
                out.push_str(&format!("- {}\n", crate::format::markdown_escape(&line)))
            }
        }
    }
    if let Some(sentence) = &confirmed {
        let sentence = capitalised(sentence);
        match format {
            TextFormat::Text => out.push_str(&format!("{sentence}.\n")),
            TextFormat::Markdown => out.push_str(&format!(
                "\n**{}.**\n",
                crate::format::markdown_escape(&sentence)
            )),
        }
    }
    (out, confirmed)
}

/// "the newest run, 2026-11-12 (e4f5a6b), confirms 2 regressions, begun at
/// run 2026-11-11 (a1b2c3d)"; None for no regressions.
fn confirmation(confirmed: &[&Change], history: &History, axis: &Axis) -> Option<String> {
    let name = |at: usize| history.runs[axis.runs[at]].name();
    let begun: BTreeSet<usize> = confirmed.iter().map(|c| c.first_after).collect();
    let begun: Vec<String> = begun.into_iter().map(name).collect();
    let runs = match begun.as_slice() {
        [] => return None,
        [one] => format!("run {one}"),
        [rest @ .., last] => format!("runs {} and {last}", rest.join(", ")),
    };
    let count = match confirmed.len() {
        1 => "1 regression".to_string(),
        n => format!("{n} regressions"),
    };
    Some(format!(
        "the newest run, {}, confirms {count}, begun at {runs}",
        name(axis.runs.len() - 1)
    ))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Runs the order leaves out, named on standard error.
fn warn_left_out(history: &History, order: &Order) {
    if let Some(note) = Axis::of(history, order).left_out_note(history, order) {
        eprintln!("warning: {note}");
    }
}

pub fn regressions(location: &str, order: &Order, format: TextFormat, all: bool) -> Result<()> {
    let history = Store::open(location)?.load()?;
    warn_left_out(&history, order);
    let (text, confirmed) = regressions_text(&history, order, format, all);
    print!("{text}");
    if format == TextFormat::Markdown {
        crate::report::append_step_summary(&text)?;
    }
    match confirmed {
        Some(sentence) => Err(crate::error::Error::NewRegressions(sentence).into()),
        None => Ok(()),
    }
}

pub fn report(location: &str, order: &Order, output: &Path) -> Result<()> {
    let mut store = Store::open(location)?;
    let history = store.load()?;
    warn_left_out(&history, order);
    site::write(&history, order, output)?;
    println!("wrote {}", output.join("index.html").display());
    Ok(())
}
