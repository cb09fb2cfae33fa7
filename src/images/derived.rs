//! The derived image: an interpreter image with the run's packages
//! installed, named by the interpreter image's id and the dependencies'
//! content hash, and labelled with the resolved set.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};
use bollard::query_parameters::RemoveImageOptions;
use sha2::{Digest, Sha256};

use super::build;
use super::lookup::{self, Found, Image, Origin};
use super::recipe::{Recipe, label};
use crate::cache::Cache;
use crate::deps::{CONSTRAINTS, Dependencies, PIP_DIR, lock, network};
use crate::engine::Engine;
use crate::error::image_unavailable;
use crate::progress::Task;

const DEPS_DOCKERFILE: &str = include_str!("../../dockerfiles/deps.Dockerfile");
/// A second, instant build that adds the lock, known only after pip ran, as a label.
const LOCK_DOCKERFILE: &str =
    "ARG PYTHON_IMAGE\nFROM ${PYTHON_IMAGE}\nLABEL org.gilbench.locked=true\n";
/// Run in the build stage after pip: what each distribution holds.
const CONTENTS_SCRIPT: &str = include_str!("../../dockerfiles/deps_contents.py");
const REPORT_PATH: &str = "/opt/deps/pip-report.json";
const CONTENTS_PATH: &str = "/opt/deps/contents.json";

/// The interpreter image with `deps` installed: found, pulled or built.
pub async fn derive(
    engine: &Engine,
    cache: &Cache,
    interpreter: &Image,
    deps: &Dependencies,
    apt_options: &[String],
    registry: Option<&str>,
    mut task: Task,
) -> Result<Image> {
    let recipe = recipe(interpreter, deps, apt_options);
    let name = recipe.image_name();
    let _lock = match lookup::find(engine, cache, &recipe, registry, &mut task).await? {
        Found::Image(image, how) => {
            task.finish(&how);
            return Ok(image);
        }
        Found::ToBuild(lock) => lock,
    };
    task.note(&format!("installing packages into {name}"));
    let pending = Recipe {
        tag_suffix: "-deps-pending".into(),
        ..recipe.clone()
    };
    build::build(engine, cache, &pending, &mut task).await?;
    let labelled = add_lock_label(engine, cache, &pending, recipe, &mut task).await;
    // Only untags it when the labelled image was built on it; else removes it.
    let _ = engine
        .docker
        .remove_image(&pending.image_name(), None::<RemoveImageOptions>, None)
        .await;
    labelled.map_err(|e| {
        image_unavailable(format!(
            "recording the packages installed for {name}: {e:#}"
        ))
    })?;
    let image = lookup::local(engine, &name, Origin::Built)
        .await
        .context("the built image is missing")?;
    task.finish(&format!("built {name}"));
    Ok(image)
}

/// Reads pip's report out of the pending image and builds the final image
/// from it with the lock as a label.
async fn add_lock_label(
    engine: &Engine,
    cache: &Cache,
    pending: &Recipe,
    mut recipe: Recipe,
    task: &mut Task,
) -> Result<()> {
    task.stage("recording the installed packages");
    // Copied out of a stopped container: the report can be large.
    let helper = engine
        .run_helper(&pending.image_name(), vec!["true".into()], &mut |_| {})
        .await?;
    let report = engine.download(&helper.container_id, REPORT_PATH).await;
    let contents = engine.download(&helper.container_id, CONTENTS_PATH).await;
    engine.remove_container(&helper.container_id).await;
    let mut packages = lock::from_pip_report(&single_file(&report?)?)?;
    lock::add_contents(&mut packages, &single_file(&contents?)?)?;
    recipe
        .labels
        .insert(label::LOCK.to_string(), lock::to_label(&packages));
    recipe.dockerfile = LOCK_DOCKERFILE;
    recipe.context_files.clear();
    recipe.build_args = BTreeMap::from([("PYTHON_IMAGE".to_string(), pending.image_name())]);
    build::build(engine, cache, &recipe, task).await?;
    Ok(())
}

/// The text of the one file in a tar archive.
fn single_file(archive: &[u8]) -> Result<String> {
    use std::io::Read;
    let mut entries = tar::Archive::new(archive);
    let mut entry = entries
        .entries()?
        .next()
        .context("a file gilbench wrote is missing from the image")??;
    let mut text = String::new();
    entry.read_to_string(&mut text)?;
    Ok(text)
}

/// The recipe of the derived image; its hash covers the interpreter
/// image's id, the dependencies' content hash and the build's own inputs.
pub fn recipe(interpreter: &Image, deps: &Dependencies, apt_options: &[String]) -> Recipe {
    let (dev_package, dev_suite) = dev_headers(&interpreter.labels);
    let build_args = BTreeMap::from([
        ("PYTHON_IMAGE".to_string(), interpreter.name.clone()),
        ("APT_OPTIONS".to_string(), apt_options.join(" ")),
        ("DEV_PACKAGE".to_string(), dev_package),
        ("DEV_SUITE".to_string(), dev_suite),
    ]);
    let deps_hash = deps.content_hash();
    let mut hasher = Sha256::new();
    hasher.update(b"gilbench-derived-image-v1\n");
    hasher.update(DEPS_DOCKERFILE.as_bytes());
    hasher.update(LOCK_DOCKERFILE.as_bytes());
    hasher.update(CONTENTS_SCRIPT.as_bytes());
    for (name, value) in build_args.iter().filter(|(n, _)| *n != "PYTHON_IMAGE") {
        hasher.update(format!("\narg {name}={value}").as_bytes());
    }
    hasher.update(format!("\npython {}\ndeps {deps_hash}\n", interpreter.id).as_bytes());
    let inputs_hash = hex::encode(hasher.finalize());

    let mut labels: BTreeMap<String, String> = interpreter.labels.clone().into_iter().collect();
    labels.extend([
        (label::INPUTS.to_string(), inputs_hash.clone()),
        (label::DEPS.to_string(), deps_hash),
        (label::PYTHON_IMAGE.to_string(), interpreter.name.clone()),
    ]);
    if !deps.pins.is_empty() {
        labels.insert(label::PINS.to_string(), deps.pins.join(" "));
    }
    Recipe {
        dockerfile: DEPS_DOCKERFILE,
        build_args,
        source_tarball: None,
        context_files: context_files(deps),
        tag_suffix: "-deps".into(),
        labels,
        inputs_hash,
    }
}

/// The `pip/` folder of the build context: the requirement files, the
/// project, the CA bundle and `install.sh` (pip's environment and arguments).
fn context_files(deps: &Dependencies) -> Vec<(String, Vec<u8>, u32)> {
    let mut files = Vec::new();
    for (index, (_, text)) in deps.requirements.iter().enumerate() {
        files.push((
            format!("pip/req-{index}.txt"),
            text.clone().into_bytes(),
            0o644,
        ));
    }
    if let Some(project) = &deps.project {
        for (path, bytes, executable) in &project.files {
            let mode = if *executable { 0o755 } else { 0o644 };
            files.push((
                format!("pip/project/{}", path.display()),
                bytes.clone(),
                mode,
            ));
        }
    }
    if let Some(text) = deps.constraints() {
        files.push((format!("pip/{CONSTRAINTS}"), text.into_bytes(), 0o644));
    }
    let bundle = format!("{PIP_DIR}/ca.pem");
    if let Some((_, bytes)) = &deps.network.ca_bundle {
        files.push(("pip/ca.pem".into(), bytes.clone(), 0o644));
    }
    let arguments: Vec<String> = deps
        .pip_arguments()
        .iter()
        .map(|a| network::shell_quote(a))
        .collect();
    let script = format!(
        "{}\nset -- {}\n",
        deps.network.shell_exports(&bundle),
        arguments.join(" ")
    );
    files.push(("pip/install.sh".into(), script.into_bytes(), 0o644));
    files.push(("pip/contents.py".into(), CONTENTS_SCRIPT.into(), 0o644));
    files
}

/// Debian's prebuilt interpreters need their `-dev` package (from their
/// suite) to compile extensions; source builds carry their headers.
fn dev_headers(labels: &HashMap<String, String>) -> (String, String) {
    labels
        .get(label::SOURCE_ID)
        .and_then(|id| id.strip_prefix("debian-binary:"))
        .and_then(|rest| rest.split_once('/'))
        .map(|(package, suite)| (format!("{package}-dev"), suite.to_string()))
        .unwrap_or_default()
}
