//! pyperf-compatible JSON, one file per build (`pyperf/<build>.json`), so
//! `python3 -m pyperf show`, `stats`, `dump` and `compare_to` work on
//! gilbench results.
//!
//! The format is pyperf's `BenchmarkSuite` file, version "1.0" (pyperf's
//! `_bench.py`): `{"version": "1.0", "metadata": {...}, "benchmarks":
//! [{"metadata": {"name": ...}, "runs": [{"metadata": {...}, "warmups":
//! [[loops, value], ...], "values": [...]}]}]}`. Metadata in the suite and
//! the benchmark apply to every run below them.
//!
//! The mapping: one benchmark per workload × mode × workers that has
//! measurements, named `<workload>-<mode>-<workers>` (e.g.
//! `countdown-threads-2`), so files of two builds or two runs line up in
//! `compare_to`. Each gilbench sample ran in its own process, as each pyperf
//! run does: a measured sample becomes a run with one value (its wall time
//! in seconds), a warmup sample a run with one warmup and no value, with
//! pyperf's own run metadata (`date`, `duration`, `mem_max_rss`) and the
//! sample's `gilbench_seq` (its `seq` in results.csv and the journal, which
//! hold the rest of it). Failed samples are left out. pyperf metadata must be strings (one line, not
//! empty), ints or floats; anything else is skipped.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::export::{Format, Output};
use crate::analysis::Analysis;
use crate::format::{one_line, unique_file_stems};
use crate::results::{CellKey, SampleRecord, SampleStatus};

/// A pyperf `BenchmarkSuite` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PyperfSuite {
    pub version: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    pub benchmarks: Vec<PyperfBenchmark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PyperfBenchmark {
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    pub runs: Vec<PyperfRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PyperfRun {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, Value>,
    /// (loops, seconds per loop)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warmups: Vec<(u64, f64)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<f64>,
}

/// `pyperf/<build>.json`, in each report of one analysis (not in a
/// replicated run's overview: no benchmark pools two machines).
pub(crate) struct Pyperf;

impl Format for Pyperf {
    fn run(&self, a: &Analysis<'_>, out: &mut Output) -> Result<()> {
        for (file, suite) in suites(a) {
            // Compact, as pyperf writes its own files: indenting a large
            // run's every value and run metadata tripled the files.
            let mut json = serde_json::to_string(&suite)?;
            json.push('\n');
            out.file(&format!("pyperf/{file}"), json.as_bytes())?;
        }
        Ok(())
    }
}

/// The suites of a run: (file name, suite) per build with measurements.
pub fn pyperf_suites(results: &crate::results::RunResults) -> Vec<(String, PyperfSuite)> {
    suites(&Analysis::new(results))
}

pub(crate) fn suites(a: &Analysis<'_>) -> Vec<(String, PyperfSuite)> {
    // Grouped once: scanning every sample for every cell is quadratic.
    let mut by_cell: BTreeMap<CellKey, Vec<&SampleRecord>> = BTreeMap::new();
    for record in a
        .samples
        .iter()
        .copied()
        .filter(|r| r.sample.status == SampleStatus::Ok && !r.disturbed)
    {
        by_cell.entry(record.cell()).or_default().push(record);
    }
    let measured: Vec<(&String, Vec<PyperfBenchmark>)> = a
        .builds
        .iter()
        .map(|build| (build, benchmarks(a, build, &by_cell)))
        .filter(|(_, benchmarks)| !benchmarks.is_empty())
        .collect();
    let files = unique_file_stems(measured.iter().map(|(build, _)| build.as_str()));
    measured
        .into_iter()
        .zip(files)
        .map(|((build, benchmarks), file)| {
            (
                format!("{file}.json"),
                PyperfSuite {
                    version: "1.0".into(),
                    metadata: suite_metadata(a, build),
                    benchmarks,
                },
            )
        })
        .collect()
}

fn benchmarks(
    a: &Analysis<'_>,
    build: &str,
    by_cell: &BTreeMap<CellKey, Vec<&SampleRecord>>,
) -> Vec<PyperfBenchmark> {
    let mut out = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for cell in a.summary.cells.iter().filter(|c| c.key.build == build) {
        if !cell.has_measurements() {
            continue;
        }
        let key = &cell.key;
        let mut name = format!(
            "{}-{}-{}",
            one_line(&key.workload).trim(),
            key.mode,
            key.threads
        );
        while names.contains(&name) {
            name.push('_');
        }
        names.push(name.clone());
        let mut metadata = BTreeMap::new();
        metadata.insert("name".into(), Value::from(name));
        metadata.insert("unit".into(), Value::from("second"));
        metadata.insert("loops".into(), Value::from(1));
        put_str(&mut metadata, "gilbench_workload", &key.workload);
        metadata.insert("gilbench_mode".into(), Value::from(key.mode.as_str()));
        metadata.insert("gilbench_workers".into(), Value::from(key.threads));
        metadata.insert(
            "gilbench_scaling".into(),
            Value::from(a.scaling_name(&key.workload)),
        );
        if let Some(description) = a
            .results
            .workload(&key.workload)
            .and_then(|w| w.description.as_deref())
        {
            put_str(&mut metadata, "description", description);
        }
        let mut records: Vec<&SampleRecord> = by_cell.get(key).cloned().unwrap_or_default();
        records.sort_by_key(|r| r.seq);
        let runs: Vec<PyperfRun> = records
            .into_iter()
            .filter_map(|r| {
                let wall = r.sample.wall_s().filter(|w| *w > 0.0 && w.is_finite())?;
                let mut metadata = BTreeMap::new();
                let duration = r.sample.duration_s().unwrap_or(wall);
                metadata.insert("duration".into(), Value::from(duration));
                if let Some(date) = date(r.at - duration) {
                    metadata.insert("date".into(), Value::from(date));
                }
                // The peak while the work ran, of every process of the
                // sample; where it is missing, the process's whole life's.
                if let Some(kb) = r.sample.rss_peak_kb.or(r.sample.max_rss_kb) {
                    metadata.insert("mem_max_rss".into(), Value::from(kb.saturating_mul(1024)));
                }
                // The sample it was, by its place in the run: its other
                // measures are in the journal and results.csv, not repeated.
                metadata.insert("gilbench_seq".into(), Value::from(r.seq));
                Some(if r.sample.warmup {
                    PyperfRun {
                        metadata,
                        warmups: vec![(1, wall)],
                        values: Vec::new(),
                    }
                } else {
                    PyperfRun {
                        metadata,
                        warmups: Vec::new(),
                        values: vec![wall],
                    }
                })
            })
            .collect();
        out.push(PyperfBenchmark { metadata, runs });
    }
    out
}

fn suite_metadata(a: &Analysis<'_>, build: &str) -> BTreeMap<String, Value> {
    let r = a.results;
    let mut m = BTreeMap::new();
    put_str(&mut m, "gilbench_build", build);
    put_str(&mut m, "gilbench_run_id", &r.run_id);
    put_str(&mut m, "gilbench_version", &r.gilbench_version);
    if let Some(model) = &r.environment.host_cpu_model {
        put_str(&mut m, "cpu_model_name", model);
    }
    if let Some(record) = a.build_record(build) {
        put_str(&mut m, "gilbench_image", &record.image);
        put_str(&mut m, "gilbench_image_id", &record.image_id);
        let facts = &record.facts;
        for (ours, theirs) in [
            ("python_version", "python_version"),
            ("implementation", "python_implementation"),
            ("executable", "python_executable"),
            ("compiler", "python_compiler"),
            ("config_args", "python_config_args"),
            ("platform", "platform"),
            ("jit_detection", "gilbench_jit_detection"),
        ] {
            if let Some(text) = facts[ours].as_str() {
                let text = if ours == "implementation" {
                    text.to_lowercase()
                } else {
                    text.to_string()
                };
                put_str(&mut m, theirs, &text);
            }
        }
        let cpus = facts["process_cpu_count"]
            .as_u64()
            .or(facts["cpu_count"].as_u64());
        if let Some(n) = cpus.filter(|n| *n > 0) {
            m.insert("cpu_count".into(), Value::from(n));
        }
        if let Some(Value::Array(cpus)) = facts.get("affinity") {
            let list: Vec<String> = cpus
                .iter()
                .filter_map(Value::as_u64)
                .map(|c| c.to_string())
                .collect();
            put_str(&mut m, "cpu_affinity", &list.join(","));
        }
        for (ours, theirs) in [
            ("py_gil_disabled", "gilbench_free_threaded"),
            ("gil_enabled_at_start", "gilbench_gil_enabled_at_start"),
            ("jit_built", "gilbench_jit_built"),
            ("jit_enabled", "gilbench_jit_enabled"),
        ] {
            if let Some(flag) = facts[ours].as_bool() {
                m.insert(theirs.into(), Value::from(if flag { "yes" } else { "no" }));
            }
        }
        for (key, value) in &record.runtime_env {
            put_str(&mut m, &format!("gilbench_env_{key}"), value);
        }
        if facts["jit_built"].as_bool() == Some(true) {
            // pyperf's workers get only a few environment variables: without
            // PYTHON_JIT a JIT switched by it runs in its default state.
            put_str(&mut m, "gilbench_pyperf_jit", PYPERF_JIT_HINT);
        }
    }
    if let Some(cpus) = &r.config.cpus {
        put_str(&mut m, "gilbench_cpuset", cpus);
    }
    m
}

/// How to reproduce a JIT build's numbers with pyperf itself.
const PYPERF_JIT_HINT: &str = "to measure this build with pyperf, give pyperf \
    --inherit-environ PYTHON_JIT (it drops PYTHON_JIT from its workers otherwise); \
    gilbench's values are a first call in a fresh process: pyperf --warmups 0 --loops 1";

/// Inserts a string if pyperf accepts it: one line, not blank.
fn put_str(map: &mut BTreeMap<String, Value>, key: &str, value: &str) {
    let value = one_line(value).trim().to_string();
    if !value.is_empty() {
        map.insert(key.to_string(), Value::from(value));
    }
}

/// Unix time as pyperf writes dates, in UTC: "2025-01-31 12:34:56.789000".
fn date(unix: f64) -> Option<String> {
    if !unix.is_finite() || unix < 0.0 {
        return None;
    }
    let micros = (unix * 1e6).round() as i64;
    let (secs, micro) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days → civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{micro:06}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_file_names() {
        assert_eq!(date(0.0).unwrap(), "1970-01-01 00:00:00.000000");
        assert_eq!(
            date(1_700_000_000.25).unwrap(),
            "2023-11-14 22:13:20.250000"
        );
        assert_eq!(date(951_782_400.0).unwrap(), "2000-02-29 00:00:00.000000");
        assert_eq!(
            unique_file_stems(["3.13t+PYTHON_GIL=1", "../x", "", "3.13t PYTHON_GIL=1"]),
            ["3.13t_PYTHON_GIL_1", "_.._x", "_", "3.13t_PYTHON_GIL_1-2"]
        );
    }
}
