//! Where an engine is: `--engine URL`, or `DOCKER_HOST`, or the local
//! socket, reached the way Docker's own client reaches it.
//!
//! - `unix:///path/docker.sock`
//! - `tcp://host:port`: plain HTTP, or TLS when `DOCKER_TLS_VERIFY` is set,
//!   with `ca.pem`, `cert.pem` and `key.pem` from `DOCKER_CERT_PATH`
//!   (default `~/.docker`); `https://host:port` is always TLS
//! - `ssh://user@host[:port]`: the system `ssh` (its configuration and
//!   agent), then `docker system dial-stdio` on the far side
//!
//! A `?cpus=LIST` after the address gives that engine's bench containers
//! their own cpuset, in place of `--cpus`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use bollard::{API_DEFAULT_VERSION, Docker};

use super::ssh;
use crate::error::{Error, invalid_input};
use crate::redact::without_credentials;

/// Seconds every request may take: image pulls and pushes are long.
const REQUEST_TIMEOUT_S: u64 = 600;
/// How long an engine may take to answer its first ping.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// An engine's address, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The address without the `?cpus=` part.
    pub url: String,
    /// The cpuset for bench containers on this engine, if given.
    pub cpus: Option<String>,
}

impl std::str::FromStr for Endpoint {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Endpoint> {
        let (url, query) = match text.split_once('?') {
            Some((url, query)) => (url, Some(query)),
            None => (text, None),
        };
        let scheme = url.split_once("://").map(|(s, _)| s);
        let known = match scheme {
            Some("ssh") => ssh::Target::parse(url).is_some(),
            Some(scheme) => ["unix", "tcp", "http", "https"].contains(&scheme),
            None => false,
        };
        if !known {
            return Err(invalid_input(format!(
                "--engine {text}: expected unix:///path, tcp://host:port, https://host:port \
                 or ssh://user@host[:port]"
            )));
        }
        let cpus = match query {
            None => None,
            Some(query) => match query.strip_prefix("cpus=") {
                Some(set) => {
                    crate::cpuset::parse(set)
                        .map_err(|e| invalid_input(format!("--engine {text}: cpus {e}")))?;
                    Some(set.to_string())
                }
                None => {
                    return Err(invalid_input(format!(
                        "--engine {text}: the only option after `?` is cpus=LIST, e.g. ?cpus=1"
                    )));
                }
            },
        };
        Ok(Endpoint {
            url: url.to_string(),
            cpus,
        })
    }
}

impl std::fmt::Display for Endpoint {
    /// The address as results and messages show it: no password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&without_credentials(&self.url))?;
        match &self.cpus {
            Some(cpus) => write!(f, "?cpus={cpus}"),
            None => Ok(()),
        }
    }
}

impl Endpoint {
    /// `DOCKER_HOST`, or the local socket.
    pub fn from_environment() -> Endpoint {
        let url = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
        Endpoint { url, cpus: None }
    }

    fn uses_tls(&self) -> bool {
        self.url.starts_with("https://")
            || (self.url.starts_with("tcp://")
                && std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty()))
    }

    /// A client for the address; nothing is sent yet.
    pub(super) fn client(&self) -> Result<Docker> {
        let url = &self.url;
        let docker = if let Some(target) = ssh::Target::parse(url) {
            super::ssh::client(target, REQUEST_TIMEOUT_S)
        } else if self.uses_tls() {
            let dir = cert_path();
            let file = |name: &str| -> Result<PathBuf> {
                let path = dir.join(name);
                if path.is_file() {
                    return Ok(path);
                }
                Err(Error::EngineUnavailable(format!(
                    "cannot reach the Docker engine at {self}: TLS needs {} and it is missing\n\
                     hint: put the engine's ca.pem and a client cert.pem and key.pem in one folder \
                     and name it with DOCKER_CERT_PATH (default ~/.docker)",
                    path.display()
                ))
                .into())
            };
            let (ca, cert, key) = (file("ca.pem")?, file("cert.pem")?, file("key.pem")?);
            Docker::connect_with_ssl(
                url,
                &key,
                &cert,
                &ca,
                REQUEST_TIMEOUT_S,
                API_DEFAULT_VERSION,
            )
        } else if url.starts_with("unix://") {
            Docker::connect_with_unix(url, REQUEST_TIMEOUT_S, API_DEFAULT_VERSION)
        } else {
            Docker::connect_with_http(url, REQUEST_TIMEOUT_S, API_DEFAULT_VERSION)
        };
        docker.map_err(|e| self.unreachable(&e.to_string()))
    }

    /// Over ssh, why ssh could not run `docker` there, if it could not.
    pub(super) async fn ssh_failure(&self) -> Option<String> {
        ssh::Target::parse(&self.url)?.diagnose().await
    }

    /// The error for an engine that does not answer, with what to check.
    pub(super) fn unreachable(&self, cause: &str) -> anyhow::Error {
        let hint = if self.url.starts_with("ssh://") {
            format!(
                "check that `ssh{}` logs in without a password (ssh-agent or ~/.ssh/config) and \
                 that `docker version` works there",
                ssh::Target::parse(&self.url).map_or(String::new(), |t| {
                    let port = t.port.map_or(String::new(), |p| format!(" -p {p}"));
                    let user = t.user.map_or(String::new(), |u| format!("{u}@"));
                    format!("{port} {user}{}", t.host)
                })
            )
        } else if self.uses_tls() {
            format!(
                "check the address, that the engine listens there with --tlsverify, and that \
                 DOCKER_CERT_PATH ({}) holds the ca.pem that signed the engine's certificate and a \
                 client cert.pem/key.pem it trusts",
                cert_path().display()
            )
        } else if self.url.starts_with("unix://") {
            super::START_ENGINE_HINT.to_string()
        } else {
            "check the address and that the engine listens there (dockerd -H tcp://…); for an \
             engine with TLS set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
                .to_string()
        };
        Error::EngineUnavailable(format!(
            "cannot reach a Docker engine at {self}: {cause}\nhint: {hint}; \
             `gilbench doctor` checks the setup"
        ))
        .into()
    }
}

/// `DOCKER_CERT_PATH`, or `~/.docker` as Docker's client has it.
fn cert_path() -> PathBuf {
    match std::env::var_os("DOCKER_CERT_PATH").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => std::env::home_dir().unwrap_or_default().join(".docker"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_keep_their_cpus() {
        let e: Endpoint = "unix:///run/b.sock?cpus=1".parse().unwrap();
        assert_eq!(e.url, "unix:///run/b.sock");
        assert_eq!(e.cpus.as_deref(), Some("1"));
        assert_eq!(e.to_string(), "unix:///run/b.sock?cpus=1");
        let e: Endpoint = "ssh://bench@lab:2222".parse().unwrap();
        assert_eq!((e.url.as_str(), e.cpus), ("ssh://bench@lab:2222", None));
        let shown: Endpoint = "tcp://u:secret@10.0.0.2:2376".parse().unwrap();
        assert!(!shown.to_string().contains("secret"));
        for bad in ["lab:2376", "ftp://x", "unix:///s?cpus=a", "unix:///s?mem=1"] {
            let error = bad.parse::<Endpoint>().unwrap_err().to_string();
            assert!(error.contains("--engine"), "{bad}: {error}");
        }
    }
}
