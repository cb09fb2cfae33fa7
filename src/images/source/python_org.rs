//! Release tarballs from python.org (or a mirror of it), verified against
//! their published SHA-256 before anything is built from them.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::{PreparedSource, copy_hashing, store_release};
use crate::cache::Cache;
use crate::error::image_unavailable;
use crate::images::options::BuildOptions;
use crate::spec::BuildSpec;
use crate::versions;

pub(super) async fn download_release(
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
