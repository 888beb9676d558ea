//! The weekly report end to end: rendered from a scanned mailbox, delivered into INBOX
//! once, left alone by the scanner, and delivered on schedule exactly once per week
//! across restarts (with an injected clock).

use super::support::scamguard;
use scamguard::app::reports;
use scamguard::clock;
use scamguard::report::weekly::Period;
use scamguard::store::Store;

use super::service::{THREATS, append_all, contents, history, load, mailbox, run_once};
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
        ["Threats moved to Junk: 3", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "tanuki2019", "Do not pay"]
    {
        assert!(text.contains(expected), "{expected:?} missing in\n{text}");
    }
    let html = scamguard()
        .args(["report", "--since", "1d", "--format", "html", "--lang", "ja", "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&html.stdout).contains("<svg"));

    let week = Period::week_of(clock::now_unix()).label;
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
    let monday = clock::unix_of_date(2026, 11, 23);

    let store = Store::open(&config.database).await.expect("store");
    let before = reports::deliver_due(&config, &store, monday + 8 * 3600, 0).await;
    let delivered: Vec<bool> = before.into_iter().map(|(_, r)| r.expect("delivered")).collect();
    assert_eq!(delivered, [true], "on first start the missed week (W46) is delivered");
    let at_nine = reports::deliver_due(&config, &store, monday + 9 * 3600 + 60, 0).await;
    assert_eq!(
        at_nine.into_iter().map(|(_, r)| r.expect("ok")).collect::<Vec<_>>(),
        [true],
        "W47 at Monday 09:00"
    );
    drop(store);

    // A restart, later that day, and a second process's attempt: nothing more.
    let store = Store::open(&config.database).await.expect("store after restart");
    assert!(reports::deliver_due(&config, &store, monday + 15 * 3600, 0).await.is_empty());
    assert!(reports::deliver_due(&config, &store, monday + 6 * 86_400, 0).await.is_empty());
    assert_eq!(store.delivered_weeks("test").await.expect("weeks"), ["2026-W46", "2026-W47"]);

    let mut session = mailbox(&config).await;
    assert_eq!(reports_in(&contents(&mut session, "INBOX").await), 2, "exactly one report per week");
}
