//! Debian's headless Chromium, driven without npm: `--dump-dom` and `--screenshot` for a
//! page as loaded, and the DevTools protocol over a websocket for clicks. Every wait is
//! bounded, and the browser (with its own empty profile) is killed when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one wait on the browser may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// The flags every run needs on this machine: without the background-networking ones
/// Chromium's own connections are refused and it stalls.
fn chromium(profile: &Path) -> Command {
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .stdin(Stdio::null());
    // Its own process group, so the renderers it starts are killed with it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
}

/// Waits for `child` to end within [`WAIT`], killing it if it does not; returns its
/// standard output (read as it comes, so a large DOM cannot fill the pipe and stall it).
fn wait_bounded(mut child: Child) -> Vec<u8> {
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut stdout) = stdout {
            let _ = stdout.read_to_end(&mut out);
        }
        out
    });
    let deadline = Instant::now() + WAIT;
    while child.try_wait().expect("wait for chromium").is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    kill(&mut child);
    reader.join().unwrap_or_default()
}

/// Runs Chromium once on `url` with `args`, bounded; returns what it printed.
fn run_once(args: &[String], url: &str) -> Vec<u8> {
    let profile = tempfile::tempdir().expect("profile dir");
    let child = chromium(profile.path())
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts (apt-get install chromium)");
    wait_bounded(child)
}

/// The DOM of `url` once loaded (after redirects), as Chromium serialises it.
pub fn dump_dom(url: &str) -> String {
    String::from_utf8_lossy(&run_once(&["--dump-dom".into()], url)).into_owned()
}

/// A screenshot of `url` into `out` (PNG).
pub fn screenshot(url: &str, out: &Path) {
    run_once(&[format!("--screenshot={}", out.display()), "--hide-scrollbars".into()], url);
}

/// A browser driven over the DevTools protocol: one page, navigated and scripted.
pub struct Browser {
    child: Child,
    socket: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = chromium(profile.path())
            .args(["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts (apt-get install chromium)");
        let port_file = profile.path().join("DevToolsActivePort");
        let port = poll(|| std::fs::read_to_string(&port_file).ok()?.lines().next()?.parse::<u16>().ok())
            .expect("chromium writes DevToolsActivePort");
        let url = poll(|| page_socket(port)).expect("chromium lists its page");
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
        stream.set_read_timeout(Some(WAIT)).expect("timeout");
        let (socket, _) = tungstenite::client::client(url.as_str(), stream).expect("DevTools websocket");
        Browser { child, socket, next_id: 0, _profile: profile }
    }

    /// Sends one DevTools command and returns its result (events in between are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(tungstenite::Message::text(message)).expect("send to DevTools");
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let message = self.socket.read().expect("read from DevTools");
            let Ok(text) = message.to_text() else { continue };
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            if value["id"] == json!(id) {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
        }
        panic!("DevTools did not answer {method} in time");
    }

    /// The value of a JavaScript expression in the page (DevTools runs it: the page's
    /// policy forbids the page's own scripts, not the debugger's).
    pub fn eval(&mut self, expression: &str) -> Value {
        let result =
            self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true }));
        result["result"]["value"].clone()
    }

    /// Opens `url` and waits until the page it ends on (after redirects) has loaded
    /// and its path is `path`.
    pub fn open(&mut self, url: &str, path: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for(&format!("document.readyState === 'complete' && location.pathname === '{path}'"));
    }

    /// Waits until `condition` (JavaScript) is true, within [`WAIT`].
    pub fn wait_for(&mut self, condition: &str) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.eval(condition) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the page never satisfied {condition}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// Kills Chromium and every process it started (its process group), and reaps it.
fn kill(child: &mut Child) {
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Calls `f` until it gives a value, within [`WAIT`].
fn poll<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Some(value) = f() {
            return Some(value);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// The websocket URL of the browser's page, from its `/json/list`.
fn page_socket(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    // Chromium keeps the connection open despite `Connection: close`: read by length.
    let mut response = Vec::new();
    let mut buffer = [0u8; 8192];
    let body = loop {
        let n = stream.read(&mut buffer).ok()?;
        response.extend_from_slice(buffer.get(..n)?);
        let text = String::from_utf8_lossy(&response).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok())?;
            if body.len() >= length {
                break body.to_string();
            }
        }
        if n == 0 {
            return None;
        }
    };
    let list: Value = serde_json::from_str(&body).ok()?;
    list.as_array()?
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .map(str::to_string)
}

/// Where a test may write a screenshot it keeps (the README's).
pub fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs")
}
