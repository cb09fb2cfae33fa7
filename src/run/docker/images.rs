//! The run's images: every build's, got on the run's first engine, or why
//! it could not be had.

use std::collections::HashMap;

use anyhow::Result;

use crate::cache::Cache;
use crate::engine::Engine;
use crate::error::Error;
use crate::images;
use crate::progress::Verbosity;
use crate::results::MissingBuild;
use crate::spec::BuildSpec;

/// Every build's image, got on the run's first engine, or why it could
/// not be had.
#[derive(Clone)]
pub struct BuildImages {
    /// The builds that have an image: its name and id.
    pub found: Vec<(BuildSpec, String, String)>,
    pub missing: Vec<MissingBuild>,
    /// The versions `--same-versions` held the builds to: other engines
    /// that build the images install with them too.
    pub pins: Vec<String>,
}

impl BuildImages {
    /// Gets every image. A build whose image cannot be had is recorded as
    /// missing and the others go on; when none can be had, that is the error.
    pub async fn resolve(
        engine: &Engine,
        cache: &Cache,
        builds: &[BuildSpec],
        options: &images::BuildOptions,
        verbosity: Verbosity,
    ) -> Result<BuildImages> {
        let resolve = async |options: &images::BuildOptions| {
            let got = Self::resolve_once(engine, cache, builds, options, verbosity).await?;
            let names = got.found.iter().map(|f| f.1.clone()).collect();
            Ok((got, names))
        };
        let (mut got, options) = images::one_version_set(engine, options, resolve).await?;
        got.pins = options.dependencies.pins;
        for build in &got.missing {
            eprintln!(
                "error: {} will not be measured: {}",
                build.name, build.reason
            );
        }
        Ok(got)
    }

    async fn resolve_once(
        engine: &Engine,
        cache: &Cache,
        builds: &[BuildSpec],
        options: &images::BuildOptions,
        verbosity: Verbosity,
    ) -> Result<BuildImages> {
        // Per image: its name and id, or why it could not be had.
        let mut by_key: HashMap<String, Result<(String, String), String>> = HashMap::new();
        let mut first_error = None;
        for spec in builds {
            let key = spec.image_key();
            if by_key.contains_key(&key) {
                continue;
            }
            let image = match images::ensure(engine, cache, spec, options, verbosity).await {
                Ok(image) => Ok((image.name, image.id)),
                Err(e) if is_image_unavailable(&e) => {
                    let reason = format!("{e:#}");
                    first_error.get_or_insert(e);
                    Err(reason)
                }
                Err(e) => return Err(e),
            };
            by_key.insert(key, image);
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for spec in builds {
            match &by_key[&spec.image_key()] {
                Ok((name, id)) => found.push((spec.clone(), name.clone(), id.clone())),
                Err(reason) => missing.push(MissingBuild {
                    name: spec.to_string(),
                    reason: reason.clone(),
                }),
            }
        }
        if let Some(error) = first_error
            && found.is_empty()
        {
            return Err(error);
        }
        Ok(BuildImages {
            found,
            missing,
            pins: Vec::new(),
        })
    }
}

/// Whether an error means an image could not be had (a failed build or
/// pull), which costs that build only.
fn is_image_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<Error>(),
            Some(Error::ImageUnavailable(_))
        )
    })
}
