//! Sources on this machine: a tarball, a source tree (e.g. a CPython
//! checkout), or a git repository and ref, each packed into one tarball with
//! fixed metadata so that equal trees make equal images.

use std::fs::{self, File};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{PreparedSource, sha256_file};
use crate::error::invalid_input;
use crate::spec::BuildSpec;
use crate::tree::{self, git};

pub(super) fn local_tarball(path: &Path, spec: &BuildSpec) -> Result<PreparedSource> {
    if !path.is_file() {
        return Err(invalid_input(format!(
            "source tarball {} does not exist or is not a file",
            path.display()
        )));
    }
    let sha256 = sha256_file(path)?;
    Ok(PreparedSource {
        tarball: path.to_path_buf(),
        identity: format!("sha256:{sha256}"),
        release: spec.version.patch.map(|_| spec.version.release()),
        origin: format!("tarball {}", path.display()),
        _scratch: None,
    })
}

/// Packs a source tree into a reproducible tar (sorted, zero times, one
/// `cpython/` folder), using git's file list when the tree is a checkout so
/// build outputs stay out. Equal trees give equal tarballs, whether they
/// come from a folder or a git commit, and so the same image.
pub(super) fn pack_directory(
    dir: &Path,
    tmp_dir: &Path,
    spec: &BuildSpec,
    origin: String,
) -> Result<PreparedSource> {
    let release = tree_release(dir, spec)?;
    let files = tree::files(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(tmp_dir)?;
    {
        let mut builder = tar::Builder::new(tmp.as_file());
        for relative in &files {
            let full = dir.join(relative);
            let metadata = fs::metadata(&full)?;
            let mode = if tree::is_executable(&metadata) {
                0o755
            } else {
                0o644
            };
            let mut header = crate::archive::fixed_header(metadata.len(), mode);
            let name = Path::new("cpython").join(relative);
            builder.append_data(&mut header, name, File::open(&full)?)?;
        }
        builder.finish()?;
    }
    let path = tmp.into_temp_path();
    let sha256 = sha256_file(&path)?;
    Ok(PreparedSource {
        tarball: path.to_path_buf(),
        identity: format!("sha256:{sha256}"),
        release: Some(release),
        origin,
        _scratch: Some(path),
    })
}

/// The release a source tree holds (`Include/patchlevel.h`), checked
/// against the spec before anything is built.
fn tree_release(dir: &Path, spec: &BuildSpec) -> Result<String> {
    let header = dir.join("Include").join("patchlevel.h");
    let text = fs::read_to_string(&header).map_err(|_| {
        invalid_input(format!(
            "{} is not a CPython source tree (no Include/patchlevel.h)",
            dir.display()
        ))
    })?;
    let release = text
        .lines()
        .find_map(|line| line.strip_prefix("#define PY_VERSION"))
        .and_then(|rest| rest.trim().strip_prefix('"')?.split('"').next())
        .map(str::to_string)
        .with_context(|| format!("no PY_VERSION in {}", header.display()))?;
    tree_release_matches(&release, spec)?;
    Ok(release)
}

/// What a packed git commit turned out to be.
#[derive(Serialize, Deserialize)]
struct GitRecord {
    sha256: String,
    release: String,
}

/// Mirrors the repository into the cache, resolves the ref to a commit, and
/// packs that commit's tree like a source folder (cached per commit).
pub(super) fn git_source(
    url: &str,
    reference: &str,
    cache_root: &Path,
    spec: &BuildSpec,
) -> Result<PreparedSource> {
    let mirrors = cache_root.join("git");
    fs::create_dir_all(&mirrors)?;
    let url_hash = hex::encode(Sha256::digest(url.as_bytes()));
    let mirror = mirrors.join(format!("{}.git", &url_hash[..16]));
    if mirror.exists() {
        git(&["remote", "update", "--prune"], Some(&mirror))?;
    } else {
        let target = mirror.to_string_lossy().to_string();
        git(&["clone", "--quiet", "--mirror", url, &target], None)?;
    }
    let commit = git(
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
        Some(&mirror),
    )
    .map_err(|_| invalid_input(format!("ref `{reference}` is not in {url}")))?;
    let origin = format!("git {url}#{reference} ({})", &commit[..12]);
    let archive = cache_root.join("sources").join(format!("git-{commit}.tar"));
    let record_path = archive.with_extension("json");
    if archive.exists()
        && let Ok(text) = fs::read_to_string(&record_path)
    {
        let record: GitRecord = serde_json::from_str(&text)?;
        tree_release_matches(&record.release, spec)?;
        return Ok(PreparedSource {
            tarball: archive,
            identity: format!("sha256:{}", record.sha256),
            release: Some(record.release),
            origin,
            _scratch: None,
        });
    }
    let checkout = tempfile::tempdir_in(cache_root.join("tmp"))?;
    let exported = Command::new("git")
        .arg("-C")
        .arg(&mirror)
        .args(["archive", "--format=tar", &commit])
        .output()
        .context("running git archive")?;
    if !exported.status.success() {
        bail!(
            "git archive {commit} failed: {}",
            String::from_utf8_lossy(&exported.stderr)
        );
    }
    tar::Archive::new(exported.stdout.as_slice()).unpack(checkout.path())?;
    let packed = pack_directory(checkout.path(), &cache_root.join("tmp"), spec, origin)?;
    let sha256 = packed.identity.trim_start_matches("sha256:").to_string();
    let release = packed.release.clone().unwrap_or_default();
    fs::copy(&packed.tarball, &archive)?;
    fs::write(
        &record_path,
        serde_json::to_string(&GitRecord { sha256, release })?,
    )?;
    Ok(PreparedSource {
        tarball: archive,
        _scratch: None,
        ..packed
    })
}

fn tree_release_matches(release: &str, spec: &BuildSpec) -> Result<()> {
    let ok = match spec.version.patch {
        Some(_) => release == spec.version.release(),
        None => release.starts_with(&format!("3.{}.", spec.version.minor)),
    };
    if ok {
        Ok(())
    } else {
        Err(invalid_input(format!(
            "the source holds CPython {release}, but the build asks for {}",
            spec.version
        )))
    }
}
