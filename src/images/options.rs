//! Everything besides the spec that decides how an image is had: the
//! profile, the source, the base, the registry, the packages; and how a
//! run's journal records them.

use std::collections::BTreeMap;

use anyhow::Result;

use super::base;
use crate::spec::SourceSpec;

/// How CPython is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// PGO + LTO (`--enable-optimizations --with-lto`), as official releases are built.
    Optimized,
    /// A plain build: several times faster to build, a little slower to run.
    Quick,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Optimized, Profile::Quick];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Optimized => "optimized",
            Profile::Quick => "quick",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = crate::error::Error;
    fn from_str(text: &str) -> Result<Profile, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == text)
            .ok_or_else(|| {
                crate::error::Error::InvalidInput(format!(
                    "unknown profile `{text}` (optimized, quick)"
                ))
            })
    }
}

/// Everything besides the spec that decides how an image is had.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub profile: Profile,
    pub source: SourceSpec,
    pub configure_args: Vec<String>,
    pub base: String,
    pub registry: Option<String>,
    pub pull: bool,
    pub sha256: Option<String>,
    pub apt_options: Vec<String>,
    pub python_org_mirror: String,
    /// Python packages installed into a derived image of every build.
    pub dependencies: crate::deps::DependencyInputs,
}

impl BuildOptions {
    /// The options as the run's journal and results record them.
    pub fn record(&self) -> BTreeMap<String, String> {
        let mut record = BTreeMap::from([
            ("profile".into(), self.profile.name().into()),
            ("source".into(), self.source.to_string()),
            ("base".into(), self.base.clone()),
            ("configure_args".into(), self.configure_args.join(" ")),
            ("registry".into(), self.registry.clone().unwrap_or_default()),
            ("pull".into(), self.pull.to_string()),
            ("sha256".into(), self.sha256.clone().unwrap_or_default()),
            ("apt_options".into(), self.apt_options.join(" ")),
            ("python_org_mirror".into(), self.python_org_mirror.clone()),
        ]);
        self.dependencies.record(&mut record);
        record
    }

    /// The options a recorded run used; what an older journal did not
    /// record takes its default.
    pub fn from_record(record: &BTreeMap<String, String>) -> Result<BuildOptions> {
        let text = |key: &str| record.get(key).map(String::as_str).unwrap_or_default();
        let words = |key: &str| text(key).split_whitespace().map(str::to_string).collect();
        let optional = |key: &str| Some(text(key).to_string()).filter(|v| !v.is_empty());
        Ok(BuildOptions {
            profile: optional("profile")
                .as_deref()
                .unwrap_or("optimized")
                .parse()?,
            source: optional("source").as_deref().unwrap_or("auto").parse()?,
            configure_args: words("configure_args"),
            base: optional("base").unwrap_or_else(|| base::DEFAULT_BASE.to_string()),
            registry: optional("registry"),
            pull: text("pull") != "false",
            sha256: optional("sha256"),
            apt_options: words("apt_options"),
            python_org_mirror: optional("python_org_mirror")
                .unwrap_or_else(|| DEFAULT_PYTHON_ORG_MIRROR.to_string()),
            dependencies: crate::deps::DependencyInputs::from_record(record),
        })
    }
}

/// Where python.org release tarballs come from unless told otherwise.
pub const DEFAULT_PYTHON_ORG_MIRROR: &str = "https://www.python.org/ftp/python";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_build_options_come_back_as_they_were() {
        let options = BuildOptions {
            profile: Profile::Quick,
            source: "debian".parse().unwrap(),
            configure_args: vec!["--with-pydebug".into(), "--without-doc-strings".into()],
            base: "gilbench/debian:trixie".into(),
            registry: Some("127.0.0.1:5000".into()),
            pull: false,
            sha256: Some("ab".repeat(32)),
            apt_options: vec!["-o".into(), "Acquire::Check-Valid-Until=false".into()],
            python_org_mirror: "http://127.0.0.1:8000".into(),
            dependencies: crate::deps::DependencyInputs {
                requirements: vec!["/w/requirements.txt".into(), "/r.txt".into()],
                pip: vec!["numpy>=2".into(), "six".into()],
                project: Some("/src/project".into()),
                pip_options: vec!["--only-binary=:all:".into()],
                ca_cert: None,
                same_versions: true,
                pins: Vec::new(),
                variants: Vec::new(),
            },
        };
        let back = BuildOptions::from_record(&options.record()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{options:?}"));
    }

    #[test]
    fn an_older_record_resumes_with_defaults() {
        let record = BTreeMap::from([
            ("profile".to_string(), "quick".to_string()),
            ("source".to_string(), "auto".to_string()),
        ]);
        let options = BuildOptions::from_record(&record).unwrap();
        assert_eq!(options.profile, Profile::Quick);
        assert_eq!(options.base, base::DEFAULT_BASE);
        assert!(options.pull && options.registry.is_none() && options.sha256.is_none());
        assert_eq!(options.python_org_mirror, DEFAULT_PYTHON_ORG_MIRROR);
        assert!(
            BuildOptions::from_record(&BTreeMap::from([(
                "profile".to_string(),
                "fastest".to_string()
            )]))
            .is_err()
        );
    }
}
