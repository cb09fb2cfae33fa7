//! Images on several engines: the one that has an image pushes it to the
//! registry, the others pull it, so that every engine runs the very same
//! image (same id) and nothing is built twice.

use anyhow::{Context, Result};
use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;

use super::lookup::{pull_from_registry, registry_repo};
use crate::engine::Engine;
use crate::error::image_unavailable;

/// Pushes the local image `name` (`gilbench/cpython:TAG`) to `registry`
/// and returns the reference pushed.
pub async fn push_one(engine: &Engine, registry: &str, name: &str) -> Result<String> {
    let repo = registry_repo(registry);
    let tag = name.rsplit_once(':').map_or("latest", |(_, t)| t);
    let options = TagImageOptionsBuilder::default()
        .repo(&repo)
        .tag(tag)
        .build();
    engine.docker.tag_image(name, Some(options)).await?;
    let options = PushImageOptionsBuilder::default().tag(tag).build();
    let mut stream = engine.docker.push_image(&repo, Some(options), None);
    while let Some(item) = stream.next().await {
        item.map_err(|e| image_unavailable(format!("pushing {name} to {registry} failed: {e}")))?;
    }
    Ok(format!("{repo}:{tag}"))
}

/// Makes `to` hold `name` with the id `id` it has on `from`: already there,
/// or pushed by `from` (unless `pushed` says it was) and pulled by `to`.
pub async fn copy(
    from: &Engine,
    to: &Engine,
    registry: &str,
    name: &str,
    id: &str,
    pushed: &mut Vec<String>,
) -> Result<()> {
    if id_on(to, name).await.as_deref() == Some(id) {
        return Ok(());
    }
    if !pushed.iter().any(|p| p == name) {
        push_one(from, registry, name).await?;
        pushed.push(name.to_string());
    }
    let tag = name.rsplit_once(':').map_or("latest", |(_, t)| t);
    pull_from_registry(to, registry, tag).await.map_err(|e| {
        image_unavailable(format!(
            "{} could not pull {name} from {registry}: {e:#}",
            to.host
        ))
    })?;
    let pulled = id_on(to, name)
        .await
        .with_context(|| format!("{name} is not on {} after the pull", to.host))?;
    if pulled != id {
        return Err(image_unavailable(format!(
            "{name} on {} has id {pulled} after the pull, not {id}: the registry holds another \
             image under that tag",
            to.host
        )));
    }
    Ok(())
}

async fn id_on(engine: &Engine, name: &str) -> Option<String> {
    engine.docker.inspect_image(name).await.ok()?.id
}
