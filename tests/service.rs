//! `scamguard run` against a real Dovecot: threats moved exactly once, ham untouched and
//! unread, restarts, IDLE, servers without MOVE or UIDPLUS, UIDVALIDITY changes,
//! interrupted moves, dry runs, and clear errors for a wrong password or certificate.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use scamguard::app::{self, RunOptions};
use scamguard::config::Config;
use scamguard::imap::{self, ImapSession};
use scamguard::store::{Action, Category, HistoryFilter, Store, Verdict};

use super::postgres::on_both_backends;
use super::support::dovecot::{Dovecot, Options};

pub const THREATS: [&str; 3] = [
    "en_extortion_split_wallet_self_sent.eml",
    "ja_extortion_iso2022jp_password.eml",
    "en_phishing_link_shows_brand.eml",
];
pub const HAM: [&str; 3] =
    ["ham_en_colleague_video_call.eml", "ham_ja_order_shipped.eml", "ham_en_newsletter_tip_address.eml"];

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(super::fixtures().join(name)).expect("fixture")
}

pub fn message_id(raw: &[u8]) -> String {
    scamguard::mail::parse(raw).expect("fixture parses").message_id.unwrap_or_default()
}

pub fn load(config: &Path) -> Config {
    Config::load(config).expect("test config is valid").0
}

/// A session as the test user, for setting up and inspecting the mailbox.
pub async fn mailbox(config: &Config) -> ImapSession {
    imap::connect(config.accounts.first().expect("one account")).await.expect("test login")
}

pub async fn append_all(session: &mut ImapSession, folder: &str, names: &[&str]) {
    for name in names {
        session.append(folder, None, &fixture(name)).await.expect("append");
    }
}

/// Message-ID → flags of every message in `folder`.
pub async fn contents(session: &mut ImapSession, folder: &str) -> BTreeMap<String, Vec<String>> {
    session.select(folder).await.expect("select");
    let flags: BTreeMap<u32, Vec<String>> = session.all_flags().await.expect("flags").into_iter().collect();
    let uids: Vec<u32> = flags.keys().copied().collect();
    let messages = session.fetch(&uids, 1 << 20).await.expect("fetch").messages;
    messages.iter().map(|m| (message_id(&m.raw), flags.get(&m.uid).cloned().unwrap_or_default())).collect()
}

pub fn ids(names: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = names.iter().map(|n| message_id(&fixture(n))).collect();
    ids.sort();
    ids
}

pub async fn run_once(config: &Config) -> app::RunReport {
    let store = Arc::new(Store::open_at(&app::database(config)).await.expect("store"));
    run_bounded(config, store, RunOptions { once: true, ..Default::default() }).await
}

/// How long a single pass over a test mailbox may take before the test fails: passes take
/// seconds; one that never ends (a `--once` that keeps watching) must fail, not hang.
const ONE_PASS_LIMIT: Duration = Duration::from_secs(120);

/// `app::run` with `options` (a single pass: `once` must be set), failing the test if it
/// has not returned within [`ONE_PASS_LIMIT`].
pub async fn run_bounded(config: &Config, store: Arc<Store>, options: RunOptions) -> app::RunReport {
    assert!(options.once, "only a single pass ends by itself");
    let pass = app::run(config, store, options, app::Shutdown::never());
    tokio::time::timeout(ONE_PASS_LIMIT, pass)
        .await
        .unwrap_or_else(|_| panic!("run --once did not return within {ONE_PASS_LIMIT:?}"))
}

pub async fn history(config: &Config) -> Vec<scamguard::store::Detection> {
    let store = Store::open_unlocked_at(&app::database(config)).await.expect("store");
    store.history(&HistoryFilter::default()).await.expect("history")
}

#[tokio::test(flavor = "multi_thread")]
async fn threats_move_to_junk_and_ham_stays_unread() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    append_all(&mut session, "INBOX", &HAM).await;

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);

    let inbox = contents(&mut session, "INBOX").await;
    let junk = contents(&mut session, "Junk").await;
    assert_eq!(inbox.keys().cloned().collect::<Vec<_>>(), ids(&HAM));
    assert_eq!(junk.keys().cloned().collect::<Vec<_>>(), ids(&THREATS));
    for (id, flags) in &inbox {
        assert!(!flags.iter().any(|f| f == "\\Seen"), "reading must not mark {id} seen: {flags:?}");
    }
    let rows = history(&config).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.action == Action::Moved && r.destination == "Junk" && r.verdict == Verdict::Threat),
        "{rows:?}"
    );
}

on_both_backends! {
async fn a_second_run_moves_nothing_twice(backend) {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let _database = backend.configure(&config_path);
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..2]).await;
    append_all(&mut session, "INBOX", &HAM[..1]).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert!(run_once(&config).await.failures.is_empty());

    append_all(&mut session, "INBOX", &THREATS[2..]).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "Junk").await.len(), 3, "each threat is in Junk once");
    assert_eq!(contents(&mut session, "INBOX").await.len(), 1);
    assert_eq!(history(&config).await.len(), 3, "one row per message, however many runs");
}
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_records_and_moves_nothing() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("dry_run = true\n"));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "INBOX").await.len(), 3);
    assert!(contents(&mut session, "Junk").await.is_empty());
    assert!(history(&config).await.iter().all(|r| r.action == Action::DryRun));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_move_the_copy_is_expunged_by_uid_only() {
    let dovecot = Dovecot::start(Options { hide: vec!["MOVE"], ..Options::default() });
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    // Another client's message marked \Deleted but not yet expunged: it must survive.
    session.append("INBOX", Some("(\\Deleted)"), &fixture(HAM[0])).await.expect("append");
    assert!(!session.has("MOVE") && session.has("UIDPLUS"));

    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert_eq!(inbox.keys().cloned().collect::<Vec<_>>(), ids(&HAM[..1]), "only our UID was expunged");
    assert_eq!(contents(&mut session, "Junk").await.keys().cloned().collect::<Vec<_>>(), ids(&THREATS[..1]));
    assert!(history(&config).await.iter().all(|r| r.action == Action::Moved));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_move_or_uidplus_nothing_is_expunged() {
    let dovecot = Dovecot::start(Options { hide: vec!["MOVE", "UIDPLUS"], ..Options::default() });
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    let original = inbox.get(&message_id(&fixture(THREATS[0]))).expect("original kept");
    assert!(
        original.iter().any(|f| f == "\\Deleted"),
        "marked for the user's client to expunge: {original:?}"
    );
    assert_eq!(contents(&mut session, "Junk").await.len(), 1);
    assert!(history(&config).await.iter().all(|r| r.action == Action::Copied));
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_picks_up_a_message_appended_by_another_connection() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let service = Service::start(&config).await;
    let mut session = mailbox(&config).await;
    // Give the worker time to reach IDLE with an empty inbox.
    tokio::time::sleep(Duration::from_millis(500)).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let moved = wait_until(&mut session, "Junk", 1).await;
    let report = service.stop().await;
    assert!(moved, "the threat reached Junk while the service idled");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

on_both_backends! {
async fn uidvalidity_change_rescans_without_duplicates(backend) {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("folders = [\"Work\"]\nsuspicious_keyword = \"$Suspicious\"\n");
    let _database = backend.configure(&config_path);
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    session.create("Work").await.expect("create");
    append_all(&mut session, "Work", &THREATS[..1]).await;
    assert!(run_once(&config).await.failures.is_empty());
    let first = history(&config).await.len();

    // Recreate the folder: new UIDVALIDITY. The same threat comes back (a restore from
    // backup, say) beside a new one.
    session.select("INBOX").await.expect("select inbox");
    session.delete("Work").await.expect("delete");
    session.create("Work").await.expect("create again");
    append_all(&mut session, "Work", &THREATS[..2]).await;
    assert!(run_once(&config).await.failures.is_empty());

    let rows = history(&config).await;
    assert_eq!(rows.len(), first + 1, "only the new threat is recorded: {rows:?}");
    let work = contents(&mut session, "Work").await;
    assert_eq!(
        work.keys().cloned().collect::<Vec<_>>(),
        ids(&THREATS[..1]),
        "the known message is left where the user put it"
    );
}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_and_an_untrusted_certificate_are_clear_errors() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    std::fs::write(dovecot.dir().join("password.txt"), "wrong-password\n").expect("write");
    let config = load(&config_path);
    let error = imap::connect(config.accounts.first().expect("account")).await.err().expect("refused");
    let text = error.to_string();
    assert!(text.contains("login as alice refused"), "{text}");
    assert!(!text.contains("wrong-password"), "the password never appears in an error");

    let mut untrusted = config.clone();
    if let Some(account) = untrusted.accounts.first_mut() {
        account.ca_file = None;
    }
    let error = imap::connect(untrusted.accounts.first().expect("account")).await.err().expect("refused");
    assert!(error.to_string().contains("certificate"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_works_and_a_missing_starttls_is_refused() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let text = std::fs::read_to_string(&config_path).expect("read");
    let starttls = text
        .replace("tls = \"implicit\"", "tls = \"starttls\"")
        .replace(&format!("port = {}", dovecot.imaps_port), &format!("port = {}", dovecot.imap_port));
    std::fs::write(&config_path, starttls).expect("write");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    assert!(session.select("INBOX").await.is_ok());

    // A server that never offers STARTTLS: a listener that greets and refuses.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        if let Ok((socket, _)) = listener.accept().await {
            let (read, mut write) = socket.into_split();
            let _ = write.write_all(b"* OK [CAPABILITY IMAP4rev1] plaintext only\r\n").await;
            let mut lines = BufReader::new(read).lines();
            if let Ok(Some(line)) = lines.next_line().await {
                let tag = line.split_whitespace().next().unwrap_or("*").to_string();
                let _ = write.write_all(format!("{tag} BAD STARTTLS not supported\r\n").as_bytes()).await;
            }
        }
    });
    let mut account = config.accounts.first().expect("account").clone();
    account.port = port;
    let error = imap::connect(&account).await.err().expect("refused");
    assert!(error.to_string().contains("does not offer STARTTLS"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_reconnects_after_the_server_restarts() {
    let mut dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let service = Service::start(&config).await;
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(wait_until(&mut session, "Junk", 1).await, "first threat moved");

    dovecot.restart();
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[1..2]).await;
    assert!(wait_until(&mut session, "Junk", 2).await, "the worker came back and moved the second threat");
    assert!(contents(&mut session, "INBOX").await.is_empty());

    let report = service.stop().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(history(&config).await.len(), 2);
}

/// Waits up to 40 s (a loaded CI machine) for `folder` to hold `count` messages (a folder that does not exist
/// holds none).
pub async fn wait_until(session: &mut ImapSession, folder: &str, count: usize) -> bool {
    for _ in 0..400 {
        let held = match session.select(folder).await {
            Ok(status) => status.exists as usize,
            Err(_) => 0,
        };
        if held == count {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

on_both_backends! {
async fn interrupted_moves_are_finished_once(backend) {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let _database = backend.configure(&config_path);
    let config = load(&config_path);
    let account = config.accounts.first().expect("account").name.clone();
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    let status = session.select("INBOX").await.expect("select");

    // An earlier run recorded all three moves as planned, then died before moving.
    let store = Store::open_at(&app::database(&config)).await.expect("store");
    let planned: Vec<scamguard::store::NewDetection> = THREATS
        .iter()
        .zip(1u32..)
        .map(|(name, uid)| scamguard::store::NewDetection {
            account: account.clone(),
            folder: "INBOX".into(),
            uidvalidity: status.uidvalidity,
            uid,
            message_id: message_id(&fixture(name)),
            message_key: format!("<{}>", message_id(&fixture(name))),
            verdict: Verdict::Threat,
            category: Category::Extortion,
            action: Action::Planned,
            ..Default::default()
        })
        .collect();
    store.record_batch(&account, &planned, 3, "2026-11-22", 1).await.expect("record");
    let cursor = scamguard::store::Cursor { uidvalidity: status.uidvalidity, last_uid: 3 };
    store.save_cursor(&account, "INBOX", cursor, 1).await.expect("cursor");
    drop(store);

    // Meanwhile another client moved message 1 elsewhere, and message 2 did reach Junk.
    session.create("Elsewhere").await.expect("create");
    session.select("INBOX").await.expect("select");
    session.move_to(&[1], "Elsewhere").await.expect("move away");
    session.move_to(&[2], "Junk").await.expect("move to junk");

    assert!(run_once(&config).await.failures.is_empty());
    let junk = contents(&mut session, "Junk").await;
    assert_eq!(
        junk.keys().cloned().collect::<Vec<_>>(),
        ids(&THREATS[1..]),
        "message 3 moved now, 2 not again"
    );
    assert_eq!(contents(&mut session, "Elsewhere").await.len(), 1, "what another client moved stays there");
    let mut actions: Vec<(String, &str)> =
        history(&config).await.into_iter().map(|r| (r.message_id, r.action.as_str())).collect();
    actions.sort();
    let mut expected = vec![
        (message_id(&fixture(THREATS[0])), "gone"),
        (message_id(&fixture(THREATS[1])), "moved"),
        (message_id(&fixture(THREATS[2])), "moved"),
    ];
    expected.sort();
    assert_eq!(actions, expected);
}
}

#[tokio::test(flavor = "multi_thread")]
async fn without_idle_the_service_polls() {
    let dovecot = Dovecot::start(Options { hide: vec!["IDLE"], ..Options::default() });
    let config = load(&dovecot.write_config("poll_interval = 1\n"));
    let service = Service::start(&config).await;
    let mut session = mailbox(&config).await;
    assert!(!session.has("IDLE"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let moved = wait_until(&mut session, "Junk", 1).await;
    let report = service.stop().await;
    assert!(moved, "the poll found the new threat");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_junk_folder_is_created() {
    let dovecot = Dovecot::start(Options { no_junk: true, ..Options::default() });
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    assert!(!session.list().await.expect("list").iter().any(|f| f.name == "Junk"));
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "Junk").await.len(), 1);
    assert!(contents(&mut session, "INBOX").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_for_another_name_is_refused() {
    let dovecot = Dovecot::start(Options { wrong_certificate_name: true, ..Options::default() });
    let config = load(&dovecot.write_config(""));
    let error = imap::connect(config.accounts.first().expect("account")).await.err().expect("refused");
    let text = error.to_string();
    assert!(text.contains("certificate not valid for name"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_message_is_read_only_in_part() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("max_message_bytes = 1048576\n"));
    let mut huge = fixture(THREATS[0]);
    huge.extend(
        std::iter::repeat_n(b"padding line of an enormous attachment-like body\r\n".as_slice(), 2_000_000)
            .flatten(),
    );
    assert!(huge.len() > 100_000_000);
    let mut session = mailbox(&config).await;
    session.append("INBOX", None, &huge).await.expect("append 100 MB");
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(contents(&mut session, "Junk").await.len(), 1, "classified from its first MiB and moved");
    let rows = history(&config).await;
    assert!(rows.first().is_some_and(|r| r.action == Action::Moved));
}

/// `scamguard run` in the background of a test, as a user would leave it running.
pub struct Service {
    stop: app::Stopper,
    task: tokio::task::JoinHandle<app::RunReport>,
}

impl Service {
    pub async fn start(config: &Config) -> Service {
        let store = Arc::new(Store::open(&config.database).await.expect("store"));
        let (stop, shutdown) = app::shutdown::channel();
        let config = config.clone();
        let task =
            tokio::spawn(async move { app::run(&config, store, RunOptions::default(), shutdown).await });
        Service { stop, task }
    }

    /// Asks it to stop, as SIGTERM does, and waits (at most 15 s) for its report.
    pub async fn stop(self) -> app::RunReport {
        self.stop.stop();
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("stops on request")
            .expect("joins")
    }
}

/// A suspicious mail (here a pharmacy advert, other spam) is recorded and flagged with
/// `suspicious_keyword`, unread, and never moved; ham beside it gets no keyword.
#[tokio::test(flavor = "multi_thread")]
async fn a_suspicious_mail_is_flagged_with_the_keyword_and_left_in_place() {
    const SUSPICIOUS: &str = "en_spam_pharmacy_advert.eml";
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("suspicious_keyword = \"$Suspicious\"\n"));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &[SUSPICIOUS, HAM[0]]).await;
    assert!(run_once(&config).await.failures.is_empty());

    let inbox = contents(&mut session, "INBOX").await;
    let flags = |name: &str| inbox.get(&message_id(&fixture(name))).cloned().expect("still in INBOX");
    let suspicious = flags(SUSPICIOUS);
    assert!(suspicious.iter().any(|f| f == "$Suspicious"), "flagged: {suspicious:?}");
    assert!(!suspicious.iter().any(|f| f == "\\Seen"), "left unread: {suspicious:?}");
    assert!(!flags(HAM[0]).iter().any(|f| f == "$Suspicious"), "ham is not flagged");
    assert!(contents(&mut session, "Junk").await.is_empty(), "nothing moved");
    let rows = history(&config).await;
    assert_eq!(rows.iter().map(|r| r.action).collect::<Vec<_>>(), [Action::Flagged], "{rows:?}");
}
