//! Normalises decoded text into the form the detection rules read.
//!
//! Scam senders dodge filters with full-width letters, zero-width characters, Cyrillic
//! look-alikes and combining overlays. Rules should never have to know about any of that,
//! so every piece of text goes through [`normalize`] once, before detection. The original
//! text is kept elsewhere for evidence.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Returns the NFKC form of `text` with invisible characters removed, look-alike letters
/// folded to ASCII and whitespace collapsed to single spaces.
///
/// Whitespace between two non-ASCII characters is dropped altogether: Japanese has no word
/// spaces, so a space or line break there is layout (or evasion), and keeping it would
/// split a phrase such as 一時停止 into pieces no rule matches.
pub fn normalize(text: &str) -> String {
    normalize_counting(text).0
}

/// [`normalize`], and in the same pass the count of invisible characters that sat inside
/// words (between two letters or digits). Layout puts invisible characters between words
/// or in padding; only evasion puts them inside a word ("B\u{200B}itcoin",
/// "P\u{0336}a\u{0336}y").
pub fn normalize_counting(text: &str) -> (String, usize) {
    // Most mail is already in NFKC (all ASCII is); the quick check is far cheaper than
    // running the composition machinery over every character.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        clean(text.chars(), text.len())
    } else {
        clean(text.nfkc(), text.len())
    }
}

fn clean(chars: impl Iterator<Item = char>, len: usize) -> (String, usize) {
    let mut out = String::with_capacity(len);
    let mut pending_space = false;
    let mut previous: Option<char> = None;
    let mut after_alphanumeric = false;
    let mut hidden_here = 0;
    let mut hidden_inside = 0;
    for c in chars {
        if is_invisible(c) {
            hidden_here += usize::from(after_alphanumeric);
            continue;
        }
        after_alphanumeric = c.is_alphanumeric();
        if after_alphanumeric {
            hidden_inside += hidden_here;
        }
        hidden_here = 0;
        if c.is_whitespace() {
            pending_space = previous.is_some();
            continue;
        }
        let c = fold_lookalike(c);
        if pending_space {
            let glue = previous.is_some_and(|p| !p.is_ascii()) && !c.is_ascii();
            if !glue {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
        previous = Some(c);
    }
    (out, hidden_inside)
}

/// Characters that render as nothing (or only steer layout) and so can be slipped into a
/// word or a wallet address without the reader seeing them.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{034F}'                // combining grapheme joiner
        | '\u{0334}'..='\u{0338}'   // combining overlays (strike-through text)
        | '\u{061C}'                // Arabic letter mark
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
        | '\u{180E}'                // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM/RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}'   // bidi isolates, deprecated format characters
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{FEFF}'                // byte order mark / zero-width no-break space
        | '\u{E0000}'..='\u{E007F}' // tag characters
        | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
    )
}

/// Maps Cyrillic and Greek letters that look like Latin ones to their Latin twin, so
/// "Вitсоin" or "pаypal" reads as the word it imitates. Letters with no Latin look-alike
/// are left alone.
pub fn fold_lookalike(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'А' | 'Α' => 'A',
        'в' | 'Β' | 'В' => 'B',
        'с' | 'ϲ' => 'c',
        'С' | 'Ϲ' => 'C',
        'е' | 'ε' => 'e',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'і' | 'ι' => 'i',
        'І' | 'Ι' => 'I',
        'ј' => 'j',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'к' | 'κ' => 'k',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'о' | 'ο' => 'o',
        'О' | 'Ο' => 'O',
        'р' | 'ρ' => 'p',
        'Р' | 'Ρ' => 'P',
        'ѕ' => 's',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'у' | 'γ' => 'y',
        'У' | 'Υ' => 'Y',
        'х' | 'χ' => 'x',
        'Х' | 'Χ' => 'X',
        'ν' => 'v',
        'Ζ' => 'Z',
        'ԁ' => 'd',
        'ɡ' => 'g',
        'һ' => 'h',
        'ӏ' => 'l',
        'ԛ' => 'q',
        'ԝ' => 'w',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_half_width_kana_become_canonical() {
        assert_eq!(normalize("ｂｃ１ｑ"), "bc1q");
        assert_eq!(normalize("ｶﾀｶﾅ"), "カタカナ");
    }

    #[test]
    fn zero_width_and_bidi_characters_are_removed() {
        assert_eq!(normalize("bit\u{200B}co\u{202E}in"), "bitcoin");
        assert_eq!(normalize("I\u{E0139}\u{E0139}RS"), "IRS");
    }

    #[test]
    fn cyrillic_lookalikes_fold_to_latin() {
        assert_eq!(normalize("Вitсоin wаllet"), "Bitcoin wallet");
    }

    #[test]
    fn strike_through_overlays_are_removed() {
        assert_eq!(normalize("P\u{0336}a\u{0336}y\u{0336}"), "Pay");
    }

    #[test]
    fn hidden_characters_inside_words_are_counted_but_padding_is_not() {
        assert_eq!(normalize_counting("B\u{200B}i\u{200B}tcoin").1, 2);
        assert_eq!(normalize_counting("P\u{0336}a\u{0336}y\u{0336}").1, 2);
        assert_eq!(normalize_counting("Hello \u{200C}\u{034F} \u{200C}\u{034F} world").1, 0);
    }

    #[test]
    fn whitespace_collapses_and_disappears_between_japanese_characters() {
        assert_eq!(normalize("  a \n\t b  "), "a b");
        assert_eq!(normalize("一時停\n止 します"), "一時停止します");
        assert_eq!(normalize("送金 BTC"), "送金 BTC");
    }
}
