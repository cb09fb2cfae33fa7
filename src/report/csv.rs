//! `results.csv`: one row per sample, in the order samples were taken. The
//! columns are documented in the module docs of `report`; [`Row`] has them
//! as fields, in that order.

use anyhow::Result;
use serde::Serialize;

use super::export::{Format, Output};
use super::machines::overview::Overview;
use crate::analysis::Analysis;
use crate::analysis::summary::effective_parallelism;
use crate::format::one_line;
use crate::results::{SampleRecord, SampleStatus};

/// The documented columns, in order: the header [`Row`] writes.
#[cfg(test)]
pub const COLUMNS: &[&str] = &[
    "build",
    "workload",
    "mode",
    "scaling",
    "threads",
    "repeat",
    "warmup",
    "seq",
    "status",
    "kind",
    "wall_s",
    "cpu_s",
    "worker_cpu_s_sum",
    "effective_parallelism",
    "max_rss_kb",
    "rss_setup_kb",
    "rss_peak_kb",
    "gil_enabled",
    "gil_enabled_by",
    "exit_code",
    "at",
    "message",
    "disturbed",
    "foreign_load",
    "cell_precision",
    "warm_call_s",
    "machine",
];

/// One sample. Text fields are on one line (line breaks in failure
/// messages become spaces); None is an empty field.
#[derive(Serialize)]
struct Row {
    build: String,
    workload: String,
    mode: &'static str,
    scaling: &'static str,
    threads: u32,
    repeat: u32,
    warmup: bool,
    seq: u64,
    status: &'static str,
    kind: Option<&'static str>,
    wall_s: Option<String>,
    cpu_s: Option<String>,
    worker_cpu_s_sum: Option<String>,
    effective_parallelism: Option<String>,
    max_rss_kb: Option<u64>,
    rss_setup_kb: Option<u64>,
    rss_peak_kb: Option<u64>,
    gil_enabled: Option<bool>,
    gil_enabled_by: String,
    exit_code: Option<i64>,
    at: String,
    message: String,
    disturbed: bool,
    foreign_load: Option<String>,
    cell_precision: Option<String>,
    /// Each untimed call's wall time, in order, separated by spaces.
    warm_call_s: String,
    machine: String,
}

impl Row {
    fn of(a: &Analysis<'_>, r: &SampleRecord) -> Row {
        let s = &r.sample;
        let worker_cpu = s.worker_cpu_ns.as_ref().map(|v| v.iter().sum::<u64>());
        Row {
            build: one_line(&r.build),
            workload: one_line(&r.workload),
            mode: s.mode.as_str(),
            scaling: a.scaling_name(&r.workload),
            threads: r.threads,
            repeat: r.repeat,
            warmup: s.warmup,
            seq: r.seq,
            status: match s.status {
                SampleStatus::Ok => "ok",
                SampleStatus::Failed => "failed",
                SampleStatus::Unsupported => "unsupported",
            },
            kind: s.kind.map(|k| k.as_str()),
            wall_s: s.wall_ns.map(exact_seconds),
            cpu_s: s.cpu_ns.map(exact_seconds),
            worker_cpu_s_sum: worker_cpu.map(exact_seconds),
            effective_parallelism: effective_parallelism(s).map(|p| format!("{p:.4}")),
            max_rss_kb: s.max_rss_kb,
            rss_setup_kb: s.rss_setup_kb,
            rss_peak_kb: s.rss_peak_kb,
            gil_enabled: s.gil_enabled,
            gil_enabled_by: one_line(s.gil_enabled_by.as_deref().unwrap_or_default()),
            exit_code: s.exit_code,
            at: format!("{:.3}", r.at),
            message: one_line(s.message.as_deref().unwrap_or_default()),
            disturbed: r.disturbed,
            foreign_load: s.foreign_load().map(|l| format!("{l:.3}")),
            // A set-aside sample's cell is another machine's.
            cell_precision: a
                .summary
                .get(&r.cell())
                .filter(|_| !a.is_set_aside(r))
                .and_then(|c| c.precision.reached().fraction())
                .map(|p| format!("{p:.4}")),
            warm_call_s: s
                .warm_call_ns
                .iter()
                .flatten()
                .map(|&ns| exact_seconds(ns))
                .collect::<Vec<_>>()
                .join(" "),
            machine: one_line(r.machine.as_deref().unwrap_or_default()),
        }
    }
}

/// `results.csv`: a run's samples, or every machine's in a replicated run.
pub(crate) struct Csv;

impl Format for Csv {
    fn run(&self, a: &Analysis<'_>, out: &mut Output) -> Result<()> {
        out.file("results.csv", render(std::slice::from_ref(a)).as_bytes())
    }

    fn overview(&self, overview: &Overview<'_>, out: &mut Output) -> Result<()> {
        out.file("results.csv", render(overview.analyses).as_bytes())
    }
}

/// `results.csv` as a string.
pub fn results_csv(results: &crate::results::RunResults) -> String {
    render(&[Analysis::new(results)])
}

/// Every sample of `analyses` (one per machine of a replicated run, each
/// with that machine's samples), in the order taken.
pub(crate) fn render(analyses: &[Analysis<'_>]) -> String {
    let mut rows: Vec<(u64, Row)> = analyses
        .iter()
        .flat_map(|a| {
            a.results
                .samples
                .iter()
                .map(move |r| (r.seq, Row::of(a, r)))
        })
        .collect();
    rows.sort_by_key(|(seq, _)| *seq);
    let mut out = writer();
    for (_, row) in rows {
        out.serialize(row)
            .expect("a row of strings and numbers serialises");
    }
    let bytes = out.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("every field is a Rust string")
}

/// RFC 4180: fields holding a comma, a quote or a line break are quoted,
/// quotes inside doubled; lines end in CRLF.
fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

/// Nanoseconds as exact decimal seconds, machine-readable (no unit, no
/// rounding): 1_500_000 → "0.001500000".
fn exact_seconds(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer as `render` sets it up, on one record.
    fn line(fields: &[&str]) -> String {
        let mut out = writer();
        out.write_record(fields).unwrap();
        String::from_utf8(out.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn fields_are_quoted_per_rfc_4180() {
        assert_eq!(line(&["a,b"]), "\"a,b\"\r\n");
        assert_eq!(line(&["say \"hi\""]), "\"say \"\"hi\"\"\"\r\n");
        assert_eq!(line(&["plain", "x"]), "plain,x\r\n");
        assert_eq!(exact_seconds(1_500_000), "0.001500000");
        assert_eq!(exact_seconds(2_000_000_001), "2.000000001");
    }

    #[test]
    fn results_csv_matches_its_snapshot() {
        let text = results_csv(&crate::analysis::fixture::fixture());
        // CRLF everywhere (the snapshot itself is compared with LF).
        assert_eq!(text.matches("\r\n").count(), text.matches('\n').count());
        insta::assert_snapshot!(text);
    }
}
