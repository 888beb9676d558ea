//! The weekly report as text and as one self-contained HTML page (inline CSS and an
//! inline SVG chart), in English or Japanese. Everything taken from mail is escaped: no
//! byte of a mail is ever rendered as HTML, and no control character reaches a terminal
//! ([`crate::mail::printable`]). Wallets, sending domains and links in subjects are
//! defanged ([`super::defang`]) in both forms, so the report never reads as the scams it
//! lists; the JSON form keeps them as they were, for programs.

use std::borrow::Cow;
use std::fmt::Write;

use super::weekly::WeeklyReport;
use super::{defang, names};
use crate::mail::printable;

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// The language `report.lang` names (`en`, `ja`: the words `--lang` takes).
    pub fn parse(text: &str) -> Result<Lang, String> {
        <Lang as clap::ValueEnum>::from_str(text, false)
            .map_err(|_| format!("--lang takes en or ja, not {text:?}"))
    }

    /// The word that names it: in `report.lang`, `--lang`, `?lang=` and HTML's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

struct Words {
    title: &'static str,
    scanned: &'static str,
    threats: &'static str,
    suspicious: &'static str,
    restored: &'static str,
    change: &'static str,
    by_category: &'static str,
    wallets: &'static str,
    /// "first seen", "last seen".
    wallet_line: [&'static str; 2],
    /// Between the parts of a line: ", " or "、".
    comma: &'static str,
    amounts: &'static str,
    domains: &'static str,
    passwords: &'static str,
    password_advice: &'static str,
    what_to_do: &'static str,
    advice: [&'static str; 4],
    per_day: &'static str,
    none: &'static str,
}

const EN: Words = Words {
    title: "scamguard weekly report",
    scanned: "Messages scanned",
    threats: "Threats moved to Junk",
    suspicious: "Suspicious, kept",
    restored: "Restored as false positives",
    change: "Change against the previous period",
    by_category: "Threats by kind",
    wallets: "Payment addresses demanded (evidence for a police report or an abuse desk)",
    wallet_line: ["first seen", "last seen"],
    comma: ", ",
    amounts: "Amounts demanded",
    domains: "Top sending domains",
    passwords: "Mails that showed a password",
    password_advice: "If you ever used this password: change it everywhere it was used, turn on two-factor login, and check your address at a breach-notification service such as Have I Been Pwned. It comes from an old data breach; the sender has no access to your device.",
    what_to_do: "What to do when you receive one",
    advice: [
        "Do not pay and do not reply: these mails are sent in bulk; nobody recorded you.",
        "Do not click links or open attachments in them.",
        "Sent from your own address? The sender line is forged; it proves nothing.",
        "Keep the mail if you want to report it to the police; otherwise delete it.",
    ],
    per_day: "Threats per day",
    none: "none",
};

const JA: Words = Words {
    title: "scamguard 週間レポート",
    scanned: "検査したメール",
    threats: "迷惑メールフォルダに移動した脅威",
    suspicious: "要注意（移動せず）",
    restored: "誤検知として戻したメール",
    change: "前の期間との差",
    by_category: "種類別の脅威",
    wallets: "送金を要求された暗号資産アドレス（警察や通報窓口への証拠として）",
    wallet_line: ["初回", "最終"],
    comma: "、",
    amounts: "要求された金額",
    domains: "送信元ドメイン（上位）",
    passwords: "パスワードが書かれていたメール",
    password_advice: "このパスワードを使ったことがあれば、使っているすべてのサービスで変更し、二段階認証を有効にして、Have I Been Pwned などの漏えい確認サービスでメールアドレスを確認してください。過去の情報漏えいで出回ったもので、送信者があなたの端末に侵入した証拠ではありません。",
    what_to_do: "このようなメールが届いたら",
    advice: [
        "支払わない、返信しない。ばらまき型の詐欺で、あなたは録画されていません。",
        "本文のリンクや添付ファイルを開かない。",
        "差出人が自分のアドレスでも、送信者欄は偽装できるので心配はいりません。",
        "警察に相談する場合はメールを保存し、そうでなければ削除してください。",
    ],
    per_day: "日ごとの脅威",
    none: "なし",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

fn change(report: &WeeklyReport) -> String {
    let delta = report.threats - report.previous_threats;
    format!("{delta:+} ({} → {})", report.previous_threats, report.threats)
}

/// The report as plain text.
pub fn text(report: &WeeklyReport, lang: Lang) -> String {
    let w = words(lang);
    let mut out = String::new();
    let p = printable::escape;
    let _ = writeln!(out, "{} — {} — {}", w.title, p(&report.account), names::period(&report.period, lang));
    let _ = writeln!(out, "{}\n", days(report, lang));
    let _ = writeln!(out, "{}: {}", w.scanned, report.scanned);
    let _ = writeln!(out, "{}: {}", w.threats, report.threats);
    let _ = writeln!(out, "{}: {}", w.suspicious, report.suspicious);
    let _ = writeln!(out, "{}: {}", w.restored, report.restored);
    let _ = writeln!(out, "{}: {}", w.change, change(report));
    let _ = writeln!(out, "\n{}:", w.by_category);
    list_or_none(
        &mut out,
        w,
        report.threats_by_category.iter().map(|(k, v)| format!("{}: {v}", p(&names::category(k, lang)))),
    );
    let _ = writeln!(out, "\n{}:", w.per_day);
    for (day, count) in &report.per_day {
        let bar = "#".repeat((*count).clamp(0, 60) as usize);
        let day = p(&names::chart_day(day, lang)).into_owned();
        let _ = writeln!(out, "{}", format!("  {day}  {count:>3}  {bar}").trim_end());
    }
    let _ = writeln!(out, "\n{}:", w.wallets);
    list_or_none(
        &mut out,
        w,
        report.wallets.iter().map(|s| {
            format!(
                "{} {} — {}{c}{} {}{c}{} {}",
                p(&names::coin(&s.coin, lang)),
                p(&defang::wallet(&s.address)),
                names::mails(s.mails, lang),
                w.wallet_line[0],
                names::date(s.first_seen, lang),
                w.wallet_line[1],
                names::date(s.last_seen, lang),
                c = w.comma
            )
        }),
    );
    let _ = writeln!(out, "\n{}:", w.amounts);
    list_or_none(
        &mut out,
        w,
        report.amounts.iter().map(|(currency, sum)| p(&names::money(currency, *sum)).into_owned()),
    );
    let _ = writeln!(out, "\n{}:", w.domains);
    list_or_none(
        &mut out,
        w,
        report.top_domains.iter().map(|(domain, n)| format!("{}: {n}", p(&defang::text(domain)))),
    );
    if !report.password_mails.is_empty() {
        let _ = writeln!(out, "\n{}:", w.passwords);
        for mail in &report.password_mails {
            let _ = writeln!(out, "  - \"{}\": {}", p(&defang::text(&mail.subject)), p(&mail.password));
        }
        let _ = writeln!(out, "  {}", w.password_advice);
    }
    let _ = writeln!(out, "\n{}:", w.what_to_do);
    for line in w.advice {
        let _ = writeln!(out, "  - {line}");
    }
    out
}

fn list_or_none(out: &mut String, w: &Words, items: impl Iterator<Item = String>) {
    let mut any = false;
    for item in items {
        any = true;
        let _ = writeln!(out, "  - {item}");
    }
    if !any {
        let _ = writeln!(out, "  {}", w.none);
    }
}

/// Escapes text for HTML element content and attribute values; control and bidi
/// characters are written out as for a terminal, so they cannot reorder what is shown.
pub fn escape(text: &str) -> String {
    let text: Cow<'_, str> = printable::escape(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The report as one self-contained HTML page.
pub fn html(report: &WeeklyReport, lang: Lang) -> String {
    let w = words(lang);
    let e = escape;
    let mut out = String::new();
    let lang_code = lang.code();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{lang_code}\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:sans-serif;max-width:46em;margin:2em auto;color:#222}}h1{{font-size:1.4em}}\
         table{{border-collapse:collapse}}td{{padding:.2em .8em;border-bottom:1px solid #ddd}}\
         .n{{text-align:right;font-weight:bold}}code{{background:#f4f4f4;padding:0 .2em}}\
         .warn{{background:#fff4e5;padding:.6em;border-left:4px solid #e69500}}</style></head><body>",
        e(w.title)
    );
    let _ = write!(
        out,
        "<h1>{} — {} — {}</h1><p>{}</p><table>",
        e(w.title),
        e(&report.account),
        e(&names::period(&report.period, lang)),
        e(&days(report, lang))
    );
    for (label, value) in [
        (w.scanned, report.scanned.to_string()),
        (w.threats, report.threats.to_string()),
        (w.suspicious, report.suspicious.to_string()),
        (w.restored, report.restored.to_string()),
        (w.change, change(report)),
    ] {
        let _ = write!(out, "<tr><td>{}</td><td class=\"n\">{}</td></tr>", e(label), e(&value));
    }
    let _ = write!(out, "</table><h2>{}</h2>{}", e(w.per_day), chart(report, lang));
    section(
        &mut out,
        w.by_category,
        w,
        report.threats_by_category.iter().map(|(k, v)| format!("{}: {v}", e(&names::category(k, lang)))),
    );
    section(
        &mut out,
        w.wallets,
        w,
        report.wallets.iter().map(|s| {
            format!(
                "{} <code>{}</code> — {}{c}{} {}{c}{} {}",
                e(&names::coin(&s.coin, lang)),
                e(&defang::wallet(&s.address)),
                e(&names::mails(s.mails, lang)),
                e(w.wallet_line[0]),
                e(&names::date(s.first_seen, lang)),
                e(w.wallet_line[1]),
                e(&names::date(s.last_seen, lang)),
                c = w.comma
            )
        }),
    );
    section(&mut out, w.amounts, w, report.amounts.iter().map(|(c, sum)| e(&names::money(c, *sum))));
    section(
        &mut out,
        w.domains,
        w,
        report.top_domains.iter().map(|(d, n)| format!("{}: {n}", e(&defang::text(d)))),
    );
    if !report.password_mails.is_empty() {
        section(
            &mut out,
            w.passwords,
            w,
            report
                .password_mails
                .iter()
                .map(|m| format!("{}: <code>{}</code>", e(&defang::text(&m.subject)), e(&m.password))),
        );
        let _ = write!(out, "<p class=\"warn\">{}</p>", e(w.password_advice));
    }
    section(&mut out, w.what_to_do, w, w.advice.iter().map(|a| e(a)));
    out.push_str("</body></html>\n");
    out
}

fn section(out: &mut String, title: &str, w: &Words, items: impl Iterator<Item = String>) {
    let _ = write!(out, "<h2>{}</h2><ul>", escape(title));
    let mut any = false;
    for item in items {
        any = true;
        let _ = write!(out, "<li>{item}</li>");
    }
    if !any {
        let _ = write!(out, "<li>{}</li>", escape(w.none));
    }
    out.push_str("</ul>");
}

/// The period's first and last day: "2026-11-16 … 2026-11-22".
fn days(report: &WeeklyReport, lang: Lang) -> String {
    let separator = if lang == Lang::Ja { "〜" } else { " … " };
    format!(
        "{}{separator}{}",
        names::date(report.period.start, lang),
        names::date(report.period.end - 1, lang)
    )
}

/// An inline SVG bar chart of threats per day.
fn chart(report: &WeeklyReport, lang: Lang) -> String {
    let max = report.per_day.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bar_width = 48;
    let height = 120;
    let width = bar_width * report.per_day.len().max(1);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" role=\"img\">",
        height + 30
    );
    for (i, (day, count)) in report.per_day.iter().enumerate() {
        let h = (*count * height as i64 / max) as usize;
        let x = i * bar_width + 6;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"#c0392b\"><title>{} {count}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>",
            height - h,
            bar_width - 12,
            escape(&names::chart_day(day, lang)),
            x,
            height + 14,
            escape(&short_day(day))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A chart bar's label: the month and day ("11-16" as "11/16").
fn short_day(day: &str) -> String {
    day.get(5..).unwrap_or(day).replace('-', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::weekly::build;

    fn report() -> WeeklyReport {
        let evidence = serde_json::json!({"wallets": [{"coin": "bitcoin", "address": "bc1qaaa", "checksum_valid": false, "split": false}], "shown_password": "pw<1>",
            "amounts": [{"value": 150000.0, "currency": "JPY", "text": "15万円"}, {"value": 1700.0, "currency": "USD", "text": "$1,700"}]});
        let (week, mut scam) = crate::report::weekly::tests::threat_in_w47(evidence);
        scam.subject = "<script>alert(1)</script>".into();
        build("personal", week, &[scam], 50, 3)
    }

    #[test]
    fn text_has_every_section_in_both_languages() {
        let en = text(&report(), Lang::En);
        for expected in [
            "scamguard weekly report — personal — 2026-W47",
            "Messages scanned: 50",
            "Threats moved to Junk: 1",
            "-2 (3 → 1)",
            "Bitcoin bc1[.]qaaa — 1 mail",
            "Extortion (sextortion): 1",
            "¥150,000",
            "$1,700",
            "evil1[.]example: 1",
            "Have I Been Pwned",
            "Do not pay",
        ] {
            assert!(en.contains(expected), "{expected:?} missing in\n{en}");
        }
        let ja = text(&report(), Lang::Ja);
        assert!(
            ja.contains("週間レポート") && ja.contains("検査したメール: 50") && ja.contains("支払わない"),
            "{ja}"
        );
    }

    /// The Japanese report is Japanese throughout, in text, in HTML (the mailed report
    /// and the review page's) and in the mail's subject: kinds of threat, coins, the week
    /// and its days, every label; sums as their currency is written. Only what is not
    /// words stays as it is: names (scamguard, Have I Been Pwned), the account, defanged
    /// addresses and domains, the mail's own subject and password, numbers.
    #[test]
    fn the_japanese_report_is_japanese_throughout_and_sums_read_as_money() {
        let report = report();
        let ja_text = text(&report, Lang::Ja);
        let ja_html = html(&report, Lang::Ja);
        let (_, mail) = super::super::mime::message(
            &report,
            Lang::Ja,
            "me@example.com",
            1_795_307_635,
            "t",
            &super::super::seal::ReportKey::new(vec![7; 32]),
        );
        let subject = mail_parser::MessageParser::default()
            .parse(&mail)
            .and_then(|m| m.subject().map(str::to_string))
            .unwrap_or_default();
        for (form, rendered) in [("text", &ja_text), ("html", &ja_html)] {
            for expected in [
                "2026年第47週",
                "2026年11月16日（月）〜2026年11月22日（日）",
                "脅迫（セクストーション）: 1",
                "11月16日（月）",
                "ビットコイン",
                "1 通、初回 2026年11月16日（月）、最終",
                "¥150,000",
                "$1,700",
            ] {
                assert!(rendered.contains(expected), "{form}: {expected:?} missing in\n{rendered}");
            }
        }
        assert_eq!(subject, "scamguard 週間レポート 2026年第47週: 脅威 1 件を移動");
        // What the page shows as text, without markup, styles and the chart.
        let html_words: String = ja_html
            .split('<')
            .filter_map(|tag| tag.split_once('>').map(|(_, after)| after))
            .filter(|t| !t.contains('{'))
            .collect::<Vec<_>>()
            .join(" ");
        let allowed = [
            "scamguard",
            "personal",
            "Have",
            "I",
            "Been",
            "Pwned",
            "bc",
            "qaaa",
            "evil",
            "example",
            "script",
            "lt",
            "gt",
            "alert",
            "pw",
        ];
        for (form, shown) in [("text", ja_text.as_str()), ("html", html_words.as_str())] {
            let english: Vec<&str> = shown
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1 && !allowed.contains(w))
                .collect();
            assert!(english.is_empty(), "{form}: English or codes left in the Japanese report: {english:?}");
            assert!(!shown.contains("150000") && !shown.contains("JPY") && !shown.contains("W47"), "{shown}");
        }
    }

    /// Renders the fixed report in every form and compares it with the golden files in
    /// `tests/data/report/` (`SCAMGUARD_UPDATE_GOLDEN=1` rewrites them after a deliberate
    /// change; read the diff before committing it).
    #[test]
    fn renderings_match_the_golden_files() {
        let report = report();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/report");
        let renderings = [
            ("weekly.en.txt", text(&report, Lang::En)),
            ("weekly.ja.txt", text(&report, Lang::Ja)),
            ("weekly.ja.html", html(&report, Lang::Ja)),
            ("weekly.en.html", html(&report, Lang::En)),
            ("weekly.json", serde_json::to_string_pretty(&report).expect("JSON") + "\n"),
        ];
        let update = std::env::var_os("SCAMGUARD_UPDATE_GOLDEN").is_some();
        for (name, rendered) in renderings {
            let path = dir.join(name);
            if update {
                std::fs::write(&path, &rendered).expect("write golden file");
            }
            let golden =
                std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
            assert_eq!(rendered, golden, "{name} differs from its golden file");
        }
    }

    #[test]
    fn html_escapes_everything_from_mail() {
        let page = html(&report(), Lang::En);
        assert!(!page.contains("<script>"), "a subject must never become markup");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("pw&lt;1&gt;"));
        assert_eq!(escape("a\u{202e}<b\x1b"), "a\\u{202e}&lt;b\\x1b", "bidi and control characters too");
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg") && page.contains("<style>"));
        assert!(
            !page.contains("src=\"http") && !page.contains("href=\"http"),
            "self-contained: nothing loaded from outside"
        );
    }
}
