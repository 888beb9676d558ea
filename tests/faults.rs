//! Faults: servers that misbehave in ways Dovecot cannot be made to (a scripted fake on
//! loopback: hostile LIST names, an endless line, a stall), a Dovecot killed mid-scan, the
//! scanner killed mid-scan, a database that cannot be written, a Junk folder deleted while
//! running, two instances on one database. After each, every message exists exactly once
//! and the database agrees.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use scamguard::config::Config;
use scamguard::detect::{Detector, Label, classify};
use scamguard::store::{Action, Store};

use super::service::{Service, THREATS, append_all, contents, history, load, mailbox, run_once, wait_until};
use super::support::dovecot::{Dovecot, Options};

/// How the fake server misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    /// LIST returns names with quotes, a CRLF inside a literal, and invalid UTF-8.
    HostileNames,
    /// CAPABILITY is answered with a line that never ends.
    EndlessLine,
    /// After login, nothing is ever answered again, and the connection stays open.
    Stall,
    /// FETCH answers with a literal whose data runs past the length it announced.
    OversizedLiteral,
}

/// Starts a scripted IMAP server on 127.0.0.1 and returns its port.
async fn fake_server(script: Script) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, script));
        }
    });
    port
}

async fn serve(socket: tokio::net::TcpStream, script: Script) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n").await;
    let mut logged_in = false;
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.split_whitespace();
        let tag = words.next().unwrap_or("*").to_string();
        let command = words.map(str::to_ascii_uppercase).collect::<Vec<_>>().join(" ");
        if script == Script::Stall && logged_in {
            continue;
        }
        let reply: Vec<u8> = if command.starts_with("LOGIN") {
            logged_in = true;
            format!("{tag} OK logged in\r\n").into_bytes()
        } else if command.starts_with("CAPABILITY") {
            if script == Script::EndlessLine {
                let _ = write.write_all(b"* CAPABILITY IMAP4rev1 ").await;
                let chunk = vec![b'X'; 64 * 1024];
                for _ in 0..2_000 {
                    if write.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
                return;
            }
            format!("* CAPABILITY IMAP4rev1 UIDPLUS MOVE\r\n{tag} OK\r\n").into_bytes()
        } else if command.starts_with("LIST") {
            let mut reply = b"* LIST (\\HasNoChildren) \"/\" \"we\\\"ird\"\r\n".to_vec();
            reply.extend_from_slice(b"* LIST () \"/\" {11}\r\nline\r\nbreak\r\n");
            reply.extend_from_slice(b"* LIST () \"/\" \"\xff\xfe bad\"\r\n");
            reply.extend_from_slice(b"* LIST () \"/\" INBOX\r\n");
            reply.extend_from_slice(format!("{tag} OK\r\n").as_bytes());
            reply
        } else if command.starts_with("SELECT") && script == Script::OversizedLiteral {
            format!(
                "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 2] x\r\n{tag} OK [READ-WRITE] done\r\n"
            )
            .into_bytes()
        } else if command.starts_with("SELECT") {
            format!(
                "* 0 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 1] x\r\n{tag} OK [READ-WRITE] done\r\n"
            )
            .into_bytes()
        } else if command.starts_with("UID SEARCH") && script == Script::OversizedLiteral {
            format!("* SEARCH 1\r\n{tag} OK\r\n").into_bytes()
        } else if command.starts_with("UID FETCH") {
            let body = "Subject: hi\r\n\r\nthe announced length is a lie and the data goes on and on";
            format!("* 1 FETCH (UID 1 RFC822.SIZE 10 BODY[]<0> {{10}}\r\n{body})\r\n{tag} OK\r\n")
                .into_bytes()
        } else if command.starts_with("UID SEARCH") {
            format!("* SEARCH\r\n{tag} OK\r\n").into_bytes()
        } else if command.starts_with("LOGOUT") {
            let _ = write.write_all(format!("* BYE\r\n{tag} OK\r\n").as_bytes()).await;
            return;
        } else {
            format!("{tag} OK\r\n").into_bytes()
        };
        if write.write_all(&reply).await.is_err() {
            return;
        }
    }
}

fn fake_config(port: u16, dir: &std::path::Path) -> Config {
    let text = format!(
        "[database]\npath = \"{}\"\n[[accounts]]\nname = \"fake\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         username = \"u\"\npassword = \"p\"\ncommand_timeout = 2\nmax_message_bytes = 65536\n",
        dir.join("fake.db").display()
    );
    Config::parse(&text).expect("valid")
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_folder_names_do_not_break_a_pass() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = fake_config(fake_server(Script::HostileNames).await, dir.path());
    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_response_line_is_cut_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = fake_config(fake_server(Script::EndlessLine).await, dir.path());
    let report = run_once(&config).await;
    let (_, _, error) = report.failures.first().expect("the pass fails");
    assert!(error.to_string().contains("longer than"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_server_times_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = fake_config(fake_server(Script::Stall).await, dir.path());
    let started = Instant::now();
    let report = run_once(&config).await;
    let (_, _, error) = report.failures.first().expect("the pass fails");
    assert!(error.to_string().contains("did not answer"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10), "the command timeout (2 s) fired");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_literal_longer_than_announced_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = fake_config(fake_server(Script::OversizedLiteral).await, dir.path());
    // The folder's one message is there before the first run.
    for account in &mut config.accounts {
        account.initial_scan = scamguard::config::InitialScan::All;
    }
    let started = Instant::now();
    let report =
        tokio::time::timeout(Duration::from_secs(20), run_once(&config)).await.expect("the pass ends");
    let (_, _, error) = report.failures.first().expect("a garbled response fails the pass");
    assert!(error.to_string().starts_with("UID FETCH failed"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let store = Store::open_unlocked(&config.database).await.expect("store");
    assert!(store.history(&Default::default()).await.expect("history").is_empty(), "nothing acted on");
}

/// Every message ID that went in is in exactly one of INBOX and Junk, once.
async fn assert_exactly_once(session: &mut scamguard::imap::ImapSession, all: &BTreeSet<String>) {
    let inbox = contents(session, "INBOX").await;
    let junk = contents(session, "Junk").await;
    let mut seen: Vec<String> = inbox.keys().chain(junk.keys()).cloned().collect();
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(total, seen.len(), "no message is in both folders");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), *all, "every message exists exactly once");
}

async fn fill_generated(session: &mut scamguard::imap::ImapSession, count: usize) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for raw in scamguard::bench::generate_range(0, count) {
        ids.insert(super::service::message_id(&raw));
        session.append("INBOX", None, &raw).await.expect("append");
    }
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn dovecot_killed_mid_scan_loses_and_doubles_nothing() {
    let mut dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("batch_size = 10\n"));
    let mut session = mailbox(&config).await;
    let all = fill_generated(&mut session, 400).await;
    drop(session);

    let service = Service::start(&config).await;
    // Kill the server as soon as the first moves land, then bring it back.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let moved = history(&config).await.iter().filter(|r| r.action == Action::Moved).count();
        if moved > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "moves started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    dovecot.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    dovecot.restart();

    // As many threats as the classifier finds in the generated mail (the generator's
    // other spam is only marked suspicious).
    let threats = scamguard::bench::generate_range(0, all.len())
        .iter()
        .filter_map(|raw| scamguard::mail::parse(raw).ok())
        .filter(|email| classify(email, &Detector::default()).label == Label::Threat)
        .count();
    assert!(threats > all.len() / 5, "the generated mail holds threats ({threats})");
    let mut session = mailbox(&config).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let junk = contents(&mut session, "Junk").await.len();
        let pending = history(&config).await.iter().filter(|r| r.action == Action::Planned).count();
        if junk >= threats.saturating_sub(threats / 5) && pending == 0 && cursor_done(&config).await {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the worker recovered and finished (junk {junk}, pending {pending})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let report = service.stop().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_exactly_once(&mut session, &all).await;
    assert_database_agrees(&config, &mut session).await;
}

/// The cursor reached the newest message.
async fn cursor_done(config: &Config) -> bool {
    let Ok(store) = Store::open_unlocked(&config.database).await else { return false };
    let Ok(Some(cursor)) = store.cursor("test", "INBOX").await else { return false };
    cursor.last_uid >= 400
}

/// Every detection recorded as moved is in Junk, and nothing is left planned.
async fn assert_database_agrees(config: &Config, session: &mut scamguard::imap::ImapSession) {
    let junk = contents(session, "Junk").await;
    let rows = history(config).await;
    assert!(rows.iter().all(|r| r.action != Action::Planned), "nothing left half done");
    let moved: BTreeSet<String> =
        rows.iter().filter(|r| r.action == Action::Moved).map(|r| r.message_id.clone()).collect();
    assert_eq!(moved, junk.keys().cloned().collect::<BTreeSet<_>>(), "database and Junk agree");
    let distinct: BTreeSet<&String> = rows.iter().map(|r| &r.message_id).collect();
    assert_eq!(distinct.len(), rows.len(), "one row per message");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scanner_killed_mid_scan_is_reconciled_on_restart() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("batch_size = 5\n");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    let all = fill_generated(&mut session, 300).await;

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scamguard"))
        .args(["run", "--config"])
        .arg(&config_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while contents(&mut session, "Junk").await.len() < 10 {
        assert!(Instant::now() < deadline, "the scanner started moving");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let half_done = contents(&mut session, "Junk").await.len();

    let run = std::process::Command::new(env!("CARGO_BIN_EXE_scamguard"))
        .args(["run", "--once", "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(contents(&mut session, "Junk").await.len() >= half_done);
    assert_exactly_once(&mut session, &all).await;
    assert_database_agrees(&config, &mut session).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_moves_while_the_database_cannot_record() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    drop(Store::open(&config.database).await.expect("create the schema"));
    let breaker =
        sqlx::SqlitePool::connect(&format!("sqlite:{}", config.database.display())).await.expect("connect");
    // Reads still work, every write fails: what a full disk or a read-only file does.
    sqlx::query("CREATE TRIGGER full_disk BEFORE INSERT ON detections BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
        .execute(&breaker)
        .await
        .expect("break");
    append_all(&mut session, "INBOX", &THREATS).await;

    let report = run_once(&config).await;
    assert!(!report.failures.is_empty(), "a pass that cannot record fails");
    assert_eq!(contents(&mut session, "INBOX").await.len(), 3, "nothing was moved unrecorded");
    assert!(contents(&mut session, "Junk").await.is_empty());

    sqlx::query("DROP TRIGGER full_disk").execute(&breaker).await.expect("repair");
    breaker.close().await;
    assert!(run_once(&config).await.failures.is_empty(), "it resumes once the database works");
    assert_eq!(contents(&mut session, "Junk").await.len(), 3);
    assert!(history(&config).await.iter().all(|r| r.action == Action::Moved));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_junk_folder_deleted_while_running_is_recreated() {
    let dovecot = Dovecot::start(Options { no_junk: true, ..Options::default() });
    let config = load(&dovecot.write_config(""));
    let service = Service::start(&config).await;
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(wait_until(&mut session, "Junk", 1).await, "first threat moved (Junk created)");
    session.select("INBOX").await.expect("select");
    session.delete("Junk").await.expect("the user deletes Junk");

    append_all(&mut session, "INBOX", &THREATS[1..2]).await;
    assert!(wait_until(&mut session, "Junk", 1).await, "Junk was made again and the threat moved");
    assert!(contents(&mut session, "INBOX").await.is_empty());
    let report = service.stop().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_instance_on_the_same_database_refuses() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let first = Store::open(&load(&config_path).database).await.expect("first instance");
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_scamguard"))
        .args(["run", "--once", "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("another scamguard process"));
    drop(first);
}
