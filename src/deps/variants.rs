//! Package variants: several versions of a project (or of its
//! requirements) measured side by side in one run, e.g.
//! `--project base=../main --project head=.`. Every build is measured once
//! per variant, from its own derived image, the variants of a build taken
//! back to back like builds are; the first variant named is the base a
//! gate compares the others with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::DependencyInputs;
use crate::error::invalid_input;
use crate::spec::{BuildSpec, is_variant_name};

/// What one variant installs besides what every variant does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageVariant {
    pub name: String,
    /// Replaces the unnamed `--project` for this variant.
    pub project: Option<PathBuf>,
    /// Added to the unnamed `--requirements`.
    pub requirements: Vec<PathBuf>,
}

/// `NAME=PATH` names a variant's path; anything else (or a path that
/// exists as written, `=` and all) is a path for every variant.
pub fn split_named(text: &str) -> (Option<&str>, &str) {
    match text.split_once('=') {
        Some((name, path)) if is_variant_name(name) && !Path::new(text).exists() => {
            (Some(name), path)
        }
        _ => (None, text),
    }
}

/// Sorts `--project` and `--requirements` values into what every variant
/// installs and the variants, in the order their names first appear.
/// Paths are made absolute.
pub fn from_arguments(
    projects: &[String],
    requirements: &[String],
) -> anyhow::Result<(Option<PathBuf>, Vec<PathBuf>, Vec<PackageVariant>)> {
    let absolute =
        |path: &str| std::path::absolute(path).map_err(|e| invalid_input(format!("{path}: {e}")));
    let mut shared_project = None;
    let mut shared_requirements = Vec::new();
    let mut variants: Vec<PackageVariant> = Vec::new();
    for text in projects {
        let (name, path) = split_named(text);
        let slot = match name {
            Some(name) => {
                let index = index_of(&mut variants, name);
                &mut variants[index].project
            }
            None => &mut shared_project,
        };
        if slot.replace(absolute(path)?).is_some() {
            return Err(invalid_input(format!(
                "--project {text}: {} has a project already; give one per variant",
                name.map_or("every variant".to_string(), |n| format!("variant `{n}`"))
            )));
        }
    }
    for text in requirements {
        let (name, path) = split_named(text);
        let list = match name {
            Some(name) => {
                let index = index_of(&mut variants, name);
                &mut variants[index].requirements
            }
            None => &mut shared_requirements,
        };
        list.push(absolute(path)?);
    }
    if variants.len() == 1 {
        return Err(invalid_input(format!(
            "only one package variant (`{}`): name at least two to compare them, e.g. \
             --project base=../main --project head=., or give the path without a name",
            variants[0].name
        )));
    }
    Ok((shared_project, shared_requirements, variants))
}

/// The index of variant `name`, added at the end when new.
fn index_of(variants: &mut Vec<PackageVariant>, name: &str) -> usize {
    variants
        .iter()
        .position(|v| v.name == name)
        .unwrap_or_else(|| {
            variants.push(PackageVariant {
                name: name.to_string(),
                ..PackageVariant::default()
            });
            variants.len() - 1
        })
}

impl DependencyInputs {
    /// What a build of variant `name` installs (None: a run without
    /// variants): the shared inputs, its project instead of the shared one,
    /// its requirements after the shared ones.
    pub fn for_variant(&self, name: Option<&str>) -> DependencyInputs {
        let mut inputs = DependencyInputs {
            variants: Vec::new(),
            ..self.clone()
        };
        if let Some(variant) = name.and_then(|n| self.variants.iter().find(|v| v.name == n)) {
            if variant.project.is_some() {
                inputs.project.clone_from(&variant.project);
            }
            inputs
                .requirements
                .extend(variant.requirements.iter().cloned());
        }
        inputs
    }

    /// The variants' names, base first.
    pub fn variant_names(&self) -> Vec<String> {
        self.variants.iter().map(|v| v.name.clone()).collect()
    }
}

/// Every build once per variant, base first (a build that names its
/// variant is kept as it is); without variants, the builds as given.
pub fn expand(builds: &[BuildSpec], inputs: &DependencyInputs) -> anyhow::Result<Vec<BuildSpec>> {
    let names = inputs.variant_names();
    let mut expanded: Vec<BuildSpec> = Vec::new();
    for build in builds {
        let each: Vec<BuildSpec> = match &build.package_variant {
            Some(name) if names.contains(name) => vec![build.clone()],
            Some(name) => {
                return Err(invalid_input(format!(
                    "build {build} names package variant `{name}`, which no --project \
                     {name}=DIR or --requirements {name}=FILE defines"
                )));
            }
            None if names.is_empty() => vec![build.clone()],
            None => names
                .iter()
                .map(|n| build.with_package_variant(n))
                .collect(),
        };
        for spec in each {
            if !expanded.contains(&spec) {
                expanded.push(spec);
            }
        }
    }
    Ok(expanded)
}

/// The variants as the journal records them, beside the shared inputs.
pub fn record(variants: &[PackageVariant], into: &mut BTreeMap<String, String>) {
    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    into.insert("variants".into(), names.join("\n"));
    for variant in variants {
        let name = &variant.name;
        into.insert(format!("variant.{name}.project"), lines(&variant.project));
        into.insert(
            format!("variant.{name}.requirements"),
            lines(&variant.requirements),
        );
    }
}

/// Paths one per line.
fn lines<'p>(paths: impl IntoIterator<Item = &'p PathBuf>) -> String {
    let lines: Vec<String> = paths.into_iter().map(|p| p.display().to_string()).collect();
    lines.join("\n")
}

pub fn from_record(record: &BTreeMap<String, String>) -> Vec<PackageVariant> {
    let paths = |key: String| -> Vec<PathBuf> {
        record
            .get(&key)
            .map(|v| v.lines().map(PathBuf::from).collect())
            .unwrap_or_default()
    };
    record
        .get("variants")
        .map(|names| {
            names
                .lines()
                .map(|name| PackageVariant {
                    name: name.to_string(),
                    project: paths(format!("variant.{name}.project")).into_iter().next(),
                    requirements: paths(format!("variant.{name}.requirements")),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn named_paths_make_variants_in_the_order_named_and_plain_ones_are_shared() {
        let (project, requirements, variants) = from_arguments(
            &strings(&["base=/src/main", "head=/src/pr"]),
            &strings(&["/r/common.txt", "head=/r/extra.txt"]),
        )
        .unwrap();
        assert_eq!(project, None);
        assert_eq!(requirements, [PathBuf::from("/r/common.txt")]);
        let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["base", "head"]);
        assert_eq!(variants[1].project, Some(PathBuf::from("/src/pr")));
        assert_eq!(variants[1].requirements, [PathBuf::from("/r/extra.txt")]);

        let inputs = DependencyInputs {
            requirements,
            variants,
            ..DependencyInputs::default()
        };
        let head = inputs.for_variant(Some("head"));
        assert_eq!(head.project, Some(PathBuf::from("/src/pr")));
        assert_eq!(
            head.requirements,
            [
                PathBuf::from("/r/common.txt"),
                PathBuf::from("/r/extra.txt")
            ]
        );
        assert!(head.variants.is_empty());
        let base = inputs.for_variant(Some("base"));
        assert_eq!(base.requirements, [PathBuf::from("/r/common.txt")]);

        let mut record = BTreeMap::new();
        super::record(&inputs.variants, &mut record);
        assert_eq!(from_record(&record), inputs.variants);
    }

    #[test]
    fn every_build_is_measured_once_per_variant_base_first() {
        let (_, _, variants) = from_arguments(&strings(&["base=/a", "head=/b"]), &[]).unwrap();
        let inputs = DependencyInputs {
            variants,
            ..DependencyInputs::default()
        };
        let specs: Vec<BuildSpec> = ["3.13", "3.13t", "3.13t[head]"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let names: Vec<String> = expand(&specs, &inputs)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            names,
            ["3.13[base]", "3.13[head]", "3.13t[base]", "3.13t[head]"]
        );
        let unknown = expand(&["3.13[other]".parse().unwrap()], &inputs).unwrap_err();
        assert!(format!("{unknown:#}").contains("--project other=DIR"));
        let plain = expand(&specs[..1], &DependencyInputs::default()).unwrap();
        assert_eq!(plain, specs[..1]);
    }

    #[test]
    fn one_variant_or_two_projects_for_one_is_an_error() {
        let one = from_arguments(&strings(&["head=/src/pr"]), &[]).unwrap_err();
        assert!(format!("{one:#}").contains("at least two"), "{one:#}");
        let twice = from_arguments(&strings(&["a=/x", "a=/y", "b=/z"]), &[]).unwrap_err();
        assert!(format!("{twice:#}").contains("variant `a`"), "{twice:#}");
        assert_eq!(split_named("./dir"), (None, "./dir"));
        assert_eq!(split_named("1x=/p"), (None, "1x=/p"));
    }
}
