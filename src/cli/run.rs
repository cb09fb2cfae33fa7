//! `gilbench run`: the benchmark matrix, its repeats and precision goal,
//! how disturbed samples are caught, and the engines; validated into a
//! [`Start`].

use std::collections::HashSet;
use std::path::PathBuf;

use clap::Args;

use super::{BuildOptionArgs, parse_percent};
use crate::analysis::precision::{
    DEFAULT_REPEAT, DEFAULT_TARGET, check_max_repeat, default_max_repeat,
};
use crate::error::{Error, invalid_input};
use crate::images;
use crate::results::{DisturbancePolicy, PrecisionGoal};
use crate::run::{RunOptions, Start};
use crate::spec::BuildSpec;

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
    /// Untimed calls of the work in each sample's process before the timed one, as pyperf's
    /// warmups: a JIT measured warm. 0 times the first call (cold).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub warm_calls: u32,
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
    /// With package variants (--project NAME=DIR): exit 6 when a variant's cell is
    /// significantly slower than the base variant's (the first named) on the same build by
    /// more than this, e.g. 5%. Judged in this run, the variants' samples interleaved.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_above: Option<f64>,
    /// With --fail-above: the cells the gate would fail are taken again, in fresh rounds on
    /// every build, and fail only if those confirm the slowdown.
    #[arg(long, requires = "fail_above")]
    pub confirm: bool,
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
            .add_workload_requirements(&crate::workloads::user_paths(&workloads));
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
            warm_calls: self.warm_calls,
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
            fail_above: self.fail_above,
            confirm: self.confirm,
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

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
