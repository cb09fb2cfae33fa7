//! The journal, appended and flushed as samples arrive.

use std::fs::File;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{BuildRecord, Environment, JOURNAL_FILE, RunConfig, SampleRecord, WorkloadInfo};

/// What a run is: the journal's first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunHeader {
    pub schema_version: u32,
    pub run_id: String,
    pub started_at: String,
    pub command_line: Vec<String>,
    pub config: RunConfig,
    pub environment: Environment,
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JournalEntry {
    /// First line: what the run is.
    Header(RunHeader),
    Build(BuildRecord),
    /// A build whose image could not be had; the others are measured.
    MissingBuild(super::MissingBuild),
    Workloads {
        workloads: Vec<WorkloadInfo>,
    },
    Sample(SampleRecord),
    /// The machine behind an engine, once per engine and run.
    Machine(super::Machine),
    LostEngine(super::LostEngine),
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
    use crate::results::Sample;

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
            disturbed: false,
            machine: None,
            jit_off: None,
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
}
