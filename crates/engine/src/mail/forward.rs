//! Forwarded mail: the subject prefixes that mark a forward, and who sent the message it
//! forwards, read from the header block mail clients write above it ("From: … <…>",
//! "De:", "Von:", "差出人:"). Pure functions over subject and text; the forwarding lines
//! ("Forwarded message") are phrases the detector's phrase scan finds.
//!
//! The block is typed text: anyone can write one. Rules use the forwarded sender only to
//! tell what was forwarded (a service's notification, a brand's own letter), never to
//! excuse what the mail itself does with its sender and links.

use super::{Mailbox, truncate};

/// Subject prefixes of a forwarded mail, in the languages mail clients write them.
const FORWARD_PREFIXES: [&str; 7] = ["fw:", "fwd:", "tr:", "wg:", "rv:", "enc:", "転送:"];
/// The sender's field in a forwarded header block, in the languages clients write it.
const SENDER_FIELDS: [&str; 7] = ["from:", "de:", "von:", "da:", "van:", "差出人:", "送信者:"];
/// The forwarded header block sits at the top: a forwarding note is a line or two.
const HEAD_BYTES: usize = 4096;

/// Whether a subject starts the way a forward's does ("Fwd:", "ENC:", "転送:").
pub fn has_forward_prefix(subject: &str) -> bool {
    let head = subject.trim_start();
    FORWARD_PREFIXES.iter().any(|p| strip_prefix_ignoring_case(head, p).is_some())
}

/// The sender named by the first sender line (`From: Name <address>`) near the top of
/// `text`, where a forward's header block is; `None` when no line there names an address.
/// Whether the text is a forward at all is the caller's question.
pub fn original_sender(text: &str) -> Option<Mailbox> {
    truncate(text, HEAD_BYTES).lines().find_map(|line| {
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

    #[test]
    fn forward_prefixes_are_read_in_the_languages_clients_write_them() {
        for subject in ["Fwd: invoice", "FW: invoice", " ENC: aviso", "転送: ご案内"] {
            assert!(has_forward_prefix(subject), "{subject}");
        }
        assert!(!has_forward_prefix("Re: lunch"));
        assert!(!has_forward_prefix("Framework update"));
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
            let sender = original_sender(&format!("FYI\n\n{line}\nSubject: note\n"));
            let sender = sender.unwrap_or_else(|| panic!("{line}"));
            assert_eq!((sender.name.as_deref(), sender.address.as_str()), (name, address), "{line}");
        }
    }

    #[test]
    fn no_sender_is_read_from_a_line_without_an_address() {
        assert_eq!(original_sender("From: the kitchen, with love"), None);
        assert_eq!(original_sender("From: Ann <not an address>"), None);
        assert_eq!(original_sender("Hello\nfrom: nobody"), None);
    }
}
