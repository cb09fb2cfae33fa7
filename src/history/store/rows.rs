//! Runs into rows and rows back into runs: the one place that knows the
//! tables' columns.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{AddOutcome, Backend, Kind, Value};
use crate::history::entry::{CellEntry, RunEntry};
use crate::stats::Estimate;

/// A run as loaded: its place in the order runs were added, and its axis.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    pub run_id: String,
    pub seq: i64,
    pub started_at: String,
    pub label: Option<String>,
}

impl StoredRun {
    /// The run named for people: the day and the label's first 7
    /// characters, or the run id.
    pub fn name(&self) -> String {
        let day = self.started_at.get(..10).unwrap_or(&self.started_at);
        let label = self.label.as_deref().unwrap_or(&self.run_id);
        format!("{day} ({})", label.get(..7).unwrap_or(label))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredCell {
    /// Index into [`History::runs`].
    pub run: usize,
    pub workload_sha256: Option<String>,
    pub cell: CellEntry,
}

/// Everything in a store, runs in the order they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub runs: Vec<StoredRun>,
    pub cells: Vec<StoredCell>,
}

fn text(value: &str) -> Value {
    Value::Text(Some(value.to_string()))
}

fn opt_text(value: &Option<String>) -> Value {
    Value::Text(value.clone())
}

/// Rows per INSERT: one statement per cell would make a large run slow
/// over a network.
const CHUNK: usize = 200;
const CELL_COLUMNS: &str = "run_id, machine, build, workload, mode, threads, samples, \
    time_s, time_low, time_high, speedup, speedup_low, speedup_high, \
    cost, cost_low, cost_high, memory_kb, precision";

fn estimate(values: &mut Vec<Value>, estimate: Option<Estimate>) {
    values.push(Value::Real(estimate.map(|e| e.value)));
    values.push(Value::Real(estimate.map(|e| e.low)));
    values.push(Value::Real(estimate.map(|e| e.high)));
}

fn cell_values(run_id: &str, c: &CellEntry) -> Vec<Value> {
    let mut values = vec![
        text(run_id),
        text(&c.machine),
        text(&c.build),
        text(&c.workload),
        text(&c.mode),
        Value::Int(Some(i64::from(c.threads))),
        Value::Int(Some(c.samples as i64)),
    ];
    estimate(&mut values, c.time);
    estimate(&mut values, c.speedup);
    estimate(&mut values, c.cost);
    values.push(Value::Real(c.memory_kb));
    values.push(Value::Real(c.precision));
    values
}

/// `($1, …, $n), ($n+1, …)`: `rows` rows of `width` placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=width).map(|i| format!("${}", r * width + i)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn insert_rows(
    db: &mut dyn Backend,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    let width = columns.split(',').count();
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {} ON CONFLICT DO NOTHING",
            placeholders(chunk.len(), width)
        );
        let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
        db.execute(&sql, &params)?;
    }
    Ok(())
}

/// Inside the caller's exclusive transaction. A night is kept once: a
/// merged run takes the place of runs whose shards it holds all of, and a
/// run any of whose samples another run holds otherwise is not added.
pub(super) fn insert(db: &mut dyn Backend, run: &RunEntry) -> Result<AddOutcome> {
    let id = text(&run.run_id);
    let present = db.query(
        "SELECT count(*) FROM runs WHERE run_id = $1",
        std::slice::from_ref(&id),
        &[Kind::Int],
    )?;
    if present[0][0] != Value::Int(Some(0)) {
        return Ok(AddOutcome::AlreadyIn);
    }
    let parts = run.parts();
    let overlapping = overlapping(db, &parts)?;
    let holds_them = !run.shards.is_empty()
        && overlapping
            .values()
            .all(|theirs| theirs.iter().all(|p| parts.contains(p)));
    if !overlapping.is_empty() && !holds_them {
        return Ok(AddOutcome::HeldBy(overlapping.into_keys().collect()));
    }
    for old in overlapping.keys() {
        // Children first: PostgreSQL enforces the references.
        for table in ["cells", "builds", "workloads", "run_parts", "runs"] {
            db.execute(
                &format!("DELETE FROM {table} WHERE run_id = $1"),
                &[text(old)],
            )?;
        }
    }
    db.execute(
        "INSERT INTO runs (run_id, seq, started_at, label, command, gilbench_version) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM runs",
        &[
            id,
            text(&run.started_at),
            opt_text(&run.label),
            text(&run.command),
            text(&run.gilbench_version),
        ],
    )?;
    let builds = run
        .builds
        .iter()
        .map(|b| {
            vec![
                text(&run.run_id),
                text(&b.name),
                opt_text(&b.version),
                opt_text(&b.revision),
                text(&b.image_id),
                text(&b.packages),
            ]
        })
        .collect();
    insert_rows(
        db,
        "builds",
        "run_id, name, version, revision, image_id, packages",
        builds,
    )?;
    let workloads = run
        .workloads
        .iter()
        .map(|w| vec![text(&run.run_id), text(&w.name), opt_text(&w.sha256)])
        .collect();
    insert_rows(db, "workloads", "run_id, name, sha256", workloads)?;
    let cells = run
        .cells
        .iter()
        .map(|c| cell_values(&run.run_id, c))
        .collect();
    insert_rows(db, "cells", CELL_COLUMNS, cells)?;
    let parts = parts
        .iter()
        .map(|p| vec![text(&run.run_id), text(p)])
        .collect();
    insert_rows(db, "run_parts", "run_id, part", parts)?;
    Ok(AddOutcome::Added {
        replaced: overlapping.into_keys().collect(),
    })
}

/// The stored runs that hold any of `parts`, with all the parts of each.
fn overlapping(db: &mut dyn Backend, parts: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
    let sql = format!(
        "SELECT run_id, part FROM run_parts WHERE run_id IN \
         (SELECT run_id FROM run_parts WHERE part IN {})",
        placeholders(1, parts.len())
    );
    let params: Vec<Value> = parts.iter().map(|p| text(p)).collect();
    let mut runs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in db.query(&sql, &params, &[Kind::Text, Kind::Text])? {
        if let (Some(run), Some(part)) = (get_text(&row[0]), get_text(&row[1])) {
            runs.entry(run).or_default().push(part);
        }
    }
    Ok(runs)
}

fn get_text(value: &Value) -> Option<String> {
    match value {
        Value::Text(t) => t.clone(),
        _ => None,
    }
}

fn get_real(value: &Value) -> Option<f64> {
    match value {
        Value::Real(r) => *r,
        _ => None,
    }
}

fn get_int(value: &Value) -> i64 {
    match value {
        Value::Int(Some(i)) => *i,
        _ => 0,
    }
}

fn get_estimate(values: &[Value]) -> Option<Estimate> {
    Some(Estimate {
        value: get_real(&values[0])?,
        low: get_real(&values[1])?,
        high: get_real(&values[2])?,
    })
}

pub(super) fn load(db: &mut dyn Backend) -> Result<History> {
    let runs: Vec<StoredRun> = db
        .query(
            "SELECT run_id, seq, started_at, label FROM runs ORDER BY seq",
            &[],
            &[Kind::Text, Kind::Int, Kind::Text, Kind::Text],
        )?
        .iter()
        .map(|r| StoredRun {
            run_id: get_text(&r[0]).unwrap_or_default(),
            seq: get_int(&r[1]),
            started_at: get_text(&r[2]).unwrap_or_default(),
            label: get_text(&r[3]),
        })
        .collect();
    let index: std::collections::HashMap<&str, usize> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.run_id.as_str(), i))
        .collect();
    let mut kinds = vec![Kind::Text; 6];
    kinds.extend([Kind::Int, Kind::Int]);
    kinds.extend([Kind::Real; 11]);
    let sql = format!(
        "SELECT w.sha256, c.{} FROM cells c LEFT JOIN workloads w \
         ON w.run_id = c.run_id AND w.name = c.workload \
         ORDER BY c.run_id, c.machine, c.build, c.workload, c.mode, c.threads",
        CELL_COLUMNS.replace(", ", ", c.")
    );
    let mut cells = Vec::new();
    for r in db.query(&sql, &[], &kinds)? {
        let run_id = get_text(&r[1]).unwrap_or_default();
        let Some(&run) = index.get(run_id.as_str()) else {
            continue;
        };
        cells.push(StoredCell {
            run,
            workload_sha256: get_text(&r[0]),
            cell: CellEntry {
                machine: get_text(&r[2]).unwrap_or_default(),
                build: get_text(&r[3]).unwrap_or_default(),
                workload: get_text(&r[4]).unwrap_or_default(),
                mode: get_text(&r[5]).unwrap_or_default(),
                threads: get_int(&r[6]) as u32,
                samples: get_int(&r[7]) as u64,
                time: get_estimate(&r[8..11]),
                speedup: get_estimate(&r[11..14]),
                cost: get_estimate(&r[14..17]),
                memory_kb: get_real(&r[17]),
                precision: get_real(&r[18]),
            },
        });
    }
    cells.sort_by_key(|c| c.run);
    Ok(History { runs, cells })
}
