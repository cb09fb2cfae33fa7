//! `results.csv`, the pyperf suites and `summary.md`.

use serde_json::Value;

use crate::analysis::fixture::*;
use crate::report::{PyperfSuite, csv, pyperf_suites, results_csv, summary_markdown};

/// Splits CSV text into records of fields (RFC 4180 quoting).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

#[test]
fn csv_has_a_row_per_sample_and_quotes_properly() {
    let run = fixture();
    let text = results_csv(&run);
    let records = parse_csv(&text);
    assert_eq!(records[0], csv::COLUMNS);
    assert_eq!(records.len() - 1, run.samples.len());
    assert_eq!(run.samples.len(), 3 * 2 * 3 * 6);
    assert!(records.iter().all(|r| r.len() == csv::COLUMNS.len()));
    let col = |name: &str| csv::COLUMNS.iter().position(|c| *c == name).unwrap();
    let failed: Vec<_> = records
        .iter()
        .filter(|r| r[col("status")] == "failed")
        .collect();
    assert_eq!(failed.len(), 6);
    assert_eq!(
        failed[0][col("message")],
        "RuntimeError: boom, \"quoted\" second line"
    );
    assert_eq!(
        text.lines().count() - 1,
        run.samples.len(),
        "one line per sample"
    );
    assert_eq!(failed[0][col("kind")], "exception");
    assert_eq!(failed[0][col("wall_s")], "");
    let first = &records[1];
    assert_eq!(first[col("build")], "3.13");
    assert_eq!(first[col("warmup")], "true");
    assert_eq!(first[col("scaling")], "weak");
    let gil_4 = records
        .iter()
        .find(|r| {
            r[col("build")] == "3.13" && r[col("threads")] == "4" && r[col("warmup")] == "false"
        })
        .unwrap();
    let p: f64 = gil_4[col("effective_parallelism")].parse().unwrap();
    assert!((p - 1.0).abs() < 0.02, "GIL: one busy worker, got {p}");
    assert!(gil_4[col("wall_s")].parse::<f64>().unwrap() > 3.9);
    assert!(text.contains(&format!("\"{}\"", HOSTILE)) || text.contains(HOSTILE));
}

#[test]
fn csv_has_each_untimed_calls_time() {
    let run = warmed();
    let records = parse_csv(&results_csv(&run));
    let col = |name: &str| csv::COLUMNS.iter().position(|c| *c == name).unwrap();
    let jit = records
        .iter()
        .find(|r| r[col("build")] == "3.13-jit" && r[col("repeat")] == "1")
        .unwrap();
    assert_eq!(
        jit[col("warm_call_s")],
        "0.500000000 0.300000000 0.300000000"
    );
    let plain = parse_csv(&results_csv(&fixture()));
    assert!(plain[1..].iter().all(|r| r[col("warm_call_s")].is_empty()));
}

#[test]
fn pyperf_suites_follow_pyperfs_format() {
    let run = fixture();
    let suites = pyperf_suites(&run);
    let files: Vec<&str> = suites.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(files, ["3.13.json", "3.13t.json", "3.13-jit.json"]);
    let (_, gil) = &suites[0];
    let json = serde_json::to_value(gil).unwrap();
    assert_eq!(json["version"], "1.0");
    assert_eq!(json["metadata"]["gilbench_build"], "3.13");
    assert_eq!(json["metadata"]["python_version"], "3.13.1");
    assert_eq!(json["metadata"]["cpu_count"], 4);
    assert!(json["metadata"].get("gilbench_pyperf_jit").is_none());
    let jit = serde_json::to_value(&suites[2].1).unwrap();
    let hint = jit["metadata"]["gilbench_pyperf_jit"].as_str().unwrap();
    assert!(hint.contains("--inherit-environ PYTHON_JIT"), "{hint}");
    let benchmarks = json["benchmarks"].as_array().unwrap();
    assert_eq!(benchmarks.len(), 6);
    let names: Vec<&str> = benchmarks
        .iter()
        .map(|b| b["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"countdown-threads-2"), "{names:?}");
    assert!(names.contains(&"<script>alert(1)</script>-threads-4"));
    let bench = &benchmarks[names
        .iter()
        .position(|n| *n == "countdown-threads-2")
        .unwrap()];
    assert_eq!(bench["metadata"]["unit"], "second");
    let runs = bench["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6, "one warmup run, five measured runs");
    assert_eq!(runs[0]["warmups"].as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["warmups"][0][0], 1);
    assert!(runs[0].get("values").is_none());
    for r in &runs[1..] {
        let values = r["values"].as_array().unwrap();
        assert_eq!(values.len(), 1);
        let v = values[0].as_f64().unwrap();
        assert!(v > 1.9 && v < 2.1, "{v}");
        assert!(r.get("warmups").is_none());
        assert!(
            r["metadata"]["date"]
                .as_str()
                .unwrap()
                .starts_with("2023-11-14 22:")
        );
        assert!(r["metadata"]["gilbench_seq"].is_u64(), "the sample it was");
    }
    // pyperf metadata: strings on one line, not empty; ints; floats.
    fn check_metadata(value: &Value) {
        for (key, v) in value.as_object().unwrap() {
            match v {
                Value::String(s) => assert!(!s.trim().is_empty() && !s.contains('\n'), "{key}"),
                Value::Number(_) => {}
                other => panic!("metadata {key} is {other}"),
            }
        }
    }
    check_metadata(&json["metadata"]);
    for b in benchmarks {
        check_metadata(&b["metadata"]);
        for r in b["runs"].as_array().unwrap() {
            if let Some(m) = r.get("metadata") {
                check_metadata(m);
            }
        }
    }
    // The failed cell has no benchmark.
    let (_, free) = &suites[1];
    assert!(
        !free
            .benchmarks
            .iter()
            .any(|b| b.metadata["name"] == "countdown-threads-4")
    );
    // Round trip through the JSON text.
    let text = serde_json::to_string_pretty(gil).unwrap();
    let back: PyperfSuite = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, gil);
}

#[test]
fn markdown_summary_has_tables_and_failures() {
    let md = summary_markdown(&fixture());
    assert!(md.starts_with("# gilbench: run 20250101-120000-abcd"));
    assert!(md.contains("## Findings"));
    assert!(
        md.contains("- countdown: flat on 3.13 (1.00× at 4 threads)"),
        "{md}"
    );
    assert!(md.contains("## countdown (weak scaling, threads mode)"));
    assert!(md.contains("| build | 1 thread | 2 threads | 4 threads |"));
    assert!(
        md.contains("| 3.13 | 1.00 s | 2.00 s (1.00×) | 4.00 s (1.00×) |"),
        "{md}"
    );
    assert!(
        md.contains("| 3.13t | 1.35 s | 1.38 s (1.96×) | failed |"),
        "{md}"
    );
    assert!(md.contains("## Failed cells"));
    assert!(md.contains("| 3.13t | countdown | threads | 4 | 6 of 6 | exception | RuntimeError: boom, \"quoted\" second line |"), "{md}");
    assert!(md.contains("## &lt;script&gt;alert(1)&lt;/script&gt; (strong scaling, threads mode)"));
    assert!(!md.contains("<script"));
    assert!(md.contains("3.13 (baseline)"));
}
