//! Weekly reports: gathered from the store, rendered, and delivered into the account's
//! INBOX with APPEND, once per week at the configured time (a delivery is claimed in the
//! database before the APPEND, so restarts, downtime or two workers never deliver a week
//! twice, and a missed week is delivered on the next start; see `store::deliveries`).

use crate::clock;
use crate::config::{Account, Config};
use crate::imap;
use crate::report::mime;
use crate::report::render::Lang;
use crate::report::seal::ReportKey;
use crate::report::weekly::{Period, WeeklyReport, build};
use crate::store::{Claim, Store, StoreError, Verdict};

use super::WorkerError;

/// The report of `account` for `period`.
pub async fn weekly(store: &Store, account: &str, period: Period) -> Result<WeeklyReport, StoreError> {
    let detections = store.detections_between(account, period.start, period.end).await?;
    let last_day = clock::day_string(period.end - 1);
    let scanned = store.scanned_between(account, &clock::day_string(period.start), &last_day).await?;
    let previous = period.previous();
    let previous_threats = store
        .detections_between(account, previous.start, previous.end)
        .await?
        .iter()
        .filter(|d| d.verdict == Verdict::Threat)
        .count() as i64;
    Ok(build(account, period, &detections, scanned, previous_threats))
}

/// The key this database's reports are sealed with (made on first use).
pub async fn report_key(store: &Store) -> Result<ReportKey, StoreError> {
    Ok(ReportKey::new(store.report_secret(clock::now_unix()).await?))
}

/// How long a claim stays in flight after it was taken or confirmed (seconds): the APPEND
/// is sent right after the confirmation and answered within the account's command
/// timeout; twice that and a minute more leaves room for a slow database and a late
/// answer. Only a claim older than this is taken over as abandoned.
pub fn in_flight_for(account: &Account) -> i64 {
    let timeout = i64::try_from(account.command_timeout.as_secs()).unwrap_or(i64::MAX / 4);
    timeout.saturating_mul(2).saturating_add(60)
}

/// Puts the report into the account's INBOX, unless this week's report was delivered
/// already or another attempt is delivering it. Returns whether it delivered. On a shared
/// database `lease` names this worker: the account's lease and the claim are checked
/// again right before the APPEND, so a worker that stalled past either appends nothing.
pub async fn deliver(
    account: &Account,
    store: &Store,
    report: &WeeklyReport,
    lang: Lang,
    now: i64,
    lease: Option<&str>,
) -> Result<bool, WorkerError> {
    let week = report.period.label.as_str();
    let seal_key = report_key(store).await?;
    let token: String = (0..16).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    let (message_id, raw) = mime::message(report, lang, &account.username, now, &token, &seal_key);
    let key = format!("<{message_id}>");
    match store.claim_delivery(&account.name, week, &key, in_flight_for(account)).await? {
        Claim::Claimed => {}
        Claim::Delivered | Claim::InFlight => return Ok(false),
        Claim::Unconfirmed(earlier) => {
            if !earlier.is_empty() && in_inbox(account, &earlier).await? {
                store.finish_delivery(&account.name, week, &earlier, now).await?;
                return Ok(false);
            }
        }
    }
    let appended = async {
        let mut session = imap::connect(account).await?;
        // Checked last, just before the APPEND: this worker still holds the account (on a
        // shared database), and the claim still names this report (made young again, so
        // nobody takes it over while the APPEND is on its way).
        let lease_lost = match lease {
            Some(worker) => !store.holds_lease(worker, &account.name).await?,
            None => false,
        };
        if lease_lost || !store.confirm_claim(&account.name, week, &key).await? {
            session.logout().await;
            if !lease_lost {
                // Another attempt took the claim over (this one stalled): it delivers.
                return Ok(false);
            }
            // Nothing was appended: the account's next holder may claim the week at once.
            store.drop_claim(&account.name, week, &key).await?;
            return Err(WorkerError::LeaseLost(account.name.clone()));
        }
        session.append("INBOX", None, &raw).await?;
        session.logout().await;
        store.finish_delivery(&account.name, week, &key, now).await?;
        Ok::<bool, WorkerError>(true)
    }
    .await;
    let error = match appended {
        Ok(delivered) => return Ok(delivered),
        Err(WorkerError::Imap(error)) => error,
        Err(other) => return Err(other),
    };
    // The answer may be what was lost, not the report: look before giving the week back,
    // or the next attempt puts a second report into INBOX. If even that cannot be known,
    // the claim stays, naming this report, for the next attempt to look.
    match in_inbox(account, &key).await {
        Ok(true) => {
            store.finish_delivery(&account.name, week, &key, now).await?;
            Ok(true)
        }
        Ok(false) => {
            store.drop_claim(&account.name, week, &key).await?;
            Err(error.into())
        }
        Err(_) => Err(error.into()),
    }
}

/// Whether the report with `key` (`<Message-ID>`) is in the account's INBOX.
async fn in_inbox(account: &Account, key: &str) -> Result<bool, imap::ImapError> {
    let message_id = key.trim_start_matches('<').trim_end_matches('>');
    let wanted = super::locate::Recorded { message_id, key, digest: "" };
    let mut session = imap::connect(account).await?;
    let found =
        super::locate::select_and_find(&mut session, "INBOX", account.max_message_bytes, wanted).await?;
    session.logout().await;
    Ok(!found.is_empty())
}

/// The week whose report is due at `now`: the latest scheduled moment (weekday and
/// minute, local time `utc_offset` seconds from UTC) at or before `now` is the report
/// time for the week before it.
pub fn due_week(now: i64, utc_offset: i64, schedule: (u32, u32)) -> Period {
    let local_now = now + utc_offset;
    let this_week = Period::week_of(local_now);
    let (weekday, minute) = schedule;
    let mut scheduled = this_week.start + i64::from(weekday) * 86_400 + i64::from(minute) * 60;
    if scheduled > local_now {
        scheduled -= 7 * 86_400;
    }
    let covered = Period::week_of(scheduled - 7 * 86_400);
    Period { label: covered.label, start: covered.start - utc_offset, end: covered.end - utc_offset }
}

/// Delivers every account's due report that was not delivered yet. Called by the service
/// every minute, and at start (`lease`: see [`deliver`]).
pub async fn deliver_due(
    config: &Config,
    store: &Store,
    now: i64,
    utc_offset: i64,
    lease: Option<&str>,
) -> Vec<(String, Result<bool, WorkerError>)> {
    let Some(schedule) = config.report.schedule else { return Vec::new() };
    let lang = config.report.lang;
    let period = due_week(now, utc_offset, schedule);
    let mut outcomes = Vec::new();
    for account in &config.accounts {
        if store.delivered_weeks(&account.name).await.is_ok_and(|weeks| weeks.contains(&period.label)) {
            continue;
        }
        let outcome = match weekly(store, &account.name, period.clone()).await {
            Ok(report) => deliver(account, store, &report, lang, now, lease).await,
            Err(error) => Err(error.into()),
        };
        outcomes.push((account.name.clone(), outcome));
    }
    outcomes
}

/// Whether `period` is over at `now`, both in UTC (the report counts UTC days) and in
/// local time `utc_offset` seconds from UTC (the schedule counts local weeks). Only an
/// ended week may be delivered: a delivery marks the week done, and a report sent on
/// Wednesday would stand in for Monday's full one.
pub fn has_ended(period: &Period, now: i64, utc_offset: i64) -> bool {
    now >= period.end.max(period.end - utc_offset)
}

/// The local time's offset from UTC, in seconds, now.
pub fn local_utc_offset() -> i64 {
    i64::from(chrono::Local::now().offset().local_minus_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_week_is_the_one_before_the_latest_schedule() {
        let monday_nine = (0, 9 * 60);
        // Sunday 2026-11-22 00:33 UTC: the latest Monday 09:00 was 2026-11-16, covering W46.
        assert_eq!(due_week(1_795_307_635, 0, monday_nine).label, "2026-W46");
        // Monday 2026-11-23 08:59 UTC: still W46; at 09:00, W47.
        let monday = clock::unix_of_date(2026, 11, 23).expect("a real date");
        assert_eq!(due_week(monday + 8 * 3600 + 59 * 60, 0, monday_nine).label, "2026-W46");
        assert_eq!(due_week(monday + 9 * 3600, 0, monday_nine).label, "2026-W47");
        // In Tokyo (UTC+9) Monday 09:00 local is Monday 00:00 UTC.
        let tokyo = due_week(monday, 9 * 3600, monday_nine);
        assert_eq!(tokyo.label, "2026-W47");
        assert_eq!(
            tokyo.start,
            clock::unix_of_date(2026, 11, 16).expect("a real date") - 9 * 3600,
            "the week runs on local days"
        );
        assert_eq!(tokyo.end, monday - 9 * 3600, "and ends on a local day");
    }

    #[test]
    fn only_a_week_that_is_over_has_ended() {
        let w47 = Period::iso_week("2026-W47").expect("week");
        let monday_w48 = clock::unix_of_date(2026, 11, 23).expect("a real date");
        assert!(!has_ended(&w47, monday_w48 - 1, 0), "Sunday 23:59:59 is still W47");
        assert!(has_ended(&w47, monday_w48, 0));
        assert!(
            !has_ended(&w47, clock::unix_of_date(2026, 11, 18).expect("a real date"), 9 * 3600),
            "Wednesday of the week"
        );
        assert!(!has_ended(&w47, monday_w48 + 3600, -5 * 3600), "still Sunday in New York");
        assert!(has_ended(&w47, monday_w48 + 5 * 3600, -5 * 3600));
    }

    #[test]
    fn the_due_week_follows_any_weekday_and_minute() {
        let friday_half_past_five = (4, 17 * 60 + 30);
        // Friday 2026-11-27 (W48): before 17:30 the latest schedule is Friday 2026-11-20,
        // covering W46; at 17:30, W47.
        let friday = clock::unix_of_date(2026, 11, 27).expect("a real date");
        let at = |minutes: i64| due_week(friday + minutes * 60, 0, friday_half_past_five).label;
        assert_eq!(at(17 * 60 + 29), "2026-W46");
        assert_eq!(at(17 * 60 + 30), "2026-W47");
        // Monday to Thursday of W48 are still before this week's schedule.
        assert_eq!(due_week(friday - 4 * 86_400, 0, friday_half_past_five).label, "2026-W46");
    }

    #[test]
    fn a_claim_is_in_flight_for_twice_the_command_timeout_and_a_minute() {
        let text = "[[accounts]]\nname = \"a\"\nhost = \"127.0.0.1\"\ntls = \"implicit\"\nusername = \"u\"\n\
                    password_env = \"X\"\ncommand_timeout = 30\n";
        let mut account =
            Config::parse(text).expect("valid").accounts.into_iter().next().expect("one account");
        assert_eq!(in_flight_for(&account), 120);
        // A timeout beyond what i64 seconds can hold stays in flight for ages, not a minute.
        account.command_timeout = std::time::Duration::MAX;
        assert!(in_flight_for(&account) > i64::MAX / 4, "{}", in_flight_for(&account));
    }

    /// A report counts the messages scanned on its own days, not on the day after it ends,
    /// and compares its threats with the threats of the week before, not its other mail.
    #[tokio::test]
    async fn a_report_counts_its_own_days_and_the_threats_of_the_week_before() {
        use crate::store::NewDetection;
        let store = crate::store::test_backends::TestStore::sqlite().await;
        let w47 = Period::iso_week("2026-W47").expect("week");
        let mail = |uid: u32, verdict: Verdict| NewDetection {
            account: "a".into(),
            folder: "INBOX".into(),
            uid,
            message_key: format!("<{uid}@x>"),
            verdict,
            ..NewDetection::default()
        };
        // Wednesday of W46, of W47, and the Monday after W47 (noon, UTC).
        let (w46_day, w47_day, after) =
            (w47.start - 5 * 86_400 + 43_200, w47.start + 2 * 86_400 + 43_200, w47.end + 43_200);
        let w46_mails = [mail(1, Verdict::Threat), mail(2, Verdict::Threat), mail(3, Verdict::Suspicious)];
        for (mails, scanned, at) in
            [(&w46_mails[..], 10, w46_day), (&[mail(4, Verdict::Threat)], 7, w47_day), (&[], 100, after)]
        {
            store.record_batch("a", mails, scanned, &clock::day_string(at), at).await.expect("record");
        }
        let report = weekly(&store, "a", w47).await.expect("report");
        assert_eq!((report.scanned, report.threats, report.previous_threats), (7, 1, 2));
    }

    /// The local time's offset, as the `TZ` variable sets it. Checked in child processes
    /// (this test binary again, running only this test), so no other test sees another
    /// time zone.
    #[test]
    fn the_local_offset_follows_the_time_zone() {
        const EXPECTED: &str = "SCAMGUARD_TEST_EXPECTED_UTC_OFFSET";
        if let Ok(expected) = std::env::var(EXPECTED) {
            assert_eq!(local_utc_offset().to_string(), expected);
            return;
        }
        let this_test = "app::reports::tests::the_local_offset_follows_the_time_zone";
        // POSIX TZ rules (no time zone files needed): west of UTC is positive there.
        for (tz, expected) in [("<-05>5", "-18000"), ("<+0530>-5:30", "19800")] {
            let child = std::process::Command::new(std::env::current_exe().expect("this test binary"))
                .args(["--exact", this_test, "--test-threads=1"])
                .env("TZ", tz)
                .env(EXPECTED, expected)
                .output()
                .expect("the child runs");
            let said = String::from_utf8_lossy(&child.stdout);
            assert!(child.status.success() && said.contains("1 passed"), "TZ={tz}:\n{said}");
        }
    }
}
