//! The Python packages installed into a build's image, as pip resolved
//! them: recorded with each build in `results.json`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::BuildRecord;

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
    /// Top-level names it can be imported by, read from its RECORD in the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// Its compiled extension modules present in the image, e.g.
    /// `simplejson._speedups`: an optional accelerator is absent when its
    /// build was skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compiled: Vec<String>,
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

/// How a package came into an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    /// A wheel for this ABI or platform: compiled extension modules.
    CompiledWheel,
    /// A `none-any` wheel: pure Python.
    PureWheel,
    /// Built in the image's build stage from an sdist or a folder.
    BuiltHere,
}

impl LockedPackage {
    pub fn kind(&self) -> PackageKind {
        if self.tags.is_empty() {
            PackageKind::BuiltHere
        } else if self.tags.ends_with("-none-any") {
            PackageKind::PureWheel
        } else {
            PackageKind::CompiledWheel
        }
    }
}

/// One build's copy of a package that builds hold differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageOnBuild {
    pub build: String,
    /// The build's wheel ABI, e.g. `cp313t`.
    pub abi: String,
    pub version: String,
    pub kind: PackageKind,
    #[serde(default)]
    pub tags: String,
    /// Its compiled modules present in the image.
    #[serde(default)]
    pub compiled: Vec<String>,
}

/// A package in two or more builds' locks that differs between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageDifference {
    pub name: String,
    /// Top-level import names, from any build's copy.
    #[serde(default)]
    pub imports: Vec<String>,
    /// What differs: `version`, `kind`, `compiled` (whether compiled modules are present).
    pub differs: Vec<String>,
    pub builds: Vec<PackageOnBuild>,
}

/// The packages that builds' locks hold differently, by name. Builds with
/// one image (a runtime setting on top of another) hold the same set.
pub fn differences(builds: &[BuildRecord]) -> Vec<PackageDifference> {
    let mut by_name: BTreeMap<String, Vec<(&BuildRecord, &LockedPackage)>> = BTreeMap::new();
    for build in builds {
        for package in &build.packages {
            let key = normalized(&package.name);
            by_name.entry(key).or_default().push((build, package));
        }
    }
    by_name
        .into_values()
        .filter(|copies| copies.len() >= 2)
        .filter_map(|copies| {
            let first = copies[0].1;
            let differs: Vec<String> = [
                (
                    "version",
                    copies.iter().any(|c| c.1.version != first.version),
                ),
                ("kind", copies.iter().any(|c| c.1.kind() != first.kind())),
                (
                    "compiled",
                    copies
                        .iter()
                        .any(|c| c.1.compiled.is_empty() != first.compiled.is_empty()),
                ),
            ]
            .into_iter()
            .filter(|(_, d)| *d)
            .map(|(what, _)| what.to_string())
            .collect();
            (!differs.is_empty()).then(|| PackageDifference {
                name: first.name.clone(),
                imports: copies
                    .iter()
                    .flat_map(|c| c.1.imports.iter().cloned())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                differs,
                builds: copies
                    .iter()
                    .map(|(build, p)| PackageOnBuild {
                        build: build.name.clone(),
                        abi: abi_tag(&build.facts),
                        version: p.version.clone(),
                        kind: p.kind(),
                        tags: p.tags.clone(),
                        compiled: p.compiled.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The wheel ABI tag of an interpreter from its facts: "3.13.5" and
/// free-threaded → `cp313t`; empty when the facts do not say.
fn abi_tag(facts: &Value) -> String {
    let version = facts["python_version"].as_str().unwrap_or_default();
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => {
            let t = if facts["py_gil_disabled"] == true {
                "t"
            } else {
                ""
            };
            format!("cp{major}{minor}{t}")
        }
        _ => String::new(),
    }
}

/// A distribution's name as PEP 503 normalizes it: runs of `-`, `_`, `.` are one `-`.
pub fn normalized(name: &str) -> String {
    let lower = name.to_lowercase();
    let parts: Vec<&str> = lower
        .split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    parts.join("-")
}
