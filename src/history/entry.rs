//! What the store keeps of a run: its identity, where it sits on the axis,
//! its builds and workloads, and each cell's summary as the analysis gives
//! it (never the samples).

use crate::stats::Estimate;

#[derive(Debug, Clone, PartialEq)]
pub struct RunEntry {
    pub run_id: String,
    /// RFC 3339, as in results.json.
    pub started_at: String,
    /// The commit or name the run measured (see `label.rs`).
    pub label: Option<String>,
    pub command: String,
    pub gilbench_version: String,
    /// A merged run's shards' run ids (empty for any other run): a night's
    /// shards and its merge hold the same samples.
    pub shards: Vec<String>,
    pub builds: Vec<BuildEntry>,
    pub workloads: Vec<WorkloadEntry>,
    pub cells: Vec<CellEntry>,
}

impl RunEntry {
    /// The runs whose samples this one holds: a merged run's shards, or
    /// itself.
    pub fn parts(&self) -> Vec<String> {
        if self.shards.is_empty() {
            vec![self.run_id.clone()]
        } else {
            self.shards.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BuildEntry {
    pub name: String,
    pub version: Option<String>,
    /// The CPython source revision of a source build, where known.
    pub revision: Option<String>,
    /// The image's content hash.
    pub image_id: String,
    /// The packages lock, one package a line.
    pub packages: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadEntry {
    pub name: String,
    /// Of the workload's file: a changed file starts a new series.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CellEntry {
    pub machine: String,
    pub build: String,
    pub workload: String,
    pub mode: String,
    pub threads: u32,
    /// Measured samples.
    pub samples: u64,
    /// The median wall time in seconds.
    pub time: Option<Estimate>,
    pub speedup: Option<Estimate>,
    /// Time at one thread relative to the run's baseline build.
    pub cost: Option<Estimate>,
    /// The median peak memory in KiB, where the samples have it.
    pub memory_kb: Option<f64>,
    /// The precision reached (a fraction: 0.03 is ±3 %).
    pub precision: Option<f64>,
}
