//! The results of a run: one `Serialize` type *is* the `results.json`
//! schema (documented in docs/results.md), the journal that is appended as
//! samples arrive, and the atomic write of the final file.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::runner::{Mode, Sample, SampleStatus, Scaling, WorkloadInfo};

/// Bumped on any incompatible change of `results.json` or the journal.
pub const SCHEMA_VERSION: u32 = 1;
pub const RESULTS_FILE: &str = "results.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// `results.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResults {
    pub schema_version: u32,
    pub gilbench_version: String,
    pub run_id: String,
    /// "complete", "interrupted" or "aborted" (the engine was lost).
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub command_line: Vec<String>,
    pub config: RunConfig,
    pub environment: Environment,
    pub builds: Vec<BuildRecord>,
    pub workloads: Vec<WorkloadInfo>,
    pub samples: Vec<SampleRecord>,
}

/// What was asked for; enough to resume or reproduce the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub builds: Vec<String>,
    pub workloads: Vec<String>,
    pub modes: Vec<Mode>,
    pub threads: Vec<u32>,
    pub repeat: u32,
    pub warmup: u32,
    pub timeout_s: f64,
    /// The cpuset given to every container, e.g. "0,1" (None: all CPUs).
    pub cpus: Option<String>,
    pub memory_bytes: i64,
    pub seed: u64,
    /// Build options as given on the command line (profile, source, …).
    pub build_options: BTreeMap<String, String>,
}

/// Where the run happened.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Environment {
    /// CPU model of the machine gilbench ran on (from /proc/cpuinfo).
    pub host_cpu_model: Option<String>,
    pub host_cpus: usize,
    pub host_kernel: Option<String>,
    pub engine_version: Option<String>,
    pub engine_api_version: String,
    pub engine_os: Option<String>,
    pub engine_kernel: Option<String>,
    pub engine_cpus: Option<i64>,
    pub engine_memory_bytes: Option<i64>,
}

/// One build measured in the run: its image and interpreter facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRecord {
    /// The spec as given, e.g. "3.13t+PYTHON_GIL=1": the build's name in results.
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub image_labels: BTreeMap<String, String>,
    pub runtime_env: BTreeMap<String, String>,
    /// What `runner.py` reported about the interpreter (see workloads/README.md).
    pub facts: Value,
}

/// One sample with its place in the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    pub build: String,
    pub workload: String,
    pub threads: u32,
    /// Index among the cell's warmups or among its measured repeats.
    pub repeat: u32,
    /// Order in which samples were taken in the run.
    pub seq: u64,
    /// Unix time (seconds) when the sample finished.
    pub at: f64,
    pub sample: Sample,
}

impl SampleRecord {
    pub fn key(&self) -> SampleKey {
        SampleKey {
            cell: self.cell(),
            repeat: self.repeat,
            warmup: self.sample.warmup,
        }
    }

    pub fn cell(&self) -> CellKey {
        CellKey {
            build: self.build.clone(),
            workload: self.workload.clone(),
            mode: self.sample.mode,
            threads: self.threads,
        }
    }

    pub fn is_measurement(&self) -> bool {
        !self.sample.warmup && self.sample.status == SampleStatus::Ok
    }
}

/// One cell of the matrix: build × workload × mode × threads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub build: String,
    pub workload: String,
    pub mode: Mode,
    pub threads: u32,
}

/// One sample's place: a cell, and which warmup or repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleKey {
    pub cell: CellKey,
    pub repeat: u32,
    pub warmup: bool,
}

impl RunResults {
    pub fn workload(&self, name: &str) -> Option<&WorkloadInfo> {
        self.workloads.iter().find(|w| w.name == name)
    }

    pub fn scaling_of(&self, workload: &str) -> Scaling {
        self.workload(workload)
            .and_then(|w| w.scaling)
            .unwrap_or(Scaling::Strong)
    }

    pub fn load(path: &Path) -> Result<RunResults> {
        let file = if path.is_dir() {
            path.join(RESULTS_FILE)
        } else {
            path.to_path_buf()
        };
        let text =
            fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        // The version first, so that another version gets a clear message
        // rather than a field-by-field mismatch.
        #[derive(Deserialize)]
        struct Versioned {
            #[serde(default)]
            schema_version: u64,
        }
        let version = serde_json::from_str::<Versioned>(&text)
            .with_context(|| format!("{} is not a gilbench results file", file.display()))?
            .schema_version;
        if version != u64::from(SCHEMA_VERSION) {
            anyhow::bail!(crate::error::Error::InvalidInput(format!(
                "{} has schema version {version}; this gilbench reads version {SCHEMA_VERSION}",
                file.display()
            )));
        }
        serde_json::from_str(&text)
            .with_context(|| format!("{} does not match the results schema", file.display()))
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// folder, fsync, rename, fsync of the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing into {}", dir.display()))?;
    tmp.write_all(bytes)?;
    // Temporary files are private; results are meant to be read and shared.
    tmp.as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JournalEntry {
    /// First line: what the run is.
    Header {
        schema_version: u32,
        run_id: String,
        started_at: String,
        command_line: Vec<String>,
        config: RunConfig,
        environment: Environment,
    },
    Build(BuildRecord),
    Workloads {
        workloads: Vec<WorkloadInfo>,
    },
    Sample(SampleRecord),
}

/// The journal: appended and flushed to disk as each entry arrives, so a
/// run killed at any moment can be resumed without repeating samples.
pub struct Journal {
    file: File,
    pub path: PathBuf,
}

impl Journal {
    pub fn create(dir: &Path) -> Result<Journal> {
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        Ok(Journal { file, path })
    }

    pub fn append_to(dir: &Path) -> Result<Journal> {
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(Journal { file, path })
    }

    pub fn write(&mut self, entry: &JournalEntry) -> Result<()> {
        let mut line = serde_json::to_string(entry)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()?;
        Ok(())
    }

    /// Reads a journal back; a torn last line (a crash mid-write) is ignored.
    pub fn read(dir: &Path) -> Result<Vec<JournalEntry>> {
        let path = dir.join(JOURNAL_FILE);
        let file =
            File::open(&path).with_context(|| format!("no journal at {}", path.display()))?;
        let lines: Vec<String> = BufReader::new(file).lines().collect::<Result<_, _>>()?;
        let mut entries = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            match serde_json::from_str(line) {
                Ok(entry) => entries.push(entry),
                Err(_) if index + 1 == lines.len() => break,
                Err(e) => anyhow::bail!("{} line {} is corrupt: {e}", path.display(), index + 1),
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_record(seq: u64) -> SampleRecord {
        let sample: Sample = serde_json::from_value(serde_json::json!({
            "status": "ok", "wall_ns": 1_000_000, "workers": 2, "mode": "threads", "warmup": false
        }))
        .unwrap();
        SampleRecord {
            build: "3.13t".into(),
            workload: "fib".into(),
            threads: 2,
            repeat: 0,
            seq,
            at: 0.0,
            sample,
        }
    }

    #[test]
    fn journal_round_trips_and_survives_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path()).unwrap();
        journal
            .write(&JournalEntry::Sample(sample_record(1)))
            .unwrap();
        journal
            .write(&JournalEntry::Sample(sample_record(2)))
            .unwrap();
        drop(journal);
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL_FILE))
            .unwrap();
        file.write_all(b"{\"type\":\"sample\",\"bui").unwrap();
        let entries = Journal::read(dir.path()).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(matches!(&entries[1], JournalEntry::Sample(r) if r.seq == 2));
        assert!(
            Journal::create(dir.path()).is_err(),
            "a journal is never overwritten"
        );
    }

    #[test]
    fn atomic_write_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }
}
