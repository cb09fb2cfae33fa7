//! The journal, appended and flushed as samples arrive. When a run ends
//! (complete, interrupted or aborted) its journal is sealed: compressed
//! into `journal.jsonl.gz`, which results.json names as the file holding
//! the run's samples. Resuming the run unseals it to append again; the
//! sealed copy stays until the run ends anew, so results.json's samples
//! can be read all along (the journal only grows).

use std::fs::File;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use super::{BuildRecord, Environment, JOURNAL_FILE, RunConfig, SampleRecord, WorkloadInfo};
use crate::atomic::write_atomically;

/// The journal of a run that has ended.
pub const SEALED_JOURNAL_FILE: &str = "journal.jsonl.gz";

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

    /// Opens the journal of a run to append to it, unsealing it first if
    /// the run had ended.
    pub fn append_to(dir: &Path) -> Result<Journal> {
        let path = dir.join(JOURNAL_FILE);
        let sealed = dir.join(SEALED_JOURNAL_FILE);
        if !path.exists() && sealed.exists() {
            write_atomically(&path, &inflate(&sealed)?)?;
        }
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

    /// Whether `dir` holds a journal, open or sealed.
    pub fn exists(dir: &Path) -> bool {
        dir.join(JOURNAL_FILE).exists() || dir.join(SEALED_JOURNAL_FILE).exists()
    }

    /// Reads a journal back, open or sealed; a torn last line (a crash
    /// mid-write) is ignored.
    pub fn read(dir: &Path) -> Result<Vec<JournalEntry>> {
        let open = dir.join(JOURNAL_FILE);
        let path = if open.exists() {
            open
        } else {
            dir.join(SEALED_JOURNAL_FILE)
        };
        read_lines(&path, |line| serde_json::from_str(line).map(Some))
    }

    /// Seals the journal: compresses it into [`SEALED_JOURNAL_FILE`]
    /// (replaced whole). The open journal is left for the caller to remove
    /// once results.json names the sealed one.
    pub fn seal(self) -> Result<()> {
        drop(self.file);
        let text = std::fs::read(&self.path)
            .with_context(|| format!("reading {}", self.path.display()))?;
        let sealed = self.path.with_file_name(SEALED_JOURNAL_FILE);
        write_atomically(&sealed, &deflate(&text)?)
    }
}

/// The lines of a JSON-lines file, gzip-compressed if its name ends in
/// `.gz`, each parsed by `parse` (None: left out); a torn last line is
/// ignored.
pub(super) fn read_lines<T>(
    path: &Path,
    parse: impl Fn(&str) -> serde_json::Result<Option<T>>,
) -> Result<Vec<T>> {
    let file = File::open(path).with_context(|| format!("no journal at {}", path.display()))?;
    let reader: Box<dyn BufRead> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let lines: Vec<String> = reader
        .lines()
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {}", path.display()))?;
    let mut items = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        match parse(line) {
            Ok(item) => items.extend(item),
            Err(_) if index + 1 == lines.len() => break,
            Err(e) => anyhow::bail!("{} line {} is corrupt: {e}", path.display(), index + 1),
        }
    }
    Ok(items)
}

/// `bytes`, gzip-compressed.
pub(super) fn deflate(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn inflate(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut MultiGzDecoder::new(File::open(path)?), &mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes)
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
            reproducer: None,
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
    fn a_sealed_journal_reads_back_and_reopens_to_append() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path()).unwrap();
        journal
            .write(&JournalEntry::Sample(sample_record(1)))
            .unwrap();
        journal.seal().unwrap();
        std::fs::remove_file(dir.path().join(JOURNAL_FILE)).unwrap();
        assert!(Journal::exists(dir.path()));
        assert_eq!(Journal::read(dir.path()).unwrap().len(), 1);
        let mut resumed = Journal::append_to(dir.path()).unwrap();
        resumed
            .write(&JournalEntry::Sample(sample_record(2)))
            .unwrap();
        let seqs: Vec<u64> = Journal::read(dir.path())
            .unwrap()
            .into_iter()
            .filter_map(|e| match e {
                JournalEntry::Sample(r) => Some(r.seq),
                _ => None,
            })
            .collect();
        assert_eq!(seqs, [1, 2], "appended to the unsealed journal");
        assert!(
            dir.path().join(SEALED_JOURNAL_FILE).exists(),
            "the sealed copy stays until the run ends anew"
        );
    }
}
