//! The weekly report's content, built from the week's detections (pure): what arrived,
//! what was moved, the payment addresses and amounts demanded, who sent it, and which
//! mails showed a password.

use std::collections::BTreeMap;

use serde::Serialize;

use chrono::Datelike;

use crate::clock;
use crate::store::{Action, Detection, Verdict};

/// A reporting period: `[start, end)` in Unix seconds, with its label ("2026-W47").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub label: String,
    pub start: i64,
    pub end: i64,
}

impl Period {
    /// The ISO week (Monday to Sunday, UTC) containing `unix`.
    pub fn week_of(unix: i64) -> Period {
        let date = clock::utc(unix).date_naive();
        let week = date.iso_week();
        let monday = date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
        let start = monday.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
        Period::of_week(week.year(), week.week(), start)
    }

    /// Parses "2026-W47".
    pub fn iso_week(label: &str) -> Result<Period, String> {
        let bad = || format!("--week takes an ISO week like 2026-W47, not {label:?}");
        let (year, week) = label.split_once("-W").ok_or_else(bad)?;
        let (year, week): (i32, u32) = (year.parse().map_err(|_| bad())?, week.parse().map_err(|_| bad())?);
        // None for week 0, and for week 53 of a year that has 52.
        let monday = chrono::NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon).ok_or_else(bad)?;
        Ok(Period::of_week(year, week, monday.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()))
    }

    fn of_week(year: i32, week: u32, start: i64) -> Period {
        Period { label: format!("{year}-W{week:02}"), start, end: start + 7 * 86_400 }
    }

    /// The `days` days up to `now`.
    pub fn last_days(now: i64, days: i64) -> Period {
        Period { label: format!("last {days} days"), start: now - days * 86_400, end: now }
    }

    /// The period of equal length just before this one.
    pub fn previous(&self) -> Period {
        let length = self.end - self.start;
        Period { label: "previous".into(), start: self.start - length, end: self.start }
    }
}

/// A payment address and the mails that demanded payment to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalletSeen {
    pub coin: String,
    pub address: String,
    pub mails: u32,
    pub first_seen: i64,
    pub last_seen: i64,
}

/// A mail that showed the recipient a password.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PasswordMail {
    pub subject: String,
    pub password: String,
}

/// One account's report for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReport {
    pub account: String,
    pub period: Period,
    pub scanned: i64,
    pub threats: i64,
    pub threats_by_category: BTreeMap<String, i64>,
    pub suspicious: i64,
    pub restored: i64,
    pub previous_threats: i64,
    /// Threats per day of the period ("2026-11-16", count), in order.
    pub per_day: Vec<(String, i64)>,
    pub wallets: Vec<WalletSeen>,
    /// Amounts demanded, summed per currency.
    pub amounts: BTreeMap<String, f64>,
    /// Sending domains of threats, most frequent first (at most ten).
    pub top_domains: Vec<(String, i64)>,
    pub password_mails: Vec<PasswordMail>,
}

/// Builds the report from the period's detections and counts.
pub fn build(
    account: &str,
    period: Period,
    detections: &[Detection],
    scanned: i64,
    previous_threats: i64,
) -> WeeklyReport {
    // What scamguard found: a report (mail put into Junk by the user or the server's own
    // filter) is not, and would count the provider's filtered spam as scamguard's.
    let detections: Vec<&Detection> = detections.iter().filter(|d| d.action != Action::Reported).collect();
    let threats: Vec<&Detection> =
        detections.iter().copied().filter(|d| d.verdict == Verdict::Threat).collect();
    // Keyed by name, so the categories come out in alphabetical order, as they always did.
    let mut by_category = BTreeMap::new();
    for d in &threats {
        *by_category.entry(d.category.as_str().to_string()).or_insert(0) += 1;
    }
    // Calendar days (UTC) from the period's first to its last, at most 31.
    let first_day = period.start.div_euclid(86_400);
    let last_day = (period.end - 1).div_euclid(86_400).min(first_day + 30);
    let per_day = (first_day..=last_day)
        .map(|day| {
            let count = threats.iter().filter(|d| d.detected_at.div_euclid(86_400) == day).count();
            (clock::day_string(day * 86_400), count as i64)
        })
        .collect();
    let mut wallets: BTreeMap<String, WalletSeen> = BTreeMap::new();
    let mut amounts: BTreeMap<String, f64> = BTreeMap::new();
    let mut domains: BTreeMap<String, i64> = BTreeMap::new();
    let mut password_mails = Vec::new();
    // A message the user took back out of Junk (released, or restored) was no scam: its
    // addresses, amounts, sender and password are no evidence.
    for d in threats.iter().filter(|d| !d.action.is_release()) {
        let evidence = d.evidence.as_ref().unwrap_or(&super::NO_EVIDENCE);
        for wallet in &evidence.wallets {
            let seen = wallets.entry(wallet.address.clone()).or_insert_with(|| WalletSeen {
                coin: wallet.coin.clone(),
                address: wallet.address.clone(),
                mails: 0,
                first_seen: d.detected_at,
                last_seen: d.detected_at,
            });
            seen.mails += 1;
            seen.first_seen = seen.first_seen.min(d.detected_at);
            seen.last_seen = seen.last_seen.max(d.detected_at);
        }
        for amount in &evidence.amounts {
            if let Some(value) = amount.value {
                *amounts.entry(amount.currency.clone()).or_insert(0.0) += value;
            }
        }
        if let Some((_, domain)) = d.from.rsplit_once('@') {
            *domains.entry(domain.to_lowercase()).or_insert(0) += 1;
        }
        if let Some(password) = &evidence.shown_password {
            password_mails.push(PasswordMail { subject: d.subject.clone(), password: password.clone() });
        }
    }
    let mut top_domains: Vec<(String, i64)> = domains.into_iter().collect();
    top_domains.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_domains.truncate(10);
    let mut wallets: Vec<WalletSeen> = wallets.into_values().collect();
    wallets.sort_by(|a, b| b.mails.cmp(&a.mails).then_with(|| a.address.cmp(&b.address)));
    WeeklyReport {
        account: account.to_string(),
        period,
        scanned,
        threats: threats.len() as i64,
        threats_by_category: by_category,
        suspicious: detections.iter().filter(|d| d.verdict == Verdict::Suspicious).count() as i64,
        restored: detections.iter().filter(|d| d.action.is_release()).count() as i64,
        previous_threats,
        per_day,
        wallets,
        amounts,
        top_domains,
        password_mails,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn iso_weeks_are_computed_and_parsed() {
        // 2026-11-22 is a Sunday in ISO week 47 (Monday 2026-11-16).
        let week = Period::week_of(1_795_307_635);
        assert_eq!(week.label, "2026-W47");
        assert_eq!(clock::day_string(week.start), "2026-11-16");
        assert_eq!(Period::iso_week("2026-W47"), Ok(week.clone()));
        let day = |y, m, d| clock::unix_of_date(y, m, d).expect("a real date");
        assert_eq!(Period::week_of(day(2027, 1, 1)).label, "2026-W53");
        assert_eq!(Period::week_of(day(2024, 12, 30)).label, "2025-W01");
        assert_eq!(Period::iso_week("2026-W53").map(|w| w.start), Ok(day(2026, 12, 28)));
        assert_eq!(Period::iso_week("2026-W01").map(|w| w.start), Ok(day(2025, 12, 29)));
        assert!(Period::iso_week("2025-W53").is_err(), "2025 has 52 weeks");
        assert!(Period::iso_week("2026-W00").is_err());
        assert!(Period::iso_week("2026-W54").is_err());
        assert!(Period::iso_week("W47").is_err());
        assert_eq!(week.previous().end, week.start);
    }

    use crate::store::{Category, Evidence, Signals};

    pub(crate) fn detection(
        id: i64,
        at: i64,
        verdict: Verdict,
        category: Category,
        action: Action,
        evidence: serde_json::Value,
    ) -> Detection {
        Detection {
            id,
            account: "personal".into(),
            folder: "INBOX".into(),
            uidvalidity: 1,
            uid: id,
            message_id: format!("{id}@x"),
            message_key: format!("<{id}@x>"),
            from: format!("sender{}@evil{}.example", id, id % 2),
            to: "me@example.com".into(),
            subject: format!("subject {id}"),
            date: String::new(),
            size: 100,
            score: 10.0,
            verdict,
            category,
            signals: Signals::default(),
            evidence: Evidence::from_json(&evidence.to_string()).expect("evidence as scamguard writes it"),
            action,
            destination: "Junk".into(),
            detected_at: at,
            acted_at: None,
        }
    }

    /// 2026-W47 and one threat detected early in it, with this evidence.
    pub(crate) fn threat_in_w47(evidence: serde_json::Value) -> (Period, Detection) {
        let week = Period::iso_week("2026-W47").expect("week");
        let scam =
            detection(1, week.start + 100, Verdict::Threat, Category::Extortion, Action::Moved, evidence);
        (week, scam)
    }

    #[test]
    fn the_report_sums_what_the_week_brought() {
        use serde_json::json;
        let week = Period::iso_week("2026-W47").expect("week");
        let monday = week.start;
        let wallet = serde_json::json!({"wallets": [{"coin": "bitcoin", "address": "bc1qaaa", "checksum_valid": true, "split": false}],
            "amounts": [{"value": 1500.0, "currency": "USD", "text": "$1,500"}], "shown_password": "hunter22"});
        let detections = [
            detection(1, monday + 3600, Verdict::Threat, Category::Extortion, Action::Moved, wallet.clone()),
            detection(2, monday + 2 * 86_400, Verdict::Threat, Category::Extortion, Action::Moved, wallet),
            detection(
                3,
                monday + 2 * 86_400 + 5,
                Verdict::Threat,
                Category::Phishing,
                Action::Restored,
                json!({}),
            ),
            detection(
                4,
                monday + 3 * 86_400,
                Verdict::Suspicious,
                Category::Phishing,
                Action::Nothing,
                json!({}),
            ),
        ];
        let report = build("personal", week, &detections, 120, 1);
        assert_eq!((report.scanned, report.threats, report.suspicious, report.restored), (120, 3, 1, 1));
        assert_eq!(report.threats_by_category.get("extortion"), Some(&2));
        assert_eq!(report.per_day.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 0, 2, 0, 0, 0, 0]);
        let wallet = report.wallets.first().expect("one wallet");
        assert_eq!((wallet.address.as_str(), wallet.mails), ("bc1qaaa", 2));
        assert_eq!((wallet.first_seen, wallet.last_seen), (monday + 3600, monday + 2 * 86_400));
        assert_eq!(report.amounts.get("USD"), Some(&3000.0));
        // The restored phishing mail's sender (evil1, #3) is no evidence: one mail each.
        let domains = [("evil0.example".to_string(), 1), ("evil1.example".to_string(), 1)];
        assert_eq!(report.top_domains, domains);
        assert_eq!(report.password_mails.len(), 2);
    }

    /// A false positive the user took back (by hand or with `restore`) counts as one, and
    /// its wallets, amounts, sender and password are no evidence; reports are not what
    /// scamguard found and are left out.
    #[test]
    fn released_and_restored_mail_is_no_evidence_and_reports_are_not_counted() {
        let week = Period::iso_week("2026-W47").expect("week");
        let evidence = |address: &str| {
            serde_json::json!({"wallets": [{"coin": "bitcoin", "address": address, "checksum_valid": true, "split": false}],
                "amounts": [{"value": 100.0, "currency": "EUR", "text": "100 EUR"}], "shown_password": "pw"})
        };
        let at = week.start + 60;
        let mut kept =
            detection(2, at, Verdict::Threat, Category::Extortion, Action::Moved, evidence("bc1qkept"));
        kept.from = "scam@kept.example".into();
        let mut rows = vec![kept];
        for (id, action) in [(3, Action::Released), (4, Action::Restored), (5, Action::Reported)] {
            let mut row =
                detection(id, at, Verdict::Threat, Category::Extortion, action, evidence("bc1qleft"));
            row.from = format!("friend@left{id}.example");
            rows.push(row);
        }
        let report = build("personal", week, &rows, 10, 0);
        assert_eq!(report.wallets.iter().map(|w| w.address.as_str()).collect::<Vec<_>>(), ["bc1qkept"]);
        assert_eq!(report.amounts.get("EUR"), Some(&100.0));
        assert_eq!(report.top_domains, [("kept.example".to_string(), 1)]);
        assert_eq!(report.password_mails.len(), 1);
        assert_eq!((report.threats, report.restored), (3, 2), "the report is not scamguard's threat");
    }
}
