//! `scamguard status` against a real Dovecot: while `run` runs (read from another process,
//! without the service's lock) it shows the folder connected, by IDLE (by polling once
//! the worker polls because the server refused IDLE, by IDLE again once IDLE tried again
//! works), with its last pass, cursor and what was moved today; after a stop, not
//! connected; after a failed login, the error.

use std::sync::{Arc, Mutex};

use super::service::{HAM, Service, append_all, fixture, load, mailbox, run_once, wait_until};
use super::support::dovecot::{Dovecot, Options};
use super::support::proxy::{Fault, Proxy, Rule};
use super::support::scamguard;

const SCAM: &str = "en_extortion_split_wallet_self_sent.eml";

fn status(config: &std::path::Path, json: bool) -> String {
    let mut command = scamguard();
    command.arg("status").arg("--config").arg(config);
    if json {
        command.arg("--json");
    }
    let output = command.output().expect("status runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_a_running_folder_then_a_stopped_one_then_its_last_error() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let before = status(&path, false);
    assert!(before.contains("account test\n  folder INBOX\n    never connected"), "{before}");

    let mut session = mailbox(&config).await;
    session.append("INBOX", None, &fixture(SCAM)).await.expect("append");
    let service = Service::start(&config).await;
    assert!(wait_until(&mut session, "Junk", 1).await, "the scam is moved");
    // The pass is recorded just after its move: give it a moment, bounded.
    let mut running = String::new();
    for _ in 0..50 {
        running = status(&path, false);
        if !running.contains("none yet") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(running.contains("    connected, new mail by IDLE, since "), "{running}");
    assert!(running.contains(&format!(":{})", std::process::id())), "this process watches it: {running}");
    assert!(running.contains("last successful pass: ") && !running.contains("none yet"), "{running}");
    assert!(running.contains("read up to UID 1 "), "{running}");
    assert!(running.contains("moved to Junk today: 1"), "{running}");
    let json: serde_json::Value = serde_json::from_str(&status(&path, true)).expect("JSON");
    assert_eq!(
        (json[0]["connected"].as_bool(), json[0]["mode"].as_str()),
        (Some(true), Some("idle")),
        "{json}"
    );

    let report = service.stop().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let stopped = status(&path, false);
    assert!(stopped.contains("    not connected (last word "), "{stopped}");
    assert!(!stopped.contains("last error"), "{stopped}");

    std::fs::write(path.with_file_name("password.txt"), "wrong\n").expect("write");
    assert!(!run_once(&config).await.failures.is_empty(), "the login fails");
    let failed = status(&path, false);
    assert!(failed.contains("    last error, ") && failed.to_lowercase().contains("log"), "{failed}");
    assert!(!failed.contains("wrong"), "the password is never shown: {failed}");
}

/// A server that offers IDLE and refuses it is watched by polling (see `watching`):
/// `status` said "new mail by IDLE" all the same, from the capabilities alone. It says
/// what the worker does: polling, from the refusal on.
#[tokio::test(flavor = "multi_thread")]
async fn status_says_polling_once_the_worker_polls_because_the_server_refused_idle() {
    let dovecot = Dovecot::start(Options::default());
    let proxy = Proxy::start(dovecot.imap_port).await;
    let path = proxy.write_config(&dovecot, "poll_interval = 1\n");
    proxy.add(Rule::always("IDLE", Fault::Answer("NO [UNAVAILABLE] IDLE is off")));
    let service = Service::start(&load(&path)).await;
    let mut said = String::new();
    for _ in 0..100 {
        said = status(&path, false);
        if proxy.seen("IDLE") >= 1 && said.contains("new mail by polling") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let json: serde_json::Value = serde_json::from_str(&status(&path, true)).expect("JSON");
    let report = service.stop().await;
    assert_eq!(proxy.seen("IDLE"), 1, "IDLE asked once, refused");
    assert!(said.contains("    connected, new mail by polling, since "), "{said}");
    assert_eq!(
        (json[0]["connected"].as_bool(), json[0]["mode"].as_str()),
        (Some(true), Some("polling")),
        "{json}"
    );
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// A refusal may pass (`NO [UNAVAILABLE]` while the server is busy), but the worker then
/// polled for the rest of the connection, days perhaps. Polling tries IDLE again after
/// `idle_renew` (3 s here): once IDLE works, it is used again and `status` says IDLE again.
#[tokio::test(flavor = "multi_thread")]
async fn idle_refused_once_is_tried_again_and_status_says_idle_again() {
    let dovecot = Dovecot::start(Options::default());
    let proxy = Proxy::start(dovecot.imap_port).await;
    let path = proxy.write_config(&dovecot, "poll_interval = 1\nidle_renew = 3\n");
    proxy.add(Rule::once("IDLE", Fault::Answer("NO [UNAVAILABLE] try again later")));
    let service = Service::start(&load(&path)).await;
    let mode = |path| {
        let json: serde_json::Value = serde_json::from_str(&status(path, true)).expect("JSON");
        json[0]["mode"].as_str().map(str::to_string)
    };
    let (mut polled, mut idled) = (false, false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        let now = mode(&path);
        polled |= now.as_deref() == Some("polling");
        idled = polled && now.as_deref() == Some("idle") && proxy.seen("IDLE") >= 2;
        if idled {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let said = status(&path, false);
    let (idles, logins) = (proxy.seen("IDLE"), proxy.seen("LOGIN") + proxy.seen("AUTHENTICATE"));
    let report = service.stop().await;
    assert!(polled, "the refusal turned the worker to polling");
    assert!(idled, "IDLE tried again and used: {idles} IDLEs; status: {said}");
    assert!(said.contains("    connected, new mail by IDLE, since "), "{said}");
    assert_eq!(logins, 1, "on the same connection");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// During a scan `status` says how many messages wait to be read (here asked before each
/// FETCH of a batch of one), and none once the pass is over.
#[tokio::test(flavor = "multi_thread")]
async fn status_shows_what_waits_to_be_read_during_a_scan() {
    let dovecot = Dovecot::start(Options::default());
    let mut session = mailbox(&load(&dovecot.write_config(""))).await;
    append_all(&mut session, "INBOX", &HAM).await;
    let proxy = Proxy::start(dovecot.imap_port).await;
    let path = proxy.write_config(&dovecot, "batch_size = 1\n");
    let said = Arc::new(Mutex::new(Vec::new()));
    let (during, asked) = (Arc::clone(&said), path.clone());
    proxy.add(Rule::always(
        "UID FETCH",
        Fault::Before(Arc::new(move || {
            let (during, asked) = (Arc::clone(&during), asked.clone());
            Box::pin(async move {
                let text = tokio::task::spawn_blocking(move || status(&asked, false)).await.expect("status");
                during.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(text);
            })
        })),
    ));
    assert!(run_once(&load(&path)).await.failures.is_empty());
    let said = said.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
    let waiting =
        |text: &String| (1..=HAM.len()).any(|n| text.contains(&format!("waiting to be read: {n}\n")));
    assert!(said.iter().any(waiting), "some mail waits while the scan runs: {said:?}");
    let after = status(&path, false);
    assert!(after.contains("waiting to be read: 0\n"), "{after}");
}

/// `RUST_LOG=scamguard=debug` shows the IMAP steps by name, with what came back, and the
/// connection line per folder; never the password or the mail's body.
#[tokio::test(flavor = "multi_thread")]
async fn debug_logs_name_the_imap_steps_and_nothing_secret() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let mut session = mailbox(&config).await;
    session.append("INBOX", None, &fixture(SCAM)).await.expect("append");
    let output = scamguard()
        .args(["run", "--once", "--config"])
        .arg(&path)
        .env("RUST_LOG", "scamguard=debug")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let log = String::from_utf8_lossy(&output.stderr);
    for step in ["imap > LOGIN", "imap > SELECT", "imap > UID FETCH", "imap < UID FETCH Ok, 1 data responses"]
    {
        assert!(log.contains(step), "{step} missing from:\n{log}");
    }
    assert!(log.contains("connected to 127.0.0.1:") && log.contains("new mail by idle"), "{log}");
    assert!(!log.contains(super::support::dovecot::PASSWORD), "the password is never logged");
    let text = scamguard::mail::parse(&fixture(SCAM)).expect("parses").text;
    let sentence = text.lines().map(str::trim).max_by_key(|l| l.len()).expect("a body line");
    assert!(sentence.len() > 40 && !log.contains(sentence), "no mail body in the log");
}

/// A plain HTTP/1.0 GET on 127.0.0.1: the status code and the body.
fn http_get(address: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let code = answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (code, body)
}

/// `run --metrics` serves Prometheus counters that follow what the service did, and a
/// health check that turns 200 once every folder had a pass.
#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_what_the_service_did_and_healthz_follows_the_passes() {
    use std::io::BufRead;
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let mut session = mailbox(&config).await;
    // Arrived a minute before the service started: moved and counted, but not timed.
    let before = (chrono::Utc::now() - chrono::Duration::seconds(60)).format("%d-%b-%Y %H:%M:%S +0000");
    session.append_dated("INBOX", None, Some(&before.to_string()), &fixture(SCAM)).await.expect("append");
    let mut child = scamguard()
        .args(["run", "--metrics", "127.0.0.1:0", "--config"])
        .arg(&path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run starts");
    let stderr = child.stderr.take().expect("stderr");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("metrics at http://").nth(1) {
                let _ = found.send(rest.split('/').next().unwrap_or_default().to_string());
            }
        }
    });
    let address =
        address.recv_timeout(std::time::Duration::from_secs(20)).expect("the metrics address is logged");
    let mut healthy = (0, String::new());
    for _ in 0..100 {
        healthy = http_get(&address, "/healthz");
        if healthy.0 == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(healthy.0, 200, "{}", healthy.1);
    assert!(wait_until(&mut session, "Junk", 1).await, "the scam is moved");
    // A scam that arrives while the service watches: its arrival-to-move latency is timed.
    let late = String::from_utf8_lossy(&fixture(SCAM)).replacen("Message-ID: <", "Message-ID: <late-", 1);
    session.append("INBOX", None, late.as_bytes()).await.expect("append");
    assert!(wait_until(&mut session, "Junk", 2).await, "the second scam is moved");
    let mut text = String::new();
    for _ in 0..50 {
        text = http_get(&address, "/metrics").1;
        if text.lines().any(|l| l == "scamguard_moves_total 2") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for line in [
        "scamguard_messages_scanned_total 2",
        "scamguard_verdicts_total{label=\"threat\",category=\"extortion\"} 2",
        "scamguard_moves_total 2",
        "scamguard_move_latency_seconds_count 1",
        "scamguard_move_latency_seconds_bucket{le=\"+Inf\"} 1",
        "scamguard_errors_total{kind=\"connection\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
    }
    assert!(
        text.contains("scamguard_last_success_timestamp_seconds{account=\"test\",folder=\"INBOX\"}"),
        "{text}"
    );
    assert_eq!(http_get(&address, "/anything-else").0, 404);
    rustix::process::kill_process(rustix::process::Pid::from_child(&child), rustix::process::Signal::TERM)
        .expect("SIGTERM");
    let status = child.wait().expect("stops");
    assert!(status.success(), "{status}");
}
