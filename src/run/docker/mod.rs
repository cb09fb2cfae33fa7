//! Runs on Docker engines: the set-up and open phases of a run whose
//! samples are taken in hardened containers.
//!
//! `engines` reaches the engines and gives each the run's images
//! (`images`: got on the first, shared or built on the others) and a
//! [`DockerSource`]; `defaults` chooses the builds when none are named.

mod defaults;
mod engines;
mod images;
mod source;

use anyhow::Result;
use tokio::sync::watch;

use super::host;
use super::interrupt::interruptible;
use super::options::{RunOptions, Start};
use super::phases::{Opened, announce};
use super::setup::{self, Prepared};
use super::source::Worker;
use crate::cache::Cache;
use crate::engine::{Endpoint, Engine};
use crate::error::invalid_input;
use crate::images::BuildOptions;
use crate::progress::Verbosity;
use crate::results::{Journal, JournalEntry};
use crate::spec::BuildSpec;
pub use source::{DockerSource, open_runner};

/// Sets a run up (new, or resumed from its journal) on its engines, gets
/// the images and opens a source on every engine that has them. Nothing
/// is left running when it fails.
pub async fn open(
    start: Start,
    cache: &Cache,
    verbosity: Verbosity,
    interrupt: &mut watch::Receiver<bool>,
) -> Result<Opened> {
    let SetUp {
        prepared,
        engines,
        endpoints,
        builds,
        build_options,
    } = set_up(start, cache).await?;
    announce(&prepared);
    let mut journal = Journal::append_to(&prepared.dir)?;
    let wanted = engines::Wanted {
        builds: &builds,
        options: &build_options,
        prepared: &prepared,
    };
    let started = interruptible(
        interrupt,
        engines::start_sources(
            &engines,
            &endpoints,
            cache,
            &wanted,
            &mut journal,
            verbosity,
        ),
    )
    .await;
    let started = match started.map_err(anyhow::Error::from).and_then(|s| s) {
        Ok(started) => started,
        Err(e) => {
            for engine in &engines {
                crate::engine::container::remove_leftovers(engine, Some(&prepared.header.run_id))
                    .await
                    .ok();
            }
            return Err(e);
        }
    };
    for missing in &started.images.missing {
        journal.write(&JournalEntry::MissingBuild(missing.clone()))?;
    }
    let engines::Started {
        mut sources,
        images,
        lost_engines,
    } = started;
    let recorded = describe_and_record(&mut sources, &prepared, &mut journal).await;
    let (machines, machine_ids, builds, workloads) = match recorded {
        Ok(recorded) => recorded,
        Err(e) => {
            engines::close_all(sources).await;
            return Err(e);
        }
    };
    let workers = sources
        .into_iter()
        .zip(machine_ids)
        .map(|((source, _), machine)| Worker {
            source: Box::new(source),
            machine: Some(machine),
        })
        .collect();
    Ok(Opened {
        prepared,
        journal,
        workers,
        machines,
        builds,
        workloads,
        measured_builds: images.found.iter().map(|(s, _, _)| s.to_string()).collect(),
        missing_builds: images.missing,
        lost_engines,
    })
}

/// A run set up on its engines: what it measures, with which options.
struct SetUp {
    prepared: Prepared,
    engines: Vec<Engine>,
    endpoints: Vec<Endpoint>,
    builds: Vec<BuildSpec>,
    build_options: BuildOptions,
}

/// Reaches the engines and begins the run, or reads back the run to resume
/// (its builds and options as recorded).
async fn set_up(start: Start, cache: &Cache) -> Result<SetUp> {
    match start {
        Start::New(options) => {
            let endpoints = options.endpoints();
            let engines = connect_and_warn(&endpoints).await?;
            let (prepared, builds, build_options) = new_run(&engines, cache, *options).await?;
            Ok(SetUp {
                prepared,
                engines,
                endpoints,
                builds,
                build_options,
            })
        }
        Start::Resume { dir, engines } => {
            let prepared = setup::resume(&dir)?;
            let endpoints = resumed_endpoints(&prepared, engines)?;
            let engines = connect_and_warn(&endpoints).await?;
            let config = &prepared.header.config;
            let builds = config
                .builds
                .iter()
                .map(|b| b.parse())
                .collect::<Result<_, _>>()?;
            // The recorded options, not today's environment, decide the images.
            let build_options = BuildOptions::from_record(&config.build_options)?;
            Ok(SetUp {
                prepared,
                engines,
                endpoints,
                builds,
                build_options,
            })
        }
    }
}

type Recorded = (
    Vec<crate::results::Machine>,
    Vec<String>,
    Vec<crate::results::BuildRecord>,
    Vec<crate::results::WorkloadInfo>,
);

/// Describes every engine's machine, then records the builds' facts and
/// the workloads (from the first engine).
async fn describe_and_record(
    sources: &mut [(DockerSource, Option<String>)],
    prepared: &Prepared,
    journal: &mut Journal,
) -> Result<Recorded> {
    let (machines, ids) =
        engines::describe_all(sources, prepared.previous.machines.clone(), journal).await?;
    let (builds, workloads) = sources[0]
        .0
        .record_builds_and_workloads(&prepared.previous, journal)
        .await?;
    Ok((machines, ids, builds, workloads))
}

/// Chooses the builds (the defaults when none are named), reads the
/// engines' facts and CPUs, and begins the run's folder and journal.
async fn new_run(
    engines: &[Engine],
    cache: &Cache,
    mut options: RunOptions,
) -> Result<(Prepared, Vec<BuildSpec>, BuildOptions)> {
    // A typo must fail now, not after an hour of building images.
    crate::workloads::check_selectors(&options.workloads)?;
    if options.builds.is_empty() {
        let (builds, why) =
            tokio::task::block_in_place(|| defaults::default_builds(cache, &options.build_options));
        let names: Vec<String> = builds.iter().map(ToString::to_string).collect();
        eprintln!("no --build given: measuring {} ({why})", names.join(", "));
        options.builds = builds;
    }
    let environment = host::environment(Some(engines[0].facts().await?));
    // Default thread counts fit the engine with the fewest CPUs given.
    let mut cpus_given = u32::MAX;
    for engine in engines {
        let cpus = engine.endpoint.cpus.as_deref().or(options.cpus.as_deref());
        let engine_cpus = engine.facts().await?.cpus.unwrap_or(1).max(1) as u32;
        let given = host::cpus_given(cpus, engine_cpus)
            .map_err(|e| invalid_input(format!("{} (engine {})", e, engine.host)))?;
        cpus_given = cpus_given.min(given);
    }
    let builds = crate::deps::variants::expand(
        &std::mem::take(&mut options.builds),
        &options.build_options.dependencies,
    )?;
    let build_options = options.build_options.clone();
    let names = builds.iter().map(ToString::to_string).collect();
    let prepared = setup::new_run(options, names, environment, cpus_given)?;
    Ok((prepared, builds, build_options))
}

/// The engines a resumed run goes on with: those given now, else those it
/// was started with.
fn resumed_endpoints(prepared: &Prepared, given: Vec<Endpoint>) -> Result<Vec<Endpoint>> {
    if !given.is_empty() {
        return Ok(given);
    }
    let recorded = &prepared.header.config.engines;
    if recorded.is_empty() {
        return Ok(vec![Endpoint::from_environment()]);
    }
    recorded.iter().map(|e| e.parse()).collect()
}

/// Reaches the engines and says which hold containers of earlier runs,
/// before anything else can fail.
async fn connect_and_warn(endpoints: &[Endpoint]) -> Result<Vec<Engine>> {
    let engines = engines::connect_all(endpoints).await?;
    for engine in &engines {
        warn_about_leftovers(engine).await;
    }
    Ok(engines)
}

async fn warn_about_leftovers(engine: &Engine) {
    let labels = vec![format!("{}=true", crate::engine::LABEL_MANAGED)];
    if let Ok(ids) = engine.containers_with_labels(labels).await
        && !ids.is_empty()
    {
        eprintln!(
            "warning: {} container(s) from earlier gilbench runs remain on {}; `gilbench clean{}` \
             removes them",
            ids.len(),
            engine.host,
            if engine.endpoint == Endpoint::from_environment() {
                String::new()
            } else {
                format!(" --engine '{}'", engine.host)
            }
        );
    }
}
