//! Synthetic runs, written as a run leaves its folder: results.json
//! (schema 2) naming the sealed journal that holds every sample.

use std::path::Path;

use gilbench::results::{RunResults, SEALED_JOURNAL_FILE, SampleFile};
use serde_json::json;

/// Every build × workload × thread count (1, 2, 4, …) × repeat of a run.
pub struct SyntheticRun<'a> {
    pub run_id: &'a str,
    pub started_at: &'a str,
    pub builds: usize,
    pub workloads: usize,
    pub threads: usize,
    pub repeats: usize,
    /// What each workload's wall times are multiplied by: a night's drift,
    /// or a step.
    pub slowdown: &'a (dyn Fn(usize) -> f64 + Sync),
    /// The samples carry their peak memory, as runs do since it is measured.
    pub memory: bool,
}

impl SyntheticRun<'_> {
    /// Writes the run into `dir` (created if needed); returns its number of
    /// cells.
    pub fn write(&self, dir: &Path) -> usize {
        std::fs::create_dir_all(dir).unwrap();
        let build_names: Vec<String> = (0..self.builds)
            .map(|b| ["3.13", "3.13t", "3.13-jit", "3.14", "3.14t"][b % 5].to_string())
            .collect();
        let thread_counts: Vec<u32> = (0..self.threads as u32).map(|t| 1 << t).collect();
        let mut samples = Vec::new();
        let mut seq = 0u64;
        for (b, build) in build_names.iter().enumerate() {
            for w in 0..self.workloads {
                for &t in &thread_counts {
                    for r in 0..self.repeats {
                        seq += 1;
                        let free_threaded = build.ends_with('t');
                        let base = 0.2 + 0.01 * w as f64;
                        let wall = if free_threaded {
                            base * 1.3
                        } else {
                            base * t as f64
                        } * (1.0 + 0.01 * ((seq * 7919) % 13) as f64)
                            * (self.slowdown)(w);
                        let wall_ns = (wall * 1e9) as u64;
                        let mut sample = json!({
                            "build": build, "workload": format!("workload_{w:02}"), "threads": t, "repeat": r,
                            "seq": seq, "at": 1.8e9 + seq as f64,
                            "sample": {
                                "status": "ok", "wall_ns": wall_ns, "cpu_ns": wall_ns * u64::from(t),
                                "worker_cpu_ns": vec![wall_ns; t as usize], "max_rss_kb": 10240 + b,
                                "warmup": false, "workers": t, "mode": "threads", "size": 1000,
                                "stdout_tail": "", "stderr_tail": "", "exit_code": 0, "duration_ns": wall_ns + 30_000_000
                            }
                        });
                        if self.memory {
                            sample["sample"]["rss_setup_kb"] = json!(10240);
                            sample["sample"]["rss_peak_kb"] = json!(20480 + 1024 * t as usize + b);
                        }
                        samples.push(sample);
                    }
                }
            }
        }
        let results = json!({
            "schema_version": 1, "gilbench_version": "synthetic", "run_id": self.run_id, "status": "complete",
            "started_at": self.started_at, "finished_at": self.started_at,
            "command_line": ["gilbench", "run"],
            "config": {
                "builds": build_names, "workloads": [], "modes": ["threads"], "threads": thread_counts,
                "repeat": self.repeats, "warmup": 0, "timeout_s": 120.0, "cpus": null, "memory_bytes": 2147483648u64,
                "seed": 1, "build_options": {}
            },
            "environment": { "host_cpus": 128, "engine_api_version": "1.41" },
            "builds": build_names.iter().map(|b| json!({
                "name": b, "image": format!("gilbench/cpython:{b}"), "image_id": "sha256:0", "image_labels": {
                    "org.gilbench.variant": if b.ends_with('t') { "free-threaded" } else if b.ends_with("jit") { "jit" } else { "default" }
                }, "runtime_env": {}, "facts": {"python_version": "3.13.5"}
            })).collect::<Vec<_>>(),
            "workloads": (0..self.workloads).map(|w| json!({
                "name": format!("workload_{w:02}"), "path": format!("/gilbench/workloads/workload_{w:02}.py"),
                "category": "cpu", "scaling": "weak", "description": "synthetic", "size": 1000, "modes": ["threads"],
                "sha256": format!("{w:064x}")
            })).collect::<Vec<_>>(),
            "samples": samples,
        });
        // Written as a run writes them: the samples once, in the sealed
        // journal, and results.json naming it.
        let mut results: RunResults = serde_json::from_value(results).unwrap();
        let samples = SampleFile::write(dir, SEALED_JOURNAL_FILE, &results.samples).unwrap();
        results.save(dir, samples).unwrap();
        self.builds * self.workloads * self.threads
    }
}
