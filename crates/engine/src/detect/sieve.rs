//! Finds the few places in a long text worth a closer look, without reading it byte by
//! byte: a test over each pair of neighbouring bytes is run sixteen pairs at a time, in a
//! form the compiler turns into vector instructions, and only a block where it holds is
//! searched byte by byte.
//!
//! The rules that look for rare things (a wallet address starting a word, a digit starting
//! a number, a look-alike letter beside real ones) use this instead of a regex that has no
//! literal to jump to and so walks every byte; [`AnchoredAt`] then reads a pattern at just
//! those places.

use regex::{CaptureLocations, Regex};

/// How many byte pairs are tested at once.
const BLOCK: usize = 16;

/// The byte taken to stand before the text: a space, so a test for "starts a word" holds
/// at the very beginning.
const BEFORE_TEXT: u8 = b' ';

/// Byte offsets `i` in `bytes` where `spot(previous byte, byte at i)` holds, in order.
pub fn spots<F>(bytes: &[u8], spot: F) -> Spots<'_, F, impl Fn(u8) -> bool>
where
    F: Fn(u8, u8) -> bool,
{
    spots_beside(bytes, |_| true, spot)
}

/// Like [`spots`] for a test that can only hold where one of the two bytes is a `key`
/// byte: a block without a key byte is passed over after that single cheap test, and the
/// full pair test runs only on blocks with one.
pub fn spots_beside<F, K>(bytes: &[u8], key: K, spot: F) -> Spots<'_, F, K>
where
    F: Fn(u8, u8) -> bool,
    K: Fn(u8) -> bool,
{
    Spots { bytes, next: 0, spot, key }
}

/// The iterator behind [`spots`]; it can be moved forward with [`Spots::skip_to`] when a
/// caller has read past a spot itself.
pub struct Spots<'a, F, K> {
    bytes: &'a [u8],
    next: usize,
    spot: F,
    key: K,
}

impl<F: Fn(u8, u8) -> bool, K: Fn(u8) -> bool> Spots<'_, F, K> {
    /// Continues the search at byte `offset` (never backwards).
    pub fn skip_to(&mut self, offset: usize) {
        self.next = self.next.max(offset);
    }

    fn holds_at(&self, at: usize) -> bool {
        let previous = at.checked_sub(1).and_then(|p| self.bytes.get(p)).copied().unwrap_or(BEFORE_TEXT);
        self.bytes.get(at).is_some_and(|&current| (self.spot)(previous, current))
    }

    /// Whether the pair test holds anywhere in the block of [`BLOCK`] bytes starting at
    /// `at`, or `None` when fewer than a block (plus the byte before it) remain.
    fn block_has_spot(&self, at: usize) -> Option<bool> {
        let window: &[u8; BLOCK + 1] = self.bytes.get(at.checked_sub(1)?..)?.first_chunk()?;
        let (previous, _) = window.split_first_chunk::<BLOCK>()?;
        let (_, current) = window.split_last_chunk::<BLOCK>()?;
        // No early exit: a plain fold over fixed-size arrays is what gets vectorised.
        let has_key = window.iter().fold(false, |any, &b| any | (self.key)(b));
        Some(has_key && previous.iter().zip(current).fold(false, |any, (&p, &c)| any | (self.spot)(p, c)))
    }
}

impl<F: Fn(u8, u8) -> bool, K: Fn(u8) -> bool> Iterator for Spots<'_, F, K> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let mut at = self.next;
        while at < self.bytes.len() {
            if at > 0 && self.block_has_spot(at) == Some(false) {
                at += BLOCK;
                continue;
            }
            // A block with a spot, the first byte, or the short tail: byte by byte.
            let end = (at + BLOCK).min(self.bytes.len());
            if let Some(found) = (at..end).find(|&i| self.holds_at(i)) {
                self.next = found + 1;
                return Some(found);
            }
            at = end;
        }
        self.next = at;
        None
    }
}

/// A `^`-anchored pattern tried at chosen offsets of one text. The capture buffer is
/// reused: most numbers are neither amounts nor deadlines, and allocating captures for
/// each try would cost more than the try itself.
pub struct AnchoredAt<'t> {
    pattern: &'static Regex,
    groups: CaptureLocations,
    text: &'t str,
    matched_at: usize,
}

impl<'t> AnchoredAt<'t> {
    pub fn new(pattern: &'static Regex, text: &'t str) -> Self {
        AnchoredAt { pattern, groups: pattern.capture_locations(), text, matched_at: 0 }
    }

    /// Whether the pattern matches at byte `start`; returns the offset just past the match.
    pub fn try_at(&mut self, start: usize) -> Option<usize> {
        let rest = self.text.get(start..)?;
        let found = self.pattern.captures_read(&mut self.groups, rest)?;
        self.matched_at = start;
        Some(start + found.end())
    }

    /// Group `index` of the last match and where it starts in the text.
    pub fn group(&self, index: usize) -> Option<(usize, &'t str)> {
        let (start, end) = self.groups.get(index)?;
        let (start, end) = (self.matched_at + start, self.matched_at + end);
        Some((start, self.text.get(start..end)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(bytes: &[u8], spot: impl Fn(u8, u8) -> bool) -> Vec<usize> {
        (0..bytes.len())
            .filter(|&i| {
                let previous = if i == 0 { BEFORE_TEXT } else { bytes[i - 1] };
                spot(previous, bytes[i])
            })
            .collect()
    }

    #[test]
    fn finds_every_spot_a_byte_by_byte_search_finds() {
        let starts_word = |p: u8, c: u8| c.is_ascii_digit() && !p.is_ascii_digit();
        let texts: [&[u8]; 5] = [
            b"",
            b"7",
            b"no digits anywhere in this line of text at all, none",
            b"1 then 22 and 333 across the blocks: 4444444444444444444444 5 ends with 6",
            "未払いの料金 30000円 を 48時間以内 に、12 と 3".as_bytes(),
        ];
        for text in texts {
            assert_eq!(spots(text, starts_word).collect::<Vec<_>>(), naive(text, starts_word));
        }
        let long: Vec<u8> = (0..1000u32).map(|i| if i % 37 == 0 { b'9' } else { b'x' }).collect();
        assert_eq!(spots(&long, starts_word).collect::<Vec<_>>(), naive(&long, starts_word));
    }

    #[test]
    fn a_key_byte_only_skips_blocks_without_one() {
        let beside_x = |p: u8, c: u8| (p == b'x') & c.is_ascii_uppercase();
        let mut text = "lower case words and then some more of them, ".repeat(20).into_bytes();
        for at in [0, 15, 31, 40, 300, text.len() - 2] {
            text.splice(at..at + 2, *b"xQ");
        }
        let with_key: Vec<usize> = spots_beside(&text, |b| b == b'x', beside_x).collect();
        assert_eq!(with_key, naive(&text, beside_x));
        assert_eq!(with_key.len(), 6);
    }

    #[test]
    fn skip_to_moves_past_spots_already_read() {
        let text = b"a1 b2 c3 d4";
        let mut found = spots(text, |_, c: u8| c.is_ascii_digit());
        assert_eq!(found.next(), Some(1));
        found.skip_to(6);
        assert_eq!(found.collect::<Vec<_>>(), [7, 10]);
    }
}
