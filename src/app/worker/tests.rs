//! The worker's pure decisions: when actions go out, which errors stop it or count as
//! what, how long it waits before reconnecting, what a fetch came to.

use super::*;

#[test]
fn gathered_actions_go_out_after_ten_batches_or_five_seconds() {
    assert!(!act_due(1, Duration::from_millis(10)));
    assert!(!act_due(ACT_EVERY_BATCHES - 1, ACT_EVERY - Duration::from_millis(1)));
    assert!(act_due(ACT_EVERY_BATCHES, Duration::ZERO));
    assert!(act_due(1, ACT_EVERY));
}

/// A watched folder the server lacks is a refusal, not a lost connection: the
/// service does not reconnect to be told so every second.
#[test]
fn a_missing_folder_or_a_refused_select_is_no_connection_loss() {
    let missing = ImapError::NoSuchFolder { folder: "Nope".into(), existing: vec![], more: 0 };
    let refused = ImapError::Refused { command: "SELECT", reply: "NO", text: "no".into() };
    for error in [missing, refused] {
        assert!(!WorkerError::Imap(error).is_connection_loss());
    }
    assert!(WorkerError::Imap(ImapError::Closed).is_connection_loss());
    assert!(WorkerError::Imap(ImapError::Timeout("IDLE")).is_connection_loss());
}

/// The wait a worker takes before trying again is jittered within 20%: without it every
/// client that lost the server would come back in step.
#[test]
fn jitter_stays_within_twenty_percent_and_spreads_clients_out() {
    let ten = Duration::from_secs(10);
    let delays: std::collections::BTreeSet<Duration> = (0..100).map(|_| jitter(ten)).collect();
    assert!(delays.iter().all(|d| *d >= Duration::from_secs(8) && *d <= Duration::from_secs(12)));
    assert!(delays.len() > 50, "{} distinct delays in 100", delays.len());
    // The reconnect loop's own wait is the jittered one, and the next base doubles.
    let retries: Vec<(Duration, Duration)> = (0..100).map(|_| retry_after(ten, false, true)).collect();
    let waits: std::collections::BTreeSet<Duration> = retries.iter().map(|r| r.0).collect();
    assert!(waits.iter().all(|d| *d >= Duration::from_secs(8) && *d <= Duration::from_secs(12)));
    assert!(waits.len() > 50, "{} distinct waits in 100", waits.len());
    assert!(retries.iter().all(|r| r.1 == Duration::from_secs(20)));
}

/// A deleted database, its own Junk, thresholds the model refuses and a lost lease stop
/// the worker; everything else is tried again with backoff.
#[test]
fn only_what_retrying_cannot_mend_stops_the_worker() {
    let permanent = [
        WorkerError::Store(StoreError::Vanished("scamguard.db".into())),
        WorkerError::WatchingJunk("Junk".into()),
        WorkerError::Detection("thresholds".into()),
        WorkerError::LeaseLost("alice".into()),
    ];
    let passing = [
        WorkerError::Store(StoreError::Missing("scamguard.db".into())),
        WorkerError::Imap(ImapError::Closed),
        WorkerError::Panicked("boom".into()),
        WorkerError::Renumbered("INBOX".into()),
    ];
    assert!(permanent.iter().all(WorkerError::is_permanent));
    assert!(!passing.iter().any(WorkerError::is_permanent));
}

#[test]
fn errors_are_counted_by_kind() {
    use super::super::metrics::ErrorKind;
    let refused = ImapError::Refused { command: "SELECT", reply: "NO", text: "no".into() };
    assert_eq!(WorkerError::Imap(refused).metric_kind(), ErrorKind::Refused);
    assert_eq!(WorkerError::Imap(ImapError::Closed).metric_kind(), ErrorKind::Connection);
    assert_eq!(WorkerError::Store(StoreError::Missing("db".into())).metric_kind(), ErrorKind::Store);
    assert_eq!(WorkerError::Panicked("boom".into()).metric_kind(), ErrorKind::Other);
}

#[test]
fn the_backoff_doubles_to_five_minutes_and_starts_over_after_a_connection_that_worked() {
    let secs = Duration::from_secs;
    // Could not connect: 1, 2, 4… seconds, then five minutes at most.
    assert_eq!(backoff_after(secs(4), false, true), (secs(4), secs(8)));
    assert_eq!(backoff_after(secs(200), false, true), (secs(200), MAX_BACKOFF));
    assert_eq!(backoff_after(MAX_BACKOFF, false, true), (MAX_BACKOFF, MAX_BACKOFF));
    // A connection that worked and then broke: soon again.
    assert_eq!(backoff_after(MAX_BACKOFF, true, true), (FIRST_BACKOFF, secs(2)));
    // A refusal waits a minute at most, connected or not.
    assert_eq!(backoff_after(MAX_BACKOFF, true, false), (MAX_REFUSAL_BACKOFF, secs(120)));
    assert_eq!(backoff_after(secs(8), false, false), (secs(8), secs(16)));
}

#[test]
fn only_the_worker_that_watches_junk_looks_at_it_and_never_in_a_dry_run() {
    let looks: Vec<bool> =
        [(true, false), (true, true), (false, false), (false, true)].map(|(w, d)| looks_at_junk(w, d)).into();
    assert_eq!(looks, [true, false, false, false]);
}

#[test]
fn the_backlog_shown_during_a_scan_counts_down_by_batch() {
    let left: Vec<usize> = (0..4).map(|index| left_after(25, index, 10)).collect();
    assert_eq!(left, [15, 5, 0, 0]);
}

/// Mail that waited for scamguard to start is not timed; mail that arrived since is.
#[test]
fn only_mail_that_arrived_while_watched_is_timed() {
    let since = super::super::metrics::watching_since();
    let fetched = [(1, Some(since - 60)), (2, Some(since)), (3, Some(since + 5)), (4, None)]
        .map(|(uid, arrived)| imap::FetchedMessage { uid, size: 0, raw: Vec::new(), arrived });
    let classified = batch::classify_all(
        fetched.into(),
        &Detector::default(),
        &crate::report::seal::ReportKey::new(vec![1; 32]),
    );
    let timed: Vec<(u32, i64)> = arrived_while_watched(&classified).into_iter().collect();
    assert_eq!(timed, [(2, since), (3, since + 5)]);
}

/// What was read leaves the read queue (or a queued message would be fetched again on
/// every pass); the rest is retried, counting a try unless the server said its trouble
/// is passing.
#[test]
fn a_fetch_says_what_was_read_and_whether_the_rest_counts_a_try() {
    let message = |uid| imap::FetchedMessage { uid, size: 0, raw: Vec::new(), arrived: None };
    let refused = |text: &str| ImapError::Refused { command: "FETCH", reply: "NO", text: text.into() };
    let fetched = |server_said: &str, refused| imap::Fetched {
        messages: vec![message(3), message(5)],
        missing: vec![4],
        unread: Vec::new(),
        server_said: server_said.into(),
        refused,
    };
    let quiet = outcome_of(&fetched("", None));
    assert_eq!(
        (quiet.read.as_slice(), quiet.reason.as_str()),
        ([3, 5].as_slice(), "the server did not send it")
    );
    assert!(quiet.counts_a_try);
    let said = outcome_of(&fetched("Some messages could not be FETCHed", Some(refused("broken"))));
    assert_eq!(said.reason, "Some messages could not be FETCHed");
    assert!(said.counts_a_try, "a refusal counts a try");
    let passing = outcome_of(&fetched("[UNAVAILABLE] later", Some(refused("[UNAVAILABLE] later"))));
    assert!(!passing.counts_a_try, "a passing trouble does not");
}
