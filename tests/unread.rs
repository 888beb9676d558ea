//! A message the server sends without some of its parts (a big message read by its parts,
//! whose sections it leaves out of an OK answer, as Gmail does with "Some messages could
//! not be FETCHed"), or whose FETCH it refuses, is there all the same: no caller takes it
//! for a message that is not. Reconcile does not copy it to Junk a second time, `restore`
//! does not say it is gone, the Junk watch does not pass over a report, and `learn` says
//! what it left out. A search in Junk answered without its SEARCH line is no sign of a
//! copy gone either. Real Dovecot behind the proxy (`support::proxy`), which leaves the
//! sections out.

use scamguard::app::{self, RestoreError, RestoreOutcome};
use scamguard::config::Config;
use scamguard::store::{Action, Store};

use super::feedback::{passes, rows_with};
use super::refusals::{Setup, behind_proxy, failures, ids_in};
use super::service::{HAM, THREATS, fixture, history, ids, message_id, run_once};
use super::support::dovecot::{Dovecot, Options};
use super::support::proxy::{Fault, Rule};
use super::watching::scam_behind_a_large_image;

/// The second FETCH of a big message read by its parts, UID 1 (its MIME headers and text,
/// after its structure), whose answer leaves the message out.
fn parts_left_out_of_uid_1() -> Rule {
    let left_out = Fault::LeaveOut { uids: vec![1], text: "OK Some messages could not be FETCHed (Failure)" };
    Rule::always("UID FETCH 1 (UID BODY.PEEK[1.MIME]", left_out)
}

/// A Dovecot behind the proxy, scamguard reading anything over 64 kB by its parts.
async fn reading_by_parts(options: Options) -> Setup {
    behind_proxy(Dovecot::start(options), "max_message_bytes = 65536\n").await
}

/// The user puts the scam behind a large image into `folder`, and `others` after it.
async fn put_big_scam(direct: &Config, folder: &str, others: &[&str]) {
    let mut session = super::service::mailbox(direct).await;
    session.append(folder, None, scam_behind_a_large_image().as_bytes()).await.expect("append");
    super::service::append_all(&mut session, folder, others).await;
}

/// Without MOVE, a threat whose COPY's answer was lost is looked for in Junk before it is
/// copied again. Its copy there, sent without its text part, was taken for no copy at all,
/// and copied a second time. Now the row is left planned, with the server's words in the
/// log, and nothing is copied; the next pass finds the copy and finishes the move with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_in_junk_sent_without_its_parts_is_not_copied_again() {
    let setup = reading_by_parts(Options { hide: vec!["MOVE"], ..Options::default() }).await;
    let Setup { proxy, config, direct, .. } = &setup;
    put_big_scam(direct, "INBOX", &HAM[..1]).await;
    proxy.add(Rule::once("UID COPY", Fault::LoseAnswer));
    assert!(!run_once(config).await.failures.is_empty(), "the answer to the COPY was lost");
    assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS[..1]), "the server copied it");
    assert_eq!(actions(config).await, [Action::Planned], "not known to be copied");

    proxy.add(parts_left_out_of_uid_1());
    let report = run_once(config).await;
    assert!(failures(&report).is_empty(), "one unreadable candidate stops no pass: {:?}", failures(&report));
    let in_junk = super::service::mailbox(direct).await.select("Junk").await.expect("select").exists;
    assert_eq!(in_junk, 1, "no second copy");
    assert_eq!(proxy.seen("UID COPY"), 1);
    assert_eq!(actions(config).await, [Action::Planned], "left planned, looked for again");

    the_next_pass_finishes_the_move_with_one_copy(&setup).await;
}

/// The same, with the copy in Junk left out of the FETCH that reads it whole (Gmail
/// answers OK "Some messages could not be FETCHed" and sends nothing of it): taken for no
/// copy at all, it was copied a second time. Now the server is asked whether it is still
/// there; it is, so the row is left planned (the server's words in the log), and the next
/// pass finishes the move with the one copy.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_in_junk_left_out_of_the_fetch_is_not_copied_again() {
    let setup = copied_then_always_left_out().await;
    let Setup { proxy, config, direct, .. } = &setup;
    assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS[..1]), "the server copied it");
    let report = run_once(config).await;
    assert_eq!(proxy.seen("UID COPY"), 1, "not copied a second time");
    assert!(failures(&report).is_empty(), "one unreadable candidate stops no pass: {:?}", failures(&report));
    assert_eq!(actions(config).await, [Action::Planned], "left planned, looked for again");

    the_next_pass_finishes_the_move_with_one_copy(&setup).await;
}

/// A pending move whose copy in Junk the server always leaves out of its answer stopped
/// the whole folder: reconcile, which runs before new mail is read on every connection,
/// failed each pass, and new threats stayed in INBOX. Now that one row is left planned
/// (neither copied again nor recorded gone), and the pass goes on: a new threat is moved.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_in_junk_always_left_out_holds_up_no_new_threat() {
    the_stuck_one_holds_up_no_new_threat(&copied_then_always_left_out().await).await;
}

/// The same when the search in Junk for that copy is answered OK without its `* SEARCH`
/// line: whether the copy is there is not known, so that row too is left planned (never
/// copied again, never recorded gone), logged, and the pass goes on. (A search of the
/// watched folder answered so fails the pass: see `refusals`.)
#[tokio::test(flavor = "multi_thread")]
async fn a_search_in_junk_answered_without_its_search_line_holds_up_no_new_threat() {
    let setup = copied_then(Rule::always("UID SEARCH HEADER", Fault::DropUntagged)).await;
    the_stuck_one_holds_up_no_new_threat(&setup).await;
}

/// Over two passes, a threat delivered now is moved while the planned one whose copy in
/// Junk cannot be told is neither copied again nor recorded gone, and no pass fails.
async fn the_stuck_one_holds_up_no_new_threat(setup: &Setup) {
    let Setup { proxy, config, direct, .. } = setup;
    super::service::append_all(&mut super::service::mailbox(direct).await, "INBOX", &THREATS[1..2]).await;
    for pass in 1..=2 {
        let report = run_once(config).await;
        assert!(failures(&report).is_empty(), "pass {pass}: {:?}", failures(&report));
        assert_eq!(
            ids_in(direct, "INBOX").await,
            ids(&[THREATS[0], HAM[0]]),
            "pass {pass}: the new threat moved"
        );
        assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS[..2]), "pass {pass}: one copy of each");
        assert_eq!(proxy.seen("UID COPY"), 2, "pass {pass}: the stuck one never copied again");
        assert_eq!(
            actions(config).await,
            [Action::Moved, Action::Planned],
            "pass {pass}: the stuck one not recorded gone"
        );
    }
}

/// A server without MOVE that copied a threat to Junk (UID 1 there) but whose answer to
/// the COPY was lost, so the move is still planned; from then on the FETCH that reads that
/// copy for its content digest is always left out of the answer.
async fn copied_then_always_left_out() -> Setup {
    let left_out = Fault::LeaveOut { uids: vec![1], text: "OK Some messages could not be FETCHed (Failure)" };
    copied_then(Rule::always("UID FETCH 1 (UID RFC822.SIZE", left_out)).await
}

/// A server without MOVE that copied a threat to Junk (UID 1 there) but whose answer to
/// the COPY was lost, so the move is still planned; from then on `rule` applies.
async fn copied_then(rule: Rule) -> Setup {
    let dovecot = Dovecot::start(Options { hide: vec!["MOVE"], ..Options::default() });
    let setup = behind_proxy(dovecot, "").await;
    let Setup { proxy, config, direct, .. } = &setup;
    super::service::append_all(&mut super::service::mailbox(direct).await, "INBOX", &[THREATS[0], HAM[0]])
        .await;
    proxy.add(Rule::once("UID COPY", Fault::LoseAnswer));
    assert!(!run_once(config).await.failures.is_empty(), "the answer to the COPY was lost");
    proxy.add(rule);
    setup
}

/// What the history says of each detection, newest first.
async fn actions(config: &Config) -> Vec<Action> {
    history(config).await.iter().map(|r| r.action).collect()
}

/// With the fault gone, the next pass finishes the move: the one copy in Junk, the
/// original gone from INBOX, one move recorded, and never a second COPY.
async fn the_next_pass_finishes_the_move_with_one_copy(setup: &Setup) {
    let Setup { proxy, config, direct, .. } = setup;
    proxy.clear();
    passes(config).await;
    let in_junk = super::service::mailbox(direct).await.select("Junk").await.expect("select").exists;
    assert_eq!(in_junk, 1, "one copy in Junk");
    assert_eq!(ids_in(direct, "INBOX").await, ids(&HAM[..1]), "the original removed");
    let actions: Vec<Action> = history(config).await.iter().map(|r| r.action).collect();
    assert_eq!(actions, [Action::Moved]);
    assert_eq!(proxy.seen("UID COPY"), 1, "one copy, never a second");
}

/// `restore` finds the message in Junk by its content: sent without its text part, it
/// was taken for absent, and the restore said it was neither in Junk nor back in INBOX.
/// Now the restore fails with the server's words and moves nothing; asked again, it works.
#[tokio::test(flavor = "multi_thread")]
async fn restore_of_a_message_sent_without_its_parts_is_an_error_not_not_found() {
    let setup = reading_by_parts(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    put_big_scam(direct, "INBOX", &[]).await;
    passes(config).await;
    let id = rows_with(config, Action::Moved).await.first().map(|r| r.id).expect("moved");
    let store = Store::open_unlocked(&config.database).await.expect("store");

    proxy.add(parts_left_out_of_uid_1());
    let restored = app::restore(config, &store, id, false).await;
    assert!(!matches!(restored, Err(RestoreError::NotFound { .. })), "there all the same: {restored:?}");
    let said = restored.as_ref().map_err(ToString::to_string).expect_err("not restored");
    assert!(said.contains("left out"), "{said}");
    assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS[..1]), "nothing moved");

    proxy.clear();
    let restored = app::restore(config, &store, id, false).await.expect("restores");
    assert_eq!(restored, RestoreOutcome::Restored { folder: "INBOX".into() });
    assert_eq!(ids_in(direct, "INBOX").await, ids(&THREATS[..1]));
}

/// `restore` reads the message it found once more, for the feedback a restore gives: a
/// refused FETCH there gave empty bytes, and the restore went on as if it had read them.
/// Now the refusal is the restore's error, with the server's words, and nothing is moved.
#[tokio::test(flavor = "multi_thread")]
async fn restore_tells_a_refused_fetch_of_the_message_and_moves_nothing() {
    restore_stops_at(Fault::Answer("NO [SERVERBUG] Internal error"), "Internal error").await;
    // Left out of an OK answer while still in Junk, it was moved back and its feedback
    // given on no bytes at all.
    let left_out = Fault::LeaveOut { uids: vec![1], text: "OK Some messages could not be FETCHed (Failure)" };
    restore_stops_at(left_out, "could not be FETCHed").await;
}

/// A restore whose second FETCH of the message in Junk (the one that reads it for the
/// feedback) meets `fault`: it fails with the server's words (`said`), moves nothing and
/// records nothing; asked again, it restores.
async fn restore_stops_at(fault: Fault, said: &str) {
    let dovecot = Dovecot::start(Options::default());
    let setup = behind_proxy(dovecot, "").await;
    let Setup { proxy, config, direct, .. } = &setup;
    super::service::append_all(&mut super::service::mailbox(direct).await, "INBOX", &THREATS[..1]).await;
    passes(config).await;
    let id = rows_with(config, Action::Moved).await.first().map(|r| r.id).expect("moved");
    let store = Store::open_unlocked(&config.database).await.expect("store");

    // The first FETCH of the message confirms its content; the second reads it.
    proxy.add(Rule { skip: 1, times: Some(1), ..Rule::always("UID FETCH 1 (UID RFC822.SIZE", fault) });
    let restored = app::restore(config, &store, id, false).await;
    let error = restored.as_ref().map_err(ToString::to_string).expect_err("not restored");
    assert!(error.contains(said), "{error}");
    assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS[..1]), "nothing moved");
    assert_eq!(rows_with(config, Action::Moved).await.len(), 1, "not recorded as restored");

    let restored = app::restore(config, &store, id, false).await.expect("restores");
    assert_eq!(restored, RestoreOutcome::Restored { folder: "INBOX".into() });
}

/// A report whose text part the server leaves out of its answer once is read again on the
/// next look and recorded: the Junk cursor had moved past it, and it was never reported.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_sent_without_its_parts_is_read_again_not_passed_over() {
    let setup = reading_by_parts(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    passes(config).await;
    put_big_scam(direct, "Junk", &[]).await;
    proxy.add(Rule { times: Some(1), ..parts_left_out_of_uid_1() });

    passes(config).await;
    assert!(rows_with(config, Action::Reported).await.is_empty(), "not judged without its text");
    passes(config).await;
    let reported: Vec<String> =
        rows_with(config, Action::Reported).await.into_iter().map(|r| r.message_id).collect();
    assert_eq!(reported, ids(&THREATS[..1]), "read again, whole, and reported");
}

/// Reports the server will not hand over, refused or sent without their parts, hold up
/// no other: the Junk watch reads them again on each look, records the one it can read,
/// and after five tries records the other unreadable, with the server's words, where the
/// user sees it. A refused FETCH in Junk only warned, and its reports were passed over.
#[tokio::test(flavor = "multi_thread")]
async fn reports_that_cannot_be_read_are_tried_again_then_recorded_unreadable() {
    let setup = reading_by_parts(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    passes(config).await;
    put_big_scam(direct, "Junk", &THREATS[1..2]).await;
    proxy.add(parts_left_out_of_uid_1());
    proxy.add(Rule::once("UID FETCH 1:2 (UID RFC822.SIZE", Fault::Answer("NO [SERVERBUG] Internal error")));

    passes(config).await;
    assert!(history(config).await.is_empty(), "nothing read, nothing recorded");
    passes(config).await;
    // Refused once, then left out once: two tries so far.
    reported_then_unreadable_after_tries(config, 2, "could not be FETCHed").await;
    let examined = proxy.seen("EXAMINE");
    passes(config).await;
    assert_eq!(proxy.seen("EXAMINE"), examined, "nothing left to read: Junk is not opened");
    assert_eq!(history(config).await.len(), 2);
}

/// `learn --account` learns from what the server sends whole, and says how many mails it
/// left out because the server sent them without some of their parts, or left them out
/// of its answer altogether: they were left out without a word.
#[tokio::test(flavor = "multi_thread")]
async fn learn_says_what_it_left_out_because_the_server_sent_it_without_its_parts() {
    learn_leaves_out_uid_1_of_junk(parts_left_out_of_uid_1()).await;
    let left_out = Fault::LeaveOut { uids: vec![1], text: "OK Some messages could not be FETCHed (Failure)" };
    // Junk is read first; INBOX's one mail is UID 1 too, and comes whole.
    let once = Rule { times: Some(1), ..Rule::always("UID FETCH 1 (UID RFC822.SIZE", left_out) };
    learn_leaves_out_uid_1_of_junk(once).await;
}

/// `learn` with the big scam in Junk (UID 1) not sent whole through `fault`.
async fn learn_leaves_out_uid_1_of_junk(fault: Rule) {
    let setup = reading_by_parts(Options::default()).await;
    let Setup { proxy, direct, path, .. } = &setup;
    put_big_scam(direct, "Junk", &[]).await;
    super::service::append_all(&mut super::service::mailbox(direct).await, "INBOX", &HAM[..1]).await;
    proxy.add(fault);
    let config = path.clone();
    let printed = tokio::task::spawn_blocking(move || {
        super::learning::learn(&config, &["--account", "test", "--limit", "50"])
    })
    .await
    .expect("learn ran");
    assert!(printed.contains("learned from 0 mails in Junk (unwanted) and 1 in INBOX"), "{printed}");
    assert!(printed.contains("1 mails the server would not send whole were left out"), "{printed}");
}

/// A report whose header FETCH the server always refuses (and so any FETCH of headers
/// that names it) held up every later report: the look at Junk failed before its cursor
/// moved, on every pass. Now the headers are asked again one by one, the other report is
/// recorded, and the refused one is read again on the next looks, then recorded
/// unreadable with the server's words.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_header_fetch_in_junk_holds_up_no_later_report() {
    let setup = behind_proxy(Dovecot::start(Options::default()), "").await;
    let Setup { proxy, config, direct, .. } = &setup;
    passes(config).await;
    super::service::append_all(&mut super::service::mailbox(direct).await, "Junk", &THREATS[..2]).await;
    let refused = Fault::Answer("NO [SERVERBUG] Internal error");
    proxy.add(Rule::always("UID FETCH 1:2 (UID BODY.PEEK[HEADER])", refused.clone()));
    proxy.add(Rule::always("UID FETCH 1 (UID BODY.PEEK[HEADER])", refused));

    passes(config).await;
    reported_then_unreadable_after_tries(config, 1, "Internal error").await;
    assert_eq!(history(config).await.len(), 2);
}

/// The report in Junk the server sends whole (`THREATS[1]`) is recorded, and UID 1 there,
/// which it will not hand over, is read again on each pass (`tried` tries made so far)
/// until the last try, then recorded unreadable in Junk, once, with the server's words
/// (`said`).
async fn reported_then_unreadable_after_tries(config: &Config, tried: u32, said: &str) {
    let reported: Vec<String> =
        rows_with(config, Action::Reported).await.into_iter().map(|r| r.message_id).collect();
    assert_eq!(reported, [message_id(&fixture(THREATS[1]))], "the report the server sends whole");
    for tries in tried + 1..scamguard::store::MAX_READ_TRIES {
        passes(config).await;
        assert!(rows_with(config, Action::Unreadable).await.is_empty(), "try {tries}: tried again first");
    }
    passes(config).await;
    let unreadable = rows_with(config, Action::Unreadable).await;
    let row = unreadable.first().expect("recorded unreadable");
    assert_eq!((row.folder.as_str(), row.uid, unreadable.len()), ("Junk", 1, 1), "{unreadable:?}");
    let evidence = row.signals.0.first().map(|s| s.evidence.as_str()).unwrap_or_default();
    assert!(evidence.contains(said), "{evidence}");
}

/// Junk made anew (a new UIDVALIDITY) drops what its read queue held under the old one:
/// those UIDs name other mail now, and the rows stayed for ever, counted as waiting.
#[tokio::test(flavor = "multi_thread")]
async fn a_renumbered_junk_drops_its_old_read_queue() {
    let setup = behind_proxy(Dovecot::start(Options::default()), "").await;
    let Setup { proxy, config, direct, .. } = &setup;
    passes(config).await;
    super::service::append_all(&mut super::service::mailbox(direct).await, "Junk", &THREATS[..1]).await;
    proxy.add(Rule::always(
        "UID FETCH 1 (UID BODY.PEEK[HEADER])",
        Fault::Answer("NO [SERVERBUG] Internal error"),
    ));
    passes(config).await;
    let store = Store::open_unlocked_at(&app::database(config)).await.expect("store");
    assert_eq!(store.queued_count("test", "Junk").await.expect("count"), 1, "queued to be read again");

    let mut session = super::service::mailbox(direct).await;
    session.delete("Junk").await.expect("delete");
    session.create("Junk").await.expect("create again");
    passes(config).await;
    assert_eq!(store.queued_count("test", "Junk").await.expect("count"), 0, "the old UIDs are dropped");
}
