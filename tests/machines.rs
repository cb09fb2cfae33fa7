//! Several engines in one run: a second dockerd beside the first, each
//! engine on its own CPU, images through a local registry; split and
//! replicate; an engine killed mid-run; ssh and TLS engines, and the
//! errors of a wrong certificate or an unreachable host.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::registry::{Registry, free_port};
use crate::util::{self, fixture, gilbench, journal_samples, results, run, stderr};

const FIRST: &str = "unix:///var/run/docker.sock?cpus=0";

/// The second engine on the other CPU.
fn second() -> String {
    format!("{}?cpus=1", util::engines().engine2)
}

/// A run of the two counting workloads in two modes (four units) on the
/// 3.13 and 3.13t builds, at one thread.
fn plan(registry: &str, repeat: &str) -> Vec<String> {
    [
        "run",
        "--build",
        "3.13",
        "--build",
        "3.13t",
        "--workload",
        &fixture("engines"),
        "--mode",
        "threads,processes",
        "--threads",
        "1",
        "--repeat",
        repeat,
        "--warmup",
        "0",
        "--registry",
        registry,
        // The engines share one host: each other's load is not a disturbance.
        "--no-disturbance-check",
    ]
    .map(String::from)
    .to_vec()
}

fn samples(results: &Value) -> &Vec<Value> {
    results["samples"].as_array().unwrap()
}

/// (build, workload, mode, threads) → the machines that measured it.
fn cells(results: &Value) -> BTreeMap<(String, String, String, u64), BTreeSet<String>> {
    let mut cells: BTreeMap<_, BTreeSet<String>> = BTreeMap::new();
    for s in samples(results)
        .iter()
        .filter(|s| s["sample"]["status"] == "ok")
    {
        let key = (
            s["build"].as_str().unwrap().to_string(),
            s["workload"].as_str().unwrap().to_string(),
            s["sample"]["mode"].as_str().unwrap().to_string(),
            s["threads"].as_u64().unwrap(),
        );
        let machine = s["machine"].as_str().unwrap().to_string();
        cells.entry(key).or_default().insert(machine);
    }
    cells
}

/// Every cell of `plan`: two builds, two workloads, two modes, one thread.
fn planned_cells() -> BTreeSet<(String, String, String, u64)> {
    let mut all = BTreeSet::new();
    for build in ["3.13", "3.13t"] {
        for workload in ["count_down", "count_up"] {
            for mode in ["threads", "processes"] {
                all.insert((build.into(), workload.into(), mode.into(), 1));
            }
        }
    }
    all
}

fn machine_ids(results: &Value) -> Vec<String> {
    results["machines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Kills the second engine's dockerd as a crash would.
fn kill_second_engine() {
    let pid = std::fs::read_to_string("/run/gilbench-test/engine2.pid").unwrap();
    let killed = Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// Runs `args` in the background and kills the second engine once the
/// journal holds `samples` samples; returns the run's output.
fn run_and_kill_second_engine(args: &[String], dir: &Path, samples: usize) -> Output {
    let child = gilbench()
        .args(args)
        .arg("-o")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    while journal_samples(dir) < samples {
        assert!(Instant::now() < deadline, "never got to {samples} samples");
        std::thread::sleep(Duration::from_millis(50));
    }
    kill_second_engine();
    let output = child.wait_with_output().unwrap();
    eprintln!("{}", stderr(&output));
    output
}

#[test]
fn split_replicate_and_a_lost_engine_over_two_engines() {
    let _engine = util::engine();
    let scratch = tempfile::tempdir().unwrap();
    let port = free_port();
    let _registry = Registry::start(scratch.path(), port);
    let registry = format!("127.0.0.1:{port}");
    let engines = ["--engine", FIRST, "--engine", &second()].map(String::from);
    let dir = |name: &str| scratch.path().join(name);

    // Split: every cell once, each unit's cells on one machine, both used.
    let mut split = plan(&registry, "2");
    split.extend(engines.clone());
    let output = run(gilbench().args(&split).arg("-o").arg(dir("split")));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("through {registry}")),
        "images reach the second engine through the registry"
    );
    let split_results = results(&dir("split"));
    let ids = machine_ids(&split_results);
    assert_eq!(ids.len(), 2, "{ids:?}");
    let split_cells = cells(&split_results);
    assert_eq!(
        split_cells.keys().cloned().collect::<BTreeSet<_>>(),
        planned_cells()
    );
    let mut unit_machines: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for ((_, workload, mode, _), machines) in &split_cells {
        unit_machines
            .entry((workload.clone(), mode.clone()))
            .or_default()
            .extend(machines.iter().cloned());
    }
    assert!(
        unit_machines.values().all(|m| m.len() == 1),
        "a unit crossed machines: {unit_machines:?}"
    );
    let used: BTreeSet<&String> = unit_machines.values().flatten().collect();
    assert_eq!(used.len(), 2, "both engines measured: {unit_machines:?}");
    let summary = std::fs::read_to_string(dir("split").join("summary.md")).unwrap();
    // Markdown escapes the `#` of a second machine on one host.
    assert!(
        ids.iter()
            .all(|id| summary.contains(&id.replace('#', "\\#"))),
        "{summary}"
    );

    // Replicate: every cell on both machines; the report compares them.
    let mut replicate = plan(&registry, "2");
    replicate.extend(engines.clone());
    replicate.extend(["--distribute", "replicate"].map(String::from));
    let output = run(gilbench().args(&replicate).arg("-o").arg(dir("replicate")));
    assert!(output.status.success(), "{}", stderr(&output));
    let replicated = results(&dir("replicate"));
    let replicated_cells = cells(&replicated);
    assert_eq!(
        replicated_cells.keys().cloned().collect::<BTreeSet<_>>(),
        planned_cells()
    );
    assert!(
        replicated_cells.values().all(|m| m.len() == 2),
        "{replicated_cells:?}"
    );
    let ids = machine_ids(&replicated);
    for id in &ids {
        let folder = dir("replicate").join("machines").join(id.replace('#', "_"));
        assert!(folder.join("index.html").exists(), "{}", folder.display());
    }
    let overview = std::fs::read_to_string(dir("replicate").join("summary.md")).unwrap();
    assert!(
        overview.contains(&format!("{} against {}", ids[1], ids[0]).replace('#', "\\#")),
        "{overview}"
    );

    // The second engine dies mid-run, split: the first finishes its cells,
    // nothing measured is lost, exit 7.
    let mut lost = plan(&registry, "6");
    lost.extend(engines.clone());
    let output = run_and_kill_second_engine(&lost, &dir("lost"), 10);
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    assert!(stderr(&output).contains("stopped answering"));
    let lost_results = results(&dir("lost"));
    let journal = journal_samples(&dir("lost"));
    assert_eq!(samples(&lost_results).len(), journal, "nothing lost");
    let survivor = &machine_ids(&lost_results)[0];
    let lost_cells = cells(&lost_results);
    assert_eq!(
        lost_cells.keys().cloned().collect::<BTreeSet<_>>(),
        planned_cells()
    );
    assert_eq!(lost_results["lost_engines"].as_array().unwrap().len(), 1);
    // The lost engine's unit was measured afresh: six samples of every cell
    // on the survivor, whatever the lost engine had taken.
    let mut on_survivor: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for s in samples(&lost_results)
        .iter()
        .filter(|s| s["machine"] == survivor.as_str() && s["sample"]["status"] == "ok")
    {
        let cell = ["build", "workload"].map(|k| s[k].as_str().unwrap().to_string());
        let mode = s["sample"]["mode"].as_str().unwrap().to_string();
        *on_survivor
            .entry((cell[0].clone(), cell[1].clone(), mode))
            .or_default() += 1;
    }
    assert_eq!(on_survivor.len(), planned_cells().len(), "{on_survivor:?}");
    assert!(on_survivor.values().all(|n| *n == 6), "{on_survivor:?}");
    let findings = std::fs::read_to_string(dir("lost").join("summary.md")).unwrap();
    assert!(findings.contains("stopped answering"), "{findings}");
    // Resumed on the engine that is left: nothing missing, nothing taken again.
    let resumed = run(gilbench()
        .args(["run", "--resume"])
        .arg(dir("lost"))
        .args(["--engine", FIRST]));
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(samples(&results(&dir("lost"))).len(), journal);

    // Replicate, the second engine dies: its cells are missing until it is
    // back and the run is resumed.
    let second_engine = util::restart_engines();
    let mut replicate_lost = plan(&registry, "4");
    replicate_lost.extend(["--engine", FIRST, "--engine", &second_engine].map(String::from));
    replicate_lost.extend(["--distribute", "replicate"].map(String::from));
    let output = run_and_kill_second_engine(&replicate_lost, &dir("resume"), 6);
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    assert!(stderr(&output).contains("--resume"), "{}", stderr(&output));
    let before = cells(&results(&dir("resume")));
    assert!(before.values().any(|m| m.len() == 1), "{before:?}");
    util::restart_engines();
    let resumed = run(gilbench().args(["run", "--resume"]).arg(dir("resume")));
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let after = results(&dir("resume"));
    let complete = cells(&after);
    assert!(complete.values().all(|m| m.len() == 2), "{complete:?}");
    // Each cell has its four samples on each machine: none taken twice.
    let per_machine = samples(&after)
        .iter()
        .filter(|s| s["sample"]["status"] == "ok" && s["disturbed"] != true)
        .count();
    assert_eq!(per_machine, planned_cells().len() * 4 * 2);

    // The killed engine kept the containers it ran; clean removes them.
    let cleaned = run(gilbench().args(["clean", "--engine", &util::engines().engine2]));
    assert!(cleaned.status.success(), "{}", stderr(&cleaned));
    let removed: usize = util::stdout(&cleaned)
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(removed >= 2, "{}", util::stdout(&cleaned));
}

#[test]
fn ssh_and_tls_engines_run_samples_and_bad_addresses_fail_fast() {
    let _engine = util::engine();
    let engines = util::engines();
    let scratch = tempfile::tempdir().unwrap();
    let port = free_port();
    let _registry = Registry::start(scratch.path(), port);
    let registry = format!("127.0.0.1:{port}");
    let tiny = |engine: &str, out: &str| {
        let mut command = gilbench();
        command
            .args(["run", "--build", "3.13", "--workload"])
            .arg(fixture("engines/count_up.py"))
            .args(["--threads", "1", "--repeat", "2", "--warmup", "0"])
            .arg("--no-disturbance-check")
            .args([
                "--registry",
                &registry,
                "--engine",
                FIRST,
                "--engine",
                engine,
            ])
            .arg("-o")
            .arg(scratch.path().join(out));
        command
    };

    // ssh: the first engine again, through sshd, with the agent's key.
    let output = run(tiny(&format!("{}?cpus=1", engines.ssh_engine), "ssh")
        .env("SSH_AUTH_SOCK", &engines.ssh_auth_sock)
        .args(["--distribute", "replicate"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let over_ssh = results(&scratch.path().join("ssh"));
    let ssh_machine = over_ssh["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["engine"].as_str().unwrap().starts_with("ssh://"))
        .expect("the ssh engine is a machine")["id"]
        .clone();
    assert_eq!(
        samples(&over_ssh)
            .iter()
            .filter(|s| s["machine"] == ssh_machine && s["sample"]["status"] == "ok")
            .count(),
        2
    );

    // TLS: the second engine on its TCP port, Docker's certificate layout.
    let output = run(tiny(&format!("{}?cpus=1", engines.tls_engine), "tls")
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &engines.tls_certs)
        .args(["--distribute", "replicate"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let over_tls = results(&scratch.path().join("tls"));
    assert_eq!(machine_ids(&over_tls).len(), 2);
    assert!(cells(&over_tls).values().all(|m| m.len() == 2));

    // A certificate the engine does not trust, a port nothing listens on,
    // an ssh login without a key: exit 3 within seconds, saying what to check.
    let fast = |command: &mut Command, advice: &str| {
        let started = Instant::now();
        let output = run(command);
        let said = format!("{}{}", util::stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(3), "{said}");
        assert!(said.contains(advice), "{said}");
        assert!(started.elapsed() < Duration::from_secs(30));
    };
    fast(
        tiny(&engines.tls_engine, "wrong")
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", &engines.wrong_certs),
        "DOCKER_CERT_PATH",
    );
    fast(
        &mut tiny(&format!("tcp://127.0.0.1:{}", free_port()), "closed"),
        "Connection refused",
    );
    fast(
        tiny(&engines.ssh_engine, "no-key").env_remove("SSH_AUTH_SOCK"),
        "Permission denied",
    );
    fast(
        gilbench()
            .args(["doctor", "--engine", &engines.tls_engine])
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", &engines.wrong_certs),
        "FAIL  engine",
    );
}
