//! Raw RFC 5322 bytes → [`Email`]: the decoded, normalised view of a message that the
//! detection rules read.
//!
//! Decoding (MIME, base64/QP, encoded words, charsets) is mail-parser's; this module picks
//! out what detection needs, turns HTML into text and links, and normalises text once
//! (see [`normalize`]). Pure: no I/O, and no input makes it panic.

pub mod attached;
pub mod auth;
pub mod charset;
pub mod forward;
pub mod gateway;
pub mod html;
pub mod normalize;
pub mod pdf;
pub mod printable;
pub mod quote;
pub mod recipients;
pub mod relay;
pub mod sender;
pub mod url;

use std::borrow::Cow;
use std::collections::HashSet;

use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{Address, Encoding, HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType};
use serde::Serialize;

pub use auth::{AuthResult, Authentication, Envelope};
pub use html::{Link, Shown};

/// Text beyond this many bytes is not read by the rules: scam text sits at the top of a
/// message, and a bound keeps a 50 MB mail from costing more than a normal one.
pub const MAX_TEXT_BYTES: usize = 512 * 1024;

/// How deep attached messages (message/rfc822) are opened. Forwarded phishing sits one
/// or two levels down; a scam wrapped deeper is hiding, and at four levels it scored
/// clean. Ten levels, within [`MAX_NESTED_BYTES`].
pub const MAX_MESSAGE_DEPTH: usize = 10;

/// mail-parser opens base64- or QP-encoded attached messages only three levels down and
/// hands deeper ones over as bytes; those are parsed here, at most this many bytes in
/// all per message, so wrapping cannot make a message cost more than a few big ones.
pub const MAX_NESTED_BYTES: usize = 4 * 1024 * 1024;

/// Why a message could not be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("the message is empty")]
    Empty,
    #[error("the message has no header or body that could be parsed")]
    Unparseable,
}

/// A mailbox as written in a header: display name and address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    /// The lower-cased domain of the address, if it has one.
    pub fn domain(&self) -> Option<String> {
        url::domain_of_address(&self.address)
    }
}

/// An attached file: its declared name and MIME type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
}

/// The decoded message as detection sees it.
#[derive(Debug, Clone, Default)]
pub struct Email {
    pub message_id: Option<String>,
    pub subject: String,
    /// The Date header in RFC 3339 form, when it parses.
    pub date: Option<String>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    pub return_path: Option<String>,
    /// The topmost Return-Path header as written, without `return_path`'s fallback to
    /// From: the envelope sender the delivering server recorded (RFC 5321 §4.4).
    pub return_path_header: Option<String>,
    /// The Authentication-Results and Received-SPF headers, top to bottom, each with who
    /// wrote it. Which to believe depends on the account: see
    /// [`Authentication::trusted`].
    pub auth_headers: Vec<auth::AuthHeader>,
    /// The registrable domain of the relay that handed the mail to the receiving server,
    /// by the reverse name that server recorded ([`relay::delivering_relay`]).
    pub relay: Option<String>,
    /// Whether the message came through a mailing list (List-Id or List-Post present).
    pub via_list: bool,
    /// Whether it came through a list its members post to (a List-Post header other than
    /// RFC 2369's `NO`): who relayed it says nothing of who wrote it.
    pub posted_to_list: bool,
    /// Whether the message answers another one in a thread (In-Reply-To or References
    /// present): the mark of a correspondent rather than a stranger.
    pub in_thread: bool,
    /// Decoded body text as written (HTML turned into text), for evidence.
    pub text: String,
    /// Anchors from HTML bodies and URLs written out in text bodies.
    pub links: Vec<Link>,
    pub attachments: Vec<Attachment>,
    /// Normalised subject (see [`normalize::normalize`]).
    pub normalized_subject: String,
    /// Normalised display name of the sender.
    pub normalized_sender_name: String,
    /// Normalised body text followed by text hidden in HTML attributes.
    pub normalized_text: String,
    /// Size of the raw message in bytes.
    pub size: usize,
    /// Filter-evasion marks in the subject and sender name.
    pub disguised_headers: normalize::Disguises,
    /// Filter-evasion marks in the body text.
    pub disguised_body: normalize::Disguises,
    /// What the HTML bodies do out of the reader's sight: hidden text, password fields.
    pub html_marks: html::HtmlMarks,
    /// Where the HTML bodies send the reader other than by an anchor (form actions,
    /// image-map areas, remote images, frames), at most [`html::MAX_TARGETS`] in all.
    pub html_targets: Vec<String>,
    /// Files without a name (`attachments` lists the named ones): an archive sent as
    /// "noname", an inline image with only a Content-ID. A mail app still opens or shows
    /// them.
    pub unnamed_files: usize,
}

/// Parses raw message bytes into an [`Email`].
pub fn parse(raw: &[u8]) -> Result<Email, MailError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(MailError::Empty);
    }
    let raw_fixed = charset::rewrite_unknown_labels(raw);
    let message = MessageParser::default().parse(raw_fixed.as_ref()).ok_or(MailError::Unparseable)?;

    let mut email = Email {
        message_id: message.message_id().map(str::to_string),
        subject: charset::decode_left_iso_2022_jp(message.subject().unwrap_or_default()).into_owned(),
        date: message.date().map(|d| d.to_rfc3339()),
        from: message.from().and_then(|a| sender_mailbox(mailboxes(a))),
        to: message.to().map(mailboxes).unwrap_or_default(),
        reply_to: message.reply_to().map(mailboxes).unwrap_or_default(),
        return_path: message.return_address().map(str::to_string),
        return_path_header: message.header_values(HeaderName::ReturnPath).next().and_then(first_text),
        auth_headers: auth::read_headers(&message),
        relay: relay::delivering_relay(&message),
        via_list: message.header_raw("List-Id").is_some() || message.header_raw("List-Post").is_some(),
        // Any List-Post but `NO`: a list adds its own, and a poster may have written `NO`.
        posted_to_list: message
            .headers()
            .iter()
            .filter(|h| h.name == HeaderName::ListPost)
            .any(|h| !raw_value(&message, h).trim().eq_ignore_ascii_case("NO")),
        in_thread: message.header_raw("In-Reply-To").is_some() || message.header_raw("References").is_some(),
        size: raw.len(),
        ..Email::default()
    };
    let mut unseen_text = String::new();
    let mut budgets = Budgets { nested: MAX_NESTED_BYTES, pdf: pdf::Budget::default() };
    collect_parts(&message, &mut email, &mut unseen_text, 0, &mut budgets);
    let mut known: HashSet<String> = email.links.iter().map(|l| l.href.clone()).collect();
    for url in url::find_urls(&email.text).map(str::to_string).collect::<Vec<_>>() {
        if known.insert(url.clone()) {
            email.links.push(Link { text: url.clone(), href: url, shown: Shown::InBody });
        }
    }
    // A link the reader's own mail gateway rewrote is read as where it leads: the gateway
    // is no part of what the sender wrote (see `gateway`).
    for link in &mut email.links {
        if let Some(destination) = gateway::destination(&link.href) {
            if link.text == link.href {
                link.text.clone_from(&destination);
            }
            link.href = destination;
        }
    }
    let sender_name = email.from.as_ref().and_then(|f| f.name.as_deref()).unwrap_or_default();
    let (subject, disguised_subject) = normalize::normalize_counting(&email.subject);
    let (text, disguised_body) = normalize::normalize_counting(&email.text);
    let (sender, disguised_sender) = normalize::normalize_counting(sender_name);
    email.normalized_sender_name = sender;
    email.disguised_headers = disguised_subject + disguised_sender;
    email.disguised_body = disguised_body;
    email.normalized_subject = subject;
    email.normalized_text = text;
    if !unseen_text.is_empty() {
        email.normalized_text.push('\n');
        email.normalized_text.push_str(&normalize::normalize(&unseen_text));
    }
    Ok(email)
}

/// A header's value as written in the message (folds and all), for the headers whose
/// exact text matters more than mail-parser's reading of it.
fn raw_value<'a>(message: &'a mail_parser::Message<'_>, header: &mail_parser::Header<'_>) -> Cow<'a, str> {
    let bytes = message.raw_message().get(header.offset_start as usize..header.offset_end as usize);
    String::from_utf8_lossy(bytes.unwrap_or_default())
}

/// What reading a mail's parts may still cost: bytes of attached messages parsed here,
/// and the PDF scan's budget.
struct Budgets {
    nested: usize,
    pdf: pdf::Budget,
}

fn collect_parts(
    message: &mail_parser::Message<'_>,
    email: &mut Email,
    unseen_text: &mut String,
    depth: usize,
    budgets: &mut Budgets,
) {
    for (index, part) in message.parts.iter().enumerate() {
        let is_attachment =
            message.attachments.iter().any(|&a| a as usize == index) && part.attachment_name().is_some();
        if is_attachment {
            let attachment = Attachment {
                name: part.attachment_name().unwrap_or_default().to_string(),
                content_type: content_type_of(part),
            };
            attached::read(&attachment, &part.body, email, &mut budgets.pdf);
            email.attachments.push(attachment);
        }
        match &part.body {
            PartType::Text(text) if !is_attachment => {
                let text = read_again_if_lost(message, part, text);
                append_text(&mut email.text, &charset::decode_left_iso_2022_jp(&text));
            }
            PartType::Html(html) if !is_attachment => {
                read_html(&read_again_if_lost(message, part, html), email, unseen_text);
            }
            PartType::Message(inner) if depth < MAX_MESSAGE_DEPTH => {
                collect_message(inner, email, unseen_text, depth, budgets);
            }
            PartType::Binary(bytes) | PartType::InlineBinary(bytes)
                if depth < MAX_MESSAGE_DEPTH
                    && is_attached_message(part)
                    && bytes.len() <= budgets.nested =>
            {
                budgets.nested -= bytes.len();
                if let Some(inner) = MessageParser::default().parse(bytes.as_ref()) {
                    collect_message(&inner, email, unseen_text, depth, budgets);
                }
            }
            PartType::Binary(_) | PartType::InlineBinary(_) if !is_attachment => email.unnamed_files += 1,
            _ => {}
        }
    }
}

/// A text part's text, read again from its bytes when mail-parser's decoding may have
/// lost it: some bytes were replaced, or 8-bit text stood under no charset, US-ASCII or
/// another single-byte one, the labels 8-bit Japanese is mislabelled with (see
/// [`charset::redecode_japanese`], which keeps a reading only when it is Japanese).
fn read_again_if_lost<'t>(
    message: &mail_parser::Message<'_>,
    part: &mail_parser::MessagePart<'_>,
    text: &'t str,
) -> Cow<'t, str> {
    let label = part.content_type().and_then(|ct| ct.attribute("charset")).unwrap_or_default();
    let misread = !text.is_ascii() && charset::may_hide_japanese(label);
    if !misread && !text.contains('\u{FFFD}') {
        return Cow::Borrowed(text);
    }
    let sent =
        message.raw_message().get(part.offset_body as usize..part.offset_end as usize).unwrap_or_default();
    let bytes = match part.encoding {
        Encoding::None => Some(sent.to_vec()),
        Encoding::Base64 => base64_decode(sent),
        Encoding::QuotedPrintable => quoted_printable_decode(sent),
    };
    let Some(bytes) = bytes else { return Cow::Borrowed(text) };
    if let Some(japanese) = charset::redecode_japanese(text, &bytes) {
        return Cow::Owned(japanese);
    }
    // Unlabelled 8-bit text that is not Japanese is read as browsers read it (WHATWG's
    // windows-1252 default), so "Köln" does not lose its letters to replacement marks.
    if label.trim().is_empty() && text.contains('\u{FFFD}') && std::str::from_utf8(&bytes).is_err() {
        return Cow::Owned(encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes).0.into_owned());
    }
    Cow::Borrowed(text)
}

/// Reads an HTML body: its visible text is the mail's text, beside its links, form and
/// image targets and what it hides.
fn read_html(html: &str, email: &mut Email, unseen_text: &mut String) {
    let html = charset::decode_left_iso_2022_jp(truncate(html, MAX_TEXT_BYTES));
    let content = html::parse_html(&html);
    append_text(&mut email.text, &content.text);
    email.links.extend(content.links);
    email.html_marks.add(content.marks);
    let room = html::MAX_TARGETS.saturating_sub(email.html_targets.len());
    email.html_targets.extend(content.targets.into_iter().take(room));
    append_text(unseen_text, &content.unseen_text);
}

/// Reads an attached message found at `depth`: its subject, then its parts.
fn collect_message(
    inner: &mail_parser::Message<'_>,
    email: &mut Email,
    unseen_text: &mut String,
    depth: usize,
    budgets: &mut Budgets,
) {
    if let Some(subject) = inner.subject() {
        append_text(&mut email.text, subject);
    }
    collect_parts(inner, email, unseen_text, depth + 1, budgets);
}

/// A part that holds a whole message (message/rfc822 or message/global) which
/// mail-parser left as bytes because it was nested too deep for it.
fn is_attached_message(part: &mail_parser::MessagePart<'_>) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.c_type.eq_ignore_ascii_case("message")
            && ct
                .c_subtype
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("rfc822") || s.eq_ignore_ascii_case("global"))
    })
}

fn append_text(out: &mut String, text: &str) {
    let room = MAX_TEXT_BYTES.saturating_sub(out.len());
    if room == 0 || text.trim().is_empty() {
        return;
    }
    out.push_str(truncate(text, room));
    out.push('\n');
}

/// The letters and digits of `text`, in any script: a size of text for comparing hidden
/// and visible text. Spaces, no-break spaces and the zero-width characters newsletters
/// pad their preview line with do not count.
pub fn letters_in(text: &str) -> usize {
    letters_up_to(text, usize::MAX)
}

/// [`letters_in`], counting no further than `limit`.
pub fn letters_up_to(text: &str, limit: usize) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).take(limit).count()
}

/// The longest prefix of `text` no longer than `max` bytes that ends on a char boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

fn content_type_of(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| match &ct.c_subtype {
            Some(sub) => format!("{}/{}", ct.c_type, sub),
            None => ct.c_type.to_string(),
        })
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The first text of a header value (a Return-Path is read as one or more ids).
fn first_text(value: &HeaderValue<'_>) -> Option<String> {
    match value {
        HeaderValue::Text(text) => Some(text.to_string()),
        HeaderValue::TextList(list) => list.first().map(|text| text.to_string()),
        _ => None,
    }
}

/// The sender a reader sees in a From header, broken or not. A header that sets the name
/// apart from the address with a comma (`"PayPal", <x@example.com>`, `Temu, <x@example.com>`)
/// is read by the parser as a name with no address followed by an address with no name;
/// the mail still comes from the address, and a client shows one of the names. So the
/// address is the first one with a domain, and the name every name written at or before it
/// (joined, so a rule reading names sees whichever a client shows).
fn sender_mailbox(entries: Vec<Mailbox>) -> Option<Mailbox> {
    if entries.is_empty() {
        return None;
    }
    let with_domain = entries.iter().position(|entry| entry.domain().is_some());
    // A name is the sender's only when it comes at or before the address: in
    // `a@example.com, Bob <b@example.org>` Bob is someone else.
    let named = with_domain.and_then(|index| entries.get(..=index)).unwrap_or(&entries);
    let mut names: Vec<&str> = Vec::new();
    for name in named.iter().filter_map(|entry| entry.name.as_deref()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let address = with_domain.and_then(|index| entries.get(index)).map(|entry| entry.address.clone());
    let name = (!names.is_empty()).then(|| names.join(", "));
    Some(Mailbox { name, address: address.unwrap_or_default() })
}

fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .map(|addr| Mailbox {
            name: addr.name().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
            // A final dot names the same domain ("x@example.com.").
            address: addr.address().unwrap_or_default().trim().trim_end_matches('.').to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"From: \"Alice\" <alice@example.com>\r\nTo: bob@example.org\r\n\
Reply-To: x@other.example\r\nSubject: =?UTF-8?B?44GT44KT44Gr44Gh44Gv?=\r\n\
Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=fail; dmarc=none\r\n\
Message-ID: <id-1@example.com>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<p>Visit <a href=\"https://evil.example/\">www.example.com</a> &#xFF42;c1q</p>";

    /// ISO-2022-JP with no charset label, or labelled only in the HTML, reads as Japanese
    /// in the subject, the text and the HTML alike.
    #[test]
    fn unlabelled_iso_2022_jp_is_read_as_japanese() {
        let jis = |text: &str| encoding_rs::ISO_2022_JP.encode(text).0.into_owned();
        for (content_type, body) in [
            ("text/plain", jis("期限は2日です。")),
            ("text/html", [b"<meta charset=\"iso-2022-jp\"><p>".to_vec(), jis("期限は2日です。")].concat()),
        ] {
            let mut raw = b"From: a@b.example\r\nSubject: ".to_vec();
            raw.extend(jis("お支払いのお願い"));
            raw.extend(format!("\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
            raw.extend(body);
            let email = parse(&raw).expect("parses");
            assert_eq!(email.subject, "お支払いのお願い", "{content_type}");
            assert!(email.normalized_text.contains("期限は2日です"), "{content_type}: {:?}", email.text);
        }
    }

    #[test]
    fn eight_bit_japanese_under_no_label_or_a_wrong_one_is_read_as_japanese() {
        use base64::Engine;
        let prose = "あなたのパスワードを知っています。期限は48時間です。";
        for encoding in [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP] {
            let bytes = encoding.encode(prose).0.into_owned();
            let base64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let lines: Vec<&str> =
                base64.as_bytes().chunks(20).map(|l| std::str::from_utf8(l).unwrap_or("")).collect();
            for (label, transfer, body) in [
                ("", "", bytes.clone()),
                ("; charset=us-ascii", "", bytes.clone()),
                ("; charset=utf-8", "Content-Transfer-Encoding: base64\r\n", lines.join("\r\n").into_bytes()),
            ] {
                for kind in ["text/plain", "text/html"] {
                    let head = format!("From: a@b.example\r\nContent-Type: {kind}{label}\r\n{transfer}\r\n");
                    let email = parse(&[head.as_bytes(), &body, b"\r\n"].concat()).expect("parses");
                    let case = format!("{} {kind}{label} {transfer}", encoding.name());
                    assert!(email.normalized_text.contains("期限は48時間です"), "{case}: {:?}", email.text);
                }
            }
        }
    }

    #[test]
    fn unlabelled_8bit_text_that_is_not_japanese_is_read_as_windows_1252() {
        let raw = b"From: a@b.example\r\nContent-Type: text/plain\r\n\r\nGr\xfc\xdfe aus K\xf6ln, 5 \x80\r\n";
        let email = parse(raw).expect("parses");
        assert!(email.text.contains("Grüße aus Köln, 5 €"), "{:?}", email.text);
    }

    #[test]
    fn headers_text_links_and_authentication_are_extracted() {
        let email = parse(SAMPLE).expect("parses");
        assert_eq!(email.subject, "こんにちは");
        assert_eq!(email.message_id.as_deref(), Some("id-1@example.com"));
        let from = email.from.as_ref().expect("has From");
        assert_eq!(from.name.as_deref(), Some("Alice"));
        assert_eq!(from.domain().as_deref(), Some("example.com"));
        assert_eq!(email.reply_to.first().map(|m| m.address.as_str()), Some("x@other.example"));
        let auth = Authentication::trusted(&email.auth_headers, &[]);
        assert_eq!(auth.spf, Some(AuthResult::Pass));
        assert_eq!(auth.dkim, Some(AuthResult::Fail));
        assert_eq!(auth.dmarc, Some(AuthResult::Other));
        assert_eq!(email.links.first().map(|l| l.href.as_str()), Some("https://evil.example/"));
        assert!(email.normalized_text.contains("bc1q"), "{}", email.normalized_text);
    }

    /// A From header whose name is cut off its address by a comma is read as a mail client
    /// shows it: the name first written, the address that follows it.
    #[test]
    fn a_from_header_with_its_name_set_apart_by_a_comma_keeps_name_and_address() {
        let sender = |header: &str| {
            let email =
                parse(format!("From: {header}\r\nSubject: x\r\n\r\nhello").as_bytes()).expect("parses");
            email.from.map(|from| (from.name.unwrap_or_default(), from.address))
        };
        let pair = |name: &str, address: &str| Some((name.to_string(), address.to_string()));
        assert_eq!(sender("\"PayPal\", <service@example.de>"), pair("PayPal", "service@example.de"));
        assert_eq!(
            sender("Parcel Notice, <service@example.de.>, Parcel Notice,"),
            pair("Parcel Notice", "service@example.de")
        );
        assert_eq!(sender("\"Shop\", jehd <news@example.fr>"), pair("Shop, jehd", "news@example.fr"));
        assert_eq!(sender("\"Alice\" <alice@example.com>"), pair("Alice", "alice@example.com"));
        // A name written after the sender's address is someone else's.
        assert_eq!(sender("alice@example.com, Bob <bob@example.org>"), pair("", "alice@example.com"));
        assert_eq!(sender("\"Only A Name\", \"Only A Name\""), pair("Only A Name", ""));
        // Every name before the address is kept, and an address without a domain is skipped.
        assert_eq!(
            sender("\"Notice\", \"PayPal Security\" <x@example.com>"),
            pair("Notice, PayPal Security", "x@example.com")
        );
        assert_eq!(sender("\"PayPal\", <@>, <me@example.net>"), pair("PayPal", "me@example.net"));
    }

    #[test]
    fn what_each_html_body_hides_is_added_up() {
        let part = |html: &str| format!("--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n");
        let cut = "<p>Pro<span style='display:none'>xyz</span>tect</p>";
        let raw = format!(
            "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n{}{}--b--\r\n",
            part(cut),
            part(&format!("{cut}<input type=password>"))
        );
        let marks = parse(raw.as_bytes()).expect("parses").html_marks;
        assert_eq!(marks.words_cut_by_hidden_text, 2);
        assert_eq!(marks.hidden_letters, 6);
        assert!(marks.has_password_field);
        assert!(!marks.pushes_text_out_of_view);
    }

    #[test]
    fn empty_input_is_an_error_not_a_panic() {
        assert_eq!(parse(b"").err(), Some(MailError::Empty));
        assert_eq!(parse(b"  \r\n").err(), Some(MailError::Empty));
    }

    /// `inner` forwarded `depth` times as message/rfc822, plain or base64-encoded.
    fn wrapped(inner: &str, depth: usize, base64: bool, padding: &str) -> String {
        use base64::Engine;
        (0..depth).fold(inner.to_string(), |message, level| {
            let (encoding, content) = if base64 {
                ("Content-Transfer-Encoding: base64\r\n", base64::engine::general_purpose::STANDARD.encode(&message))
            } else {
                ("", message)
            };
            format!(
                "From: f{level}@x.example\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n\
                 --b{level}\r\nContent-Type: message/rfc822\r\n{encoding}\r\n{content}\r\n--b{level}--\r\n{padding}"
            )
        })
    }

    const INNER: &str =
        "From: a@b.example\r\nSubject: inner\r\n\r\nThe innermost secret word is zanzibar.\r\n";

    #[test]
    fn attached_messages_are_read_ten_levels_deep_and_no_deeper() {
        for base64 in [false, true] {
            for depth in [1, 4, 5, MAX_MESSAGE_DEPTH] {
                let email = parse(wrapped(INNER, depth, base64, "").as_bytes()).expect("parses");
                assert!(email.text.contains("zanzibar"), "base64 {base64}, depth {depth}: {:?}", email.text);
            }
            let too_deep =
                parse(wrapped(INNER, MAX_MESSAGE_DEPTH + 1, base64, "").as_bytes()).expect("parses");
            assert!(!too_deep.text.contains("zanzibar"), "base64 {base64}: the depth is bounded");
        }
        let scam = include_str!("../../../tests/data/eml/en_extortion_split_wallet_self_sent.eml")
            .replace('\n', "\r\n");
        let email = parse(wrapped(&scam, MAX_MESSAGE_DEPTH, true, "").as_bytes()).expect("parses");
        let verdict = crate::detect::classify(&email, &crate::detect::Detector::default());
        assert_eq!(verdict.label, crate::detect::Label::Threat, "a scam wrapped ten times is still one");
    }

    #[test]
    fn deep_attached_messages_are_read_within_a_total_size() {
        // Below mail-parser's own three encoded levels, each level is parsed here; a
        // megabyte of padding per level spends the budget before the innermost is reached.
        let padding = format!("{}\r\n", "x".repeat(700 << 10));
        let email = parse(wrapped(INNER, 8, true, &padding).as_bytes()).expect("parses");
        assert!(!email.text.contains("zanzibar"), "the size bound stops the reading");
        let small = parse(wrapped(INNER, 8, true, "padding\r\n").as_bytes()).expect("parses");
        assert!(small.text.contains("zanzibar"));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("あいう", 4), "あ");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
