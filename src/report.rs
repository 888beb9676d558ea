//! Renders the detection history for people and programs (pure). The weekly report will
//! live here too.

use std::fmt::Write;

use crate::clock;
use crate::store::DetectionRow;

/// One readable line per detection, newest first, and a closing count.
pub fn history_text(rows: &[DetectionRow]) -> String {
    let mut out = String::new();
    for row in rows {
        let (y, m, d) = clock::civil_date(row.detected_at);
        let seconds = row.detected_at.rem_euclid(86_400);
        let _ = writeln!(
            out,
            "#{:<5} {y:04}-{m:02}-{d:02} {:02}:{:02}  {:<10} {:<10} {:>5.1}  {:<8} {}/{} → {}  {}  {:?}",
            row.id,
            seconds / 3600,
            seconds % 3600 / 60,
            row.verdict,
            row.category,
            row.score,
            row.action,
            row.account,
            row.folder,
            if row.destination.is_empty() { "-" } else { row.destination.as_str() },
            row.from,
            row.subject,
        );
    }
    let _ = writeln!(out, "{} detections", rows.len());
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

/// Reads `7d`, `24h` or a date `2026-11-01` as a Unix time, relative to `now`.
pub fn parse_since(text: &str, now: i64) -> Result<i64, String> {
    let bad =
        || format!("--since takes a count of days or hours (7d, 24h) or a date (2026-11-01), not {text:?}");
    if let Some(days) = text.strip_suffix('d') {
        return days.parse::<i64>().map(|d| now - d * 86_400).map_err(|_| bad());
    }
    if let Some(hours) = text.strip_suffix('h') {
        return hours.parse::<i64>().map(|h| now - h * 3_600).map_err(|_| bad());
    }
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => {
            let (y, m, d) =
                (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return Err(bad());
            }
            Ok(clock::unix_of_date(y, m, d))
        }
        _ => Err(bad()),
    }
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

    #[test]
    fn history_json_carries_signals_as_objects() {
        let line = history_json(&[row()]);
        let value: serde_json::Value = serde_json::from_str(line.trim()).expect("JSON");
        assert_eq!(value["signals"][0]["rule"], "crypto_wallet_verified");
        assert_eq!(value["action"], "moved");
    }

    #[test]
    fn since_accepts_days_hours_and_dates() {
        let now = 1_795_307_635;
        assert_eq!(parse_since("7d", now), Ok(now - 7 * 86_400));
        assert_eq!(parse_since("24h", now), Ok(now - 86_400));
        assert_eq!(parse_since("2026-11-22", now), Ok(now - now % 86_400));
        assert!(parse_since("yesterday", now).is_err());
    }
}
