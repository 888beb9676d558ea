//! Watching a folder: a new-mail notice that comes during a pass, IDLE renewed on our
//! own clock, a refused IDLE (or one the server always ends at once, news or not), a stop
//! while the server stalls, where reading starts (`initial_scan` by date, `run --rescan`),
//! folders with non-ASCII names, a message read by its parts (one left out of the
//! answer), and a folder renumbered while the pass was in Junk. Real Dovecot; a proxy where the test must see, time or refuse the commands.

use std::sync::Arc;
use std::time::{Duration, Instant};

use scamguard::app::{self, RunOptions};
use scamguard::config::Config;
use scamguard::store::Store;

use super::feedback::passes;
use super::refusals::{Setup, behind_proxy, failures, ids_in, mailbox_behind_proxy, renumber};
use super::service::{
    HAM, Service, THREATS, append_all, fixture, history, ids, load, mailbox, run_once, wait_until,
};
use super::support::dovecot::{Dovecot, Options};
use super::support::proxy::{Fault, Proxy, Rule};
use super::support::scamguard;

async fn run_with(config: &Config, options: RunOptions) -> app::RunReport {
    let store = Arc::new(Store::open(&config.database).await.expect("store"));
    super::service::run_bounded(config, store, options).await
}

/// Mail that arrives while a pass runs is announced inside the answer to one of its
/// commands (here the FETCH). The service must make another pass before it idles:
/// Dovecot will not announce that mail again, so on a quiet mailbox it would wait forever.
#[tokio::test(flavor = "multi_thread")]
async fn mail_announced_during_a_pass_is_read_before_idling() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, direct, .. } = &setup;
    let deliver = direct.clone();
    proxy.add(Rule::once(
        "UID FETCH",
        Fault::Before(Arc::new(move || {
            let deliver = deliver.clone();
            Box::pin(async move {
                let mut session = mailbox(&deliver).await;
                session
                    .append("INBOX", None, &fixture("en_phishing_invoice_invitation.eml"))
                    .await
                    .expect("append");
            })
        })),
    ));
    let service = Service::start(config).await;
    let mut session = mailbox(direct).await;
    let moved = wait_until(&mut session, "Junk", THREATS.len() + 1).await;
    let report = service.stop().await;
    assert!(
        moved,
        "the mail announced during the first pass reached Junk: {:?}",
        ids_in(direct, "Junk").await
    );
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// async-imap's IDLE timeout starts again with every `* OK Still here` (this Dovecot
/// sends one every second), so a renewal left to it never comes.
#[tokio::test(flavor = "multi_thread")]
async fn idle_is_renewed_on_our_clock_whatever_the_server_sends() {
    let dovecot = Dovecot::start(Options::default());
    let proxy = super::support::proxy::Proxy::start(dovecot.imap_port).await;
    let config = load(&proxy.write_config(&dovecot, "idle_renew = 2\n"));
    let service = Service::start(&config).await;
    tokio::time::sleep(Duration::from_millis(7_000)).await;
    let report = service.stop().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let idles = proxy.seen("IDLE");
    assert!((3..=5).contains(&idles), "IDLE renewed every 2 s over 7 s: {idles} times");
}

/// The test config, with `initial_scan` set to `scan` instead of "all".
fn config_with_initial_scan(dovecot: &Dovecot, scan: &str) -> std::path::PathBuf {
    let path = dovecot.write_config("");
    let text = std::fs::read_to_string(&path).expect("config");
    std::fs::write(&path, text.replace("initial_scan = \"all\"", &format!("initial_scan = \"{scan}\"")))
        .expect("config");
    path
}

/// Mail appended with an internal date `days_ago` days back.
async fn append_aged(session: &mut scamguard::imap::ImapSession, name: &str, days_ago: i64) {
    let when = chrono::Utc::now() - chrono::Duration::days(days_ago);
    let date = when.format("%d-%b-%Y %H:%M:%S +0000").to_string();
    session.append_dated("INBOX", None, Some(&date), &fixture(name)).await.expect("append");
}

/// `initial_scan = "30d"` goes by the date mail arrived, not by UID: an old message
/// filed into INBOX after recent ones (so with a higher UID) is not read.
#[tokio::test(flavor = "multi_thread")]
async fn a_first_scan_of_thirty_days_goes_by_date_not_by_uid() {
    let dovecot = Dovecot::start(Options::default());
    let path = config_with_initial_scan(&dovecot, "30d");
    let config = load(&path);
    let mut session = mailbox(&config).await;
    append_aged(&mut session, THREATS[0], 90).await;
    append_aged(&mut session, THREATS[1], 2).await;
    append_aged(&mut session, HAM[0], 1).await;
    append_aged(&mut session, THREATS[2], 60).await;

    let check = scamguard().args(["check", "--config"]).arg(&path).output().expect("runs");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains("first run: reads mail received in the last 30 days"), "{said}");

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS[1..2]), "only the threat of the last 30 days");
    assert_eq!(history(&config).await.len(), 1);

    let check = scamguard().args(["check", "--config"]).arg(&path).output().expect("runs");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains("continues after UID 4"), "{said}");
}

/// `initial_scan = "new"` starts after the mail already there, and that start is kept:
/// mail that arrives after the first run (here while the service is stopped) is read by
/// the next one, even when the first read nothing.
#[tokio::test(flavor = "multi_thread")]
async fn mail_arriving_after_a_first_run_from_new_mail_is_read_by_the_next_run() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&config_with_initial_scan(&dovecot, "new"));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert!(ids_in(&config, "Junk").await.is_empty(), "the mail already there is left alone");

    append_all(&mut session, "INBOX", &THREATS[1..2]).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS[1..2]), "the mail that came between runs");
}

/// `run --rescan 30d` reads a period again after the first run started from new mail,
/// and a second rescan moves nothing twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_rescan_reads_a_period_again_and_moves_nothing_twice() {
    let dovecot = Dovecot::start(Options::default());
    let path = config_with_initial_scan(&dovecot, "new");
    let config = load(&path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    append_all(&mut session, "INBOX", &HAM[..1]).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert!(ids_in(&config, "Junk").await.is_empty(), "initial_scan = \"new\" leaves older mail alone");

    let rescan = RunOptions { once: true, rescan_days: Some(30), ..Default::default() };
    assert!(run_with(&config, rescan.clone()).await.failures.is_empty());
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS));
    assert!(run_with(&config, rescan).await.failures.is_empty());
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS), "each threat once");
    assert_eq!(ids_in(&config, "INBOX").await, ids(&HAM[..1]));
    assert_eq!(history(&config).await.len(), THREATS.len(), "one row per message");
}

/// Japanese users have Japanese folder names: configured in UTF-8, sent as modified UTF-7.
#[tokio::test(flavor = "multi_thread")]
async fn a_folder_with_a_japanese_name_is_watched_and_restored_to() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("folders = [\"受信箱/重要 & 私\"]\n"));
    let wire = scamguard::imap::utf7::encode("受信箱/重要 & 私");
    let mut session = mailbox(&config).await;
    session.create("受信箱").await.ok();
    session.create(&wire).await.expect("create");
    append_all(&mut session, &wire, &THREATS[..1]).await;

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS[..1]));
    let rows = history(&config).await;
    assert_eq!(rows.iter().map(|r| r.folder.as_str()).collect::<Vec<_>>(), ["受信箱/重要 & 私"]);

    let id = rows.first().map(|r| r.id).expect("one row");
    let restore = scamguard()
        .args(["restore", "--config"])
        .arg(dovecot.dir().join("scamguard.toml"))
        .arg(id.to_string())
        .output()
        .expect("runs");
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    assert_eq!(ids_in(&config, &wire).await, ids(&THREATS[..1]), "back where it came from");
}

/// With the server stalled mid-command, a stop (SIGTERM) must not wait for the command
/// timeout: work in flight gets a short grace, then the service exits.
#[tokio::test(flavor = "multi_thread")]
async fn a_stop_while_the_server_stalls_ends_within_five_seconds() {
    let setup = mailbox_behind_proxy(Options::default()).await;
    let Setup { proxy, config, .. } = &setup;
    let mut config = config.clone();
    if let Some(account) = config.accounts.first_mut() {
        account.command_timeout = Duration::from_secs(60);
    }
    // The FETCH never reaches the server, so its answer never comes.
    proxy.add(Rule::always("UID FETCH", Fault::Before(Arc::new(|| Box::pin(std::future::pending())))));
    let service = Service::start(&config).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let asked = Instant::now();
    let report = service.stop().await;
    assert!(asked.elapsed() < Duration::from_secs(5), "stopped in {:?}", asked.elapsed());
    assert!(report.failures.is_empty(), "a stop is not a failure: {:?}", report.failures);
}

/// With `junk` left to the server, the configuration cannot know which folder that is:
/// a watched folder that turns out to be the Junk folder is refused before anything moves.
#[tokio::test(flavor = "multi_thread")]
async fn a_watched_folder_that_is_the_servers_junk_is_refused() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("folders = [\"Junk\"]\n"));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "Junk", &THREATS[..1]).await;
    let report = run_once(&config).await;
    let errors: Vec<String> = report.failures.iter().map(|(_, _, e)| e.to_string()).collect();
    assert!(errors.iter().any(|e| e.contains("move mail into itself")), "{errors:?}");
    assert!(history(&config).await.is_empty(), "nothing read, nothing recorded");
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS[..1]));
}

/// A scam that puts a large image before its text, so the text lies past what is read of
/// a message: read by its structure, the text is found and the mail is moved; restore
/// finds it again (the same message reads the same way wherever it is).
#[tokio::test(flavor = "multi_thread")]
async fn a_scam_hiding_its_text_behind_a_large_part_is_read_by_its_parts() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config("max_message_bytes = 65536\n"));
    let mut session = mailbox(&config).await;
    session.append("INBOX", None, scam_behind_a_large_image().as_bytes()).await.expect("append");
    append_all(&mut session, "INBOX", &HAM[..1]).await;

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(ids_in(&config, "Junk").await, ids(&THREATS[..1]), "the text behind the image was read");
    assert_eq!(ids_in(&config, "INBOX").await, ids(&HAM[..1]));

    let id = history(&config).await.first().map(|r| r.id).expect("recorded");
    let store = Store::open_unlocked(&config.database).await.expect("store");
    let restored = scamguard::app::restore(&config, &store, id, false).await;
    assert!(restored.is_ok(), "{restored:?}");
    assert_eq!(ids_in(&config, "Junk").await.len(), 0, "found again by its content");
}

/// The first threat with a 200 kB image before its text, so the text lies past 64 kB.
pub fn scam_behind_a_large_image() -> String {
    let scam = String::from_utf8(fixture(THREATS[0])).expect("text fixture");
    let (head, body) = scam.split_once("\r\n\r\n").expect("header and body");
    let head: String =
        head.lines().filter(|l| !l.starts_with("Content-Type")).map(|l| format!("{l}\r\n")).collect();
    let filler: String = (0..200_000u32).map(|i| char::from(b'A' + (i % 26) as u8)).collect();
    let image: String =
        filler.as_bytes().chunks(76).map(|line| format!("{}\r\n", String::from_utf8_lossy(line))).collect();
    format!(
        "{head}Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: image/jpeg; name=\"holiday.jpg\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{image}--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n--b1--\r\n",
        body.replace('\n', "\r\n")
    )
}

/// A message read by its parts whose text part the server leaves out of an OK answer
/// (Gmail's "Some messages could not be FETCHed") is not judged without it: judged on
/// its header and an empty text it passed for ham and was never read again. Nor when the
/// server refuses a FETCH of its parts: judged on the first bytes only, the text behind
/// the image went unread (and elsewhere, a different digest made a copy look absent). It
/// is read again on the next pass, and moved.
#[tokio::test(flavor = "multi_thread")]
async fn a_part_left_out_of_the_answer_is_read_again_not_judged_empty() {
    let left_out = Fault::LeaveOut { uids: vec![1], text: "OK Some messages could not be FETCHed (Failure)" };
    // The second FETCH of the parts: MIME headers and text, after the structure.
    read_again_after(Rule::once("UID FETCH 1 (UID BODY.PEEK[1.MIME]", left_out)).await;
    read_again_after(Rule::once(
        "UID FETCH 1 (UID BODY.PEEK[1.MIME]",
        Fault::Answer("NO [UNAVAILABLE] Try later"),
    ))
    .await;
    // The first: the structure.
    read_again_after(Rule::once("UID FETCH 1 (UID BODYSTRUCTURE", Fault::Answer("NO Internal error"))).await;
}

/// A scam hiding its text behind a large image, read by its parts through `fault`: not
/// judged on the first pass, read again whole and moved on the next.
async fn read_again_after(fault: Rule) {
    let dovecot = Dovecot::start(Options::default());
    let direct = load(&dovecot.write_config(""));
    let mut session = mailbox(&direct).await;
    session.append("INBOX", None, scam_behind_a_large_image().as_bytes()).await.expect("append");
    append_all(&mut session, "INBOX", &HAM[..1]).await;
    let proxy = Proxy::start(dovecot.imap_port).await;
    let config = load(&proxy.write_config(&dovecot, "max_message_bytes = 65536\n"));
    proxy.add(fault);

    let report = run_once(&config).await;
    assert!(proxy.seen("UID FETCH") >= 2, "the message, then its structure");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(ids_in(&direct, "Junk").await.is_empty(), "not judged without its text");
    assert!(history(&config).await.is_empty());

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(ids_in(&direct, "Junk").await, ids(&THREATS[..1]), "read again, whole, and moved");
    assert_eq!(ids_in(&direct, "INBOX").await, ids(&HAM[..1]));
}

/// A watched folder renumbered (deleted and made again by another client) while the pass
/// looked at Junk is caught when it is selected again, by the rule reconcile uses
/// (`same_numbering`): the pass stops with "renumbered" instead of reading on from a
/// cursor whose UIDs name other mail now, and the next pass reads the new folder anew.
#[tokio::test(flavor = "multi_thread")]
async fn a_folder_renumbered_while_the_pass_looked_at_junk_is_read_anew() {
    let setup = behind_proxy(Dovecot::start(Options::default()), "folders = [\"Work\"]\n").await;
    let Setup { proxy, config, direct, .. } = &setup;
    let mut session = mailbox(direct).await;
    session.create("Work").await.expect("create");
    append_all(&mut session, "Work", &HAM).await;
    passes(config).await;
    // Something to read in Junk takes the pass there; meanwhile Work is made again with a
    // threat at UID 1, below the cursor.
    append_all(&mut session, "Junk", &HAM[..1]).await;
    let renumber = Fault::Before(renumber(direct, "Work", THREATS[..1].to_vec()));
    proxy.add(Rule::once("UID FETCH 1 (UID BODY.PEEK[HEADER])", renumber));

    let report = run_once(config).await;
    assert!(failures(&report).iter().any(|e| e.contains("renumbered")), "{:?}", failures(&report));
    passes(config).await;
    assert_eq!(ids_in(direct, "Work").await, Vec::<String>::new(), "the new folder read anew");
    assert!(ids_in(direct, "Junk").await.contains(&ids(&THREATS[..1])[0]), "its threat moved");
}

/// A bare `BAD` (no text) answering IDLE panicked async-imap, and the account's watching
/// ended with it; then it failed the pass, and the worker connected again. Now the worker
/// polls on the same connection: a threat delivered afterwards is moved, with no reconnect.
#[tokio::test(flavor = "multi_thread")]
async fn a_bare_bad_answering_idle_does_not_end_the_watching() {
    a_refused_idle_is_polled_instead(Rule::once("IDLE", Fault::Answer("BAD"))).await;
}

/// A server that offers IDLE and always refuses it made every pass fail, and the worker
/// reconnect every backoff period. Now the folder is still watched, by polling on the one
/// connection: a threat delivered after the first pass is moved, IDLE is asked once.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_always_refusing_idle_is_polled_on_one_connection() {
    a_refused_idle_is_polled_instead(Rule::always("IDLE", Fault::Answer("NO [UNAVAILABLE] IDLE is off")))
        .await;
}

/// IDLE meets `refusal`: a threat delivered after the refusal is moved by polling, the
/// proxy sees one login and one IDLE, and the service stops without a failure.
async fn a_refused_idle_is_polled_instead(refusal: Rule) {
    let setup = behind_proxy(Dovecot::start(Options::default()), "poll_interval = 1\n").await;
    let Setup { proxy, config, direct, .. } = &setup;
    proxy.add(refusal);
    let service = Service::start(config).await;
    let mut session = mailbox(direct).await;
    let mut refused = false;
    for _ in 0..200 {
        refused = proxy.seen("IDLE") >= 1;
        if refused {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "the first pass ended in IDLE, refused");
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    let moved = wait_until(&mut session, "Junk", 1).await;
    let logins = proxy.seen("LOGIN") + proxy.seen("AUTHENTICATE");
    let idles = proxy.seen("IDLE");
    let report = service.stop().await;
    assert!(moved, "the threat delivered after the refused IDLE reached Junk");
    assert_eq!(logins, 1, "no reconnect: the folder is polled on the same connection");
    assert_eq!(idles, 1, "IDLE is not asked again before `idle_renew` (600 s) has passed");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// A server that lets IDLE begin (`+ idling`) and ends it at once with its tagged OK, no
/// news given, had the worker take each end for news and idle again as fast as passes
/// ran (26 IDLEs in 3 s in a debug build). After a few such ends in a row it polls
/// on the same connection: over 3 s IDLE is sent a few times only, and a threat delivered
/// meanwhile is moved, with no reconnect.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_ends_every_idle_at_once_is_polled_not_idled_in_a_loop() {
    ended_at_once_is_polled(Fault::EndAtOnce("OK Idle completed")).await;
}

/// The same server with one untagged line (`* 1 RECENT`) before its OK: each end read as
/// news, and news reset the count of quick ends, so the worker idled in a loop again (33
/// IDLEs in 3 s). An IDLE ended at once counts whatever came before its end; only an
/// IDLE that lasted, or a pass that found new mail, starts the count again.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_ends_every_idle_at_once_after_one_untagged_line_is_polled_too() {
    ended_at_once_is_polled(Fault::EndAtOnceAfter("* 1 RECENT", "OK Idle completed")).await;
}

/// Every IDLE meets `fault`, which ends it at once: over 3 s IDLE is sent a few times
/// only, a threat delivered meanwhile is moved, on one connection, and no pass fails.
async fn ended_at_once_is_polled(fault: Fault) {
    let setup = behind_proxy(Dovecot::start(Options::default()), "poll_interval = 1\n").await;
    let Setup { proxy, config, direct, .. } = &setup;
    proxy.add(Rule::always("IDLE", fault));
    let service = Service::start(config).await;
    let mut session = mailbox(direct).await;
    for _ in 0..200 {
        if proxy.seen("IDLE") >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idles = proxy.seen("IDLE");
    let moved = wait_until(&mut session, "Junk", 1).await;
    let logins = proxy.seen("LOGIN") + proxy.seen("AUTHENTICATE");
    let report = service.stop().await;
    assert!((1..10).contains(&idles), "IDLE sent a few times, not in a loop: {idles} times in 3 s");
    assert!(moved, "the threat delivered meanwhile reached Junk");
    assert_eq!(logins, 1, "no reconnect: the folder is polled on the same connection");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}
