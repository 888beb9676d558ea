//! Token features: what a mail says and where it points, as hashed buckets the model
//! weighs beside the rule signals.
//!
//! Words for Latin scripts, character bigrams for Japanese and Chinese (which have no
//! word spaces), link hosts and the domains they were registered under, the sender's
//! domain and the domains that signed the mail. Each token is hashed (FNV-1a, the same on
//! every machine) into a fixed number of buckets, so the model has a fixed size whatever
//! the vocabulary. Nothing here reads a header a mailing list or a corpus adds
//! (`List-*`, recipients, dates): those would teach the model where a mail was collected,
//! not what it is.

use crate::detect::Facts;
use crate::mail::url;

/// How much of the text is read for tokens: the start of a mail says what it is, and
/// reading megabytes of it would make a long mail cost far more than it tells.
pub const MAX_TEXT_BYTES: usize = 24 * 1024;

/// Words longer than this are encoded blobs or run-together evasions, not vocabulary.
const MAX_WORD_CHARS: usize = 24;

/// Where a token was read. Part of its hash, so "paypal" the word and "paypal.com" the
/// link host are different features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word (or a CJK bigram) of the subject.
    Subject,
    /// A word (or a CJK bigram) of the text.
    Word,
    /// The host of a link.
    LinkHost,
    /// The registrable domain of a link's host.
    LinkSite,
    /// The registrable domain of the From address.
    SenderSite,
    /// A domain whose DKIM signature the receiving server reported as passing.
    SignedBy,
    /// A word of the sender's display name.
    SenderName,
    /// The shape of the mail: attachment types, how many links, how much text, whether
    /// the sender's own domain signed it, whether replies go elsewhere.
    Shape,
}

impl TokenKind {
    /// The prefix `explain` shows before a token of this kind.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::Subject => "subject",
            TokenKind::Word => "word",
            TokenKind::LinkHost => "link host",
            TokenKind::LinkSite => "link site",
            TokenKind::SenderSite => "sender",
            TokenKind::SignedBy => "signed by",
            TokenKind::SenderName => "sender name",
            TokenKind::Shape => "shape",
        }
    }

    fn tag(self) -> u8 {
        match self {
            TokenKind::Subject => b's',
            TokenKind::Word => b'w',
            TokenKind::LinkHost => b'h',
            TokenKind::LinkSite => b'd',
            TokenKind::SenderSite => b'f',
            TokenKind::SignedBy => b'a',
            TokenKind::SenderName => b'n',
            TokenKind::Shape => b'x',
        }
    }
}

/// The bucket of a token among `1 << bits`: FNV-1a over its kind and bytes, the top bits
/// kept (they mix best).
pub fn bucket(kind: TokenKind, token: &str, bits: u32) -> u32 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for byte in std::iter::once(kind.tag()).chain(token.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    // A shift of 64 - bits keeps `bits` top bits; bits is at most 24 (see format.rs).
    (hash >> (64 - bits.clamp(1, 32))) as u32
}

/// Calls `visit` with every token of the mail, in order, duplicates included: its words,
/// the link hosts the rules gathered (redirect targets included), its sender's site and
/// the domains whose signature the trusted receiving server verified.
pub fn each_token(facts: &Facts<'_>, mut visit: impl FnMut(TokenKind, &str)) {
    let (email, hosts) = (facts.email, &facts.link_hosts);
    let mut word = Word::default();
    words(&email.normalized_subject, TokenKind::Subject, &mut word, &mut visit);
    words(
        crate::mail::truncate(&email.normalized_text, MAX_TEXT_BYTES),
        TokenKind::Word,
        &mut word,
        &mut visit,
    );
    for host in hosts {
        visit(TokenKind::LinkHost, host);
        visit(TokenKind::LinkSite, url::registrable_domain(host));
    }
    words(&email.normalized_sender_name, TokenKind::SenderName, &mut word, &mut visit);
    let sender = email.from.as_ref().and_then(|f| f.domain()).unwrap_or_default();
    let sender_site = url::registrable_domain(&sender);
    if !sender.is_empty() {
        visit(TokenKind::SenderSite, sender_site);
    }
    for domain in &facts.authentication.dkim_domains {
        let site = url::registrable_domain(domain);
        visit(TokenKind::SignedBy, site);
        if !sender.is_empty() && site == sender_site {
            visit(TokenKind::Shape, "signed by the sender's site");
        }
    }
    if email.reply_to.iter().filter_map(|r| r.domain()).any(|d| url::registrable_domain(&d) != sender_site) {
        visit(TokenKind::Shape, "replies go elsewhere");
    }
    shape(facts, &mut visit);
}

/// Tokens for the shape of the mail, each a fixed phrase: the model learns what a lone
/// link under three lines of text or an attached HTML page usually means.
fn shape(facts: &Facts<'_>, visit: &mut impl FnMut(TokenKind, &str)) {
    let email = facts.email;
    let mut kind = String::with_capacity(24);
    for attachment in &email.attachments {
        let extension = attachment.name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
        if !extension.is_empty()
            && extension.len() <= 8
            && extension.chars().all(|c| c.is_ascii_alphanumeric())
        {
            kind.clear();
            kind.push_str("attachment .");
            kind.extend(extension.chars().map(|c| c.to_ascii_lowercase()));
            visit(TokenKind::Shape, &kind);
        }
    }
    let links = match facts.link_hosts.len() {
        0 => "no link",
        1 => "links to one host",
        2..=4 => "links to a few hosts",
        _ => "links to many hosts",
    };
    visit(TokenKind::Shape, links);
    let letters = crate::mail::letters_in(crate::mail::truncate(&email.normalized_text, MAX_TEXT_BYTES));
    let length = match letters {
        0..=199 => "very little text",
        200..=999 => "short text",
        1000..=4999 => "some text",
        _ => "long text",
    };
    visit(TokenKind::Shape, length);
}

/// The distinct buckets of `email`'s tokens, sorted: the features the model reads.
pub fn buckets(facts: &Facts<'_>, bits: u32) -> Vec<u32> {
    let mut found = Vec::with_capacity(256);
    each_token(facts, |kind, token| found.push(bucket(kind, token, bits)));
    found.sort_unstable();
    found.dedup();
    found
}

/// Splits `text` into lower-cased Latin words and CJK character bigrams. Digits are
/// skipped (amounts and order numbers vary per mail and say nothing of the kind of mail);
/// a word mixing letters and digits is kept. ASCII, most of the text of most mail, takes a
/// path without Unicode tables.
fn words(text: &str, kind: TokenKind, word: &mut Word, visit: &mut impl FnMut(TokenKind, &str)) {
    let mut previous_cjk: Option<char> = None;
    let mut pair = String::with_capacity(8);
    for c in text.chars() {
        if c.is_ascii() {
            previous_cjk = None;
            if c.is_ascii_alphanumeric() {
                word.push(c.to_ascii_lowercase(), !c.is_ascii_digit());
            } else {
                word.flush(kind, visit);
            }
        } else if is_cjk(c) {
            word.flush(kind, visit);
            if let Some(first) = previous_cjk {
                pair.clear();
                pair.push(first);
                pair.push(c);
                visit(kind, &pair);
            }
            previous_cjk = Some(c);
        } else if is_cjk_punctuation(c) {
            // 、。「」 and full-width forms: separators, answered without Unicode tables.
            previous_cjk = None;
            word.flush(kind, visit);
        } else if c.is_alphanumeric() {
            previous_cjk = None;
            for lower in c.to_lowercase() {
                word.push(lower, !c.is_numeric());
            }
        } else {
            previous_cjk = None;
            word.flush(kind, visit);
        }
    }
    word.flush(kind, visit);
}

/// The word being read: its text, its length in characters, and whether it has a
/// character that is not a digit.
#[derive(Default)]
struct Word {
    text: String,
    chars: usize,
    lettered: bool,
}

impl Word {
    fn push(&mut self, c: char, letter: bool) {
        self.text.push(c);
        self.chars += 1;
        self.lettered |= letter;
    }

    /// Hands the word to `visit` when it is one (2 to [`MAX_WORD_CHARS`] characters, not
    /// all digits) and starts the next.
    fn flush(&mut self, kind: TokenKind, visit: &mut impl FnMut(TokenKind, &str)) {
        if self.lettered && (2..=MAX_WORD_CHARS).contains(&self.chars) {
            visit(kind, &self.text);
        }
        self.text.clear();
        (self.chars, self.lettered) = (0, false);
    }
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
    use crate::mail;

    fn tokens(raw: &str) -> Vec<(TokenKind, String)> {
        let email = mail::parse(raw.as_bytes()).expect("parses");
        let mut found = Vec::new();
        each_token(&Facts::gather(&email), |kind, token| found.push((kind, token.to_string())));
        found
    }

    #[test]
    fn latin_words_are_lower_cased_and_digits_and_single_letters_skipped() {
        let found = tokens("From: a@mail.example.com\r\nSubject: Pay NOW\r\n\r\nSend 1700 USD to x, in 48h.");
        let words: Vec<&str> =
            found.iter().filter(|t| t.0 == TokenKind::Word).map(|t| t.1.as_str()).collect();
        assert_eq!(words, ["send", "usd", "to", "in", "48h"]);
        assert!(found.contains(&(TokenKind::Subject, "pay".into())));
        assert!(found.contains(&(TokenKind::SenderSite, "example.com".into())));
    }

    #[test]
    fn japanese_is_read_as_character_pairs() {
        let found = tokens("From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n動画を送る");
        let pairs: Vec<&str> =
            found.iter().filter(|t| t.0 == TokenKind::Word).map(|t| t.1.as_str()).collect();
        assert_eq!(pairs, ["動画", "画を", "を送", "送る"]);
    }

    #[test]
    fn links_give_their_host_and_registrable_domain() {
        let found = tokens("From: a@b.example\r\n\r\nSee https://login.bank.example.co.jp/x now");
        assert!(found.contains(&(TokenKind::LinkHost, "login.bank.example.co.jp".into())));
        assert!(found.contains(&(TokenKind::LinkSite, "example.co.jp".into())));
    }

    #[test]
    fn a_bucket_depends_on_the_kind_and_stays_within_the_space() {
        assert_ne!(bucket(TokenKind::Word, "paypal", 18), bucket(TokenKind::LinkSite, "paypal", 18));
        assert_eq!(bucket(TokenKind::Word, "paypal", 18), bucket(TokenKind::Word, "paypal", 18));
        for token in ["a", "bitcoin", "動画", ""] {
            assert!(bucket(TokenKind::Word, token, 10) < 1 << 10);
        }
        // Pinned: a model file stores weights by bucket, so the hash must never change.
        assert_eq!(bucket(TokenKind::Word, "bitcoin", 20), 634_490);
    }

    #[test]
    fn the_shape_of_a_mail_is_read_as_tokens() {
        let raw = "Authentication-Results: mx.example; dkim=pass header.d=mail.shop.example\r\n\
            From: Shop Team <news@shop.example>\r\nReply-To: x@elsewhere.example\r\n\
            Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
            See https://a.example/x and https://b.example/y\r\n--b\r\nContent-Type: text/html\r\n\
            Content-Disposition: attachment; filename=\"Invoice.HTM\"\r\n\r\n<p>x</p>\r\n--b--\r\n";
        let found = tokens(raw);
        for shape in [
            "attachment .htm",
            "links to a few hosts",
            "very little text",
            "signed by the sender's site",
            "replies go elsewhere",
        ] {
            assert!(found.contains(&(TokenKind::Shape, shape.into())), "{shape}: {found:?}");
        }
        assert!(found.contains(&(TokenKind::SenderName, "team".into())));
        // Unsigned, the same mail is not vouched for by its sender's site.
        let unsigned = tokens(raw.split_once("\r\n").map(|(_, rest)| rest).expect("two lines"));
        assert!(!unsigned.contains(&(TokenKind::Shape, "signed by the sender's site".into())));
    }

    #[test]
    fn buckets_are_distinct_and_sorted() {
        let email = mail::parse(b"From: a@b.example\r\n\r\nscam scam scam money money").expect("parses");
        let found = buckets(&Facts::gather(&email), 18);
        // Two words, the sender, and the shape: no link, very little text.
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found.windows(2).all(|w| w.first() < w.get(1)));
    }
}
