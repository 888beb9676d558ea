//! Near-copy digests: what a mail says, as a small sketch that another mail with the same
//! body matches whatever its greeting, name, amounts or Message-ID.
//!
//! The normalised subject and text are read as a stream of words (Latin words lower-cased,
//! each Japanese or Chinese character a word of its own, anything with a digit dropped: a
//! scam's copies differ in amounts, wallet addresses and order numbers), and every run of
//! [`SHINGLE`] consecutive words is a shingle. Each shingle is hashed to 64 bits; the
//! sketch keeps the [`SKETCH_SIZE`] smallest distinct hashes (a bottom-k MinHash). Two
//! sketches estimate the Jaccard similarity of the two mails' shingle sets: of the
//! smallest [`SKETCH_SIZE`] hashes of both together, the share that both hold. A mail of
//! fewer shingles than the sketch holds is kept whole, so the estimate is then exact.
//!
//! Changing a greeting and a name changes the few shingles that touch them: a 60-word
//! body keeps about 85% of its shingles. Two different mails of one sender share their
//! footer at most, a fraction of their shingles.

use crate::mail::{Email, truncate};

/// Words per shingle: long enough that two unrelated mails share few, short enough that a
/// changed name spoils few.
pub const SHINGLE: usize = 4;

/// Hashes a sketch keeps: a Jaccard estimate within about ±0.06 at 0.7.
pub const SKETCH_SIZE: usize = 64;

/// Fewer shingles than this say too little to call two mails copies ("see attached").
pub const MIN_SHINGLES: usize = 12;

/// How much text is read: the start of a mail says what it is, and a long one is no
/// more a copy for its tail.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// A mail's sketch: at most [`SKETCH_SIZE`] distinct shingle hashes, ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch(Vec<u64>);

impl Sketch {
    /// The sketch of `email`'s subject and text, or `None` when it has fewer than
    /// [`MIN_SHINGLES`] shingles.
    pub fn of(email: &Email) -> Option<Sketch> {
        let mut words: Vec<u64> = Vec::new();
        each_word(&email.normalized_subject, &mut |w| words.push(w));
        each_word(truncate(&email.normalized_text, MAX_TEXT_BYTES), &mut |w| words.push(w));
        let mut shingles: Vec<u64> = words.windows(SHINGLE).map(shingle_hash).collect();
        shingles.sort_unstable();
        shingles.dedup();
        if shingles.len() < MIN_SHINGLES {
            return None;
        }
        shingles.truncate(SKETCH_SIZE);
        Some(Sketch(shingles))
    }

    /// A sketch from stored hashes: strictly ascending, between [`MIN_SHINGLES`] and
    /// [`SKETCH_SIZE`] of them (or fewer when the mail had fewer), else `None`.
    pub fn from_hashes(hashes: Vec<u64>) -> Option<Sketch> {
        let ascending = hashes.windows(2).all(|w| w.first() < w.get(1));
        let sized = (MIN_SHINGLES.min(SKETCH_SIZE)..=SKETCH_SIZE).contains(&hashes.len());
        (ascending && sized).then_some(Sketch(hashes))
    }

    pub fn hashes(&self) -> &[u64] {
        &self.0
    }

    /// The estimated Jaccard similarity of the two mails' shingle sets, 0 to 1: of the
    /// [`SKETCH_SIZE`] smallest hashes of both sketches together, the share both hold.
    pub fn similarity(&self, other: &Sketch) -> f32 {
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        let (mut taken, mut shared) = (0usize, 0usize);
        while taken < SKETCH_SIZE {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x == y => {
                    shared += 1;
                    a.next();
                    b.next();
                }
                (Some(x), Some(y)) if x < y => {
                    a.next();
                }
                (Some(_), Some(_)) => {
                    b.next();
                }
                (Some(_), None) => {
                    a.next();
                }
                (None, Some(_)) => {
                    b.next();
                }
                (None, None) => break,
            }
            taken += 1;
        }
        if taken == 0 { 0.0 } else { shared as f32 / taken as f32 }
    }
}

/// Hands each word of `text` to `visit` as a 64-bit hash: Latin words lower-cased, each
/// CJK character alone, words holding a digit skipped.
fn each_word(text: &str, visit: &mut impl FnMut(u64)) {
    let mut word = String::new();
    let mut digit = false;
    for c in text.chars() {
        if is_cjk(c) {
            flush(&mut word, &mut digit, visit);
            let mut one = [0u8; 4];
            visit(hash(c.encode_utf8(&mut one).as_bytes()));
        } else if c.is_alphanumeric() {
            digit |= c.is_numeric();
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut digit, visit);
        }
    }
    flush(&mut word, &mut digit, visit);
}

/// Hands the word read so far to `visit` unless it holds a digit, and starts the next.
fn flush(word: &mut String, digit: &mut bool, visit: &mut impl FnMut(u64)) {
    if !word.is_empty() && !*digit {
        visit(hash(word.as_bytes()));
    }
    word.clear();
    *digit = false;
}

/// Han, kana and Hangul: scripts written without spaces, read a character at a time.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{AC00}'..='\u{D7AF}')
}

/// The hash of a run of word hashes, order included.
fn shingle_hash(words: &[u64]) -> u64 {
    words.iter().fold(0x9e37_79b9_7f4a_7c15, |h, &w| mix(h.rotate_left(23) ^ w))
}

/// A 64-bit hash of bytes, the same on every machine (little-endian words, a
/// multiply-xorshift finish): stored sketches must match the ones computed later.
pub fn hash(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ bytes.len() as u64;
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        if let Some(head) = word.get_mut(..chunk.len()) {
            head.copy_from_slice(chunk);
        }
        h = mix(h ^ u64::from_le_bytes(word));
    }
    h
}

fn mix(mut h: u64) -> u64 {
    h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail;

    const BODY: &str = "I know about the secret you are keeping from your family. I have the \
        recordings from your camera and the list of all your contacts. If you want this to stay \
        between us, you will follow my instructions carefully and you will not tell anybody \
        about this letter. Transfer the amount below to the wallet at the end of this mail and \
        I will delete everything from my servers for good.";

    fn sketch(head: &str, body: &str) -> Option<Sketch> {
        let raw = format!("{head}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}");
        Sketch::of(&mail::parse(raw.as_bytes()).expect("parses"))
    }

    /// How alike two mails (header lines, body) are.
    fn alike(a: (&str, &str), b: (&str, &str)) -> f32 {
        let [a, b] = [a, b].map(|(head, body)| sketch(head, body).expect("long enough"));
        a.similarity(&b)
    }

    #[test]
    fn a_copy_with_another_greeting_name_amount_and_message_id_is_near() {
        let first =
            format!("Hello John Smith,\n{BODY}\n1200 USD to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        let copy = format!("Dear Mary Jones,\n{BODY}\n950 USD to bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l");
        let similarity = alike(
            ("From: a@one.example\r\nMessage-ID: <1@one.example>\r\nSubject: Hello John", &first),
            ("From: b@two.example\r\nMessage-ID: <2@two.example>\r\nSubject: Hi Mary", &copy),
        );
        assert!(similarity >= 0.8, "{similarity}");
        assert_eq!(alike(("From: a@one.example", &first), ("From: a@one.example", &first)), 1.0);
    }

    #[test]
    fn another_mail_of_the_same_sender_is_far() {
        let footer = "You receive this mail because you subscribed at our shop. Unsubscribe here.";
        let sale = "Our autumn sale starts today with warm coats, boots and scarves for the whole family.";
        let parcel =
            "The parcel with your new kettle left our warehouse this morning and arrives on Thursday.";
        let similarity = alike(
            ("From: news@shop.example\r\nSubject: Autumn sale", &format!("{sale}\n{footer}")),
            ("From: news@shop.example\r\nSubject: Your order has shipped", &format!("{parcel}\n{footer}")),
        );
        assert!(similarity < 0.5, "{similarity}");
    }

    #[test]
    fn japanese_is_read_character_by_character_and_short_mail_has_no_sketch() {
        let body = "お客様のアカウントに不正なアクセスがありました。下記のリンクから本人確認を行ってください。\
            確認が取れない場合はご利用を停止いたします。";
        let a = sketch("From: a@x.example\r\nSubject: =?UTF-8?B?6YeN6KaB?=", &format!("山田様\n{body}"));
        let b = sketch("From: b@y.example\r\nSubject: =?UTF-8?B?6YeN6KaB?=", &format!("佐藤様\n{body}"));
        let similarity = a.expect("long").similarity(&b.expect("long"));
        assert!(similarity >= 0.8, "{similarity}");
        assert_eq!(sketch("From: a@x.example", "see attached"), None);
    }

    /// `n` distinct words without digits: "ab", "ac", … (base-26 letters).
    fn words(n: usize, from: usize) -> String {
        let word = |mut i: usize| {
            let mut w = String::from("w");
            loop {
                w.push(char::from(b'a' + (i % 26) as u8));
                i /= 26;
                if i == 0 {
                    break w;
                }
            }
        };
        (from..from + n).map(word).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_mail_of_min_shingles_has_a_sketch_and_one_fewer_none() {
        let words_for = |shingles: usize| words(shingles + SHINGLE - 1, 0);
        let sketch_of = |body: &str| sketch("From: a@x.example", body);
        assert_eq!(sketch_of(&words_for(MIN_SHINGLES)).map(|s| s.hashes().len()), Some(MIN_SHINGLES));
        assert_eq!(sketch_of(&words_for(MIN_SHINGLES - 1)), None);
    }

    #[test]
    fn the_text_is_read_up_to_sixteen_kilobytes() {
        // The same 2 KB or so (more than a kilobyte), then different words: the tails count.
        let head = words(500, 0);
        assert!(head.len() > 1536 && head.len() < 4096, "{}", head.len());
        let a = sketch("From: a@x.example", &format!("{head} {}", words(700, 1000))).expect("long");
        let b = sketch("From: a@x.example", &format!("{head} {}", words(700, 2000))).expect("long");
        let similarity = a.similarity(&b);
        assert!(similarity < 0.9, "{similarity}");
    }

    #[test]
    fn words_with_digits_and_runs_of_separators_leave_no_trace() {
        let a = sketch("From: a@x.example", &format!("{} pay 1200 now {}", words(10, 0), words(10, 50)));
        let b = sketch("From: a@x.example", &format!("{} pay  -- 950x now {}", words(10, 0), words(10, 50)));
        assert_eq!(a.expect("long"), b.expect("long"));
    }

    #[test]
    fn similarity_reads_the_sketch_size_smallest_of_both() {
        let a = Sketch((0..64).collect());
        let b = Sketch((1..65).collect());
        assert_eq!(a.similarity(&b), 63.0 / 64.0);
        assert_eq!(b.similarity(&a), 63.0 / 64.0);
    }

    #[test]
    fn stored_hashes_must_be_strictly_ascending() {
        let mut twice: Vec<u64> = (0..20).collect();
        twice.insert(1, 0);
        assert!(Sketch::from_hashes(twice).is_none());
    }

    /// Stored sketches and digests hold these hashes: a later version must compute the same.
    #[test]
    fn hashes_are_pinned() {
        let got = [
            hash(b""),
            hash(b"bitcoin"),
            hash(b"a longer word than eight bytes"),
            hash(&[0xff; 8]),
            shingle_hash(&[1, 2, 3, 4]),
            shingle_hash(&[u64::MAX, 0, u64::MAX, 0]),
            mix(1),
            mix(u64::MAX),
        ];
        let pinned = [
            0xcbf2_9ce4_8422_2325,
            0x82f6_e0a2_d306_2f2e,
            0x477c_cfdf_3929_ede4,
            0x4de1_8094_de49_2362,
            0x1af2_5edf_7c3c_ad5f,
            0x2e76_a81e_b1b7_8d24,
            0xb456_bcfc_34c2_cb2c,
            0x64b5_720b_4b82_5f21,
        ];
        assert_eq!(got, pinned);
    }

    #[test]
    fn shingle_hashes_depend_on_word_order_and_spread() {
        assert_ne!(shingle_hash(&[1, 2, 3, 4]), shingle_hash(&[4, 3, 2, 1]));
        let mut all: Vec<u64> = (0..1000u64).map(|i| shingle_hash(&[i, i + 1, i + 2, i + 3])).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 1000);
    }

    #[test]
    fn stored_hashes_must_be_ascending_and_sized() {
        let good: Vec<u64> = (0..20).collect();
        assert!(Sketch::from_hashes(good).is_some());
        assert!(Sketch::from_hashes(vec![3, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]).is_none());
        assert!(Sketch::from_hashes((0..3).collect()).is_none());
        assert!(Sketch::from_hashes((0..65).collect()).is_none());
        // Pinned: stored sketches must match the ones computed by later versions.
        assert_eq!(hash(b"bitcoin"), hash(b"bitcoin"));
        assert_ne!(hash(b"bitcoin"), hash(b"bitcoim"));
    }
}
