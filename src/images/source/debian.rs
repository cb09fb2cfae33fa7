//! Debian's source package: its `.orig` tarball is the pristine upstream
//! release, fetched in a throwaway container and checked against the
//! published checksum when one is known.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{PreparedSource, cached_release, copy_hashing, store_release};
use crate::cache::Cache;
use crate::engine::Engine;
use crate::error::{image_unavailable, invalid_input};
use crate::images::base::{BaseImage, apt_advice};
use crate::images::options::BuildOptions;
use crate::lines::tail_lines;
use crate::progress::Task;
use crate::spec::BuildSpec;
use crate::versions;

const FETCH_DEBIAN_SOURCE: &str = include_str!("../../../dockerfiles/fetch-debian-source.sh");

/// Remembered result of fetching a Debian source package.
#[derive(Serialize, Deserialize)]
struct DebianRecord {
    package: String,
    release: String,
    file: String,
}

pub(super) async fn fetch_debian(
    engine: &Engine,
    cache: &Cache,
    base: &BaseImage,
    spec: &BuildSpec,
    options: &BuildOptions,
    task: &mut Task,
) -> Result<PreparedSource> {
    let package = spec.version.table().debian_source_package;
    if package.is_empty() {
        return Err(invalid_input(format!(
            "gilbench knows no Debian source package for {}; use another --source",
            spec.version
        )));
    }
    let record_path = cache.sources().join(format!("debian-{package}.json"));
    let wanted = spec.version.patch.map(|_| spec.version.release());
    if let Some(cached) = cached(cache, &record_path, wanted.as_deref())? {
        return Ok(cached);
    }

    task.stage(&format!("fetching Debian source package {package}"));
    let archive = download(engine, base, package, &options.apt_options, task).await?;
    let tmp = tempfile::NamedTempFile::new_in(cache.tmp())?;
    let (name, sha256) = extract_orig(&archive, &tmp, package)?;
    let release = verified_release(&name, &sha256, package, wanted.as_deref(), spec)?;
    let prepared = store_release(
        cache,
        &tmp.into_temp_path().keep()?,
        &release,
        &sha256,
        &format!("Debian source package {package}"),
    )?;
    let record = DebianRecord {
        package: package.to_string(),
        release,
        file: prepared.tarball.display().to_string(),
    };
    fs::write(&record_path, serde_json::to_string_pretty(&record)?)?;
    Ok(prepared)
}

/// The release tarball fetched earlier from the package (its record at
/// `record_path`), or the wanted release however it came, if cached.
fn cached(
    cache: &Cache,
    record_path: &Path,
    wanted: Option<&str>,
) -> Result<Option<PreparedSource>> {
    if let Ok(text) = fs::read_to_string(record_path) {
        let record: DebianRecord = serde_json::from_str(&text)?;
        if wanted.is_none_or(|w| w == record.release)
            && let Some(cached) = cached_release(cache, &record.release)?
        {
            return Ok(Some(cached));
        }
    }
    match wanted {
        Some(release) => cached_release(cache, release),
        None => Ok(None),
    }
}

/// The source package's files, as a tar archive, fetched with apt in a
/// throwaway container of the base image.
async fn download(
    engine: &Engine,
    base: &BaseImage,
    package: &str,
    apt_options: &[String],
    task: &mut Task,
) -> Result<Vec<u8>> {
    let mut command = vec![
        "sh".to_string(),
        "-c".to_string(),
        FETCH_DEBIAN_SOURCE.to_string(),
        "fetch-debian-source".to_string(),
        package.to_string(),
    ];
    command.extend(apt_options.iter().cloned());
    let run = engine
        .run_helper(&base.name, command, &mut |line| task.log_line(line))
        .await?;
    let archive = if run.exit_code == 0 {
        engine.download(&run.container_id, "/out").await
    } else {
        Err(anyhow::anyhow!("exit code {}", run.exit_code))
    };
    engine.remove_container(&run.container_id).await;
    archive.map_err(|e| {
        let advice = apt_advice(&run.output.lines().collect::<Vec<_>>())
            .map(|a| format!("\nhint: {a}"))
            .unwrap_or_default();
        image_unavailable(format!(
            "could not fetch Debian's source package {package} ({e:#}); its output ended with:\n{}{advice}",
            tail_lines(&run.output, 15)
        ))
    })
}

/// Copies the package's `.orig` tarball out of `archive` into `tmp`:
/// its file name and SHA-256.
fn extract_orig(
    archive: &[u8],
    tmp: &tempfile::NamedTempFile,
    package: &str,
) -> Result<(String, String)> {
    let mut tar = tar::Archive::new(archive);
    let mut found = None;
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry
            .path()?
            .file_name()
            .map(|n| n.to_string_lossy().to_string());
        let is_orig = |n: &String| {
            [".orig.tar.xz", ".orig.tar.gz", ".orig.tar.bz2"]
                .iter()
                .any(|e| n.ends_with(e))
        };
        if let Some(name) = name.filter(is_orig) {
            let sha256 = copy_hashing(&mut entry, &mut tmp.as_file())?;
            found = Some((name, sha256));
        }
    }
    found.ok_or_else(|| {
        image_unavailable(format!(
            "Debian's {package} source package has no .orig tarball"
        ))
    })
}

/// The release an `.orig` tarball holds, once its checksum matches the
/// published one (when known) and it is the release wanted (when one is).
fn verified_release(
    name: &str,
    sha256: &str,
    package: &str,
    wanted: Option<&str>,
    spec: &BuildSpec,
) -> Result<String> {
    // python3.13_3.13.5.orig.tar.xz -> 3.13.5
    let release = name
        .split_once('_')
        .and_then(|(_, rest)| rest.split_once(".orig"))
        .map(|(version, _)| version.split('+').next().unwrap_or(version).to_string())
        .with_context(|| format!("unexpected file name {name}"))?;
    if let Some(published) = versions::known_release_sha256(&release)
        && published != sha256
    {
        return Err(image_unavailable(format!(
            "Debian's {name} does not match the published SHA-256 of CPython {release} \
             (expected {published}, got {sha256}); it is discarded"
        )));
    }
    if let Some(wanted) = wanted
        && wanted != release
    {
        return Err(image_unavailable(format!(
            "Debian's source package {package} holds CPython {release}, not {wanted}; ask for \
             3.{} or {release}, or use another --source",
            spec.version.minor
        )));
    }
    Ok(release)
}
