//! A fleet's database that goes away mid-run: a worker on a PostgreSQL server that stops
//! and starts again (a restart, a failover) moves nothing while it cannot record, and
//! picks up again by itself once the server is back.

use std::time::Duration;

use scamguard::store::{Action, HistoryFilter, Location, Store};

use super::fleet::{Workers, wait_for};
use super::postgres::on_postgres;
use super::service::{THREATS, append_all, contents, ids, load, mailbox};
use super::support::dovecot::{Dovecot, Options};
use super::support::postgres::Postgres;

/// A scam that arrives while the database is down stays where it is (a move is recorded
/// as planned before it is made, and nothing can be recorded); once the server is back
/// the same worker process, not restarted, moves it, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_moves_nothing_while_postgres_is_down_and_resumes_when_it_is_back() {
    let server = Postgres::start();
    let url = server.new_database();
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    on_postgres(&config_path, &url);
    let config = load(&config_path);
    let mut workers = Workers::start(&config_path, dovecot.dir(), 1);
    let store = Store::open_unlocked_at(&Location::Postgres(url.clone())).await.expect("store");
    let waiting = wait_for(Duration::from_secs(30), async || {
        store.folder_states(0).await.is_ok_and(|states| states.iter().any(|s| s.last_pass_at.is_some()))
    })
    .await;
    assert!(waiting, "{}", workers.logs());

    server.stop();
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    // Two lease rounds and more with the database down.
    tokio::time::sleep(scamguard::app::fleet::ROUND * 2 + Duration::from_secs(2)).await;
    assert_eq!(contents(&mut session, "INBOX").await.into_keys().collect::<Vec<_>>(), ids(&THREATS[..1]));
    assert!(contents(&mut session, "Junk").await.is_empty(), "moved without recording\n{}", workers.logs());

    server.start_again();
    let moved =
        wait_for(Duration::from_secs(45), async || contents(&mut session, "Junk").await.len() == 1).await;
    assert!(moved, "not moved once the database was back\n{}\n{}", workers.logs(), server.log());
    assert!(contents(&mut session, "INBOX").await.is_empty());
    assert!(workers.children[0].try_wait().expect("status").is_none(), "the worker kept running");
    let rows = store.history(&HistoryFilter::default()).await.expect("history");
    let moved: Vec<&str> =
        rows.iter().filter(|r| r.action == Action::Moved).map(|r| r.message_id.as_str()).collect();
    assert_eq!(moved.len(), 1, "recorded as moved once: {rows:?}");
}
