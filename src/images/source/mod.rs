//! Getting CPython's source onto the host as one verified tarball.
//!
//! Every source ends as a file in the cache whose SHA-256 (or git commit)
//! identifies it; the build context then holds that file, whatever its origin.
//! Release tarballs are cached under one name, `Python-X.Y.Z.tar.xz`, whether
//! they came from python.org or as Debian's pristine `.orig` tarball: the
//! bytes are the same, and so is the image built from them.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::base::BaseImage;
use super::options::BuildOptions;
use crate::cache::Cache;
use crate::engine::Engine;
use crate::progress::Task;
use crate::spec::{BuildSpec, SourceSpec};

mod debian;
mod local;
mod python_org;

use debian::fetch_debian;
use local::{git_source, local_tarball, pack_directory};
use python_org::download_release;

/// A source ready to go into a build context.
pub struct PreparedSource {
    pub tarball: PathBuf,
    /// What the image hash records: `sha256:…` of the tarball or `git:<commit>`.
    pub identity: String,
    /// The release the tree must be, when the source decides it.
    pub release: Option<String>,
    /// Where it came from, for labels and messages.
    pub origin: String,
    /// Kept alive until the build is done (sources made on the fly).
    _scratch: Option<tempfile::TempPath>,
}

pub async fn prepare(
    engine: &Engine,
    cache: &Cache,
    base: &BaseImage,
    spec: &BuildSpec,
    source: &SourceSpec,
    options: &BuildOptions,
    task: &mut Task,
) -> Result<PreparedSource> {
    match source {
        SourceSpec::Auto => {
            let release = spec.version.release();
            if let Some(cached) = cached_release(cache, &release)? {
                return Ok(cached);
            }
            task.stage("trying python.org");
            match download_release(cache, spec, options).await {
                Ok(prepared) => Ok(prepared),
                Err(e) => {
                    task.note(&format!(
                        "python.org unavailable ({e:#}); using Debian's source package"
                    ));
                    fetch_debian(engine, cache, base, spec, options, task).await
                }
            }
        }
        SourceSpec::PythonOrg => {
            let release = spec.version.release();
            if let Some(cached) = cached_release(cache, &release)? {
                return Ok(cached);
            }
            task.stage("downloading from python.org");
            download_release(cache, spec, options).await
        }
        SourceSpec::Debian => fetch_debian(engine, cache, base, spec, options, task).await,
        SourceSpec::Tarball(path) => local_tarball(path, spec),
        SourceSpec::Directory(path) => {
            task.stage("packing the source tree");
            let path = path.clone();
            let cache_tmp = cache.tmp();
            let spec = spec.clone();
            let origin = format!("source tree {}", path.display());
            tokio::task::spawn_blocking(move || pack_directory(&path, &cache_tmp, &spec, origin))
                .await?
        }
        SourceSpec::Git { url, reference } => {
            task.stage("fetching from git");
            let (url, reference, cache_root) =
                (url.clone(), reference.clone(), cache.root().to_path_buf());
            let spec = spec.clone();
            tokio::task::spawn_blocking(move || git_source(&url, &reference, &cache_root, &spec))
                .await?
        }
        SourceSpec::DebianBinary => unreachable!("prebuilt interpreters need no source"),
    }
}

fn release_file(cache: &Cache, release: &str) -> PathBuf {
    cache.sources().join(format!("Python-{release}.tar.xz"))
}

/// What is known of a cached release tarball, kept beside it.
#[derive(Serialize, Deserialize)]
struct ReleaseRecord {
    sha256: String,
    origin: String,
}

fn cached_release(cache: &Cache, release: &str) -> Result<Option<PreparedSource>> {
    let path = release_file(cache, release);
    let Ok(text) = fs::read_to_string(path.with_extension("xz.json")) else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let record: ReleaseRecord = serde_json::from_str(&text)?;
    Ok(Some(PreparedSource {
        tarball: path,
        identity: format!("sha256:{}", record.sha256),
        release: Some(release.to_string()),
        origin: record.origin,
        _scratch: None,
    }))
}

/// Moves a verified tarball into the cache under its release name.
fn store_release(
    cache: &Cache,
    file: &Path,
    release: &str,
    sha256: &str,
    origin: &str,
) -> Result<PreparedSource> {
    let target = release_file(cache, release);
    fs::rename(file, &target).with_context(|| format!("storing {}", target.display()))?;
    fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    let record = ReleaseRecord {
        sha256: sha256.to_string(),
        origin: origin.to_string(),
    };
    fs::write(
        target.with_extension("xz.json"),
        serde_json::to_string(&record)?,
    )?;
    Ok(PreparedSource {
        tarball: target,
        identity: format!("sha256:{sha256}"),
        release: Some(release.to_string()),
        origin: origin.to_string(),
        _scratch: None,
    })
}

fn copy_hashing(reader: &mut dyn Read, writer: &mut dyn Write) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        writer.write_all(&buffer[..n])?;
    }
    writer.flush()?;
    Ok(hex::encode(hasher.finalize()))
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    copy_hashing(&mut file, &mut std::io::sink())
        .with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
impl PreparedSource {
    pub fn for_tests(tarball: &str, identity: &str, release: Option<&str>) -> PreparedSource {
        PreparedSource {
            tarball: tarball.into(),
            identity: identity.to_string(),
            release: release.map(str::to_string),
            origin: "test".to_string(),
            _scratch: None,
        }
    }
}
