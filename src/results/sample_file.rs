//! Where results.json's samples are. Since schema version 2 each sample is
//! held once, in full, in a gzip-compressed file of JSON lines beside
//! results.json, which names it: the run's sealed journal, or the
//! `samples.jsonl.gz` that `gilbench merge` writes (in the journal's line
//! format, so that one reader serves both). Version 1 held the samples
//! inline in results.json, repeating the journal; such folders still load.

use std::path::Path;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::journal::{deflate, read_lines};
use super::{JournalEntry, SampleRecord};
use crate::atomic::write_atomically;

/// The samples of merged results, beside their results.json.
pub const MERGED_SAMPLES_FILE: &str = "samples.jsonl.gz";

/// How a journal's sample line begins: the tag first, as gilbench writes
/// it. Such a line is read as a sample record directly, without first
/// buffering it to find its type; any other line as a journal entry.
const SAMPLE_LINE: &str = "{\"type\":\"sample\",";

/// results.json's pointer to its samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleFile {
    /// The file, relative to results.json's folder.
    pub path: String,
    /// The results' samples are the file's first this many. A journal only
    /// grows: a resumed run appends to it before it writes results.json
    /// anew, and until then the older results.json reads what it counted.
    pub count: usize,
}

impl SampleFile {
    /// The samples of the results whose folder is `dir`.
    pub fn read(&self, dir: &Path) -> Result<Vec<SampleRecord>> {
        let path = dir.join(&self.path);
        let mut samples = read_lines(&path, sample_of)?;
        if samples.len() < self.count {
            bail!(
                "{} holds {} samples; results.json counts {}",
                path.display(),
                samples.len(),
                self.count
            );
        }
        samples.truncate(self.count);
        Ok(samples)
    }

    /// Writes `samples` into the file `name` in `dir` (replaced whole).
    pub fn write(dir: &Path, name: &str, samples: &[SampleRecord]) -> Result<SampleFile> {
        let mut text = String::new();
        for record in samples {
            text += &serde_json::to_string(&JournalEntry::Sample(record.clone()))?;
            text.push('\n');
        }
        write_atomically(&dir.join(name), &deflate(text.as_bytes())?)?;
        Ok(SampleFile {
            path: name.to_string(),
            count: samples.len(),
        })
    }
}

/// The sample on a journal line, if it holds one.
fn sample_of(line: &str) -> serde_json::Result<Option<SampleRecord>> {
    if line.starts_with(SAMPLE_LINE) {
        return serde_json::from_str(line).map(Some);
    }
    Ok(match serde_json::from_str(line)? {
        JournalEntry::Sample(record) => Some(record),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture::fixture;
    use crate::results::{Journal, RESULTS_FILE, RunResults, SEALED_JOURNAL_FILE};

    #[test]
    fn results_name_their_samples_and_read_as_many_as_they_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = fixture();
        let file = SampleFile::write(dir.path(), MERGED_SAMPLES_FILE, &run.samples).unwrap();
        run.save(dir.path(), file).unwrap();
        let text = std::fs::read_to_string(dir.path().join(RESULTS_FILE)).unwrap();
        assert!(!text.contains("\"samples\""), "each sample is held once");
        assert!(text.contains("\"sample_file\""));
        assert_eq!(RunResults::load(dir.path()).unwrap().samples, run.samples);

        // A journal that grew since (a resumed run not yet ended): the
        // results read the samples they counted.
        let mut journal = Journal::create(dir.path()).unwrap();
        for record in run.samples.iter().chain(&run.samples[..3]) {
            journal
                .write(&JournalEntry::Sample(record.clone()))
                .unwrap();
        }
        journal.seal().unwrap();
        let sealed = SampleFile {
            path: SEALED_JOURNAL_FILE.into(),
            count: run.samples.len(),
        };
        run.save(dir.path(), sealed.clone()).unwrap();
        assert_eq!(RunResults::load(dir.path()).unwrap().samples, run.samples);
        let missing = SampleFile {
            count: run.samples.len() + 4,
            ..sealed
        };
        run.save(dir.path(), missing).unwrap();
        let error = RunResults::load(dir.path()).unwrap_err();
        assert!(
            format!("{error:#}").contains("results.json counts"),
            "{error:#}"
        );
    }

    #[test]
    fn results_of_version_1_with_their_samples_inline_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let run = fixture();
        let mut json = serde_json::to_value(&run).unwrap();
        json["schema_version"] = 1.into();
        json["samples"] = serde_json::to_value(&run.samples).unwrap();
        std::fs::write(dir.path().join(RESULTS_FILE), json.to_string()).unwrap();
        let loaded = RunResults::load(dir.path()).unwrap();
        assert_eq!(loaded.schema_version, 1);
        assert_eq!(loaded.samples, run.samples);
    }
}
