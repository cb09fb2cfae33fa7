//! Shared helpers: running the binary, serialising use of the engine,
//! getting the base image in place once, a local registry, and the extra
//! engines of `tests/engines/up`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};

use gilbench::results::{Journal, JournalEntry, RunResults};

/// The gilbench binary under test.
pub fn gilbench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gilbench"));
    // Builds for tests are plain builds; every test asks for the same ones,
    // so each is built once and then found by its content hash.
    command.env("GILBENCH_PROFILE", "quick");
    command.env_remove("GILBENCH_APT_OPTIONS");
    command.env_remove("GILBENCH_REGISTRY");
    command
}

/// The absolute path of `tests/fixtures/{path}`.
pub fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs a command and returns its output, printing it for failed asserts.
pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the command starts");
    eprintln!(
        "$ {:?}\n[exit {:?}]\n--- stdout\n{}--- stderr\n{}",
        command,
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A run folder's results.json, with the samples it names inline.
pub fn results(dir: &std::path::Path) -> serde_json::Value {
    RunResults::load(dir)
        .unwrap()
        .with_samples_inline()
        .unwrap()
}

/// How many samples a run's journal holds so far, open or sealed (0 before
/// it exists).
pub fn journal_samples(dir: &std::path::Path) -> usize {
    Journal::read(dir)
        .unwrap_or_default()
        .iter()
        .filter(|entry| matches!(entry, JournalEntry::Sample(_)))
        .count()
}

/// The id of the run in `dir`, from its journal's header.
pub fn run_id(dir: &std::path::Path) -> String {
    match Journal::read(dir).unwrap().into_iter().next() {
        Some(JournalEntry::Header(header)) => header.run_id,
        _ => panic!("{} has no journal header", dir.display()),
    }
}

/// The median of some values (the upper one of an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "no values");
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Serialises tests that measure (timings must not overlap, nor be
/// disturbed by another test's load).
pub fn quiet() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serialises tests that use the engine (builds and timings must not
/// overlap) and makes sure a base image exists, bootstrapping one if needed.
pub fn engine() -> MutexGuard<'static, ()> {
    static BASE: OnceLock<()> = OnceLock::new();
    let guard = quiet();
    BASE.get_or_init(|| {
        let doctor = run(gilbench().arg("doctor"));
        if !stdout(&doctor).contains("ok    base image") {
            let bootstrap = run(gilbench().args(["images", "bootstrap-base"]));
            assert!(
                bootstrap.status.success(),
                "bootstrapping the base image failed"
            );
        }
    });
    guard
}

/// The image name printed by `gilbench build` for each spec, in order.
pub fn built_images(output: &Output) -> Vec<(String, String)> {
    stdout(output)
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.len() == 3).then(|| (fields[1].to_string(), fields[2].to_string()))
        })
        .collect()
}

/// Runs a Python snippet in an image with the docker CLI and returns stdout.
pub fn python_in(image: &str, code: &str) -> String {
    python_in_env(image, &[], code)
}

/// The same, with environment variables (`NAME=VALUE`) set.
pub fn python_in_env(image: &str, env: &[&str], code: &str) -> String {
    let mut command = Command::new("docker");
    command.args(["run", "--rm", "--network", "none"]);
    for setting in env {
        command.args(["--env", setting]);
    }
    let output = run(command.args([image, "python3", "-c", code]));
    assert!(output.status.success(), "python failed in {image}");
    stdout(&output).trim().to_string()
}

/// The verified CPython 3.13.5 tarball that builds leave in the cache
/// (getting the 3.13 image puts it there on a fresh machine).
pub fn cached_release_tarball() -> PathBuf {
    let root = std::env::var_os("GILBENCH_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gilbench"));
    let tarball = root.join("sources").join("Python-3.13.5.tar.xz");
    if !tarball.exists() {
        assert!(run(gilbench().args(["build", "3.13"])).status.success());
    }
    tarball
}

/// Runs async test code on a fresh multi-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(future)
}

/// A TCP front for the engine's unix socket, so a test can make the engine
/// vanish for one gilbench process (by stopping the proxy) without
/// touching the engine itself.
pub struct EngineProxy {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    connections: std::sync::Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl EngineProxy {
    pub fn start() -> EngineProxy {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let connections: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
        let (stop_flag, open) = (Arc::clone(&stop), Arc::clone(&connections));
        std::thread::spawn(move || {
            while !stop_flag.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let engine =
                    std::os::unix::net::UnixStream::connect("/var/run/docker.sock").unwrap();
                open.lock().unwrap().push(client.try_clone().unwrap());
                let (mut client_read, mut engine_write) =
                    (client.try_clone().unwrap(), engine.try_clone().unwrap());
                let (mut engine_read, mut client_write) = (engine, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut engine_write);
                    let _ = engine_write.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut engine_read, &mut client_write);
                    let _ = client_write.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        EngineProxy {
            port,
            stop,
            connections,
        }
    }

    pub fn docker_host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Refuses new connections and cuts the open ones.
    pub fn cut(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            let _ = connection.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The engines that `tests/engines/up` keeps running beside the default one.
pub struct TestEngines {
    /// The second engine's unix socket, as `unix://…`.
    pub engine2: String,
    /// The second engine over TLS, as `tcp://127.0.0.1:…`.
    pub tls_engine: String,
    /// A client folder in Docker's layout (`ca.pem`, `cert.pem`, `key.pem`)
    /// that the TLS engine accepts.
    pub tls_certs: PathBuf,
    /// The same layout with a client certificate from another CA, which the
    /// TLS engine refuses; its `ca.pem` is the right one.
    pub wrong_certs: PathBuf,
    /// The default engine through sshd, as `ssh://root@127.0.0.1:…`.
    pub ssh_engine: String,
    /// The ssh-agent holding the key that sshd accepts.
    pub ssh_auth_sock: PathBuf,
}

/// Starts whatever of `tests/engines/up` is not running (once per test
/// process) and returns the addresses it prints.
pub fn engines() -> &'static TestEngines {
    static ENGINES: OnceLock<TestEngines> = OnceLock::new();
    ENGINES.get_or_init(start_engines)
}

/// Starts the test engines again (after a test killed one) and returns
/// the second engine's address on its own CPU.
pub fn restart_engines() -> String {
    format!("{}?cpus=1", start_engines().engine2)
}

fn start_engines() -> TestEngines {
    let script = format!("{}/tests/engines/up", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(&script)
        .output()
        .unwrap_or_else(|error| panic!("{script} does not start: {error}"));
    if !output.status.success() {
        panic!("{script} failed:\n{}", stderr(&output));
    }
    let printed = stdout(&output);
    let values: HashMap<&str, &str> = printed
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let value = |key: &str| match values.get(key) {
        Some(value) => value.to_string(),
        None => panic!("{script} printed no {key}:\n{printed}"),
    };
    TestEngines {
        engine2: value("GILBENCH_TEST_ENGINE2"),
        tls_engine: value("GILBENCH_TEST_TLS_ENGINE"),
        tls_certs: value("GILBENCH_TEST_TLS_CERTS").into(),
        wrong_certs: value("GILBENCH_TEST_WRONG_CERTS").into(),
        ssh_engine: value("GILBENCH_TEST_SSH_ENGINE"),
        ssh_auth_sock: value("SSH_AUTH_SOCK").into(),
    }
}

/// The images a build's stage left behind (ids, one per line): its stage is
/// labelled with the 16 hex digits of its image's tag.
pub fn stage_leftovers(stage_id: &str) -> String {
    let label = format!("label=org.gilbench.stage={stage_id}");
    stdout(&run(
        Command::new("docker").args(["images", "-aq", "--filter", &label])
    ))
    .trim()
    .to_string()
}

/// Serves `dir` over HTTP (python3 -m http.server) at `address` on a free
/// port; killed on drop.
pub struct FileServer {
    child: std::process::Child,
    address: String,
    port: u16,
}

impl FileServer {
    pub fn start(dir: &Path, address: &str) -> FileServer {
        let port = crate::registry::free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                address,
                &port.to_string(),
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..50 {
            if std::net::TcpStream::connect((address, port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        FileServer {
            child,
            address: address.to_string(),
            port,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}", self.address, self.port)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
