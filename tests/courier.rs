//! The service against a real Courier IMAP (Debian's, unpacked by `.ci/courier.sh`): a
//! personal namespace `INBOX.` with separator `.`, no SPECIAL-USE, no MOVE (UIDPLUS, so
//! copy, `\Deleted` and UID EXPUNGE), and IDLE. The scan, the move, `restore`, IDLE and
//! `check` as on Dovecot, with the helpers of `service.rs`; and both servers answer a
//! SEARCH that matches nothing with an empty SEARCH line.

use std::time::Duration;

use scamguard::app::{self, RestoreOutcome};
use scamguard::imap::Namespace;
use scamguard::store::{Action, Store};

use super::service::{
    HAM, Service, THREATS, append_all, contents, fixture, history, ids, load, mailbox, message_id, run_once,
    wait_until,
};
use super::support::courier::Courier;
use super::support::dovecot::{Dovecot, Options};
use super::support::scamguard;

/// Where threats go on Courier: `Junk` under the personal namespace's prefix.
const JUNK: &str = "INBOX.Junk";

#[tokio::test(flavor = "multi_thread")]
async fn courier_a_first_scan_moves_threats_to_junk_under_inbox_by_copy_and_uid_expunge() {
    let courier = Courier::start();
    let config = load(&courier.write_config(""));
    let mut session = mailbox(&config).await;
    assert!(
        session.has("UIDPLUS") && session.has("IDLE") && !session.has("MOVE") && !session.has("SPECIAL-USE"),
        "Debian's Courier announces {:?}",
        session.capabilities()
    );
    assert_eq!(
        session.namespace().await.expect("namespace"),
        Namespace { prefix: "INBOX.".into(), separator: Some('.') }
    );
    append_all(&mut session, "INBOX", &THREATS).await;
    append_all(&mut session, "INBOX", &HAM[..2]).await;
    // Another client's message marked \Deleted but not yet expunged: it must survive.
    session.append("INBOX", Some("(\\Deleted)"), &fixture(HAM[2])).await.expect("append");

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}\n{}", report.failures, courier.log());

    let inbox = contents(&mut session, "INBOX").await;
    assert_eq!(inbox.keys().cloned().collect::<Vec<_>>(), ids(&HAM), "only our UIDs were expunged");
    for (id, flags) in &inbox {
        assert!(!flags.iter().any(|f| f == "\\Seen"), "reading must not mark {id} seen: {flags:?}");
    }
    assert_eq!(contents(&mut session, JUNK).await.keys().cloned().collect::<Vec<_>>(), ids(&THREATS));
    let names: Vec<String> = session.list().await.expect("list").into_iter().map(|f| f.name).collect();
    assert!(!names.iter().any(|n| n == "Junk"), "nothing at the top level: {names:?}");
    let rows = history(&config).await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.action == Action::Moved && r.destination == JUNK), "{rows:?}");

    // A second pass finds nothing new and moves nothing twice.
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, JUNK).await.len(), 3);
    assert_eq!(history(&config).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn courier_restore_brings_a_threat_back_to_inbox_for_good() {
    let courier = Courier::start();
    let config = load(&courier.write_config(""));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..2]).await;
    assert!(run_once(&config).await.failures.is_empty(), "{}", courier.log());
    let rows = history(&config).await;
    let restored = rows.iter().find(|r| r.message_id == message_id(&fixture(THREATS[0]))).expect("recorded");

    let store = Store::open_unlocked(&config.database).await.expect("store");
    let outcome = app::restore(&config, &store, restored.id, false).await.expect("restore");
    assert_eq!(outcome, RestoreOutcome::Restored { folder: "INBOX".into() });
    assert_eq!(contents(&mut session, "INBOX").await.keys().cloned().collect::<Vec<_>>(), ids(&THREATS[..1]));
    assert_eq!(contents(&mut session, JUNK).await.keys().cloned().collect::<Vec<_>>(), ids(&THREATS[1..2]));

    // The restored message is never moved again; restoring twice is harmless.
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "INBOX").await.len(), 1);
    let again = app::restore(&config, &store, restored.id, false).await.expect("restore again");
    assert_eq!(again, RestoreOutcome::AlreadyRestored);
}

#[tokio::test(flavor = "multi_thread")]
async fn courier_idle_picks_up_a_message_appended_by_another_connection() {
    let courier = Courier::start();
    // Polling would take an hour: only IDLE can pick the message up in time.
    let config = load(&courier.write_config("poll_interval = 3600\n"));
    let service = Service::start(&config).await;
    let mut session = mailbox(&config).await;
    // Give the worker time to create the Junk folder and reach IDLE with an empty inbox.
    for _ in 0..100 {
        if session.list().await.expect("list").iter().any(|f| f.name == JUNK) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let moved = wait_until(&mut session, JUNK, 1).await;
    let report = service.stop().await;
    assert!(moved, "the threat reached {JUNK} while the service idled\n{}", courier.log());
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn courier_check_and_the_log_name_the_real_junk_folder() {
    let courier = Courier::start();
    let config_path = courier.write_config("");
    let check = scamguard().args(["check", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{text}{}", String::from_utf8_lossy(&check.stderr));
    assert!(text.contains("personal namespace: prefix \"INBOX.\", separator '.'"), "{text}");
    assert!(text.contains("junk folder: INBOX.Junk (will be created)"), "{text}");
    assert!(text.contains("moves by: UID COPY, then UID EXPUNGE"), "{text}");

    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let run = scamguard().args(["run", "--once", "--config"]).arg(&config_path).output().expect("runs");
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("creating \"INBOX.Junk\""), "{log}");
    assert!(log.contains("threat found, moving it to INBOX.Junk:"), "{log}");
    assert!(log.contains("moved 1 threats to INBOX.Junk"), "{log}");

    let check = scamguard().args(["check", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("junk folder: INBOX.Junk (well-known name)"), "{text}");
}

/// NAMESPACE is read past async-imap, straight from the stream: over TLS from Dovecot and
/// in plain from Courier, and the session goes on working after it (nothing over-read).
/// Without NAMESPACE, the separator comes from LIST and there is no prefix.
#[tokio::test(flavor = "multi_thread")]
async fn the_personal_namespace_is_read_and_the_session_goes_on() {
    let dovecot = Dovecot::start(Options::default());
    let courier = Courier::start();
    let without = Dovecot::start(Options { hide: vec!["NAMESPACE"], ..Options::default() });
    let expected = [
        (load(&dovecot.write_config("")), Namespace { prefix: String::new(), separator: Some('/') }),
        (load(&courier.write_config("")), Namespace { prefix: "INBOX.".into(), separator: Some('.') }),
        (load(&without.write_config("")), Namespace { prefix: String::new(), separator: Some('/') }),
    ];
    for (config, namespace) in expected {
        let mut session = mailbox(&config).await;
        assert_eq!(session.namespace().await.expect("namespace"), namespace);
        assert_eq!(session.namespace().await.expect("asked twice"), namespace);
        append_all(&mut session, "INBOX", &HAM[..1]).await;
        assert_eq!(contents(&mut session, "INBOX").await.keys().cloned().collect::<Vec<_>>(), ids(&HAM[..1]));
    }
}

/// RFC 3501 §6.4.4: a SEARCH is answered with an untagged SEARCH line, empty when nothing
/// matches. scamguard takes an OK without one for an error (never "nothing found"), so
/// both real servers must send it: in an empty folder, and for a search matching nothing
/// in a folder with mail.
#[tokio::test(flavor = "multi_thread")]
async fn dovecot_and_courier_answer_a_search_that_finds_nothing_with_an_empty_search_line() {
    let dovecot = Dovecot::start(Options::default());
    let courier = Courier::start();
    for config in [load(&dovecot.write_config("")), load(&courier.write_config(""))] {
        let mut session = mailbox(&config).await;
        session.select("INBOX").await.expect("select");
        assert_eq!(session.search("UID 1:*").await.expect("an empty folder"), Vec::<u32>::new());
        append_all(&mut session, "INBOX", &HAM[..1]).await;
        session.select("INBOX").await.expect("select");
        let none = session.find_by_message_id("nothing-here@example.invalid").await;
        assert_eq!(none.expect("a search that matches nothing"), Vec::<u32>::new());
        assert_eq!(session.search("UID 1:*").await.expect("one message").len(), 1);
    }
}
