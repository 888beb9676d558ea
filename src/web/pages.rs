//! What each page shows, built from the store's records (pure), and the askama templates
//! (`templates/`) that write it. Askama escapes every value for HTML; before that, text
//! from mail or a server goes through [`printable::escape`], so control and bidi
//! characters show as escapes instead of reordering the page.

use askama::Template;

use super::i18n::{self, Words};
use crate::clock;
use crate::mail::printable;
use crate::report::render::Lang;
use crate::store::{Action, Detection, Evidence};

/// Text from mail or a server, made printable (askama then escapes it for HTML).
fn p(text: &str) -> String {
    printable::escape(text).into_owned()
}

/// What every page has: its language, its words, and the links to change language.
pub struct Frame {
    pub language: Lang,
    /// Its code, for `<html lang>`.
    pub lang: &'static str,
    pub w: &'static Words,
    /// The current page's URL with `lang=en` / `lang=ja`.
    pub en_url: String,
    pub ja_url: String,
}

impl Frame {
    /// `path` and `pairs` (its query) are the page's own URL; the language links replace
    /// its `lang`.
    pub fn new(lang: Lang, path: &str, pairs: &[(String, String)]) -> Frame {
        let link = |code: &str| {
            let mut pairs: Vec<(String, String)> =
                pairs.iter().filter(|(k, _)| k != "lang").cloned().collect();
            pairs.push(("lang".into(), code.into()));
            url(path, &pairs)
        };
        Frame {
            language: lang,
            lang: lang.code(),
            w: i18n::words(lang),
            en_url: link("en"),
            ja_url: link("ja"),
        }
    }
}

/// `path?k=v&…`, form-encoded.
pub fn url(path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{path}?{query}")
}

/// One choice of a filter's `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// "any" first, then `(value, label)` pairs, the one whose value is `current` selected.
    pub fn list(any: &str, values: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
        let mut list = vec![Choice { value: String::new(), label: any.into(), selected: current.is_empty() }];
        list.extend(values.into_iter().map(|(v, label)| Choice {
            selected: v == current,
            label: p(&label),
            value: v,
        }));
        list
    }
}

/// One line of the history table.
pub struct Row {
    pub id: i64,
    pub when: String,
    /// The stored word (the CSS class that colours it).
    pub verdict_word: &'static str,
    pub verdict: &'static str,
    pub category: &'static str,
    pub score: String,
    pub action: &'static str,
    pub account: String,
    pub folder: String,
    pub from: String,
    pub subject: String,
}

impl Row {
    pub fn of(d: &Detection, lang: Lang) -> Row {
        Row {
            id: d.id,
            when: clock::minute_string(d.detected_at),
            verdict_word: d.verdict.as_str(),
            verdict: i18n::verdict(lang, d.verdict),
            category: i18n::category(lang, d.category),
            score: format!("{:.2}", d.score),
            action: i18n::action(lang, d.action),
            account: p(&d.account),
            folder: p(&d.folder),
            from: p(&d.from),
            subject: p(&d.subject),
        }
    }
}

/// The history page.
#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub frame: Frame,
    pub accounts: Vec<Choice>,
    pub verdicts: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub actions: Vec<Choice>,
    pub since: String,
    pub text: String,
    /// A filter that was not understood, said above the table.
    pub problem: Option<String>,
    pub rows: Vec<Row>,
    pub page: u32,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// What the evidence names, as the mail wrote it: wallets, amounts, deadlines and a
/// shown password (what the detection page and the mail's text mark).
pub fn named_evidence(evidence: &Evidence) -> impl Iterator<Item = &str> {
    let wallets = evidence.wallets.iter().map(|w| w.address.as_str());
    let amounts = evidence.amounts.iter().map(|a| a.text.as_str());
    let deadlines = evidence.deadlines.iter().map(|x| x.text.as_str());
    wallets.chain(amounts).chain(deadlines).chain(evidence.shown_password.as_deref())
}

/// A stretch of text, marked when it is evidence.
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// `text` cut into segments, each occurrence of a needle (ASCII letters in any case)
/// marked; overlapping occurrences merge. Needles shorter than 2 bytes mark nothing.
pub fn highlight(text: &str, needles: &[String]) -> Vec<Segment> {
    let haystack = text.to_ascii_lowercase();
    let mut marked = vec![false; text.len()];
    for needle in needles.iter().filter(|n| n.len() >= 2) {
        let needle = needle.to_ascii_lowercase();
        for (start, _) in haystack.match_indices(&needle) {
            for flag in marked.iter_mut().skip(start).take(needle.len()) {
                *flag = true;
            }
        }
    }
    // Cut only at character boundaries: a needle matches whole characters, so every
    // byte of a character has the same flag.
    let mut segments: Vec<Segment> = Vec::new();
    for (start, c) in text.char_indices() {
        let mark = marked.get(start).copied().unwrap_or(false);
        match segments.last_mut() {
            Some(last) if last.mark == mark => last.text.push(c),
            _ => segments.push(Segment { text: c.to_string(), mark }),
        }
    }
    segments
}

/// One signal of a detection.
pub struct SignalRow {
    pub weight: String,
    pub rule: String,
    /// The signal table's name and line for it in the page's language (empty for a name
    /// it no longer has).
    pub title: &'static str,
    pub doc: &'static str,
    pub evidence: Vec<Segment>,
}

/// What a restore did, said at the top of the detection page.
pub struct Outcome {
    pub ok: bool,
    pub text: String,
}

/// One detection in full.
#[derive(Template)]
#[template(path = "detection.html")]
pub struct DetectionPage {
    pub frame: Frame,
    /// What the history line shows of it.
    pub row: Row,
    pub destination: String,
    pub from: Vec<Segment>,
    pub to: String,
    pub subject: Vec<Segment>,
    pub date: String,
    pub signals: Vec<SignalRow>,
    pub wallets: Vec<String>,
    pub amounts: Vec<String>,
    pub deadlines: Vec<String>,
    pub password: Option<String>,
    /// The restore form is shown only for mail that is in Junk.
    pub can_restore: bool,
    pub csrf: String,
    pub outcome: Option<Outcome>,
}

impl DetectionPage {
    pub fn of(frame: Frame, d: &Detection, csrf: &str, outcome: Option<Outcome>) -> DetectionPage {
        use crate::detect::SignalId;
        let evidence = d.evidence.clone().unwrap_or_default();
        // What the signals quote is marked where subject and sender hold it; what the
        // evidence names (wallets, amounts, deadlines, a password) is marked in the quotes.
        let quotes: Vec<String> = d.signals.0.iter().map(|s| p(&s.evidence)).collect();
        let named: Vec<String> = named_evidence(&evidence).map(p).collect();
        let signals = d
            .signals
            .0
            .iter()
            .map(|s| {
                let (title, doc) =
                    SignalId::from_name(&s.rule).map_or(("", ""), |id| i18n::signal(frame.language, id));
                SignalRow {
                    weight: format!("{:+.2}", s.weight),
                    rule: p(&s.rule),
                    title,
                    doc,
                    evidence: highlight(&p(&s.evidence), &named),
                }
            })
            .collect();
        let (words, language) = (frame.w, frame.language);
        DetectionPage {
            row: Row::of(d, language),
            frame,
            destination: p(&d.destination),
            from: highlight(&p(&d.from), &quotes),
            to: p(&d.to),
            subject: highlight(&p(&d.subject), &quotes),
            date: p(&d.date),
            signals,
            wallets: evidence
                .wallets
                .iter()
                .map(|w| {
                    let checked = if w.checksum_valid { words.checksum_valid } else { "" };
                    format!(
                        "{} ({}{checked})",
                        p(&w.address),
                        p(&crate::report::names::coin(&w.coin, language))
                    )
                })
                .collect(),
            amounts: evidence
                .amounts
                .iter()
                .map(|a| format!("{} ({})", p(&a.text), p(&a.currency)))
                .collect(),
            deadlines: evidence
                .deadlines
                .iter()
                .map(|x| format!("{} ({} {})", p(&x.text), x.hours, words.hours))
                .collect(),
            password: evidence.shown_password.as_deref().map(p),
            can_restore: d.action.is_in_junk() && d.action != Action::Restored,
            csrf: csrf.to_string(),
            outcome,
        }
    }
}

/// A page that only says something (not found, refused).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub frame: Frame,
    pub title: String,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(segments: &[Segment]) -> Vec<(&str, bool)> {
        segments.iter().map(|s| (s.text.as_str(), s.mark)).collect()
    }

    #[test]
    fn evidence_is_marked_wherever_it_occurs_in_any_case() {
        let needles = ["your device".to_string(), "HACKED".to_string(), "d".to_string()];
        assert_eq!(
            marked(&highlight("Your device is hacked, your device!", &needles)),
            [
                ("Your device", true),
                (" is ", false),
                ("hacked", true),
                (", ", false),
                ("your device", true),
                ("!", false)
            ]
        );
        assert_eq!(marked(&highlight("", &needles)), []);
        assert_eq!(marked(&highlight("nothing here", &needles)), [("nothing here", false)]);
    }

    #[test]
    fn overlapping_and_non_ascii_evidence_cut_only_between_characters() {
        let needles =
            ["ビットコイン".to_string(), "コインで".to_string(), "abc".to_string(), "bcd".to_string()];
        assert_eq!(
            marked(&highlight("ビットコインで払え abcd", &needles)),
            [("ビットコインで", true), ("払え ", false), ("abcd", true)]
        );
    }

    #[test]
    fn the_japanese_detection_page_names_and_explains_signals_in_japanese() {
        use crate::detect::SignalId;
        let render = |lang| {
            let frame = Frame::new(lang, "/detection/7", &[]);
            let detection = super::super::mail_text::tests::detection();
            DetectionPage::of(frame, &detection, "csrf", None).render().expect("renders")
        };
        let (ja, en) = (render(Lang::Ja), render(Lang::En));
        let (english, japanese) =
            (SignalId::CryptoPaymentDemand.def(), SignalId::CryptoPaymentDemand.japanese());
        let japanese = japanese.expect("translated");
        // The name under the stored rule, its line as the hover text.
        let shown = |title: &str, doc: &str| format!("<small title=\"{doc}\">{title}</small>");
        assert!(ja.contains(&shown(japanese.title, japanese.doc)), "{ja}");
        assert!(en.contains(&shown(english.title, english.doc)), "{en}");
        let learned =
            (SignalId::LearnedWords.def().title, SignalId::LearnedWords.japanese().expect("translated"));
        assert!(ja.contains(&format!(">{}</small>", learned.1.title)) && en.contains(learned.0), "{ja}");
        // The wallet's coin and checksum, and a deadline's hours, in the page's language.
        assert!(ja.contains("ビットコイン") && ja.contains(i18n::words(Lang::Ja).checksum_valid), "{ja}");
        assert!(en.contains("Bitcoin, checksum valid"), "{en}");
        for text in [english.title, english.doc, learned.0, "checksum valid"] {
            assert!(!ja.contains(text), "English left on the Japanese page: {text}");
        }
        // A rule the table no longer has is shown by its stored name only, in both.
        for html in [&ja, &en] {
            assert!(html.contains("<code>no_such_rule_any_more</code></td>"), "{html}");
        }
    }

    #[test]
    fn hostile_text_is_rendered_as_text() {
        let page = MessagePage {
            frame: Frame::new(Lang::En, "/", &[]),
            title: "<script>alert(1)</script>".into(),
            text: p("a\u{202e}b\x1b[31m"),
        };
        let html = page.render().expect("renders");
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains('\u{202e}') && !html.contains('\x1b'), "{html}");
    }
}
