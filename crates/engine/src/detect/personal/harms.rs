//! What a mail could do to its reader beyond being read: the evidence a near-copy of a
//! released mail must not add before the release may vouch for it without the receiving
//! server's word on who sent it.
//!
//! A release says "this text is wanted". Where the server authenticated the sender, the
//! release vouches for that sender's near-copies (their next newsletter). Where it did
//! not (a small sender with no DKIM, a campaign mailed from another domain of the same
//! company), anyone can send the same text; it is still wanted when the copy can do no
//! more than the released mail could: it asks for no payment, wallet or credentials the
//! released one did not, makes no claim a scam makes (a threat, a recording, a prize, a
//! deadline) the released one did not, carries no attachment, and links only to hosts the
//! released one linked to ([`hosts_within`]: a site's other hosts may be anyone's; the
//! domains, addresses and numbers its text writes out, its HTML's targets and its
//! Reply-To's domain, when not the From's own, count as links), none
//! of them a host that hides where a link goes ([`hides_links`]) and none a link without a
//! host (`data:`, `javascript:`, `tel:`).
//! A near-copy may add as many words as the released mail had: what they claim counts.

use std::sync::LazyLock;

use regex::Regex;

use super::{MAX_SITES, NearCopy, digest};
use crate::detect::phrases::Family;
use crate::detect::tables::PATH_PUBLISHED_HOSTS;
use crate::detect::{Facts, rules};
use crate::mail::url;

/// A kind of harm, as a bit of [`Harms`]: one row per kind, with the phrase families that
/// show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Harm {
    /// Asks to pay: a payment demand or a gift card.
    Payment,
    /// Names a wallet, or a currency one pays a wallet in.
    Wallet,
    /// Asks for a login, a password or other sensitive data, or shows a password.
    Credential,
    /// Carries a file, named or not.
    Attachment,
    /// Threatens or accuses the reader, or claims to have seen or recorded them.
    Threat,
    /// Offers something to claim: a prize, a fortune, a parcel waiting.
    Bait,
    /// Presses for haste.
    Pressure,
}

/// The phrase families each harm is shown by (wallet addresses, shown passwords and
/// attachments are read from the facts themselves): every family a scam's claims are
/// read in, so a copy claims nothing the released mail did not (all but warnings about
/// scams, a letter's closing and a forwarded message's line, which claim nothing).
const FAMILIES: &[(Harm, &[Family])] = &[
    (Harm::Payment, &[Family::PaymentDemand, Family::GiftCard]),
    (Harm::Wallet, &[Family::Cryptocurrency]),
    (Harm::Credential, &[Family::CredentialAction, Family::PasswordClaim, Family::SensitiveData]),
    // The blackmail letter's story, and the threats and voice of other scams.
    (Harm::Threat, &rules::STORY_FAMILIES),
    (Harm::Threat, &[Family::AccountThreat, Family::PerpetratorVoice]),
    (Harm::Bait, &[Family::Lure, Family::DeliveryProblem, Family::Windfall]),
    (Harm::Pressure, &[Family::Urgency]),
];

/// The schemes of links that go to the host they name; any other (`data:` holds the page
/// itself, `javascript:` runs code, `tel:` and `sms:` reach a number) names no site the
/// released mail's could vouch for.
const HOSTED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// The harms a mail shows, as a set of [`Harm`] bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Harms(u8);

impl Harms {
    /// Every bit a stored byte may hold.
    pub(super) const ALL: u8 = 0b111_1111;
    /// The bits digest format version 3 wrote (payment, wallet, credential, attachment):
    /// read from it, the later kinds are absent, so its release credits no copy showing one.
    pub(super) const VERSION_3: u8 = 0b1111;

    /// The harms `facts` show.
    pub fn of(facts: &Facts<'_>) -> Harms {
        let mut harms = Harms::default();
        for (harm, families) in FAMILIES {
            if facts.families.count(families) > 0 {
                harms.add(*harm);
            }
        }
        if !facts.wallets.is_empty() {
            harms.add(Harm::Wallet);
        }
        if facts.shown_password.is_some() {
            harms.add(Harm::Credential);
        }
        if !facts.email.attachments.is_empty() || facts.email.unnamed_files > 0 {
            harms.add(Harm::Attachment);
        }
        harms
    }

    fn add(&mut self, harm: Harm) {
        self.0 |= 1 << harm as u8;
    }

    pub fn has(self, harm: Harm) -> bool {
        self.0 & (1 << harm as u8) != 0
    }

    /// Whether every harm here is one `other` shows too.
    pub fn within(self, other: Harms) -> bool {
        self.0 & !other.0 == 0
    }

    /// The stored byte.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// From a stored byte; `None` for bits no version wrote.
    pub fn from_bits(bits: u8) -> Option<Harms> {
        (bits & !Harms::ALL == 0).then_some(Harms(bits))
    }
}

/// Whether a link of the mail hides where it goes: a shortener, page hosting anyone can
/// publish on (form hosts among them), a bare IP address, punycode or an odd port, as the
/// phishing rule reads them, or a host serving anyone's pages by path
/// ([`PATH_PUBLISHED_HOSTS`]: a link or a form there). A released mail's link there
/// vouches for nothing: the same host serves anyone's page.
pub fn hides_links(facts: &Facts<'_>) -> bool {
    let mut found = Vec::new();
    rules::risky_link_hosts(facts, &mut found);
    let path_published = |host: &str| PATH_PUBLISHED_HOSTS.contains(&host.to_ascii_lowercase().as_str());
    !found.is_empty()
        || facts.email.links.iter().any(|link| leaves_the_web(&link.href))
        || facts.link_hosts.iter().map(String::as_str).any(path_published)
        || target_hosts(facts).any(|host| path_published(&host))
}

/// The hosts of the HTML's non-anchor targets: form actions, image-map areas, remote
/// images and frames (`Email::html_targets`).
fn target_hosts<'a>(facts: &'a Facts<'_>) -> impl Iterator<Item = String> + 'a {
    facts.email.html_targets.iter().filter_map(|t| url::host_of(t))
}

/// Whether `href` has a scheme other than [`HOSTED_SCHEMES`], read as a browser does
/// (spaces, tabs and line breaks dropped, any case): such a link has no host to compare.
/// A relative link (`#top`, `/path?a=b:c`) has none and stays in the mail's own site.
fn leaves_the_web(href: &str) -> bool {
    let href: String = href.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
    let Some((scheme, _)) = href.split_once(':') else { return false };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme && !HOSTED_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s))
}

/// Whether every link of the mail goes to a site `copy`'s mail linked to: a phish copying
/// a newsletter links elsewhere. Read from all the mail's links, not its digest's first
/// [`MAX_SITES`].
pub fn links_within(facts: &Facts<'_>, copy: &NearCopy) -> bool {
    facts.link_hosts.iter().all(|host| copy.sites.contains(&link_hash(host, Reach::Site)))
}

/// What a link hash names: the link's registrable domain, or its whole host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Site,
    Host,
}

/// The distinct hashes of the mail's link sites, or of its hosts with the domains its text
/// writes out (`written_hosts`), the first [`MAX_SITES`].
pub fn link_hashes(facts: &Facts<'_>, reach: Reach) -> Vec<u64> {
    let written = if reach == Reach::Host { written_hosts(facts) } else { Vec::new() };
    let mut hashes: Vec<u64> = Vec::new();
    for host in facts.link_hosts.iter().chain(&written) {
        let hash = link_hash(host, reach);
        if !hashes.contains(&hash) && hashes.len() < MAX_SITES {
            hashes.push(hash);
        }
    }
    hashes
}

fn link_hash(host: &str, reach: Reach) -> u64 {
    match reach {
        Reach::Site => digest::hash(url::registrable_domain(host).as_bytes()),
        Reach::Host => digest::hash(host.as_bytes()),
    }
}

/// Where the mail sends its reader without a link: its HTML's form actions, image-map
/// areas and remote images; and, in its text, the domains it writes out
/// without `www.` or a scheme (`evil-shop.com/sale`, an address's `evil.example`), which
/// mail apps make clickable, as names of any script (a lookalike is read in punycode)
/// ending in a suffix the public suffix list knows ("today.Visit" is a typo, not a host);
/// and the phone numbers it writes out, as `tel:` and their digits. Digests leave out
/// words with digits, so a copy changing only the number to call (a callback scam) is
/// as alike as the released mail itself: its numbers must be the released mail's.
fn written_hosts(facts: &Facts<'_>) -> Vec<String> {
    static WRITTEN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}").expect("written domain pattern compiles")
    });
    // Digits with the separators phone numbers are written with, on one line.
    static NUMBER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[+(]?\d[\d \t().-]*\d").expect("number pattern compiles"));
    let known = |host: &String| psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known());
    let text = facts.email.text.as_str();
    // An address at the From's own domain is where a reply goes anyway.
    let reply = |m: &regex::Match<'_>| {
        text[..m.start()].ends_with('@') && m.as_str().eq_ignore_ascii_case(&facts.sender_domain)
    };
    let domains =
        WRITTEN.find_iter(text).filter(|m| !reply(m)).filter_map(|m| url::host_of(m.as_str())).filter(known);
    let digits = |m: regex::Match<'_>| m.as_str().chars().filter(char::is_ascii_digit).collect::<String>();
    // A number inside a URL, an address or a word (a tracking token) is no number to call.
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "/=?&%_.:#@-".contains(c));
    // After it, a sentence's full stop or colon is no glue: only one a word goes on from.
    let alone = |m: &regex::Match<'_>| {
        let mut after = text[m.end()..].chars();
        let next = after
            .next()
            .filter(|&c| !matches!(c, '.' | ':') || after.next().is_some_and(char::is_alphanumeric));
        !glued(text[..m.start()].chars().next_back()) && !glued(next)
    };
    let numbers =
        NUMBER.find_iter(text).filter(alone).map(digits).filter(|d| PHONE_DIGITS.contains(&d.len()));
    // A form's action, an image map's area, a remote image (a QR code): no anchor, but a
    // place the mail sends its reader.
    domains
        .chain(numbers.map(|d| format!("tel:{d}")))
        .chain(target_hosts(facts))
        .chain(reply_hosts(facts))
        .collect()
}

/// Where a reply goes when it does not go to the From's own domain: the Reply-To's
/// domains. A mail asking for an answer (a prize's "reply with your address") sends it
/// there, so a copy's Reply-To must be one the released mail had, as its written addresses.
fn reply_hosts<'a>(facts: &'a Facts<'_>) -> impl Iterator<Item = String> + 'a {
    let elsewhere = |domain: &String| !domain.eq_ignore_ascii_case(&facts.sender_domain);
    facts.email.reply_to.iter().filter_map(|r| r.domain()).filter(elsewhere)
}

/// How many digits a phone number has, international prefix included (E.164 allows 15);
/// fewer are amounts, years and dates (8).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 9..=15;

/// Whether every link of the mail, and every domain its text writes out, goes to a host
/// (not merely a site) `copy`'s mail linked to or wrote: every customer of a mailing
/// service's click tracker, every tenant of a platform the public suffix list does not
/// separate, has a host of its own on the same site (`shop.us5.list-manage.com`,
/// `evil.us5.list-manage.com`). A digest that did not record its hosts vouches for none.
pub fn hosts_within(facts: &Facts<'_>, copy: &NearCopy) -> bool {
    let written = written_hosts(facts);
    facts.link_hosts.iter().chain(&written).all(|host| copy.hosts.contains(&link_hash(host, Reach::Host)))
}

/// Whether `mine` shows no harm the `released` mail did not, and carries no attachment.
pub fn no_more_harm(mine: &NearCopy, released: &NearCopy) -> bool {
    !mine.harms.unwrap_or_default().has(Harm::Attachment) && harms_within(mine, released)
}

/// Whether `mine` shows no harm (a file included) the `earlier` mail did not; a digest
/// that did not record its harms vouches for none.
pub fn harms_within(mine: &NearCopy, earlier: &NearCopy) -> bool {
    let harms = mine.harms.unwrap_or_default();
    earlier.harms.is_some_and(|theirs| harms.within(theirs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The families that are no harm: they claim nothing.
    const NOT_HARMS: &[Family] = &[Family::Awareness, Family::Plea, Family::SignOff, Family::Forwarding];

    #[test]
    fn every_family_that_claims_something_is_a_harm() {
        for family in Family::ALL {
            let harm = FAMILIES.iter().any(|(_, families)| families.contains(&family));
            assert!(harm != NOT_HARMS.contains(&family), "{family:?}");
        }
    }

    fn email(body: &str) -> crate::mail::Email {
        let raw = format!(
            "From: news@shop.example\r\nTo: me@home.example\r\nSubject: News\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
        );
        crate::mail::parse(raw.as_bytes()).expect("parses")
    }

    #[test]
    fn a_mail_without_wallet_password_or_file_shows_no_harm() {
        let plain = email("Thank you for coming to the garden party last weekend.");
        assert_eq!(Harms::of(&Facts::gather(&plain)), Harms::default());
        let wallet = email("Thank you for coming. bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assert!(Harms::of(&Facts::gather(&wallet)).has(Harm::Wallet));
    }

    #[test]
    fn a_scheme_starts_with_a_letter() {
        for href in ["1tel:123", "+x:y", "10:30"] {
            assert!(!leaves_the_web(href), "{href}");
        }
    }

    #[test]
    fn a_copy_linking_a_site_its_release_did_not_is_not_within_it() {
        let released = email("See https://shop.example/a and https://www.shop.example/b");
        let copy = |feedback| NearCopy {
            feedback,
            sketch: digest::Sketch::from_hashes((0..20).collect()).expect("sized"),
            sender: 0,
            authenticated: false,
            sites: link_hashes(&Facts::gather(&released), Reach::Site),
            hosts: Vec::new(),
            harms: None,
        };
        let released = copy(super::super::Feedback::Released);
        let same = email("Go to https://news.shop.example/c");
        assert!(links_within(&Facts::gather(&same), &released));
        let other = email("Go to https://shop.example/c or https://sh0p.example/d");
        assert!(!links_within(&Facts::gather(&other), &released));
    }

    #[test]
    fn link_hashes_are_distinct_and_at_most_max_sites() {
        let twice = email("https://a.example/1 https://a.example/2 https://b.example/");
        assert_eq!(link_hashes(&Facts::gather(&twice), Reach::Host).len(), 2);
        let many: String = (0..MAX_SITES + 4).map(|i| format!("https://h{i}.example/ ")).collect();
        let hashes = link_hashes(&Facts::gather(&email(&many)), Reach::Site);
        assert_eq!(hashes.len(), MAX_SITES);
        let mut distinct = hashes.clone();
        distinct.dedup();
        assert_eq!(distinct, hashes);
    }

    #[test]
    fn a_number_glued_to_a_word_is_no_number_to_call() {
        let tels = |body: &str| {
            let mail = email(body);
            written_hosts(&Facts::gather(&mail)).into_iter().filter(|h| h.starts_with("tel:")).count()
        };
        assert_eq!(tels("Call us at 0123456789 today."), 1);
        assert_eq!(tels("Call us at 0123456789."), 1);
        assert_eq!(tels("Your reference: 0123456789x"), 0);
        assert_eq!(tels("Your reference: 0123456789/"), 0);
    }

    #[test]
    fn links_without_a_host_leave_the_web() {
        for href in ["data:text/html,x", " JavaScript:go()", "java\tscript:go()", "tel:+1888", "sms:123"] {
            assert!(leaves_the_web(href), "{href}");
        }
        for href in [
            "https://shop.example/",
            "HTTP://x.example",
            "mailto:a@b.example",
            "#top",
            "/a?b=c:d",
            "www.x.example",
        ] {
            assert!(!leaves_the_web(href), "{href}");
        }
    }
}
