//! The orchestrator's side of the protocol with the runner package
//! (`runner/`, started as `python3 runner serve`).
//!
//! The runner speaks versioned JSON lines (documented in workloads/README.md):
//! one request per line on its stdin, exactly one response line per request
//! on its stdout, nothing else on stdout. Each sample runs in a fresh
//! interpreter behind the runner, so a session is cheap to keep open.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::lines::{Chunk, LineSplitter, reader_chunks};
use crate::results::{FailureKind, Mode, Sample, SampleStatus, ScriptRun, WorkloadInfo};

pub const PROTOCOL_VERSION: u64 = 1;
/// Lines of the runner's own stderr kept for error messages.
const STDERR_TAIL: usize = 40;

/// What to measure in one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRequest {
    /// Path of the workload inside the runner's filesystem.
    pub workload: String,
    pub mode: Mode,
    pub workers: u32,
    pub size: Option<u64>,
    pub warmup: bool,
    /// Threads mode at one thread: time the owning thread before the worker
    /// thread (alternated, so neither gains from running second).
    pub owner_first: bool,
    /// Untimed calls of the work before the timed one (pyperf's warmups).
    pub warm_calls: u32,
    pub timeout_s: f64,
    pub env: std::collections::BTreeMap<String, String>,
}

impl SampleRequest {
    /// The sample this request became when the orchestrator saw it fail
    /// (the runner could not say).
    pub fn failed(&self, kind: FailureKind, message: String) -> Sample {
        Sample {
            status: SampleStatus::Failed,
            kind: Some(kind),
            message: Some(message),
            wall_ns: None,
            cpu_ns: None,
            worker_cpu_ns: None,
            max_rss_kb: None,
            rss_setup_kb: None,
            rss_peak_kb: None,
            check: None,
            result_repr: None,
            gil_enabled: None,
            gil_enabled_by: None,
            gil_enabled_after_import: None,
            name: None,
            scaling: None,
            start_method: None,
            warmup: self.warmup,
            workers: self.workers,
            mode: self.mode,
            size: self.size,
            workload: None,
            stdout_tail: None,
            stderr_tail: None,
            exit_code: None,
            signal: None,
            duration_ns: None,
            foreign_cpu_ns: None,
            steal_ns: None,
            watched_ns: None,
            watched_cpus: None,
            owner_wall_ns: None,
            imports: None,
            warm_call_ns: None,
            warm_load: None,
            extra: Default::default(),
        }
    }
}

/// A program to run once as a sample's worker runs (a reproducer): with
/// `args`, the extra environment `env`, killed after `timeout_s`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptRequest {
    pub source: String,
    pub args: Vec<String>,
    pub timeout_s: f64,
    pub env: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The runner's process or its container went away.
    #[error("the runner exited{}", stderr_suffix(.stderr))]
    Gone { stderr: String },
    #[error("the runner did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the runner broke the protocol: {0}")]
    Protocol(String),
    #[error("the runner refused the request: {0}")]
    Refused(String),
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!("; its stderr ended with:\n{stderr}")
    }
}

type Input = Pin<Box<dyn AsyncWrite + Send>>;

/// An open conversation with one `runner serve` process.
pub struct RunnerSession {
    input: Input,
    responses: mpsc::UnboundedReceiver<String>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    next_id: u64,
    /// Keeps the process (or exec) alive as long as the session.
    _owner: Option<Box<dyn Send + Sync>>,
}

impl RunnerSession {
    /// Wraps a running `runner serve`: its stdin, and its output as
    /// tagged chunks (frames need not align with lines).
    pub fn new(
        input: Input,
        mut output: Pin<Box<dyn futures_util::Stream<Item = Chunk> + Send>>,
        owner: Option<Box<dyn Send + Sync>>,
    ) -> RunnerSession {
        use futures_util::StreamExt;
        let (sender, responses) = mpsc::unbounded_channel();
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let stderr_sink = Arc::clone(&stderr);
        tokio::spawn(async move {
            let mut out = LineSplitter::default();
            let mut err = LineSplitter::default();
            while let Some(chunk) = output.next().await {
                match chunk {
                    Chunk::Stdout(bytes) => {
                        for line in out.push(&bytes) {
                            if sender.send(line).is_err() {
                                return;
                            }
                        }
                    }
                    Chunk::Stderr(bytes) => {
                        let mut tail = stderr_sink.lock().expect("not poisoned");
                        for line in err.push(&bytes) {
                            tail.push_back(line);
                            if tail.len() > STDERR_TAIL {
                                tail.pop_front();
                            }
                        }
                    }
                }
            }
        });
        RunnerSession {
            input,
            responses,
            stderr,
            next_id: 1,
            _owner: owner,
        }
    }

    /// Starts `COMMAND runner serve` (`command` ending with the interpreter,
    /// `runner` being the package folder) as a process of this host, in
    /// `workdir`, with `env` added.
    pub fn spawn_local(
        command: &[String],
        runner: &std::path::Path,
        workdir: &std::path::Path,
        env: &[(String, String)],
    ) -> std::io::Result<RunnerSession> {
        use std::process::Stdio;
        let (program, args) = command.split_first().expect("an interpreter");
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .arg(runner)
            .arg("serve")
            .current_dir(workdir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = reader_chunks(child.stdout.take().expect("piped"), Chunk::Stdout);
        let stderr = reader_chunks(child.stderr.take().expect("piped"), Chunk::Stderr);
        let output = futures_util::stream::select(stdout, stderr);
        Ok(RunnerSession::new(
            Box::pin(stdin),
            Box::pin(output),
            Some(Box::new(Mutex::new(child))),
        ))
    }

    fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().expect("not poisoned");
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Sends one request and waits for its response, decoded in one step
    /// from the line into the reply's body `T`.
    async fn request<T: DeserializeOwned>(
        &mut self,
        mut body: Value,
        timeout: Duration,
    ) -> Result<T, RunnerError> {
        let id = self.next_id;
        self.next_id += 1;
        body["v"] = json!(PROTOCOL_VERSION);
        body["id"] = json!(id);
        let mut line = body.to_string();
        line.push('\n');
        if self.input.write_all(line.as_bytes()).await.is_err() || self.input.flush().await.is_err()
        {
            return Err(self.gone().await);
        }
        let received = match tokio::time::timeout(timeout, self.responses.recv()).await {
            Err(_) => return Err(RunnerError::Timeout(timeout)),
            Ok(None) => return Err(self.gone().await),
            Ok(Some(line)) => line,
        };
        let reply: Reply<T> = serde_json::from_str(&received)
            .map_err(|e| RunnerError::Protocol(format!("{e} in {received:.200}")))?;
        if reply.v != json!(PROTOCOL_VERSION) {
            return Err(RunnerError::Protocol(format!(
                "protocol version {} (gilbench speaks {PROTOCOL_VERSION})",
                reply.v
            )));
        }
        if reply.id != json!(id) {
            return Err(RunnerError::Protocol(format!(
                "response to request {} while waiting for {id}",
                reply.id
            )));
        }
        if !reply.ok {
            let reason = reply.error.as_deref().unwrap_or("no reason given");
            return Err(RunnerError::Refused(reason.to_string()));
        }
        // A body that does not fit is read again, only to say why.
        reply.body.ok_or_else(|| {
            let why = serde_json::from_str::<T>(&received).err();
            let why = why.map_or_else(|| "no body".to_string(), |e| e.to_string());
            RunnerError::Protocol(format!("{why} in {received:.200}"))
        })
    }

    /// The runner's stderr may still be arriving when its stdout closes.
    async fn gone(&self) -> RunnerError {
        tokio::time::sleep(Duration::from_millis(100)).await;
        RunnerError::Gone {
            stderr: self.stderr_tail(),
        }
    }

    /// Interpreter facts, optionally after importing a workload.
    pub async fn facts(&mut self, after_import: Option<&str>) -> Result<Value, RunnerError> {
        let mut request = json!({"op": "facts"});
        if let Some(path) = after_import {
            request["after_import"] = json!(path);
        }
        let reply: FactsReply = self.request(request, Duration::from_secs(60)).await?;
        Ok(reply.facts)
    }

    /// Metadata of workload files or folders.
    pub async fn describe(&mut self, paths: &[String]) -> Result<Vec<WorkloadInfo>, RunnerError> {
        let request = json!({"op": "describe", "paths": paths});
        let reply: DescribeReply = self.request(request, Duration::from_secs(120)).await?;
        Ok(reply.workloads)
    }

    /// Runs one sample.
    pub async fn sample(&mut self, request: &SampleRequest) -> Result<Sample, RunnerError> {
        let reply: SampleReply = self.run("sample", request, request.timeout_s).await?;
        Ok(reply.sample)
    }

    /// Runs a program once, as a sample's worker runs.
    pub async fn script(&mut self, request: &ScriptRequest) -> Result<ScriptRun, RunnerError> {
        let reply: ScriptReply = self.run("script", request, request.timeout_s).await?;
        Ok(reply.script)
    }

    /// Sends `request` as `op`, a child the runner starts and stops after
    /// `timeout_s`; this side allows a grace period on top for spawning and
    /// reporting.
    async fn run<T: DeserializeOwned>(
        &mut self,
        op: &str,
        request: &impl Serialize,
        timeout_s: f64,
    ) -> Result<T, RunnerError> {
        let mut body = serde_json::to_value(request).expect("serialisable");
        body["op"] = json!(op);
        let grace = Duration::from_secs_f64(timeout_s + 30.0);
        self.request(body, grace).await
    }

    /// Asks the runner to exit; errors are irrelevant at this point.
    pub async fn shutdown(mut self) {
        let _ = self
            .request::<Value>(json!({"op": "shutdown"}), Duration::from_secs(5))
            .await;
    }
}

/// One line from the runner: the envelope, and the body of an answer that
/// is `ok`, read in the same pass.
#[derive(Deserialize)]
struct Reply<T> {
    #[serde(default)]
    v: Value,
    #[serde(default)]
    id: Value,
    #[serde(default)]
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(flatten)]
    body: Option<T>,
}

#[derive(Deserialize)]
struct FactsReply {
    facts: Value,
}

#[derive(Deserialize)]
struct DescribeReply {
    workloads: Vec<WorkloadInfo>,
}

#[derive(Deserialize)]
struct SampleReply {
    sample: Sample,
}

#[derive(Deserialize)]
struct ScriptReply {
    script: ScriptRun,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_parse_and_keep_unknown_fields() {
        let text = r#"{"status":"failed","kind":"timeout","message":"took too long","wall_ns":null,
            "workers":2,"mode":"threads","warmup":false,"size":10,"start_method":"fork",
            "from_a_newer_runner":1}"#;
        let sample: Sample = serde_json::from_str(text).unwrap();
        assert_eq!(sample.status, SampleStatus::Failed);
        assert_eq!(sample.kind, Some(FailureKind::Timeout));
        assert_eq!(sample.mode, Mode::Threads);
        assert_eq!(sample.start_method.as_deref(), Some("fork"));
        assert_eq!(sample.extra["from_a_newer_runner"], 1);
        let back = serde_json::to_value(&sample).unwrap();
        assert_eq!(back["from_a_newer_runner"], 1);
    }

    #[test]
    fn a_reply_is_read_in_one_pass_into_its_body() {
        let line = r#"{"v":1,"id":3,"ok":true,"sample":{"status":"ok","workers":1,"mode":"threads","wall_ns":5}}"#;
        let reply: Reply<SampleReply> = serde_json::from_str(line).unwrap();
        assert_eq!((reply.v, reply.id, reply.ok), (json!(1), json!(3), true));
        assert_eq!(reply.body.unwrap().sample.wall_ns, Some(5));
        let refused = r#"{"v":1,"id":4,"ok":false,"error":"workers must be an integer"}"#;
        let reply: Reply<SampleReply> = serde_json::from_str(refused).unwrap();
        assert!(!reply.ok && reply.body.is_none());
        assert_eq!(reply.error.as_deref(), Some("workers must be an integer"));
        let broken = r#"{"v":1,"id":5,"ok":true,"sample":{"status":"fine"}}"#;
        let reply: Result<Reply<SampleReply>, _> = serde_json::from_str(broken);
        assert!(reply.unwrap().body.is_none());
    }
}
