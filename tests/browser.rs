//! A real headless Chromium driven over the DevTools protocol: load a page,
//! collect console messages, errors and every request, evaluate scripts in
//! it, and take a screenshot.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

pub struct Browser {
    process: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Every event received so far (method, params).
    pub events: Vec<(String, Value)>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with no network of its own and attaches to its page.
    pub fn start(width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut process = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium is installed (Debian package chromium)");
        let stderr = BufReader::new(process.stderr.take().unwrap());
        let mut endpoint = None;
        for line in stderr.lines() {
            let line = line.unwrap();
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                endpoint = Some(url.to_string());
                break;
            }
        }
        let endpoint = endpoint.expect("chromium printed its DevTools endpoint");
        let port = endpoint
            .split(':')
            .nth(2)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let targets: Value = serde_json::from_str(
            &ureq::get(&format!("http://127.0.0.1:{port}/json/list"))
                .call()
                .unwrap()
                .into_body()
                .read_to_string()
                .unwrap(),
        )
        .unwrap();
        let page = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .expect("a page target");
        let (socket, _) =
            tungstenite::connect(page["webSocketDebuggerUrl"].as_str().unwrap()).unwrap();
        let mut browser = Browser {
            process,
            socket,
            next_id: 1,
            events: Vec::new(),
            _profile: profile,
        };
        for domain in [
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
            "Page.enable",
        ] {
            browser.call(domain, json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    /// Sends a command and waits for its result, keeping the events that arrive meanwhile.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(Message::text(message.to_string()))
            .unwrap();
        loop {
            let Message::Text(text) = self.socket.read().unwrap() else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method} failed: {value}");
                return value["result"].clone();
            }
            if let Some(event) = value["method"].as_str() {
                self.events
                    .push((event.to_string(), value["params"].clone()));
            }
        }
    }

    /// Opens a file and waits until it has loaded (and a little longer for late events).
    pub fn open(&mut self, file: &Path) {
        let url = format!("file://{}", file.canonicalize().unwrap().display());
        self.call("Page.navigate", json!({"url": url}));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.events.iter().any(|(m, _)| m == "Page.loadEventFired") {
            assert!(Instant::now() < deadline, "the page never finished loading");
            self.call("Runtime.evaluate", json!({"expression": "1"}));
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        self.call("Runtime.evaluate", json!({"expression": "1"}));
    }

    /// Evaluates an expression in the page and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        result["result"]["value"].clone()
    }

    /// A full-page PNG.
    pub fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine;
        let result = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64::engine::general_purpose::STANDARD
            .decode(result["data"].as_str().unwrap())
            .unwrap()
    }

    pub fn events_named(&self, name: &str) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|(m, _)| m == name)
            .map(|(_, p)| p)
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
