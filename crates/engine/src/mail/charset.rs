//! Charset labels that mail-parser does not know but Japanese mailers send.
//!
//! Outlook and some Japanese mobile gateways label Shift_JIS text with Microsoft's names
//! for it (CP932, x-ms-cp932, windows-932). mail-parser would fall back to raw bytes and
//! the rules would see mojibake, so the label is rewritten to `windows-31j`, a name it
//! decodes with the same table, before parsing.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Labels to rewrite; longest first so `x-ms-cp932` is not read as `cp932`.
const MICROSOFT_SHIFT_JIS_LABELS: [&str; 3] = ["x-ms-cp932", "windows-932", "cp932"];
const KNOWN_LABEL: &[u8] = b"windows-31j";

static LABELS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(MICROSOFT_SHIFT_JIS_LABELS)
        .expect("charset labels compile")
});

/// Returns `raw` with every Microsoft Shift_JIS label that stands where a charset name
/// goes (after `charset=`, a quote, or `=?` of an encoded word) replaced by `windows-31j`.
/// Borrowed unchanged when there is nothing to rewrite, which is almost always.
pub fn rewrite_unknown_labels(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    for found in LABELS.find_iter(raw) {
        let before = found.start().checked_sub(1).and_then(|i| raw.get(i));
        let after = raw.get(found.end());
        let in_label_position = matches!(before, Some(b'=' | b'"' | b'?' | b'\''))
            && matches!(after, None | Some(b'"' | b'?' | b';' | b'\'' | b' ' | b'\r' | b'\n' | b'\t'));
        if !in_label_position {
            continue;
        }
        let buffer = out.get_or_insert_with(|| Vec::with_capacity(raw.len() + 16));
        buffer.extend_from_slice(raw.get(copied..found.start()).unwrap_or_default());
        buffer.extend_from_slice(KNOWN_LABEL);
        copied = found.end();
    }
    match out {
        None => Cow::Borrowed(raw),
        Some(mut buffer) => {
            buffer.extend_from_slice(raw.get(copied..).unwrap_or_default());
            Cow::Owned(buffer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_labels_are_rewritten_in_content_type_and_encoded_words() {
        let raw = b"Subject: =?CP932?B?gqA=?=\r\nContent-Type: text/plain; charset=\"x-ms-cp932\"\r\n";
        let fixed = rewrite_unknown_labels(raw);
        let fixed = String::from_utf8_lossy(&fixed);
        assert!(fixed.contains("=?windows-31j?B?"));
        assert!(fixed.contains("charset=\"windows-31j\""));
    }

    #[test]
    fn the_word_in_prose_is_left_alone() {
        let raw = b"We discussed cp932 support today.";
        assert!(matches!(rewrite_unknown_labels(raw), Cow::Borrowed(_)));
    }
}
