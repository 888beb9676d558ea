//! The weekly report end to end: rendered from a scanned mailbox, delivered into INBOX
//! once, left alone by the scanner, and delivered on schedule exactly once per week
//! across restarts (with an injected clock).

use super::support::scamguard;
use scamguard::app::reports;
use scamguard::clock;
use scamguard::report::render::Lang;
use scamguard::report::weekly::Period;
use scamguard::report::{mime, seal};
use scamguard::store::Store;

use super::service::{THREATS, append_all, contents, fixture, history, load, mailbox, message_id, run_once};
use super::support::dovecot::{Dovecot, Options};

fn reports_in(inbox: &std::collections::BTreeMap<String, Vec<String>>) -> usize {
    inbox.keys().filter(|id| id.starts_with("scamguard-report-")).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_is_rendered_and_delivered_once_and_never_scanned_as_a_threat() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    assert!(run_once(&config).await.failures.is_empty());

    let text =
        scamguard().args(["report", "--since", "1d", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in
        ["Threats moved to Junk: 3", "1BvBMSEYstWetqTFn[.]5Au4m4GFg7xJaNVN2", "tanuki2019", "Do not pay"]
    {
        assert!(text.contains(expected), "{expected:?} missing in\n{text}");
    }
    let html = scamguard()
        .args(["report", "--since", "1d", "--format", "html", "--lang", "ja", "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&html.stdout).contains("<svg"));

    // The last week that has ended: a week still running is refused (see below).
    let week = Period::week_of(Period::week_of(clock::now_unix()).start - 1).label;
    for round in 0..2 {
        let deliver = scamguard()
            .args(["report", "--deliver", "--week", &week, "--config"])
            .arg(&config_path)
            .output()
            .expect("runs");
        assert!(deliver.status.success(), "{}", String::from_utf8_lossy(&deliver.stderr));
        let said = String::from_utf8_lossy(&deliver.stderr).to_string();
        assert!(said.contains(if round == 0 { "report delivered" } else { "delivered before" }), "{said}");
    }
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 1, "one report in INBOX");

    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 1, "the scanner leaves the report alone");
    assert_eq!(history(&config).await.len(), 3, "and records nothing about it");
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_delivery_is_once_per_week_across_restarts() {
    let dovecot = Dovecot::start(Options::default());
    let mut config = load(&dovecot.write_config(""));
    config.report.schedule = Some((0, 9 * 60));
    let monday = clock::unix_of_date(2026, 11, 23).expect("a real date");

    let store = Store::open(&config.database).await.expect("store");
    let before = reports::deliver_due(&config, &store, monday + 8 * 3600, 0, None).await;
    let delivered: Vec<bool> = before.into_iter().map(|(_, r)| r.expect("delivered")).collect();
    assert_eq!(delivered, [true], "on first start the missed week (W46) is delivered");
    let at_nine = reports::deliver_due(&config, &store, monday + 9 * 3600 + 60, 0, None).await;
    assert_eq!(
        at_nine.into_iter().map(|(_, r)| r.expect("ok")).collect::<Vec<_>>(),
        [true],
        "W47 at Monday 09:00"
    );
    drop(store);

    // A restart, later that day, and a second process's attempt: nothing more.
    let store = Store::open(&config.database).await.expect("store after restart");
    assert!(reports::deliver_due(&config, &store, monday + 15 * 3600, 0, None).await.is_empty());
    assert!(reports::deliver_due(&config, &store, monday + 6 * 86_400, 0, None).await.is_empty());
    assert_eq!(store.delivered_weeks("test").await.expect("weeks"), ["2026-W46", "2026-W47"]);

    let mut session = mailbox(&config).await;
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 2, "exactly one report per week");
}

#[tokio::test(flavor = "multi_thread")]
async fn delivering_a_week_that_has_not_ended_is_refused() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let this_week = Period::week_of(clock::now_unix()).label;
    let deliver = scamguard()
        .args(["report", "--deliver", "--week", &this_week, "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&deliver.stderr);
    assert!(!deliver.status.success(), "refused: {said}");
    assert!(said.contains(&format!("week {this_week} has not ended yet")), "{said}");
    let mut session = mailbox(&config).await;
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 0, "nothing delivered");
    let store = Store::open_unlocked(&config.database).await.expect("store");
    assert!(store.delivered_weeks("test").await.expect("weeks").is_empty(), "the week is still to come");
}

/// Makes every delivery claim in the SQLite database of `config` `seconds` older, as if
/// taken that long ago.
async fn age_claims(config: &scamguard::config::Config, seconds: i64) {
    let db =
        sqlx::SqlitePool::connect(&format!("sqlite:{}", config.database.display())).await.expect("connect");
    sqlx::query("UPDATE deliveries SET claimed_at = claimed_at - $1")
        .bind(seconds)
        .execute(&db)
        .await
        .expect("age the claims");
    db.close().await;
}

/// An earlier attempt died before it learnt whether its APPEND landed (its claim is left
/// unconfirmed, older than the time in flight): the next delivery looks in INBOX for the
/// report that claim names. Found, the week is done with it and nothing is appended; not
/// found, the new report is delivered.
#[tokio::test(flavor = "multi_thread")]
async fn an_abandoned_delivery_is_looked_for_in_inbox_before_the_week_is_delivered_again() {
    use scamguard::store::Claim;
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let store = Store::open(&config.database).await.expect("store");
    let account = config.accounts.first().expect("account");
    let now = clock::now_unix();
    let last = Period::week_of(Period::week_of(now).start - 1);
    let before = Period::week_of(last.start - 1);
    let mut session = mailbox(&config).await;
    // The earlier attempt's report for the last week reached INBOX; its report for the
    // week before did not.
    let landed = reports::weekly(&store, &account.name, last.clone()).await.expect("report");
    let key = reports::report_key(&store).await.expect("key");
    let (landed_id, raw) = mime::message(&landed, Lang::En, &account.username, now, "earlier", &key);
    session.append("INBOX", None, &raw).await.expect("the earlier attempt's APPEND");
    for (week, earlier) in [(&last.label, format!("<{landed_id}>")), (&before.label, "<lost@x>".to_string())]
    {
        let claim = store.claim_delivery(&account.name, week, &earlier, 60).await.expect("claim");
        assert_eq!(claim, Claim::Claimed, "{week}");
    }
    age_claims(&config, 24 * 3600).await;

    let outcome = reports::deliver(account, &store, &landed, Lang::En, now, None).await;
    assert!(matches!(outcome, Ok(false)), "the earlier report is in INBOX: {outcome:?}");
    let missing = reports::weekly(&store, &account.name, before.clone()).await.expect("report");
    let outcome = reports::deliver(account, &store, &missing, Lang::En, now, None).await;
    assert!(matches!(outcome, Ok(true)), "the earlier report is not in INBOX: {outcome:?}");

    let inbox = contents(&mut session, "INBOX").await;
    assert_eq!(reports_in(&inbox), 2, "one report per week: {:?}", inbox.keys());
    assert!(inbox.contains_key(&landed_id), "{:?}", inbox.keys());
    let mut weeks = vec![before.label, last.label];
    weeks.sort();
    assert_eq!(store.delivered_weeks(&account.name).await.expect("weeks"), weeks);
}

/// The header block and the body of a raw message.
fn split(raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").expect("a header block");
    (head.replace('\n', "\r\n").into_bytes(), body.replace('\n', "\r\n").into_bytes())
}

/// `raw` with a seal header (`value`) put on top.
fn with_seal(value: &str, raw: &[u8]) -> Vec<u8> {
    [format!("{}: {value}\r\n", seal::HEADER).as_bytes(), raw].concat()
}

/// The APPEND of a report reached the server but its answer was lost, so the store never
/// learnt the report's Message-ID: the scanner still knows it by its seal and leaves it
/// alone, however much it reads like a scam. A message whose seal does not verify (copied
/// from a genuine report onto other content, or altered) is classified as usual.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_whose_append_answer_was_lost_is_left_alone_and_a_forged_seal_is_not() {
    let dovecot = Dovecot::start(Options::default());
    let config = load(&dovecot.write_config(""));
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(history(&config).await.len(), 3);

    let store = Store::open_unlocked(&config.database).await.expect("store");
    let key = reports::report_key(&store).await.expect("key");
    let now = clock::now_unix();
    let report = reports::weekly(&store, "test", Period::last_days(now + 60, 1)).await.expect("report");
    assert_eq!(report.threats, 3, "the report lists the week's scams");
    let (report_id, genuine) = mime::message(&report, Lang::En, "me@example.com", now, "lost", &key);
    session.append("INBOX", None, &genuine).await.expect("the APPEND whose answer was lost");

    // A sealed mail that reads as a threat: a report is clean, but the seal alone must
    // decide (our report could always pick up some new wording the rules flag).
    let scam = fixture("ja_extortion_cp932_taproot_glued.eml");
    let (head, body) = split(&scam);
    let scam_id = format!("<{}>", message_id(&scam));
    let sealed_scam =
        with_seal(&seal::seal(&key, &scam_id, &body), &[head, b"\r\n\r\n".to_vec(), body.clone()].concat());
    session.append("INBOX", None, &sealed_scam).await.expect("append");
    // The same scam under a Message-ID of its own, carrying the genuine report's seal.
    let genuine_seal = String::from_utf8_lossy(&genuine)
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{}: ", seal::HEADER)).map(str::to_string))
        .expect("the report is sealed");
    let forged = String::from_utf8_lossy(&scam).replace(&scam_id, "<forged-seal@evil.example>");
    session.append("INBOX", None, &with_seal(&genuine_seal, forged.as_bytes())).await.expect("append");
    // And one whose seal was altered by a single digit.
    let mut tampered = seal::seal(&key, &scam_id, &body).into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8_lossy(&scam).replace(&scam_id, "<altered-seal@evil.example>");
    let altered = with_seal(&String::from_utf8_lossy(&tampered), altered.as_bytes());
    session.append("INBOX", None, &altered).await.expect("append");

    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    let junk = contents(&mut session, "Junk").await;
    assert!(inbox.contains_key(&report_id), "the report stays in INBOX: {inbox:?}");
    assert!(inbox.contains_key(&message_id(&scam)), "a mail sealed with this database's key is left alone");
    for forged in ["forged-seal@evil.example", "altered-seal@evil.example"] {
        assert!(junk.contains_key(forged), "{forged} is classified and moved: {junk:?}");
    }
    let rows = history(&config).await;
    assert_eq!(rows.len(), 5, "the two forgeries are recorded, the report and the sealed mail are not");
    assert!(rows.iter().all(|r| r.message_id != report_id && r.message_id != message_id(&scam)));
}

/// The answer to the report's APPEND is lost (the connection drops after the server took
/// it): delivering again must not put a second report into INBOX.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_whose_append_answer_was_lost_is_not_delivered_twice() {
    use super::support::proxy::{Fault, Proxy, Rule};
    let dovecot = Dovecot::start(Options::default());
    let direct = load(&dovecot.write_config(""));
    let proxy = Proxy::start(dovecot.imap_port).await;
    let config = load(&proxy.write_config(&dovecot, ""));
    proxy.add(Rule::once("APPEND", Fault::LoseAnswer));
    let store = Store::open(&config.database).await.expect("store");
    let account = config.accounts.first().expect("account");
    let now = clock::now_unix();
    let last_week = Period::week_of(Period::week_of(now).start - 1);
    let weekly = reports::weekly(&store, &account.name, last_week).await.expect("report");

    for attempt in 0..3 {
        let outcome = reports::deliver(account, &store, &weekly, Lang::En, now, None).await;
        assert!(
            matches!(outcome, Ok(delivered) if delivered == (attempt == 0)),
            "attempt {attempt}: {outcome:?}"
        );
    }
    let mut session = mailbox(&direct).await;
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 1, "one report, however the answer went");
    assert_eq!(proxy.seen("APPEND"), 1);
}

/// A delivery that stalls while it connects (here the server holds its LOGIN) while
/// another attempt takes its claim over, or another worker the account's lease, appends
/// nothing: both are checked right before the APPEND. A lost lease gives the week back
/// at once for the account's next holder.
#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_that_lost_its_claim_or_lease_while_connecting_appends_nothing() {
    use super::support::proxy::Proxy;
    use std::sync::Arc;
    let dovecot = Dovecot::start(Options::default());
    let direct = load(&dovecot.write_config(""));
    let proxy = Proxy::start(dovecot.imap_port).await;
    let path = proxy.write_config(&dovecot, "");
    let _database = super::postgres::Backend::Postgres.configure(&path);
    let config = load(&path);
    let store = Arc::new(Store::open_unlocked_at(&scamguard::app::database(&config)).await.expect("store"));
    let account = config.accounts.first().expect("account").clone();
    let names = vec![account.name.clone()];
    assert_eq!(store.take_leases("w1", &names, 1).await.expect("take"), names);
    let now = clock::now_unix();
    let weekly = reports::weekly(&store, &account.name, Period::week_of(Period::week_of(now).start - 1))
        .await
        .expect("report");
    let week = weekly.period.label.clone();
    let (name, label) = (account.name.clone(), week.clone());
    let thief = Arc::clone(&store);
    during_login(&proxy, move || {
        let (store, name, week) = (Arc::clone(&thief), name.clone(), label.clone());
        async move {
            // An attempt that found the claim old (in flight for less than no time).
            let taken = store.claim_delivery(&name, &week, "<other@x>", -1).await.expect("claim");
            assert!(matches!(taken, scamguard::store::Claim::Unconfirmed(_)), "{taken:?}");
        }
    });
    let outcome = reports::deliver(&account, &store, &weekly, Lang::En, now, Some("w1")).await;
    assert!(matches!(outcome, Ok(false)), "the other attempt delivers: {outcome:?}");
    store.drop_claim(&account.name, &week, "<other@x>").await.expect("drop");

    let (name, thief) = (account.name.clone(), Arc::clone(&store));
    during_login(&proxy, move || {
        let (store, name) = (Arc::clone(&thief), name.clone());
        async move {
            store.release_leases("w1", None).await.expect("release");
            assert_eq!(store.take_leases("w2", &[name], 1).await.expect("take").len(), 1);
        }
    });
    let outcome = reports::deliver(&account, &store, &weekly, Lang::En, now, Some("w1")).await;
    assert!(matches!(outcome, Err(scamguard::app::WorkerError::LeaseLost(_))), "{outcome:?}");
    let mut session = mailbox(&direct).await;
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 0, "nothing appended");

    // The week was given back: the new holder delivers it, once.
    let outcome = reports::deliver(&account, &store, &weekly, Lang::En, now, Some("w2")).await;
    assert!(matches!(outcome, Ok(true)), "{outcome:?}");
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 1);
    assert_eq!(proxy.seen("APPEND"), 1);
}

/// Runs `step` once, when the next LOGIN reaches the proxy, before passing it on: as if
/// the client stalled there.
fn during_login<F, Step>(proxy: &super::support::proxy::Proxy, step: F)
where
    F: Fn() -> Step + Send + Sync + 'static,
    Step: std::future::Future<Output = ()> + Send + 'static,
{
    use super::support::proxy::{Fault, Rule};
    proxy.add(Rule::once("LOGIN", Fault::Before(std::sync::Arc::new(move || Box::pin(step())))));
}
