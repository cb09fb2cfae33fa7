//! `gilbench doctor`: what works, what does not, and what to do about it:
//! the engine, images, registry, sources and tools (here), and how quiet
//! the machine is for measuring (`machine.rs`, reading `proc.rs` and
//! `cpus.rs`).

mod cpus;
mod machine;
mod proc;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::cache::Cache;
use crate::engine::{Endpoint, Engine};
use crate::error::{Error, invalid_input};
use crate::images::{self, BuildOptions, base};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    /// Neither good nor bad: something gilbench cannot see.
    Note,
    Warn,
    Fail,
}

struct Check {
    status: Status,
    topic: &'static str,
    finding: String,
    advice: Option<String>,
}

impl Check {
    fn ok(topic: &'static str, finding: String) -> Check {
        Check {
            status: Status::Ok,
            topic,
            finding,
            advice: None,
        }
    }
    fn note(topic: &'static str, finding: String) -> Check {
        Check {
            status: Status::Note,
            topic,
            finding,
            advice: None,
        }
    }
    fn warn(topic: &'static str, finding: String, advice: String) -> Check {
        Check {
            status: Status::Warn,
            topic,
            finding,
            advice: Some(advice),
        }
    }
    fn fail(topic: &'static str, finding: String, advice: String) -> Check {
        Check {
            status: Status::Fail,
            topic,
            finding,
            advice: Some(advice),
        }
    }
}

/// Runs every check and prints them. `cpus` is the cpuset a run would use
/// (`--cpus`), for the machine checks; all CPUs without it. Every engine
/// given is checked; the rest of the checks use the first that answers.
pub async fn run(options: &BuildOptions, cpus: Option<&str>, engines: &[Endpoint]) -> Result<()> {
    let chosen: Option<BTreeSet<u32>> = cpus
        .map(|set| crate::cpuset::parse(set).map_err(invalid_input))
        .transpose()?;
    let mut checks = Vec::new();
    let endpoints = match engines {
        [] => vec![Endpoint::from_environment()],
        given => given.to_vec(),
    };
    let mut engine = None;
    for endpoint in &endpoints {
        let (check, reached) = check_engine(endpoint).await;
        checks.push(check);
        if engine.is_none() {
            engine = reached;
        }
    }

    let host_cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    if let Some(engine) = &engine {
        let facts = engine.facts().await?;
        let engine_cpus = facts.cpus.unwrap_or_default();
        let memory = facts.memory_bytes.unwrap_or_default() as f64 / (1u64 << 30) as f64;
        let finding =
            format!("{engine_cpus} on the engine ({memory:.1} GiB), {host_cpus} on this host");
        checks.push(if engine_cpus < 2 {
            Check::warn(
                "cpus",
                finding,
                "with one CPU nothing can scale; use a machine with at least 2".into(),
            )
        } else {
            Check::ok("cpus", finding)
        });

        checks.push(match images::current_base(engine, &options.base).await {
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
        });

        let built = images::list(engine, false).await?;
        checks.push(Check::ok(
            "images",
            format!(
                "{} interpreter image(s) built or pulled by gilbench",
                built.len()
            ),
        ));
    }

    checks.push(match &options.registry {
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
    });

    checks.push(match http_probe(&options.python_org_mirror) {
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
    });
    checks.push(match http_probe("http://deb.debian.org/debian/dists/trixie/InRelease") {
        Ok(_) => Check::ok(
            "debian",
            "deb.debian.org reachable: Debian source packages (3.13) and prebuilt interpreters (3.14, 3.15) can be used".to_string(),
        ),
        Err(e) => Check::warn(
            "debian",
            format!("deb.debian.org unreachable from this host ({e})"),
            "builds fetch from the mirror configured in the base image; check containers can reach it".to_string(),
        ),
    });
    checks.push(tool_check(
        "mmdebstrap",
        "mmdebstrap",
        "needed only for `gilbench images bootstrap-base`: `apt-get install mmdebstrap`",
    ));
    checks.push(tool_check(
        "git",
        "git",
        "needed only for git sources: `apt-get install git`",
    ));
    match Cache::open() {
        Ok(cache) => checks.push(Check::ok("cache", cache.root().display().to_string())),
        Err(e) => checks.push(Check::fail(
            "cache",
            format!("{e:#}"),
            "set GILBENCH_CACHE to a writable folder".into(),
        )),
    }

    if let Some(engine) = engine.as_ref().filter(|e| !e.host.starts_with("unix://")) {
        checks.push(Check::note(
            "machine",
            format!(
                "the engine is at {}: the checks below are of this host, not the engine's",
                engine.host
            ),
        ));
    }
    checks.extend(machine::checks(Path::new("/"), chosen.as_ref()));

    for check in &checks {
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
