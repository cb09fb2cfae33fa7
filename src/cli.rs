//! The command line. Clap types stop here: `BuildOptionArgs::into_options`
//! hands the rest of the program validated options.

use clap::{Args, Parser, Subcommand};

use crate::images::base::DEFAULT_BASE;
use crate::images::{BuildOptions, Profile};
use crate::progress::Verbosity;
use crate::spec::{BuildSpec, SourceSpec};

#[derive(Debug, Parser)]
#[command(
    name = "gilbench",
    version,
    about = "Measure what the GIL, the free-threaded build and the JIT do to your Python code",
    long_about = "gilbench builds or pulls real CPython images (default, free-threaded and JIT builds) \
                  through the Docker Engine API, runs Python workloads in them across thread counts, \
                  and reports the results.\n\nExit codes: 0 success, 1 unexpected error, 2 invalid input, \
                  3 Docker engine unavailable, 4 image unavailable (base, source, build or pull), \
                  130 interrupted."
)]
pub struct Cli {
    /// Show more: -v streams full build logs.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Show only results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn verbosity(&self) -> Verbosity {
        if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Get interpreter images ready: reuse, pull or build them.
    Build(BuildArgs),
    /// List, prune or publish the images gilbench made.
    Images(ImagesArgs),
    /// Check the engine, base image, registry and sources, and say how to fix problems.
    Doctor(DoctorArgs),
}

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
        value_enum,
        default_value = "optimized",
        env = "GILBENCH_PROFILE"
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
        default_value = "https://www.python.org/ftp/python",
        env = "GILBENCH_PYTHON_ORG_MIRROR"
    )]
    pub python_org_mirror: String,
}

impl BuildOptionArgs {
    pub fn into_options(self) -> Result<BuildOptions, crate::error::Error> {
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
            return Err(crate::error::Error::InvalidInput(format!(
                "--sha256 must be 64 hex digits, not `{sha}`"
            )));
        }
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
        })
    }
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    #[command(subcommand)]
    pub command: Option<ImagesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// List interpreter images: version, variant, profile, source, size and age (the default).
    List {
        /// Include bootstrapped base images.
        #[arg(long)]
        all: bool,
    },
    /// Remove the interpreter images gilbench built (all, or those of the builds named).
    Prune {
        /// Only images of these builds, e.g. 3.13t (version and variant as given when built).
        #[arg(value_name = "SPEC")]
        specs: Vec<BuildSpec>,
        /// Remove bootstrapped base images too.
        #[arg(long)]
        include_base: bool,
    },
    /// Publish local interpreter images (all, or those of the builds named) to a registry.
    Push {
        /// Only images of these builds, e.g. 3.13t.
        #[arg(value_name = "SPEC")]
        specs: Vec<BuildSpec>,
        /// Registry, e.g. 127.0.0.1:5000.
        #[arg(long, env = "GILBENCH_REGISTRY")]
        registry: String,
    },
    /// Create the base image from Debian packages (mmdebstrap), for hosts with no registry.
    BootstrapBase {
        /// Debian mirror for mmdebstrap (default: its own choice).
        #[arg(long)]
        mirror: Option<String>,
        /// Image name to create; the default stands in for debian:trixie-slim.
        #[arg(long, default_value = crate::images::base::BOOTSTRAP_TAG)]
        tag: String,
        /// Recreate it even if it exists (every interpreter image built on the old one will rebuild).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Base image to check.
    #[arg(long, default_value = DEFAULT_BASE, env = "GILBENCH_BASE")]
    pub base: String,
    /// Registry to check.
    #[arg(long, env = "GILBENCH_REGISTRY")]
    pub registry: Option<String>,
    /// Where python.org release tarballs are downloaded from.
    #[arg(
        long,
        default_value = "https://www.python.org/ftp/python",
        env = "GILBENCH_PYTHON_ORG_MIRROR"
    )]
    pub python_org_mirror: String,
}
