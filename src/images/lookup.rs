//! Finding an image before building it: the engine's, one built meanwhile
//! by another request, or one a registry has.

use std::collections::HashMap;

use anyhow::Result;
use bollard::query_parameters::{CreateImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;

use super::recipe::{IMAGE_REPO, Recipe};
use crate::cache::Cache;
use crate::engine::Engine;
use crate::progress::Task;

/// How an image was had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Local,
    Pulled,
    Built,
}

/// An interpreter image ready to run.
#[derive(Debug, Clone)]
pub struct Image {
    pub name: String,
    pub id: String,
    pub origin: Origin,
    pub labels: HashMap<String, String>,
}

/// What [`find`] found: the image and how, or the build lock to build it under.
pub(crate) enum Found {
    Image(Image, String),
    ToBuild(std::fs::File),
}

/// The recipe's image if the engine has it (or gets it while waiting for
/// another build of it) or the registry gives it; else the build lock, held
/// by the caller while it builds, so that one build serves all requests.
pub(crate) async fn find(
    engine: &Engine,
    cache: &Cache,
    recipe: &Recipe,
    registry: Option<&str>,
    task: &mut Task,
) -> Result<Found> {
    let name = recipe.image_name();
    if let Some(image) = local(engine, &name, Origin::Local).await {
        return Ok(Found::Image(image, format!("{name} is up to date")));
    }
    task.stage("waiting for another build of this image");
    let lock = cache.lock(&recipe.inputs_hash[..16]).await?;
    if let Some(image) = local(engine, &name, Origin::Local).await {
        let how = format!("{name} was built meanwhile by another request");
        return Ok(Found::Image(image, how));
    }
    if let Some(registry) = registry {
        task.stage(&format!("looking in {registry}"));
        match pull_from_registry(engine, registry, &recipe.tag()).await {
            Ok(()) => {
                if let Some(image) = local(engine, &name, Origin::Pulled).await {
                    return Ok(Found::Image(
                        image,
                        format!("pulled {name} from {registry}"),
                    ));
                }
            }
            Err(e) => task.note(&format!("not pulled from {registry}: {e:#}; building")),
        }
    }
    Ok(Found::ToBuild(lock))
}

pub(crate) async fn local(engine: &Engine, name: &str, origin: Origin) -> Option<Image> {
    let image = engine.docker.inspect_image(name).await.ok()?;
    Some(Image {
        name: name.to_string(),
        id: image.id?,
        origin,
        labels: image.config.and_then(|c| c.labels).unwrap_or_default(),
    })
}

pub(super) fn registry_repo(registry: &str) -> String {
    format!("{}/{IMAGE_REPO}", registry.trim_end_matches('/'))
}

/// Pulls `registry/gilbench/cpython:tag` and tags it as the local name.
pub(super) async fn pull_from_registry(engine: &Engine, registry: &str, tag: &str) -> Result<()> {
    let repo = registry_repo(registry);
    let options = CreateImageOptionsBuilder::default()
        .from_image(&repo)
        .tag(tag)
        .build();
    let mut stream = engine.docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        item?;
    }
    let options = TagImageOptionsBuilder::default()
        .repo(IMAGE_REPO)
        .tag(tag)
        .build();
    engine
        .docker
        .tag_image(&format!("{repo}:{tag}"), Some(options))
        .await?;
    Ok(())
}
