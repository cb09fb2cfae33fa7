//! How often the gate over package variants cries wolf, and how often it
//! catches a real slowdown. Each job is one gated run (`--fail-above 5%
//! --confirm`, the default repeats and precision) of a project's base and
//! head versions as two variants of one interpreter, interleaved as every
//! run interleaves builds: A/A jobs (head identical to base) and A/B jobs
//! whose head does 5 % or 10 % more work in the function every workload
//! calls. Runs through the local sample source (this host's `python3`, the
//! variants on `PYTHONPATH`): the statistics are the run's and the gate's
//! own, the interpreter's isolation is not what is measured.

use std::path::{Path, PathBuf};

use clap::Parser;
use gilbench::analysis::gate::judge;
use gilbench::cache::Cache;
use gilbench::cli::{Cli, Command};
use gilbench::progress::Verbosity;
use gilbench::results::RunResults;
use gilbench::run::local::{LocalBuild, execute};

use crate::Figure;

/// Jobs per scenario; each compares four cells (four workloads at one thread).
const JOBS: usize = 40;
/// The base version's passes over its loop; the head adds a share of them.
const BASE_PASSES: u32 = 20;

/// One scenario's tallies over its jobs.
#[derive(Default)]
struct Tally {
    jobs: usize,
    cells: usize,
    /// Cells slower at p < 0.05 in the first rounds, whatever the ratio.
    significant_cells: usize,
    /// Cells the first rounds fail (significant, and above the threshold).
    first_failed_cells: usize,
    first_failed_jobs: usize,
    /// Jobs that fail once the confirming rounds have judged.
    confirmed_failed_jobs: usize,
}

pub fn measure_error_rates(scratch: &Path, figures: &mut Vec<Figure>) {
    let workloads = write_workloads(scratch);
    let cache = Cache::open().unwrap();
    for (name, extra_passes) in [("A/A", 0), ("A/B +5 %", 1), ("A/B +10 %", 2)] {
        let base = write_project(scratch, &format!("{name}-base"), BASE_PASSES);
        let head = write_project(scratch, &format!("{name}-head"), BASE_PASSES + extra_passes);
        let mut tally = Tally::default();
        for job in 0..JOBS {
            let out = scratch.join(format!("gate-{extra_passes}-{job}"));
            gated_job(&workloads, &base, &head, &out, &cache, &mut tally);
            eprintln!(
                "{name}: job {} of {JOBS}, {} failed before confirming, {} after",
                job + 1,
                tally.first_failed_jobs,
                tally.confirmed_failed_jobs
            );
        }
        figures.push(figure(name, extra_passes, &tally));
    }
}

fn figure(name: &'static str, extra_passes: u32, t: &Tally) -> Figure {
    let rate = |n: usize, of: usize| format!("{:.1} % ({n} of {of})", 100.0 * n as f64 / of as f64);
    let value = format!(
        "cells slower at p < 0.05: {}; cells failed by the first rounds: {}; jobs failed without \
         --confirm: {}; with --confirm: {}",
        rate(t.significant_cells, t.cells),
        rate(t.first_failed_cells, t.cells),
        rate(t.first_failed_jobs, t.jobs),
        rate(t.confirmed_failed_jobs, t.jobs),
    );
    let confirmed = t.confirmed_failed_jobs as f64 / t.jobs as f64;
    let (goal, met) = match extra_passes {
        0 => (
            "false alarms: <= 5 % of cells at p < 0.05, <= 1 % of jobs with --confirm",
            Some((t.significant_cells as f64) <= 0.05 * t.cells as f64 && confirmed <= 0.01),
        ),
        1 => ("detection of a 5 % slowdown (for the record)", None),
        _ => (
            "a 10 % slowdown caught in >= 95 % of jobs",
            Some(confirmed >= 0.95),
        ),
    };
    Figure {
        name,
        value,
        goal,
        met,
    }
}

/// One gated run and its verdict, added to `tally`.
fn gated_job(
    workloads: &[PathBuf],
    base: &Path,
    head: &Path,
    out: &Path,
    cache: &Cache,
    tally: &mut Tally,
) {
    let list: Vec<String> = workloads.iter().map(|w| w.display().to_string()).collect();
    let mut line: Vec<String> = ["gilbench", "run", "--threads", "1", "--cpus", "0"]
        .iter()
        .map(ToString::to_string)
        .collect();
    line.extend(["--workload".into(), list.join(",")]);
    line.extend(["--fail-above".into(), "5%".into(), "--confirm".into()]);
    line.extend(["--output".into(), out.display().to_string()]);
    let Command::Run(run) = Cli::try_parse_from(&line).unwrap().command else {
        unreachable!("a run")
    };
    let start = run.into_start(line).unwrap();
    let variant = |name: &str, dir: &Path| LocalBuild {
        name: format!("host[{name}]"),
        python: PathBuf::from("python3"),
        env: vec![("PYTHONPATH".into(), dir.display().to_string())],
    };
    let builds = vec![variant("base", base), variant("head", head)];
    let never = tokio::sync::watch::channel(false).1;
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(execute(start, builds, cache, never, Verbosity::Quiet))
        .unwrap();
    let results = RunResults::load(out).unwrap();
    let gate = results.config.gate.clone().expect("a gated run");
    let verdict = judge(&results, &gate, &[]).unwrap();
    let first = &verdict.first[0];
    tally.jobs += 1;
    tally.cells += first.cells.len();
    tally.significant_cells += first
        .cells
        .iter()
        .filter(|c| c.time.p_value < 0.05 && c.time.ratio.value > 1.0)
        .count();
    let first_failed = first.regressions(gate.fail_above).len();
    tally.first_failed_cells += first_failed;
    tally.first_failed_jobs += usize::from(first_failed > 0);
    tally.confirmed_failed_jobs += usize::from(!verdict.failed.is_empty());
    std::fs::remove_dir_all(out).unwrap();
}

/// Four workloads that call the project's `mix` at different sizes
/// (about 15 to 45 ms a call here).
fn write_workloads(scratch: &Path) -> Vec<PathBuf> {
    let dir = scratch.join("gate-workloads");
    std::fs::create_dir_all(&dir).unwrap();
    [("mix_a", 12_000), ("mix_b", 18_000), ("mix_c", 24_000), ("mix_d", 36_000)]
        .iter()
        .map(|(name, size)| {
            let path = dir.join(format!("{name}.py"));
            std::fs::write(
                &path,
                format!(
                    "import gbvariant\n\nCATEGORY = \"cpu\"\nSCALING = \"weak\"\nSIZE = {size}\n\n\
                     def setup(size, workers):\n    return None\n\n\
                     def work(state, worker_index, workers, size):\n    return gbvariant.mix(size)\n\n\
                     def check(results, size, workers):\n    return len(set(results)) == 1\n"
                ),
            )
            .unwrap();
            path
        })
        .collect()
}

/// A version of the project whose `mix` makes `passes` passes.
fn write_project(scratch: &Path, name: &str, passes: u32) -> PathBuf {
    let dir = scratch.join(name.replace(['/', ' ', '%', '+'], "_"));
    let package = dir.join("gbvariant");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("__init__.py"),
        format!(
            "PASSES = {passes}\n\n\
             def mix(n):\n    total = 0\n    for _ in range(PASSES):\n        for i in range(n):\n\
             \x20           total = (total * 31 + i) % 1_000_003\n    return total\n"
        ),
    )
    .unwrap();
    dir
}
