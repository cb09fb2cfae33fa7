//! Python packages in the images: a workload folder's requirements.txt
//! installed on the default and free-threaded builds (wheels for each ABI,
//! a lock, a cached image the second time), and a requirement that cannot
//! be met failing its build only, with pip's log, and nothing left behind.
//! The first test's images are reused by the others' unchanged builds.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::util::{self, gilbench, results, run, stage_leftovers, stderr, stdout};

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/deps/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Images the build of a derived image left behind: its build stage
/// (labelled with the 16 hex digits before `-deps` in the image's name, as
/// other builds may run on the same engine), or its image before the lock.
fn leftover_images(image_or_log: &str) -> String {
    let at = image_or_log.find("-deps").expect("a derived image's name");
    let stage = &image_or_log[at - 16..at];
    let pending = run(Command::new("docker").args([
        "images",
        "-q",
        "--filter",
        &format!("reference=gilbench/cpython:*{stage}-deps-pending"),
    ]));
    format!("{}{}", stage_leftovers(stage), stdout(&pending))
        .trim()
        .to_string()
}

/// Containers of a run that are still there.
fn run_containers(out: &Path) -> String {
    let filter = format!("label=org.gilbench.run={}", util::run_id(out));
    let output = run(Command::new("docker").args(["ps", "-aq", "--filter", &filter]));
    stdout(&output).trim().to_string()
}

fn package<'a>(build: &'a Value, name: &str) -> &'a Value {
    build["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the lock of {}", build["name"]))
}

#[test]
fn a_workload_folders_requirements_are_installed_per_abi_and_cached() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(gilbench()
        .args([
            "run",
            "--build",
            "3.13",
            "--build",
            "3.13t",
            "--workload",
            &fixture("workloads"),
            "--threads",
            "1,2",
            "--repeat",
            "2",
            "--warmup",
            "0",
            "--no-disturbance-check",
            "-o",
        ])
        .arg(&out));
    assert!(output.status.success(), "{}", stderr(&output));
    let results = results(&out);
    let builds = results["builds"].as_array().unwrap();
    let default = builds.iter().find(|b| b["name"] == "3.13").unwrap();
    let free = builds.iter().find(|b| b["name"] == "3.13t").unwrap();
    assert!(
        package(free, "numpy")["tags"]
            .as_str()
            .unwrap()
            .starts_with("cp313-cp313t-"),
        "{free}"
    );
    assert!(
        package(default, "numpy")["tags"]
            .as_str()
            .unwrap()
            .starts_with("cp313-cp313-")
    );
    assert_eq!(package(free, "numpy")["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        package(free, "sortedcontainers")["tags"],
        "py2.py3-none-any"
    );
    let samples = results["samples"].as_array().unwrap();
    assert_eq!(
        samples.len(),
        2 * 2 * 2 * 2,
        "builds × workloads × threads × repeats"
    );
    assert!(
        samples.iter().all(|s| s["sample"]["status"] == "ok"),
        "{samples:?}"
    );
    let report = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(report.contains("numpy 2.") && report.contains("cp313t"));

    // The same inputs: the same images, found in the cache.
    let started = Instant::now();
    let again = run(gilbench().args([
        "build",
        "3.13",
        "3.13t",
        "--requirements",
        &fixture("workloads/requirements.txt"),
    ]));
    let elapsed = started.elapsed();
    assert!(again.status.success());
    let images = util::built_images(&again);
    assert!(images.iter().all(|(_, how)| how == "cached"), "{images:?}");
    for (image, build) in images.iter().zip([default, free]) {
        assert_eq!(image.0, build["image"].as_str().unwrap());
    }
    eprintln!("cache hit of two derived images: {elapsed:?}");
    assert!(elapsed.as_secs() < 10, "{elapsed:?}");
    for (image, _) in &images {
        assert_eq!(leftover_images(image), "");
    }
    assert_eq!(run_containers(&out), "");
}

#[test]
fn a_build_whose_packages_fail_is_reported_and_the_others_are_measured() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // The fixture's C code compiles for the default ABI only.
    let output = run(gilbench()
        .args([
            "run",
            "--build",
            "3.13",
            "--build",
            "3.13t",
            "--workload",
            "countdown",
            "--project",
            &fixture("broken_ext"),
            "--threads",
            "1",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--no-disturbance-check",
            "-o",
        ])
        .arg(&out));
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("3.13t will not be measured"), "{err}");
    assert!(
        err.contains("Py_GIL_DISABLED") || err.contains("this is not C"),
        "{err}"
    );
    let log = err
        .lines()
        .find_map(|l| l.split("the whole log is in ").nth(1))
        .map(|rest| rest.trim_end_matches(" ---").trim().to_string())
        .expect("the path of the whole log");
    assert!(Path::new(&log).is_file(), "{log}");

    let results = results(&out);
    let missing = results["missing_builds"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["name"], "3.13t");
    let samples = results["samples"].as_array().unwrap();
    assert!(!samples.is_empty());
    assert!(
        samples
            .iter()
            .all(|s| s["build"] == "3.13" && s["sample"]["status"] == "ok")
    );
    let built = results["builds"][0]["packages"][0].clone();
    assert_eq!(built["name"], "broken-ext");
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("3.13t was not measured"), "{summary}");
    assert!(stdout(&output).contains("builds not measured"));
    assert_eq!(leftover_images(&log), "");
    assert_eq!(
        leftover_images(results["builds"][0]["image"].as_str().unwrap()),
        ""
    );
    assert_eq!(run_containers(&out), "");
}

#[test]
fn a_requirement_that_does_not_exist_fails_its_build_with_pips_log() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    // The fixture's requirements and one more line: a new image, whose build fails.
    let requirements = dir.path().join("requirements.txt");
    let mut text = std::fs::read_to_string(fixture("workloads/requirements.txt")).unwrap();
    text.push_str("gilbench-no-such-package==9.9\n");
    std::fs::write(&requirements, text).unwrap();
    let cached = run(gilbench().args([
        "build",
        "3.13",
        "--requirements",
        &fixture("workloads/requirements.txt"),
    ]));
    let output = run(gilbench()
        .args(["build", "3.13", "--requirements"])
        .arg(&requirements));
    assert_eq!(output.status.code(), Some(4));
    let err = stderr(&output);
    assert!(
        err.contains("No matching distribution found for gilbench-no-such-package==9.9"),
        "{err}"
    );
    assert!(err.contains("the whole log is in"), "{err}");
    let cached_image = &util::built_images(&cached)[0].0;
    let cached_tag = cached_image.rsplit(':').next().unwrap();
    assert!(
        !err.contains(cached_tag),
        "a changed line names another image"
    );
    let log = err
        .lines()
        .find_map(|l| l.split("the whole log is in ").nth(1))
        .unwrap();
    assert_eq!(leftover_images(log), "");
}

#[test]
fn debians_prebuilt_interpreter_gets_pip_from_debians_wheel() {
    let _engine = util::engine();
    // Debian's python3.14 comes without ensurepip; its dev headers come from sid.
    let output = run(gilbench().args([
        "build",
        "3.14@debian-binary",
        "--pip",
        "sortedcontainers",
        "--apt-option=-o Acquire::Check-Valid-Until=false",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let image = &util::built_images(&output)[0].0;
    let found = util::python_in(
        image,
        "import sortedcontainers, sys; print(sys.version_info[:2], sortedcontainers.__file__)",
    );
    assert!(
        found.starts_with("(3, 14) /opt/deps/site-packages/sortedcontainers/"),
        "{found}"
    );
    assert_eq!(leftover_images(image), "");
}

#[test]
fn credentials_in_the_index_address_stay_out_of_the_kept_image() {
    let _engine = util::engine();
    let token = "gilbench-test-token-7f3a";
    let output = run(gilbench()
        .env(
            "PIP_INDEX_URL",
            format!("https://tester:{token}@pypi.org/simple"),
        )
        .args(["build", "3.13", "--pip", "sortedcontainers"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let image = util::built_images(&output)[0].0.clone();
    // The saved image holds every layer, the history and the configuration.
    let saved = Command::new("docker")
        .args(["save", &image])
        .output()
        .unwrap();
    assert!(saved.status.success());
    assert!(saved.stdout.len() > 1_000_000);
    let found = saved
        .stdout
        .windows(token.len())
        .any(|w| w == token.as_bytes());
    assert!(!found, "the token is in {image}");
    assert_eq!(leftover_images(&image), "");
    run(Command::new("docker").args(["rmi", &image]));
}

/// accelfixture's wheels (`tests/fixtures/deps/accel`), built into `dir`
/// with the accelerator compiled on this host against `image`'s headers:
/// 1.0 pure Python and compiled for the default ABI, 2.0 compiled only.
fn accel_wheels(image: &str, dir: &Path) {
    let include = util::python_in(
        image,
        "import sysconfig; print(sysconfig.get_paths()['include'])",
    );
    let container = stdout(&run(Command::new("docker").args(["create", image])));
    let container = container.trim();
    let headers = dir.join("include");
    run(Command::new("docker")
        .args(["cp", &format!("{container}:{}", include.trim())])
        .arg(&headers));
    run(Command::new("docker").args(["rm", container]));
    let extension = dir.join("_speedups.so");
    let compiled = run(Command::new("gcc")
        .args(["-shared", "-fPIC", "-O2", "-I"])
        .arg(&headers)
        .arg(fixture("accel/_speedups.c"))
        .arg("-o")
        .arg(&extension));
    assert!(compiled.status.success(), "{}", stderr(&compiled));
    let made = run(Command::new("python3")
        .arg(fixture("accel/make_wheels.py"))
        .arg(dir.join("index"))
        .arg(&extension)
        .arg("cp313-cp313-linux_x86_64"));
    assert!(made.status.success(), "{}", stderr(&made));
}

/// The address at which containers on the default bridge reach this host.
fn bridge_gateway() -> String {
    let output = run(Command::new("docker").args([
        "network",
        "inspect",
        "bridge",
        "--format",
        "{{(index .IPAM.Config 0).Gateway}}",
    ]));
    stdout(&output).trim().to_string()
}

#[test]
fn a_cost_names_the_packages_the_builds_hold_differently() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    let interpreter = util::built_images(&run(gilbench().args(["build", "3.13"])));
    accel_wheels(&interpreter[0].0, dir.path());
    let gateway = bridge_gateway();
    let index = util::FileServer::start(&dir.path().join("index"), &gateway);
    let from_index = [
        "--pip".to_string(),
        "accelfixture".into(),
        "--pip-option=--no-index".into(),
        format!("--pip-option=--find-links={}/", index.url()),
        format!("--pip-option=--trusted-host={gateway}"),
    ];
    let out = dir.path().join("run");
    let output = run(gilbench()
        .args([
            "run",
            "--build",
            "3.13",
            "--build",
            "3.13t",
            "--workload",
            &fixture("accel_workload"),
        ])
        .args(&from_index)
        .args([
            "--threads",
            "1",
            "--repeat",
            "3",
            "--warmup",
            "0",
            "--no-disturbance-check",
            "-o",
        ])
        .arg(&out));
    assert!(output.status.success(), "{}", stderr(&output));
    let results = results(&out);
    let differences = results["package_differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert_eq!(differences[0]["name"], "accelfixture");
    assert_eq!(
        differences[0]["differs"],
        serde_json::json!(["version", "kind", "compiled"])
    );
    let said = "accelfixture is pure Python 1.0 on 3.13t (py3-none-any: no cp313t wheel) \
                and compiled 2.0 on 3.13 (cp313)";
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    // The summary escapes Markdown: accel\_sum.
    assert!(summary.contains("3.13t costs +"), "{summary}");
    assert!(
        summary.contains(&format!("compared with 3.13 — {said}.")),
        "{summary}"
    );

    // One version set: 3.13 installs again, held to the 1.0 that 3.13t got.
    let same = run(gilbench()
        .args(["build", "3.13", "3.13t", "--same-versions"])
        .args(&from_index));
    assert!(same.status.success(), "{}", stderr(&same));
    assert!(
        stderr(&same).contains("one version set for all builds: accelfixture==1.0"),
        "{}",
        stderr(&same)
    );
    for (image, _) in util::built_images(&same) {
        let labels = |format: &str| {
            let output = run(Command::new("docker").args(["inspect", "--format", format, &image]));
            stdout(&output).trim().to_string()
        };
        let lock = labels("{{index .Config.Labels \"org.gilbench.lock\"}}");
        assert!(lock.contains(r#""version":"1.0""#), "{image}: {lock}");
        assert_eq!(
            labels("{{index .Config.Labels \"org.gilbench.pins\"}}"),
            "accelfixture==1.0"
        );
        assert_eq!(leftover_images(&image), "");
    }
    // The index's port names these images: no later run finds them again.
    let measured = results["builds"].as_array().unwrap().iter();
    let first = measured.map(|b| b["image"].as_str().unwrap().to_string());
    for image in first.chain(util::built_images(&same).into_iter().map(|i| i.0)) {
        run(Command::new("docker").args(["rmi", &image]));
    }
}
