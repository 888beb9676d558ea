//! Token features: what a mail says and where it points, as hashed buckets the model
//! weighs beside the rule signals.
//!
//! Words for Latin scripts, character bigrams for Japanese and Chinese (which have no
//! word spaces), link hosts and the domains they were registered under, the sender's
//! domain and the domains that signed the mail, the top-level domains of the sender and
//! of the links (the `tld` module). Each token is hashed (see [`bucket`]: the
//! same on every machine) into a fixed number of buckets, so the model has a fixed size whatever
//! the vocabulary. Nothing here reads a header a mailing list or a corpus adds
//! (`List-*`, recipients, dates): those would teach the model where a mail was collected,
//! not what it is.

mod tld;
mod words;

use words::{Word, words};

use crate::detect::Facts;
use crate::mail::url;

/// How much of the text is read for tokens: the start of a mail says what it is, and
/// reading megabytes of it would make a long mail cost far more than it tells.
pub const MAX_TEXT_BYTES: usize = 24 * 1024;

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
    /// A word of a link's path and query (`login`, `verify`, `php`, `wp`): where a link
    /// leads says as much as its host.
    LinkPath,
    /// The From address itself, lower-cased. Never read by the global model (not in
    /// [`each_token`]): only an account's learning weighs it, for the one sender at a
    /// domain many people share (see `personal`).
    SenderAddress,
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
            TokenKind::LinkPath => "link path",
            TokenKind::SenderAddress => "sender address",
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
            TokenKind::LinkPath => b'p',
            TokenKind::SenderAddress => b'm',
        }
    }
}

/// The bucket of a token among `1 << bits`: its kind and bytes mixed eight bytes at a
/// time (multiply-rotate, as FxHash does, with a final avalanche so the top bits mix
/// well), the top bits kept. Defined on little-endian words, so every machine agrees.
pub fn bucket(kind: TokenKind, token: &str, bits: u32) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(K);
    let bytes = token.as_bytes();
    let mut hash = mix(u64::from(kind.tag()), bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = mix(hash, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        hash = mix(hash, tail_word(rest));
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    // A shift of 64 - bits keeps `bits` top bits; bits is at most 22 (see format.rs). (A
    // second fold of the high half into the low, as the avalanche this follows has, would
    // change only bits this drops.)
    (hash >> (64 - bits.clamp(1, 32))) as u32
}

/// `tail` (1 to 7 bytes) as a little-endian word padded with zeros. It is read as two
/// overlapping halves, which agree where they overlap: copying a length known only at run
/// time would be a call to memcpy for every token, a loop a step per byte.
fn tail_word(tail: &[u8]) -> u64 {
    let len = tail.len();
    let (head, last) = match len {
        4.. => {
            let half =
                |at: usize| tail.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
            (half(0), half(len - 4).map(|l| (l, len - 4)))
        }
        2.. => {
            let half =
                |at: usize| tail.get(at..at + 2).and_then(|b| b.try_into().ok()).map(u16::from_le_bytes);
            (half(0).map(u32::from), half(len - 2).map(|l| (u32::from(l), len - 2)))
        }
        _ => (tail.first().map(|&b| u32::from(b)), None),
    };
    let head = u64::from(head.unwrap_or_default());
    last.map_or(head, |(last, at)| head | u64::from(last) << (8 * at))
}

/// Where a token was read, to write it out again for `explain` without reading the mail
/// twice: a range of one of the normalised texts, or an index into a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Subject(u32, u32),
    Text(u32, u32),
    SenderName(u32, u32),
    Host(u32),
    Site(u32),
    SenderSite,
    Signed(u32),
    Attachment(u32),
    /// The top-level domain of the sender's domain.
    SenderTld,
    /// The top-level domain of the `n`th link host.
    HostTld(u32),
    Fixed(&'static str),
    /// A range of the `n`th link's address.
    Link(u32, u32, u32),
}

/// Calls `visit` with every token of the mail, in order, duplicates included, and where
/// it was read: first what stands out of the mail (its subject, its sender's name and
/// site, the domains whose signature the trusted receiving server verified, the link hosts
/// the rules gathered, its shape), then the words of its text.
pub fn each_token(facts: &Facts<'_>, mut visit: impl FnMut(TokenKind, &str, Source)) {
    let visit = &mut visit;
    let (email, hosts) = (facts.email, &facts.link_hosts);
    let mut word = Word::default();
    let subject = |start: usize, end: usize| Source::Subject(start as u32, end as u32);
    words(&email.normalized_subject, TokenKind::Subject, &mut word, &subject, visit);
    let name = |start: usize, end: usize| Source::SenderName(start as u32, end as u32);
    words(&email.normalized_sender_name, TokenKind::SenderName, &mut word, &name, visit);
    let sender = facts.sender_domain.as_str();
    let sender_site = facts.sender_site();
    if !sender.is_empty() {
        visit(TokenKind::SenderSite, sender_site, Source::SenderSite);
    }
    for (i, domain) in facts.authentication.dkim_domains.iter().enumerate() {
        let site = url::registrable_domain(domain);
        visit(TokenKind::SignedBy, site, Source::Signed(i as u32));
        if !sender.is_empty() && site == sender_site {
            fixed(visit, "signed by the sender's site");
        }
    }
    if email.reply_to.iter().filter_map(|r| r.domain()).any(|d| !facts.is_senders_site(&d)) {
        fixed(visit, "replies go elsewhere");
    }
    for (i, host) in hosts.iter().enumerate() {
        visit(TokenKind::LinkHost, host, Source::Host(i as u32));
        visit(TokenKind::LinkSite, url::registrable_domain(host), Source::Site(i as u32));
    }
    for (i, link) in email.links.iter().enumerate().take(MAX_LINK_PATHS) {
        if let Some((start, path)) = link_path(&link.href) {
            let place =
                |from: usize, to: usize| Source::Link(i as u32, (start + from) as u32, (start + to) as u32);
            words(path, TokenKind::LinkPath, &mut word, &place, visit);
        }
    }
    shape(facts, visit);
    tld::visit_all(facts, visit);
    let text = |start: usize, end: usize| Source::Text(start as u32, end as u32);
    words(text_read(facts), TokenKind::Word, &mut word, &text, visit);
}

/// At most this many links have their paths read: a mail of a thousand links costs no
/// more than one of a few dozen.
const MAX_LINK_PATHS: usize = 32;

/// At most this much of a link's path and query is read.
const MAX_LINK_PATH_BYTES: usize = 256;

/// The path and query of a link (what follows its host), with where it starts in `href`.
fn link_path(href: &str) -> Option<(usize, &str)> {
    let after_scheme = match href.find("://") {
        Some(at) => at + 3,
        None if href.starts_with("//") => 2,
        None => 0,
    };
    let start = after_scheme + href.get(after_scheme..)?.find('/')?;
    let path = crate::mail::truncate(href.get(start..)?, MAX_LINK_PATH_BYTES);
    Some((start, path))
}

fn fixed(visit: &mut impl FnMut(TokenKind, &str, Source), phrase: &'static str) {
    visit(TokenKind::Shape, phrase, Source::Fixed(phrase));
}

/// The part of the text tokens are read from.
fn text_read<'a>(facts: &Facts<'a>) -> &'a str {
    crate::mail::truncate(&facts.email.normalized_text, MAX_TEXT_BYTES)
}

/// An attachment's file extension, lower-cased, when it is a plausible one.
fn extension(name: &str) -> Option<String> {
    let extension = name.rsplit_once('.').map(|(_, e)| e)?;
    let plausible =
        !extension.is_empty() && extension.len() <= 8 && extension.chars().all(|c| c.is_ascii_alphanumeric());
    plausible.then(|| format!("attachment .{}", extension.to_ascii_lowercase()))
}

/// Tokens for the shape of the mail, each a fixed phrase: the model learns what a lone
/// link under three lines of text or an attached HTML page usually means.
fn shape(facts: &Facts<'_>, visit: &mut impl FnMut(TokenKind, &str, Source)) {
    let email = facts.email;
    for (i, attachment) in email.attachments.iter().enumerate() {
        if let Some(token) = extension(&attachment.name) {
            visit(TokenKind::Shape, &token, Source::Attachment(i as u32));
        }
    }
    let links = match facts.link_hosts.len() {
        0 => "no link",
        1 => "links to one host",
        2..=4 => "links to a few hosts",
        _ => "links to many hosts",
    };
    fixed(visit, links);
    // Bytes, not letters: counting letters would be one more pass over the text, and
    // the buckets are wide enough for the difference between the two.
    let length = match email.normalized_text.len() {
        0..=199 => "very little text",
        200..=999 => "short text",
        1000..=4999 => "some text",
        _ => "long text",
    };
    fixed(visit, length);
}

/// The distinct token buckets of a mail (the features the model reads), in the order
/// their first tokens came, each with where that token was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tokens {
    pub buckets: Vec<u32>,
    first: Vec<(TokenKind, Source)>,
}

impl Tokens {
    /// Reads the tokens of the mail `facts` describe. Each bucket is kept once, at its
    /// first token, in the order the tokens come: a bit per bucket (reused across calls
    /// on a thread) says which were seen, so no sort is needed.
    pub fn read(facts: &Facts<'_>, bits: u32) -> Tokens {
        thread_local! {
            static SEEN: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            let words = (1usize << bits.clamp(1, 32)).div_ceil(64);
            if seen.len() != words {
                *seen = vec![0; words];
            }
            let mut tokens = Tokens { buckets: Vec::with_capacity(512), first: Vec::with_capacity(512) };
            each_token(facts, |kind, token, source| {
                let bucket = bucket(kind, token, bits);
                let (word, bit) = (bucket as usize / 64, 1u64 << (bucket % 64));
                if let Some(slot) = seen.get_mut(word).filter(|slot| **slot & bit == 0) {
                    *slot |= bit;
                    tokens.buckets.push(bucket);
                    tokens.first.push((kind, source));
                }
            });
            // Only the bits this mail set are cleared, not the whole table.
            for &bucket in &tokens.buckets {
                if let Some(slot) = seen.get_mut(bucket as usize / 64) {
                    *slot = 0;
                }
            }
            tokens
        })
    }

    /// The kind of the first token in the `i`th bucket.
    pub fn kind(&self, i: usize) -> Option<TokenKind> {
        self.first.get(i).map(|&(kind, _)| kind)
    }

    /// The kind and text of the first token in the `i`th bucket, as it was hashed.
    pub fn token(&self, i: usize, facts: &Facts<'_>) -> Option<(TokenKind, String)> {
        let (kind, source) = *self.first.get(i)?;
        let range =
            |text: &str, start: u32, end: u32| text.get(start as usize..end as usize).map(str::to_lowercase);
        let email = facts.email;
        let text = match source {
            Source::Subject(start, end) => range(&email.normalized_subject, start, end),
            Source::Text(start, end) => range(text_read(facts), start, end),
            Source::SenderName(start, end) => range(&email.normalized_sender_name, start, end),
            Source::Host(i) => facts.link_hosts.get(i as usize).cloned(),
            Source::Site(i) => {
                facts.link_hosts.get(i as usize).map(|h| url::registrable_domain(h).to_string())
            }
            Source::SenderSite => Some(facts.sender_site().to_string()),
            Source::Signed(i) => facts
                .authentication
                .dkim_domains
                .get(i as usize)
                .map(|d| url::registrable_domain(d).to_string()),
            Source::Attachment(i) => email.attachments.get(i as usize).and_then(|a| extension(&a.name)),
            Source::SenderTld => {
                tld::token(&mut String::new(), tld::SENDER, &facts.sender_domain).map(String::from)
            }
            Source::HostTld(i) => facts
                .link_hosts
                .get(i as usize)
                .and_then(|host| tld::token(&mut String::new(), tld::LINK, host).map(String::from)),
            Source::Fixed(phrase) => Some(phrase.to_string()),
            Source::Link(i, start, end) => {
                email.links.get(i as usize).and_then(|l| range(&l.href, start, end))
            }
        }?;
        Some((kind, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail;

    fn tokens(raw: &str) -> Vec<(TokenKind, String)> {
        let email = mail::parse(raw.as_bytes()).expect("parses");
        let mut found = Vec::new();
        each_token(&Facts::gather(&email), |kind, token, _| found.push((kind, token.to_string())));
        found
    }

    /// The tokens of `kind` as [`Tokens::token`] writes them out again from their places,
    /// each bucket once, in the order first read.
    fn read_back(raw: &str, kind: TokenKind) -> Vec<String> {
        let email = mail::parse(raw.as_bytes()).expect("parses");
        let facts = Facts::gather(&email);
        let read = Tokens::read(&facts, 18);
        (0..read.buckets.len())
            .filter_map(|i| read.token(i, &facts))
            .filter(|(read_kind, _)| *read_kind == kind)
            .map(|(_, text)| text)
            .collect()
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

    /// ASCII words are taken whole as slices; words that run into other letters are read
    /// a character at a time: both give the same tokens, and the same places (which the
    /// explanation reads the token back from).
    #[test]
    fn ascii_and_accented_words_give_the_same_tokens_and_places() {
        let raw = "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
                   CAFÉ naïve Zoom2 éTÉ Ab 42 ١٢٣ MAIL ٣ab ٣45 café";
        let found: Vec<String> =
            tokens(raw).into_iter().filter(|t| t.0 == TokenKind::Word).map(|t| t.1).collect();
        assert_eq!(
            found,
            ["café", "naïve", "zoom2", "été", "ab", "mail", "٣ab", "café"],
            "digits of any script skipped; ASCII letters after them make a word"
        );
        assert_eq!(read_back(raw, TokenKind::Word), found[..7], "each token, once, read back from its place");
    }

    #[test]
    fn the_words_of_a_links_path_and_query_are_tokens_read_back_from_the_link() {
        let raw = "From: a@b.example\r\nContent-Type: text/html\r\n\r\n\
                   <a href=\"https://x.example/Secure/Login.php?acct=7&amp;id=ab\">here</a>";
        assert_eq!(read_back(raw, TokenKind::LinkPath), ["secure", "login", "php", "acct", "id", "ab"]);
        assert_eq!(link_path("https://x.example"), None, "no path, no tokens");
        assert_eq!(link_path("//x.example/a"), Some((11, "/a")));
        assert_eq!(link_path("https://a.io/x/y"), Some((12, "/x/y")), "the path after a short host");
        assert_eq!(link_path("/login/x"), Some((0, "/login/x")), "a link without a host is all path");
    }

    /// The first 24 KiB of the text are read: a word well inside them counts, one beyond
    /// them does not.
    #[test]
    fn tokens_are_read_from_the_first_24_kib_of_the_text() {
        let filler = "lorem ".repeat(3_000);
        let raw =
            format!("From: a@b.example\r\n\r\n{filler}insidetoken {filler}{filler}{filler}outsidetoken");
        let found = tokens(&raw);
        let has = |word: &str| found.iter().any(|(kind, t)| *kind == TokenKind::Word && t == word);
        assert!(has("insidetoken"), "a word 18 KB in is read");
        assert!(!has("outsidetoken"), "a word 72 KB in is not");
    }

    #[test]
    fn japanese_is_read_as_character_pairs_read_back_from_their_places() {
        let raw = "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n動画を送る";
        let found = tokens(raw);
        let pairs: Vec<&str> =
            found.iter().filter(|t| t.0 == TokenKind::Word).map(|t| t.1.as_str()).collect();
        assert_eq!(pairs, ["動画", "画を", "を送", "送る"]);
        assert_eq!(read_back(raw, TokenKind::Word), pairs, "each pair read back from its own place");
    }

    #[test]
    fn links_give_their_host_and_registrable_domain() {
        let found = tokens("From: a@b.example\r\n\r\nSee https://login.bank.example.co.jp/x now");
        assert!(found.contains(&(TokenKind::LinkHost, "login.bank.example.co.jp".into())));
        assert!(found.contains(&(TokenKind::LinkSite, "example.co.jp".into())));
    }

    #[test]
    fn a_bucket_depends_on_the_kind_and_stays_within_the_space() {
        const PINNED: [u32; 4] = [874_524, 4_110_110, 2_244_191, 1_205_087];
        assert_ne!(bucket(TokenKind::Word, "paypal", 18), bucket(TokenKind::LinkSite, "paypal", 18));
        assert_eq!(bucket(TokenKind::Word, "paypal", 18), bucket(TokenKind::Word, "paypal", 18));
        for token in ["a", "bitcoin", "動画", ""] {
            assert!(bucket(TokenKind::Word, token, 10) < 1 << 10);
        }
        // Pinned: a model file stores weights by bucket, so the hash must never change.
        assert_eq!(bucket(TokenKind::Word, "bitcoin", 20), 775_580);
        let pinned: Vec<u32> = ["", "a", "動画", "a-token-longer-than-eight-bytes"]
            .iter()
            .map(|t| bucket(TokenKind::Word, t, 22))
            .collect();
        assert_eq!(pinned, PINNED);
    }

    #[test]
    fn a_tail_reads_as_its_bytes_padded_with_zeros_whatever_its_length() {
        let bytes = [0x81, 0x02, 0xf3, 0x44, 0x05, 0xa6, 0x77];
        for len in 1..=bytes.len() {
            let tail = &bytes[..len];
            let mut padded = [0u8; 8];
            padded[..len].copy_from_slice(tail);
            assert_eq!(tail_word(tail), u64::from_le_bytes(padded), "{len} bytes");
        }
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

    /// Each count of links and each length of text has its own shape token; a name
    /// without a plausible extension gives none; a signature by another site than the
    /// sender's, or a sender without a domain, is not "signed by the sender's site".
    #[test]
    fn every_shape_bucket_is_read() {
        let shape = |raw: &str| -> Vec<String> {
            tokens(raw).into_iter().filter(|(kind, _)| *kind == TokenKind::Shape).map(|(_, t)| t).collect()
        };
        let links = |n: usize| -> String {
            let text: String = (0..n).map(|i| format!(" https://h{i}.example/ ")).collect();
            format!("From: a@b.example\r\n\r\n{text}")
        };
        for (n, token) in [
            (0, "no link"),
            (1, "links to one host"),
            (3, "links to a few hosts"),
            (9, "links to many hosts"),
        ] {
            assert!(shape(&links(n)).contains(&token.to_string()), "{n} links: {:?}", shape(&links(n)));
        }
        for (length, token) in
            [(50, "very little text"), (500, "short text"), (3_000, "some text"), (9_000, "long text")]
        {
            let raw = format!("From: a@b.example\r\n\r\n{}", "word ".repeat(length / 5));
            assert!(shape(&raw).contains(&token.to_string()), "{length} bytes: {:?}", shape(&raw));
        }
        assert_eq!(extension("report.PDF"), Some("attachment .pdf".into()));
        for name in ["noextension", "trailing.", "a.verylongextension", "a.p df"] {
            assert_eq!(extension(name), None, "{name}");
        }
        let signed_elsewhere = "Authentication-Results: mx.example; dkim=pass header.d=esp.example\r\n\
            From: a@shop.example\r\n\r\nhello";
        assert!(!shape(signed_elsewhere).contains(&"signed by the sender's site".to_string()));
        let no_domain = "Authentication-Results: mx.example; dkim=pass header.d=shop.example\r\nFrom: nobody\r\n\r\nhello";
        assert!(!shape(no_domain).contains(&"signed by the sender's site".to_string()));
    }

    /// The words of the subject and of the sender's name are read back from their own
    /// texts (the explanation quotes them from there).
    #[test]
    fn subject_and_sender_name_tokens_are_read_back_from_their_own_text() {
        let email =
            mail::parse(b"From: Payment Desk <a@b.example>\r\nSubject: Invoice overdue\r\n\r\nhello there")
                .expect("parses");
        let facts = Facts::gather(&email);
        let read = Tokens::read(&facts, 18);
        let back: Vec<(TokenKind, String)> =
            (0..read.buckets.len()).filter_map(|i| read.token(i, &facts)).collect();
        for (kind, word) in [
            (TokenKind::Subject, "invoice"),
            (TokenKind::Subject, "overdue"),
            (TokenKind::SenderName, "payment"),
            (TokenKind::SenderName, "desk"),
            (TokenKind::Word, "hello"),
        ] {
            assert!(back.contains(&(kind, word.to_string())), "{kind:?} {word}: {back:?}");
        }
    }

    #[test]
    fn buckets_are_distinct_and_in_the_order_first_seen() {
        let email = mail::parse(b"From: a@b.example\r\n\r\nscam scam scam money money").expect("parses");
        let found = Tokens::read(&Facts::gather(&email), 18).buckets;
        // Two words, the sender, and the shape: no link, very little text, the sender's
        // top-level domain.
        assert_eq!(found.len(), 6, "{found:?}");
        let mut distinct = found.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), found.len());
        // What stands out of the mail comes first, then the text from its start.
        assert_eq!(found.first(), Some(&bucket(TokenKind::SenderSite, "b.example", 18)));
        let (scam, money) = (bucket(TokenKind::Word, "scam", 18), bucket(TokenKind::Word, "money", 18));
        assert_eq!(&found[found.len() - 2..], [scam, money]);
        // The table of seen buckets is clean for the next mail: the same mail reads the same.
        assert_eq!(Tokens::read(&Facts::gather(&email), 18).buckets, found);
    }
}
