//! Which of the packages that builds hold differently a workload imports:
//! the packages behind a build's cost or speedup on it.

use std::collections::BTreeSet;

use super::Analysis;
use crate::results::{PackageDifference, PackageOnBuild};

/// One package as two builds hold it, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackagePair<'a> {
    pub name: &'a str,
    pub build: &'a PackageOnBuild,
    pub other: &'a PackageOnBuild,
}

impl PackagePair<'_> {
    pub fn kinds_differ(&self) -> bool {
        self.build.kind != self.other.kind
            || self.build.compiled.is_empty() != self.other.compiled.is_empty()
    }

    pub fn versions_differ(&self) -> bool {
        self.build.version != self.other.version
    }
}

impl<'a> Analysis<'a> {
    /// Top-level modules outside the standard library that `workload`'s
    /// samples imported, on any build.
    pub fn imports_of(&self, workload: &str) -> BTreeSet<&'a str> {
        self.samples
            .iter()
            .filter(|s| s.workload == workload)
            .flat_map(|s| s.sample.imports.iter().flatten())
            .map(String::as_str)
            .collect()
    }

    /// The packages `workload` imports that `build` and `other` hold differently.
    pub fn packages_behind(
        &self,
        build: &str,
        other: &str,
        workload: &str,
    ) -> Vec<PackagePair<'_>> {
        let imports = self.imports_of(workload);
        self.package_differences
            .iter()
            .filter(|d| d.imports.iter().any(|i| imports.contains(i.as_str())))
            .filter_map(|d| pair(d, build, other))
            .collect()
    }
}

fn pair<'d>(d: &'d PackageDifference, build: &str, other: &str) -> Option<PackagePair<'d>> {
    let on = |name: &str| d.builds.iter().find(|b| b.build == name);
    let p = PackagePair {
        name: &d.name,
        build: on(build)?,
        other: on(other)?,
    };
    (p.kinds_differ() || p.versions_differ()).then_some(p)
}
