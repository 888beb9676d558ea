//! A fleet: several `scamguard run` processes on one PostgreSQL database, sharing its
//! stored accounts by leases, against a real Dovecot with a user per account. One worker
//! is killed mid-scan: its accounts are taken over, nothing is lost or moved twice; a
//! worker stopped with SIGTERM lets go of its leases at once; an account added while the
//! fleet runs is watched without a restart, and `status` names each account's holder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use scamguard::config::parse_stored_account;
use scamguard::imap;
use scamguard::store::{Action, HistoryFilter, Lease, Location, Store};

use super::service::{HAM, THREATS, append_all, contents, ids};
use super::support::dovecot::{Dovecot, Options, PASSWORD, user};
use super::support::postgres::Postgres;
use super::support::scamguard;

/// `scamguard run` processes, killed when dropped (a failing test leaves none behind).
pub(crate) struct Workers {
    pub(crate) children: Vec<Child>,
    logs: Vec<PathBuf>,
}

impl Workers {
    pub(crate) fn start(config: &Path, dir: &Path, count: usize) -> Workers {
        let mut workers = Workers { children: Vec::new(), logs: Vec::new() };
        for n in 0..count {
            let log = dir.join(format!("worker{n}.log"));
            let child = scamguard()
                .args(["run", "--config"])
                .arg(config)
                .env("RUST_LOG", "info")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("log file"))
                .spawn()
                .expect("starts");
            workers.children.push(child);
            workers.logs.push(log);
        }
        workers
    }

    fn pid(&self, n: usize) -> u32 {
        self.children[n].id()
    }

    pub(crate) fn logs(&self) -> String {
        self.logs
            .iter()
            .map(|l| std::fs::read_to_string(l).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n---\n")
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The pid in a lease's worker name (host:pid:nonce).
fn pid_of(lease: &Lease) -> u32 {
    lease.worker.rsplit(':').nth(1).and_then(|pid| pid.parse().ok()).unwrap_or(0)
}

/// Live (unexpired) leases, counted by the pid of their holder.
async fn held_by_pid(store: &Store) -> BTreeMap<u32, usize> {
    let mut held = BTreeMap::new();
    for lease in store.leases().await.expect("leases").iter().filter(|l| !l.expired.0) {
        *held.entry(pid_of(lease)).or_default() += 1;
    }
    held
}

/// Waits up to `limit` for `check`, every half second.
pub(crate) async fn wait_for<F: AsyncFnMut() -> bool>(limit: Duration, mut check: F) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    check().await
}

/// An account's settings as `accounts add` takes them: a Dovecot user, the password by file.
fn settings(dovecot: &Dovecot, n: usize) -> String {
    let dir = dovecot.dir().display();
    format!(
        "name = \"{u}\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"implicit\"\nusername = \"{u}\"\n\
         password_file = \"{dir}/password.txt\"\nca_file = \"{dir}/cert.pem\"\ninitial_scan = \"all\"\n\
         command_timeout = 10\n",
        u = user(n),
        port = dovecot.imaps_port
    )
}

/// Adds account `n` with `scamguard accounts add`, after putting mail in its INBOX.
async fn add_account(dovecot: &Dovecot, config: &Path, n: usize) {
    let text = settings(dovecot, n);
    let mut session = imap::connect(&parse_stored_account(&text).expect("valid")).await.expect("login");
    append_all(&mut session, "INBOX", &THREATS).await;
    append_all(&mut session, "INBOX", &HAM).await;
    session.logout().await;
    store_account(dovecot, config, n);
}

/// Adds account `n` with `scamguard accounts add`.
fn store_account(dovecot: &Dovecot, config: &Path, n: usize) {
    let text = settings(dovecot, n);
    let file = dovecot.dir().join(format!("{}.toml", user(n)));
    std::fs::write(&file, text).expect("settings");
    let added =
        scamguard().args(["accounts", "add", "--config"]).arg(config).arg(&file).output().expect("runs");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
}

/// Whether every account's threats are in its Junk once and its ham in INBOX.
async fn all_handled(dovecot: &Dovecot, accounts: usize) -> Result<(), String> {
    for n in 0..accounts {
        let account = parse_stored_account(&settings(dovecot, n)).expect("valid");
        let mut session = imap::connect(&account).await.map_err(|e| e.to_string())?;
        let junk: Vec<String> = contents(&mut session, "Junk").await.into_keys().collect();
        let inbox: Vec<String> = contents(&mut session, "INBOX").await.into_keys().collect();
        session.logout().await;
        if junk != ids(&THREATS) || inbox != ids(&HAM) {
            return Err(format!("{}: Junk {junk:?}, INBOX {inbox:?}", user(n)));
        }
    }
    Ok(())
}

/// Prints the figures the README quotes: each live worker's resident memory, and the
/// database's transactions per second while watching idle mailboxes, over 10 s, or 90 s
/// for a large fleet (idle backends report their counts up to 10 s late, so a short
/// window is noise).
async fn measure(store: &Store, url: &str, live: &[u32], accounts: usize) {
    let window: u64 = if accounts >= 100 { 90 } else { 10 };
    let rss: Vec<String> = live
        .iter()
        .map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: ?").to_string()
        })
        .collect();
    let sql = "SELECT CAST(xact_commit + xact_rollback AS BIGINT) FROM pg_stat_database WHERE datname = current_database()";
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.expect("connects");
    let mut count = async || -> i64 { sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap_or(0) };
    let before = count().await;
    tokio::time::sleep(Duration::from_secs(window)).await;
    let per_second = (count().await - before) as f64 / window as f64;
    let held = held_by_pid(store).await;
    eprintln!(
        "fleet of {accounts}: workers hold {held:?}; {rss:?}; {per_second:.1} transactions/s idle over {window} s"
    );
}

/// Waits up to `limit` for [`all_handled`]; its last answer.
async fn wait_handled(dovecot: &Dovecot, accounts: usize, limit: Duration) -> Result<(), String> {
    let mut last = Err(String::new());
    wait_for(limit, async || {
        last = all_handled(dovecot, accounts).await;
        last.is_ok()
    })
    .await;
    last
}

const ACCOUNTS: usize = 30;

#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_splits_accounts_takes_over_a_killed_worker_and_moves_each_scam_once() {
    fleet(ACCOUNTS).await;
}

/// The figure: 300 accounts on 3 workers (`cargo test --test tests fleet_of_300
/// -- --ignored`; minutes, not seconds).
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn fleet_of_300() {
    fleet(300).await;
}

/// A Dovecot with `users` users, a fresh PostgreSQL database, and a configuration naming
/// only the database (the accounts are stored), reports on `schedule`.
fn setup(users: usize, schedule: &str) -> (std::sync::Arc<Postgres>, String, Dovecot, PathBuf) {
    let server = Postgres::shared();
    let url = server.new_database();
    let dovecot = Dovecot::start(Options { users, ..Options::default() });
    let password = dovecot.dir().join("password.txt");
    std::fs::write(&password, format!("{PASSWORD}\n")).expect("password");
    std::fs::set_permissions(
        &password,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )
    .expect("chmod");
    let config = dovecot.dir().join("fleet.toml");
    let text = format!(
        "[database]\nurl = \"{url}\"\nstored_secrets = [\"file:{}\"]\n\n[report]\nschedule = \"{schedule}\"\n",
        dovecot.dir().display()
    );
    std::fs::write(&config, text).expect("config");
    std::fs::set_permissions(
        &config,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )
    .expect("chmod");
    (server, url, dovecot, config)
}

async fn fleet(accounts: usize) {
    let (_server, url, dovecot, config) = setup(accounts + 1, "off");
    for n in 0..accounts {
        add_account(&dovecot, &config, n).await;
    }
    let store = Store::open_unlocked_at(&Location::Postgres(url.clone())).await.expect("store");

    let workers = Workers::start(&config, dovecot.dir(), 3);
    let mut workers = workers;
    // Mid-scan: as soon as the first moves are made, the worker holding most dies.
    let started = wait_for(Duration::from_secs(60), async || {
        store.history(&HistoryFilter::default()).await.is_ok_and(|rows| !rows.is_empty())
    })
    .await;
    assert!(started, "nothing moved\n{}", workers.logs());
    let held = held_by_pid(&store).await;
    let (&victim, _) = held.iter().max_by_key(|(_, count)| **count).expect("a holder");
    let index = (0..3).find(|&n| workers.pid(n) == victim).expect("one of ours");
    workers.children[index].kill().expect("SIGKILL");
    let killed_at = Instant::now();
    let survivors: Vec<u32> = (0..3).filter(|&n| n != index).map(|n| workers.pid(n)).collect();

    // Its accounts resume on the others: every lease held by a survivor.
    let taken_over = wait_for(Duration::from_secs(50), async || {
        let held = held_by_pid(&store).await;
        held.values().sum::<usize>() == accounts && held.keys().all(|pid| survivors.contains(pid))
    })
    .await;
    let takeover = killed_at.elapsed();
    assert!(taken_over, "not taken over: {:?}\n{}", held_by_pid(&store).await, workers.logs());
    // At most the 20 s expiry and one 5 s round (the bound is 30 s), with 5 s
    // for a loaded machine.
    assert!(takeover < Duration::from_secs(30), "takeover took {takeover:?}");
    eprintln!("fleet of {accounts}: takeover in {:.1} s", takeover.as_secs_f32());

    // Balanced: no survivor holds more than 1.5 times the mean share.
    let balanced = wait_for(Duration::from_secs(20), async || {
        let held = held_by_pid(&store).await;
        held.values().all(|&count| count * 2 * 2 <= accounts * 3) && held.values().sum::<usize>() == accounts
    })
    .await;
    assert!(balanced, "unbalanced: {:?}", held_by_pid(&store).await);

    // `status` says which worker holds which account, and since when.
    let status = scamguard().args(["status", "--config"]).arg(&config).output().expect("runs");
    let text = String::from_utf8_lossy(&status.stdout);
    for lease in store.leases().await.expect("leases").iter().filter(|l| !l.expired.0) {
        let line = format!("{}: held by {} since ", lease.account, lease.worker);
        assert!(text.contains(&line), "{line:?} in {text}");
    }

    // Nothing lost, nothing doubled, and the history agrees with the mailboxes.
    let handled = wait_handled(&dovecot, accounts, Duration::from_secs(60)).await;
    assert!(handled.is_ok(), "{handled:?}\n{}", workers.logs());
    let rows =
        store.history(&HistoryFilter { limit: Some(100_000), ..Default::default() }).await.expect("history");
    let moved: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.action == Action::Moved)
        .map(|r| (r.account.as_str(), r.message_id.as_str()))
        .collect();
    assert_eq!(moved.len(), accounts * THREATS.len(), "one moved row per scam: {} rows", rows.len());
    let mut distinct = moved.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), moved.len(), "no scam recorded twice");

    measure(&store, &url, &survivors, accounts).await;

    // An account added while the fleet runs is watched without a restart.
    add_account(&dovecot, &config, accounts).await;
    let picked_up = wait_handled(&dovecot, accounts + 1, Duration::from_secs(30)).await;
    assert!(picked_up.is_ok(), "the added account was not watched: {picked_up:?}\n{}", workers.logs());

    // SIGTERM lets go of the leases at once.
    let stopping = (0..3).find(|&n| n != index).expect("a survivor");
    let pid = workers.pid(stopping);
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).expect("pid"),
        rustix::process::Signal::TERM,
    )
    .expect("SIGTERM");
    let status = workers.children[stopping].wait().expect("ends");
    assert!(status.success(), "{status:?}\n{}", workers.logs());
    let released = store.leases().await.expect("leases").iter().all(|l| pid_of(l) != pid);
    assert!(released, "SIGTERM released every lease: {:?}", store.leases().await);
}

/// Each account's weekly report is delivered once across the fleet: two workers started
/// together, then both restarted, leave exactly one report in every INBOX (the report is
/// sent by the account's lease holder, its delivery claimed in the shared database).
#[tokio::test(flavor = "multi_thread")]
async fn the_weekly_report_is_delivered_once_per_account_across_the_fleet() {
    const REPORTED: usize = 4;
    let (_server, _url, dovecot, config) = setup(REPORTED, "monday 09:00");
    for n in 0..REPORTED {
        store_account(&dovecot, &config, n);
    }
    let reports = async |dovecot: &Dovecot| -> Vec<usize> {
        let mut counts = Vec::new();
        for n in 0..REPORTED {
            let account = parse_stored_account(&settings(dovecot, n)).expect("valid");
            let mut session = imap::connect(&account).await.expect("login");
            let inbox = contents(&mut session, "INBOX").await;
            counts.push(inbox.keys().filter(|id| id.starts_with("scamguard-report-")).count());
            session.logout().await;
        }
        counts
    };
    for start in 0..2 {
        let mut workers = Workers::start(&config, dovecot.dir(), 2);
        let delivered =
            wait_for(Duration::from_secs(30), async || reports(&dovecot).await.iter().all(|&n| n >= 1)).await;
        assert!(delivered, "start {start}: {:?}\n{}", reports(&dovecot).await, workers.logs());
        // Two rounds more: the workers rebalance, and a second delivery would show.
        tokio::time::sleep(scamguard::app::fleet::ROUND * 2 + Duration::from_secs(1)).await;
        for n in 0..2 {
            let pid = rustix::process::Pid::from_raw(workers.pid(n) as i32).expect("pid");
            rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
            workers.children[n].wait().expect("ends");
        }
        assert_eq!(
            reports(&dovecot).await,
            [1; REPORTED],
            "start {start}: one report per account\n{}",
            workers.logs()
        );
    }
}

/// A worker whose lease was taken while it watched moves nothing: mail that arrives
/// after the lease went to another worker is recorded as planned, and left for the new
/// holder (its move batch checks the lease first).
/// One worker on a PostgreSQL database, watching one Dovecot account.
struct OneWorker {
    workers: Workers,
    store: Store,
    config: scamguard::config::Config,
    url: String,
    _database: super::postgres::Database,
    _dovecot: Dovecot,
}

impl OneWorker {
    async fn start() -> OneWorker {
        let dovecot = Dovecot::start(Options::default());
        let config_path = dovecot.write_config("");
        let database = super::postgres::Backend::Postgres.configure(&config_path);
        let config = super::service::load(&config_path);
        let url = config.database_url.as_ref().expect("a PostgreSQL URL").expose().to_string();
        let store = Store::open_unlocked_at(&Location::Postgres(url.clone())).await.expect("store");
        let workers = Workers::start(&config_path, dovecot.dir(), 1);
        OneWorker { workers, store, config, url, _database: database, _dovecot: dovecot }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_lost_its_lease_moves_nothing() {
    let one = OneWorker::start().await;
    let (config, url, store, workers) = (&one.config, &one.url, &one.store, &one.workers);
    let held =
        wait_for(Duration::from_secs(20), async || held_by_pid(store).await.get(&workers.pid(0)) == Some(&1))
            .await;
    assert!(held, "{}", workers.logs());
    // Connected and waiting for mail (its first pass recorded).
    let waiting = wait_for(Duration::from_secs(20), async || {
        store.folder_states(0).await.is_ok_and(|states| states.iter().any(|s| s.last_pass_at.is_some()))
    })
    .await;
    assert!(waiting, "{}", workers.logs());

    // Another worker takes the lease (as after this one was stuck past its expiry), and
    // a scam arrives at once: this worker reads it before its next round.
    let sql = "UPDATE leases SET worker = 'thief:1:0', expires_at = expires_at + 3600";
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.expect("connects");
    sqlx::query(sql).execute(&mut conn).await.expect("steal");
    let mut session = super::service::mailbox(config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let recorded = wait_for(Duration::from_secs(20), async || {
        store.history(&HistoryFilter::default()).await.is_ok_and(|rows| !rows.is_empty())
    })
    .await;
    assert!(recorded, "the scam was read and recorded\n{}", workers.logs());
    tokio::time::sleep(scamguard::app::fleet::ROUND + Duration::from_secs(1)).await;
    let inbox: Vec<String> = contents(&mut session, "INBOX").await.into_keys().collect();
    assert_eq!(inbox, ids(&THREATS[..1]), "not moved\n{}", workers.logs());
    assert!(contents(&mut session, "Junk").await.is_empty());
    let rows = store.history(&HistoryFilter::default()).await.expect("history");
    assert!(rows.iter().all(|r| r.action == Action::Planned), "left planned for the holder: {rows:?}");
}

/// Rows a worker planned and could not move (it lost its lease mid-batch: a rebalance
/// when a worker joins, or a stall) are finished by the holder on its next pass, not only
/// at its next connect: a holder already connected read them as handled and left the scam
/// in INBOX while its connection lasted. Here a planned row as another worker leaves it
/// is written for a scam about to arrive, while the holder waits in IDLE.
#[tokio::test(flavor = "multi_thread")]
async fn moves_left_planned_by_a_worker_that_lost_its_lease_are_finished_by_a_connected_holder() {
    let one = OneWorker::start().await;
    let (config, store, workers) = (&one.config, &one.store, &one.workers);
    let waiting = wait_for(Duration::from_secs(20), async || {
        store.folder_states(0).await.is_ok_and(|states| states.iter().any(|s| s.last_pass_at.is_some()))
    })
    .await;
    assert!(waiting, "{}", workers.logs());
    // What a worker that lost its lease leaves: the scam recorded as planned, not moved.
    let key = format!("<{}>", ids(&THREATS[..1])[0].trim_matches(['<', '>']));
    let mut session = super::service::mailbox(config).await;
    let inbox = session.select("INBOX").await.expect("select");
    let left = scamguard::store::NewDetection {
        account: config.accounts[0].name.clone(),
        folder: "INBOX".into(),
        uidvalidity: inbox.uidvalidity,
        uid: inbox.uid_next,
        message_key: key,
        verdict: scamguard::store::Verdict::Threat,
        category: scamguard::store::Category::Extortion,
        action: Action::Planned,
        ..Default::default()
    };
    store
        .record_batch(&left.account, std::slice::from_ref(&left), 1, "2026-11-28", 1)
        .await
        .expect("planned");
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let moved =
        wait_for(Duration::from_secs(15), async || contents(&mut session, "Junk").await.len() == 1).await;
    assert!(moved, "the planned scam is still in INBOX\n{}", workers.logs());
}

/// A worker that reaches the database but not the account's IMAP server (here its
/// configuration names a closed port) lets the account go once its connection has failed
/// for `reach::GIVE_UP_AFTER`, and a worker that reaches the server takes it and moves its
/// scams: it is not renewed for ever, unwatched.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_cannot_reach_the_server_hands_the_account_to_one_that_can() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let _database = super::postgres::Backend::Postgres.configure(&config_path);
    let config = super::service::load(&config_path);
    let url = config.database_url.as_ref().expect("a PostgreSQL URL").expose().to_string();
    let store = Store::open_unlocked_at(&Location::Postgres(url)).await.expect("store");
    let mut session = super::service::mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;

    // The same account, as a worker whose network cannot reach the server sees it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let text = std::fs::read_to_string(&config_path).expect("config");
    let cut_off = dovecot.dir().join("cut-off.toml");
    let text = text.replace(&format!("port = {}", dovecot.imaps_port), &format!("port = {closed}"));
    std::fs::write(&cut_off, text).expect("config");
    let cut_dir = dovecot.dir().join("cut-off");
    std::fs::create_dir(&cut_dir).expect("dir");
    let unreachable = Workers::start(&cut_off, &cut_dir, 1);
    let held = wait_for(Duration::from_secs(20), async || {
        held_by_pid(&store).await.get(&unreachable.pid(0)) == Some(&1)
    })
    .await;
    assert!(held, "{}", unreachable.logs());

    let healthy = Workers::start(&config_path, dovecot.dir(), 1);
    let limit = scamguard::app::reach::GIVE_UP_AFTER + scamguard::app::fleet::ROUND * 4;
    let moved = wait_for(limit, async || contents(&mut session, "Junk").await.len() == THREATS.len()).await;
    assert!(moved, "{}\n---\n{}", unreachable.logs(), healthy.logs());
    assert_eq!(held_by_pid(&store).await.get(&healthy.pid(0)), Some(&1), "{}", healthy.logs());
    assert!(unreachable.logs().contains("letting another worker try it"), "{}", unreachable.logs());
}

/// A server without MOVE nor UIDPLUS: a move is a COPY to Junk and `\Deleted` on the
/// original, which stays until the user's client expunges. A worker stalls after planning
/// a move (here the server holds its existence check) while another worker takes the
/// account over and moves the message; when it resumes it must not copy the original,
/// flagged `\Deleted`, a second time: it checks its lease after the server answered and
/// never copies a message so flagged.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_stalled_before_its_copy_while_another_moved_the_message_copies_nothing() {
    use super::support::proxy::{Fault, Proxy, Rule};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let dovecot = Dovecot::start(Options { hide: vec!["MOVE", "UIDPLUS"], ..Options::default() });
    let direct = super::service::load(&dovecot.write_config(""));
    let proxy = Proxy::start(dovecot.imap_port).await;
    let config_path = proxy.write_config(&dovecot, "");
    let _database = super::postgres::Backend::Postgres.configure(&config_path);
    let config = super::service::load(&config_path);
    let url = config.database_url.as_ref().expect("a PostgreSQL URL").expose().to_string();
    let store = Arc::new(Store::open_unlocked_at(&Location::Postgres(url.clone())).await.expect("store"));
    let mut session = super::service::mailbox(&direct).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;

    // The first search once the move is planned is the stalled worker's last look before
    // its COPY: meanwhile the account's lease goes to another worker, which moves it.
    let (fired, planned) = (Arc::new(AtomicBool::new(false)), Arc::clone(&store));
    let (hook_fired, account) = (Arc::clone(&fired), direct.accounts[0].clone());
    proxy.add(Rule::always(
        "UID SEARCH",
        Fault::Before(Arc::new(move || {
            let (fired, store, account, url) =
                (Arc::clone(&hook_fired), Arc::clone(&planned), account.clone(), url.clone());
            Box::pin(async move {
                let rows = store.history(&HistoryFilter::default()).await.expect("history");
                if rows.is_empty() || fired.swap(true, Ordering::SeqCst) {
                    return;
                }
                let sql = "UPDATE leases SET worker = 'other:1:0', expires_at = expires_at + 3600";
                let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.expect("connects");
                sqlx::query(sql).execute(&mut db).await.expect("take over");
                let mut other = imap::connect(&account).await.expect("login");
                other.select("INBOX").await.expect("select");
                assert_eq!(other.move_to(&[1], "Junk").await.expect("moved"), imap::MoveMethod::CopyFlag);
                other.logout().await;
            })
        })),
    ));
    let workers = Workers::start(&config_path, dovecot.dir(), 1);
    let stalled = wait_for(Duration::from_secs(30), async || fired.load(Ordering::SeqCst)).await;
    assert!(stalled, "the move was planned and checked\n{}", workers.logs());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let in_junk = session.select("Junk").await.expect("select").exists;
    assert_eq!(in_junk, 1, "one copy in Junk, the other worker's\n{}", workers.logs());
    assert!(workers.logs().contains("lease lost"), "{}", workers.logs());
}
