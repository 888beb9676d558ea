//! Reviewing what the service did: `show` and `restore` (back to INBOX, unread state
//! kept, never moved again, idempotent), against a real Dovecot. `restore
//! --trust-sender` is in `senders`.

use super::support::scamguard;

use super::service::{THREATS, append_all, contents, fixture, history, load, mailbox, message_id, run_once};
use super::support::dovecot::{Dovecot, Options};

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
