//! A server that says NO: refused FETCH, SEARCH, STORE and EXPUNGE, and a FETCH answered
//! OK with messages left out (Gmail's "Some messages could not be FETCHed"). Real Dovecot
//! behind [`Proxy`], which injects the refusals. After each, nothing is recorded as done
//! that was not done, the pass fails with the server's words, and the next pass finishes
//! the job once. A connection cut where a folder's state was awaited is an error, never an
//! empty folder, and a CAPABILITY refused or cut short is an error, never a server without
//! MOVE, and a SEARCH answered OK without its SEARCH line is an error, never nothing found.
//! A folder renumbered while reconcile looked in Junk has nothing moved under the old
//! UIDs. Reading a detection's mail back tells a refusal ("gone") from a server that
//! stopped answering (an error).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use scamguard::app::{ReadBack, ReadBackError, read_back};
use scamguard::config::Config;
use scamguard::store::{Action, Store};

use super::service::{HAM, THREATS, append_all, contents, history, ids, load, mailbox, run_once};
use super::support::dovecot::{Dovecot, Options};
use super::support::proxy::{Fault, Hook, Proxy, Rule};

/// A Dovecot with three threats and one ham in INBOX; scamguard's config reaches it
/// through the proxy, the test's own (`direct`) past it, so the faults hit scamguard only.
pub struct Setup {
    _dovecot: Dovecot,
    pub proxy: Proxy,
    pub config: Config,
    pub direct: Config,
    /// Where `config` was written, for the `scamguard` command.
    pub path: std::path::PathBuf,
}

pub async fn mailbox_behind_proxy(options: Options) -> Setup {
    let dovecot = Dovecot::start(options);
    let direct = load(&dovecot.write_config(""));
    let mut session = mailbox(&direct).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    append_all(&mut session, "INBOX", &HAM[..1]).await;
    behind_proxy(dovecot, "").await
}

/// `dovecot` behind a new proxy, its account configured with `extra` lines too.
pub async fn behind_proxy(dovecot: Dovecot, extra: &str) -> Setup {
    let direct = load(&dovecot.write_config(""));
    let proxy = Proxy::start(dovecot.imap_port).await;
    // A message the server will not hand over is given up after five tries, without the
    // ten minutes' grace a real account gets.
    let path = proxy.write_config(&dovecot, &format!("unreadable_after = 0\n{extra}"));
    Setup { _dovecot: dovecot, proxy, config: load(&path), direct, path }
}

/// Message-IDs in `folder`, in order.
pub async fn ids_in(direct: &Config, folder: &str) -> Vec<String> {
    contents(&mut mailbox(direct).await, folder).await.into_keys().collect()
}

/// A step another client takes: deletes `folder` and makes it again (so it has a new
/// UIDVALIDITY), holding the fixtures `names`.
pub fn renumber(direct: &Config, folder: &'static str, names: Vec<&'static str>) -> Hook {
    let other = direct.clone();
    Arc::new(move || {
        let (other, names) = (other.clone(), names.clone());
        Box::pin(async move {
            let mut session = mailbox(&other).await;
            session.delete(folder).await.expect("delete");
            session.create(folder).await.expect("create again");
            append_all(&mut session, folder, &names).await;
        })
    })
}

/// The error each failed worker reported, as text.
pub fn failures(report: &scamguard::app::RunReport) -> Vec<String> {
    report.failures.iter().map(|(_, _, error)| error.to_string()).collect()
}

/// Everything was moved once: the threats in Junk, only ham in INBOX, and the history
/// says moved for each.
async fn assert_all_moved_once(setup: &Setup) {
    assert_eq!(ids_in(&setup.direct, "Junk").await, ids(&THREATS), "each threat in Junk");
    let in_junk = mailbox(&setup.direct).await.select("Junk").await.expect("select").exists as usize;
    assert_eq!(in_junk, THREATS.len(), "each threat in Junk once, never twice");
    assert_eq!(ids_in(&setup.direct, "INBOX").await, ids(&HAM[..1]));
    let rows = history(&setup.config).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["moved"; 3], "{rows:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_fetch_fails_the_pass_and_the_next_pass_moves_the_threats() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    proxy.add(Rule::always("UID FETCH", Fault::Answer("NO [UNAVAILABLE] Backend down, try later")));

    // An outage longer than the tries a message gets: it must not make mail unreadable.
    for _ in 0..scamguard::store::MAX_READ_TRIES + 1 {
        let report = run_once(config).await;
        let errors = failures(&report);
        assert!(
            errors.iter().any(|e| e.contains("refused UID FETCH") && e.contains("Backend down")),
            "a refused FETCH is the pass's error, with the server's words: {errors:?}"
        );
    }
    assert_eq!(ids_in(direct, "Junk").await.len(), 0, "nothing was read, so nothing moved");
    assert!(history(config).await.is_empty(), "nothing recorded as done, nor as unreadable");

    proxy.clear();
    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    assert_all_moved_once(&setup).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_left_out_of_a_fetch_are_read_later_or_recorded_unreadable() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    // UIDs 1 and 2 are threats. 1 comes back after two passes; 2 never does.
    let gmail = "OK Some messages could not be FETCHed (Failure)";
    proxy.add(Rule {
        times: Some(2),
        ..Rule::always("UID FETCH", Fault::LeaveOut { uids: vec![1, 2], text: gmail })
    });
    proxy.add(Rule::always("UID FETCH", Fault::LeaveOut { uids: vec![2], text: gmail }));

    for pass in 1..=4 {
        let report = run_once(config).await;
        assert!(report.failures.is_empty(), "pass {pass}: {:?}", failures(&report));
    }
    let junk = ids_in(direct, "Junk").await;
    assert_eq!(junk.len(), 2, "UID 1 was read once the server handed it over: {junk:?}");
    assert!(history(config).await.iter().all(|r| r.action == Action::Moved), "UID 2 is still being retried");

    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    let rows = history(config).await;
    let unreadable: Vec<_> = rows.iter().filter(|r| r.action == Action::Unreadable).collect();
    assert_eq!(unreadable.len(), 1, "after five tries UID 2 is in the history: {rows:?}");
    assert!(
        unreadable.iter().all(|r| r
            .signals
            .0
            .iter()
            .any(|s| s.evidence.contains("Some messages could not be FETCHed"))),
        "with the server's words: {rows:?}"
    );
    assert_eq!(ids_in(direct, "INBOX").await.len(), 2, "left where it is, with the ham");

    proxy.clear();
    let report = run_once(config).await;
    assert!(report.failures.is_empty());
    assert_eq!(ids_in(direct, "Junk").await.len(), 2, "an unreadable message is not read again by itself");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_search_before_the_move_records_nothing_as_gone() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    // The first UID SEARCH UID lists new mail; the second asks which planned threats are
    // still there.
    proxy.add(Rule {
        skip: 1,
        times: Some(1),
        ..Rule::always("UID SEARCH UID", Fault::Answer("NO Search failed"))
    });

    let report = run_once(config).await;
    assert!(failures(&report).iter().any(|e| e.contains("refused UID SEARCH")), "{:?}", failures(&report));
    let rows = history(config).await;
    assert!(rows.iter().all(|r| r.action == Action::Planned), "not gone, not moved: still to do: {rows:?}");
    assert_eq!(ids_in(direct, "Junk").await.len(), 0);

    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    assert_all_moved_once(&setup).await;
}

/// An OK to the search that asks which planned threats are still there, without its
/// `* SEARCH` line (lost on the way), read as "none found" recorded every threat gone: they
/// stayed in INBOX for good. It is an error now: the pass fails saying so, the threats stay
/// planned, and the next pass moves each once.
#[tokio::test(flavor = "multi_thread")]
async fn a_search_answered_without_its_search_line_before_the_move_records_nothing_as_gone() {
    search_line_lost_fails_the_pass_and_the_next_moves_every_threat_once(1).await;
}

/// The new-mail search answered OK without its `* SEARCH` line is no empty INBOX: the pass
/// fails, and the next reads and moves every threat once.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_mail_search_answered_without_its_search_line_fails_the_pass_and_skips_nothing() {
    search_line_lost_fails_the_pass_and_the_next_moves_every_threat_once(0).await;
}

/// The `UID SEARCH UID` after the first `skip` loses its untagged lines once (the proxy
/// passes only the tagged OK).
async fn search_line_lost_fails_the_pass_and_the_next_moves_every_threat_once(skip: usize) {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    proxy.add(Rule { skip, times: Some(1), ..Rule::always("UID SEARCH UID", Fault::DropUntagged) });

    let errors = failures(&run_once(config).await);
    assert!(
        !errors.is_empty() && errors.iter().all(|e| e.contains("UID SEARCH had no SEARCH line")),
        "the pass fails saying what the answer lacked: {errors:?}"
    );
    let rows = history(config).await;
    assert!(rows.iter().all(|r| r.action == Action::Planned), "nothing recorded gone or moved: {rows:?}");
    assert_eq!(ids_in(direct, "Junk").await.len(), 0);

    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    assert_all_moved_once(&setup).await;
}

/// Without MOVE a move is COPY, STORE \Deleted and UID EXPUNGE: when the server refuses
/// the STORE or the EXPUNGE, history must not say moved, and the next pass must finish
/// the move without a second copy.
async fn a_refused_step_after_the_copy_is_finished_without_a_second_copy(step: &'static str) {
    let options = Options { hide: vec!["MOVE"], ..Options::default() };
    let setup = mailbox_behind_proxy(options).await;
    let Setup { proxy, config, .. } = &setup;
    proxy.add(Rule::once(step, Fault::Answer("NO [OVERQUOTA] Quota exceeded")));

    let report = run_once(config).await;
    assert!(
        failures(&report)
            .iter()
            .any(|e| e.contains(&format!("refused {step}")) && e.contains("Quota exceeded")),
        "{:?}",
        failures(&report)
    );
    let rows = history(config).await;
    assert!(rows.iter().all(|r| r.action == Action::CopyMade), "copied, not yet moved: {rows:?}");

    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    assert_all_moved_once(&setup).await;
    assert_eq!(proxy.seen("UID COPY"), 1, "one copy, never a second");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_move_a_refused_store_is_finished_without_a_second_copy() {
    a_refused_step_after_the_copy_is_finished_without_a_second_copy("UID STORE").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_move_a_refused_expunge_is_finished_without_a_second_copy() {
    a_refused_step_after_the_copy_is_finished_without_a_second_copy("UID EXPUNGE").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_move_leaves_the_threats_planned_and_the_next_pass_moves_them() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    proxy.add(Rule::once("UID MOVE", Fault::Answer("NO [SERVERBUG] Internal error")));

    let report = run_once(config).await;
    assert!(failures(&report).iter().any(|e| e.contains("refused UID MOVE")), "{:?}", failures(&report));
    let actions: BTreeSet<&str> = history(config).await.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, BTreeSet::from(["planned"]));

    assert!(run_once(config).await.failures.is_empty());
    assert_all_moved_once(&setup).await;
}

/// A message that is not mail we can read (here: nothing but blank lines) is recorded as
/// unreadable, where the user sees it, instead of being passed over with a log line.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_is_not_mail_is_in_the_history_as_unreadable() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    mailbox(&config).await.append("INBOX", None, b"\r\n\r\n \r\n").await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    let rows = history(&config).await;
    assert_eq!(rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["unreadable"], "{rows:?}");
    assert_eq!(mailbox(&config).await.select("INBOX").await.expect("select").exists, 1, "left where it is");
}

/// Gmail may also refuse the FETCH (NO) after sending the messages it could read: those
/// are handled, the pass fails with its words, and the one left out is read later.
#[tokio::test(flavor = "multi_thread")]
async fn a_fetch_refused_after_sending_some_messages_keeps_them() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    let refusal = "NO Some messages could not be FETCHed (Failure)";
    proxy.add(Rule::once("UID FETCH", Fault::LeaveOut { uids: vec![1], text: refusal }));

    let report = run_once(config).await;
    assert!(failures(&report).iter().any(|e| e.contains("could not be FETCHed")), "{:?}", failures(&report));
    assert_eq!(ids_in(direct, "Junk").await.len(), THREATS.len() - 1, "what came was handled");

    assert!(run_once(config).await.failures.is_empty());
    assert_all_moved_once(&setup).await;
}

/// Another client takes a message away after scamguard fetched it and before it moves it
/// (here: just before the SEARCH that asks which planned threats are still there). That
/// message is recorded as gone; the others are moved; the other client's move stands.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_taken_away_between_fetch_and_move_is_recorded_as_gone() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    let take_first_away = another_client_moves_uid_1(direct, "Elsewhere", true);
    proxy.add(Rule {
        skip: 1,
        times: Some(1),
        ..Rule::always("UID SEARCH UID", Fault::Before(take_first_away))
    });

    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    let mut actions: Vec<String> = history(config).await.into_iter().map(|r| r.action.to_string()).collect();
    actions.sort();
    assert_eq!(actions, ["gone", "moved", "moved"]);
    assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS[1..]), "only the messages still there were moved");
    assert_eq!(ids_in(direct, "Elsewhere").await, ids(&THREATS[..1]), "the other client's move stands");

    // The user puts it back into INBOX: a message once found gone is judged again.
    let mut session = mailbox(direct).await;
    session.select("Elsewhere").await.expect("select");
    session.move_to(&[1], "INBOX").await.expect("moved back");
    assert!(run_once(config).await.failures.is_empty());
    assert_eq!(ids_in(direct, "Junk").await, ids(&THREATS), "moved once it came back");
}

/// A server may send a flags-only FETCH for a message at any time, also just before the
/// FETCH that reads it: that is no message read, and must not make a threat unreadable.
#[tokio::test(flavor = "multi_thread")]
async fn a_flags_only_fetch_before_the_body_is_not_taken_for_the_message() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    proxy.add(Rule::once("UID FETCH", Fault::Unsolicited("* 1 FETCH (UID 1 FLAGS (\\Seen))")));
    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    assert_all_moved_once(&setup).await;
}

/// Without MOVE, the answer to the COPY is lost (the connection drops): the copy was made,
/// but nothing recorded it. The next pass finds it in Junk and only removes the originals.
#[tokio::test(flavor = "multi_thread")]
async fn without_move_a_copy_whose_answer_was_lost_is_not_made_twice() {
    let setup = mailbox_behind_proxy(Options { hide: vec!["MOVE"], ..Options::default() }).await;
    let Setup { proxy, config, .. } = &setup;
    proxy.add(Rule::once("UID COPY", Fault::LoseAnswer));
    assert!(!run_once(config).await.failures.is_empty(), "the lost connection fails the pass");
    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    assert_all_moved_once(&setup).await;
    assert_eq!(proxy.seen("UID COPY"), 1, "found in Junk, not copied again");
}

/// A message the server always refuses to hand over, alone in its FETCH (so nothing comes
/// back at all): it is tried on each pass, each pass fails with the server's words, and
/// after five tries it is recorded unreadable and the passes succeed again. The server
/// refuses every FETCH in Junk too: the threats moved there are read again on each look,
/// then recorded unreadable in Junk like any report it will not hand over, never
/// `reported`.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_always_refused_alone_is_recorded_unreadable_and_the_passes_go_on() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    let refusal = "NO Some messages could not be FETCHed (Failure)";
    proxy.add(Rule::always("UID FETCH", Fault::LeaveOut { uids: vec![1], text: refusal }));
    for pass in 1..=scamguard::store::MAX_READ_TRIES {
        let report = run_once(config).await;
        assert!(failures(&report).iter().any(|e| e.contains("could not be FETCHed")), "pass {pass}");
    }
    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "given up on, the passes succeed: {:?}", failures(&report));
    let rows = history(config).await;
    let unreadable_in =
        |folder: &str| rows.iter().filter(|r| r.action == Action::Unreadable && r.folder == folder).count();
    assert_eq!(unreadable_in("INBOX"), 1, "{rows:?}");
    assert_eq!(unreadable_in("Junk"), THREATS.len() - 1, "{rows:?}");
    assert!(!rows.iter().any(|r| r.action == Action::Reported), "{rows:?}");
    assert_eq!(ids_in(direct, "Junk").await.len(), THREATS.len() - 1);
}

/// Without MOVE nor UIDPLUS a moved message stays, flagged `\Deleted`, until an expunge.
/// One another client (or a worker that took the account over) moved that way just
/// before scamguard's COPY is never copied again: Junk holds it once.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_flagged_deleted_before_the_copy_is_not_copied_again() {
    let setup = mailbox_behind_proxy(Options { hide: vec!["MOVE", "UIDPLUS"], ..Options::default() }).await;
    let Setup { proxy, config, direct, .. } = &setup;
    let move_first = another_client_moves_uid_1(direct, "Junk", false);
    proxy.add(Rule::once("UID SEARCH UID", Fault::Before(move_first)));

    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    let mut actions: Vec<String> = history(config).await.into_iter().map(|r| r.action.to_string()).collect();
    actions.sort();
    assert_eq!(actions, ["copied", "copied", "gone"]);
    let mut session = mailbox(direct).await;
    let in_junk = session.select("Junk").await.expect("select").exists;
    assert_eq!(in_junk as usize, THREATS.len(), "each threat in Junk once");
}

/// A proxy step: another client moves INBOX's UID 1 to `folder` (made first with
/// `create`), by the best method the server offers.
fn another_client_moves_uid_1(direct: &Config, folder: &'static str, create: bool) -> Hook {
    let other = direct.clone();
    Arc::new(move || {
        let other = other.clone();
        Box::pin(async move {
            let mut session = mailbox(&other).await;
            if create {
                session.create(folder).await.expect("create");
            }
            session.select("INBOX").await.expect("select");
            session.move_to(&[1], folder).await.expect("the other client moves UID 1");
        })
    })
}

/// Reading a detection's mail back for the review page: a folder the server refuses to
/// open holds nothing to show, but a server that stops answering while a folder is opened
/// is an error, never "gone": the message may well be there, and the page must not say
/// otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_stops_answering_during_a_read_back_is_an_error_not_gone() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    assert!(run_once(config).await.failures.is_empty());
    let id = history(config).await.first().expect("a detection").id;
    let store = Store::open_unlocked_at(&scamguard::app::database(config)).await.expect("store");

    proxy.add(Rule::always("EXAMINE", Fault::Answer("NO [NONEXISTENT] no such mailbox")));
    let refused = read_back(config, &store, id).await.expect("a refusal is an answer");
    assert!(matches!(refused, ReadBack::Gone { .. }), "{refused:?}");

    proxy.clear();
    // The EXAMINE never reaches the server, so its answer never comes.
    proxy.add(Rule::always("EXAMINE", Fault::Before(Arc::new(|| Box::pin(std::future::pending())))));
    let mut impatient = config.clone();
    for account in &mut impatient.accounts {
        account.command_timeout = Duration::from_secs(1);
    }
    let stalled = read_back(&impatient, &store, id).await;
    assert!(matches!(stalled, Err(ReadBackError::Imap(_))), "{stalled:?}");

    proxy.clear();
    let found = read_back(config, &store, id).await.expect("read back");
    assert!(matches!(found, ReadBack::Found { ref folder, .. } if folder == "Junk"), "{found:?}");
}

/// A LIST answer cut short is the connection closing, not a server without a Junk folder:
/// the pass fails there, before it would try to create one, and the next pass moves the
/// threats.
#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_during_list_fails_the_pass_as_a_closed_connection() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    proxy.add(Rule::always("LIST", Fault::Cut));
    let errors = failures(&run_once(config).await);
    assert!(!errors.is_empty(), "the pass fails");
    assert!(errors.iter().all(|e| e.contains("closed the connection")), "{errors:?}");
    proxy.clear();
    assert!(run_once(config).await.failures.is_empty());
    assert_all_moved_once(&setup).await;
}

/// `check` against a server that cuts the connection at LIST says how far it got (logged
/// in, the namespace read) and the step it stopped at, not only that a connection closed;
/// through the same proxy without the fault it goes on to the Junk folder.
#[tokio::test(flavor = "multi_thread")]
async fn check_stopped_by_a_cut_list_names_the_step_and_keeps_what_it_found() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    let account = config.accounts.first().expect("an account");
    proxy.add(Rule::always("LIST", Fault::Cut));
    let failed = scamguard::app::check::account(account, None).await.expect_err("check stops at LIST");
    assert_eq!(failed.step, "listing folders");
    let found = &failed.found;
    assert!(found.iter().any(|l| l.starts_with("logged in; capabilities: ")), "{found:?}");
    assert!(found.iter().any(|l| l.starts_with("personal namespace: ")), "{found:?}");
    assert!(!found.iter().any(|l| l.starts_with("junk folder")), "{found:?}");
    let shown = format!("{:#}", anyhow::Error::from(failed));
    assert!(shown.starts_with("stopped while listing folders: "), "{shown}");
    assert!(shown.contains("closed the connection"), "{shown}");

    proxy.clear();
    let checked = scamguard::app::check::account(account, None).await.expect("check passes");
    assert!(checked.lines.iter().any(|l| l.starts_with("junk folder: ")), "{:?}", checked.lines);
}

/// A connection cut before the server answered SELECT fails the pass, and is not taken
/// for a renumbered, empty folder: the saved place stays, so the next pass reads on from
/// it instead of starting the whole folder again.
#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_during_select_fails_the_pass_and_keeps_the_saved_place() {
    select_fault_fails_the_pass_and_keeps_the_saved_place(Fault::Cut, "closed the connection").await;
}

/// A SELECT answered OK without the folder's UIDVALIDITY (which a server must send) is
/// no folder of UIDVALIDITY 0: the pass fails saying so, and the saved place stays.
#[tokio::test(flavor = "multi_thread")]
async fn a_select_answered_without_uidvalidity_fails_the_pass_and_keeps_the_saved_place() {
    let fault = Fault::Answer("OK [READ-WRITE] selected");
    select_fault_fails_the_pass_and_keeps_the_saved_place(fault, "did not say the folder's UIDVALIDITY")
        .await;
}

/// After a first pass saved its place, a new threat arrives and SELECT meets `fault`: the
/// pass fails with `said` in its error and keeps the saved place; the next pass without
/// the fault moves the threat.
async fn select_fault_fails_the_pass_and_keeps_the_saved_place(fault: Fault, said: &str) {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    assert!(run_once(config).await.failures.is_empty());
    let store = Store::open_unlocked_at(&scamguard::app::database(config)).await.expect("store");
    let account = &config.accounts.first().expect("an account").name;
    let saved = store.cursor(account, "INBOX").await.expect("cursor").expect("saved");
    let mut session = mailbox(direct).await;
    append_all(&mut session, "INBOX", &["en_extortion_short_wallet_demand.eml"]).await;

    proxy.add(Rule::always("SELECT", fault));
    let errors = failures(&run_once(config).await);
    assert!(!errors.is_empty(), "the pass fails");
    assert!(errors.iter().all(|e| e.contains(said)), "{errors:?}");
    let kept = store.cursor(account, "INBOX").await.expect("cursor").expect("saved");
    assert_eq!(kept, saved, "the saved place is not taken for a renumbered folder");

    proxy.clear();
    assert!(run_once(config).await.failures.is_empty());
    assert_eq!(ids_in(direct, "INBOX").await, ids(&HAM[..1]), "the new threat was read and moved");
}

/// A refused CAPABILITY after login is a refusal, never an empty list: read as one, the
/// server seemed to lack MOVE and UIDPLUS, moves fell back to COPY and `\Deleted` without
/// EXPUNGE, and the threats stayed in INBOX, recorded as done.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_capability_fails_the_pass_with_the_servers_words_and_copies_nothing() {
    capability_fault_fails_the_pass_and_copies_nothing(
        Fault::Answer("NO later"),
        "refused CAPABILITY (NO): later",
    )
    .await;
}

/// An OK to CAPABILITY without the CAPABILITY line names nothing: it is no server without
/// MOVE, and the pass fails rather than moving by COPY.
#[tokio::test(flavor = "multi_thread")]
async fn a_capability_answered_without_capabilities_fails_the_pass_and_copies_nothing() {
    let said = "answer to CAPABILITY did not say its capabilities";
    capability_fault_fails_the_pass_and_copies_nothing(Fault::Answer("OK done"), said).await;
}

/// CAPABILITY meets `fault` once: the pass fails with `said`, sends no COPY, and the next
/// pass moves every threat once by UID MOVE.
async fn capability_fault_fails_the_pass_and_copies_nothing(fault: Fault, said: &str) {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    proxy.add(Rule::once("CAPABILITY", fault));
    let errors = failures(&run_once(config).await);
    assert!(!errors.is_empty() && errors.iter().all(|e| e.contains(said)), "{errors:?}");
    assert_eq!(proxy.seen("UID COPY"), 0, "nothing moved by a method guessed from no capabilities");
    assert!(run_once(config).await.failures.is_empty());
    assert_all_moved_once(&setup).await;
    assert_eq!(proxy.seen("UID COPY"), 0, "moved by UID MOVE, which the server has");
}

/// A CAPABILITY answer cut short is the connection closing, not a shorter list.
#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_during_capability_fails_the_pass_as_a_closed_connection() {
    capability_fault_fails_the_pass_and_copies_nothing(Fault::Cut, "closed the connection").await;
}

/// Reconcile looks in Junk for copies made before a crash, then opens the watched folder
/// again. Renumbered meanwhile (here: deleted and made again, holding only ham), that
/// folder's UIDs name other messages: the pass stops there instead of moving the ham that
/// now has the planned threats' UIDs, and the next pass reads the new folder.
#[tokio::test(flavor = "multi_thread")]
async fn a_folder_renumbered_while_reconcile_looked_in_junk_has_nothing_moved() {
    let dovecot = Dovecot::start(Options { hide: vec!["MOVE"], ..Options::default() });
    let direct = load(&dovecot.write_config(""));
    let mut session = mailbox(&direct).await;
    session.create("Work").await.expect("create");
    append_all(&mut session, "Work", &THREATS).await;
    let proxy = Proxy::start(dovecot.imap_port).await;
    let config = load(&proxy.write_config(&dovecot, "folders = [\"Work\"]\n"));
    proxy.add(Rule::once("UID COPY", Fault::Answer("NO [OVERQUOTA] Quota exceeded")));
    assert!(!run_once(&config).await.failures.is_empty(), "the refused copy fails the first pass");
    assert!(history(&config).await.iter().all(|r| r.action == Action::Planned));

    proxy.clear();
    // The second SELECT of the pass: the one after Junk was looked in.
    let renumber = Fault::Before(renumber(&direct, "Work", HAM.to_vec()));
    proxy.add(Rule { skip: 1, times: Some(1), ..Rule::always("SELECT \"Work\"", renumber) });
    let errors = failures(&run_once(&config).await);
    assert!(errors.iter().any(|e| e.contains("renumbered")), "{errors:?}");
    assert_eq!(ids_in(&direct, "Junk").await, Vec::<String>::new(), "no ham moved under the old UIDs");

    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(ids_in(&direct, "Work").await, ids(&HAM), "the new folder's mail left alone");
    assert_eq!(ids_in(&direct, "Junk").await, Vec::<String>::new());
    let rows = history(&config).await;
    assert!(rows.iter().all(|r| r.action == Action::Gone), "the old messages are gone: {rows:?}");
}
