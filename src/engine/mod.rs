//! The one place that talks to the Docker Engine.
//!
//! Connects to the address given (`endpoint`), negotiates the API version
//! (the client's default is newer than many engines accept), and labels
//! everything gilbench creates so that it can be listed and removed.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anyhow::{Context, Result};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, DownloadFromContainerOptionsBuilder,
    ListContainersOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::error::Error;

pub mod container;
pub mod endpoint;
mod ssh;

pub use endpoint::Endpoint;

/// What an engine says about itself and the machine it runs on.
#[derive(Debug, Clone)]
pub struct EngineFacts {
    /// The engine's own id, stable across restarts.
    pub id: Option<String>,
    /// The host name of the engine's machine.
    pub name: Option<String>,
    pub version: Option<String>,
    /// The API version in use ("major.minor").
    pub api_version: String,
    /// The newest API version the engine supports.
    pub max_api_version: Option<String>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub cpus: Option<i64>,
    pub memory_bytes: Option<i64>,
}

/// Every object gilbench creates carries this label set to "true".
pub const LABEL_MANAGED: &str = "org.gilbench.managed";
/// What the object is: "base", "cpython", "helper", "bench".
pub const LABEL_ROLE: &str = "org.gilbench.role";

/// How to get an engine running, for every message that finds none.
pub const START_ENGINE_HINT: &str = "on Debian: `apt-get install docker.io`, then `dockerd &` (or \
     `systemctl start docker`); elsewhere set DOCKER_HOST to a reachable engine";

/// A connected engine with a negotiated API version. Only `engine/` and the
/// image pipeline (`images/`) use the client directly; everything else goes
/// through the methods here.
#[derive(Clone)]
pub struct Engine {
    pub(crate) docker: Docker,
    /// Where the engine was reached, for messages.
    pub host: String,
    pub endpoint: Endpoint,
}

impl Engine {
    /// Connects to `DOCKER_HOST` or the local socket.
    pub async fn connect() -> Result<Engine> {
        Engine::connect_to(&Endpoint::from_environment()).await
    }

    /// Connects and negotiates; fails fast with advice when no engine answers.
    pub async fn connect_to(endpoint: &Endpoint) -> Result<Engine> {
        let docker = endpoint.client()?;
        let unreachable = |cause: String| endpoint.unreachable(&cause);
        match tokio::time::timeout(endpoint::CONNECT_TIMEOUT, docker.ping()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                let cause = match endpoint.ssh_failure().await {
                    Some(said) => format!("ssh says: {said}"),
                    None => error_chain(&e),
                };
                return Err(unreachable(cause));
            }
            Err(_) => {
                return Err(unreachable(format!(
                    "no answer within {} s",
                    endpoint::CONNECT_TIMEOUT.as_secs()
                )));
            }
        }
        let docker = docker
            .negotiate_version()
            .await
            .map_err(|e| unreachable(format!("API version negotiation failed: {e}")))?;
        Ok(Engine {
            docker,
            host: endpoint.to_string(),
            endpoint: endpoint.clone(),
        })
    }

    /// "major.minor" of the API version in use.
    pub fn api_version(&self) -> String {
        let v = self.docker.client_version();
        format!("{}.{}", v.major_version, v.minor_version)
    }

    /// What the engine says about itself and its machine.
    pub async fn facts(&self) -> Result<EngineFacts> {
        let info = self.docker.info().await?;
        let version = self.docker.version().await?;
        Ok(EngineFacts {
            id: info.id,
            name: info.name,
            version: version.version,
            api_version: self.api_version(),
            max_api_version: version.api_version,
            os: info.operating_system,
            kernel: info.kernel_version,
            cpus: info.ncpu,
            memory_bytes: info.mem_total,
        })
    }

    /// Turns a silent engine into a clear error.
    pub async fn alive(&self) -> Result<()> {
        match tokio::time::timeout(Duration::from_secs(10), self.docker.ping()).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(Error::EngineUnavailable(format!(
                "the Docker engine at {} stopped answering",
                self.host
            ))
            .into()),
        }
    }

    /// An image's id and labels.
    pub async fn image_identity(&self, image: &str) -> Result<(String, BTreeMap<String, String>)> {
        let inspect = self.docker.inspect_image(image).await?;
        let labels = inspect.config.and_then(|c| c.labels).unwrap_or_default();
        Ok((inspect.id.unwrap_or_default(), labels.into_iter().collect()))
    }

    /// Runs a command to completion in a throwaway container and returns its
    /// output; the container is kept (stopped) so files can be copied out, and
    /// must be removed with [`Engine::remove_container`].
    pub async fn run_helper(
        &self,
        image: &str,
        command: Vec<String>,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<HelperRun> {
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(command),
            user: Some("0".to_string()),
            labels: Some(managed_labels("helper")),
            host_config: Some(HostConfig {
                log_config: Some(capped_log()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let id = self
            .docker
            .create_container(Some(CreateContainerOptionsBuilder::default().build()), body)
            .await
            .context("creating a helper container")?
            .id;
        let result = async {
            self.docker.start_container(&id, None).await?;
            let logs_options = LogsOptionsBuilder::default()
                .follow(true)
                .stdout(true)
                .stderr(true)
                .build();
            let mut logs = self.docker.logs(&id, Some(logs_options));
            let mut splitter = crate::lines::LineSplitter::default();
            let mut output = String::new();
            while let Some(chunk) = logs.next().await {
                for line in splitter.push(&chunk?.into_bytes()) {
                    on_line(&line);
                    output.push_str(&line);
                    output.push('\n');
                }
            }
            if let Some(line) = splitter.finish() {
                on_line(&line);
                output.push_str(&line);
            }
            let exit_code = self.wait_exit_code(&id).await?;
            anyhow::Ok(HelperRun {
                container_id: id.clone(),
                exit_code,
                output,
            })
        }
        .await;
        if result.is_err() {
            self.remove_container(&id).await;
        }
        result
    }

    /// The exit code of a container that has stopped or is about to.
    pub async fn wait_exit_code(&self, id: &str) -> Result<i64> {
        let mut wait = self.docker.wait_container(id, None);
        match wait.next().await {
            Some(Ok(response)) => Ok(response.status_code),
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(e.into()),
            None => anyhow::bail!("the engine ended the wait for container {id} without a status"),
        }
    }

    /// Copies a path out of a container as a tar archive.
    pub async fn download(&self, id: &str, path: &str) -> Result<Vec<u8>> {
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(options));
        let mut archive = Vec::new();
        while let Some(chunk) = stream.next().await {
            archive.extend_from_slice(&chunk.with_context(|| format!("copying {path} out"))?);
        }
        Ok(archive)
    }

    /// Removes a container, forcefully; a container already gone is fine.
    pub async fn remove_container(&self, id: &str) {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        let _ = self.docker.remove_container(id, Some(options)).await;
    }

    /// Ids of containers (running or not) carrying all of `labels` ("key=value").
    pub async fn containers_with_labels(&self, labels: Vec<String>) -> Result<Vec<String>> {
        let filters = HashMap::from([("label".to_string(), labels)]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        Ok(self
            .docker
            .list_containers(Some(options))
            .await?
            .into_iter()
            .filter_map(|c| c.id)
            .collect())
    }
}

/// The outcome of [`Engine::run_helper`].
pub struct HelperRun {
    pub container_id: String,
    pub exit_code: i64,
    pub output: String,
}

/// The labels every gilbench object carries.
pub fn managed_labels(role: &str) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_MANAGED.to_string(), "true".to_string()),
        (LABEL_ROLE.to_string(), role.to_string()),
    ])
}

/// A json-file log capped so that a chatty process cannot fill the disk.
pub fn capped_log() -> bollard::models::HostConfigLogConfig {
    bollard::models::HostConfigLogConfig {
        typ: Some("json-file".to_string()),
        config: Some(HashMap::from([
            ("max-size".to_string(), "1m".to_string()),
            ("max-file".to_string(), "1".to_string()),
        ])),
    }
}

/// An error with its causes: a TLS or ssh failure says what failed only in
/// its sources.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}
