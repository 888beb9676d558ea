//! The words of a text as tokens: lower-cased Latin words and character bigrams of the
//! scripts written without word spaces (Japanese, Chinese, Korean), each with its byte
//! range so `explain` can show the word that was read.

use super::{Source, TokenKind};

/// Words longer than this are encoded blobs or run-together evasions, not vocabulary.
const MAX_WORD_CHARS: usize = 24;

/// Splits `text` into lower-cased Latin words and CJK character bigrams, each with its
/// byte range in `text`. Digits are skipped (amounts and order numbers vary per mail and
/// say nothing of the kind of mail); a word mixing letters and digits is kept. ASCII, most
/// of the text of most mail, takes a path without Unicode tables.
pub(super) fn words(
    text: &str,
    kind: TokenKind,
    word: &mut Word,
    source: &impl Fn(usize, usize) -> Source,
    visit: &mut impl FnMut(TokenKind, &str, Source),
) {
    // Where the CJK character just read starts: a pair is it and the one after, adjacent
    // in the text, so it is read as a slice of the text.
    let mut previous_cjk: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        // ASCII is read byte by byte; only other characters are decoded.
        if byte.is_ascii() {
            previous_cjk = None;
            // A word of ASCII letters and digits that ends in ASCII (or at the end) is
            // taken whole, as a slice: most words of most mail. One that runs on into a
            // non-ASCII letter ("café") is read a character at a time below.
            if byte.is_ascii_alphanumeric() && word.text.is_empty() {
                let run = AsciiRun::at(bytes, at);
                if bytes.get(run.end).is_none_or(u8::is_ascii)
                    && let Some(letters) = text.get(at..run.end)
                {
                    word.whole(kind, letters, &run, at, source, visit);
                    at = run.end;
                    continue;
                }
            }
            if byte.is_ascii_alphanumeric() {
                word.push(at, char::from(byte.to_ascii_lowercase()), !byte.is_ascii_digit());
            } else {
                word.flush(kind, at, source, visit);
            }
            at += 1;
            continue;
        }
        let Some((c, next)) = char_at(bytes, at) else { break };
        if is_cjk(c) {
            word.flush(kind, at, source, visit);
            if let Some(pair) = previous_cjk.and_then(|start| text.get(start..next)) {
                visit(kind, pair, source(next - pair.len(), next));
            }
            previous_cjk = Some(at);
        } else if is_cjk_punctuation(c) {
            // 、。「」 and full-width forms: separators, answered without Unicode tables.
            previous_cjk = None;
            word.flush(kind, at, source, visit);
        } else if c.is_alphanumeric() {
            previous_cjk = None;
            for lower in c.to_lowercase() {
                word.push(at, lower, !c.is_numeric());
            }
        } else {
            previous_cjk = None;
            word.flush(kind, at, source, visit);
        }
        at = next;
    }
    word.flush(kind, text.len(), source, visit);
}

/// The word being read: its text, its length in characters, and whether it has a
/// character that is not a digit.
#[derive(Default)]
pub(super) struct Word {
    text: String,
    /// Where the word starts in the text being read.
    start: usize,
    chars: usize,
    lettered: bool,
}

impl Word {
    fn push(&mut self, at: usize, c: char, letter: bool) {
        if self.text.is_empty() {
            self.start = at;
        }
        self.text.push(c);
        self.chars += 1;
        self.lettered |= letter;
    }

    /// Hands `letters`, the text of `run` (a whole word of ASCII letters and digits starting
    /// at `start`), to `visit` as [`Word::flush`] would have after pushing it a byte at a
    /// time.
    fn whole(
        &mut self,
        kind: TokenKind,
        letters: &str,
        run: &AsciiRun,
        start: usize,
        source: &impl Fn(usize, usize) -> Source,
        visit: &mut impl FnMut(TokenKind, &str, Source),
    ) {
        if !run.lettered || !(2..=MAX_WORD_CHARS).contains(&letters.len()) {
            return;
        }
        let place = source(start, start + letters.len());
        if run.upper {
            self.text.clear();
            self.text.push_str(letters);
            self.text.make_ascii_lowercase();
            visit(kind, &self.text, place);
            self.text.clear();
        } else {
            visit(kind, letters, place);
        }
    }

    /// Ends the word being read, if any: called at every space, punctuation mark and CJK
    /// character, so the common case, no word, returns at once.
    #[inline]
    fn flush(
        &mut self,
        kind: TokenKind,
        end: usize,
        source: &impl Fn(usize, usize) -> Source,
        visit: &mut impl FnMut(TokenKind, &str, Source),
    ) {
        if self.chars > 0 {
            self.hand_on(kind, source(self.start, end), visit);
        }
    }

    /// Hands the word to `visit`, read at `place`, when it is one (2 to [`MAX_WORD_CHARS`]
    /// characters, not all digits) and starts the next.
    fn hand_on(&mut self, kind: TokenKind, place: Source, visit: &mut impl FnMut(TokenKind, &str, Source)) {
        if self.lettered && (2..=MAX_WORD_CHARS).contains(&self.chars) {
            visit(kind, &self.text, place);
        }
        self.text.clear();
        (self.chars, self.lettered) = (0, false);
    }
}

/// A run of ASCII letters and digits, read in one pass: where it ends, whether it has a
/// letter (a run of digits is no word) and whether it has a capital (to lower-case).
struct AsciiRun {
    end: usize,
    lettered: bool,
    upper: bool,
}

impl AsciiRun {
    fn at(bytes: &[u8], start: usize) -> AsciiRun {
        let (mut end, mut seen) = (start, 0);
        // One table lookup per byte instead of three range tests: the run is most of
        // the work of reading a text.
        for &byte in bytes.get(start..).unwrap_or_default() {
            let class = ASCII_CLASS.get(usize::from(byte)).copied().unwrap_or(0);
            if class == 0 {
                break;
            }
            seen |= class;
            end += 1;
        }
        AsciiRun { end, lettered: seen & (LOWER | UPPER) != 0, upper: seen & UPPER != 0 }
    }
}

const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 4;

/// What each byte is to a word: a lower-case or capital ASCII letter, a digit, or (0)
/// none of them.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated while compiling: an index out of range fails the build"
)]
static ASCII_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'0'..=b'9' => DIGIT,
            _ => 0,
        };
        byte += 1;
    }
    table
};

/// The character that starts at `at` in `bytes` (the bytes of a `str`, and `at` a
/// character's first byte) and where the next one starts, decoded from the bytes by hand:
/// most non-ASCII text of mail is Japanese, three bytes a character, and re-slicing the
/// text to decode each through `str::chars` checked every boundary again (about 40
/// instructions a character, against about 15 here).
#[inline]
fn char_at(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let low = |byte: u8| u32::from(byte & 0x3F);
    let (code, len) = match *bytes.get(at..)? {
        [lead @ 0xE0..=0xEF, second, third, ..] => {
            ((u32::from(lead & 0x0F) << 12) | (low(second) << 6) | low(third), 3)
        }
        [lead @ 0x00..=0x7F, ..] => (u32::from(lead), 1),
        [lead @ 0xC0..=0xDF, second, ..] => ((u32::from(lead & 0x1F) << 6) | low(second), 2),
        [lead @ 0xF0..=0xF7, second, third, fourth, ..] => {
            ((u32::from(lead & 0x07) << 18) | (low(second) << 12) | (low(third) << 6) | low(fourth), 4)
        }
        _ => return None,
    };
    Some((char::from_u32(code)?, at + len))
}

/// CJK punctuation and symbols (、。「」【】) and the half- and full-width forms block.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

/// Han, kana and the CJK symbols between them: the scripts written without word spaces.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoding by hand reads every character of every length as `str::chars` does, and
    /// stops at the end of the bytes.
    #[test]
    fn characters_decoded_by_hand_are_those_of_str_chars() {
        let text = "a\u{7f}\u{80}é\u{7ff}\u{800}動\u{ffff}\u{10000}😀\u{10ffff}z";
        let (bytes, mut at, mut read) = (text.as_bytes(), 0, Vec::new());
        while let Some((c, next)) = char_at(bytes, at) {
            read.push(c);
            at = next;
        }
        assert_eq!(read, text.chars().collect::<Vec<_>>());
        assert_eq!(at, text.len());
        assert_eq!(char_at("動".as_bytes().get(..2).unwrap_or_default(), 0), None, "a cut character");
    }
}
