//! The resolved set, read from pip's installation report (`pip install
//! --report`, pip 22.2 and later): what was installed, from which file,
//! with which checksum. Kept as an image label and in results.json.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::results::LockedPackage;
use crate::results::packages::normalized;

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
        imports: Vec::new(),
        compiled: Vec::new(),
    })
}

/// Adds what each package holds in the image (`contents.py`'s JSON:
/// name → imports, compiled), matched by normalized name.
pub fn add_contents(packages: &mut [LockedPackage], contents: &str) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Held {
        imports: Vec<String>,
        compiled: Vec<String>,
    }
    let held: std::collections::BTreeMap<String, Held> =
        serde_json::from_str(contents).context("the packages' contents are not JSON")?;
    for (name, held) in held {
        if let Some(p) = packages
            .iter_mut()
            .find(|p| normalized(&p.name) == normalized(&name))
        {
            p.imports = held.imports;
            p.compiled = held.compiled;
        }
    }
    Ok(())
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
