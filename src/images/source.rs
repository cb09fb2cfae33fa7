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
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::BuildOptions;
use super::base::BaseImage;
use crate::cache::Cache;
use crate::engine::Engine;
use crate::error::{image_unavailable, invalid_input};
use crate::lines::tail_lines;
use crate::progress::Task;
use crate::spec::{BuildSpec, SourceSpec};
use crate::versions;

const FETCH_DEBIAN_SOURCE: &str = include_str!("../../dockerfiles/fetch-debian-source.sh");

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

/// Remembered result of fetching a Debian source package.
#[derive(Serialize, Deserialize)]
struct DebianRecord {
    package: String,
    release: String,
    file: String,
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

async fn download_release(
    cache: &Cache,
    spec: &BuildSpec,
    options: &BuildOptions,
) -> Result<PreparedSource> {
    let release = spec.version.release();
    let expected = match (&options.sha256, versions::known_release_sha256(&release)) {
        (Some(given), _) => given.to_lowercase(),
        (None, Some(known)) => known.to_string(),
        (None, None) => {
            let page = format!(
                "https://www.python.org/downloads/release/python-{}/",
                release.replace('.', "")
            );
            return Err(image_unavailable(format!(
                "gilbench has no published SHA-256 for Python-{release}.tar.xz and will not build \
                 an unverified download; pass --sha256 HEX (the release's page, {page}, lists \
                 each file's SHA-256), or use another source (--source debian). Running \
                 scripts/refresh-releases.py updates gilbench's list of known releases"
            )));
        }
    };
    let url = format!(
        "{}/{release}/Python-{release}.tar.xz",
        options.python_org_mirror.trim_end_matches('/')
    );
    let tmp_dir = cache.tmp();
    let (file, sha256) = tokio::task::spawn_blocking(move || download(&url, &tmp_dir)).await??;
    if sha256 != expected {
        bail!(image_unavailable(format!(
            "Python-{release}.tar.xz does not match its published checksum: expected {expected}, \
             got {sha256}; the download is discarded"
        )));
    }
    store_release(cache, &file, &release, &sha256, "python.org")
}

fn download(url: &str, tmp_dir: &Path) -> Result<(tempfile::TempPath, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(900)))
        .build()
        .into();
    let response = agent
        .get(url)
        .call()
        .with_context(|| format!("downloading {url}"))?;
    let mut reader = response.into_body().into_reader();
    let mut file = tempfile::NamedTempFile::new_in(tmp_dir)?;
    let sha256 = copy_hashing(&mut reader, file.as_file_mut())
        .with_context(|| format!("downloading {url}"))?;
    Ok((file.into_temp_path(), sha256))
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

async fn fetch_debian(
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
    if let Ok(text) = fs::read_to_string(&record_path) {
        let record: DebianRecord = serde_json::from_str(&text)?;
        if wanted.as_ref().is_none_or(|w| *w == record.release)
            && let Some(cached) = cached_release(cache, &record.release)?
        {
            return Ok(cached);
        }
    }
    if let Some(release) = &wanted
        && let Some(cached) = cached_release(cache, release)?
    {
        return Ok(cached);
    }

    task.stage(&format!("fetching Debian source package {package}"));
    let mut command = vec![
        "sh".to_string(),
        "-c".to_string(),
        FETCH_DEBIAN_SOURCE.to_string(),
        "fetch-debian-source".to_string(),
        package.to_string(),
    ];
    command.extend(options.apt_options.iter().cloned());
    let run = engine
        .run_helper(&base.name, command, &mut |line| task.log_line(line))
        .await?;
    let archive = if run.exit_code == 0 {
        engine.download(&run.container_id, "/out").await
    } else {
        Err(anyhow::anyhow!("exit code {}", run.exit_code))
    };
    engine.remove_container(&run.container_id).await;
    let archive = archive.map_err(|e| {
        image_unavailable(format!(
            "could not fetch Debian's source package {package} ({e:#}); its output ended with:\n{}",
            tail_lines(&run.output, 15)
        ))
    })?;

    let mut tar = tar::Archive::new(archive.as_slice());
    let tmp = tempfile::NamedTempFile::new_in(cache.tmp())?;
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
    let (name, sha256) = found.ok_or_else(|| {
        image_unavailable(format!(
            "Debian's {package} source package has no .orig tarball"
        ))
    })?;
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
    if let Some(wanted) = &wanted
        && *wanted != release
    {
        return Err(image_unavailable(format!(
            "Debian's source package {package} holds CPython {release}, not {wanted}; ask for \
             3.{} or {release}, or use another --source",
            spec.version.minor
        )));
    }
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

fn local_tarball(path: &Path, spec: &BuildSpec) -> Result<PreparedSource> {
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
fn pack_directory(
    dir: &Path,
    tmp_dir: &Path,
    spec: &BuildSpec,
    origin: String,
) -> Result<PreparedSource> {
    let release = tree_release(dir, spec)?;
    let mut files: Vec<PathBuf> = if dir.join(".git").exists() {
        let listing = run_git(
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            Some(dir),
        )?;
        listing
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .filter(|p| fs::symlink_metadata(dir.join(p)).is_ok_and(|m| m.is_file()))
            .collect()
    } else {
        let mut found = Vec::new();
        walk(dir, Path::new(""), &mut found)?;
        found
    };
    files.sort();
    let tmp = tempfile::NamedTempFile::new_in(tmp_dir)?;
    {
        let mut builder = tar::Builder::new(tmp.as_file());
        for relative in &files {
            let full = dir.join(relative);
            let metadata = fs::metadata(&full)?;
            let mode = if is_executable(&metadata) {
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

fn walk(root: &Path, relative: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let path = relative.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if kind.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

fn is_executable(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

fn run_git(args: &[&str], dir: Option<&Path>) -> Result<String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let output = command
        .args(args)
        .output()
        .context("running git (is git installed?)")?;
    if !output.status.success() {
        return Err(image_unavailable(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// What a packed git commit turned out to be.
#[derive(Serialize, Deserialize)]
struct GitRecord {
    sha256: String,
    release: String,
}

/// Mirrors the repository into the cache, resolves the ref to a commit, and
/// packs that commit's tree like a source folder (cached per commit).
fn git_source(
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
        run_git(&["remote", "update", "--prune"], Some(&mirror))?;
    } else {
        let target = mirror.to_string_lossy().to_string();
        run_git(&["clone", "--quiet", "--mirror", url, &target], None)?;
    }
    let commit = run_git(
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
