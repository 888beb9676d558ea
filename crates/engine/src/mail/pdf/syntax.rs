//! The few pieces of PDF syntax the link scan reads (PDF 1.7 §7.3): names with their
//! `#xx` escapes undone, literal and hex strings, indirect references (`12 0 R`), and the
//! dictionary around a key. Each reads a bounded number of bytes and never fails: what it
//! cannot make sense of is nothing.

use memchr::memchr;

/// The longest link read: an address longer than this is cut, not dropped.
pub const MAX_LINK_BYTES: usize = 2048;

/// The bytes of a string read at most (escapes and line continuations make a string
/// longer than the link it spells).
const MAX_STRING_BYTES: usize = 4 * MAX_LINK_BYTES;

/// How far back from a key the `<<` of its dictionary is looked for, and how far on from
/// there its `>>`: an action dictionary is a few lines, and a key in a huge one is not
/// worth a long scan.
const DICTIONARY_BACK: usize = 1024;
const DICTIONARY_AHEAD: usize = 4096;

/// The longest name compared: every key the scan asks about is shorter. Longer names are
/// still read to their end, so the scan resumes after them.
const NAME_ROOM: usize = 16;

/// A name as a reader sees it, escapes undone: `/U#52I` is `URI` (PDF 1.7 §7.3.5), the
/// spelling lures use to hide a key from a scan for its plain bytes.
pub struct Name {
    bytes: [u8; NAME_ROOM],
    len: usize,
    /// Longer than [`NAME_ROOM`]: equal to none of the keys asked about.
    long: bool,
}

impl Name {
    /// Whether this is the name `wanted` (without its slash).
    pub fn is(&self, wanted: &[u8]) -> bool {
        !self.long && self.bytes.get(..self.len) == Some(wanted)
    }
}

/// Whitespace and delimiters end a name (PDF 1.7 §7.2.2); NUL is whitespace there too.
fn ends_name(byte: u8) -> bool {
    matches!(
        byte,
        0 | b'\t'
            | b'\n'
            | 0x0c
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// Every name in `bytes` with the offset where it starts (its slash) and where it ends, in
/// one pass: each byte is read once, whatever the names hold.
pub fn names(bytes: &[u8]) -> impl Iterator<Item = (Name, usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let slash = from + memchr(b'/', bytes.get(from..)?)?;
        let mut name = Name { bytes: [0; NAME_ROOM], len: 0, long: false };
        let mut i = slash + 1;
        while let Some(&byte) = bytes.get(i)
            && !ends_name(byte)
        {
            let escaped = (byte == b'#').then(|| hex_pair(bytes.get(i + 1..i + 3)?)).flatten();
            let (decoded, width) = escaped.map_or((byte, 1), |decoded| (decoded, 3));
            i += width;
            match name.bytes.get_mut(name.len) {
                Some(slot) => {
                    *slot = decoded;
                    name.len += 1;
                }
                None => name.long = true,
            }
        }
        from = i;
        Some((name, slash, i))
    })
}

/// The byte two hex digits spell.
fn hex_pair(pair: &[u8]) -> Option<u8> {
    let digit = |b: &u8| (*b as char).to_digit(16);
    match pair {
        [high, low] => Some((digit(high)? * 16 + digit(low)?) as u8),
        _ => None,
    }
}

/// What follows a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Value {
    /// A string's bytes, escapes undone.
    String(Vec<u8>),
    /// An indirect reference to object number N (`N G R`).
    Reference(u32),
    /// Anything else: a name, a number, a dictionary, an array.
    Other,
}

/// The value that opens `bytes` (leading whitespace skipped).
pub fn value_at(bytes: &[u8]) -> Value {
    let bytes = bytes.trim_ascii_start();
    match bytes.split_first() {
        Some((b'(', string)) => Value::String(literal_string(string)),
        Some((b'<', string)) if string.first() != Some(&b'<') => Value::String(hex_string(string)),
        Some((b'0'..=b'9', _)) => reference(bytes).map_or(Value::Other, Value::Reference),
        _ => Value::Other,
    }
}

/// The object number of an indirect reference `N G R` opening `bytes`.
fn reference(bytes: &[u8]) -> Option<u32> {
    let (number, rest) = integer(bytes)?;
    let (_generation, rest) = integer(rest)?;
    let rest = rest.strip_prefix(b"R")?;
    rest.first().is_none_or(|&b| ends_name(b)).then_some(number)
}

/// The unsigned integer opening `bytes` (at most nine digits) and what follows it, with
/// the whitespace after it skipped.
pub fn integer(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let digits = bytes.iter().take(10).take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let (number, rest) = bytes.split_at(digits);
    let number = number.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    Some((number, rest.trim_ascii_start()))
}

/// The value as a web address, when it is one: printable text starting with http(s)://.
pub fn web_address(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let lower = text.get(..8)?.to_ascii_lowercase();
    let is_web = lower.starts_with("http://") || lower.starts_with("https://");
    (is_web && !text.chars().any(char::is_control)).then(|| text.to_string())
}

/// The dictionary (`<< … >>`) that holds the byte at `at`, looked for within
/// [`DICTIONARY_BACK`] bytes before it and [`DICTIONARY_AHEAD`] after its start; one cut
/// off runs to the end of that reach. Strings holding `<<` can mislead it, which costs a
/// wider or narrower span, never a fault.
pub fn enclosing_dictionary(bytes: &[u8], at: usize) -> Option<&[u8]> {
    let from = at.saturating_sub(DICTIONARY_BACK);
    let before = bytes.get(from..at)?;
    let mut depth = 0usize;
    let mut i = before.len();
    let start = loop {
        if i < 2 {
            return None;
        }
        match before.get(i - 2..i)? {
            b">>" => {
                depth += 1;
                i -= 2;
            }
            b"<<" if depth == 0 => break from + i - 2,
            b"<<" => {
                depth -= 1;
                i -= 2;
            }
            _ => i -= 1,
        }
    };
    let inside = bytes.get(start + 2..)?;
    let inside = inside.get(..DICTIONARY_AHEAD).unwrap_or(inside);
    let mut depth = 0usize;
    let mut j = 0;
    let mut end = inside.len();
    while let Some(pair) = inside.get(j..j + 2) {
        match pair {
            b"<<" => {
                depth += 1;
                j += 2;
            }
            b">>" if depth == 0 => {
                end = j;
                break;
            }
            b">>" => {
                depth -= 1;
                j += 2;
            }
            _ => j += 1,
        }
    }
    bytes.get(start..start + 2 + end + 2).or_else(|| bytes.get(start..start + 2 + end))
}

/// A literal string's bytes after its `(`, escapes undone (PDF 1.7 §7.3.4.2): `\n`,
/// `\(`, octal `\072`, a backslash before a line break joins lines, and balanced
/// parentheses nest without escapes.
pub fn literal_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i)
        && out.len() < MAX_LINK_BYTES
        && i < MAX_STRING_BYTES
    {
        i += 1;
        match byte {
            b'(' => {
                depth += 1;
                out.push(byte);
            }
            b')' if depth == 0 => break,
            b')' => {
                depth -= 1;
                out.push(byte);
            }
            b'\\' => {
                let Some(&next) = bytes.get(i) else { break };
                i += 1;
                match next {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'0'..=b'7' => {
                        let mut code = u32::from(next - b'0');
                        for _ in 0..2 {
                            match bytes.get(i) {
                                Some(&digit @ b'0'..=b'7') => {
                                    code = code * 8 + u32::from(digit - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        // Three octal digits reach 511; the high bit is dropped, as readers do.
                        out.push((code & 0xff) as u8);
                    }
                    b'\r' => i += usize::from(bytes.get(i) == Some(&b'\n')),
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A hex string's bytes after its `<`, up to `>` (whitespace ignored; an odd last digit
/// counts as followed by 0).
pub fn hex_string(bytes: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = bytes
        .iter()
        .take_while(|&&b| b != b'>')
        .take(MAX_LINK_BYTES * 2 + 64)
        .filter_map(|&b| (b as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|pair| pair.iter().chain([&0]).take(2).fold(0, |byte, digit| (byte << 4) | digit))
        .collect()
}
