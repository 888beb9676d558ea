//! Reviewing what the service did: `show`, `restore` (back to INBOX, unread state kept,
//! never moved again, idempotent) and `--trust-sender`, against a real Dovecot.

use super::support::scamguard;

use super::service::{THREATS, append_all, contents, fixture, history, load, mailbox, message_id, run_once};
use super::support::dovecot::{Dovecot, Options};
use scamguard::store::Action;

#[tokio::test(flavor = "multi_thread")]
async fn restore_brings_a_message_back_once_and_for_good() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..2]).await;
    assert!(run_once(&config).await.failures.is_empty());
    let rows = history(&config).await;
    let wanted = message_id(&fixture(THREATS[0]));
    let row = rows.iter().find(|r| r.message_id == wanted).expect("recorded");

    let show = scamguard()
        .args(["show", "--config"])
        .arg(&config_path)
        .arg(row.id.to_string())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(show.status.success() && text.contains("moved to Junk") && text.contains("Why:"), "{text}");

    let restore = scamguard()
        .args(["restore", "--config"])
        .arg(&config_path)
        .arg(row.id.to_string())
        .output()
        .expect("runs");
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    assert!(String::from_utf8_lossy(&restore.stdout).contains("restored"));
    let inbox = contents(&mut session, "INBOX").await;
    let flags = inbox.get(&wanted).expect("back in INBOX");
    assert!(!flags.iter().any(|f| f == "\\Seen"), "it comes back unread: {flags:?}");
    assert_eq!(contents(&mut session, "Junk").await.len(), 1, "the other threat stays in Junk");

    assert!(run_once(&config).await.failures.is_empty());
    assert!(contents(&mut session, "INBOX").await.contains_key(&wanted), "never moved again");
    let again = scamguard()
        .args(["restore", "--config"])
        .arg(&config_path)
        .arg(row.id.to_string())
        .output()
        .expect("runs");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("restored before; nothing to do"));
    let after = history(&config).await;
    assert_eq!(after.len(), 2, "no new row for the restored message");
    assert_eq!(after.iter().find(|r| r.message_id == wanted).map(|r| r.action.as_str()), Some("restored"));

    let missing =
        scamguard().args(["restore", "--config"]).arg(&config_path).arg("999").output().expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no detection #999"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_sender_is_not_moved_again() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[2..]).await;
    assert!(run_once(&config).await.failures.is_empty());
    let id = history(&config).await.first().expect("recorded").id;

    let restore = scamguard()
        .args(["restore", "--trust-sender", "--config"])
        .arg(&config_path)
        .arg(id.to_string())
        .output()
        .expect("runs");
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));

    // A new mail from the same sender, as alarming as the first.
    let text = String::from_utf8(fixture(THREATS[2])).expect("UTF-8 fixture");
    let next = text.replacen("Message-ID: <", "Message-ID: <second-", 1);
    session.append("INBOX", None, next.as_bytes()).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "INBOX").await.len(), 2, "both stay in INBOX");
    assert!(contents(&mut session, "Junk").await.is_empty());
    assert!(history(&config).await.iter().any(|r| r.action == Action::TrustedSender));
}
