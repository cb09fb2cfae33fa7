//! The command line. Clap types stop here: `BuildOptionArgs::into_options`
//! hands the rest of the program validated options.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::analysis::precision::{
    DEFAULT_REPEAT, DEFAULT_TARGET, check_max_repeat, default_max_repeat,
};
use crate::error::{Error, invalid_input};
use crate::images::base::DEFAULT_BASE;
use crate::images::{self, BuildOptions, DEFAULT_PYTHON_ORG_MIRROR, Profile};
use crate::progress::Verbosity;
use crate::results::{DisturbancePolicy, PrecisionGoal};
use crate::run::{RunOptions, Start};
use crate::spec::{BuildSpec, SourceSpec};

#[derive(Debug, Parser)]
#[command(
    name = "gilbench",
    version,
    about = "Measure what the GIL, the free-threaded build and the JIT do to your Python code",
    long_about = "gilbench builds or pulls real CPython images (default, free-threaded and JIT builds) \
                  through the Docker Engine API, runs Python workloads in them across thread counts, \
                  and reports the results.\n\nExit codes: 0 success, 1 unexpected error, 2 invalid input, \
                  3 Docker engine unavailable, 4 image unavailable (base, source, build, pull or packages; \
                  a run still measures the other builds), \
                  5 a run finished but some cells failed, 6 `compare --fail-above` found a \
                  significant slowdown, 130 interrupted."
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
    /// Run the benchmark matrix: builds × workloads × modes × threads × repeats.
    Run(Box<RunArgs>),
    /// Remove every container gilbench left behind (e.g. after `kill -9`).
    Clean(CleanArgs),
    /// Render the report (index.html, summary.md, results.csv, pyperf/) of a run again.
    Report(ReportArgs),
    /// Compare two runs (or two builds of one run), cell by cell, for CI gates.
    Compare(CompareArgs),
    /// Join the folders of a run's shards (`run --shard K/N`) into one results.json and report.
    Merge(MergeArgs),
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
    /// A requirements file (pip's format) installed into every build's image (repeatable).
    #[arg(long = "requirements", short = 'r', value_name = "FILE")]
    pub requirements: Vec<PathBuf>,
    /// A requirement installed into every build's image (repeatable), e.g. --pip 'numpy>=2'.
    #[arg(long = "pip", value_name = "SPEC")]
    pub pip: Vec<String>,
    /// A local project (pyproject.toml or setup.py) installed into every build's image,
    /// as `pip install DIR` would.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// An extra `pip install` argument (repeatable), e.g. --pip-option=--only-binary=:all:.
    #[arg(long = "pip-option", value_name = "OPTION", allow_hyphen_values = true)]
    pub pip_options: Vec<String>,
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
        let dependencies = crate::deps::DependencyInputs {
            requirements: self
                .requirements
                .iter()
                .map(absolute)
                .collect::<Result<_, _>>()?,
            pip: self.pip,
            project: self.project.as_ref().map(absolute).transpose()?,
            pip_options: self.pip_options,
            ca_cert: self.ca_cert.as_ref().map(absolute).transpose()?,
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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Builds to measure (repeatable). Default: the default, free-threaded and JIT builds of
    /// the newest minor version whose source can be fetched and verified (3.13 offline).
    #[arg(long = "build", value_name = "SPEC", long_help = crate::spec::GRAMMAR)]
    pub builds: Vec<BuildSpec>,
    /// Workloads: names, categories (cpu, objects, contention, native, io), `all`, or paths
    /// to .py files or folders; comma-separated or repeated. Default: the built-in suite.
    #[arg(
        long = "workload",
        short = 'w',
        value_name = "WORKLOAD",
        value_delimiter = ','
    )]
    pub workloads: Vec<String>,
    /// Execution modes (comma-separated): threads, processes, subinterpreters.
    #[arg(
        long = "mode",
        value_name = "MODE",
        value_delimiter = ',',
        default_value = "threads"
    )]
    pub modes: Vec<crate::results::Mode>,
    /// Worker counts (comma-separated). Default: powers of two up to the CPUs given to the
    /// containers, plus that count.
    #[arg(long, value_name = "N", value_delimiter = ',')]
    pub threads: Vec<u32>,
    /// Measured samples per cell: exactly N when given alone, at least N with --precision.
    /// Default: 5, then more as --precision asks.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: Option<u32>,
    /// Repeat a cell until its median, and above one worker its speedup, is known to ±P % at
    /// 95 % confidence (a distribution-free interval: at least 6 samples), up to --max-repeat.
    /// Default: 5% when --repeat is not given; `off` takes exactly --repeat samples.
    #[arg(long, value_name = "P%", value_parser = parse_precision)]
    pub precision: Option<f64>,
    /// Most measured samples per cell while --precision is not reached.
    /// Default: 4 × --repeat, at least 20.
    #[arg(long, value_name = "N")]
    pub max_repeat: Option<u32>,
    /// Repeat no more cells for --precision once the run has measured this long (e.g. 20m);
    /// the --repeat samples are always taken.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub time_budget: Option<std::time::Duration>,
    /// Warmup samples per cell, run first and kept apart from the measurements.
    #[arg(long, default_value_t = 1)]
    pub warmup: u32,
    /// Per-sample timeout, e.g. 90s or 2m.
    #[arg(long, default_value = "120s", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// Host CPUs the containers may use (a cpuset such as 0,1 or 0-3). Default: all.
    #[arg(long, value_name = "CPUSET")]
    pub cpus: Option<String>,
    /// Memory limit of each container (swap is set equal, so none is used), e.g. 2g or 512m.
    #[arg(long, default_value = "2g", value_parser = parse_bytes)]
    pub memory: i64,
    /// Folder for the results (default: a new folder under reports/).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Finish an interrupted run in DIR without repeating completed samples.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["builds", "workloads", "output"])]
    pub resume: Option<PathBuf>,
    /// Seed of the sample order (default: random, recorded in the results).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Take only the K-th of N parts of the cells (all builds of a cell
    /// together), e.g. for a CI matrix; join the parts with `gilbench merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::results::Shard>,
    /// A Docker engine to run on (repeatable): unix:///path, tcp://host:port (TLS when
    /// DOCKER_TLS_VERIFY is set, with DOCKER_CERT_PATH's ca.pem, cert.pem, key.pem),
    /// https://host:port, or ssh://user@host[:port]; `?cpus=LIST` gives that engine's containers
    /// their own cpuset. Default: DOCKER_HOST or the local socket. With --resume: the engines to
    /// finish on (default: the run's own).
    #[arg(long = "engine", value_name = "URL")]
    pub engines: Vec<crate::engine::Endpoint>,
    /// With several engines: `split` measures each workload and mode on one engine, the
    /// engines in parallel; `replicate` runs everything on every engine, to compare machines.
    #[arg(
        long,
        value_name = "HOW",
        default_value = "split",
        conflicts_with = "resume"
    )]
    pub distribute: crate::results::Distribute,
    /// A sample is disturbed when other load on its CPUs averaged more than this many CPUs
    /// while it ran (from the host's per-CPU counters); disturbed samples are kept, flagged,
    /// left out of the statistics and taken again.
    #[arg(long, value_name = "CPUS", default_value_t = DisturbancePolicy::DEFAULT_MAX_FOREIGN_LOAD)]
    pub max_foreign_load: f64,
    /// How often one disturbed sample is taken again before it is kept as it is.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retakes: u32,
    /// Neither flag nor retake disturbed samples.
    #[arg(long)]
    pub no_disturbance_check: bool,
    #[command(flatten)]
    pub options: BuildOptionArgs,
}

impl RunArgs {
    /// A new run with validated options, or the run to resume.
    pub fn into_start(self, command_line: Vec<String>) -> anyhow::Result<Start> {
        if let Some(dir) = self.resume {
            return Ok(Start::Resume {
                dir,
                engines: self.engines,
            });
        }
        let repeat = self.repeat.unwrap_or(DEFAULT_REPEAT);
        let precision = self.precision_goal(repeat)?;
        let builds = self.builds;
        let mut names = HashSet::new();
        for build in &builds {
            if !names.insert(build.to_string()) {
                return Err(invalid_input(format!("build {build} is given twice")));
            }
        }
        let mut build_options = self.options.into_options()?;
        for build in &builds {
            images::validate(build, &build_options)?;
        }
        // Paths are made absolute so that a resumed run finds them from anywhere.
        let workloads = self
            .workloads
            .iter()
            .map(|w| {
                if crate::workloads::is_path(w) {
                    std::path::absolute(w)
                        .map(|p| p.display().to_string())
                        .map_err(|e| invalid_input(format!("workload path {w}: {e}")))
                } else {
                    Ok(w.clone())
                }
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        build_options
            .dependencies
            .add_workload_requirements(&workloads);
        build_options.dependencies.check()?;
        if self.threads.contains(&0) {
            return Err(invalid_input("--threads takes counts of 1 or more"));
        }
        let mut modes = self.modes;
        modes.dedup();
        Ok(Start::New(Box::new(RunOptions {
            builds,
            build_options,
            workloads,
            modes,
            threads: (!self.threads.is_empty()).then_some(self.threads),
            repeat,
            warmup: self.warmup,
            timeout: self.timeout,
            cpus: self.cpus,
            memory_bytes: self.memory,
            output: self.output,
            seed: self.seed,
            shard: self.shard,
            disturbance: DisturbancePolicy {
                check: !self.no_disturbance_check,
                max_foreign_load: self.max_foreign_load,
                retakes: self.retakes,
            },
            precision,
            engines: self.engines,
            distribute: self.distribute,
            command_line,
        })))
    }

    /// The precision goal: given, or ±5 % unless --repeat asks for an exact
    /// count; None when off.
    fn precision_goal(&self, repeat: u32) -> Result<Option<PrecisionGoal>, Error> {
        let target = match self.precision {
            Some(target) => (target > 0.0).then_some(target),
            None => self.repeat.is_none().then_some(DEFAULT_TARGET),
        };
        let Some(target) = target else {
            if self.max_repeat.is_some() || self.time_budget.is_some() {
                return Err(Error::InvalidInput(
                    "--max-repeat and --time-budget bound the repeats of --precision, which is \
                     off: add --precision P% (--repeat given alone is an exact count)"
                        .into(),
                ));
            }
            return Ok(None);
        };
        let max_repeat = self
            .max_repeat
            .unwrap_or_else(|| default_max_repeat(repeat));
        if max_repeat < repeat {
            return Err(Error::InvalidInput(format!(
                "--max-repeat {max_repeat} is below --repeat {repeat}"
            )));
        }
        if let Err(fewest) = check_max_repeat(max_repeat) {
            return Err(Error::InvalidInput(format!(
                "--max-repeat {max_repeat} can never reach --precision: a median's 95 % interval \
                 needs {fewest} samples"
            )));
        }
        Ok(Some(PrecisionGoal {
            target,
            max_repeat,
            time_budget_s: self.time_budget.map(|d| d.as_secs_f64()),
        }))
    }
}

/// "2g", "512m", "1048576" -> bytes.
fn parse_bytes(text: &str) -> Result<i64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, unit) = match lower.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let factor: f64 = match unit.trim_end_matches(['b', 'i']) {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("`{text}` is not a size such as 2g or 512m")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 2g or 512m"))?;
    let bytes = (value * factor) as i64;
    if bytes < 64 * 1024 * 1024 {
        return Err(format!(
            "{text} is too little memory for a Python benchmark (at least 64m)"
        ));
    }
    Ok(bytes)
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run's folder (or its results.json).
    #[arg(value_name = "DIR")]
    pub results: PathBuf,
    /// Where to write the report (default: the run's folder).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' run folders (or their results.json).
    #[arg(value_name = "DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// The folder for the merged results and report.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline run's folder (or results.json).
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The new run's folder; omit it to compare two builds of BASE with --builds.
    #[arg(value_name = "NEW", required_unless_present = "builds")]
    pub new: Option<PathBuf>,
    /// Two builds of one run to compare: baseline first, e.g. --builds 3.13,3.13t.
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 1,
        value_name = "BASE,NEW",
        conflicts_with = "new"
    )]
    pub builds: Vec<String>,
    /// Exit 6 when a cell is significantly slower by more than this, e.g. 5%.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_above: Option<f64>,
    /// Smallest change called significant: drift between runs on this machine.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent, default_value = "5%")]
    pub min_effect: f64,
    /// Also write the comparison as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// "2%" or "2" -> 0.02; "off" -> 0 (no precision goal).
fn parse_precision(text: &str) -> Result<f64, String> {
    if text.trim() == "off" {
        return Ok(0.0);
    }
    match parse_percent(text) {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "`{text}` is not a precision such as 2% (above 0, below 100 %), or off"
        )),
    }
}

/// "5%" or "5" -> 0.05.
fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(value) if value >= 0.0 && value.is_finite() => Ok(value / 100.0),
        _ => Err(format!("`{text}` is not a percentage such as 5%")),
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
pub struct CleanArgs {
    /// An engine to clean (repeatable; see `run --engine`). Default: DOCKER_HOST or the local
    /// socket.
    #[arg(long = "engine", value_name = "URL")]
    pub engines: Vec<crate::engine::Endpoint>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The options builds would use: doctor checks their base, registry and sources.
    #[command(flatten)]
    pub options: BuildOptionArgs,
    /// The CPUs a run would use (a cpuset such as 0,1 or 0-3), for the machine checks.
    /// Default: all.
    #[arg(long, value_name = "CPUSET")]
    pub cpus: Option<String>,
    /// An engine to check (repeatable; see `run --engine`). Default: DOCKER_HOST or the local
    /// socket.
    #[arg(long = "engine", value_name = "URL")]
    pub engines: Vec<crate::engine::Endpoint>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_with_or_without_the_sign() {
        assert_eq!(parse_percent("5%"), Ok(0.05));
        assert_eq!(parse_percent("12.5"), Ok(0.125));
        assert!(parse_percent("-1%").is_err());
        assert!(parse_percent("five").is_err());
    }

    #[test]
    fn precision_is_a_percentage_or_off() {
        assert_eq!(parse_precision("2%"), Ok(0.02));
        assert_eq!(parse_precision("off"), Ok(0.0));
        assert!(parse_precision("0%").is_err());
        assert!(parse_precision("100").is_err());
    }

    #[test]
    fn repeat_alone_is_exact_and_the_default_is_adaptive() {
        let goal = |args: &[&str]| {
            let cli = Cli::try_parse_from(["gilbench", "run"].iter().chain(args)).unwrap();
            let Command::Run(run) = cli.command else {
                unreachable!()
            };
            let repeat = run.repeat.unwrap_or(DEFAULT_REPEAT);
            run.precision_goal(repeat)
        };
        let default = goal(&[]).unwrap().unwrap();
        assert_eq!((default.target, default.max_repeat), (0.05, 20));
        assert_eq!(goal(&["--repeat", "3"]).unwrap(), None);
        let both = goal(&["--repeat", "10", "--precision", "2%"])
            .unwrap()
            .unwrap();
        assert_eq!((both.target, both.max_repeat), (0.02, 40));
        let budget = goal(&["--time-budget", "5m", "--max-repeat", "8"])
            .unwrap()
            .unwrap();
        assert_eq!((budget.max_repeat, budget.time_budget_s), (8, Some(300.0)));
        assert_eq!(goal(&["--precision", "off"]).unwrap(), None);
        assert!(goal(&["--repeat", "3", "--max-repeat", "9"]).is_err());
        assert!(goal(&["--repeat", "3", "--precision", "2%", "--max-repeat", "5"]).is_err());
        assert!(goal(&["--repeat", "30", "--precision", "2%", "--max-repeat", "9"]).is_err());
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_bytes("2g"), Ok(2 << 30));
        assert_eq!(parse_bytes("512m"), Ok(512 << 20));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert!(parse_bytes("1k").is_err());
        assert!(parse_bytes("lots").is_err());
    }
}
