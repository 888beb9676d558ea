//! What the user reads about the service's work (pure): the history list, one detection
//! in full, and the weekly report ([`weekly`] builds it, [`render`] writes it).

pub mod defang;
pub mod mime;
pub mod names;
pub mod render;
pub mod seal;
pub mod status;
pub mod table;
pub mod weekly;

use std::fmt::Write;

use serde::Serialize;

use crate::clock;
use crate::mail::printable::escape as p;
use crate::store::{Action, Category, Detection, Evidence, Signals, Verdict};

/// The detections, newest first, as a table under a header row (columns aligned in
/// terminal columns, sender and mailbox cut to a most width, the subject last), and a
/// closing count. Every text taken from mail or a server is escaped ([`p`]): a subject
/// cannot forge a line.
pub fn history_text(rows: &[Detection]) -> String {
    use table::{Align, Column};
    const COLUMNS: [Column; 9] = [
        Column { title: "ID", align: Align::Right, max: None },
        Column { title: "DETECTED (UTC)", align: Align::Left, max: None },
        Column { title: "VERDICT", align: Align::Left, max: None },
        Column { title: "CATEGORY", align: Align::Left, max: None },
        Column { title: "SCORE", align: Align::Right, max: None },
        Column { title: "ACTION", align: Align::Left, max: None },
        Column { title: "MAILBOX", align: Align::Left, max: Some(40) },
        Column { title: "FROM", align: Align::Left, max: Some(40) },
        Column { title: "SUBJECT", align: Align::Left, max: None },
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let destination = if row.destination.is_empty() { "-".into() } else { p(&row.destination) };
            vec![
                format!("#{}", row.id),
                clock::minute_string(row.detected_at),
                row.verdict.as_str().to_string(),
                row.category.as_str().to_string(),
                format!("{:.1}", row.score),
                row.action.as_str().to_string(),
                format!("{}/{} → {destination}", p(&row.account), p(&row.folder)),
                p(&row.from).into_owned(),
                format!("\"{}\"", p(&row.subject)),
            ]
        })
        .collect();
    let mut out = if rows.is_empty() { String::new() } else { table::render(&COLUMNS, &cells) };
    let _ = writeln!(out, "{} detections", rows.len());
    out
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
        writeln!(out, "Detection #{} — {} ({}), score {:.1}", d.id, d.verdict, d.category.as_str(), d.score);
    let _ = writeln!(out, "When:     {}", timestamp(d.detected_at));
    let _ = writeln!(out, "Mailbox:  {} / {} (UID {})", p(&d.account), p(&d.folder), d.uid);
    let _ = writeln!(out, "From:     {}", p(&d.from));
    let _ = writeln!(out, "To:       {}", p(&d.to));
    let _ = writeln!(out, "Subject:  {}", p(&d.subject));
    let _ = writeln!(out, "Date:     {}", p(&d.date));
    let _ = writeln!(out, "Message:  <{}>, {} bytes", p(&d.message_id), d.size);
    let destination = p(&d.destination);
    let now = match d.action {
        Action::Moved => format!("moved to {destination}"),
        Action::Copied => format!("copied to {destination} (original marked deleted)"),
        Action::Restored => format!("restored to {destination} as a false positive"),
        Action::DryRun => "left in place (dry run)".to_string(),
        Action::Flagged => format!("flagged {destination}"),
        Action::TrustedSender => "left in place (trusted sender)".to_string(),
        Action::Gone => "gone before it could be moved".to_string(),
        Action::Released => {
            format!("released: moved to Junk, then taken back to {destination} by hand; a false positive")
        }
        Action::Reported => format!(
            "reported: put into {} by hand or by the server's own filter; a threat scamguard missed",
            p(&d.folder)
        ),
        other @ (Action::Planned
        | Action::CopyMade
        | Action::FlagPlanned
        | Action::Nothing
        | Action::Unreadable) => other.to_string(),
    };
    let _ = writeln!(out, "Action:   {now}");
    let _ = writeln!(out, "\nWhy:");
    for signal in &d.signals.0 {
        let _ = writeln!(out, "  {:+5.1}  {:<30} {}", signal.weight, p(&signal.rule), p(&signal.evidence));
    }
    let evidence = d.evidence.as_ref().unwrap_or(&NO_EVIDENCE);
    for wallet in &evidence.wallets {
        let proof = if wallet.checksum_valid { "checksum valid" } else { "shape only" };
        let _ = writeln!(out, "  payment address: {} {} ({proof})", p(&wallet.coin), p(&wallet.address));
    }
    for amount in &evidence.amounts {
        let _ = writeln!(out, "  amount demanded: {}", p(&amount.text));
    }
    for deadline in &evidence.deadlines {
        let _ = writeln!(out, "  deadline: {}", p(&deadline.text));
    }
    if let Some(password) = evidence.shown_password.as_deref().map(p) {
        let _ = writeln!(
            out,
            "  the mail shows a password ({password}): change it wherever you used it and turn on two-factor login"
        );
    }
    out
}

/// What a row shows when it recorded no evidence (unreadable mail).
pub(crate) static NO_EVIDENCE: Evidence =
    Evidence { amounts: Vec::new(), deadlines: Vec::new(), shown_password: None, wallets: Vec::new() };

/// One line of `history --json`: these fields of a detection, in alphabetical order, as
/// the lines have always been written.
#[derive(Serialize)]
struct HistoryLine<'a> {
    account: &'a str,
    action: Action,
    category: Category,
    destination: &'a str,
    detected_at: i64,
    folder: &'a str,
    from: &'a str,
    id: i64,
    message_id: &'a str,
    score: f64,
    signals: &'a Signals,
    subject: &'a str,
    verdict: Verdict,
}

impl<'a> From<&'a Detection> for HistoryLine<'a> {
    fn from(d: &'a Detection) -> Self {
        HistoryLine {
            account: &d.account,
            action: d.action,
            category: d.category,
            destination: &d.destination,
            detected_at: d.detected_at,
            folder: &d.folder,
            from: &d.from,
            id: d.id,
            message_id: &d.message_id,
            score: d.score,
            signals: &d.signals,
            subject: &d.subject,
            verdict: d.verdict,
        }
    }
}

/// One JSON object per detection.
pub fn history_json(rows: &[Detection]) -> String {
    rows.iter()
        .map(|row| {
            crate::mail::printable::json(serde_json::to_string(&HistoryLine::from(row)).unwrap_or_default())
                + "\n"
        })
        .collect()
}

/// Reads `7d`, `24h` or a date `2026-11-01` as a Unix time, relative to `now`. A date
/// that does not exist (2026-02-31) is an error, not a day of the next month.
pub fn parse_since(text: &str, now: i64) -> Result<i64, String> {
    let bad =
        || format!("--since takes a count of days or hours (7d, 24h) or a date (2026-11-01), not {text:?}");
    // A count so large it runs off the clock (or a negative one, which is no "since")
    // is the same usage error as a word.
    let back = |count: &str, unit: i64| {
        let count = count.parse::<i64>().ok().filter(|c| *c >= 0);
        count.and_then(|c| c.checked_mul(unit)).and_then(|span| now.checked_sub(span)).ok_or_else(bad)
    };
    if let Some(days) = text.strip_suffix('d') {
        return back(days, 86_400);
    }
    if let Some(hours) = text.strip_suffix('h') {
        return back(hours, 3_600);
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    Ok(date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Amount, Deadline, Signal, Wallet};

    fn signal(rule: &str, weight: f64, evidence: &str) -> Signal {
        Signal { evidence: evidence.into(), rule: rule.into(), weight }
    }

    fn row() -> Detection {
        Detection {
            id: 3,
            message_id: "a@b".into(),
            from: "x@evil.example".into(),
            score: 12.5,
            signals: Signals(vec![signal("crypto_wallet_verified", 3.0, "bc1q")]),
            evidence: None,
            ..detection()
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

    /// A header row names the columns, and every column starts at the same terminal
    /// column on every line, whatever the rows hold (wide Japanese folder names, a long
    /// id, a long sender): measured at the last column, the subject.
    #[test]
    fn history_has_a_header_row_and_aligned_columns() {
        use unicode_width::UnicodeWidthStr;
        let mut japanese = row();
        japanese.id = 12345;
        japanese.folder = "受信箱/重要".into();
        japanese.subject = "至急".into();
        let mut long = row();
        long.from = format!("{}@example.org", "x".repeat(80));
        long.action = Action::TrustedSender;
        let text = history_text(&[japanese, row(), long]);
        let lines: Vec<&str> = text.lines().collect();
        let header = lines.first().expect("a header");
        let titles: Vec<&str> = header.split("  ").map(str::trim).filter(|t| !t.is_empty()).collect();
        assert_eq!(
            titles,
            ["ID", "DETECTED (UTC)", "VERDICT", "CATEGORY", "SCORE", "ACTION", "MAILBOX", "FROM", "SUBJECT"]
        );
        let subject_at =
            |line: &str, mark: &str| line.find(mark).map(|i| line.get(..i).unwrap_or("").width());
        let starts: Vec<Option<usize>> = std::iter::once(subject_at(header, "SUBJECT"))
            .chain(lines.iter().skip(1).take(3).map(|l| subject_at(l, "\"")))
            .collect();
        assert!(starts.iter().all(|s| s.is_some() && *s == starts[0]), "aligned: {starts:?}\n{text}");
        assert!(text.contains("xxxxx…"), "a long sender is cut: {text}");
        assert_eq!(history_text(&[]), "0 detections\n", "no header over nothing");
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
        assert_eq!(text.lines().count(), 3, "the header, one line per detection and the count:\n{text}");
        let mut detection = detection();
        detection.subject = hostile.into();
        detection.to = hostile.into();
        detection.signals = Signals(vec![signal("r", 1.0, hostile)]);
        let shown = detection_text(&detection);
        for output in [&text, &shown] {
            assert!(!output.contains(['\r', '\x1b', '\x07', '\u{202e}']), "{output:?}");
            assert!(output.contains("ok\\r\\n#1") && output.contains("\\x1b[2J"), "{output}");
        }
        assert_eq!(shown.lines().count(), detection_text(&self::detection()).lines().count());
    }

    /// The line `history --json` has always printed: these fields, in this order.
    #[test]
    fn history_json_carries_signals_as_objects() {
        let line = history_json(&[row()]);
        assert_eq!(
            line,
            concat!(
                r#"{"account":"personal","action":"moved","category":"extortion","destination":"Junk","#,
                r#""detected_at":1795307635,"folder":"INBOX","from":"x@evil.example","id":3,"message_id":"a@b","#,
                r#""score":12.5,"signals":[{"evidence":"bc1q","rule":"crypto_wallet_verified","weight":3.0}],"#,
                r#""subject":"Your device is hacked","verdict":"threat"}"#,
                "\n"
            )
        );
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
            verdict: Verdict::Threat,
            category: Category::Extortion,
            signals: Signals(vec![signal("crypto_wallet_verified", 3.0, "bc1qxyz")]),
            evidence: Some(Evidence {
                wallets: vec![Wallet {
                    address: "bc1qxyz".into(),
                    checksum_valid: true,
                    coin: "bitcoin".into(),
                    split: false,
                }],
                amounts: vec![Amount { currency: "USD".into(), text: "$1,500".into(), value: Some(1500.0) }],
                deadlines: vec![Deadline { hours: 48, text: "48 hours".into() }],
                shown_password: Some("hunter22".into()),
            }),
            action: Action::Moved,
            destination: "Junk".into(),
            detected_at: 1_795_307_635,
            acted_at: None,
        }
    }

    /// `show --json` prints a detection as it always has: fields in this order, evidence
    /// and signals in alphabetical order, and `{}` for a row that recorded no evidence.
    #[test]
    fn show_json_is_the_detection_as_it_always_was() {
        let shown = serde_json::to_string(&detection()).expect("json");
        assert_eq!(
            shown,
            concat!(
                r#"{"id":7,"account":"personal","folder":"INBOX","uidvalidity":1,"uid":42,"message_id":"m@x","#,
                r#""message_key":"<m@x>","from":"hacker@evil.example","to":"me@example.com","#,
                r#""subject":"Your device is hacked","date":"","size":1234,"score":12.0,"verdict":"threat","#,
                r#""category":"extortion","signals":[{"evidence":"bc1qxyz","rule":"crypto_wallet_verified","#,
                r#""weight":3.0}],"evidence":{"amounts":[{"currency":"USD","text":"$1,500","value":1500.0}],"#,
                r#""deadlines":[{"hours":48,"text":"48 hours"}],"shown_password":"hunter22","wallets":[{"#,
                r#""address":"bc1qxyz","checksum_valid":true,"coin":"bitcoin","split":false}]},"action":"moved","#,
                r#""destination":"Junk","detected_at":1795307635,"acted_at":null}"#
            )
        );
        let unreadable = Detection { evidence: None, ..detection() };
        let shown = serde_json::to_string(&unreadable).expect("json");
        assert!(shown.contains(r#""evidence":{},"action""#), "{shown}");
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
        assert!(parse_since(&format!("{}d", i64::MAX / 2), now).is_err(), "runs off the clock");
        assert!(parse_since(&format!("{}h", i64::MAX), now).is_err());
        assert!(parse_since("-3d", now).is_err(), "no since in the future");
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
