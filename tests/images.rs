//! Real images through the real engine: the three variants from Debian's
//! source package, a local tarball, a git repository and a source tree,
//! Debian's prebuilt interpreter, a registry round trip, concurrent
//! requests, a failing build and the base bootstrap.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::registry::{Registry, free_port};
use crate::util::{
    self, FileServer, built_images, cached_release_tarball, gilbench, python_in, python_in_env,
    run, stage_leftovers, stderr, stdout,
};

const SID_APT: &str = "--apt-option=-o Acquire::Check-Valid-Until=false";

const FACTS: &str = "import os, sys, sysconfig; \
    print(sys.version.split()[0], sysconfig.get_config_var('Py_GIL_DISABLED'), \
    '_Py_JIT' in (sysconfig.get_config_var('PY_CORE_CFLAGS') or ''), os.getuid(), sys.prefix)";

#[test]
fn three_variants_build_from_debian_source_then_come_from_cache() {
    let _engine = util::engine();
    let first = run(gilbench().args(["build", "3.13", "3.13t", "--build", "3.13-jit"]));
    assert!(first.status.success());
    let images = built_images(&first);
    assert_eq!(images.len(), 3);

    let facts: Vec<String> = images
        .iter()
        .map(|(image, _)| python_in(image, FACTS))
        .collect();
    assert_eq!(facts[0], "3.13.5 0 False 10001 /opt/python");
    assert_eq!(facts[1], "3.13.5 1 False 10001 /opt/python");
    assert_eq!(facts[2], "3.13.5 0 True 10001 /opt/python");
    // The JIT is built in and off until PYTHON_JIT=1 switches it on.
    let optimizer = |env: &[&str]| {
        python_in_env(
            &images[2].0,
            env,
            "import _testinternalcapi as t; print(type(t.get_optimizer()).__name__)",
        )
    };
    let on = optimizer(&["PYTHON_JIT=1"]);
    assert!(
        on.to_lowercase().contains("uop"),
        "the JIT's optimizer is on: {on}"
    );
    assert_eq!(optimizer(&[]), "NoneType", "off by default");

    // Unchanged inputs: every image is found by its content hash, no build step runs.
    let second = run(gilbench().args(["build", "3.13", "3.13t", "3.13-jit"]));
    assert!(second.status.success());
    let again = built_images(&second);
    assert_eq!(
        again.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>(),
        images.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>()
    );
    assert!(again.iter().all(|(_, how)| how == "cached"), "{again:?}");
    assert!(!stderr(&second).contains("step "), "no build step ran");

    let listing = stdout(&run(gilbench().args(["images", "list"])));
    for (image, _) in &images {
        assert!(listing.contains(image.as_str()), "{listing}");
    }
    assert!(
        listing.contains("free-threaded") && listing.contains("jit") && listing.contains("quick")
    );
}

#[test]
fn a_local_tarball_of_the_same_release_is_the_same_image() {
    let _engine = util::engine();
    let debian = built_images(&run(gilbench().args(["build", "3.13"])));
    let dir = tempfile::tempdir().unwrap();
    let tarball = dir.path().join("my-python.tar.xz");
    fs::copy(cached_release_tarball(), &tarball).unwrap();
    let output = run(gilbench().args(["build", &format!("3.13.5@tarball:{}", tarball.display())]));
    assert!(output.status.success());
    let local = built_images(&output);
    assert_eq!(local[0].0, debian[0].0, "equal bytes give the equal image");
    assert_eq!(local[0].1, "cached");

    let missing = run(gilbench().args(["build", "3.13@tarball:/nonexistent/Python.tar.xz"]));
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("does not exist"));
}

/// Unpacks the release into `dir` and commits it on branch `research`.
fn make_git_checkout(dir: &Path) {
    let status = Command::new("tar")
        .args(["-xf"])
        .arg(cached_release_tarball())
        .args(["--strip-components=1", "-C"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success());
    let git = |args: &[&str]| {
        let output = run(Command::new("git").arg("-C").arg(dir).args(args));
        assert!(output.status.success(), "git {args:?}");
    };
    git(&["init", "--quiet", "--initial-branch=research"]);
    git(&["add", "--all"]);
    git(&[
        "-c",
        "user.name=gilbench",
        "-c",
        "user.email=gilbench@localhost",
        "commit",
        "--quiet",
        "-m",
        "3.13.5",
    ]);
}

#[test]
fn a_git_repository_and_its_source_tree_build_the_same_image() {
    let _engine = util::engine();
    let dir = tempfile::tempdir().unwrap();
    make_git_checkout(dir.path());
    let url = format!("file://{}", dir.path().display());

    let from_git = run(gilbench().args(["build", &format!("3.13t@git:{url}#research")]));
    assert!(from_git.status.success());
    let image = built_images(&from_git)[0].0.clone();
    assert!(
        image.starts_with("gilbench/cpython:3.13.5t-quick-"),
        "{image}"
    );
    assert_eq!(python_in(&image, FACTS), "3.13.5 1 False 10001 /opt/python");
    let labels = stdout(&run(Command::new("docker").args([
        "inspect",
        "--format",
        "{{json .Config.Labels}}",
        &image,
    ])));
    assert!(
        labels.contains("\"org.gilbench.source\":\"git file://"),
        "{labels}"
    );

    // The same tree as a folder packs to the same bytes: no second build.
    let from_dir = run(gilbench().args(["build", &format!("3.13t@dir:{}", dir.path().display())]));
    assert!(from_dir.status.success());
    assert_eq!(built_images(&from_dir)[0], (image, "cached".to_string()));

    let bad_ref = run(gilbench().args(["build", &format!("3.13t@git:{url}#no-such-branch")]));
    assert_eq!(bad_ref.status.code(), Some(2));
    assert!(stderr(&bad_ref).contains("ref `no-such-branch` is not in"));

    let wrong_version =
        run(gilbench().args(["build", &format!("3.14t@dir:{}", dir.path().display())]));
    assert_eq!(wrong_version.status.code(), Some(2));
    assert!(stderr(&wrong_version).contains("holds CPython 3.13.5, but the build asks for 3.14"));

    let not_cpython = run(gilbench().args(["build", "3.13@dir:/tmp"]));
    assert_eq!(not_cpython.status.code(), Some(2));
    assert!(stderr(&not_cpython).contains("is not a CPython source tree"));
}

#[test]
fn prebuilt_debian_interpreter_registry_round_trip_and_single_build() {
    let _engine = util::engine();
    let spec = "3.14@debian-binary";
    let built = run(gilbench().args(["build", spec, SID_APT]));
    assert!(built.status.success());
    let image = built_images(&built)[0].0.clone();
    assert!(python_in(&image, "import sys; print(sys.version)").starts_with("3.14."));
    let interpreters = python_in(&image, "import concurrent.interpreters; print('ok')");
    assert_eq!(interpreters, "ok");

    // Push to a local registry, drop the local copy, and get it back by pulling.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _registry = Registry::start(dir.path(), port);
    let registry = format!("127.0.0.1:{port}");
    let pushed = run(gilbench().args(["images", "push", "3.14", "--registry", &registry]));
    assert!(pushed.status.success());
    assert!(stderr(&pushed).contains(&format!("pushed {registry}/gilbench/cpython:")));
    let pruned = run(gilbench().args(["images", "prune", "3.14"]));
    assert!(stdout(&pruned).contains(&format!("removed {image}")));
    let pulled = run(gilbench().args(["build", spec, SID_APT, "--registry", &registry]));
    assert!(pulled.status.success());
    assert_eq!(
        built_images(&pulled)[0],
        (image.clone(), "pulled".to_string())
    );

    // Two concurrent requests for an absent image: one builds, one waits and reuses.
    assert!(
        run(gilbench().args(["images", "prune", "3.14"]))
            .status
            .success()
    );
    let start = || {
        gilbench()
            .args(["build", spec, SID_APT])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (start(), start());
    let outcomes: Vec<String> = [first, second]
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success());
            built_images(&output)[0].1.clone()
        })
        .collect();
    let mut sorted = outcomes.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["built", "cached"], "{outcomes:?}");
}

#[test]
fn a_failed_build_shows_the_log_tail_and_saves_the_whole_log() {
    let _engine = util::engine();
    // A "source" with a version header but no configure script.
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("broken");
    fs::create_dir_all(tree.join("Include")).unwrap();
    fs::write(
        tree.join("Include/patchlevel.h"),
        "#define PY_VERSION \"3.13.5\"\n",
    )
    .unwrap();
    let output = run(gilbench().args(["build", &format!("3.13@dir:{}", tree.display())]));
    assert_eq!(output.status.code(), Some(4));
    let text = stderr(&output);
    assert!(text.contains("--- last"), "{text}");
    assert!(
        text.contains("./configure: not found") || text.contains("configure: No such file"),
        "{text}"
    );
    let log_path = text
        .lines()
        .find_map(|line| {
            line.strip_prefix("--- the whole log is in ")?
                .strip_suffix(" ---")
        })
        .expect("the log's path is given");
    let log = fs::read_to_string(log_path).unwrap();
    assert!(
        log.contains("Step 1/") && log.contains("configure"),
        "the log is whole"
    );
    // build-3.13.5-quick-<16 hex>.log: the failed build's stage is gone.
    let stage_id = &log_path[log_path.len() - 20..log_path.len() - 4];
    assert_eq!(stage_leftovers(stage_id), "");
}

#[test]
fn a_missing_base_says_how_to_bootstrap_one() {
    let _engine = util::engine();
    let output = run(gilbench().args([
        "build",
        "3.13",
        "--base",
        "gilbench-test/absent:1",
        "--no-pull",
    ]));
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("gilbench images bootstrap-base"));
}

#[test]
fn bootstrap_base_imports_a_debian_root_filesystem() {
    let _engine = util::engine();
    let tag = "gilbench-test/debian:bootstrap";
    let output = run(gilbench().args(["images", "bootstrap-base", "--tag", tag, "--force"]));
    assert!(output.status.success());
    let release = run(Command::new("docker").args([
        "run",
        "--rm",
        tag,
        "sh",
        "-c",
        ". /etc/os-release; echo $VERSION_CODENAME",
    ]));
    assert_eq!(stdout(&release).trim(), "trixie");
    let labels = stdout(&run(Command::new("docker").args([
        "inspect",
        "--format",
        "{{json .Config.Labels}}",
        tag,
    ])));
    assert!(
        labels.contains("\"org.gilbench.role\":\"base\""),
        "{labels}"
    );
    let again = run(gilbench().args(["images", "bootstrap-base", "--tag", tag]));
    assert!(stderr(&again).contains("exists already"));
    run(Command::new("docker").args(["rmi", tag]));
}

#[test]
fn doctor_reports_the_engine_and_base() {
    let _engine = util::engine();
    let output = run(gilbench().arg("doctor"));
    assert!(output.status.success());
    let text = stdout(&output);
    let version = stdout(&run(Command::new("docker").args([
        "version",
        "--format",
        "{{.Server.APIVersion}}",
    ])));
    assert!(text.contains(&format!("API {}", version.trim())), "{text}");
    assert!(text.contains("ok    base image"), "{text}");
    assert!(text.contains("python.org"), "{text}");
}

#[test]
fn release_downloads_are_verified_against_the_published_checksum() {
    let _engine = util::engine();
    let debian = built_images(&run(gilbench().args(["build", "3.13"])));
    // A mirror laid out like python.org's, serving the genuine tarball.
    let mirror = tempfile::tempdir().unwrap();
    fs::create_dir_all(mirror.path().join("3.13.5")).unwrap();
    fs::copy(
        cached_release_tarball(),
        mirror.path().join("3.13.5/Python-3.13.5.tar.xz"),
    )
    .unwrap();
    let server = FileServer::start(mirror.path(), "127.0.0.1");
    let url = server.url();
    // A cache of its own, so the tarball really is downloaded.
    let cache = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["build", "3.13.5@python.org", "--python-org-mirror", &url])
        .env("GILBENCH_CACHE", cache.path()));
    assert!(output.status.success());
    assert_eq!(
        built_images(&output)[0].0,
        debian[0].0,
        "the verified download is the same release"
    );
    assert!(cache.path().join("sources/Python-3.13.5.tar.xz").exists());

    // A tampered tarball is refused and not kept.
    fs::write(
        mirror.path().join("3.13.5/Python-3.13.5.tar.xz"),
        b"not the release",
    )
    .unwrap();
    let tampered = tempfile::tempdir().unwrap();
    let refused = run(gilbench()
        .args(["build", "3.13.5@python.org", "--python-org-mirror", &url])
        .env("GILBENCH_CACHE", tampered.path()));
    assert_eq!(refused.status.code(), Some(4));
    assert!(stderr(&refused).contains("does not match its published checksum"));
    assert!(
        !tampered
            .path()
            .join("sources/Python-3.13.5.tar.xz")
            .exists()
    );

    // A release gilbench has no checksum for needs one from the user.
    let unknown = run(gilbench()
        .args(["build", "3.13.99@python.org", "--python-org-mirror", &url])
        .env("GILBENCH_CACHE", tampered.path()));
    assert_eq!(unknown.status.code(), Some(4));
    assert!(stderr(&unknown).contains("pass --sha256"));
}

#[test]
fn an_expired_suite_fails_with_the_apt_option_advice() {
    let _engine = util::engine();
    // Verified on this project's mirror: sid's Release file has expired, so
    // without the option apt refuses it.
    let output = run(gilbench().args(["build", "3.14@debian-binary"]));
    assert_eq!(output.status.code(), Some(4));
    let text = stderr(&output);
    assert!(text.contains("is expired"), "{text}");
    assert!(
        text.contains("--apt-option='-o Acquire::Check-Valid-Until=false'"),
        "{text}"
    );
}

#[test]
fn a_missing_default_base_is_bootstrapped_by_the_run_itself() {
    let _engine = util::engine();
    // Take the default base's stand-in away, keeping it under another name
    // so that it (and every image built on it) comes back afterwards.
    let stand_in = "gilbench/debian:trixie";
    let kept = "gilbench-test/debian:kept";
    assert!(
        run(Command::new("docker").args(["tag", stand_in, kept]))
            .status
            .success()
    );
    assert!(
        run(Command::new("docker").args(["rmi", stand_in]))
            .status
            .success()
    );
    let dir = tempfile::tempdir().unwrap();
    let output = run(gilbench()
        .args(["run", "--build", "3.13", "--workload", "countdown"])
        .args(["--threads", "1", "--repeat", "1", "--warmup", "0", "-o"])
        .arg(dir.path()));
    let bootstrapped =
        run(Command::new("docker").args(["inspect", "--format", "{{.Id}}", stand_in]));
    // Restore the original base before asserting, whatever happened, and
    // remove the new base with everything built on it: each run makes a
    // different one, and left behind they would fill the disk.
    run(Command::new("docker").args(["tag", kept, stand_in]));
    run(Command::new("docker").args(["rmi", kept]));
    let bootstrapped_id = stdout(&bootstrapped).trim().to_string();
    if !bootstrapped_id.is_empty() {
        let label = format!("label=org.gilbench.base-id={bootstrapped_id}");
        let built_on_it = run(Command::new("docker").args(["images", "-q", "--filter", &label]));
        for image in stdout(&built_on_it).split_whitespace() {
            run(Command::new("docker").args(["rmi", "-f", image]));
        }
        // Usually gone with its last image already.
        run(Command::new("docker").args(["rmi", &bootstrapped_id]));
    }
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("creating gilbench/debian:trixie from Debian packages"),
        "the run said why it bootstrapped"
    );
    assert!(bootstrapped.status.success(), "the run created the base");
    let results = fs::read_to_string(dir.path().join("results.json")).unwrap();
    assert!(results.contains("\"status\": \"complete\""));
    // The new base meant a new build, whose compiler stage is gone.
    let image = stderr(&output)
        .lines()
        .find_map(|line| {
            line.split_once("building gilbench/cpython:")?
                .1
                .split(':')
                .next()
        })
        .map(str::to_string)
        .expect("the run built an image");
    assert_eq!(stage_leftovers(&image[image.len() - 16..]), "");
}
