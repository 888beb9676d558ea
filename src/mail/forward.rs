//! Forwarded mail: whether a message forwards another one, and who sent the message it
//! forwards, read from the header block mail clients write above it ("From: … <…>",
//! "De:", "Von:", "差出人:"). Pure functions over an [`Email`]'s text.
//!
//! The block is typed text: anyone can write one. Rules use the forwarded sender only to
//! tell what was forwarded (a service's notification, a brand's own letter), never to
//! excuse what the mail itself does with its sender and links.

use super::{Email, Mailbox, truncate};

/// Subject prefixes of a forwarded mail, in the languages mail clients write them.
const FORWARD_PREFIXES: [&str; 7] = ["fw:", "fwd:", "tr:", "wg:", "rv:", "enc:", "転送:"];
/// Lines mail clients put above a forwarded or quoted message ("---------- Forwarded
/// message ---------", "-----Original Message-----", "Begin forwarded message:").
const FORWARD_MARKERS: [&str; 4] =
    ["forwarded message", "original message", "message transféré", "mensagem encaminhada"];
/// The sender's field in a forwarded header block, in the languages clients write it.
const SENDER_FIELDS: [&str; 7] = ["from:", "de:", "von:", "da:", "van:", "差出人:", "送信者:"];
/// The forwarded header block sits at the top: a forwarding note is a line or two.
const HEAD_BYTES: usize = 4096;

/// Whether the mail forwards another one, by its subject prefix or a forwarding line near
/// the top of its text.
pub fn is_forward(email: &Email) -> bool {
    let subject = email.normalized_subject.trim_start().to_lowercase();
    if FORWARD_PREFIXES.iter().any(|p| subject.starts_with(p)) {
        return true;
    }
    has_forward_marker(truncate(&email.normalized_text, HEAD_BYTES))
}

/// Whether `text` has a forwarding line, in any letter case. Each marker is looked for
/// by its lower-case "essage"/"ensagem", so most mail is read without lower-casing it.
fn has_forward_marker(text: &str) -> bool {
    FORWARD_MARKERS.iter().any(|marker| {
        let anchor = if marker.contains("essage") { "essage" } else { "ensagem" };
        let offset = marker.find(anchor).unwrap_or_default();
        text.match_indices(anchor).any(|(at, _)| {
            let found = at.checked_sub(offset).and_then(|start| text.get(start..start + marker.len()));
            found.is_some_and(|found| found.eq_ignore_ascii_case(marker))
        })
    })
}

/// The sender of the forwarded message, from the first sender line of the header block
/// near the top of a forward's text; `None` when the mail is not a forward or names no
/// address there.
pub fn original_sender(email: &Email) -> Option<Mailbox> {
    if !is_forward(email) {
        return None;
    }
    truncate(&email.text, HEAD_BYTES).lines().find_map(|line| {
        // Quoted ("> From:") and bold ("*From:*") lines are the same field.
        let line = line.trim_start_matches(['>', '*', ' ', '\t']);
        let value = SENDER_FIELDS.iter().find_map(|field| strip_prefix_ignoring_case(line, field))?;
        mailbox_in(value.trim_start_matches(['*', ' ', '\t']).trim_end())
    })
}

fn strip_prefix_ignoring_case<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &line[prefix.len()..])
}

/// `Name <address>`, `"Name" <address>` or a bare address.
fn mailbox_in(value: &str) -> Option<Mailbox> {
    let (name, address) = match value.rfind('<') {
        Some(open) => {
            let inside = &value[open + 1..];
            let address = &inside[..inside.find('>')?];
            let name = value[..open].trim().trim_matches('"').trim();
            (Some(name).filter(|n| !n.is_empty()), address.trim())
        }
        None => (None, value),
    };
    let plausible = address.contains('@') && !address.contains(char::is_whitespace);
    plausible.then(|| Mailbox { name: name.map(str::to_string), address: address.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse;

    fn mail(subject: &str, body: &str) -> Email {
        let raw = format!(
            "From: me@home.example\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
        );
        parse(raw.as_bytes()).expect("parses")
    }

    #[test]
    fn forwards_are_known_by_subject_prefix_or_forwarding_line() {
        assert!(is_forward(&mail("Fwd: invoice", "see below")));
        assert!(is_forward(&mail("ENC: aviso", "veja")));
        assert!(is_forward(&mail("invoice", "---------- Forwarded message ---------\nFrom: a@b.example")));
        assert!(is_forward(&mail("invoice", "FYI\n-----Original Message-----\nFrom: a@b.example")));
        assert!(is_forward(&mail("aviso", "Início da mensagem encaminhada:\nDe: a@b.example")));
        assert!(!is_forward(&mail("invoice", "This message is original; see the message below.")));
        assert!(!is_forward(&mail("Re: lunch", "From: the kitchen, with love")));
    }

    #[test]
    fn the_forwarded_sender_is_read_in_the_languages_clients_write_it() {
        let cases = [
            (
                "From: Microsoft Teams <noreply@teams.example>",
                Some("Microsoft Teams"),
                "noreply@teams.example",
            ),
            ("De: \"Banco\" <aviso@banco.example>", Some("Banco"), "aviso@banco.example"),
            ("*From:* Ann Lee <ann@lee.example>", Some("Ann Lee"), "ann@lee.example"),
            ("> Von: info@shop.example", None, "info@shop.example"),
            ("差出人: 楽天 <info@rakuten.example>", Some("楽天"), "info@rakuten.example"),
        ];
        for (line, name, address) in cases {
            let sender = original_sender(&mail("Fw: note", &format!("FYI\n\n{line}\nSubject: note\n")));
            let sender = sender.unwrap_or_else(|| panic!("{line}"));
            assert_eq!((sender.name.as_deref(), sender.address.as_str()), (name, address), "{line}");
        }
    }

    #[test]
    fn no_sender_is_read_from_mail_that_is_not_a_forward_or_names_no_address() {
        assert_eq!(original_sender(&mail("Hello", "From: Ann <ann@lee.example>")), None);
        assert_eq!(original_sender(&mail("Fw: note", "From: the kitchen, with love")), None);
        assert_eq!(original_sender(&mail("Fw: note", "From: Ann <not an address>")), None);
    }
}
