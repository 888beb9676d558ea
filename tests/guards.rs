//! Hostile input end to end (issue 13): headers that try to drive the terminal or flood
//! the database, and a configuration that would move Junk into itself.

use super::service::{fixture, history, load, mailbox, run_once};
use super::support::dovecot::{Dovecot, Options};
use super::support::scamguard;

/// A threat fixture with its Subject line replaced.
fn threat_with_subject(subject_line: &str) -> Vec<u8> {
    let raw = String::from_utf8(fixture("en_extortion_split_wallet_self_sent.eml")).expect("UTF-8 fixture");
    raw.replace("Subject: Your device is hacked", subject_line).into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn history_and_show_print_hostile_subjects_escaped() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    // Decodes to: ok CR LF "#999 ... moved" ESC[2J ESC]0;owned BEL U+202E
    let forged = "Subject: =?UTF-8?Q?ok=0D=0A#999__2026-01-01_00:00__clean=1B[2J=1B]0;owned=07=E2=80=AE?=";
    session.append("INBOX", None, &threat_with_subject(forged)).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    let rows = history(&config).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].subject.contains('\u{1b}'), "stored as it was: {:?}", rows[0].subject);

    let listed = scamguard().args(["history", "--config"]).arg(&config_path).output().expect("runs");
    let shown = scamguard()
        .args(["show", &rows[0].id.to_string(), "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    for output in [&listed, &shown] {
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(!text.contains(['\r', '\u{1b}', '\u{7}', '\u{202e}']), "raw control characters: {text:?}");
        assert!(text.contains("ok\\r\\n#999") && text.contains("\\x1b[2J"), "{text}");
    }
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(
        listed.lines().count(),
        3,
        "the header, one detection, one count line, no forged line:\n{listed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_subject_is_stored_capped() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    let subject = format!("Subject: Your device is hacked {}", "ä".repeat(500_000));
    session.append("INBOX", None, &threat_with_subject(&subject)).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    let rows = history(&config).await;
    assert_eq!(rows.len(), 1, "still classified and recorded");
    let stored = &rows[0].subject;
    assert!(stored.len() <= 998 && stored.ends_with('…'), "{} bytes", stored.len());
    assert!(stored.starts_with("Your device is hacked ää"), "{stored}");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_refuses_to_watch_the_servers_junk_folder() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("folders = [\"INBOX\", \"Junk\"]\n");
    let check = scamguard().args(["check", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(!check.status.success(), "{text}");
    assert!(text.contains("junk folder: Junk (SPECIAL-USE \\Junk)"), "{text}");
    assert!(text.contains("error: the watched folder \"Junk\" is the junk folder"), "{text}");

    let named = dovecot.write_config("folders = [\"INBOX\", \"Junk\"]\njunk = \"Junk\"\n");
    let check = scamguard().args(["check", "--config"]).arg(&named).output().expect("runs");
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success() && said.contains("also the junk folder"), "refused when loading: {said}");
}

#[test]
fn run_once_with_a_hanging_password_command_fails_in_time_and_leaves_no_child() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let pid_file = dovecot.dir().join("helper.pid");
    let text = std::fs::read_to_string(&config_path).expect("config").replace(
        "password_file = \"password.txt\"",
        &format!(
            "password_command = \"sleep 300 & echo $! > {}; wait\"\npassword_command_timeout = 1",
            pid_file.display()
        ),
    );
    std::fs::write(&config_path, text).expect("config");
    let started = std::time::Instant::now();
    let run = scamguard().args(["run", "--once", "--config"]).arg(&config_path).output().expect("runs");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{said}");
    assert!(said.contains("password command did not finish within 1 s"), "{said}");
    let helper = std::fs::read_to_string(&pid_file).expect("the command started its helper");
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", helper.trim())).unwrap_or_default();
    let running = stat.rsplit(')').next().is_some_and(|state| !state.trim_start().starts_with('Z'));
    assert!(!running, "the command's child {} was left behind: {stat}", helper.trim());
}
