//! `gilbench doctor`: what works, what does not, and what to do about it:
//! the engine, images, registry, sources and tools (here), and how quiet
//! the machine is for measuring (`machine.rs`, reading `proc.rs` and
//! `cpus.rs`). Every check is a `Check` (`check.rs`).

mod check;
mod cpus;
mod machine;
mod proc;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use check::{Check, Status};

use crate::cache::Cache;
use crate::engine::{Endpoint, Engine};
use crate::error::{Error, invalid_input};
use crate::images::{self, BuildOptions, base};

/// Runs every check and prints them. `cpus` is the cpuset a run would use
/// (`--cpus`), for the machine checks; all CPUs without it. Every engine
/// given is checked; the rest of the checks use the first that answers.
pub async fn run(options: &BuildOptions, cpus: Option<&str>, engines: &[Endpoint]) -> Result<()> {
    let chosen: Option<BTreeSet<u32>> = cpus
        .map(|set| crate::cpuset::parse(set).map_err(invalid_input))
        .transpose()?;
    let (mut checks, engine) = engine_checks(engines).await;
    if let Some(engine) = &engine {
        checks.extend(image_checks(engine, options).await?);
    }
    checks.extend(network_checks(options));
    checks.extend(host_checks());
    checks.extend(machine_checks(engine.as_ref(), chosen.as_ref()));
    print(&checks);
    verdict(&checks)
}

/// Every engine given (else `DOCKER_HOST` or the local socket), and the
/// first that answers.
async fn engine_checks(engines: &[Endpoint]) -> (Vec<Check>, Option<Engine>) {
    let endpoints = match engines {
        [] => vec![Endpoint::from_environment()],
        given => given.to_vec(),
    };
    let mut checks = Vec::new();
    let mut engine = None;
    for endpoint in &endpoints {
        let (check, reached) = check_engine(endpoint).await;
        checks.push(check);
        if engine.is_none() {
            engine = reached;
        }
    }
    (checks, engine)
}

/// What an engine that answers has: its CPUs, the base image, the
/// interpreter images gilbench made.
async fn image_checks(engine: &Engine, options: &BuildOptions) -> Result<Vec<Check>> {
    let host_cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let facts = engine.facts().await?;
    let engine_cpus = facts.cpus.unwrap_or_default();
    let memory = facts.memory_bytes.unwrap_or_default() as f64 / (1u64 << 30) as f64;
    let finding =
        format!("{engine_cpus} on the engine ({memory:.1} GiB), {host_cpus} on this host");
    let cpus = if engine_cpus < 2 {
        Check::warn(
            "cpus",
            finding,
            "with one CPU nothing can scale; use a machine with at least 2".into(),
        )
    } else {
        Check::ok("cpus", finding)
    };
    let base = match images::current_base(engine, &options.base).await {
        Some(found) if found.name == options.base => Check::ok(
            "base image",
            format!("{} ({})", found.name, base::short_id(&found.id)),
        ),
        Some(found) => Check::ok(
            "base image",
            format!(
                "{} ({}), bootstrapped stand-in for {}",
                found.name,
                base::short_id(&found.id),
                options.base
            ),
        ),
        None => Check::fail(
            "base image",
            format!(
                "{} is not on the engine (builds will try to pull it)",
                options.base
            ),
            format!("where no registry is reachable, {}", base::bootstrap_hint()),
        ),
    };
    let built = images::list(engine, false).await?;
    let built = Check::ok(
        "images",
        format!(
            "{} interpreter image(s) built or pulled by gilbench",
            built.len()
        ),
    );
    Ok(vec![cpus, base, built])
}

/// Whether the registry, python.org and Debian answer.
fn network_checks(options: &BuildOptions) -> Vec<Check> {
    let registry = match &options.registry {
        None => Check::ok(
            "registry",
            "none configured (set --registry or GILBENCH_REGISTRY to share prebuilt images)"
                .to_string(),
        ),
        Some(registry) => match http_probe(&format!("http://{registry}/v2/")) {
            Ok(_) => Check::ok("registry", format!("{registry} answers")),
            Err(e) => Check::fail(
                "registry",
                format!("{registry} does not answer: {e}"),
                "start it or fix GILBENCH_REGISTRY; a local one: `apt-get install docker-registry`"
                    .to_string(),
            ),
        },
    };
    let python_org = match http_probe(&options.python_org_mirror) {
        Ok(_) => Check::ok(
            "python.org",
            format!(
                "{} reachable: release tarballs can be downloaded",
                options.python_org_mirror
            ),
        ),
        Err(e) => Check::warn(
            "python.org",
            format!("{} unreachable ({e})", options.python_org_mirror),
            "builds use Debian's source package instead (--source auto or --source debian), \
             or a local tarball, tree or git repository"
                .to_string(),
        ),
    };
    let debian = match http_probe("http://deb.debian.org/debian/dists/trixie/InRelease") {
        Ok(_) => Check::ok(
            "debian",
            "deb.debian.org reachable: Debian source packages (3.13) and prebuilt interpreters (3.14, 3.15) can be used".to_string(),
        ),
        Err(e) => Check::warn(
            "debian",
            format!("deb.debian.org unreachable from this host ({e})"),
            "builds fetch from the mirror configured in the base image; check containers can reach it".to_string(),
        ),
    };
    vec![registry, python_org, debian]
}

/// The host's tools and gilbench's cache.
fn host_checks() -> Vec<Check> {
    let cache = match Cache::open() {
        Ok(cache) => Check::ok("cache", cache.root().display().to_string()),
        Err(e) => Check::fail(
            "cache",
            format!("{e:#}"),
            "set GILBENCH_CACHE to a writable folder".into(),
        ),
    };
    vec![
        tool_check(
            "mmdebstrap",
            "mmdebstrap",
            "needed only for `gilbench images bootstrap-base`: `apt-get install mmdebstrap`",
        ),
        tool_check(
            "git",
            "git",
            "needed only for git sources: `apt-get install git`",
        ),
        cache,
    ]
}

/// How quiet this host is for measuring, with a note first when the engine
/// is elsewhere.
fn machine_checks(engine: Option<&Engine>, chosen: Option<&BTreeSet<u32>>) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(engine) = engine.filter(|e| !e.host.starts_with("unix://")) {
        checks.push(Check::note(
            "machine",
            format!(
                "the engine is at {}: the checks below are of this host, not the engine's",
                engine.host
            ),
        ));
    }
    checks.extend(machine::checks(Path::new("/"), chosen));
    checks
}

fn print(checks: &[Check]) {
    for check in checks {
        let mark = match check.status {
            Status::Ok => "ok  ",
            Status::Note => "note",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        println!("{mark}  {:<11} {}", check.topic, check.finding);
        if let Some(advice) = &check.advice {
            println!("      {:<11} -> {advice}", "");
        }
    }
}

/// An error, with its exit code, when a check that builds or runs cannot
/// do without failed.
fn verdict(checks: &[Check]) -> Result<()> {
    let failed = |topic: &str| {
        checks
            .iter()
            .any(|c| c.topic == topic && c.status == Status::Fail)
    };
    if failed("engine") {
        return Err(
            Error::EngineUnavailable("a Docker engine does not answer: see above".into()).into(),
        );
    }
    if failed("base image") || failed("registry") || failed("cache") {
        return Err(Error::ImageUnavailable(
            "images cannot be had as configured: see above".into(),
        )
        .into());
    }
    Ok(())
}

fn http_probe(url: &str) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(4)))
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .head(url)
        .call()
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn tool_check(topic: &'static str, program: &str, advice: &str) -> Check {
    match std::process::Command::new(program)
        .arg("--version")
        .output()
    {
        Ok(_) => Check::ok(topic, format!("{program} is installed")),
        Err(_) => Check::warn(
            topic,
            format!("{program} is not installed"),
            advice.to_string(),
        ),
    }
}

/// Whether an engine answers, and what it is.
async fn check_engine(endpoint: &Endpoint) -> (Check, Option<Engine>) {
    let engine = match Engine::connect_to(endpoint).await {
        Ok(engine) => engine,
        Err(e) => {
            let text = format!("{e:#}");
            let mut lines = text.lines();
            let finding = lines.next().unwrap_or_default().to_string();
            let advice = lines
                .find_map(|l| l.strip_prefix("hint: "))
                .unwrap_or_default()
                .to_string();
            return (Check::fail("engine", finding, advice), None);
        }
    };
    let finding = match engine.facts().await {
        Ok(facts) => format!(
            "Docker {} at {}, API {} (engine supports up to {}), {} CPUs on {}",
            facts.version.unwrap_or_default(),
            engine.host,
            facts.api_version,
            facts.max_api_version.unwrap_or_default(),
            facts.cpus.unwrap_or_default(),
            facts.name.unwrap_or_default()
        ),
        Err(e) => format!("{} answers, but not `info`: {e:#}", engine.host),
    };
    (Check::ok("engine", finding), Some(engine))
}
