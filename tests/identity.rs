//! Which message is which, against a real Dovecot: a repeated Message-ID is a new
//! delivery, only the exact message a user restored stays exempt, `restore` brings back
//! exactly the message it recorded (not one whose Message-ID contains it, and also when
//! the Message-ID is too long to search for), an interrupted move of mail without a
//! Message-ID is found in Junk, and a dry run consumes nothing.

use scamguard::config::Config;
use scamguard::store::{Action, Store};

use super::service::{THREATS, contents, fixture, history, load, mailbox, message_id, run_once};
use super::storage::edit_database;
use super::support::dovecot::{Dovecot, Options};

/// `raw` with its Message-ID header replaced by `id` (given with angle brackets), or
/// removed when `id` is empty.
fn with_message_id(raw: &[u8], id: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if line.to_ascii_lowercase().starts_with("message-id:") {
            if !id.is_empty() {
                out.push_str(&format!("Message-ID: {id}\r\n"));
            }
        } else {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

async fn append(config: &Config, raw: &[u8]) {
    mailbox(config).await.append("INBOX", None, raw).await.expect("append");
}

async fn restore(config: &Config, message_id: &str) -> scamguard::app::RestoreOutcome {
    let stored = scamguard::mail::printable::cap(message_id, scamguard::mail::printable::MAX_FIELD_BYTES);
    let row = history(config).await.into_iter().find(|r| r.message_id == stored).expect("recorded");
    let store = Store::open_unlocked(&config.database).await.expect("store");
    let restored = scamguard::app::restore(config, &store, row.id, false).await;
    restored.unwrap_or_else(|error| panic!("restore failed: {:.300}", error.to_string()))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_message_id_is_a_new_delivery_and_is_moved() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    append(&config, &fixture(THREATS[0])).await;
    assert!(run_once(&config).await.failures.is_empty());

    // The same scam mailed again: same Message-ID, another hop in front.
    let mut again = b"Received: from mx2.example by mx.example; Sat, 28 Nov 2026 08:00:00 +0000\r\n".to_vec();
    again.extend(fixture(THREATS[0]));
    append(&config, &again).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    assert!(contents(&mut session, "INBOX").await.is_empty(), "the second delivery was moved too");
    assert_eq!(session.select("Junk").await.expect("select").exists, 2);
    let rows = history(&config).await;
    assert_eq!(rows.len(), 2, "each delivery has its row");
    assert!(rows.iter().all(|r| r.action == Action::Moved), "{rows:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_restored_message_is_exempt_not_a_scam_reusing_its_message_id() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    append(&config, &fixture(THREATS[0])).await;
    assert!(run_once(&config).await.failures.is_empty());
    let released = message_id(&fixture(THREATS[0]));
    restore(&config, &released).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    assert!(contents(&mut session, "INBOX").await.contains_key(&released), "the restored mail stays");

    let evasion = with_message_id(&fixture(THREATS[1]), &format!("<{released}>"));
    append(&config, &evasion).await;
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert_eq!(inbox.len(), 1, "the scam under the released Message-ID was moved");
    assert!(inbox.contains_key(&released));
    assert_eq!(session.select("Junk").await.expect("select").exists, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_brings_back_the_exact_message_id_not_one_containing_it() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    append(&config, &with_message_id(&fixture(THREATS[0]), "<7@x.example>")).await;
    append(&config, &with_message_id(&fixture(THREATS[1]), "<scam-17@x.example.net>")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    assert_eq!(contents(&mut session, "Junk").await.len(), 2);

    restore(&config, "7@x.example").await;
    let inbox = contents(&mut session, "INBOX").await;
    assert_eq!(inbox.keys().cloned().collect::<Vec<_>>(), ["7@x.example"]);
    let junk = contents(&mut session, "Junk").await;
    assert_eq!(
        junk.keys().cloned().collect::<Vec<_>>(),
        ["scam-17@x.example.net"],
        "the other stays in Junk"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_works_when_the_message_id_is_too_long_to_search_for() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    // Dovecot answers a HEADER search this long with BAD (its line limit is 64 KiB).
    let long = format!("{}@x.example", "k".repeat(70_000));
    append(&config, &with_message_id(&fixture(THREATS[0]), &format!("<{long}>"))).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    assert_eq!(contents(&mut session, "Junk").await.len(), 1);

    let outcome = restore(&config, &long).await;
    assert!(matches!(outcome, scamguard::app::RestoreOutcome::Restored { .. }), "{outcome:?}");
    assert!(contents(&mut session, "INBOX").await.contains_key(&long));
    assert!(contents(&mut session, "Junk").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_move_of_mail_without_message_id_is_found_in_junk() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let no_id = with_message_id(&fixture(THREATS[0]), "");
    append(&config, &no_id).await;
    // Some mail in Junk already, one of it also without a Message-ID.
    let mut session = mailbox(&config).await;
    session.append("Junk", None, &with_message_id(&fixture(THREATS[1]), "")).await.expect("append");
    session.append("Junk", None, &fixture(THREATS[2])).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(session.select("Junk").await.expect("select").exists, 3);

    // As a crash between the move and its record leaves it: moved, recorded as planned.
    edit_database(&config.database, "UPDATE detections SET action = 'planned', destination = ''").await;

    assert!(run_once(&config).await.failures.is_empty());
    let rows = history(&config).await;
    assert_eq!(rows.len(), 1);
    let row = rows.first().expect("one row");
    assert!(row.message_id.is_empty());
    assert_eq!((row.action.as_str(), row.destination.as_str()), ("moved", "Junk"), "found in Junk, not gone");

    // So it can be restored, found by the same header digest.
    restore(&config, "").await;
    session.select("INBOX").await.expect("select");
    let uids = session.search("ALL").await.expect("search");
    let inbox = session.fetch(&uids, 1 << 20).await.expect("fetch");
    let subjects: Vec<String> =
        inbox.messages.iter().map(|m| scamguard::mail::parse(&m.raw).expect("parses").subject).collect();
    let wanted = scamguard::mail::parse(&no_id).expect("parses").subject;
    assert_eq!(subjects, [wanted], "back in INBOX");
    assert_eq!(session.select("Junk").await.expect("select").exists, 2, "the other mail stays in Junk");
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_taken_back_out_of_junk_by_hand_is_not_moved_again() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    append(&config, &fixture(THREATS[0])).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    session.select("Junk").await.expect("select");
    let uids = session.search("ALL").await.expect("search");
    session.move_to(&uids, "INBOX").await.expect("the user drags it back");

    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "INBOX").await.len(), 1, "released by the user: left alone");
    assert_eq!(history(&config).await.len(), 1, "and no second row");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_consumes_nothing_and_the_real_run_replaces_its_rows() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("dry_run = true\n");
    let config = load(&config_path);
    for name in THREATS {
        append(&config, &fixture(name)).await;
    }
    assert!(run_once(&config).await.failures.is_empty());
    assert!(history(&config).await.iter().all(|r| r.action == Action::DryRun));

    // A second dry run sees the same mail: the first one saved nothing as read.
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(history(&config).await.len(), 3);

    // The real run starts where the dry run started.
    let config = load(&dovecot.write_config(""));
    assert!(run_once(&config).await.failures.is_empty());

    let mut session = mailbox(&config).await;
    assert!(contents(&mut session, "INBOX").await.is_empty(), "the real run acted on what the dry run saw");
    assert_eq!(contents(&mut session, "Junk").await.len(), 3);
    let rows = history(&config).await;
    assert_eq!(rows.len(), 3, "one row per message: {rows:?}");
    assert!(rows.iter().all(|r| r.action == Action::Moved), "{rows:?}");
}

/// A scam that reuses the Message-ID of an earlier, moved one: when the user restores the
/// earlier one after it left Junk, the other is not brought back in its place.
#[tokio::test(flavor = "multi_thread")]
async fn restore_never_brings_back_another_message_with_the_same_message_id() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    append(&config, &with_message_id(&fixture(THREATS[0]), "<same@x.example>")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let first = history(&config).await.first().map(|r| r.id).expect("recorded");

    // The user empties Junk; later a different scam comes with the same Message-ID.
    let mut session = mailbox(&config).await;
    session.create("Elsewhere").await.expect("create");
    session.select("Junk").await.expect("select");
    session.move_to(&[1], "Elsewhere").await.expect("out of Junk");
    append(&config, &with_message_id(&fixture(THREATS[1]), "<same@x.example>")).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(session.select("Junk").await.expect("select").exists, 1, "the second scam is in Junk");

    let store = Store::open_unlocked(&config.database).await.expect("store");
    let restored = scamguard::app::restore(&config, &store, first, false).await;
    assert!(
        matches!(restored, Err(scamguard::app::RestoreError::NotFound { .. })),
        "the first message is gone: nothing to restore, {restored:?}"
    );
    assert_eq!(session.select("Junk").await.expect("select").exists, 1, "the other scam stays in Junk");
    assert!(contents(&mut session, "INBOX").await.is_empty());
}
