//! gilbench's folder on the host: fetched sources, build logs and locks,
//! and what earlier work took ([`Durations`]).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// `$GILBENCH_CACHE`, else `$XDG_CACHE_HOME/gilbench`, else `~/.cache/gilbench`.
    pub fn open() -> Result<Cache> {
        let root = match std::env::var_os("GILBENCH_CACHE") {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("XDG_CACHE_HOME") {
                Some(dir) => PathBuf::from(dir).join("gilbench"),
                None => {
                    let home = std::env::var_os("HOME")
                        .context("neither GILBENCH_CACHE, XDG_CACHE_HOME nor HOME is set")?;
                    PathBuf::from(home).join(".cache").join("gilbench")
                }
            },
        };
        Cache::at(root)
    }

    pub fn at(root: PathBuf) -> Result<Cache> {
        for sub in ["sources", "logs", "locks", "tmp"] {
            fs::create_dir_all(root.join(sub))
                .with_context(|| format!("creating cache folder {}", root.join(sub).display()))?;
        }
        Ok(Cache { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Verified source tarballs, named by what they are.
    pub fn sources(&self) -> PathBuf {
        self.root.join("sources")
    }

    /// Full logs of builds.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Scratch space on the same filesystem as the cache, for atomic renames.
    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Takes an exclusive lock named `key`, waiting for other holders (in
    /// this or another process); released when the guard is dropped.
    pub async fn lock(&self, key: &str) -> Result<File> {
        let path = self.root.join("locks").join(format!("{key}.lock"));
        tokio::task::spawn_blocking(move || {
            let file = File::create(&path)
                .with_context(|| format!("creating lock file {}", path.display()))?;
            file.lock()
                .with_context(|| format!("locking {}", path.display()))?;
            Ok(file)
        })
        .await?
    }
}

/// Seconds by key in one JSON file of the cache: what earlier work took,
/// for estimates. Unreadable or unwritable files only lose estimates.
pub struct Durations {
    path: PathBuf,
    seconds: BTreeMap<String, f64>,
}

impl Durations {
    pub fn load(cache: &Cache, file: &str) -> Durations {
        let path = cache.root().join(file);
        let seconds = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Durations { path, seconds }
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.seconds.get(key).copied()
    }

    pub fn set(&mut self, key: String, seconds: f64) {
        self.seconds.insert(key, seconds);
    }

    pub fn save(&self) {
        if let Ok(json) = serde_json::to_vec_pretty(&self.seconds) {
            let _ = crate::atomic::write_atomically(&self.path, &json);
        }
    }
}
