//! What the user reads about the service's work (pure): the history list, one detection
//! in full, and the weekly report ([`weekly`] builds it, [`render`] writes it).

pub mod defang;
pub mod mime;
pub mod render;
pub mod seal;
pub mod weekly;

use std::fmt::Write;

use crate::clock;
use crate::mail::printable::escape as p;
use crate::store::{Detection, DetectionRow};

/// One readable line per detection, newest first, and a closing count. Every text taken
/// from mail or a server is escaped ([`p`]): a subject cannot forge a line.
pub fn history_text(rows: &[DetectionRow]) -> String {
    let mut out = String::new();
    for row in rows {
        let _ = writeln!(
            out,
            "#{:<5} {}  {:<10} {:<10} {:>5.1}  {:<8} {}/{} → {}  {}  \"{}\"",
            row.id,
            clock::minute_string(row.detected_at),
            p(&row.verdict),
            p(&row.category),
            row.score,
            p(&row.action),
            p(&row.account),
            p(&row.folder),
            if row.destination.is_empty() { "-".into() } else { p(&row.destination) },
            p(&row.from),
            p(&row.subject),
        );
    }
    let _ = writeln!(out, "{} detections", rows.len());
    out
}

/// A member of a JSON object, or null: evidence is read leniently, a missing key is
/// simply absent from the report.
pub(crate) fn field<'a>(value: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    value.get(key).unwrap_or(&serde_json::Value::Null)
}

/// "2026-11-22 00:33 UTC" for a Unix time.
fn timestamp(unix: i64) -> String {
    format!("{} UTC", clock::minute_string(unix))
}

/// Everything recorded for one detection, in plain words, every text from mail or a
/// server escaped ([`p`]).
pub fn detection_text(d: &Detection) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "Detection #{} — {} ({}), score {:.1}", d.id, p(&d.verdict), p(&d.category), d.score);
    let _ = writeln!(out, "When:     {}", timestamp(d.detected_at));
    let _ = writeln!(out, "Mailbox:  {} / {} (UID {})", p(&d.account), p(&d.folder), d.uid);
    let _ = writeln!(out, "From:     {}", p(&d.from));
    let _ = writeln!(out, "To:       {}", p(&d.to));
    let _ = writeln!(out, "Subject:  {}", p(&d.subject));
    let _ = writeln!(out, "Date:     {}", p(&d.date));
    let _ = writeln!(out, "Message:  <{}>, {} bytes", p(&d.message_id), d.size);
    let destination = p(&d.destination);
    let now = match d.action.as_str() {
        "moved" => format!("moved to {destination}"),
        "copied" => format!("copied to {destination} (original marked deleted)"),
        "restored" => format!("restored to {destination} as a false positive"),
        "dry-run" => "left in place (dry run)".to_string(),
        "flagged" => format!("flagged {destination}"),
        "trusted-sender" => "left in place (trusted sender)".to_string(),
        "gone" => "gone before it could be moved".to_string(),
        other => p(other).into_owned(),
    };
    let _ = writeln!(out, "Action:   {now}");
    let _ = writeln!(out, "\nWhy:");
    for signal in d.signals.as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  {:+5.1}  {:<30} {}",
            field(signal, "weight").as_f64().unwrap_or_default(),
            p(field(signal, "rule").as_str().unwrap_or_default()),
            p(field(signal, "evidence").as_str().unwrap_or_default())
        );
    }
    let evidence = &d.evidence;
    for wallet in field(evidence, "wallets").as_array().into_iter().flatten() {
        let proof = if field(wallet, "checksum_valid").as_bool() == Some(true) {
            "checksum valid"
        } else {
            "shape only"
        };
        let _ = writeln!(
            out,
            "  payment address: {} {} ({proof})",
            p(field(wallet, "coin").as_str().unwrap_or("")),
            p(field(wallet, "address").as_str().unwrap_or(""))
        );
    }
    for amount in field(evidence, "amounts").as_array().into_iter().flatten() {
        let _ = writeln!(out, "  amount demanded: {}", p(field(amount, "text").as_str().unwrap_or("")));
    }
    for deadline in field(evidence, "deadlines").as_array().into_iter().flatten() {
        let _ = writeln!(out, "  deadline: {}", p(field(deadline, "text").as_str().unwrap_or("")));
    }
    if let Some(password) = field(evidence, "shown_password").as_str().map(p) {
        let _ = writeln!(
            out,
            "  the mail shows a password ({password}): change it wherever you used it and turn on two-factor login"
        );
    }
    out
}

/// One JSON object per detection.
pub fn history_json(rows: &[DetectionRow]) -> String {
    rows.iter()
        .map(|row| {
            let mut value = serde_json::to_value(row).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                let signals: serde_json::Value = serde_json::from_str(&row.signals).unwrap_or_default();
                object.insert("signals".into(), signals);
            }
            value.to_string() + "\n"
        })
        .collect()
}

/// Reads `7d`, `24h` or a date `2026-11-01` as a Unix time, relative to `now`. A date
/// that does not exist (2026-02-31) is an error, not a day of the next month.
pub fn parse_since(text: &str, now: i64) -> Result<i64, String> {
    let bad =
        || format!("--since takes a count of days or hours (7d, 24h) or a date (2026-11-01), not {text:?}");
    if let Some(days) = text.strip_suffix('d') {
        return days.parse::<i64>().map(|d| now - d * 86_400).map_err(|_| bad());
    }
    if let Some(hours) = text.strip_suffix('h') {
        return hours.parse::<i64>().map(|h| now - h * 3_600).map_err(|_| bad());
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    Ok(date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> DetectionRow {
        DetectionRow {
            id: 3,
            detected_at: 1_795_307_635,
            account: "personal".into(),
            folder: "INBOX".into(),
            from: "x@evil.example".into(),
            subject: "Your device is hacked".into(),
            verdict: "threat".into(),
            category: "extortion".into(),
            score: 12.5,
            action: "moved".into(),
            destination: "Junk".into(),
            message_id: "a@b".into(),
            signals: r#"[{"rule":"crypto_wallet_verified","weight":3.0,"evidence":"bc1q"}]"#.into(),
        }
    }

    #[test]
    fn history_lines_show_when_what_and_where() {
        let text = history_text(&[row()]);
        assert!(text.contains("#3"), "{text}");
        assert!(text.contains("2026-11-22 00:33"));
        assert!(text.contains("threat") && text.contains("moved") && text.contains("personal/INBOX → Junk"));
        assert!(text.ends_with("1 detections\n"));
    }

    /// A subject with CR/LF and escape sequences neither forges a line nor reaches the
    /// terminal; nor does a sender or folder name with them.
    #[test]
    fn history_and_show_escape_control_characters() {
        let hostile = "ok\r\n#1     2026-01-01 00:00  clean\x1b[2J\x1b]0;owned\x07\u{202e}";
        let mut forged = row();
        forged.subject = hostile.into();
        forged.from = format!("x@evil.example{hostile}");
        forged.folder = "IN\nBOX".into();
        let text = history_text(&[forged]);
        assert_eq!(text.lines().count(), 2, "one line per detection and the count:\n{text}");
        let mut detection = detection();
        detection.subject = hostile.into();
        detection.to = hostile.into();
        detection.signals = serde_json::json!([{"rule": "r", "weight": 1.0, "evidence": hostile}]);
        let shown = detection_text(&detection);
        for output in [&text, &shown] {
            assert!(!output.contains(['\r', '\x1b', '\x07', '\u{202e}']), "{output:?}");
            assert!(output.contains("ok\\r\\n#1") && output.contains("\\x1b[2J"), "{output}");
        }
        assert_eq!(shown.lines().count(), detection_text(&self::detection()).lines().count());
    }

    #[test]
    fn history_json_carries_signals_as_objects() {
        let line = history_json(&[row()]);
        let value: serde_json::Value = serde_json::from_str(line.trim()).expect("JSON");
        assert_eq!(value["signals"][0]["rule"], "crypto_wallet_verified");
        assert_eq!(value["action"], "moved");
    }

    fn detection() -> Detection {
        Detection {
            id: 7,
            account: "personal".into(),
            folder: "INBOX".into(),
            uidvalidity: 1,
            uid: 42,
            message_id: "m@x".into(),
            message_key: "<m@x>".into(),
            from: "hacker@evil.example".into(),
            to: "me@example.com".into(),
            subject: "Your device is hacked".into(),
            date: String::new(),
            size: 1234,
            score: 12.0,
            verdict: "threat".into(),
            category: "extortion".into(),
            signals: serde_json::json!([{"rule": "crypto_wallet_verified", "weight": 3.0, "evidence": "bc1qxyz"}]),
            evidence: serde_json::json!({"wallets": [{"coin": "bitcoin", "address": "bc1qxyz", "checksum_valid": true}],
                "amounts": [{"text": "$1,500"}], "deadlines": [{"text": "48 hours"}], "shown_password": "hunter22"}),
            action: "moved".into(),
            destination: "Junk".into(),
            detected_at: 1_795_307_635,
            acted_at: None,
        }
    }

    #[test]
    fn a_detection_is_explained_in_plain_words() {
        let text = detection_text(&detection());
        for expected in [
            "Detection #7",
            "moved to Junk",
            "crypto_wallet_verified",
            "bitcoin bc1qxyz (checksum valid)",
            "amount demanded: $1,500",
            "deadline: 48 hours",
            "hunter22",
            "2026-11-22 00:33 UTC",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in\n{text}");
        }
    }

    #[test]
    fn since_accepts_days_hours_and_dates() {
        let now = 1_795_307_635;
        assert_eq!(parse_since("7d", now), Ok(now - 7 * 86_400));
        assert_eq!(parse_since("24h", now), Ok(now - 86_400));
        assert_eq!(parse_since("2026-11-22", now), Ok(now - now % 86_400));
        assert!(parse_since("yesterday", now).is_err());
        assert_eq!(parse_since("2024-02-29", now), Ok(1_709_164_800), "a leap day");
    }

    /// `--since 2026-02-31` was read as March 3rd.
    #[test]
    fn since_refuses_dates_that_do_not_exist() {
        let now = 1_795_307_635;
        for text in ["2026-02-31", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-11-22x"] {
            assert!(parse_since(text, now).is_err(), "{text}");
        }
    }
}
