//! The engines of a run: reached at the start, each given the run's images
//! and a source, each described as the machine its samples name.

use anyhow::Result;

use super::images::BuildImages;
use super::source::DockerSource;
use crate::cache::Cache;
use crate::engine::{Endpoint, Engine};
use crate::error::invalid_input;
use crate::images;
use crate::progress::Verbosity;
use crate::results::machine::{record_machine, unique_id};
use crate::results::{Journal, JournalEntry, LostEngine, Machine};
use crate::run::setup::{self, Prepared};
use crate::spec::BuildSpec;

/// Reaches every engine, all at once; the first that does not answer is
/// the error (exit 3, with what to check).
pub async fn connect_all(endpoints: &[Endpoint]) -> Result<Vec<Engine>> {
    for (i, endpoint) in endpoints.iter().enumerate() {
        if endpoints[..i].iter().any(|e| e.url == endpoint.url) {
            return Err(invalid_input(format!("--engine {endpoint} is given twice")));
        }
    }
    futures_util::future::try_join_all(endpoints.iter().map(Engine::connect_to)).await
}

/// The images each engine runs: the first engine's own; on the others the
/// same images pulled from the registry, or, without a registry, built
/// there. An engine that cannot have every build gets the reason instead.
async fn images_for(
    engines: &[Engine],
    first: &BuildImages,
    cache: &Cache,
    wanted: &Wanted<'_>,
    verbosity: Verbosity,
) -> Vec<Result<BuildImages, String>> {
    let mut pushed = Vec::new();
    let mut all = vec![Ok(first.clone())];
    for engine in &engines[1..] {
        let images = match &wanted.options.registry {
            Some(registry) => copy_through(&engines[0], engine, registry, first, &mut pushed).await,
            None => build_there(engine, first, cache, wanted.options, verbosity).await,
        };
        all.push(images.map_err(|e| format!("{e:#}")));
    }
    all
}

async fn copy_through(
    from: &Engine,
    to: &Engine,
    registry: &str,
    first: &BuildImages,
    pushed: &mut Vec<String>,
) -> Result<BuildImages> {
    for (spec, name, id) in &first.found {
        eprintln!("{spec}: {name} to {} through {registry}", to.host);
        images::share::copy(from, to, registry, name, id, pushed).await?;
    }
    Ok(first.clone())
}

async fn build_there(
    engine: &Engine,
    first: &BuildImages,
    cache: &Cache,
    options: &images::BuildOptions,
    verbosity: Verbosity,
) -> Result<BuildImages> {
    let mut options = options.clone();
    options.dependencies.pins.clone_from(&first.pins);
    let mut found = Vec::new();
    for (spec, _, _) in &first.found {
        let image = images::ensure(engine, cache, spec, &options, verbosity).await?;
        found.push((spec.clone(), image.name, image.id));
    }
    Ok(BuildImages {
        found,
        missing: first.missing.clone(),
        pins: first.pins.clone(),
    })
}

/// The machine behind a source.s engine, with its id among the `known`
/// machines and those `in_use` by this run's other engines.
async fn describe(
    source: &mut DockerSource,
    cpus: Option<String>,
    known: &[Machine],
    in_use: &[String],
) -> Result<Machine> {
    let facts = source.engine.facts().await?;
    let cpu_model = source.cpu_model().await;
    let engine = source.engine.endpoint.to_string();
    let host = facts.name.clone().unwrap_or_default();
    Ok(Machine {
        id: machine_id(known, in_use, facts.id.as_deref(), &engine, &host),
        engine,
        engine_id: facts.id,
        engine_version: facts.version,
        host_name: facts.name,
        cpu_model,
        cores: facts.cpus,
        kernel: facts.kernel,
        memory_bytes: facts.memory_bytes,
        cpus,
    })
}

/// A machine a resumed run knew keeps its id: the same engine at the same
/// address first, else the same engine reached another way — unless
/// another engine of this run has it (two addresses of one engine are two
/// machines, never pooled). A new machine is named after its host.
fn machine_id(
    known: &[Machine],
    in_use: &[String],
    engine_id: Option<&str>,
    address: &str,
    host: &str,
) -> String {
    let free = |m: &&Machine| {
        engine_id.is_some() && m.engine_id.as_deref() == engine_id && !in_use.contains(&m.id)
    };
    known
        .iter()
        .filter(free)
        .find(|m| m.engine == address)
        .or_else(|| known.iter().find(free))
        .map(|m| m.id.clone())
        .unwrap_or_else(|| {
            let mut taken: Vec<String> = known.iter().map(|m| m.id.clone()).collect();
            taken.extend(in_use.iter().cloned());
            unique_id(host, &taken)
        })
}

/// Describes each source.s machine and records the new ones in the
/// journal; returns every machine the run knows and each source.s id.
pub async fn describe_all(
    sources: &mut [(DockerSource, Option<String>)],
    mut machines: Vec<Machine>,
    journal: &mut Journal,
) -> Result<(Vec<Machine>, Vec<String>)> {
    let mut ids = Vec::new();
    for (source, cpus) in sources.iter_mut() {
        let machine = describe(source, cpus.clone(), &machines, &ids).await?;
        if !machines.contains(&machine) {
            journal.write(&JournalEntry::Machine(machine.clone()))?;
            record_machine(&mut machines, machine.clone());
        }
        ids.push(machine.id);
    }
    Ok((machines, ids))
}

/// What a run asks of its engines: the builds' images, got with the
/// run's build options, for the run being prepared.
pub struct Wanted<'w> {
    pub builds: &'w [BuildSpec],
    pub options: &'w images::BuildOptions,
    pub prepared: &'w Prepared,
}

/// The sources of a run's engines, each with the cpuset of its containers.
pub struct Started {
    pub sources: Vec<(DockerSource, Option<String>)>,
    pub images: BuildImages,
    /// Engines left out at the start: they could not get the images.
    pub lost_engines: Vec<LostEngine>,
}

/// Gets the images on the first engine, gives them to the others, and
/// opens a source on each engine that has them all.
pub async fn start_sources(
    engines: &[Engine],
    endpoints: &[Endpoint],
    cache: &Cache,
    wanted: &Wanted<'_>,
    journal: &mut Journal,
    verbosity: Verbosity,
) -> Result<Started> {
    let images =
        BuildImages::resolve(&engines[0], cache, wanted.builds, wanted.options, verbosity).await?;
    let per_engine = images_for(engines, &images, cache, wanted, verbosity).await;
    let mut sources = Vec::new();
    let mut lost_engines = Vec::new();
    for ((engine, endpoint), engine_images) in engines.iter().zip(endpoints).zip(per_engine) {
        let cpus = endpoint
            .cpus
            .clone()
            .or(wanted.prepared.header.config.cpus.clone());
        let source = match engine_images {
            Ok(engine_images) => {
                DockerSource::start(engine, cpus.clone(), &engine_images, wanted.prepared).await
            }
            Err(reason) => Err(anyhow::anyhow!(reason)),
        };
        match source {
            Ok(source) => sources.push((source, cpus)),
            // The first engine holds the images: without it there is no run.
            Err(e) if sources.is_empty() => {
                close_all(sources).await;
                return Err(e);
            }
            Err(e) => {
                eprintln!("warning: the engine at {} is left out: {e:#}", engine.host);
                let lost = LostEngine {
                    machine: engine.host.clone(),
                    engine: engine.host.clone(),
                    reason: format!("{e:#}"),
                    at: setup::timestamp(),
                };
                journal.write(&JournalEntry::LostEngine(lost.clone()))?;
                lost_engines.push(lost);
            }
        }
    }
    Ok(Started {
        sources,
        images,
        lost_engines,
    })
}

pub async fn close_all(sources: Vec<(DockerSource, Option<String>)>) {
    use crate::run::source::SampleSource;
    let closing = sources.into_iter().map(|(s, _)| Box::new(s).close());
    futures_util::future::join_all(closing).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(id: &str, engine_id: &str, engine: &str) -> Machine {
        Machine {
            id: id.into(),
            engine: engine.into(),
            engine_id: Some(engine_id.into()),
            engine_version: None,
            host_name: Some("box".into()),
            cpu_model: None,
            cores: None,
            kernel: None,
            memory_bytes: None,
            cpus: None,
        }
    }

    #[test]
    fn a_resumed_machine_keeps_its_id_however_it_is_reached_once() {
        let known = [
            machine("box", "E1", "tcp://127.0.0.1:4000"),
            machine("box#2", "E2", "unix:///run/b.sock"),
        ];
        let socket = "unix:///var/run/docker.sock";
        // The same engine through another address is the same machine...
        assert_eq!(machine_id(&known, &[], Some("E1"), socket, "box"), "box");
        // ...unless this run reaches it twice: then the second is another one.
        let in_use = ["box".to_string()];
        assert_eq!(
            machine_id(&known, &in_use, Some("E1"), socket, "box"),
            "box#3"
        );
        assert_eq!(
            machine_id(&known, &[], Some("E2"), "unix:///run/b.sock", "box"),
            "box#2"
        );
        assert_eq!(machine_id(&known, &[], Some("E9"), socket, "lab"), "lab");
        assert_eq!(machine_id(&[], &[], None, socket, "box"), "box");
    }
}
