//! Hardened, long-lived benchmark containers and the runner inside them.
//!
//! One container per build for a whole run: no network, a read-only root
//! filesystem with writable tmpfs mounts, every capability dropped,
//! no-new-privileges, the image's non-root user, a pids limit, a memory
//! limit with swap equal to it, a cpuset (a CFS quota would throttle all
//! threads together and distort multi-thread timings), a capped log, and
//! labels carrying the run id. Files are uploaded through `exec` + `tar`
//! rather than bind-mounted, so a remote `DOCKER_HOST` works as well.
//! Commands in them are byte streams here; the run side speaks the runner's
//! protocol over them.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::CreateContainerOptionsBuilder;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{Engine, LABEL_MANAGED, capped_log, managed_labels};
use crate::lines::Chunk;

type ExecOutput = std::pin::Pin<
    Box<
        dyn futures_util::Stream<
                Item = Result<bollard::container::LogOutput, bollard::errors::Error>,
            > + Send,
    >,
>;
pub type ExecInput = std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>;

/// Where uploaded files live in the container (a tmpfs owned by the bench user).
pub const BENCH_DIR: &str = "/gilbench";
/// Label holding the run id on bench containers.
pub const LABEL_RUN: &str = "org.gilbench.run";
/// The non-root user every interpreter image defines.
const BENCH_USER: &str = "10001:10001";

/// Resource limits and identity of a bench container.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub image: String,
    pub run_id: String,
    /// Human name of the build, e.g. "3.13t", for labels.
    pub build: String,
    /// Host CPUs the container may use, e.g. "0,1".
    pub cpuset: Option<String>,
    pub memory_bytes: i64,
    pub pids_limit: i64,
    /// Size of the in-memory bench folder the files are uploaded into.
    pub bench_bytes: u64,
}

/// A running bench container.
pub struct BenchContainer {
    engine: Engine,
    pub id: String,
}

impl BenchContainer {
    /// Creates and starts a container, then uploads `files` (relative path,
    /// contents) into [`BENCH_DIR`].
    pub async fn start(
        engine: &Engine,
        spec: &ContainerSpec,
        files: &[(String, Vec<u8>)],
    ) -> Result<BenchContainer> {
        let mut labels = managed_labels("bench");
        labels.insert(LABEL_RUN.to_string(), spec.run_id.clone());
        labels.insert("org.gilbench.build".to_string(), spec.build.clone());
        let tmpfs_options = "uid=10001,gid=10001,mode=0755,nosuid,nodev";
        let host_config = HostConfig {
            network_mode: Some("none".to_string()),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([
                (
                    BENCH_DIR.to_string(),
                    format!("{tmpfs_options},size={}", spec.bench_bytes),
                ),
                ("/tmp".to_string(), format!("{tmpfs_options},size=256m")),
            ])),
            cap_drop: Some(vec!["ALL".to_string()]),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            pids_limit: Some(spec.pids_limit),
            memory: Some(spec.memory_bytes),
            memory_swap: Some(spec.memory_bytes),
            cpuset_cpus: spec.cpuset.clone(),
            init: Some(true),
            log_config: Some(capped_log()),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: Some(vec!["sleep".to_string(), "infinity".to_string()]),
            user: Some(BENCH_USER.to_string()),
            working_dir: Some("/tmp".to_string()),
            env: Some(vec!["HOME=/tmp".to_string()]),
            labels: Some(labels),
            network_disabled: Some(true),
            host_config: Some(host_config),
            ..Default::default()
        };
        let id = engine
            .docker
            .create_container(Some(CreateContainerOptionsBuilder::default().build()), body)
            .await
            .with_context(|| format!("creating a container from {}", spec.image))?
            .id;
        let container = BenchContainer {
            engine: engine.clone(),
            id,
        };
        let started = async {
            engine.docker.start_container(&container.id, None).await?;
            container.upload(files).await
        }
        .await;
        if let Err(e) = started {
            container.remove().await;
            return Err(e.context(format!("starting a container from {}", spec.image)));
        }
        Ok(container)
    }

    /// Unpacks a tar of `files` into [`BENCH_DIR`] through `tar -x` on stdin.
    async fn upload(&self, files: &[(String, Vec<u8>)]) -> Result<()> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, contents) in files {
            let mut header = crate::archive::fixed_header(contents.len() as u64, 0o444);
            builder.append_data(&mut header, path, contents.as_slice())?;
        }
        let archive = builder.into_inner()?;
        let (exec, mut output, mut input) = self
            .exec_attached(vec!["tar", "-x", "--no-same-owner", "-C", BENCH_DIR], &[])
            .await
            .context("uploading workloads")?;
        input.write_all(&archive).await?;
        input.shutdown().await?;
        drop(input);
        let mut messages = String::new();
        while let Some(item) = output.next().await {
            messages.push_str(&String::from_utf8_lossy(&item?.into_bytes()));
        }
        let inspect = self.engine.docker.inspect_exec(&exec).await?;
        if inspect.exit_code != Some(0) {
            bail!("uploading workloads failed: {}", messages.trim());
        }
        Ok(())
    }

    /// Starts a command as the bench user in `/tmp` with `env` added, and
    /// hands back its input and its output as tagged chunks. A broken
    /// stream ends the output.
    pub async fn exec(
        &self,
        cmd: Vec<&str>,
        env: &[(String, String)],
    ) -> Result<(
        ExecInput,
        impl futures_util::Stream<Item = Chunk> + Send + use<>,
    )> {
        let (_, output, input) = self.exec_attached(cmd, env).await?;
        let chunks = output.filter_map(|item| async move {
            match item {
                Ok(bollard::container::LogOutput::StdOut { message }) => {
                    Some(Chunk::Stdout(message.to_vec()))
                }
                Ok(bollard::container::LogOutput::StdErr { message }) => {
                    Some(Chunk::Stderr(message.to_vec()))
                }
                Ok(_) | Err(_) => None,
            }
        });
        Ok((input, chunks))
    }

    /// Starts a command as the bench user in `/tmp`, attached to its stdin,
    /// stdout and stderr; returns the exec id and both ends.
    async fn exec_attached(
        &self,
        cmd: Vec<&str>,
        env: &[(String, String)],
    ) -> Result<(String, ExecOutput, ExecInput)> {
        let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let exec = self
            .engine
            .docker
            .create_exec(
                &self.id,
                CreateExecOptions {
                    cmd: Some(cmd),
                    attach_stdin: Some(true),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    user: Some(BENCH_USER),
                    working_dir: Some("/tmp"),
                    env: Some(env.iter().map(String::as_str).collect()),
                    ..Default::default()
                },
            )
            .await?
            .id;
        match self.engine.docker.start_exec(&exec, None).await? {
            StartExecResults::Attached { output, input } => Ok((exec, output, input)),
            StartExecResults::Detached => bail!("the engine did not attach to the command"),
        }
    }

    /// Whether the container is still running, and whether it was OOM-killed.
    pub async fn state(&self) -> Result<ContainerState> {
        let inspect = self.engine.docker.inspect_container(&self.id, None).await?;
        let state = inspect.state.unwrap_or_default();
        Ok(ContainerState {
            running: state.running.unwrap_or(false),
            oom_killed: state.oom_killed.unwrap_or(false),
        })
    }

    pub async fn remove(&self) {
        self.engine.remove_container(&self.id).await;
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ContainerState {
    pub running: bool,
    pub oom_killed: bool,
}

/// Removes every container gilbench created (of one run, or all); returns their ids.
pub async fn remove_leftovers(engine: &Engine, run_id: Option<&str>) -> Result<Vec<String>> {
    let mut label = vec![format!("{LABEL_MANAGED}=true")];
    if let Some(run) = run_id {
        label.push(format!("{LABEL_RUN}={run}"));
    }
    let ids = engine.containers_with_labels(label).await?;
    for id in &ids {
        engine.remove_container(id).await;
    }
    Ok(ids)
}
