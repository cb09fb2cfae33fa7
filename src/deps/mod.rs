//! Python packages a run's code needs, installed into a derived image at
//! build time (never at run time: bench containers have no network).
//!
//! `DependencyInputs` is what the command line named; `Dependencies` is
//! what those names hold, read once, with the content hash that names the
//! derived image. `network` says how pip reaches its index, `lock` reads
//! what pip resolved; `images::derived` builds the derived image.

pub mod lock;
pub mod network;
pub mod variants;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::error::invalid_input;

/// Where the build context's `pip/` folder lands in the build stage.
pub const PIP_DIR: &str = "/tmp/pip";

/// The constraints file of `--same-versions`, in the build context's `pip/`.
pub const CONSTRAINTS: &str = "constraints.txt";

/// The requirements file a workload folder may hold.
pub const WORKLOAD_REQUIREMENTS: &str = "requirements.txt";

/// What the command line named; paths are absolute so that a resumed run
/// finds them from anywhere.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DependencyInputs {
    /// Files in pip's requirements format.
    pub requirements: Vec<PathBuf>,
    /// Requirement specifiers, e.g. `numpy>=2`.
    pub pip: Vec<String>,
    /// A local project (`pyproject.toml` or `setup.py`), installed as `pip install DIR` would.
    pub project: Option<PathBuf>,
    /// Extra arguments for `pip install`.
    pub pip_options: Vec<String>,
    /// A CA bundle for pip; None: the host's, when its pip configuration names one.
    pub ca_cert: Option<PathBuf>,
    /// One version set for all builds (`--same-versions`).
    pub same_versions: bool,
    /// Constraints every build installs with (`name==version`): set by
    /// `--same-versions` once each build's own resolution is known.
    pub pins: Vec<String>,
    /// Versions of the project or its requirements, each measured as a
    /// variant of every build (see `variants`); empty: one set for all.
    pub variants: Vec<variants::PackageVariant>,
}

impl DependencyInputs {
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
            && self.pip.is_empty()
            && self.project.is_none()
            && self.variants.is_empty()
    }

    /// Adds the `requirements.txt` of every workload folder among `paths`
    /// (the workloads given as files or folders).
    pub fn add_workload_requirements(&mut self, paths: &[PathBuf]) {
        for path in paths {
            let file = path.join(WORKLOAD_REQUIREMENTS);
            if file.is_file() && !self.requirements.contains(&file) {
                self.requirements.push(file);
            }
        }
    }

    /// Checks that every path exists, so that a typo fails before any
    /// build, and that the options go together.
    pub fn check(&self) -> Result<()> {
        if !self.variants.is_empty() && self.same_versions {
            return Err(invalid_input(
                "--same-versions holds builds to one version set, which package variants \
                 differ in by design: pin the shared packages in a requirements file instead",
            ));
        }
        for name in self.variant_names() {
            self.for_variant(Some(&name)).check_paths()?;
        }
        self.check_paths()
    }

    fn check_paths(&self) -> Result<()> {
        for file in self.requirements.iter().chain(&self.ca_cert) {
            if !file.is_file() {
                return Err(invalid_input(format!("{} is not a file", file.display())));
            }
        }
        if let Some(project) = &self.project
            && !["pyproject.toml", "setup.py"]
                .iter()
                .any(|f| project.join(f).is_file())
        {
            return Err(invalid_input(format!(
                "--project {}: no pyproject.toml or setup.py there",
                project.display()
            )));
        }
        Ok(())
    }

    /// The inputs as the run's journal records them (one value per line).
    pub fn record(&self, into: &mut BTreeMap<String, String>) {
        let lines = |items: Vec<String>| items.join("\n");
        let paths = |p: &[PathBuf]| lines(p.iter().map(|p| p.display().to_string()).collect());
        into.insert("requirements".into(), paths(&self.requirements));
        into.insert("pip".into(), lines(self.pip.clone()));
        into.insert("project".into(), paths(self.project.as_slice()));
        into.insert("pip_options".into(), lines(self.pip_options.clone()));
        into.insert("ca_cert".into(), paths(self.ca_cert.as_slice()));
        into.insert("same_versions".into(), self.same_versions.to_string());
        variants::record(&self.variants, into);
    }

    pub fn from_record(record: &BTreeMap<String, String>) -> DependencyInputs {
        let lines = |key: &str| -> Vec<String> {
            record
                .get(key)
                .map(|v| v.lines().map(str::to_string).collect())
                .unwrap_or_default()
        };
        let path = |key: &str| lines(key).first().map(PathBuf::from);
        DependencyInputs {
            requirements: lines("requirements").iter().map(PathBuf::from).collect(),
            pip: lines("pip"),
            project: path("project"),
            pip_options: lines("pip_options"),
            ca_cert: path("ca_cert"),
            same_versions: lines("same_versions").first().is_some_and(|v| v == "true"),
            pins: Vec::new(),
            variants: variants::from_record(record),
        }
    }

    /// Reads the files and the project tree, and the host's pip network settings.
    pub fn load(&self) -> Result<Dependencies> {
        let requirements = self
            .requirements
            .iter()
            .map(|path| {
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))
                    .map(|text| (path.clone(), text))
            })
            .collect::<Result<Vec<_>>>()?;
        let project = match &self.project {
            Some(dir) => Some(Project::read(dir)?),
            None => None,
        };
        let network = network::PipNetwork::from_host(self.ca_cert.as_deref())?;
        Ok(Dependencies {
            requirements,
            pip: self.pip.clone(),
            project,
            pip_options: self.pip_options.clone(),
            pins: self.pins.clone(),
            network,
        })
    }
}

/// A local project's files, read for the build context.
pub struct Project {
    pub dir: PathBuf,
    /// (path inside the project, contents, executable)
    pub files: Vec<(PathBuf, Vec<u8>, bool)>,
}

impl Project {
    fn read(dir: &Path) -> Result<Project> {
        let mut files = Vec::new();
        for relative in crate::tree::files(dir)? {
            let full = dir.join(&relative);
            let metadata = std::fs::metadata(&full)?;
            let bytes =
                std::fs::read(&full).with_context(|| format!("reading {}", full.display()))?;
            files.push((relative, bytes, crate::tree::is_executable(&metadata)));
        }
        Ok(Project {
            dir: dir.to_path_buf(),
            files,
        })
    }
}

/// Everything that goes into a derived image.
pub struct Dependencies {
    /// (the file named, its text)
    pub requirements: Vec<(PathBuf, String)>,
    pub pip: Vec<String>,
    pub project: Option<Project>,
    pub pip_options: Vec<String>,
    /// Constraints (`name==version`), for one version set across builds.
    pub pins: Vec<String>,
    pub network: network::PipNetwork,
}

impl Dependencies {
    /// Hex SHA-256 of what decides the installed set: requirement texts,
    /// specifiers, the project's files, pip's options and index (without
    /// credentials). Paths and the CA bundle do not change the result.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"gilbench-deps-v1\n");
        for (_, text) in &self.requirements {
            hasher.update(format!("requirements {}\n{text}\n", text.len()).as_bytes());
        }
        for spec in &self.pip {
            hasher.update(format!("pip {spec}\n").as_bytes());
        }
        if let Some(project) = &self.project {
            for (path, bytes, executable) in &project.files {
                let header = format!("file {} {} {executable}\n", path.display(), bytes.len());
                hasher.update(header.as_bytes());
                hasher.update(bytes);
            }
        }
        for option in &self.pip_options {
            hasher.update(format!("option {option}\n").as_bytes());
        }
        for pin in &self.pins {
            hasher.update(format!("pin {pin}\n").as_bytes());
        }
        hasher.update(self.network.identity().as_bytes());
        hex::encode(hasher.finalize())
    }

    /// Arguments of `pip install`, with paths as the build context places them.
    pub fn pip_arguments(&self) -> Vec<String> {
        let mut args = Vec::new();
        for index in 0..self.requirements.len() {
            args.extend(["-r".to_string(), format!("{PIP_DIR}/req-{index}.txt")]);
        }
        args.extend(self.pip.iter().cloned());
        if self.project.is_some() {
            args.push(format!("{PIP_DIR}/project"));
        }
        if !self.pins.is_empty() {
            args.extend(["-c".to_string(), format!("{PIP_DIR}/{CONSTRAINTS}")]);
        }
        args.extend(self.pip_options.iter().cloned());
        args
    }

    /// The constraints file of the pins, when there are any.
    pub fn constraints(&self) -> Option<String> {
        (!self.pins.is_empty()).then(|| self.pins.join("\n") + "\n")
    }
}

#[cfg(test)]
mod tests;
