//! Japanese text mail-parser was not told how to decode.
//!
//! Outlook and some Japanese mobile gateways label Shift_JIS text with Microsoft's names
//! for it (CP932, x-ms-cp932, windows-932). mail-parser would fall back to raw bytes and
//! the rules would see mojibake, so the label is rewritten to `windows-31j`, a name it
//! decodes with the same table, before parsing. ISO-2022-JP sent with no label, a wrong
//! one, or only an HTML `<meta>` one reaches the rules as escape sequences; being 7-bit,
//! it survives any ASCII-compatible decoding byte for byte and is decoded afterwards.
//! 8-bit Shift_JIS or EUC-JP sent with no label or a wrong one does not survive: it comes
//! out of mail-parser with replacement characters, so the part's own bytes are decoded
//! again ([`redecode_japanese`]).

use std::borrow::Cow;

use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS};
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

/// The 8-bit Japanese encodings tried on text that came out with replacement characters.
const EIGHT_BIT_JAPANESE: [&Encoding; 2] = [SHIFT_JIS, EUC_JP];

/// Whether text under charset `label` may be 8-bit Japanese mislabelled: no label, an
/// unknown one, or a single-byte charset (US-ASCII, the Latin, Cyrillic and Mac ones).
/// Unicode and the multi-byte CJK charsets say what they are.
pub fn may_hide_japanese(label: &str) -> bool {
    let label = label.trim();
    label.is_empty() || Encoding::for_label(label.as_bytes()).is_none_or(Encoding::is_single_byte)
}

/// Decoding errors tolerated: two, and one more per hundred characters read. A stray
/// byte (a trailing `\xff`, a no-break space pasted in) does not make Japanese
/// unreadable.
const STRAY_ERRORS: f32 = 2.0;
const MAX_ERRORS_PER_CHARACTER: f32 = 0.01;
/// The share of kana among the non-ASCII characters of a Japanese reading: prose is
/// about half kana; Latin or Cyrillic read as Japanese gives scattered kanji.
const MIN_KANA_SHARE: f32 = 0.2;

/// The text of a part that mail-parser decoded as `decoded` (with replacement
/// characters, or under a single-byte charset), read again from the part's own `bytes`
/// (transfer encoding undone) as Shift_JIS or EUC-JP: the reading with the most kana,
/// when kana make at least a fifth of its non-ASCII characters and decoding errors are
/// few (two, and one more per hundred characters). EUC-JP bytes often decode as Shift_JIS too, but as
/// half-width katakana and stray kanji; Japanese prose is full of hiragana. `None` when
/// the bytes are plain ASCII or UTF-8 or no reading is Japanese: the text stays as
/// mail-parser read it.
pub fn redecode_japanese(decoded: &str, bytes: &[u8]) -> Option<String> {
    if decoded.is_ascii() || !has_kana_bytes(bytes) || std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    EIGHT_BIT_JAPANESE
        .iter()
        .filter_map(|encoding| {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            let (mut wide, mut kana, mut errors) = (0usize, 0usize, 0usize);
            for c in text.chars().filter(|c| !c.is_ascii()) {
                wide += 1;
                kana += usize::from(is_kana(c));
                errors += usize::from(c == '\u{FFFD}');
            }
            let japanese = kana as f32 >= MIN_KANA_SHARE * wide as f32
                && errors as f32 <= STRAY_ERRORS + MAX_ERRORS_PER_CHARACTER * text.chars().count() as f32;
            (kana > 0 && japanese).then_some((kana, text))
        })
        .max_by_key(|(kana, _)| *kana)
        .map(|(_, text)| text.into_owned())
}

/// Full-width hiragana or katakana.
fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FA}')
}

/// Whether `bytes` hold a byte pair that Shift_JIS or EUC-JP reads as a character
/// [`is_kana`] counts: no reading can find kana without one, so Latin text under a
/// Latin label is not decoded twice more to find none.
fn has_kana_bytes(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|pair| {
        matches!(
            pair,
            // Shift_JIS: the sound marks and iteration marks of row 1, hiragana, katakana.
            [0x81, 0x4A | 0x4B | 0x54 | 0x55] | [0x82, 0x9F..=0xF1] | [0x83, 0x40..=0x7E | 0x80..=0x96]
            // EUC-JP: the same marks, hiragana, katakana.
            | [0xA1, 0xAB | 0xAC | 0xB5 | 0xB6] | [0xA4, 0xA1..=0xF3] | [0xA5, 0xA1..=0xF6]
        )
    })
}

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

    /// The byte pairs `has_kana_bytes` looks for are exactly the kana's: every character
    /// `is_kana` counts that either encoding can write is found, and every pair found
    /// decodes to one.
    #[test]
    fn the_kana_byte_pairs_are_the_kana_of_both_encodings() {
        for encoding in EIGHT_BIT_JAPANESE {
            for c in ('\u{3041}'..='\u{30FA}').filter(|c| is_kana(*c)) {
                let text = c.to_string();
                let (bytes, _, unmappable) = encoding.encode(&text);
                if !unmappable {
                    assert!(has_kana_bytes(&bytes), "{c} in {}: {bytes:x?}", encoding.name());
                }
            }
        }
        for first in 0x80..=0xFF_u8 {
            for second in 0x40..=0xFF_u8 {
                let pair = [first, second];
                if has_kana_bytes(&pair) {
                    let kana = EIGHT_BIT_JAPANESE
                        .iter()
                        .any(|e| e.decode_without_bom_handling(&pair).0.chars().any(is_kana));
                    assert!(kana, "{pair:x?} is kana in neither encoding");
                }
            }
        }
    }

    #[test]
    fn eight_bit_japanese_read_as_something_else_is_read_again_from_its_bytes() {
        let prose = "あなたのデバイスをハッキングしました。期限は48時間です。";
        for encoding in EIGHT_BIT_JAPANESE {
            let (bytes, _, _) = encoding.encode(prose);
            let misread = String::from_utf8_lossy(&bytes);
            assert_eq!(redecode_japanese(&misread, &bytes).as_deref(), Some(prose), "{}", encoding.name());
        }
        for latin1 in
            [b"Caf\xe9 cr\xe8me, d\xe9j\xe0 vu".as_slice(), b"\xc0 bient\xf4t, \xe7a va? Gr\xfc\xdfe"]
        {
            let (read, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(latin1);
            assert_eq!(redecode_japanese(&read, latin1), None, "{read}: Latin text is left alone");
        }
        for label in ["", "US-ASCII", "iso-8859-15", "koi8-r", "macintosh", "windows-1251", "x-unknown"] {
            assert!(may_hide_japanese(label), "{label}");
        }
        for label in ["utf-8", "UTF-16LE", "shift_jis", "euc-jp", "iso-2022-jp", "gb2312", "big5", "euc-kr"] {
            assert!(!may_hide_japanese(label), "{label}");
        }
        let (mut stray, _, _) = SHIFT_JIS.encode(prose);
        stray.to_mut().push(0xff);
        assert_eq!(
            redecode_japanese("\u{FFFD}", &stray).as_deref().map(|t| t.starts_with(prose)),
            Some(true)
        );
        for russian in
            ["Привет, как дела? Всё хорошо, спасибо.", "Ґанок і ґудзик: українські слова з літерою ґ."]
        {
            for encoding in [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_R] {
                let (bytes, _, _) = encoding.encode(russian);
                assert_eq!(redecode_japanese(russian, &bytes), None, "{russian} in {}", encoding.name());
            }
        }
        let utf8 = "ok \u{FFFD} as written";
        assert_eq!(redecode_japanese(utf8, utf8.as_bytes()), None, "valid UTF-8 is what it says");
    }

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
