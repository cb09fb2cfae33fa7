//! Every exporter and chart, rendered from hand-built results.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::analysis::{Analysis, VARIANT_LABEL};
use crate::results::{
    BuildRecord, Environment, RunConfig, RunStatus, Sample, SampleRecord, Scaling, WorkloadInfo,
};

pub(crate) const HOSTILE: &str = "<script>alert(1)</script>";

/// What one fabricated sample does.
pub(crate) enum Outcome {
    /// Wall time in seconds, and the CPU time of each worker.
    Ok { wall_s: f64, worker_cpu_s: f64 },
    Failed {
        kind: &'static str,
        message: String,
        stderr: String,
    },
}

/// (build, workload, threads, repeat) → what the sample does; None: no sample.
pub(crate) type OutcomeFn = dyn Fn(&str, &str, u32, u32) -> Option<Outcome>;

/// Fabricates a run: every build × workload × mode × thread count, with
/// `warmup` warmups and `repeat` measured samples, in that order. The
/// outcome of each sample comes from `outcome(build, workload, threads, repeat)`.
pub(crate) struct RunBuilder {
    pub status: RunStatus,
    /// (name, org.gilbench.variant label, facts)
    pub builds: Vec<(String, String, Value)>,
    pub workloads: Vec<(String, Scaling)>,
    pub modes: Vec<Mode>,
    pub threads: Vec<u32>,
    pub repeat: u32,
    pub warmup: u32,
    pub outcome: Box<OutcomeFn>,
}

impl RunBuilder {
    pub fn build(&self) -> RunResults {
        let mut samples = Vec::new();
        let mut seq = 0;
        for (build, _, facts) in &self.builds {
            let free_threaded = facts["py_gil_disabled"].as_bool() == Some(true);
            for (workload, _) in &self.workloads {
                for mode in &self.modes {
                    for threads in &self.threads {
                        let runs = (0..self.warmup)
                            .map(|r| (r, true))
                            .chain((0..self.repeat).map(|r| (r, false)));
                        for (repeat, warmup) in runs {
                            // Warmups reuse the outcome of repeat 0.
                            let which = if warmup { 0 } else { repeat };
                            let Some(outcome) = (self.outcome)(build, workload, *threads, which)
                            else {
                                continue;
                            };
                            seq += 1;
                            let sample = match outcome {
                                Outcome::Ok {
                                    wall_s,
                                    worker_cpu_s,
                                } => json!({
                                    "status": "ok",
                                    "wall_ns": (wall_s * 1e9).round() as u64,
                                    "cpu_ns": (worker_cpu_s * f64::from(*threads) * 1e9 * 1.01).round() as u64,
                                    "worker_cpu_ns": vec![(worker_cpu_s * 1e9).round() as u64; *threads as usize],
                                    "max_rss_kb": 10_240 + u64::from(*threads) * 512,
                                    "check": "ok",
                                    "gil_enabled": !free_threaded,
                                    "warmup": warmup,
                                    "workers": threads,
                                    "mode": mode,
                                    "exit_code": 0,
                                    "duration_ns": ((wall_s + 0.05) * 1e9).round() as u64,
                                }),
                                Outcome::Failed {
                                    kind,
                                    message,
                                    stderr,
                                } => json!({
                                    "status": "failed",
                                    "kind": kind,
                                    "message": message,
                                    "stderr_tail": stderr,
                                    "warmup": warmup,
                                    "workers": threads,
                                    "mode": mode,
                                    "exit_code": 1,
                                }),
                            };
                            let sample: Sample = serde_json::from_value(sample)
                                .expect("fabricated samples match the schema");
                            samples.push(SampleRecord {
                                build: build.clone(),
                                workload: workload.clone(),
                                threads: *threads,
                                repeat,
                                seq,
                                at: 1_700_000_000.0 + seq as f64,
                                sample,
                            });
                        }
                    }
                }
            }
        }
        RunResults {
            schema_version: crate::results::SCHEMA_VERSION,
            gilbench_version: "0.1.0".into(),
            run_id: "20250101-120000-abcd".into(),
            status: self.status,
            started_at: "2025-01-01T12:00:00Z".into(),
            finished_at: Some("2025-01-01T12:10:00Z".into()),
            command_line: vec![
                "gilbench".into(),
                "run".into(),
                "--builds".into(),
                "3.13,3.13t,3.13-jit".into(),
                "--workload".into(),
                HOSTILE.into(),
            ],
            config: RunConfig {
                builds: self.builds.iter().map(|b| b.0.clone()).collect(),
                workloads: self.workloads.iter().map(|w| w.0.clone()).collect(),
                modes: self.modes.clone(),
                threads: self.threads.clone(),
                repeat: self.repeat,
                warmup: self.warmup,
                timeout_s: 60.0,
                cpus: None,
                memory_bytes: 2 << 30,
                seed: 42,
                build_options: BTreeMap::new(),
            },
            environment: Environment {
                host_cpu_model: Some("Fabricated CPU @ 3.0GHz".into()),
                host_cpus: 8,
                host_kernel: Some("6.1.0".into()),
                engine_version: Some("27.0".into()),
                engine_api_version: "1.46".into(),
                engine_os: Some("Debian".into()),
                engine_kernel: Some("6.1.0".into()),
                engine_cpus: Some(4),
                engine_memory_bytes: Some(16 << 30),
            },
            builds: self
                .builds
                .iter()
                .map(|(name, variant, facts)| BuildRecord {
                    name: name.clone(),
                    image: format!("gilbench/cpython:{name}"),
                    image_id: format!("sha256:{:0>64}", name.len()),
                    image_labels: BTreeMap::from([(VARIANT_LABEL.to_string(), variant.clone())]),
                    runtime_env: BTreeMap::new(),
                    facts: facts.clone(),
                })
                .collect(),
            workloads: self
                .workloads
                .iter()
                .map(|(name, scaling)| WorkloadInfo {
                    name: name.clone(),
                    path: format!("/work/{name}.py"),
                    category: Some("cpu".into()),
                    scaling: Some(*scaling),
                    description: Some(format!("what {name} measures, <i>really</i>")),
                    size: Some(1000),
                    modes: vec![Mode::Threads],
                    error: None,
                })
                .collect(),
            samples,
        }
    }
}

fn facts(python: &str, free_threaded: bool, jit: bool) -> Value {
    json!({
        "python_version": python,
        "implementation": "CPython",
        "version": format!("{python} (main) [GCC 12.2.0]"),
        "executable": "/usr/local/bin/python3",
        "config_args": if free_threaded { "'--disable-gil'" } else if jit { "'--enable-experimental-jit'" } else { "'--enable-optimizations'" },
        "py_gil_disabled": free_threaded,
        "gil_enabled_at_start": !free_threaded,
        "gil_enabled_after_import": null,
        "jit_built": jit,
        "jit_enabled": jit,
        "jit_detection": "3.13 _testinternalcapi",
        "cpu_count": 8,
        "process_cpu_count": 4,
        "affinity": [0, 1, 2, 3],
        "cgroup_version": 2,
        "cgroup_cpu_max": "max 100000",
        "cgroup_memory_max": "2147483648",
        "cgroup_pids_max": "max",
        "env": {"PYTHON_GIL": null, "PYTHON_JIT": null},
        "switch_interval": 0.005,
    })
}

/// The standard fixture: 3 builds × 2 workloads × threads [1, 2, 4] × 5
/// repeats (plus a warmup). The GIL builds are flat (weak scaling: T(N) =
/// N·T(1)); the free-threaded build costs 35 % at one thread and scales;
/// the JIT is 20 % faster. 3.13t × countdown × 4 threads fails every time
/// (stderr with HTML in it), and the second workload has a hostile name.
pub(crate) fn fixture() -> RunResults {
    fixture_with(RunStatus::Complete)
}

pub(crate) fn fixture_with(status: RunStatus) -> RunResults {
    RunBuilder {
        status,
        builds: vec![
            (
                "3.13".into(),
                "default".into(),
                facts("3.13.1", false, false),
            ),
            (
                "3.13t".into(),
                "freethreaded".into(),
                facts("3.13.1", true, false),
            ),
            (
                "3.13-jit".into(),
                "jit".into(),
                facts("3.13.1", false, true),
            ),
        ],
        workloads: vec![
            ("countdown".into(), Scaling::Weak),
            (HOSTILE.into(), Scaling::Strong),
        ],
        modes: vec![Mode::Threads],
        threads: vec![1, 2, 4],
        repeat: 5,
        warmup: 1,
        outcome: Box::new(standard_outcome),
    }
    .build()
}

fn standard_outcome(build: &str, workload: &str, threads: u32, repeat: u32) -> Option<Outcome> {
    if build == "3.13t" && workload == "countdown" && threads == 4 {
        return Some(Outcome::Failed {
            kind: "exception",
            message: "RuntimeError: boom, \"quoted\"\nsecond line".into(),
            stderr: "Traceback (most recent call last):\n  <b>html</b>\nRuntimeError: boom".into(),
        });
    }
    let free = build == "3.13t";
    let t1 = match build {
        "3.13t" => 1.35,
        "3.13-jit" => 0.8,
        _ => 1.0,
    };
    let n = f64::from(threads);
    // ±1 % of deterministic noise, different for each repeat.
    let jitter = 1.0 + (f64::from((repeat * 7 + threads) % 5) - 2.0) * 0.005;
    let weak = workload == "countdown";
    let (wall, cpu) = match (weak, free) {
        (true, false) => (t1 * n, t1),
        (true, true) => (t1 * (1.0 + 0.02 * (n - 1.0)), t1),
        (false, false) => (t1, t1 / n),
        (false, true) => (t1 / n * (1.0 + 0.02 * (n - 1.0)), t1 / n),
    };
    Some(Outcome::Ok {
        wall_s: wall * jitter,
        worker_cpu_s: cpu * jitter,
    })
}

/// True if the SVG has a `<text>` element with exactly this (escaped) content.
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n</text>"))
}

fn texts(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn findings_say_what_the_data_show() {
    let found = findings(&fixture());
    let all = texts(&found);
    let countdown = found
        .iter()
        .find(|f| f.kind == FindingKind::Scaling && f.text.starts_with("countdown:"))
        .expect("a scaling finding for countdown");
    assert!(
        countdown.text.contains("flat on 3.13 (1.00× at 4 threads)"),
        "{}",
        countdown.text
    );
    assert!(
        countdown
            .text
            .contains("scales on 3.13t (1.96× at 2 threads)"),
        "{}",
        countdown.text
    );
    assert!(
        countdown
            .text
            .contains("flat on 3.13-jit (1.00× at 4 threads)"),
        "{}",
        countdown.text
    );
    assert!(all.contains(&format!("{HOSTILE}: flat on 3.13")), "{all}");
    assert!(
        all.contains("3.13t costs +35 % at 1 thread compared with 3.13"),
        "{all}"
    );
    assert!(all.contains("3.13-jit is 20 % faster at 1 thread"), "{all}");
    assert!(
        all.contains(
            "Samples failed in 1 cell: 3.13t × countdown at 4 threads (exception, 6 of 6 samples)"
        ),
        "{all}"
    );
    assert!(!all.contains("interrupted"));
    assert!(!found.iter().any(|f| f.kind == FindingKind::Gil), "{all}");
}

#[test]
fn html_is_self_contained_escaped_and_complete() {
    let html = index_html(&fixture()).unwrap();
    assert!(html.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
    ));
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script tag at all");
    assert!(!lower.contains("<b>html"), "stderr is escaped");
    assert!(!lower.contains("<i>really"), "descriptions are escaped");
    // askama escapes as numeric entities, plotters' SVG as named ones.
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&#60;b&#62;html&#60;/b&#62;"));
    for external in [
        "src=",
        "href=\"http",
        "@import",
        "url(",
        "<link",
        "<iframe",
        "<img",
    ] {
        assert!(
            !lower.contains(external),
            "no external resource: {external}"
        );
    }
    // Headline findings, charts, tables, facts, failures, reproduction.
    assert!(html.contains("flat on 3.13 (1.00× at 4 threads)"));
    assert!(html.contains("scales on 3.13t"));
    assert_eq!(
        html.matches("<svg").count(),
        2 + 3 * 2,
        "heatmap, builds, 3 per workload"
    );
    assert!(html.contains("95 % CI of median"));
    assert!(html.contains("3.13.1") && html.contains("--disable-gil"));
    assert!(html.contains("gil_enabled_at_start") && html.contains("0-3"));
    assert!(html.contains("cgroup_cpu_max") && html.contains("PYTHON_GIL unset"));
    assert!(html.contains("RuntimeError: boom"));
    assert!(html.contains("gilbench/cpython:3.13t") && html.contains("sha256:"));
    assert!(html.contains("seed 42"));
    assert!(
        html.contains("gilbench run --builds 3.13,3.13t,3.13-jit --workload &#39;&#60;script&#62;")
    );
    assert!(html.contains("Fabricated CPU"));
}

#[test]
fn charts_have_titles_axes_and_legends() {
    let run = fixture();
    let a = Analysis::new(&run);
    let ctx = plots::WorkloadChart {
        analysis: &a,
        workload: "countdown",
        mode: Mode::Threads,
    };
    let time = plots::time::render(ctx).unwrap();
    assert!(time.starts_with("<svg role=\"img\" aria-label=\"countdown: wall time\""));
    for text in [
        "countdown: wall time",
        "worker threads (log₂ scale)",
        "wall time (s), median; bars: quartiles",
        "4 CPUs",
    ] {
        assert!(time.contains(text), "time chart lacks {text:?}");
    }
    let speedup = plots::speedup::render(ctx).unwrap();
    for text in [
        "speedup (weak scaling)",
        "speedup vs 1 worker (×)",
        "ideal (speedup = N)",
        "1× = no gain",
        "4 CPUs",
    ] {
        assert!(speedup.contains(text), "speedup chart lacks {text:?}");
    }
    let parallelism = plots::parallelism::render(ctx).unwrap();
    for text in [
        "effective parallelism",
        "busy workers (worker CPU s / wall s)",
        "ideal (all N busy)",
        "4 CPUs available",
    ] {
        assert!(
            parallelism.contains(text),
            "parallelism chart lacks {text:?}"
        );
    }
    let heatmap = plots::heatmap::render(&a).unwrap().unwrap();
    for text in [
        "Speedup at each",
        "no gain (1×)",
        "&lt;script&gt;",
        "1.96× @2 ⚠",
        "some samples failed",
    ] {
        assert!(heatmap.contains(text), "heatmap lacks {text:?}");
    }
    let builds = plots::builds::render(&a).unwrap().unwrap();
    for text in [
        "Time at 1 worker relative to 3.13",
        "+35 %",
        "-20 %",
        "change in median wall time",
    ] {
        assert!(builds.contains(text), "builds chart lacks {text:?}");
    }
    for build in ["3.13", "3.13t", "3.13-jit"] {
        for svg in [&time, &speedup, &parallelism, &heatmap] {
            assert!(has_text(svg, build), "legend or label {build}");
        }
    }
    assert!(has_text(&heatmap, "countdown"));
    assert!(has_text(&builds, "3.13t") && has_text(&builds, "3.13-jit"));
    assert!(!has_text(&builds, "3.13"), "the baseline has no bar");
    let hostile = plots::time::render(plots::WorkloadChart {
        workload: HOSTILE,
        ..ctx
    })
    .unwrap();
    assert!(hostile.contains("&lt;script&gt;alert(1)&lt;/script&gt;: wall time"));
    for svg in [&time, &speedup, &parallelism, &heatmap, &builds, &hostile] {
        assert!(!svg.contains("<script"), "escaped in SVG");
    }
}

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

#[test]
fn render_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let written = render(&fixture(), dir.path()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "index.html",
            "summary.md",
            "results.csv",
            "pyperf/3.13.json",
            "pyperf/3.13t.json",
            "pyperf/3.13-jit.json"
        ]
    );
    for path in &written {
        assert!(
            std::fs::metadata(path).unwrap().len() > 100,
            "{}",
            path.display()
        );
    }
    // Rendering again replaces the files.
    render(&fixture(), dir.path()).unwrap();
}

#[test]
fn partial_runs_render() {
    // Interrupted: the headline says so.
    let mut run = fixture_with(RunStatus::Interrupted);
    run.samples.retain(|s| s.threads < 4);
    let found = texts(&findings(&run));
    assert!(
        found.starts_with("This run was interrupted: 12 of 18 planned cells have measurements"),
        "{found}"
    );
    let html = index_html(&run).unwrap();
    assert!(html.contains("This run was interrupted"));
    let dir = tempfile::tempdir().unwrap();
    render(&run, dir.path()).unwrap();

    // Only failures: no statistics, no pyperf files, still a report.
    let mut failed = fixture_with(RunStatus::Complete);
    failed
        .samples
        .retain(|s| s.sample.status != crate::results::SampleStatus::Ok);
    let dir = tempfile::tempdir().unwrap();
    let written = render(&failed, dir.path()).unwrap();
    assert_eq!(written.len(), 3, "no pyperf file without measurements");
    let found = texts(&findings(&failed));
    assert!(found.contains("No sample was measured"), "{found}");
    let html = index_html(&failed).unwrap();
    assert!(html.contains("No speedup to show"));
    assert!(summary_markdown(&failed).contains("| 3.13t | countdown | threads | 4 |"));

    // A build with no samples, and a single thread count.
    let mut single = RunBuilder {
        status: RunStatus::Complete,
        builds: vec![
            (
                "3.13".into(),
                "default".into(),
                facts("3.13.1", false, false),
            ),
            (
                "3.14".into(),
                "default2".into(),
                facts("3.14.0", false, false),
            ),
        ],
        workloads: vec![("countdown".into(), Scaling::Weak)],
        modes: vec![Mode::Threads],
        threads: vec![2],
        repeat: 3,
        warmup: 0,
        outcome: Box::new(|b, w, t, r| {
            if b == "3.14" {
                None
            } else {
                standard_outcome(b, w, t, r)
            }
        }),
    }
    .build();
    single.environment = Environment::default();
    let dir = tempfile::tempdir().unwrap();
    render(&single, dir.path()).unwrap();
    let html = index_html(&single).unwrap();
    assert!(html.contains("3.14"), "the empty build is listed");
    assert!(html.contains("no measurements") || html.contains("<svg"));

    // Nothing at all.
    let mut empty = fixture_with(RunStatus::Aborted);
    empty.samples.clear();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(render(&empty, dir.path()).unwrap().len(), 3);
    assert!(texts(&findings(&empty)).contains("This run was aborted"));
}

#[test]
fn gil_turned_back_on_is_reported() {
    let mut run = fixture();
    for s in &mut run.samples {
        if s.build == "3.13t" && s.workload == "countdown" {
            s.sample.gil_enabled = Some(true);
        }
    }
    let found = findings(&run);
    let gil = found
        .iter()
        .find(|f| f.kind == FindingKind::Gil)
        .expect("a GIL finding");
    assert!(
        gil.text
            .starts_with("The GIL was on while countdown ran on 3.13t"),
        "{}",
        gil.text
    );
}

/// Renders the fixture into $GILBENCH_REPORT_DEMO (default /tmp/report-demo)
/// to look at it: `cargo test --lib report::tests::demo -- --ignored`.
#[test]
#[ignore]
fn demo() {
    let dir = std::env::var("GILBENCH_REPORT_DEMO").unwrap_or_else(|_| "/tmp/report-demo".into());
    for path in render(&fixture(), Path::new(&dir)).unwrap() {
        println!("{}", path.display());
    }
}

/// A bigger fabricated run (4 builds, 2 modes, 6 worker counts) into
/// $GILBENCH_REPORT_DEMO_BIG (default /tmp/report-demo-big).
#[test]
#[ignore]
fn demo_big() {
    let dir =
        std::env::var("GILBENCH_REPORT_DEMO_BIG").unwrap_or_else(|_| "/tmp/report-demo-big".into());
    let run = RunBuilder {
        status: RunStatus::Interrupted,
        builds: vec![
            (
                "3.13".into(),
                "default".into(),
                facts("3.13.1", false, false),
            ),
            (
                "3.13t".into(),
                "freethreaded".into(),
                facts("3.13.1", true, false),
            ),
            (
                "3.13-jit".into(),
                "jit".into(),
                facts("3.13.1", false, true),
            ),
            (
                "3.14t+PYTHON_GIL=1".into(),
                "freethreaded".into(),
                facts("3.14.0", true, false),
            ),
        ],
        workloads: vec![
            ("countdown".into(), Scaling::Weak),
            ("primes".into(), Scaling::Strong),
            ("sleep".into(), Scaling::Weak),
        ],
        modes: vec![Mode::Threads, Mode::Processes],
        threads: vec![1, 2, 3, 4, 8, 16],
        repeat: 7,
        warmup: 1,
        outcome: Box::new(|b, w, t, r| {
            if w == "sleep" {
                return Some(Outcome::Ok {
                    wall_s: 0.3 + f64::from(r) * 0.001,
                    worker_cpu_s: 0.001,
                });
            }
            let b = if b.starts_with("3.14t") { "3.13" } else { b };
            let t = t.min(4);
            standard_outcome(b, if w == "primes" { HOSTILE } else { w }, t, r)
        }),
    }
    .build();
    for path in render(&run, Path::new(&dir)).unwrap() {
        println!("{}", path.display());
    }
}

#[test]
fn helpers_format_and_parse() {
    assert_eq!(fmt_seconds(1.234), "1.23 s");
    assert_eq!(fmt_seconds(0.0456), "45.6 ms");
    assert_eq!(fmt_seconds(0.000789), "789 µs");
    assert_eq!(fmt_change(1.35), "+35 %");
    assert_eq!(fmt_change(0.88), "-12 %");
    assert_eq!(fmt_change(1.031), "+3.1 %");
    assert_eq!(fmt_times(1.953), "1.95×");
    assert_eq!(markdown::md("a|b <c> *d*"), r"a\|b &lt;c&gt; \*d\*");
    assert_eq!(one_line("a\nb\u{1b}[2J"), "a b\u{FFFD}[2J");
    assert_eq!(csv::quote("a,b"), "\"a,b\"");
    assert_eq!(csv::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv::quote("plain"), "plain");
}
