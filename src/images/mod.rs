//! Interpreter images on demand: resolve a build spec to an image that is
//! local, pulled from a registry, or built — in that order.

pub mod base;
pub(crate) mod build;
mod derived;
mod lookup;
mod options;
pub mod recipe;
pub mod share;
pub mod source;
mod timings;

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use bollard::models::ImageSummary;
use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};

use crate::cache::Cache;
use crate::engine::{Engine, LABEL_MANAGED, LABEL_ROLE};
use crate::progress::{Task, Verbosity};
use crate::spec::{self, BuildSpec, SourceSpec};
use base::BaseImage;
pub(crate) use lookup::{Found, find, local};
pub use lookup::{Image, Origin};
pub use options::{BuildOptions, DEFAULT_PYTHON_ORG_MIRROR, Profile};
use recipe::{IMAGE_REPO, Recipe, label};

/// Checks a spec against the options before any work starts.
pub fn validate(spec: &BuildSpec, options: &BuildOptions) -> Result<(), crate::error::Error> {
    let source = source_of(spec, options);
    let invalid = |e: spec::SpecError| crate::error::Error::InvalidInput(e.to_string());
    spec.check_source(&source).map_err(invalid)?;
    spec::check_configure_args(spec, &options.configure_args).map_err(invalid)?;
    let llvm = spec.version.table().jit_llvm;
    if spec.variant == spec::Variant::Jit
        && source != SourceSpec::DebianBinary
        && options.base == base::DEFAULT_BASE
        && let Some(llvm) = llvm.filter(|v| !crate::versions::DEFAULT_BASE_LLVM.contains(v))
    {
        return Err(crate::error::Error::InvalidInput(format!(
            "{spec}: the JIT of {} is built with LLVM {llvm}, which the default base \
             ({}, Debian trixie) does not package; pass --base with a Debian image that has \
             clang-{llvm} and llvm-{llvm}, or measure 3.{}'s JIT as Debian builds it \
             ({}-jit@debian-binary)",
            spec.version,
            base::DEFAULT_BASE,
            spec.version.minor,
            spec.version
        )));
    }
    Ok(())
}

fn source_of(spec: &BuildSpec, options: &BuildOptions) -> SourceSpec {
    spec.source
        .clone()
        .unwrap_or_else(|| options.source.clone())
}

/// Resolves `spec` to an image: local if its content hash exists, else
/// pulled from the registry, else built; with dependencies, the derived
/// image that has them installed. Concurrent requests for the same image
/// (in this or other processes) wait for one build.
pub async fn ensure(
    engine: &Engine,
    cache: &Cache,
    spec: &BuildSpec,
    options: &BuildOptions,
    verbosity: Verbosity,
) -> Result<Image> {
    let interpreter = ensure_interpreter(engine, cache, spec, options, verbosity).await?;
    let dependencies = options
        .dependencies
        .for_variant(spec.package_variant.as_deref());
    if dependencies.is_empty() {
        return Ok(interpreter);
    }
    let task = Task::start(format!("{spec} packages"), verbosity);
    let deps = dependencies.load()?;
    derived::derive(
        engine,
        cache,
        &interpreter,
        &deps,
        &options.apt_options,
        options.registry.as_deref(),
        task,
    )
    .await
}

/// Gets the images with `resolve` (which returns what it got and the
/// images' names); with `--same-versions`, again with the pins that hold
/// them to one version set until their locks agree (a pin can move
/// another package's version: at most three passes). Returns the last
/// result and the options it was got with.
pub async fn one_version_set<T>(
    engine: &Engine,
    options: &BuildOptions,
    mut resolve: impl AsyncFnMut(&BuildOptions) -> Result<(T, Vec<String>)>,
) -> Result<(T, BuildOptions)> {
    let mut options = options.clone();
    let (mut got, mut names) = resolve(&options).await?;
    for _ in 0..3 {
        if !options.dependencies.same_versions {
            break;
        }
        let mut locks = Vec::new();
        for name in &names {
            let image = local(engine, name, Origin::Local)
                .await
                .with_context(|| format!("{name} is gone"))?;
            locks.push(
                image
                    .labels
                    .get(label::LOCK)
                    .map_or_else(Vec::new, |l| crate::deps::lock::from_label(l)),
            );
        }
        let pins = crate::deps::lock::pins(&locks, &options.dependencies.pins);
        if pins == options.dependencies.pins {
            break;
        }
        eprintln!("one version set for all builds: {}", pins.join(" "));
        options.dependencies.pins = pins;
        (got, names) = resolve(&options).await?;
    }
    Ok((got, options))
}

async fn ensure_interpreter(
    engine: &Engine,
    cache: &Cache,
    spec: &BuildSpec,
    options: &BuildOptions,
    verbosity: Verbosity,
) -> Result<Image> {
    validate(spec, options)?;
    let source = source_of(spec, options);
    let mut task = Task::start(spec.image_spec(), verbosity);
    task.stage("resolving the base image");
    let base = base::resolve(engine, &options.base, options.pull, &mut task, verbosity).await?;

    let prepared;
    let recipe = if source == SourceSpec::DebianBinary {
        Recipe::debian_binary(spec, options, &base)
    } else {
        task.stage("preparing the source");
        prepared = source::prepare(engine, cache, &base, spec, &source, options, &mut task).await?;
        Recipe::compiled(spec, options, &base, &prepared)
    };
    let name = recipe.image_name();
    let _lock = match find(
        engine,
        cache,
        &recipe,
        options.registry.as_deref(),
        &mut task,
    )
    .await?
    {
        Found::Image(image, how) => {
            task.finish(&how);
            return Ok(image);
        }
        Found::ToBuild(lock) => lock,
    };
    let times = timings::BuildTimes::load(cache);
    let profile = &recipe.labels[label::PROFILE];
    let kind = timings::key(&engine.host, &spec.image_spec(), profile);
    task.note(&match times.expected(&kind) {
        Some(expected) => format!(
            "building {name}: the last {} {profile} build on this engine took {}",
            spec.image_spec(),
            crate::format::format_duration(expected)
        ),
        None => format!(
            "building {name}: the first {} {profile} build on this engine ({})",
            spec.image_spec(),
            timings::first_build_estimate(profile)
        ),
    });
    let started = std::time::Instant::now();
    build::build(engine, cache, &recipe, &mut task).await?;
    times.record(kind, started.elapsed());
    let image = local(engine, &name, Origin::Built)
        .await
        .context("the built image is missing")?;
    task.finish(&format!("built {name}"));
    Ok(image)
}

/// Interpreter images (and, with `include_base`, bootstrapped bases) gilbench made.
pub async fn list(engine: &Engine, include_base: bool) -> Result<Vec<ImageSummary>> {
    let filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_MANAGED}=true")])]);
    let options = ListImagesOptionsBuilder::default()
        .filters(&filters)
        .build();
    let mut images: Vec<ImageSummary> = engine
        .docker
        .list_images(Some(options))
        .await?
        .into_iter()
        .filter(|image| {
            let role = image.labels.get(LABEL_ROLE).map(String::as_str);
            role == Some("cpython") || (include_base && role == Some("base"))
        })
        .collect();
    images.sort_by_key(|image| std::cmp::Reverse(image.created));
    Ok(images)
}

/// One row of `gilbench images`.
pub fn describe(image: &ImageSummary) -> Vec<String> {
    let label = |key: &str| {
        image
            .labels
            .get(key)
            .cloned()
            .unwrap_or_else(|| "-".to_string())
    };
    let name = image
        .repo_tags
        .iter()
        .find(|t| t.starts_with(IMAGE_REPO) || t.as_str() == base::BOOTSTRAP_TAG)
        .or(image.repo_tags.first())
        .cloned()
        .unwrap_or_else(|| base::short_id(&image.id).to_string());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let age = Duration::from_secs((now - image.created).max(0) as u64);
    vec![
        name,
        label(label::RELEASE),
        label(label::VARIANT),
        label(label::PROFILE),
        label(label::SOURCE),
        format!("{:.0} MB", image.size as f64 / 1e6),
        crate::format::format_age(age),
    ]
}

/// Removes interpreter images gilbench built: those whose spec label is in
/// `only`, or all when it is empty (and bases with `include_base`).
pub async fn prune(engine: &Engine, only: &[String], include_base: bool) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    for image in list(engine, include_base).await? {
        let is_base = image.labels.get(LABEL_ROLE).map(String::as_str) == Some("base");
        if !is_base && !selected(&image, only) {
            continue;
        }
        let options = RemoveImageOptionsBuilder::default().force(true).build();
        engine
            .docker
            .remove_image(&image.id, Some(options), None)
            .await
            .with_context(|| format!("removing {}", image.id))?;
        removed.extend(image.repo_tags.clone());
    }
    Ok(removed)
}

/// Whether an image's spec label is among `only` (or `only` is empty).
fn selected(image: &ImageSummary, only: &[String]) -> bool {
    only.is_empty()
        || image
            .labels
            .get(label::SPEC)
            .is_some_and(|s| only.contains(s))
}

/// Pushes local interpreter images (those in `only`, or all) to `registry`.
pub async fn push(
    engine: &Engine,
    registry: &str,
    only: &[String],
    verbosity: Verbosity,
) -> Result<Vec<String>> {
    let mut pushed = Vec::new();
    for image in list(engine, false)
        .await?
        .iter()
        .filter(|i| selected(i, only))
    {
        for name in image
            .repo_tags
            .iter()
            .filter(|t| t.starts_with(&format!("{IMAGE_REPO}:")))
        {
            let tag = name.rsplit_once(':').map_or("latest", |(_, t)| t);
            let task = Task::start(format!("push {tag}"), verbosity);
            let reference = share::push_one(engine, registry, name).await?;
            task.finish(&format!("pushed {reference}"));
            pushed.push(reference);
        }
    }
    Ok(pushed)
}

/// The base image that builds would use now, if any.
pub async fn current_base(engine: &Engine, requested: &str) -> Option<BaseImage> {
    match base::inspect(engine, requested).await {
        Some(found) => Some(found),
        None if requested == base::DEFAULT_BASE => base::inspect(engine, base::BOOTSTRAP_TAG).await,
        None => None,
    }
}
