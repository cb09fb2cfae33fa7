//! The resolved set, read from pip's installation report (`pip install
//! --report`, pip 22.2 and later): what was installed, from which file,
//! with which checksum. Kept as an image label and in results.json.

use std::collections::{BTreeMap, BTreeSet};

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
    let held: BTreeMap<String, Held> =
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

/// `--same-versions`: `name==version` for every package that two or more
/// locks hold at different versions, the oldest of them — the newest that
/// every build reached on its own — merged into `pins` (an older pin stays).
pub fn pins(locks: &[Vec<LockedPackage>], pins: &[String]) -> Vec<String> {
    let mut oldest: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut differ = BTreeSet::new();
    let pinned = pins.iter().filter_map(|p| p.split_once("=="));
    let locked = locks
        .iter()
        .flatten()
        .map(|p| (p.name.as_str(), p.version.as_str()));
    for (name, version) in pinned.chain(locked) {
        let key = normalized(name);
        match oldest.get_mut(&key) {
            Some(held) if held.1 != version => {
                differ.insert(key);
                if older(version, &held.1) {
                    held.1 = version.to_string();
                }
            }
            Some(_) => {}
            None => {
                oldest.insert(key, (name.to_string(), version.to_string()));
            }
        }
    }
    let already: BTreeSet<String> = pins
        .iter()
        .filter_map(|p| p.split_once("=="))
        .map(|(n, _)| normalized(n))
        .collect();
    oldest
        .into_iter()
        .filter(|(key, _)| differ.contains(key) || already.contains(key))
        .map(|(_, (name, version))| format!("{name}=={version}"))
        .collect()
}

/// Whether version `a` comes before `b`: by their release numbers
/// (`2.4.6` < `2.10`), then as text (pre-releases and the like).
fn older(a: &str, b: &str) -> bool {
    let release =
        |v: &str| -> Vec<u64> { v.split('.').map_while(|part| part.parse().ok()).collect() };
    (release(a), a) < (release(b), b)
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
