//! The builds to get, and the options of every command that gets images.

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::error::Error;
use crate::images::base::DEFAULT_BASE;
use crate::images::{BuildOptions, DEFAULT_PYTHON_ORG_MIRROR, Profile};
use crate::spec::{BuildSpec, SourceSpec};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Builds to get ready, e.g. 3.13 3.13t 3.13-jit 3.13.5t (see `--help` for the grammar).
    #[arg(value_name = "SPEC", long_help = crate::spec::GRAMMAR)]
    pub specs: Vec<BuildSpec>,
    /// The same as a positional SPEC; repeatable.
    #[arg(long = "build", value_name = "SPEC")]
    pub builds: Vec<BuildSpec>,
    #[command(flatten)]
    pub options: BuildOptionArgs,
}

impl BuildArgs {
    pub fn all_specs(&self) -> Vec<BuildSpec> {
        self.specs.iter().chain(&self.builds).cloned().collect()
    }
}

/// Options shared by every command that gets images (`build`, and later `run`).
#[derive(Debug, Args)]
pub struct BuildOptionArgs {
    /// optimized = PGO + LTO as official releases; quick = plain build, several times faster to build.
    #[arg(
        long,
        default_value = "optimized",
        env = "GILBENCH_PROFILE",
        value_parser = PossibleValuesParser::new(Profile::ALL.map(Profile::name))
            .try_map(|name| name.parse::<Profile>())
    )]
    pub profile: Profile,
    /// Where CPython's source comes from (a spec's @SOURCE overrides it).
    #[arg(long, default_value = "auto", env = "GILBENCH_SOURCE", long_help = crate::spec::SOURCE_GRAMMAR)]
    pub source: SourceSpec,
    /// An extra ./configure argument (repeatable), e.g. --configure-arg=--with-pydebug.
    #[arg(long = "configure-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub configure_args: Vec<String>,
    /// Base image of every build (Debian-based).
    #[arg(long, default_value = DEFAULT_BASE, env = "GILBENCH_BASE")]
    pub base: String,
    /// Registry to pull prebuilt gilbench images from before building, e.g. 127.0.0.1:5000.
    #[arg(long, env = "GILBENCH_REGISTRY")]
    pub registry: Option<String>,
    /// Never pull (base or interpreter images); use what the engine has or build.
    #[arg(long)]
    pub no_pull: bool,
    /// Expected SHA-256 of a python.org tarball gilbench has no checksum for.
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// An extra apt option inside builds (repeatable), e.g. -o Acquire::Check-Valid-Until=false
    /// for a dated mirror. GILBENCH_APT_OPTIONS takes them space-separated.
    #[arg(long = "apt-option", value_name = "OPTION", allow_hyphen_values = true)]
    pub apt_options: Vec<String>,
    /// Where python.org release tarballs are downloaded from.
    #[arg(
        long,
        default_value = DEFAULT_PYTHON_ORG_MIRROR,
        env = "GILBENCH_PYTHON_ORG_MIRROR"
    )]
    pub python_org_mirror: String,
    /// A requirements file (pip's format) installed into every build's image (repeatable);
    /// NAME=FILE installs it only into package variant NAME's (see --project).
    #[arg(long = "requirements", short = 'r', value_name = "[NAME=]FILE")]
    pub requirements: Vec<String>,
    /// A requirement installed into every build's image (repeatable), e.g. --pip 'numpy>=2'.
    #[arg(long = "pip", value_name = "SPEC")]
    pub pip: Vec<String>,
    /// A local project (pyproject.toml or setup.py) installed into every build's image,
    /// as `pip install DIR` would. NAME=DIR (repeatable) makes package variants: every build
    /// is measured once per variant, e.g. --project base=../main --project head=. measures
    /// 3.13[base] and 3.13[head] back to back; the first named is the base.
    #[arg(long = "project", value_name = "[NAME=]DIR")]
    pub projects: Vec<String>,
    /// An extra `pip install` argument (repeatable), e.g. --pip-option=--only-binary=:all:.
    #[arg(long = "pip-option", value_name = "OPTION", allow_hyphen_values = true)]
    pub pip_options: Vec<String>,
    /// One version set for all builds: each package that builds resolved to different
    /// versions is held to the oldest of them (the newest every build reached), and pip runs
    /// again with those versions as constraints; the image label org.gilbench.pins records them.
    #[arg(long)]
    pub same_versions: bool,
    /// CA bundle for pip inside builds (TLS-intercepting proxies). Default: the host's, when
    /// PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE or pip's configuration names one.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

impl BuildOptionArgs {
    pub fn into_options(self) -> Result<BuildOptions, Error> {
        // "-o Name=value" arrives as one value; apt wants separate words.
        let mut apt_options: Vec<String> = self
            .apt_options
            .iter()
            .flat_map(|o| o.split_whitespace())
            .map(str::to_string)
            .collect();
        if let Ok(from_env) = std::env::var("GILBENCH_APT_OPTIONS") {
            apt_options.extend(from_env.split_whitespace().map(str::to_string));
        }
        if let Some(sha) = &self.sha256
            && (sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(Error::InvalidInput(format!(
                "--sha256 must be 64 hex digits, not `{sha}`"
            )));
        }
        let absolute = |path: &PathBuf| {
            std::path::absolute(path)
                .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))
        };
        let (project, requirements, variants) =
            crate::deps::variants::from_arguments(&self.projects, &self.requirements)
                .map_err(|e| Error::InvalidInput(format!("{e:#}")))?;
        let dependencies = crate::deps::DependencyInputs {
            requirements,
            pip: self.pip,
            project,
            pip_options: self.pip_options,
            ca_cert: self.ca_cert.as_ref().map(absolute).transpose()?,
            same_versions: self.same_versions,
            pins: Vec::new(),
            variants,
        };
        Ok(BuildOptions {
            profile: self.profile,
            source: self.source,
            configure_args: self.configure_args,
            base: self.base,
            registry: self.registry.filter(|r| !r.is_empty()),
            pull: !self.no_pull,
            sha256: self.sha256,
            apt_options,
            python_org_mirror: self.python_org_mirror,
            dependencies,
        })
    }
}
