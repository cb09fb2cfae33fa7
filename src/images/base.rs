//! The base image every build starts from.
//!
//! `debian:trixie-slim` by default. Where no registry can be reached, an
//! equivalent base is bootstrapped from Debian packages with mmdebstrap and
//! imported through the API as `gilbench/debian:trixie`, which then stands in
//! for the default.

use std::process::Stdio;

use anyhow::{Context, Result};
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::engine::{Engine, LABEL_MANAGED, LABEL_ROLE};
use crate::error::image_unavailable;
use crate::progress::{Task, Verbosity};

pub const DEFAULT_BASE: &str = "debian:trixie-slim";
/// The bootstrapped stand-in for `DEFAULT_BASE`.
pub const BOOTSTRAP_TAG: &str = "gilbench/debian:trixie";
pub const BOOTSTRAP_SUITE: &str = "trixie";

/// A base image present on the engine.
#[derive(Debug, Clone)]
pub struct BaseImage {
    pub name: String,
    pub id: String,
}

pub fn bootstrap_hint() -> String {
    String::from(
        "create an equivalent base from Debian packages with `gilbench images bootstrap-base` \
         (needs mmdebstrap on this host: `apt-get install mmdebstrap`), or pass --base IMAGE \
         naming a Debian-based image the engine has",
    )
}

/// Finds the base: the requested image, the bootstrapped stand-in for the
/// default, a pull of the requested image, or — for the default, where no
/// registry answers — a stand-in bootstrapped now.
pub async fn resolve(
    engine: &Engine,
    requested: &str,
    allow_pull: bool,
    task: &mut Task,
    verbosity: Verbosity,
) -> Result<BaseImage> {
    if let Some(found) = inspect(engine, requested).await {
        return Ok(found);
    }
    if requested == DEFAULT_BASE
        && let Some(found) = inspect(engine, BOOTSTRAP_TAG).await
    {
        return Ok(found);
    }
    if allow_pull {
        task.stage(&format!("pulling base image {requested}"));
        match pull(engine, requested).await {
            Ok(()) => {
                if let Some(found) = inspect(engine, requested).await {
                    return Ok(found);
                }
            }
            Err(e) => task.note(&format!("could not pull {requested}: {e:#}")),
        }
    }
    if requested == DEFAULT_BASE {
        task.note(&format!(
            "{requested} is not on the engine and cannot be pulled: creating {BOOTSTRAP_TAG} \
             from Debian packages instead (once; about a minute)"
        ));
        return bootstrap(engine, BOOTSTRAP_TAG, None, verbosity).await;
    }
    Err(image_unavailable(format!(
        "base image {requested} is not on the engine and could not be pulled; {}",
        bootstrap_hint()
    )))
}

pub async fn inspect(engine: &Engine, name: &str) -> Option<BaseImage> {
    let image = engine.docker.inspect_image(name).await.ok()?;
    Some(BaseImage {
        name: name.to_string(),
        id: image.id?,
    })
}

pub async fn pull(engine: &Engine, reference: &str) -> Result<()> {
    let options = CreateImageOptionsBuilder::default()
        .from_image(reference)
        .build();
    let mut stream = engine.docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        item?;
    }
    Ok(())
}

/// Builds a minimal Debian root filesystem with mmdebstrap and imports it as `tag`.
pub async fn bootstrap(
    engine: &Engine,
    tag: &str,
    mirror: Option<&str>,
    verbosity: Verbosity,
) -> Result<BaseImage> {
    let (repo, image_tag) = tag.rsplit_once(':').unwrap_or((tag, "latest"));
    let mut task = Task::start("base", verbosity);
    task.stage(&format!("mmdebstrap {BOOTSTRAP_SUITE}"));
    let dir = tempfile::tempdir().context("creating a scratch folder")?;
    let rootfs = dir.path().join("rootfs.tar");
    let mut command = tokio::process::Command::new("mmdebstrap");
    command
        .args([
            "--variant=minbase",
            "--include=ca-certificates",
            BOOTSTRAP_SUITE,
        ])
        .arg(&rootfs);
    if let Some(mirror) = mirror {
        command.arg(mirror);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            image_unavailable(format!(
                "cannot run mmdebstrap ({e}); install it with `apt-get install mmdebstrap` \
                 (Debian or Ubuntu), or pass --base IMAGE"
            ))
        })?;
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let mut tail = Vec::new();
    while let Some(line) = stderr.next_line().await? {
        task.log_line(&line);
        tail.push(line);
        if tail.len() > 30 {
            tail.remove(0);
        }
    }
    let status = child.wait().await?;
    if !status.success() {
        return Err(image_unavailable(format!(
            "mmdebstrap failed ({status}); it said:\n{}",
            tail.join("\n")
        )));
    }

    task.stage("importing through the Docker API");
    let changes = vec![
        format!("LABEL {LABEL_MANAGED}=true"),
        format!("LABEL {LABEL_ROLE}=base"),
        "CMD [\"bash\"]".to_string(),
    ];
    let options = CreateImageOptionsBuilder::default()
        .from_src("-")
        .repo(repo)
        .tag(image_tag)
        .changes(changes)
        .build();
    let file = tokio::fs::File::open(&rootfs).await?;
    let body = file_chunks(file);
    let mut stream =
        engine
            .docker
            .create_image(Some(options), Some(bollard::body_try_stream(body)), None);
    while let Some(item) = stream.next().await {
        item.context("importing the root filesystem")?;
    }
    let base = inspect(engine, tag)
        .await
        .context("the imported base image is missing")?;
    task.finish(&format!("imported {} ({})", base.name, short_id(&base.id)));
    Ok(base)
}

/// Streams a file in chunks as a request body; ends after the first error.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buffer = vec![0u8; 1 << 20];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(bytes::Bytes::from(buffer)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// The first 12 hex digits of an image id, as `docker images` shows it.
pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

/// What to do about an apt failure seen in a log, if gilbench knows.
pub fn apt_advice(lines: &[&str]) -> Option<&'static str> {
    let expired = lines
        .iter()
        .any(|l| l.contains("Release file for") && l.contains("is expired"));
    expired.then_some(
        "a suite's Release file has expired, as on a dated mirror or snapshot; if you trust \
         the mirror, build with --apt-option='-o Acquire::Check-Valid-Until=false' (or set \
         GILBENCH_APT_OPTIONS to that)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_suite_gets_the_apt_option_advice() {
        let log = [
            "E: Release file for http://deb.debian.org/debian/dists/sid/InRelease is expired \
             (invalid since 12d 3h 1min 2s). Updates for this repository will not be applied.",
        ];
        assert!(
            apt_advice(&log)
                .unwrap()
                .contains("Acquire::Check-Valid-Until=false")
        );
        assert_eq!(
            apt_advice(&["E: Unable to locate package python3.99"]),
            None
        );
    }
}
