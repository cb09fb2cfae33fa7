//! Engines over ssh, as Docker's own client reaches them: each connection
//! is `ssh [-p PORT] [user@]host docker system dial-stdio`, HTTP through its
//! stdin and stdout. The system `ssh` brings the user's configuration,
//! keys and agent.

use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Result;
use bollard::{API_DEFAULT_VERSION, BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long ssh may take to reach the host: a dead host fails fast.
const CONNECT_TIMEOUT_S: u32 = 10;

/// `ssh://[user@]host[:port]`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Target {
    pub fn parse(url: &str) -> Option<Target> {
        let rest = url.strip_prefix("ssh://")?.trim_end_matches('/');
        let (user, host_port) = match rest.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_string()), host),
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port.parse().ok()?)),
            None => (host_port, None),
        };
        (!host.is_empty()).then(|| Target {
            user,
            host: host.to_string(),
            port,
        })
    }

    /// `ssh` with this target and a remote command.
    pub fn command(&self, remote: &[&str]) -> Command {
        let mut command = Command::new("ssh");
        command.args([
            "-o",
            "BatchMode=yes",
            "-o",
            &format!("ConnectTimeout={CONNECT_TIMEOUT_S}"),
            // Trust on first use, as a fresh `docker -H ssh://` does.
            "-o",
            "StrictHostKeyChecking=accept-new",
        ]);
        if let Some(port) = self.port {
            command.args(["-p", &port.to_string()]);
        }
        command.arg("--").arg(match &self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.clone(),
        });
        command.args(remote).kill_on_drop(true);
        command
    }

    /// Why `ssh` cannot run `docker` there: the last line it printed.
    pub async fn diagnose(&self) -> Option<String> {
        let mut command = self.command(&["docker", "version", "--format", "{{.Server.Version}}"]);
        let output = tokio::time::timeout(
            Duration::from_secs(u64::from(CONNECT_TIMEOUT_S) + 5),
            command.stdin(Stdio::null()).output(),
        )
        .await
        .ok()?
        .ok()?;
        if output.status.success() {
            return None;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
    }
}

/// A client whose every connection is a new `ssh … docker system dial-stdio`.
pub fn client(target: Target, timeout_s: u64) -> Result<Docker, bollard::errors::Error> {
    let client =
        std::sync::Arc::new(Client::builder(TokioExecutor::new()).build(Connector { target }));
    Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = std::sync::Arc::clone(&client);
            async move {
                client
                    .request(request)
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        // The host part only names connections in the pool.
        Some("ssh://engine"),
        timeout_s,
        API_DEFAULT_VERSION,
    )
}

#[derive(Clone)]
struct Connector {
    target: Target,
}

impl tower_service::Service<http::Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let mut command = self.target.command(&["docker", "system", "dial-stdio"]);
        Box::pin(async move {
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()?;
            let stdin = child.stdin.take().expect("stdin is piped");
            let stdout = child.stdout.take().expect("stdout is piped");
            Ok(TokioIo::new(Stream {
                _child: child,
                stdin: Some(stdin),
                stdout,
            }))
        })
    }
}

/// One connection: the ssh process, killed when the connection is dropped.
struct Stream {
    _child: Child,
    /// None once shut down: only closing the pipe tells the far side that
    /// input ended (a hijacked exec's stdin, as `tar -x` needs).
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
}

impl Stream {
    fn stdin(&mut self) -> std::io::Result<Pin<&mut ChildStdin>> {
        self.stdin
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| std::io::ErrorKind::BrokenPipe.into())
    }
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.stdin()?.poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.stdin()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if let Some(stdin) = self.stdin.as_mut() {
            std::task::ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        self.stdin = None;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_keep_their_user_and_port() {
        let target = Target::parse("ssh://bench@10.0.0.3:2222").unwrap();
        assert_eq!(
            target,
            Target {
                user: Some("bench".into()),
                host: "10.0.0.3".into(),
                port: Some(2222)
            }
        );
        let plain = Target::parse("ssh://lab-3").unwrap();
        assert_eq!((plain.user, plain.port), (None, None));
        assert!(Target::parse("ssh://lab:port").is_none());
        assert!(Target::parse("ssh://").is_none());
        assert!(Target::parse("tcp://lab").is_none());
    }
}
