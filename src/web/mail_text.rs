//! A detection's mail shown as text with its evidence marked (`GET /detection/ID/message`).
//!
//! The store keeps what was found in a mail, never the mail, so the text is read from the
//! mail server when asked for ([`super::Backend::message`]: read-only, nothing marked
//! read). It is shown as the detector read it (HTML turned into text), every line made
//! printable and then escaped by askama: no markup of the mail's reaches the page, no link
//! can be followed and nothing remote is loaded (the page's CSP allows nothing anyway).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::pages::{Frame, Row, Segment, highlight, named_evidence};
use super::routes::{html, lang_of, message, store_failed};
use super::{MessageReply, WebState};
use crate::detect::SignalId;
use crate::mail::printable;
use crate::store::Detection;

/// The most text shown: a mail is read whole only up to the account's
/// `max_message_bytes`, and a page this long is already more than anyone reads.
const MAX_SHOWN_BYTES: usize = 200_000;

/// Evidence shorter than this marks nothing in the text: a two-letter quote would mark
/// every word that contains it.
const MIN_NEEDLE_BYTES: usize = 3;

/// The mail's text page.
#[derive(Template)]
#[template(path = "mail_text.html")]
pub struct MailTextPage {
    pub frame: Frame,
    pub row: Row,
    /// Where the message was found.
    pub folder: String,
    /// The text, cut into marked and unmarked stretches; `None` when it was not read.
    pub text: Option<Vec<Segment>>,
    /// Why there is no text.
    pub problem: String,
}

impl MailTextPage {
    /// The page for detection `d` and what the server gave back for it.
    pub fn of(frame: Frame, d: &Detection, reply: MessageReply) -> MailTextPage {
        let row = Row::of(d, frame.language);
        let (folder, text, problem) = match reply {
            MessageReply::Found { folder, raw } => match crate::mail::parse(&raw) {
                Ok(email) => (
                    shown(&folder),
                    Some(highlight(&printable_text(&email.text), &needles(d))),
                    String::new(),
                ),
                Err(_) => (shown(&folder), None, frame.w.mail_not_mail.to_string()),
            },
            MessageReply::Gone { looked_in } => {
                let folders: Vec<String> = looked_in.iter().map(|f| shown(f)).collect();
                (String::new(), None, format!("{} {}", frame.w.mail_gone, folders.join(", ")))
            }
            MessageReply::Failed(why) => {
                (String::new(), None, format!("{} {}", frame.w.mail_unreadable, shown(&why)))
            }
        };
        MailTextPage { frame, row, folder, text, problem }
    }
}

/// A folder name or server text, made printable.
fn shown(text: &str) -> String {
    printable::escape(text).into_owned()
}

/// The mail's text, cut to [`MAX_SHOWN_BYTES`], each line made printable (control and
/// bidi characters shown as escapes) with the line breaks kept.
fn printable_text(text: &str) -> String {
    let text = printable::cap(text, MAX_SHOWN_BYTES);
    text.lines().map(|line| printable::escape(line).into_owned()).collect::<Vec<_>>().join("\n")
}

/// What to mark in the text: what the evidence names (wallets, amounts, deadlines, a
/// shown password) and what the signals quote. A quote is marked piece by piece (its
/// parts between quotation marks and ellipses), since a signal quotes around what it
/// found. The learned words' line lists tokens with weights, not quotes of the mail.
pub fn needles(d: &Detection) -> Vec<String> {
    let evidence = d.evidence.clone().unwrap_or_default();
    let mut needles: Vec<String> = named_evidence(&evidence).map(str::to_string).collect();
    let quoting = d.signals.0.iter().filter(|s| {
        SignalId::from_name(&s.rule)
            .is_some_and(|id| id != SignalId::LearnedWords && id != SignalId::LearnedFromFeedback)
    });
    for signal in quoting {
        let pieces = signal.evidence.split(['"', '…', '“', '”', '「', '」']);
        needles.extend(pieces.map(str::trim).map(str::to_string));
    }
    needles.retain(|n| n.len() >= MIN_NEEDLE_BYTES);
    needles.iter().map(|n| shown(n)).collect()
}

/// `GET /detection/ID/message`: the mail's text, read from the server now.
pub(super) async fn mail_text(
    State(state): State<WebState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Path(id): Path<i64>,
) -> Response {
    let lang = lang_of(&state, &headers, raw.as_deref());
    let frame = Frame::new(lang, &format!("/detection/{id}/message"), &[]);
    let detection = match state.store.detection(id).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            let (title, text) = (format!("#{id}"), frame.w.not_found.to_string());
            return message(frame, StatusCode::NOT_FOUND, &title, text);
        }
        Err(error) => return store_failed(frame, error),
    };
    let reply = state.backend.message(id).await;
    html(StatusCode::OK, MailTextPage::of(frame, &detection, reply))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::report::render::Lang;
    use crate::store::{Action, Category, Evidence, Signal, Signals, Verdict, Wallet};

    const WALLET: &str = "bc1qexamplewallet0000000000000000000000";

    /// A detection with a known signal, a learned one and one no longer known (shared by
    /// the page tests).
    pub(in crate::web) fn detection() -> Detection {
        let signal =
            |rule: &str, evidence: &str| Signal { rule: rule.into(), evidence: evidence.into(), weight: 1.0 };
        Detection {
            id: 7,
            account: "home".into(),
            folder: "INBOX".into(),
            uidvalidity: 1,
            uid: 3,
            message_id: "m@example".into(),
            message_key: "<m@example>".into(),
            from: "x@example".into(),
            to: "me@example".into(),
            subject: "your device".into(),
            date: String::new(),
            size: 100,
            score: 0.9,
            verdict: Verdict::Threat,
            category: Category::Extortion,
            signals: Signals(vec![
                signal("crypto_payment_demand", "\"pay\" $900 to …"),
                signal("learned_words", "word \"the\" +0.01"),
                signal("no_such_rule_any_more", "forgotten"),
            ]),
            evidence: Some(Evidence {
                wallets: vec![Wallet {
                    address: WALLET.into(),
                    checksum_valid: true,
                    coin: "bitcoin".into(),
                    split: false,
                }],
                ..Evidence::default()
            }),
            action: Action::Moved,
            destination: "Junk".into(),
            detected_at: 0,
            acted_at: None,
        }
    }

    fn page(reply: MessageReply) -> String {
        let frame = Frame::new(Lang::En, "/detection/7/message", &[]);
        MailTextPage::of(frame, &detection(), reply).render().expect("renders")
    }

    #[test]
    fn the_needles_are_what_the_evidence_names_and_the_pieces_of_what_signals_quote() {
        let needles = needles(&detection());
        assert!(needles.contains(&WALLET.to_string()), "{needles:?}");
        assert!(
            needles.contains(&"pay".to_string()) && needles.contains(&"$900 to".to_string()),
            "{needles:?}"
        );
        assert!(!needles.iter().any(|n| n.contains("the")), "learned words quote no text: {needles:?}");
        assert!(!needles.iter().any(|n| n.contains("forgotten")), "a rule no longer known quotes nothing");
        assert!(needles.iter().all(|n| n.len() >= MIN_NEEDLE_BYTES), "{needles:?}");
    }

    #[test]
    fn the_text_is_shown_as_text_with_the_evidence_marked_and_line_breaks_kept() {
        let raw = format!(
            "From: x@example\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\nHello,\r\n<script>alert(1)</script>\r\n\
             Send it to {WALLET} now.\r\nbidi \u{202e}gnp.exe\r\n"
        );
        let html = page(MessageReply::Found { folder: "Junk".into(), raw: raw.into_bytes() });
        assert!(html.contains(&format!("<mark>{WALLET}</mark>")), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Hello,\n"), "line breaks are kept: {html}");
        assert!(html.contains("\\u{202e}") && !html.contains('\u{202e}'), "bidi controls shown as escapes");
        assert!(html.contains("id=\"mail-folder\">Junk<"), "{html}");
    }

    #[test]
    fn a_message_that_is_gone_unreadable_or_not_mail_says_so() {
        let gone = page(MessageReply::Gone { looked_in: vec!["Junk".into(), "IN\u{1b}[31mBOX".into()] });
        assert!(gone.contains("in none of these folders any more: Junk, IN\\x1b[31mBOX"), "{gone}");
        assert!(!gone.contains("id=\"mail-text\""));
        let failed = page(MessageReply::Failed("login refused".into()));
        assert!(failed.contains("could not be read from the mail server: login refused"), "{failed}");
        let blank = page(MessageReply::Found { folder: "Junk".into(), raw: b"  \r\n".to_vec() });
        assert!(blank.contains("could not be read as mail"), "{blank}");
    }
}
