//! The fleet's rounds on a real store (SQLite, and PostgreSQL for leases) with accounts
//! whose server refuses connections, and its pure decisions.

use super::*;
use crate::detect::Detector;
use crate::store::test_backends::TestStore;

/// An account whose server refuses connections: its workers retry, never finish.
const UNREACHABLE: &str = "name = \"b\"\nhost = \"127.0.0.1\"\nport = 1\ntls = \"none\"\n\
                           username = \"b\"\npassword_env = \"SCAMGUARD_TEST_NO_SUCH_VAR\"\n";
/// Stored accounts may name the variable above ([database] stored_secrets).
const ALLOW_TEST_VAR: &str = "[database]\nstored_secrets = [\"env:SCAMGUARD_TEST_\"]\n";

/// A fleet on `store` after its first round, with [`UNREACHABLE`] stored as "b".
async fn watching_b<'a>(store: &TestStore, config: &'a Config) -> (Stopper, Fleet<'a>) {
    watching(store, config, "b").await
}

/// [`watching_b`], with the lease on `b` its round took (a shared database's worker).
async fn holding_b<'a>(store: &TestStore, config: &'a Config) -> (Stopper, Fleet<'a>, Arc<str>) {
    let (stopper, fleet) = watching_b(store, config).await;
    let id = fleet.lease.clone().expect("shared database");
    assert!(store.holds_lease(&id, "b").await.expect("holds"));
    (stopper, fleet, id)
}

/// A fleet on `store` that has run no round yet, as `run` starts it.
async fn fleet_on<'a>(store: &TestStore, config: &'a Config) -> (Stopper, Fleet<'a>) {
    let options =
        RunOptions { once: false, dry_run: false, rescan_days: None, detector: Detector::default() };
    let (stopper, shutdown) = shutdown::channel();
    (stopper, Fleet::new(config, Arc::new(store.reopen().await), options, shutdown))
}

/// [`watching_b`] with [`UNREACHABLE`] stored as `name`.
async fn watching<'a>(store: &TestStore, config: &'a Config, name: &str) -> (Stopper, Fleet<'a>) {
    let (stopper, mut fleet) = fleet_on(store, config).await;
    let settings = UNREACHABLE.replace("\"b\"", &format!("\"{name}\""));
    assert!(store.add_account(name, &settings, 1).await.expect("add"));
    fleet.round().await;
    (stopper, fleet)
}

/// A stored account removed and added again with other settings (here `dry_run`)
/// between two rounds is not left running with the old ones.
#[tokio::test]
async fn a_stored_account_edited_while_watched_is_restarted_with_its_new_settings() {
    let store = TestStore::sqlite().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (stopper, mut fleet) = watching_b(&store, &config).await;
    assert!(fleet.watched.get("b").is_some_and(|w| w.stopping.is_none()), "watched");
    fleet.round().await;
    assert!(fleet.watched["b"].stopping.is_none(), "unchanged settings: left running");
    assert!(store.remove_account("b").await.expect("remove"));
    let edited = format!("{UNREACHABLE}dry_run = true\n");
    assert!(store.add_account("b", &edited, 2).await.expect("add"));
    fleet.round().await;
    assert!(fleet.watched["b"].stopping.is_some(), "old settings must stop");
    stopper.stop();
    fleet.stop_all().await;
}

/// An account this worker stops watching (removed here; on a fleet, also taken by
/// another worker) leaves `/healthz`: its folders' passes, which stop, no longer make
/// the worker unhealthy (a liveness probe restarted it once they aged).
#[tokio::test]
async fn an_account_no_longer_watched_here_leaves_the_health_check() {
    use crate::app::metrics::{health, metrics};
    const NAME: &str = "let-go-of-for-health";
    let store = TestStore::sqlite().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (stopper, mut fleet) = watching(&store, &config, NAME).await;
    assert!(fleet.watched.contains_key(NAME), "watched");
    // As its worker says on connecting; no pass follows.
    metrics().watching(NAME, "INBOX", 1);
    let late = || health(metrics(), i64::MAX).err().unwrap_or_default().iter().any(|l| l.starts_with(NAME));
    assert!(late(), "watched and never passed: late");
    assert!(store.remove_account(NAME).await.expect("remove"));
    fleet.round().await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while fleet.watched.contains_key(NAME) {
            let joined = fleet.tasks.join_next().await;
            fleet.ended(joined);
        }
    });
    ended.await.expect("its workers end when asked");
    assert!(!late(), "a folder no longer watched here is not waited for");
    stopper.stop();
    fleet.stop_all().await;
}

/// `accounts remove` and `accounts disable` while a worker holds the account: on its
/// next round it lets go of the lease and asks the account's workers to stop.
#[tokio::test]
async fn an_account_removed_or_disabled_while_leased_is_let_go_and_stopped() {
    let store = TestStore::postgres().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (stopper, mut fleet, id) = holding_b(&store, &config).await;
    assert_eq!(fleet.lease_id(), Some(Arc::clone(&id)), "the weekly report checks this worker's lease");
    assert!(store.set_account_enabled("b", false).await.expect("disable"));
    fleet.round().await;
    assert!(!store.holds_lease(&id, "b").await.expect("holds"), "a disabled account's lease is let go");
    assert!(fleet.watched.get("b").is_none_or(|w| w.stopping.is_some()), "its workers stop");
    assert!(store.set_account_enabled("b", true).await.expect("enable"));
    stopper.stop();
    fleet.stop_all().await;
    // A lease let go is free only after `LEASE_MARGIN` (a batch in flight may have
    // checked it just before): here that time has passed.
    let sql = "UPDATE leases SET expires_at = 0 WHERE worker = ''";
    crate::store::on!(store.pool(), db => sqlx::query(sql).execute(db).await.map(|_| ())).expect("margin");
    fleet.round().await;
    assert!(store.holds_lease(&id, "b").await.expect("holds"), "enabled again: taken again");
    assert!(store.remove_account("b").await.expect("remove"));
    fleet.round().await;
    assert!(!store.holds_lease(&id, "b").await.expect("holds"), "a removed account's lease is let go");
    assert!(fleet.watched.get("b").is_none_or(|w| w.stopping.is_some()), "its workers stop");
    fleet.stop_all().await;
}

/// An account whose workers failed for good on this worker is not kept leased (held
/// and unwatched, nobody would watch it): its lease is let go for another worker.
#[tokio::test]
async fn an_account_failed_for_good_here_is_let_go_not_renewed() {
    let store = TestStore::postgres().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (stopper, mut fleet, id) = holding_b(&store, &config).await;
    fleet.stop("b", "test");
    fleet.failed.insert("b".into());
    fleet.round().await;
    assert!(!store.holds_lease(&id, "b").await.expect("holds"), "a failed account's lease is released");
    stopper.stop();
    fleet.stop_all().await;
}

/// Each start of a worker is another name in the leases: its host and pid (as `status`
/// shows them), then a nonce, so a pid reused after a restart is another worker.
#[test]
fn a_workers_name_is_its_host_and_pid_and_another_at_each_start() {
    let (first, second) = (worker_id(), worker_id());
    let host_and_pid = format!("{}:", super::super::status::worker_name());
    for name in [&first, &second] {
        let nonce = name.strip_prefix(&host_and_pid).unwrap_or_else(|| panic!("{name} names {host_and_pid}"));
        assert!(nonce.len() == 8 && nonce.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    }
    assert_ne!(first, second);
}

/// An account asked to stop is given `SHUTDOWN_GRACE` for its batch in flight, no more.
#[test]
fn workers_asked_to_stop_are_aborted_only_past_their_grace() {
    let now = Instant::now();
    let ago = |d: Duration| Some(now.checked_sub(d).expect("the machine has been up longer"));
    let grace = crate::app::SHUTDOWN_GRACE;
    assert!(!past_grace(None, now), "not asked to stop");
    assert!(!past_grace(Some(now), now), "just asked");
    assert!(!past_grace(ago(grace), now), "the grace is not over yet");
    assert!(past_grace(ago(grace + Duration::from_millis(1)), now));
}

/// A held account whose server this worker has not reached for `GIVE_UP_AFTER` is let go
/// while another worker lives (alone, the worker keeps it), and is not taken back here
/// during the back-off; after it, it is forgotten and may be.
#[tokio::test]
async fn an_account_unreachable_here_is_let_go_and_not_taken_back_during_the_back_off() {
    let store = TestStore::sqlite().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (stopper, mut fleet) = watching_b(&store, &config).await;
    let (held, none) = (["b".to_string()], Vec::<String>::new());
    assert_eq!(fleet.unreachable(&held, 2), none, "just taken: maybe a short outage");
    let past = |d: Duration| Instant::now().checked_sub(d).expect("the machine has been up longer");
    fleet.watched.get_mut("b").expect("watched").reach = Arc::new(Reach::new(past(reach::GIVE_UP_AFTER)));
    assert_eq!(fleet.unreachable(&held, 1), none, "alone: nobody to hand it to");
    assert!(fleet.let_go.is_empty());
    assert_eq!(fleet.unreachable(&held, 2), ["b"], "failing long enough, another worker lives");
    assert!(fleet.let_go.contains_key("b"), "remembered");
    assert_eq!(fleet.unreachable(&[], 2), ["b"], "let go: not taken back during the back-off");
    fleet.let_go.insert("b".into(), past(reach::BACK_OFF));
    assert_eq!(fleet.unreachable(&[], 2), none, "the back-off is over");
    assert!(fleet.let_go.is_empty(), "and forgotten");
    stopper.stop();
    fleet.stop_all().await;
}

/// A worker that panicked is a failure of its account (not started again, and told at
/// exit); one aborted at stop, past its grace, is none.
#[tokio::test]
async fn a_worker_that_panicked_is_a_failure_and_one_aborted_is_not() {
    let store = TestStore::sqlite().await;
    let config = Config::parse("").expect("an empty configuration");
    let (_stopper, mut fleet) = fleet_on(&store, &config).await;
    fleet.tasks.spawn(std::future::pending::<Ended>()).abort();
    let joined = fleet.tasks.join_next().await;
    fleet.ended(joined);
    assert!(fleet.failures.is_empty(), "aborted: {:?}", fleet.failures);
    fleet.tasks.spawn(async { panic!("a bug in a worker") });
    let joined = fleet.tasks.join_next().await;
    fleet.ended(joined);
    let panicked = matches!(fleet.failures.as_slice(), [(_, _, Err(WorkerError::Panicked(_)))]);
    assert!(panicked, "{:?}", fleet.failures);
}

/// On a database of its own, an account that failed for good ends the process only once
/// no other account's worker runs: the others go on watching, then the process ends so a
/// service manager sees it.
#[tokio::test]
async fn a_failed_account_ends_the_process_only_once_no_other_worker_runs() {
    let store = TestStore::sqlite().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (stopper, mut fleet) = watching_b(&store, &config).await;
    fleet.failed.insert("another".into());
    let still = tokio::time::timeout(Duration::from_millis(500), fleet.run()).await;
    assert!(still.is_err(), "b's workers still run: the process goes on");
    fleet.stop("b", "test");
    let ended = tokio::time::timeout(Duration::from_secs(10), fleet.run()).await;
    assert!(ended.is_ok(), "nothing runs and an account failed: the process ends");
    assert!(fleet.tasks.is_empty());
    stopper.stop();
}

/// Stopping waits for the workers (the batch in flight finishes) and aborts, after the
/// grace, one still waiting on a server: nothing runs on, nothing is left watched, and
/// stopping is no failure.
#[tokio::test]
async fn stopping_ends_every_worker_within_the_grace() {
    let store = TestStore::sqlite().await;
    let config = Config::parse(ALLOW_TEST_VAR).expect("a config allowing the test's variable");
    let (_stopper, mut fleet) = watching_b(&store, &config).await;
    // A worker that never answers its stop, as one waiting on a stalled server.
    fleet.tasks.spawn(std::future::pending::<Ended>());
    let started = Instant::now();
    fleet.stop_all().await;
    assert!(
        started.elapsed() < crate::app::SHUTDOWN_GRACE + Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(fleet.tasks.is_empty(), "every worker ended");
    assert!(fleet.watched.is_empty(), "nothing left watched");
    assert!(fleet.failures.is_empty(), "{:?}", fleet.failures);
}
