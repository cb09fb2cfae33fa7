//! Package variants and the gate inside one run: a project's base and head
//! versions measured on 3.13 and 3.13t, interleaved sample by sample. A
//! head that does twice the work in one function fails the gate on both
//! builds, confirmed by fresh rounds (samples of a shared VM vary by up to
//! 2× at times, so a smaller difference would escape six rounds now and
//! then); an identical head passes, a rare first-round false alarm cleared
//! by the fresh rounds; a head that
//! no longer installs fails with its own message while the base is still
//! measured. A variant's image is built once per content and reused.

use std::path::{Path, PathBuf};

use clap::Parser;
use gilbench::analysis::gate::judge;
use gilbench::cache::Cache;
use gilbench::cli::{Cli, Command};
use gilbench::progress::Verbosity;
use gilbench::results::RunResults;
use gilbench::run::local::{LocalBuild, execute};
use serde_json::Value;

use crate::util::{self, fixture, gilbench, results, run, stderr, stdout};

/// A gated run of the fixture workload through the local sample source:
/// this host's `python3` with each variant's project on `PYTHONPATH`.
fn local_gated_run(variants: &[(&str, &str)], out: &Path, rest: &[&str]) -> anyhow::Result<()> {
    let mut line: Vec<String> = ["gilbench", "run", "--threads", "1", "--workload"]
        .iter()
        .map(ToString::to_string)
        .collect();
    line.push(fixture("variants/workloads/mixing.py"));
    line.extend(["--output".to_string(), out.display().to_string()]);
    line.extend(rest.iter().map(ToString::to_string));
    let Command::Run(run) = Cli::try_parse_from(&line).unwrap().command else {
        unreachable!("a run")
    };
    let builds = variants
        .iter()
        .map(|(name, project)| LocalBuild {
            name: name.to_string(),
            python: PathBuf::from("python3"),
            env: vec![("PYTHONPATH".into(), fixture(project))],
        })
        .collect();
    let never = tokio::sync::watch::channel(false).1;
    let cache = Cache::open()?;
    util::block_on(execute(
        run.into_start(line)?,
        builds,
        &cache,
        never,
        Verbosity::Quiet,
    ))?;
    Ok(())
}

#[test]
fn confirming_rounds_judge_again_on_fresh_samples_only() {
    // Timings: no engine test may run beside it.
    let _quiet = util::quiet();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let variants = [
        ("host[base]", "variants/base"),
        ("host[head]", "variants/head"),
    ];
    // The host's other load is not what this test is about.
    let gate = [
        "--repeat",
        "6",
        "--fail-above",
        "10%",
        "--confirm",
        "--no-disturbance-check",
    ];
    local_gated_run(&variants, &out, &gate).unwrap();
    let results = RunResults::load(&out).unwrap();
    let gate = results.config.gate.clone().unwrap();
    assert_eq!(gate.base, "base");
    let confirm = gate.confirm.unwrap();
    assert_eq!((confirm.from_repeat, confirm.rounds), (6, 10));
    let confirming = results
        .samples
        .iter()
        .filter(|r| !gate.is_first_judgement(r) && !r.sample.warmup)
        .count();
    assert!(confirming >= 2 * 10, "{confirming} confirming samples");
    let verdict = judge(&results, &gate, &[]).unwrap();
    assert_eq!(verdict.confirmation.len(), 1);
    let failed: Vec<&str> = verdict
        .failed
        .iter()
        .map(|c| c.new_build.as_str())
        .collect();
    assert_eq!(failed, ["host[head]"]);
    // The confirmation was judged on its own samples alone.
    let counted_head = results
        .samples
        .iter()
        .filter(|r| r.build == "host[head]" && !gate.is_first_judgement(r))
        .filter(|r| r.is_measurement())
        .count();
    let again = &verdict.confirmation[0].cells[0];
    assert_eq!(again.time.new.n, counted_head);
    assert!(counted_head >= 8, "{counted_head}");
    assert!(again.time.ratio.value > 1.1, "{:?}", again.time.ratio);
}

#[test]
fn a_gate_needs_two_variants() {
    let dir = tempfile::tempdir().unwrap();
    let one = [("host", "variants/base")];
    let error =
        local_gated_run(&one, &dir.path().join("run"), &["--fail-above", "5%"]).unwrap_err();
    assert!(
        format!("{error:#}").contains("--project base=../main"),
        "{error:#}"
    );
    let cli = Cli::try_parse_from(["gilbench", "run", "--confirm"]);
    assert!(cli.is_err(), "--confirm needs --fail-above");
}

/// `gilbench run` of the fixture workload on 3.13 and 3.13t, with the
/// base project and `head` as package variants, gated at 10 %.
fn gated_run(head: &Path, out: &Path, confirm: bool) -> std::process::Output {
    let mut command = gilbench();
    command
        .args(["run", "--build", "3.13", "--build", "3.13t", "--workload"])
        .arg(fixture("variants/workloads/mixing.py"))
        .arg("--project")
        .arg(format!("base={}", fixture("variants/base")))
        .arg("--project")
        .arg(format!("head={}", head.display()))
        .args(["--threads", "1", "--repeat", "6", "--warmup", "1"])
        .args(["--fail-above", "10%", "-o"])
        .arg(out);
    if confirm {
        command.arg("--confirm");
    }
    run(&mut command)
}

/// The builds' names in the order the run lists them.
fn builds(results: &Value) -> Vec<String> {
    results["config"]["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_slower_head_fails_the_gate_on_both_builds_and_an_identical_one_passes() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();

    let slower = dir.path().join("slower");
    let output = gated_run(Path::new(&fixture("variants/head")), &slower, true);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let results = results(&slower);
    assert_eq!(
        builds(&results),
        ["3.13[base]", "3.13[head]", "3.13t[base]", "3.13t[head]"]
    );
    // Each variant got its own image, holding its own version of the project.
    let images: Vec<&str> = results["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["image"].as_str().unwrap())
        .collect();
    assert_ne!(images[0], images[1]);
    // Every round took the four builds back to back (a retake right after
    // its sample): a round's samples follow each other.
    let measured: Vec<&Value> = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sample"]["warmup"] == false)
        .collect();
    for repeat in 0..16 {
        let seqs: Vec<u64> = measured
            .iter()
            .filter(|s| s["repeat"] == repeat)
            .map(|s| s["seq"].as_u64().unwrap())
            .collect();
        let span = seqs.iter().max().unwrap() - seqs.iter().min().unwrap() + 1;
        assert_eq!(span as usize, seqs.len(), "round {repeat}: {seqs:?}");
    }
    // A disturbed sample's retake is in the same round; count each once.
    let confirming = measured
        .iter()
        .filter(|s| s["repeat"].as_u64().unwrap() >= 6 && s["disturbed"] != true)
        .count();
    assert_eq!(confirming, 4 * 10, "10 fresh rounds of all four builds");
    let summary = std::fs::read_to_string(slower.join("summary.md")).unwrap();
    for build in ["3.13", "3.13t"] {
        let line = summary
            .lines()
            .find(|l| l.contains("The gate fails") && l.contains(&format!("on {build}\\[head\\]")))
            .unwrap_or_else(|| panic!("no gate failure on {build}:\n{summary}"));
        assert!(line.contains("mixing at 1 thread"), "{line}");
        assert!(line.contains("in 10 fresh rounds"), "{line}");
        let ratio: f64 = line
            .split(" is ")
            .nth(1)
            .and_then(|rest| rest.split('×').next())
            .and_then(|r| r.trim().parse().ok())
            .unwrap_or_else(|| panic!("a ratio in {line}"));
        assert!((1.5..2.6).contains(&ratio), "{line}");
    }

    // The comparison again, from the folder: the same verdict and exit code.
    let compared = run(gilbench().arg("compare").arg(&slower).args([
        "--variants",
        "base,head",
        "--fail-above",
        "10%",
    ]));
    assert_eq!(compared.status.code(), Some(6), "{}", stderr(&compared));
    let table = stdout(&compared);
    assert!(table.contains("variant base → variant head"), "{table}");
    assert!(table.contains("(confirming rounds)"), "{table}");
    assert!(table.contains("3.13t[head]"), "{table}");

    // An identical head passes; its image is the base's, found by content.
    let same = dir.path().join("same");
    let output = gated_run(Path::new(&fixture("variants/base")), &same, true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = std::fs::read_to_string(same.join("summary.md")).unwrap();
    assert!(summary.contains("The gate passes"), "{summary}");
    assert!(!summary.contains("The gate fails"), "{summary}");
}

#[test]
fn a_head_that_no_longer_installs_fails_the_gate_and_the_base_is_still_measured() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("broken");
    let output = gated_run(Path::new(&fixture("variants/broken")), &out, false);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("the gate cannot pass without package variant head"),
        "{err}"
    );
    assert!(err.contains("3.13[head] will not be measured"), "{err}");
    let results = results(&out);
    let missing: Vec<&str> = results["missing_builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["3.13[head]", "3.13t[head]"]);
    for build in ["3.13[base]", "3.13t[base]"] {
        let mut rounds: Vec<u64> = results["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["build"] == build && s["sample"]["status"] == "ok")
            .filter(|s| s["sample"]["warmup"] == false)
            .map(|s| s["repeat"].as_u64().unwrap())
            .collect();
        rounds.dedup();
        assert_eq!(rounds, [0, 1, 2, 3, 4, 5], "{build}: six rounds measured");
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("The gate cannot pass"), "{summary}");
    assert!(!summary.contains("The gate passes"), "{summary}");
}
