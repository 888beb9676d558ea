//! The weekly report as a mail message (multipart/alternative: text and HTML), to be put
//! into the user's INBOX with APPEND, so no SMTP is needed.
//!
//! `mail-builder` writes the MIME (encoded words of at most 75 characters, folded header
//! lines, base64 or quoted-printable bodies); this module adds the [`seal`] over what it
//! wrote.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;

use super::render::{self, Lang};
use super::seal::{self, ReportKey};
use super::weekly::WeeklyReport;

/// The raw message. `token` makes the Message-ID unguessable, and the [`seal::HEADER`]
/// (an HMAC under `key` of the Message-ID and body) lets the scanner know its own
/// report even when the store never learnt the Message-ID (see [`seal`]).
///
/// `to` is the account's username: the To header names it when it is a mail address,
/// and is left out when it is not (a login such as `alice`): an address is never made
/// up, and RFC 5322 makes To optional; the message goes into the user's own INBOX.
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
            let period = super::names::period(&report.period, lang);
            format!("scamguard 週間レポート {period}: 脅威 {} 件を移動", report.threats)
        }
    };
    let message_id = format!("scamguard-report-{}-{token}@scamguard.invalid", report.period.label);
    let mut builder = MessageBuilder::new()
        .from(("scamguard", "scamguard@scamguard.invalid"))
        .subject(subject)
        .date(now)
        .message_id(message_id.as_str())
        .text_body(render::text(report, lang))
        .html_body(render::html(report, lang));
    if is_address(to) {
        builder = builder.to(Address::new_address(None::<&str>, to));
    }
    // Writing to memory cannot fail.
    let unsealed = builder.write_to_vec().unwrap_or_default();
    let raw = sealed(&unsealed, &format!("<{message_id}>"), key);
    (message_id, raw)
}

/// `raw` with the [`seal::HEADER`] over its Message-ID and body added at the end of its
/// header block.
fn sealed(raw: &[u8], message_id: &str, key: &ReportKey) -> Vec<u8> {
    let header_end = raw.windows(4).position(|w| w == b"\r\n\r\n").map_or(raw.len(), |i| i + 2);
    let (head, rest) = raw.split_at(header_end);
    let body = rest.strip_prefix(b"\r\n".as_slice()).unwrap_or(rest);
    let seal_line = format!("{}: {}\r\n\r\n", seal::HEADER, seal::seal(key, message_id, body));
    [head, seal_line.as_bytes(), body].concat()
}

/// A plain `local@domain` address, something that can stand between angle brackets.
fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let plain = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_graphic() && !"<>()[]\\,;:\"@".contains(c))
    };
    plain(local) && plain(domain)
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
        let verdict = crate::detect::classify(&email, &crate::detect::Detector::default());
        assert_eq!(verdict.label, crate::detect::Label::Clean, "the report itself reads as clean");
    }

    /// The subject of a report, in each language, as written and as read back.
    fn subjects(raw: &[u8]) -> (Vec<String>, Option<String>) {
        let text = String::from_utf8_lossy(raw);
        let words = regex::Regex::new(r"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=").expect("regex");
        let parsed =
            mail_parser::MessageParser::default().parse(raw).and_then(|m| m.subject().map(str::to_string));
        (words.find_iter(&text).map(|w| w.as_str().to_string()).collect(), parsed)
    }

    /// RFC 2047 allows encoded words of 75 characters; the Japanese subject was once one
    /// word of 96. Every word must fit, and the subject and both bodies must read back
    /// exactly as rendered.
    #[test]
    fn encoded_words_fit_rfc_2047_and_the_report_parses_back_unchanged() {
        let report = build("personal", Period::iso_week("2026-W47").expect("week"), &[], 10, 0);
        let key = ReportKey::new(vec![5; 32]);
        for lang in [Lang::Ja, Lang::En] {
            let (_, raw) = message(&report, lang, "me@example.com", 1_795_307_635, "t0k3n", &key);
            let (words, subject) = subjects(&raw);
            if lang == Lang::Ja {
                assert!(!words.is_empty(), "the Japanese subject is encoded");
            }
            for word in &words {
                assert!(word.len() <= 75, "{} characters: {word}", word.len());
            }
            let want = match lang {
                Lang::Ja => "scamguard 週間レポート 2026年第47週: 脅威 0 件を移動",
                Lang::En => "scamguard weekly report 2026-W47: 0 threats moved",
            };
            assert_eq!(subject.as_deref(), Some(want));
            // Text travels with CRLF line ends (RFC 5322), the rendering has LF.
            let parsed = mail_parser::MessageParser::default().parse(&raw).expect("parses");
            let read_back = |part: Option<std::borrow::Cow<'_, str>>| part.map(|t| t.replace("\r\n", "\n"));
            assert_eq!(read_back(parsed.body_text(0)), Some(render::text(&report, lang)));
            assert_eq!(read_back(parsed.body_html(0)), Some(render::html(&report, lang)));
            assert!(seal::is_genuine(&key, &raw), "{lang:?}: the seal covers what was written");
        }
    }

    /// A username that is not an address (`alice`) gives no To header: never `<alice>`.
    #[test]
    fn to_names_the_username_only_when_it_is_an_address() {
        let report = build("personal", Period::iso_week("2026-W47").expect("week"), &[], 10, 0);
        let key = ReportKey::new(vec![5; 32]);
        let to_of = |user: &str| {
            let (_, raw) = message(&report, Lang::En, user, 1_795_307_635, "t0k3n", &key);
            let head = String::from_utf8_lossy(&raw).split("\r\n\r\n").next().unwrap_or_default().to_string();
            head.lines().find_map(|l| l.strip_prefix("To: ").map(str::to_string))
        };
        assert_eq!(to_of("me@example.com").as_deref(), Some("<me@example.com>"));
        for user in ["alice", "alice@", "@example.com", "a b@example.com", "a@b@c", "<x>@y"] {
            assert_eq!(to_of(user), None, "{user:?}");
        }
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
            let verdict = crate::detect::classify(&email, &crate::detect::Detector::default());
            assert_eq!(verdict.label, crate::detect::Label::Clean, "{lang:?}: {:?}", verdict.signals);
            assert!(verdict.evidence.wallets.is_empty(), "no wallet can be lifted from it");
        }
    }
}
