//! The weekly report as a mail message (multipart/alternative: text and HTML), to be put
//! into the user's INBOX with APPEND, so no SMTP is needed.

use std::fmt::Write;

use super::render::{self, Lang};
use super::seal::{self, ReportKey};
use super::weekly::WeeklyReport;
use crate::clock;

/// The raw message. `token` makes the Message-ID unguessable, and the [`seal::HEADER`]
/// (an HMAC under `key` of the Message-ID and body) lets the scanner know its own
/// report even when the store never learnt the Message-ID (see [`seal`]).
pub fn message(
    report: &WeeklyReport,
    lang: Lang,
    to: &str,
    now: i64,
    token: &str,
    key: &ReportKey,
) -> (String, Vec<u8>) {
    let subject = match lang {
        Lang::En => {
            format!("scamguard weekly report {}: {} threats moved", report.period.label, report.threats)
        }
        Lang::Ja => {
            format!("scamguard 週間レポート {}: 脅威 {} 件を移動", report.period.label, report.threats)
        }
    };
    let message_id = format!("scamguard-report-{}-{token}@scamguard.invalid", report.period.label);
    let boundary = format!("scamguard-{token}");
    let mut body = String::new();
    for (kind, part) in [("plain", render::text(report, lang)), ("html", render::html(report, lang))] {
        let _ = write!(
            body,
            "--{boundary}\r\nContent-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        );
        body.push_str(&base64_lines(part.as_bytes()));
    }
    let _ = write!(body, "--{boundary}--\r\n");
    let mut out = String::new();
    let _ = write!(out, "From: scamguard <scamguard@scamguard.invalid>\r\n");
    let _ = write!(out, "To: <{to}>\r\n");
    let _ = write!(out, "Subject: {}\r\n", encode_word(&subject));
    let _ = write!(out, "Date: {}\r\n", rfc2822(now));
    let _ = write!(out, "Message-ID: <{message_id}>\r\n");
    let _ = write!(out, "MIME-Version: 1.0\r\n");
    let _ =
        write!(out, "{}: {}\r\n", seal::HEADER, seal::seal(key, &format!("<{message_id}>"), body.as_bytes()));
    let _ = write!(out, "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n");
    out.push_str(&body);
    (message_id, out.into_bytes())
}

fn encode_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    format!("=?UTF-8?B?{}?=", base64(text.as_bytes()))
}

fn rfc2822(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, m, d) = clock::civil_date(unix);
    let weekday = DAYS.get(unix.div_euclid(86_400).rem_euclid(7) as usize).copied().unwrap_or("Mon");
    let month = MONTHS.get(m as usize - 1).copied().unwrap_or("Jan");
    let s = unix.rem_euclid(86_400);
    format!("{weekday}, {d} {month} {y} {:02}:{:02}:{:02} +0000", s / 3600, s % 3600 / 60, s % 60)
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_lines(bytes: &[u8]) -> String {
    let encoded = base64(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::weekly::{Period, build};

    #[test]
    fn the_report_message_parses_back_with_both_parts() {
        let report = build("personal", Period::iso_week("2026-W47").expect("week"), &[], 10, 0);
        let key = ReportKey::new(vec![5; 32]);
        let (id, raw) = message(&report, Lang::Ja, "me@example.com", 1_795_307_635, "t0k3n", &key);
        assert!(seal::is_genuine(&key, &raw), "the report carries a valid seal");
        let email = crate::mail::parse(&raw).expect("parses");
        assert_eq!(email.message_id.as_deref(), Some(id.as_str()));
        assert!(email.subject.contains("週間レポート"), "{}", email.subject);
        assert!(email.text.contains("検査したメール: 10"), "{}", email.text);
        assert_eq!(email.date.as_deref(), Some("2026-11-22T00:33:55Z"));
        assert!(String::from_utf8_lossy(&raw).contains("text/html"));
        let verdict = crate::detect::classify(&email, &crate::detect::Thresholds::default());
        assert_eq!(verdict.label, crate::detect::Label::Clean, "the report itself reads as clean");
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }

    /// A week full of scams gives a report that lists wallets, amounts, a password and
    /// look-alike domains; forwarded, it must not read as the scam it describes.
    #[test]
    fn the_report_of_a_bad_week_is_defanged_and_reads_as_clean() {
        let evidence = serde_json::json!({"wallets": [
                {"coin": "bitcoin", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "checksum_valid": true, "split": false},
                {"coin": "bitcoin", "address": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "checksum_valid": true, "split": false}],
            "amounts": [{"value": 1500.0, "currency": "USD", "text": "$1,500"}], "shown_password": "tanuki2019"});
        let (week, mut scam) = crate::report::weekly::tests::threat_in_w47(evidence);
        scam.from = "security@paypal-secure.com".into();
        scam.subject = "paypal.com login https://paypal-login.example.top/verify".into();
        let report = build("personal", week, &[scam], 10, 0);
        for lang in [Lang::En, Lang::Ja] {
            let (_, raw) = message(
                &report,
                lang,
                "me@example.com",
                1_795_307_635,
                "t0k3n",
                &ReportKey::new(vec![5; 32]),
            );
            let email = crate::mail::parse(&raw).expect("parses");
            assert!(
                email.text.contains("bc1qw508d6qejxtdg4y5r[.]3zarvary0c5xw7kv8f3t4")
                    && email.text.contains("paypal-secure[.]com")
                    && email.text.contains("hxxps://paypal-login[.]example[.]top/verify")
                    && email.text.contains("tanuki2019"),
                "{}",
                email.text
            );
            let verdict = crate::detect::classify(&email, &crate::detect::Thresholds::default());
            assert_eq!(verdict.label, crate::detect::Label::Clean, "{lang:?}: {:?}", verdict.signals);
            assert!(verdict.evidence.wallets.is_empty(), "no wallet can be lifted from it");
        }
    }
}
