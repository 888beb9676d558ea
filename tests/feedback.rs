//! Feedback from the mailbox against a real Dovecot, the user being a second IMAP client:
//! a moved scam taken back out of Junk is released (recorded, never moved again, over
//! passes, restarts and rescans, in whatever watched folder it lands); mail put into Junk
//! by hand, or delivered straight there, is reported; what was in Junk before the first
//! start, and what scamguard moved there itself, is not; nothing in Junk gets `\Seen`;
//! what is put there and is no mail we can read is recorded unreadable, not passed over.

use std::sync::Arc;

use scamguard::app::{self, RunOptions};
use scamguard::config::Config;
use scamguard::store::{Action, Category, HistoryFilter, Store, Verdict};

use super::service::{HAM, THREATS, contents, fixture, history, load, mailbox, message_id, run_once};
use super::support::dovecot::{Dovecot, Options};

/// The UID of the message with `id` as its Message-ID in `folder`.
async fn uid_of(config: &Config, folder: &str, id: &str) -> u32 {
    let mut session = mailbox(config).await;
    session.select(folder).await.expect("select");
    let uids = session.find_by_message_id(id).await.expect("search");
    *uids.first().unwrap_or_else(|| panic!("{id} is not in {folder}"))
}

/// The user drags the message with Message-ID `id` from `from` to `to`.
async fn drag(config: &Config, id: &str, from: &str, to: &str) {
    let uid = uid_of(config, from, id).await;
    let mut session = mailbox(config).await;
    session.select(from).await.expect("select");
    session.move_to(&[uid], to).await.expect("the user's move");
}

pub async fn rows_with(config: &Config, action: Action) -> Vec<scamguard::store::Detection> {
    let store = Store::open_unlocked(&config.database).await.expect("store");
    let filter = HistoryFilter { action: Some(action), ..HistoryFilter::default() };
    store.history(&filter).await.expect("history")
}

/// One pass, which must not fail.
pub async fn passes(config: &Config) {
    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scam_taken_back_out_of_junk_is_released_and_never_moved_again() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("folders = [\"INBOX\", \"Work\"]\n"));
    let mut session = mailbox(&config).await;
    session.create("Work").await.expect("create Work");
    let (back_home, elsewhere) = (message_id(&fixture(THREATS[0])), message_id(&fixture(THREATS[1])));
    session.append("INBOX", None, &fixture(THREATS[0])).await.expect("append");
    session.append("INBOX", None, &fixture(THREATS[1])).await.expect("append");
    passes(&config).await;
    assert_eq!(contents(&mut session, "Junk").await.len(), 2, "both moved");

    // One goes back where it came from, the other into another watched folder.
    drag(&config, &back_home, "Junk", "INBOX").await;
    drag(&config, &elsewhere, "Junk", "Work").await;
    passes(&config).await;
    let released = rows_with(&config, Action::Released).await;
    let mut shown: Vec<(String, String)> =
        released.iter().map(|r| (r.message_id.clone(), r.destination.clone())).collect();
    shown.sort();
    let mut wanted = vec![(back_home.clone(), "INBOX".to_string()), (elsewhere.clone(), "Work".to_string())];
    wanted.sort();
    assert_eq!(shown, wanted, "each released where it came back to");
    assert_eq!(history(&config).await.len(), 2, "the moved rows say released: no second row");
    let shown = scamguard::report::detection_text(released.first().expect("a row"));
    assert!(shown.contains("released: moved to Junk, then taken back"), "{shown}");
    // `restore` of a message the user took back already has nothing to do.
    let store = Store::open_unlocked(&config.database).await.expect("store");
    for row in &released {
        let restored = app::restore(&config, &store, row.id, false).await.expect("restore");
        assert_eq!(restored, app::RestoreOutcome::AlreadyRestored);
    }
    drop(store);

    // Another pass, a restart, and a rescan of the period: never moved again.
    passes(&config).await;
    let store = Arc::new(Store::open(&config.database).await.expect("store"));
    let rescan = RunOptions { once: true, rescan_days: Some(30), ..Default::default() };
    let report = super::service::run_bounded(&config, store, rescan).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(contents(&mut session, "INBOX").await.into_keys().collect::<Vec<_>>(), [back_home]);
    assert_eq!(contents(&mut session, "Work").await.into_keys().collect::<Vec<_>>(), [elsewhere]);
    assert!(contents(&mut session, "Junk").await.is_empty());
    let rows = history(&config).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.action == Action::Released), "{rows:?}");
    assert!(rows_with(&config, Action::Reported).await.is_empty(), "scamguard's own moves are no reports");
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_put_into_junk_by_hand_or_delivered_there_is_reported_and_left_unread() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    // In Junk before the first start: no report (`learn` bootstraps from it).
    session.append("Junk", None, &fixture(THREATS[2])).await.expect("append");
    session.append("INBOX", None, &fixture(HAM[0])).await.expect("append");
    session.append("INBOX", None, &fixture(THREATS[0])).await.expect("append");
    passes(&config).await;
    assert!(rows_with(&config, Action::Reported).await.is_empty(), "what was in Junk already is no report");
    assert_eq!(rows_with(&config, Action::Moved).await.len(), 1);

    // The user disagrees with a verdict; the server's filter delivers a scam to Junk.
    let (dropped, delivered) = (message_id(&fixture(HAM[0])), message_id(&fixture(THREATS[1])));
    drag(&config, &dropped, "INBOX", "Junk").await;
    session.append("Junk", None, &fixture(THREATS[1])).await.expect("straight to Junk");
    passes(&config).await;
    passes(&config).await;

    let reported = rows_with(&config, Action::Reported).await;
    let mut ids: Vec<String> = reported.iter().map(|r| r.message_id.clone()).collect();
    ids.sort();
    let mut wanted = vec![dropped, delivered.clone()];
    wanted.sort();
    assert_eq!(ids, wanted, "one report each, not the moved scam nor what was there before");
    for row in &reported {
        assert_eq!((row.folder.as_str(), row.verdict), ("Junk", Verdict::Threat), "{row:?}");
        assert!(row.uid > 0 && row.score >= 0.0);
    }
    let scam = reported.iter().find(|r| r.message_id == delivered).expect("reported");
    assert_eq!(scam.category, Category::Extortion, "the classifier's likeliest kind");
    let shown = scamguard::report::detection_text(scam);
    assert!(shown.contains("reported: put into Junk"), "{shown}");

    let junk = contents(&mut session, "Junk").await;
    assert_eq!(junk.len(), 4, "nothing taken out of Junk: {junk:?}");
    assert!(junk.values().all(|flags| !flags.iter().any(|f| f == "\\Seen")), "{junk:?}");
}

/// Mail put into Junk that is no mail we can read (here: nothing but blank lines) was
/// passed over without a record, the Junk cursor moving past it: the user's report lost
/// without a word. Now it is recorded unreadable in Junk, once, as in a watched folder;
/// the report beside it is recorded as ever.
#[tokio::test(flavor = "multi_thread")]
async fn mail_in_junk_that_is_not_mail_is_recorded_unreadable_not_passed_over() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    passes(&config).await;

    session.append("Junk", None, b"\r\n\r\n \r\n").await.expect("append");
    session.append("Junk", None, &fixture(THREATS[1])).await.expect("append");
    passes(&config).await;
    passes(&config).await;
    let unreadable = rows_with(&config, Action::Unreadable).await;
    let rows: Vec<(&str, i64)> = unreadable.iter().map(|r| (r.folder.as_str(), r.uid)).collect();
    assert_eq!(rows, [("Junk", 1)], "recorded where the user sees it, once: {unreadable:?}");
    let reported: Vec<String> =
        rows_with(&config, Action::Reported).await.into_iter().map(|r| r.message_id).collect();
    assert_eq!(reported, [message_id(&fixture(THREATS[1]))]);
    assert_eq!(session.select("Junk").await.expect("select").exists, 2, "left where it is");
}

/// A Junk folder deleted and created again has a new UIDVALIDITY: its UIDs start again,
/// and what is in it when scamguard next looks is no report; what arrives after is.
#[tokio::test(flavor = "multi_thread")]
async fn a_recreated_junk_folder_is_read_from_its_new_uidnext() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    passes(&config).await;

    // More mail in the new Junk than the old one ever had: its UIDs pass the old cursor.
    session.select("INBOX").await.expect("select inbox");
    session.delete("Junk").await.expect("delete");
    session.create("Junk").await.expect("create again");
    session.append("Junk", None, &fixture(THREATS[1])).await.expect("append");
    session.append("Junk", None, &fixture(HAM[1])).await.expect("append");
    passes(&config).await;
    assert!(rows_with(&config, Action::Reported).await.is_empty(), "renumbered: what is there is no report");

    session.append("Junk", None, &fixture(THREATS[2])).await.expect("append");
    passes(&config).await;
    let reported: Vec<String> =
        rows_with(&config, Action::Reported).await.into_iter().map(|r| r.message_id).collect();
    assert_eq!(reported, [message_id(&fixture(THREATS[2]))]);
}
