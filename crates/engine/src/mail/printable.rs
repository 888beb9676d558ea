//! Text from a mail or a server, made safe to print for a person (pure).
//!
//! A subject is whatever the sender wrote: with CR/LF it forges lines of `history`, with
//! ANSI escape sequences it moves the cursor or clears the terminal, with bidi overrides
//! it shows a different text than it holds. [`escape`] writes every such character out
//! as a visible escape; every human-facing output (history, show, check, the text
//! report, explain, scan) prints mail and server text through it. JSON output goes
//! through [`json`]: serde escapes only C0 controls, so DEL, C1 controls, bidi controls
//! and line separators would reach the terminal of whoever reads it raw. HTML is escaped
//! by the report renderer.
//!
//! [`cap`] bounds what is kept of a header at all: see [`MAX_FIELD_BYTES`].

use std::borrow::Cow;
use std::fmt::Write;

/// At most this many bytes of a subject, sender, recipients, Message-ID or date are
/// stored and logged: RFC 5322's line limit (998 characters), so no legitimate header is
/// cut, while a 1 MB subject costs no more than a normal one.
pub const MAX_FIELD_BYTES: usize = 998;

/// Characters that must not reach a terminal as they are: C0 controls (CR, LF, ESC, …),
/// DEL, C1 controls (U+0080–U+009F: U+009B is a one-byte CSI), the bidi controls
/// (embeddings, overrides, isolates, marks) and the Unicode line and paragraph
/// separators.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every unsafe character written as an escape (`\n`, `\r`, `\t`, `\x1b`,
/// `\u{202e}`); a backslash stays as it is. Borrowed when there is nothing to escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde writes it) with every unsafe character it still holds written as a
/// `\uXXXX` escape: the same JSON value, but nothing in it can drive a terminal. Such
/// characters can only stand inside JSON strings, where the escape means the same.
pub fn json(text: String) -> String {
    if !text.chars().any(is_unsafe) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            // All of them are in the Basic Multilingual Plane: one escape each.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` cut to at most `max` bytes on a char boundary, ending in `…` when it was cut.
pub fn cap(text: &str, max: usize) -> String {
    const ELLIPSIS: &str = "…";
    if text.len() <= max {
        return text.to_string();
    }
    let mut out = super::truncate(text, max.saturating_sub(ELLIPSIS.len())).to_string();
    out.push_str(ELLIPSIS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_its_value_but_no_unsafe_character() {
        let value = "a\x7f\u{9b}2J\u{202e}b\u{2028}\x1b\n ただ\"";
        let text = serde_json::to_string(&value).expect("serialises");
        assert!(text.chars().any(is_unsafe), "serde alone leaves some: {text:?}");
        let safe = json(text);
        assert!(!safe.chars().any(is_unsafe), "{safe:?}");
        assert_eq!(serde_json::from_str::<String>(&safe).expect("still JSON"), value);
        assert_eq!(json("{\"a\":\"ok\"}".into()), "{\"a\":\"ok\"}");
    }

    #[test]
    fn control_and_bidi_characters_are_written_out() {
        let forged = "Hi\r\n#99 2026-01-01 threat moved\x1b[2J\x7f\u{9b}31m \u{202e}gpj.exe\u{2066}";
        let shown = escape(forged);
        assert_eq!(
            shown,
            "Hi\\r\\n#99 2026-01-01 threat moved\\x1b[2J\\x7f\\u{9b}31m \\u{202e}gpj.exe\\u{2066}"
        );
        assert!(!shown.chars().any(is_unsafe));
        assert!(matches!(escape("ただのメール \\ ok"), Cow::Borrowed(_)), "plain text is left alone");
    }

    #[test]
    fn capping_cuts_on_a_char_boundary_with_an_ellipsis() {
        assert_eq!(cap("short", 998), "short");
        let long = "あ".repeat(400);
        let capped = cap(&long, MAX_FIELD_BYTES);
        assert!(capped.len() <= MAX_FIELD_BYTES && capped.ends_with('…'), "{}", capped.len());
        assert!(capped.trim_end_matches('…').chars().all(|c| c == 'あ'));
        assert_eq!(cap("abcdef", 4), "a…");
    }
}
