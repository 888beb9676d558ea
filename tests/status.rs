//! `scamguard status` against a real Dovecot: while `run` runs (read from another process,
//! without the service's lock) it shows the folder connected, by IDLE, with its last
//! pass, cursor and what was moved today; after a stop, not connected; after a failed
//! login, the error.

use super::service::{Service, fixture, load, mailbox, run_once, wait_until};
use super::support::dovecot::{Dovecot, Options};
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
