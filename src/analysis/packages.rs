//! Which of the packages that builds hold differently a workload imports:
//! the packages behind a build's cost or speedup on it.

use std::collections::BTreeSet;

use super::Analysis;
use crate::results::{BuildRecord, PackageDifference, PackageOnBuild, SampleRecord, packages};

/// One package as two builds hold it, where the two differ.
#[derive(Debug, Clone, PartialEq)]
pub struct PackagePair {
    pub name: String,
    pub build: PackageOnBuild,
    pub other: PackageOnBuild,
}

impl PackagePair {
    pub fn kinds_differ(&self) -> bool {
        self.build.kind != self.other.kind
            || self.build.compiled.is_empty() != self.other.compiled.is_empty()
    }

    pub fn versions_differ(&self) -> bool {
        self.build.version != self.other.version
    }
}

/// Top-level modules outside the standard library that `workload`'s
/// samples imported, on any build.
pub fn imports_of<'s>(
    samples: impl IntoIterator<Item = &'s SampleRecord>,
    workload: &str,
) -> BTreeSet<&'s str> {
    samples
        .into_iter()
        .filter(|s| s.workload == workload)
        .flat_map(|s| s.sample.imports.iter().flatten())
        .map(String::as_str)
        .collect()
}

/// Of `differences`, the packages among `imports` that `build` and
/// `other` hold differently.
pub fn behind(
    differences: &[PackageDifference],
    imports: &BTreeSet<&str>,
    build: &str,
    other: &str,
) -> Vec<PackagePair> {
    differences
        .iter()
        .filter(|d| d.imports.iter().any(|i| imports.contains(i.as_str())))
        .filter_map(|d| {
            let on = |name: &str| d.builds.iter().find(|b| b.build == name).cloned();
            let p = PackagePair {
                name: d.name.clone(),
                build: on(build)?,
                other: on(other)?,
            };
            (p.kinds_differ() || p.versions_differ()).then_some(p)
        })
        .collect()
}

/// The packages a changed cell's workload imports that its two sides
/// hold differently.
#[derive(Debug, Clone, PartialEq)]
pub struct PackagesBehind {
    pub workload: String,
    /// `build` is the new side, `other` the base.
    pub pairs: Vec<PackagePair>,
}

/// One changed cell of a comparison: (base build, new build, workload).
pub(super) type ChangedCell<'c> = (&'c str, &'c str, &'c str);

/// The packages behind each changed cell, once per build pair and
/// workload; `name(build, "base" | "new")` is a side's build as `records` name it.
pub(super) fn packages_behind<'c, 's>(
    changed: impl IntoIterator<Item = ChangedCell<'c>>,
    records: &[BuildRecord],
    samples: impl Iterator<Item = &'s SampleRecord> + Clone,
    name: impl Fn(&str, &str) -> String,
) -> Vec<PackagesBehind> {
    let differences = packages::differences(records);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for cell @ (base_build, new_build, workload) in changed {
        if !seen.insert(cell) {
            continue;
        }
        let imports = imports_of(samples.clone(), workload);
        let pairs = behind(
            &differences,
            &imports,
            &name(new_build, "new"),
            &name(base_build, "base"),
        );
        if !pairs.is_empty() {
            out.push(PackagesBehind {
                workload: workload.to_string(),
                pairs,
            });
        }
    }
    out
}

impl Analysis<'_> {
    /// The packages `workload` imports that `build` and `other` hold differently.
    pub fn packages_behind(&self, build: &str, other: &str, workload: &str) -> Vec<PackagePair> {
        let imports = imports_of(self.samples.iter().copied(), workload);
        behind(&self.package_differences, &imports, build, other)
    }
}
