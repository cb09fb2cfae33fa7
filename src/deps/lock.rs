//! The resolved set, read from pip's installation report (`pip install
//! --report`, pip 22.2 and later): what was installed, from which file,
//! with which checksum. Kept as an image label and in results.json.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    /// The file pip installed from: a wheel, an sdist, or a local folder.
    pub file: String,
    /// A wheel's tags (`cp313-cp313t-manylinux_2_27_x86_64`); empty for
    /// what was built here from an sdist or a folder.
    #[serde(default)]
    pub tags: String,
    /// The file's SHA-256 as the index published it (empty for local folders).
    #[serde(default)]
    pub sha256: String,
    /// Named by the user, rather than pulled in as a dependency.
    #[serde(default)]
    pub requested: bool,
}

impl LockedPackage {
    /// "numpy 2.4.6 numpy-2.4.6-cp313-cp313t-….whl sha256:ab12…"
    pub fn describe(&self) -> String {
        let from = if self.tags.is_empty() && !self.file.ends_with(".whl") {
            format!("built here from {}", self.file)
        } else {
            self.file.clone()
        };
        let sha = if self.sha256.is_empty() {
            String::new()
        } else {
            format!(" sha256:{}", &self.sha256[..self.sha256.len().min(12)])
        };
        format!("{} {} {from}{sha}", self.name, self.version)
    }
}

/// The installed set of a pip report, sorted by name.
pub fn from_pip_report(report: &str) -> Result<Vec<LockedPackage>> {
    let report: Value = serde_json::from_str(report).context("pip's report is not JSON")?;
    let items = report["install"]
        .as_array()
        .context("pip's report has no `install` list")?;
    let mut packages: Vec<LockedPackage> = items.iter().map(package).collect::<Result<_>>()?;
    packages.sort_by_key(|p| p.name.to_lowercase());
    Ok(packages)
}

fn package(item: &Value) -> Result<LockedPackage> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let metadata = &item["metadata"];
    let info = &item["download_info"];
    let url = text(&info["url"]);
    let file = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .split(['#', '?'])
        .next()
        .unwrap_or_default()
        .to_string();
    let sha256 = match info["archive_info"]["hashes"]["sha256"].as_str() {
        Some(sha) => sha.to_string(),
        None => text(&info["archive_info"]["hash"])
            .strip_prefix("sha256=")
            .unwrap_or_default()
            .to_string(),
    };
    let name = text(&metadata["name"]);
    anyhow::ensure!(
        !name.is_empty(),
        "pip's report lists a package without a name"
    );
    Ok(LockedPackage {
        name,
        version: text(&metadata["version"]),
        tags: wheel_tags(&file).unwrap_or_default(),
        file,
        sha256,
        requested: item["requested"].as_bool().unwrap_or(false),
    })
}

/// The tags of a wheel's file name: `{python}-{abi}-{platform}`.
pub fn wheel_tags(file: &str) -> Option<String> {
    let stem = file.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    // name-version[-build]-python-abi-platform
    (parts.len() >= 5).then(|| parts[parts.len() - 3..].join("-"))
}

/// The lock as an image label's value, and back.
pub fn to_label(packages: &[LockedPackage]) -> String {
    serde_json::to_string(packages).expect("a lock serializes")
}

pub fn from_label(value: &str) -> Vec<LockedPackage> {
    serde_json::from_str(value).unwrap_or_default()
}
