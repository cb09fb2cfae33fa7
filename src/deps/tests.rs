use std::collections::BTreeMap;
use std::path::PathBuf;

use super::lock;
use super::network::{self, PipNetwork};
use super::*;
use crate::results::LockedPackage;

fn deps(requirements: &str, index: &str) -> Dependencies {
    Dependencies {
        requirements: vec![(PathBuf::from("/a/requirements.txt"), requirements.into())],
        pip: vec!["six".into()],
        project: None,
        pip_options: vec![],
        pins: vec![],
        network: PipNetwork {
            index: vec![("PIP_INDEX_URL".into(), index.into())],
            ca_bundle: None,
        },
    }
}

#[test]
fn the_hash_follows_requirement_texts_but_not_credentials_or_paths() {
    let reference = deps("numpy\n", "https://u:token1@pypi.example/simple").content_hash();
    assert_eq!(
        reference,
        deps("numpy\n", "https://u:token2@pypi.example/simple").content_hash()
    );
    let mut moved = deps("numpy\n", "https://u:token1@pypi.example/simple");
    moved.requirements[0].0 = PathBuf::from("/elsewhere/req.txt");
    moved.network.ca_bundle = Some(("/ca.pem".into(), b"cert".to_vec()));
    assert_eq!(reference, moved.content_hash());
    assert_ne!(
        reference,
        deps("numpy==2.4.6\n", "https://u:token1@pypi.example/simple").content_hash()
    );
    assert_ne!(
        reference,
        deps("numpy\n", "https://mirror.example/simple").content_hash()
    );
    let mut option = deps("numpy\n", "https://u:token1@pypi.example/simple");
    option.pip_options.push("--only-binary=:all:".into());
    assert_ne!(reference, option.content_hash());
}

#[test]
fn credentials_are_redacted_and_values_quoted_for_the_shell() {
    assert_eq!(
        network::redact("https://user:s3cret@host:8443/simple https://other/x"),
        "https://host:8443/simple https://other/x"
    );
    assert_eq!(network::shell_quote("it's"), r"'it'\''s'");
    let exports = deps("", "https://u:t@h/simple")
        .network
        .shell_exports("/tmp/pip/ca.pem");
    assert_eq!(exports, "export PIP_INDEX_URL='https://u:t@h/simple'");
}

#[test]
fn pip_configuration_names_the_ca_bundle() {
    let text = "[global]\ntimeout = 60\ncert = /etc/ssl/certs/ca-certificates.crt\n";
    assert_eq!(
        network::config_cert(text),
        Some(PathBuf::from("/etc/ssl/certs/ca-certificates.crt"))
    );
    assert_eq!(network::config_cert("[freeze]\ncert = /x\n"), None);
}

#[test]
fn recorded_inputs_come_back_as_they_were() {
    let inputs = DependencyInputs {
        requirements: vec!["/w/requirements.txt".into()],
        pip: vec!["numpy>=2".into(), "six".into()],
        project: Some("/p".into()),
        pip_options: vec!["--no-binary=:all:".into()],
        ca_cert: None,
        same_versions: true,
        pins: Vec::new(),
        variants: vec![
            variants::PackageVariant {
                name: "base".into(),
                project: Some("/main".into()),
                requirements: vec![],
            },
            variants::PackageVariant {
                name: "head".into(),
                project: Some("/pr".into()),
                requirements: vec!["/pr/requirements.txt".into()],
            },
        ],
    };
    let mut record = BTreeMap::new();
    inputs.record(&mut record);
    assert_eq!(DependencyInputs::from_record(&record), inputs);
    assert!(DependencyInputs::from_record(&BTreeMap::new()).is_empty());
}

#[test]
fn pip_arguments_name_the_files_in_the_build_context() {
    let mut with_project = deps("numpy\n", "");
    with_project.project = Some(Project {
        dir: "/p".into(),
        files: vec![],
    });
    with_project.pip_options.push("--no-deps".into());
    assert_eq!(
        with_project.pip_arguments(),
        [
            "-r",
            "/tmp/pip/req-0.txt",
            "six",
            "/tmp/pip/project",
            "--no-deps"
        ]
    );
}

const REPORT: &str = r#"{
  "version": "1", "pip_version": "25.1.1",
  "install": [
    {"download_info": {"url": "https://files.example/packages/ab/numpy-2.4.6-cp313-cp313t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
      "archive_info": {"hash": "sha256=aaaa", "hashes": {"sha256": "aaaa"}}},
     "is_direct": false, "requested": true,
     "metadata": {"name": "numpy", "version": "2.4.6"}},
    {"download_info": {"url": "file:///tmp/pip/project", "dir_info": {}},
     "is_direct": true, "requested": true,
     "metadata": {"name": "broken-ext", "version": "0.1"}},
    {"download_info": {"url": "https://files.example/six-1.17.0.tar.gz",
      "archive_info": {"hash": "sha256=bbbb"}},
     "requested": false, "metadata": {"name": "Six", "version": "1.17.0"}}
  ]
}"#;

#[test]
fn the_lock_reads_files_tags_and_checksums_from_pips_report() {
    let packages = lock::from_pip_report(REPORT).unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["broken-ext", "numpy", "Six"]);
    let numpy = &packages[1];
    assert_eq!(
        numpy.tags,
        "cp313-cp313t-manylinux_2_27_x86_64.manylinux_2_28_x86_64"
    );
    assert_eq!((numpy.sha256.as_str(), numpy.requested), ("aaaa", true));
    assert_eq!(packages[0].file, "project");
    assert_eq!(packages[2].sha256, "bbbb");
    assert_eq!(
        packages[2].describe(),
        "Six 1.17.0 built here from six-1.17.0.tar.gz sha256:bbbb"
    );
    assert_eq!(lock::from_label(&lock::to_label(&packages)), packages);
    assert!(lock::from_pip_report("{}").is_err());
}

#[test]
fn wheel_tags_come_from_the_file_name() {
    assert_eq!(
        lock::wheel_tags("six-1.17.0-py2.py3-none-any.whl").as_deref(),
        Some("py2.py3-none-any")
    );
    assert_eq!(
        lock::wheel_tags("pkg-1.0-1build-cp313-cp313-linux_x86_64.whl").as_deref(),
        Some("cp313-cp313-linux_x86_64")
    );
    assert_eq!(lock::wheel_tags("six-1.17.0.tar.gz"), None);
    let _: Option<LockedPackage> = None;
}

#[test]
fn workload_folders_add_their_requirements() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(WORKLOAD_REQUIREMENTS), "six\n").unwrap();
    let mut inputs = DependencyInputs::default();
    let folder = dir.path().to_path_buf();
    inputs.add_workload_requirements(&[folder.clone(), folder, dir.path().join("fib.py")]);
    assert_eq!(
        inputs.requirements,
        [dir.path().join(WORKLOAD_REQUIREMENTS)]
    );
    inputs.check().unwrap();
    inputs.project = Some(dir.path().to_path_buf());
    assert!(inputs.check().is_err());
}

fn locked(name: &str, version: &str) -> crate::results::LockedPackage {
    let mut lock = lock::from_pip_report(&format!(
        r#"{{"install": [{{"metadata": {{"name": "{name}", "version": "{version}"}},
            "download_info": {{"url": "https://x/{name}-{version}-py3-none-any.whl"}}}}]}}"#
    ))
    .unwrap();
    lock.remove(0)
}

#[test]
fn one_version_set_holds_each_differing_package_to_the_oldest_version() {
    let default = vec![locked("numpy", "2.10.1"), locked("six", "1.17.0")];
    let free = vec![locked("NumPy", "2.4.6"), locked("six", "1.17.0")];
    let pins = lock::pins(&[default, free], &[]);
    assert_eq!(pins, ["numpy==2.4.6"], "by release numbers, not as text");
    // A second pass keeps what the first pinned, and adds what now differs.
    let again = lock::pins(
        &[
            vec![locked("numpy", "2.4.6"), locked("six", "1.16.0")],
            vec![locked("six", "1.17.0")],
        ],
        &pins,
    );
    assert_eq!(again, ["numpy==2.4.6", "six==1.16.0"]);
}

#[test]
fn the_lock_gets_each_packages_imports_and_compiled_modules() {
    let mut packages = vec![locked("Simple_JSON", "4.3.0")];
    lock::add_contents(
        &mut packages,
        r#"{"simple-json": {"imports": ["simplejson"], "compiled": ["simplejson._speedups"]}}"#,
    )
    .unwrap();
    assert_eq!(packages[0].imports, ["simplejson"]);
    assert_eq!(packages[0].compiled, ["simplejson._speedups"]);
}
