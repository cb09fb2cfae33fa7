//! `results.csv`: one row per sample, in the order samples were taken. The
//! columns are documented in the module docs of `report`.

use std::fmt::Write;

use super::text::one_line;
use crate::analysis::Analysis;
use crate::results::SampleStatus;

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
    "gil_enabled",
    "exit_code",
    "at",
    "message",
];

/// `results.csv` as a string.
pub fn results_csv(results: &crate::results::RunResults) -> String {
    render(&Analysis::new(results))
}

pub(crate) fn render(a: &Analysis<'_>) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    let mut records: Vec<_> = a.results.samples.iter().collect();
    records.sort_by_key(|r| r.seq);
    for r in records {
        let s = &r.sample;
        let worker_cpu = s.worker_cpu_ns.as_ref().map(|v| v.iter().sum::<u64>());
        let fields = [
            r.build.clone(),
            r.workload.clone(),
            s.mode.to_string(),
            a.scaling_name(&r.workload).to_string(),
            r.threads.to_string(),
            r.repeat.to_string(),
            s.warmup.to_string(),
            r.seq.to_string(),
            match s.status {
                SampleStatus::Ok => "ok",
                SampleStatus::Failed => "failed",
                SampleStatus::Unsupported => "unsupported",
            }
            .to_string(),
            s.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
            s.wall_ns.map(seconds).unwrap_or_default(),
            s.cpu_ns.map(seconds).unwrap_or_default(),
            worker_cpu.map(seconds).unwrap_or_default(),
            crate::analysis::summary::effective_parallelism(s)
                .map(|p| format!("{p:.4}"))
                .unwrap_or_default(),
            s.max_rss_kb.map(|k| k.to_string()).unwrap_or_default(),
            s.gil_enabled.map(|g| g.to_string()).unwrap_or_default(),
            s.exit_code.map(|c| c.to_string()).unwrap_or_default(),
            format!("{:.3}", r.at),
            s.message.clone().unwrap_or_default(),
        ];
        // One sample, one line: line breaks (in messages) become spaces.
        let line: Vec<String> = fields.iter().map(|f| quote(&one_line(f))).collect();
        let _ = write!(out, "{}\r\n", line.join(","));
    }
    out
}

/// Nanoseconds as exact decimal seconds: 1_500_000 → "0.001500000".
fn seconds(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

/// RFC 4180: quote a field holding a comma, a quote, a line break, or
/// leading/trailing spaces; double the quotes inside.
pub(crate) fn quote(field: &str) -> String {
    let needs =
        field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ');
    if needs {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
