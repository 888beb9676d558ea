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

/// Marks of text built to slip past keyword filters, counted while normalising: each
/// renders as ordinary text to the reader and as something else to a filter.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Disguises {
    /// Invisible characters inside words ("B\u{200B}itcoin", "P\u{0336}a\u{0336}y").
    /// Layout puts them between words or in padding; only evasion puts them inside one.
    pub hidden: usize,
    /// Letters of other alphabets mixed into Latin words: Cyrillic or Greek twins
    /// ("Вitсоin"), small capitals ("ᴘᴀʏᴍᴇɴᴛ"), mathematical letters ("𝐏𝐚𝐲").
    pub lookalikes: usize,
    /// Japanese characters spaced out one by one ("三 井 住 友 カ ー ド"): Japanese has no
    /// word spaces, and a space after every character only breaks up a keyword.
    pub spaced: usize,
}

impl std::ops::Add for Disguises {
    type Output = Disguises;

    fn add(self, other: Disguises) -> Disguises {
        Disguises {
            hidden: self.hidden + other.hidden,
            lookalikes: self.lookalikes + other.lookalikes,
            spaced: self.spaced + other.spaced,
        }
    }
}

/// [`normalize`], and in the same pass the [`Disguises`] it took off.
pub fn normalize_counting(text: &str) -> (String, Disguises) {
    // Most mail is already in NFKC (all ASCII is); the quick check is far cheaper than
    // running the composition machinery over every character.
    if text.chars().all(is_plainly_nfkc) || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        clean(text.chars(), text.len())
    } else {
        // NFKC turns mathematical letters into plain ones: count them before it does.
        let mathematical = text.chars().filter(|c| ('\u{1D400}'..='\u{1D7FF}').contains(c)).count();
        let (out, mut disguises) = clean(text.nfkc(), text.len());
        disguises.lookalikes += mathematical;
        (out, disguises)
    }
}

fn clean(chars: impl Iterator<Item = char>, len: usize) -> (String, Disguises) {
    let mut out = String::with_capacity(len);
    let mut disguises = Disguises::default();
    let mut pending_space = false;
    let mut previous: Option<char> = None;
    let mut after_alphanumeric = false;
    let mut hidden_here = 0;
    // Characters since the last whitespace, and in the word before it.
    let mut run = 0;
    let mut run_before_space = 0;
    // The previous character as written: an ASCII letter, or a folded look-alike.
    let mut after_ascii_letter = false;
    let mut after_lookalike = false;
    for c in chars {
        // ASCII and Japanese letters (nearly all of most mail) are never invisible, never
        // folded and never whitespace beyond ASCII's: they skip the Unicode tables.
        let plain = c.is_ascii() || is_plain_japanese_letter(c);
        if !plain && is_invisible(c) {
            hidden_here += usize::from(after_alphanumeric);
            continue;
        }
        after_alphanumeric =
            if plain { !c.is_ascii() || c.is_ascii_alphanumeric() } else { c.is_alphanumeric() };
        if after_alphanumeric {
            disguises.hidden += hidden_here;
        }
        hidden_here = 0;
        if c.is_ascii_whitespace() || (!plain && c.is_whitespace()) {
            pending_space = previous.is_some();
            if run > 0 {
                run_before_space = run;
            }
            run = 0;
            after_ascii_letter = false;
            after_lookalike = false;
            continue;
        }
        let c = if plain { c } else { fold_quote(c) };
        let folded = if plain { c } else { fold_lookalike(c) };
        let is_lookalike = folded != c;
        if (!plain && is_small_capital(c))
            || (is_lookalike && after_ascii_letter)
            || (after_lookalike && c.is_ascii_alphabetic())
        {
            disguises.lookalikes += 1;
        }
        after_ascii_letter = c.is_ascii_alphabetic();
        after_lookalike = is_lookalike;
        if pending_space {
            let glue = previous.is_some_and(|p| !p.is_ascii()) && !folded.is_ascii();
            if glue {
                disguises.spaced += usize::from(run_before_space == 1);
            } else {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(folded);
        run += 1;
        previous = Some(folded);
    }
    (out, disguises)
}

/// Kana and the common CJK ideographs: letters, starters, already in NFKC, never
/// invisible or folded. Japanese text is mostly these, and knowing it spares the Unicode
/// table lookups for each of them.
fn is_plain_japanese_letter(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{4E00}'..='\u{9FFF}')
}

/// Characters that are in NFKC whatever surrounds them: ASCII, Japanese letters, and the
/// Japanese punctuation 、。〃 and brackets 〈〉《》「」『』【】. (A combining mark after one
/// of them is not in this set, so text with one still gets the full check.)
fn is_plainly_nfkc(c: char) -> bool {
    c.is_ascii()
        || is_plain_japanese_letter(c)
        || matches!(c, '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}')
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

/// Typographic quotes and apostrophes as their ASCII twins, so "I’ve" (typed, or an
/// HTML `&rsquo;`) reads as the "I've" that phrases are written with. Punctuation, not a
/// disguise: they are not counted as look-alikes.
fn fold_quote(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => '"',
        other => other,
    }
}

/// Small capitals (phonetic letters no ordinary text uses) that scams write words in.
fn is_small_capital(c: char) -> bool {
    fold_small_capital(c) != c
}

fn fold_small_capital(c: char) -> char {
    match c {
        'ᴀ' => 'a',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ꜰ' => 'f',
        'ɢ' => 'g',
        'ʜ' => 'h',
        'ɪ' => 'i',
        'ᴊ' => 'j',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        other => other,
    }
}

/// Maps Cyrillic and Greek letters that look like Latin ones, and small capitals, to
/// their Latin twin, so "Вitсоin", "pаypal" or "ᴘᴀʏᴍᴇɴᴛ" reads as the word it imitates.
/// Letters with no Latin look-alike are left alone.
pub fn fold_lookalike(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
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
        other => fold_small_capital(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_characters_are_what_the_unicode_tables_say() {
        let plain = ('\u{3000}'..='\u{9FFF}').filter(|&c| is_plainly_nfkc(c) || is_plain_japanese_letter(c));
        for c in plain {
            assert_eq!(is_nfkc_quick(std::iter::once(c)), IsNormalized::Yes, "{c} U+{:04X}", c as u32);
            assert_eq!(c.nfkc().collect::<String>(), c.to_string(), "{c}");
            assert!(!is_invisible(c) && !c.is_whitespace() && fold_lookalike(c) == c, "{c}");
            if is_plain_japanese_letter(c) {
                assert!(c.is_alphanumeric(), "{c} U+{:04X}", c as u32);
            }
        }
        // The dakuten that composes with the kana before it is not plain.
        assert!(!is_plainly_nfkc('\u{3099}'));
        assert_eq!(normalize("か\u{3099}"), "が");
    }

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
    fn typographic_apostrophes_and_quotes_read_as_ascii_and_are_no_disguise() {
        let (text, disguises) =
            normalize_counting("I\u{2019}ve \u{201C}hacked\u{201D} it\u{2019}s \u{2018}x\u{2019}");
        assert_eq!(text, "I've \"hacked\" it's 'x'");
        assert_eq!(disguises, Disguises::default());
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
        assert_eq!(normalize_counting("B\u{200B}i\u{200B}tcoin").1.hidden, 2);
        assert_eq!(normalize_counting("P\u{0336}a\u{0336}y\u{0336}").1.hidden, 2);
        assert_eq!(normalize_counting("Hello \u{200C}\u{034F} \u{200C}\u{034F} world").1.hidden, 0);
    }

    #[test]
    fn letters_from_other_alphabets_inside_latin_words_are_counted() {
        let (text, disguises) = normalize_counting("Вitсоin");
        assert_eq!(text, "Bitcoin");
        assert!(disguises.lookalikes >= 2, "{disguises:?}");
        let (text, disguises) = normalize_counting("ᴘᴀʏᴍᴇɴᴛ ᴅᴇᴄʟɪɴᴇᴅ");
        assert_eq!(text, "payment declined");
        assert_eq!(disguises.lookalikes, 15);
        let (text, disguises) = normalize_counting("\u{1D40F}\u{1D41A}\u{1D432} now");
        assert_eq!(text, "Pay now");
        assert_eq!(disguises.lookalikes, 3);
        // Russian is Russian: its letters fold, but no Latin word is disguised.
        assert_eq!(normalize_counting("Привет, мир. Hello").1.lookalikes, 0);
    }

    #[test]
    fn japanese_spaced_out_character_by_character_is_counted() {
        let (text, disguises) = normalize_counting("三 井 住 友 カ ー ドをご利用");
        assert_eq!(text, "三井住友カードをご利用");
        assert_eq!(disguises.spaced, 6);
        assert_eq!(normalize_counting("東京都 港区の 会議室で\n行います").1.spaced, 0);
    }

    #[test]
    fn whitespace_collapses_and_disappears_between_japanese_characters() {
        assert_eq!(normalize("  a \n\t b  "), "a b");
        assert_eq!(normalize("一時停\n止 します"), "一時停止します");
        assert_eq!(normalize("送金 BTC"), "送金 BTC");
    }
}
