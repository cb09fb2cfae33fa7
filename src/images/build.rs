//! Running a build through the engine, with progress and a saved log.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use bollard::query_parameters::{
    BuildImageOptionsBuilder, ListImagesOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt;

use super::base::apt_advice;
use super::recipe::Recipe;
use crate::cache::Cache;
use crate::engine::Engine;
use crate::error::image_unavailable;
use crate::lines::LineSplitter;
use crate::progress::Task;

const FAILURE_TAIL_LINES: usize = 40;
/// Marks a build stage's images: a Dockerfile with a build stage declares
/// `ARG STAGE_ID` and labels the stage with it (see cpython.Dockerfile).
const STAGE_LABEL: &str = "org.gilbench.stage";

/// Builds the recipe and tags it; returns the image id. The build stage's
/// images are removed afterwards, on success and on failure alike: the
/// classic builder keeps them (over a GB for a compiled CPython) and nothing
/// would ever use them again, as a recipe's image is only built once.
pub async fn build(
    engine: &Engine,
    cache: &Cache,
    recipe: &Recipe,
    task: &mut Task,
) -> Result<String> {
    // Only where declared: the classic builder warns of unused arguments.
    let stage_id = recipe
        .dockerfile
        .contains("ARG STAGE_ID")
        .then(|| &recipe.inputs_hash[..16]);
    let built = build_image(engine, cache, recipe, stage_id, task).await;
    if let Some(stage_id) = stage_id {
        remove_stage_images(engine, stage_id).await;
    }
    built
}

async fn build_image(
    engine: &Engine,
    cache: &Cache,
    recipe: &Recipe,
    stage_id: Option<&str>,
    task: &mut Task,
) -> Result<String> {
    task.stage("packing the build context");
    let context = build_context(recipe)?;
    let log_path = cache.logs().join(format!("build-{}.log", recipe.tag()));
    let mut log = File::create(&log_path)
        .with_context(|| format!("creating build log {}", log_path.display()))?;

    let mut build_args: HashMap<String, String> = recipe.build_args.clone().into_iter().collect();
    if let Some(stage_id) = stage_id {
        build_args.insert("STAGE_ID".into(), stage_id.to_string());
    }
    let labels: HashMap<String, String> = recipe.labels.clone().into_iter().collect();
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&recipe.image_name())
        .rm(true)
        .forcerm(true)
        .buildargs(&build_args)
        .labels(&labels)
        .build();
    let mut stream =
        engine
            .docker
            .build_image(options, None, Some(bollard::body_full(context.into())));

    let mut tail: VecDeque<String> = VecDeque::new();
    let mut lines = LineSplitter::default();
    let mut stage = StageTracker::default();
    let mut failure = None;
    while let Some(item) = stream.next().await {
        let text = match item {
            Ok(info) => {
                if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                    failure = Some(detail);
                    break;
                }
                info.stream.unwrap_or_default()
            }
            Err(bollard::errors::Error::DockerStreamError { error }) => {
                failure = Some(error);
                break;
            }
            Err(e) => {
                failure = Some(format!("the engine connection failed: {e}"));
                break;
            }
        };
        for line in lines.push(text.as_bytes()) {
            // The classic builder colours stderr.
            let line = console::strip_ansi_codes(line.trim_end()).into_owned();
            writeln!(log, "{line}")?;
            task.log_line(&line);
            if let Some(name) = stage.observe(&line) {
                task.stage(&name);
            }
            tail.push_back(line);
            if tail.len() > FAILURE_TAIL_LINES {
                tail.pop_front();
            }
        }
    }
    if let Some(last) = lines.finish() {
        writeln!(log, "{last}")?;
        tail.push_back(last);
    }
    if let Some(error) = failure {
        writeln!(log, "error: {error}")?;
        return Err(build_failed(recipe, &error, &tail, log_path));
    }
    let image = engine
        .docker
        .inspect_image(&recipe.image_name())
        .await
        .context("the built image is missing")?;
    image.id.context("the built image has no id")
}

/// Removes the images labelled with `stage_id`. The engine may still hold
/// the last step's container for a moment, so this looks again a few times.
async fn remove_stage_images(engine: &Engine, stage_id: &str) {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{STAGE_LABEL}={stage_id}")],
    )]);
    for _ in 0..20 {
        let options = ListImagesOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let found = match engine.docker.list_images(Some(options)).await {
            Ok(found) if found.is_empty() => return,
            Ok(found) => found,
            Err(_) => Vec::new(),
        };
        // A step's image goes with its untagged parents; a parent whose child
        // is still there refuses, and goes in a later round.
        for image in found {
            let options = RemoveImageOptionsBuilder::default().force(true).build();
            let _ = engine
                .docker
                .remove_image(&image.id, Some(options), None)
                .await;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

fn build_failed(
    recipe: &Recipe,
    error: &str,
    tail: &VecDeque<String>,
    log_path: PathBuf,
) -> anyhow::Error {
    let lines: Vec<&str> = tail.iter().map(String::as_str).collect();
    image_unavailable(format!(
        "building {} failed: {error}\n--- last {} lines of the build log ---\n{}\n--- the whole log is in {} ---{}",
        recipe.image_name(),
        lines.len(),
        lines.join("\n"),
        log_path.display(),
        apt_advice(&lines)
            .map(|a| format!("\nhint: {a}"))
            .unwrap_or_default()
    ))
}

/// The context: the Dockerfile and the source tarball, with fixed metadata so
/// that equal inputs give the engine's layer cache equal files.
fn build_context(recipe: &Recipe) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, size: u64, mode: u32, data: &mut dyn std::io::Read| -> Result<()> {
        let mut header = crate::archive::fixed_header(size, mode);
        builder.append_data(&mut header, name, data)?;
        Ok(())
    };
    let dockerfile = recipe.dockerfile.as_bytes();
    add(
        "Dockerfile",
        dockerfile.len() as u64,
        0o644,
        &mut &*dockerfile,
    )?;
    for (name, bytes, mode) in &recipe.context_files {
        add(name, bytes.len() as u64, *mode, &mut bytes.as_slice())?;
    }
    if let Some(path) = &recipe.source_tarball {
        let file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let size = file.metadata()?.len();
        add(
            "cpython-source.tar",
            size,
            0o644,
            &mut std::io::BufReader::new(file),
        )?;
    }
    Ok(builder.into_inner()?)
}

/// Turns the classic builder's output into a few stages people understand.
#[derive(Default)]
struct StageTracker {
    step: String,
    detail: &'static str,
}

impl StageTracker {
    /// Returns the new stage's name when the line changes it.
    fn observe(&mut self, line: &str) -> Option<String> {
        if let Some(rest) = line.strip_prefix("Step ") {
            let (counter, instruction) = rest.split_once(" : ").unwrap_or((rest, ""));
            self.step = format!("step {counter}");
            let detail = if instruction.contains("apt-get") && instruction.contains("install") {
                "installing packages"
            } else if instruction.contains("./configure") {
                "configure"
            } else if instruction.starts_with("COPY cpython-source") {
                "copying the source"
            } else if instruction.contains("tar -xf") {
                "unpacking the source"
            } else {
                ""
            };
            return self.enter(detail);
        }
        let detail = if line.starts_with("checking ") || line.starts_with("configure:") {
            "configure"
        } else if line.starts_with("gcc ") || line.starts_with("clang") {
            "compiling"
        } else if line.contains("Rebuilding with profile guided optimizations") {
            "compiling with the PGO profile"
        } else if line.contains("./python -m test --pgo")
            || line.contains("Running code to generate profile data")
        {
            "running the PGO training"
        } else if line.contains("Tools/jit/build.py") {
            // The stencil generator's command line; other mentions of
            // jit_stencils (make's dependency chatter) appear in every build.
            "generating JIT stencils"
        } else if line.starts_with("Creating directory")
            || line.starts_with("if test ") && line.contains("install")
        {
            "installing"
        } else {
            return None;
        };
        self.enter(detail)
    }

    /// Steps without a named stage (ARG, ENV, LABEL…) are too quick to report.
    fn enter(&mut self, detail: &'static str) -> Option<String> {
        if detail.is_empty() || detail == self.detail {
            return None;
        }
        self.detail = detail;
        Some(format!("{}: {}", self.step, self.detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_steps_and_compiler_output() {
        let mut stages = StageTracker::default();
        assert_eq!(
            stages
                .observe("Step 11/19 : RUN set -eux; ./configure --prefix=/opt/python")
                .as_deref(),
            Some("step 11/19: configure")
        );
        assert_eq!(stages.observe("checking for gcc... gcc"), None);
        assert_eq!(
            stages
                .observe("gcc -c -O3 -o Parser/token.o Parser/token.c")
                .as_deref(),
            Some("step 11/19: compiling")
        );
        assert_eq!(stages.observe("gcc -c -O3 -o a.o a.c"), None);
        assert_eq!(
            stages.observe("make: 'Python/jit_stencils.h' is up to date."),
            None
        );
        assert_eq!(
            stages
                .observe("python3 ./Tools/jit/build.py x86_64-pc-linux-gnu")
                .as_deref(),
            Some("step 11/19: generating JIT stencils")
        );
        assert_eq!(stages.observe("random noise"), None);
        assert_eq!(
            stages.observe("Step 12/19 : ENV PATH=/opt/python/bin"),
            None
        );
    }
}
