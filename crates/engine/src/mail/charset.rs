//! Japanese text mail-parser was not told how to decode.
//!
//! Outlook and some Japanese mobile gateways label Shift_JIS text with Microsoft's names
//! for it (CP932, x-ms-cp932, windows-932). mail-parser would fall back to raw bytes and
//! the rules would see mojibake, so the label is rewritten to `windows-31j`, a name it
//! decodes with the same table, before parsing. ISO-2022-JP sent with no label, a wrong
//! one, or only an HTML `<meta>` one reaches the rules as escape sequences; being 7-bit,
//! it survives any ASCII-compatible decoding byte for byte and is decoded afterwards.

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

/// The escape sequences that switch ISO-2022-JP into JIS X 0208 (kanji and kana): text
/// holding one was written in ISO-2022-JP.
const ISO_2022_JP_KANJI_IN: [&[u8]; 2] = [b"\x1b$B", b"\x1b$@"];

/// `text` decoded as ISO-2022-JP when it is that charset left undecoded: all ASCII (as
/// 7-bit ISO-2022-JP is, whatever it was decoded as) with a switch into kanji. Borrowed
/// unchanged otherwise, which is almost always: one search for the escape byte.
pub fn decode_left_iso_2022_jp(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if memchr::memchr(0x1b, bytes).is_none()
        || !text.is_ascii()
        || !ISO_2022_JP_KANJI_IN.iter().any(|switch| memchr::memmem::find(bytes, switch).is_some())
    {
        return Cow::Borrowed(text);
    }
    let (decoded, _) = encoding_rs::ISO_2022_JP.decode_without_bom_handling(bytes);
    Cow::Owned(decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_2022_jp_left_undecoded_is_decoded_and_anything_else_left_alone() {
        let (written, _, _) = encoding_rs::ISO_2022_JP.encode("期限は2日です。ビットコインで支払え");
        let left = std::str::from_utf8(&written).expect("7-bit");
        assert_eq!(decode_left_iso_2022_jp(left), "期限は2日です。ビットコインで支払え");
        for untouched in ["plain ASCII", "日本語のテキスト", "an escape \x1b[31m in colour", "\x1b$B 日本"]
        {
            assert!(
                matches!(decode_left_iso_2022_jp(untouched), Cow::Borrowed(t) if t == untouched),
                "{untouched}"
            );
        }
    }

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
