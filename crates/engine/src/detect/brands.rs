//! Brands that phishing imitates, with the domains they really send from and link to.
//!
//! Phishing borrows a brand's name (in the display name, subject or text) but cannot send
//! from or link to the brand's own domains. Knowing both lets the rules ask the one
//! question that matters: does the mail say it is someone it cannot be?

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::detect::phrases::{self, Family};
use crate::detect::tables::brands::{
    BRANDS, CUSTOMER_WORDS, FREE_MAIL_DOMAINS, GOVERNMENT_WORDS, GREETINGS, ROLES_AFTER, ROLES_BEFORE,
    WORD_NAMES,
};
use crate::detect::tables::{CUSTOMER_SUBDOMAINS, HELPDESK_PLATFORMS};
use crate::mail::url::{self, ends_in_registry_suffix, is_ip_literal, registrable_domain};

/// A brand: what it is called (in English and Japanese) and where its mail comes from.
/// The brands themselves are a table: [`crate::detect::tables::brands`].
pub struct Brand {
    pub name: &'static str,
    pub(in crate::detect) aliases: &'static [&'static str],
    pub(in crate::detect) domains: &'static [&'static str],
}

impl Brand {
    /// True when `host` is one of the brand's domains or below one.
    pub fn owns(&self, host: &str) -> bool {
        self.owns_registered(host, registrable_domain(host))
    }

    /// [`Brand::owns`] with the host's registrable domain already worked out.
    fn owns_registered(&self, host: &str, registered: &str) -> bool {
        self.domains.iter().any(|d| {
            registered == *d || host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'))
        })
    }
}

/// Every alias of every brand in one automaton, and per alias its brand and the alias.
static ALIASES: LazyLock<(AhoCorasick, Vec<(usize, &'static str)>)> = LazyLock::new(|| {
    let mut needles = Vec::new();
    let mut owners = Vec::new();
    for (index, brand) in BRANDS.iter().enumerate() {
        for alias in brand.aliases {
            needles.push(*alias);
            owners.push((index, *alias));
        }
    }
    // A DFA, asked for: past a hundred names the builder would pick a slower NFA, and the
    // opening, subject and sender of every mail are read with it.
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(needles)
        .expect("brand names compile");
    (automaton, owners)
});

/// Every mention of a brand in `text`: its byte range and the brand. ASCII names match
/// as whole words only, so "amazonia" or "paypalling" name nothing, and regardless of case,
/// except a name the table writes in capitals: an acronym that is also a word ("UPS", not
/// "ups and downs") names the brand only as written.
fn mentions(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &'static Brand)> + '_ {
    let (automaton, owners) = &*ALIASES;
    let bytes = text.as_bytes();
    automaton.find_iter(text).filter_map(move |m| {
        let before = m.start().checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(m.end());
        let first_is_word = bytes.get(m.start()).is_some_and(|b| b.is_ascii_alphanumeric());
        let last_is_word =
            m.end().checked_sub(1).and_then(|i| bytes.get(i)).is_some_and(|b| b.is_ascii_alphanumeric());
        if (first_is_word && before.is_some_and(|b| b.is_ascii_alphanumeric()))
            || (last_is_word && after.is_some_and(|b| b.is_ascii_alphanumeric()))
        {
            return None;
        }
        let &(index, alias) = owners.get(m.pattern().as_usize())?;
        if alias.bytes().any(|b| b.is_ascii_uppercase()) && text.get(m.range()) != Some(alias) {
            return None;
        }
        Some((m.range(), BRANDS.get(index)?))
    })
}

/// The brands named in `text`, each once, in order of first mention.
pub fn brands_named(text: &str) -> Vec<&'static Brand> {
    let mut named: Vec<&'static Brand> = Vec::new();
    for (_, brand) in mentions(text) {
        if !named.iter().any(|b| std::ptr::eq(*b, brand)) {
            named.push(brand);
        }
    }
    named
}

/// How far after its closing a signature may start ("Best regards, [Trust Wallet]").
const CLOSING_REACH: usize = 48;
/// Room for the signature itself after that: a brand's name and its desk.
const SIGNATURE_ROOM: usize = 64;

static CLOSING_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(phrases::phrases_of(Family::SignOff))
        .expect("closings compile")
});

/// A letter signed in a brand's name: a closing ("Regards,", "Obrigado,") followed by the
/// brand's team or desk ("Trust Wallet Customer Support", "Equipe de contas da
/// Microsoft"). Returns the brand and the signature as written. Closings are rare in a
/// text and brand names are not, so the brands are looked for after each closing only.
pub fn signed_by(text: &str) -> Option<(&'static Brand, &str)> {
    CLOSING_FINDER.find_iter(text).find_map(|closing| {
        let after = crate::mail::truncate(text, closing.end() + CLOSING_REACH + SIGNATURE_ROOM)
            .get(closing.end()..)?;
        mentions(after).find_map(|(range, brand)| {
            let role_after = word_following(after.get(range.end..)?, ROLES_AFTER).map(|len| range.end + len);
            let role_before = word_preceding(after.get(..range.start)?, ROLES_BEFORE);
            let start = role_before.unwrap_or(range.start);
            let end = match (role_before, role_after) {
                (None, None) => return None,
                (_, Some(end)) => end,
                (Some(_), None) => range.end,
            };
            (start <= CLOSING_REACH).then(|| Some((brand, after.get(start..end)?)))?
        })
    })
}

/// How far into a text its salutation may be: past a logo's alt text, a preheader and a
/// menu, not into the letter.
const OPENING: usize = 1024;

/// How far before the word for a customer the brand's name may start ("Tractor Supply"
/// of "Dear Tractor Supply Customer"): the longest name and a little punctuation.
const NAME_ROOM: usize = 48;

/// The words for a customer as salutations write them: lower case, capitalised and in
/// capitals. Spelled out rather than matched regardless of case, so that the automaton
/// can skip ahead to the few places they may start: every opening is read with it.
static CUSTOMER_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let mut spellings: Vec<String> = CUSTOMER_WORDS
        .iter()
        .flat_map(|word| {
            let mut chars = word.chars();
            let capitalised: String =
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
            [word.to_string(), capitalised, word.to_uppercase()]
        })
        .collect();
    spellings.sort_unstable();
    spellings.dedup();
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(spellings)
        .expect("customer words compile")
});

/// A salutation in the opening of `text` that greets the reader as a brand's customer:
/// "Dear PayPal member", "Sehr geehrter Commerzbank-Kunde", or in Japanese, which needs no
/// greeting word, "三井住友カード会員様" and "楽天ユーザー様". Returns the brand and
/// the salutation as written. A brand's customers are what its own mail, and only its own,
/// has reason to call its readers. Words for a customer are rare in an opening and brand
/// names are not, so brands are looked for just before each such word only.
pub fn addressed_as_customer_of(text: &str) -> Option<(&'static Brand, &str)> {
    let opening = crate::mail::truncate(text, OPENING);
    let bytes = opening.as_bytes();
    CUSTOMER_FINDER.find_iter(opening).find_map(|word| {
        // From a word's start, so a name cut in two at the window's edge is not read whole.
        let mut from = word.start().saturating_sub(NAME_ROOM);
        while from < word.start()
            && (!opening.is_char_boundary(from)
                || from.checked_sub(1).and_then(|i| bytes.get(i)).is_some_and(u8::is_ascii_alphanumeric))
        {
            from += 1;
        }
        mentions(opening.get(from..word.start())?).find_map(|(range, brand)| {
            let (name_start, name_end) = (from + range.start, from + range.end);
            let end = name_end + word_following(opening.get(name_end..)?, CUSTOMER_WORDS)?;
            let honorific = !opening.get(name_end..end)?.is_ascii();
            // "会員様限定" is an offer for members, not a way of addressing one.
            if opening.get(end..)?.starts_with("限定") {
                return None;
            }
            let start =
                if honorific { name_start } else { word_preceding(opening.get(..name_start)?, GREETINGS)? };
            Some((brand, opening.get(start..end)?))
        })
    })
}

/// The length of the word of `words` that `rest` opens with, after at most three bytes of
/// punctuation ("] Customer Support", "® Customer").
fn word_following(rest: &str, words: &[&str]) -> Option<usize> {
    let trimmed = rest.trim_start_matches([' ', ']', ')', '-', ':', '|', '\u{3000}', '®', '"', '”']);
    let skipped = rest.len() - trimmed.len();
    if skipped > 3 {
        return None;
    }
    words.iter().find_map(|word| {
        let head = trimmed.get(..word.len())?;
        let ends_word = !trimmed.as_bytes().get(word.len()).is_some_and(u8::is_ascii_alphanumeric);
        (head.eq_ignore_ascii_case(word) && ends_word).then_some(skipped + word.len())
    })
}

/// Where the word of `words` that `before` ends with starts, if it ends with one ("Team [").
fn word_preceding(before: &str, words: &[&str]) -> Option<usize> {
    let trimmed = before.trim_end_matches([' ', '[', '(', '"', '\'']);
    words.iter().find_map(|word| {
        let start = trimmed.len().checked_sub(word.len())?;
        let tail = trimmed.get(start..)?;
        let starts_word = start
            .checked_sub(1)
            .and_then(|i| trimmed.as_bytes().get(i))
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        (tail.eq_ignore_ascii_case(word) && starts_word).then_some(start)
    })
}

/// Whether `host` is (below) a free-mail provider's domain.
pub fn is_free_mail(host: &str) -> bool {
    FREE_MAIL_DOMAINS.contains(&registrable_domain(host))
}

/// Whether many unrelated senders share `domain`'s registrable domain: a free mailbox
/// provider's, or a service's that names each customer below its own
/// ([`HELPDESK_PLATFORMS`], [`CUSTOMER_SUBDOMAINS`]). There the address tells who sends,
/// and the domain's signature vouches for none of its users in particular.
pub fn is_shared_domain(domain: &str) -> bool {
    let below = |suffix: &&str| domain.len() > suffix.len() && domain.ends_with(suffix);
    is_free_mail(domain) || HELPDESK_PLATFORMS.iter().chain(CUSTOMER_SUBDOMAINS).any(below)
}

/// The brand that owns `host`, if it is a known brand's domain.
pub fn owner_of(host: &str) -> Option<&'static Brand> {
    let registered = registrable_domain(host);
    BRANDS.iter().find(|brand| brand.owns_registered(host, registered))
}

/// The brand whose domain a host imitates by carrying it as a subdomain label sequence
/// ("www.ucscard.co.jp.humaoo.com"), by embedding its name in another registered domain
/// ("amazon-security-update.com"), or by spelling either in look-alike letters of another
/// script ("pаypal.com" with a Cyrillic а, which a link carries as "xn--pypal-4ve.com").
pub fn imitated_by_host(host: &str) -> Option<&'static Brand> {
    let in_lookalike_letters = url::lookalike_skeleton(host)
        .and_then(|skeleton| owner_of(&skeleton).or_else(|| imitated_in_ascii(&skeleton)));
    in_lookalike_letters.or_else(|| imitated_in_ascii(host))
}

/// Whether `host` carries a government's suffix in front of another domain, as a
/// look-alike carries a brand's: "www.gov.uk.refund.example", "sat.gob.mx.pagos.info",
/// "hmrc.gov.uk.com" (registered under `uk.com`, which anyone may). A "gov" that begins
/// no government suffix ("gov.teams.microsoft.us", "gov.local", the province's own
/// "gov.bc.ca") or that is only part of a name ("zoomgov.com", "e-gov.go.jp",
/// "inform-gov.com.br") is not counted: vendors' government clouds, news sites and
/// countries' own portals are named so too.
pub fn poses_as_government(host: &str) -> bool {
    if is_ip_literal(host) || url::is_public_suffix(host) {
        return false;
    }
    // The labels in front of the host's own public suffix: the registrant's to choose.
    let chosen = host.split('.').count().saturating_sub(registrable_domain(host).matches('.').count());
    // A registry's suffix only: the list's private section holds `gov.nl`, which
    // Newfoundland's own `gov.nl.ca` begins with.
    let government_suffix = |s: &str| url::is_public_suffix(s) && ends_in_registry_suffix(s);
    let mut labels_and_next = host.split('.').zip(host.split('.').skip(1)).take(chosen);
    labels_and_next.any(|(label, next)| {
        GOVERNMENT_WORDS.contains(&label) && government_suffix(&format!("{label}.{next}"))
    })
}

/// [`imitated_by_host`] for a host as written, letter for letter.
fn imitated_in_ascii(host: &str) -> Option<&'static Brand> {
    // Links' hosts come lower-cased and without a final dot; any other caller's may not.
    if host.ends_with('.') || host.bytes().any(|b| b.is_ascii_uppercase()) {
        return imitated_in_ascii(&host.trim_end_matches('.').to_ascii_lowercase());
    }
    let (automaton, needles) = &*DOMAIN_PARTS;
    let host_bytes = host.as_bytes();
    automaton.find_overlapping_iter(host).find_map(|m| {
        let (brand_index, part) = needles.get(m.pattern().as_usize())?;
        let brand = BRANDS.get(*brand_index)?;
        let before = m.start().checked_sub(1).and_then(|i| host_bytes.get(i)).copied();
        let after = host_bytes.get(m.end()).copied();
        let bounded = |b: Option<u8>| b.is_none_or(|b| b == b'.' || b == b'-');
        let imitates = match part {
            // The brand's whole domain carried in front of another domain:
            // "www.ucscard.co.jp.humaoo.com", "securepaypal.com.example.net", and
            // "rakuten.co.jp.example" (registered as "jp.example"). Not the brand's name
            // registered under a registry's suffix ("yahoo.com.au"), as brands do; under a
            // suffix a company hands out ("paypal.com.de") anyone may have registered it.
            // A short name ("me.com") must start a label: "optushome.com.au" only ends in it.
            // Hyphenated on to the next label ("apple.com-id.example") it is no less carried.
            DomainPart::Domain { short } => {
                // Where the registered domain starts: what stands before it the registrant
                // chose freely. Looked up only here, for the rare host a brand domain is in.
                let registered_elsewhere = || {
                    let registered_from = host.len().saturating_sub(registrable_domain(host).len());
                    m.start() < registered_from || !ends_in_registry_suffix(host)
                };
                let carried = match after {
                    Some(b'.') => bounded(before) || !short,
                    // Glued to letters on both sides ("myamazon.ca-central-1") is too
                    // loose a reading: a word and a region code that happen to meet.
                    Some(b'-') => bounded(before),
                    _ => false,
                };
                carried && registered_elsewhere()
            }
            // The brand's name hyphenated into a label of another domain, registered or
            // below it ("paypal-secure.com", "rakuten-co-jp.example.top"). Merely
            // containing it ("googleapis.com") is too often the brand's own service, and
            // a whole label below another site ("outlook.example.biz", "live.bbc.co.uk")
            // too often a word that happens to be a brand's name.
            // The name must be a whole part of its label, so "live" in "olive-oil" is no
            // Microsoft and "post" in "blogpost-cdn" no Japan Post.
            DomainPart::Label => {
                (before == Some(b'-') || after == Some(b'-')) && bounded(before) && bounded(after)
            }
        };
        (imitates && !brand.owns(host)).then_some(brand)
    })
}

enum DomainPart {
    /// A whole domain of the brand's; `short` when its registered name has fewer than
    /// five letters, short enough to end another word ("me" of me.com).
    Domain {
        short: bool,
    },
    Label,
}

/// Every brand domain and every domain label long enough to mean the brand, in one
/// automaton, so a host is checked against all brands in one pass.
static DOMAIN_PARTS: LazyLock<(AhoCorasick, Vec<(usize, DomainPart)>)> = LazyLock::new(|| {
    let mut patterns: Vec<String> = Vec::new();
    let mut needles = Vec::new();
    for (index, brand) in BRANDS.iter().enumerate() {
        // A brand's own top-level domain ("apple") is no name a look-alike copies: as a
        // pattern it would match inside any host that spells the word.
        for domain in brand.domains.iter().filter(|d| d.contains('.')) {
            let registered = registrable_domain(domain);
            let name = registered.split('.').next().unwrap_or(registered);
            patterns.push(domain.to_string());
            needles.push((index, DomainPart::Domain { short: name.len() < 5 }));
            // The name the brand registered ("japanpost" of post.japanpost.jp), and a
            // subdomain's first label when it is a name of its own ("jp-bank"), not any word
            // ("post", "bk").
            let first = domain.split('.').next().unwrap_or(domain);
            let distinctive_first = first != name && (first.len() >= 6 || first.contains('-'));
            for label in [Some(name), distinctive_first.then_some(first)].into_iter().flatten() {
                let known = patterns
                    .iter()
                    .zip(&needles)
                    .any(|(p, (i, part))| *i == index && matches!(part, DomainPart::Label) && p == label);
                if label.len() >= 4 && !known && !WORD_NAMES.contains(&label) {
                    patterns.push(label.to_string());
                    needles.push((index, DomainPart::Label));
                }
            }
        }
    }
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .expect("brand domains compile");
    (automaton, needles)
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_english_and_japanese_are_found_as_whole_words() {
        let names: Vec<_> =
            brands_named("【三井住友カード】 and PayPal, not amazonia").iter().map(|b| b.name).collect();
        assert_eq!(names, ["SMBC", "PayPal"]);
    }

    /// The names reward surveys and parcel lures go by, as their senders spell them, and
    /// the ordinary words and other names beside them that name no brand.
    #[test]
    fn shops_carriers_and_insurers_are_found_as_senders_spell_them() {
        let named = |text| brands_named(text).iter().map(|b| b.name).collect::<Vec<_>>();
        assert_eq!(named("AAA Driver Care"), ["AAA"]);
        assert_eq!(named("Sam\u{2019}s Club Member"), ["Sam's Club"]);
        assert_eq!(named("Tractor-Supply,Co. Team"), ["Tractor Supply"]);
        assert_eq!(named("Medicare Kit - United Health Care"), ["UnitedHealthcare"], "every plan's word");
        assert_eq!(named("UCカード"), ["UC Card"]);
        assert_eq!(named("Lowes"), ["Lowe's"]);
        assert_eq!(named("Your UPS parcel"), ["UPS"]);
        for plain in
            ["Ups, we missed you", "ups and downs", "supplies", "aaaa", "Regions of Spain", "Disney movies"]
        {
            assert!(named(plain).is_empty(), "{plain}");
        }
    }

    #[test]
    fn signatures_in_a_brands_name_are_found_after_a_closing() {
        let signer = |text| signed_by(text).map(|(brand, written)| (brand.name, written));
        assert_eq!(
            signer("Best regards, [Trust Wallet] Customer Support"),
            Some(("Trust Wallet", "Trust Wallet] Customer Support"))
        );
        assert_eq!(
            signer("Obrigado, Equipe de contas da Microsoft"),
            Some(("Microsoft", "Equipe de contas da Microsoft"))
        );
        assert_eq!(signer("Thanks,\nThe PayPal Team"), Some(("PayPal", "PayPal Team")));
        assert_eq!(signer("Regards,Team Coinbase"), Some(("Coinbase", "Team Coinbase")));
        // A brand's desk mentioned in passing, or a closing far from it, is no signature.
        assert_eq!(signer("If in doubt, contact Apple Support directly."), None);
        assert_eq!(
            signer("Thanks for reading. We compared many phones in our lab, and the Apple team said"),
            None
        );
        assert_eq!(signer("Regards, Amazonian Team"), None);
    }

    #[test]
    fn a_brand_owns_its_domains_and_their_subdomains() {
        let amazon = brands_named("Amazon").into_iter().next().expect("Amazon is known");
        assert!(amazon.owns("amazon.co.jp"));
        assert!(amazon.owns("mail.amazon.co.jp"));
        assert!(!amazon.owns("amazon.co.jp.example.com"));
    }

    /// A brand's own top-level domain is the brand's, and only its names: the word alone,
    /// inside a host or as a host's first label, is no claim to it.
    #[test]
    fn a_brand_owns_its_own_top_level_domain() {
        let apple = brands_named("Apple").into_iter().next().expect("Apple is known");
        assert!(apple.owns("post.applecard.apple"));
        assert!(!apple.owns("pineapple.example"));
        assert!(!apple.owns("apple.example"));
        assert_eq!(imitated_by_host("post.applecard.apple").map(|b| b.name), None);
        assert_eq!(imitated_by_host("ripe-pineapple.example").map(|b| b.name), None);
    }

    #[test]
    fn a_brand_domain_below_a_registered_one_owns_itself_and_its_subdomains_only() {
        // A brand whose domain is not a registered domain of its own (as bk.mufg.jp is).
        let bank = Brand { name: "Example Bank", aliases: &[], domains: &["bank.example.jp"] };
        assert!(bank.owns("bank.example.jp"));
        assert!(bank.owns("login.bank.example.jp"));
        assert!(!bank.owns("example.jp"));
        assert!(!bank.owns("mybank.example.jp"));
    }

    #[test]
    fn a_role_follows_the_brand_after_at_most_three_bytes_of_punctuation_and_as_a_whole_word() {
        let role_following = |rest| word_following(rest, ROLES_AFTER);
        assert_eq!(role_following(" - Support"), Some(3 + "Support".len()));
        assert_eq!(role_following(" -  Support"), None);
        assert_eq!(role_following("Supporters"), None);
        assert_eq!(role_following("Support, and more"), Some("Support".len()));
    }

    #[test]
    fn signatures_are_read_in_japanese_text_cut_inside_a_character() {
        // The room after a closing ends inside a three-byte character here; the reader
        // steps back to a character boundary and finds nothing to sign.
        let text = format!("よろしくお願いします。{}", "あ".repeat(60));
        assert_eq!(signed_by(&text).map(|(brand, _)| brand.name), None);
        let signed = format!("よろしくお願いします。\nPayPal カスタマーサポート{}", "あ".repeat(60));
        assert_eq!(signed_by(&signed).map(|(brand, _)| brand.name), Some("PayPal"));
    }

    #[test]
    fn a_brand_name_in_a_registered_domain_imitates_only_when_hyphenated_to_another_word() {
        assert_eq!(imitated_by_host("secure-paypal.com").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("securepaypal.com").map(|b| b.name), None);
        // In a subdomain of another site, the name alone is no imitation of the domain;
        // hyphenated to another word, or to the parts of the brand's domain, it is.
        assert_eq!(imitated_by_host("paypal.example.com").map(|b| b.name), None);
        assert_eq!(imitated_by_host("paypal-secure.example.com").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("www.rakuten-co-jp.example.top").map(|b| b.name), Some("Rakuten"));
        // Only as a whole part of its label: a word that merely contains the name is not it.
        assert_eq!(imitated_by_host("olive-oil.shop.example").map(|b| b.name), None);
        assert_eq!(imitated_by_host("blogpost-cdn.example.com").map(|b| b.name), None);
        // The name a brand registered, not a first label of one of its subdomains: "post"
        // of post.japanpost.jp is any newspaper's.
        assert_eq!(imitated_by_host("www.post-gazette.example").map(|b| b.name), None);
        assert_eq!(imitated_by_host("japanpost-redelivery.example").map(|b| b.name), Some("Japan Post"));
        // A subdomain's first label that is a name of its own still counts.
        assert_eq!(imitated_by_host("jp-bank-yucho.example").map(|b| b.name), Some("Japan Post"));
    }

    /// A brand's domain carried in front of another domain is a copy of it, joined to other
    /// letters or not; but a short one must start a label, and the brand's name registered
    /// under a registry's suffix is the brand's own site, not a copy.
    #[test]
    fn a_brand_domain_in_front_of_another_is_a_copy_unless_the_brand_registered_it() {
        assert_eq!(imitated_by_host("www.paypal.com.example.net").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("secure-paypal.com.example.net").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("securepaypal.com.example.net").map(|b| b.name), Some("PayPal"));
        // A brand domain reaching into the registered one is still carried in front of it.
        assert_eq!(imitated_by_host("rakuten.co.jp.example").map(|b| b.name), Some("Rakuten"));
        // Or hyphenated on to the label after it, which makes that label another domain's.
        assert_eq!(imitated_by_host("apple.com-id.example").map(|b| b.name), Some("Apple"));
        assert_eq!(imitated_by_host("www.paypal.com-secure.example").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("home.com-x.example").map(|b| b.name), None);
        assert_eq!(imitated_by_host("zoom.us-east-1.example.com").map(|b| b.name), Some("Zoom"));
        assert_eq!(imitated_by_host("myamazon.ca-central-1.example.com").map(|b| b.name), None);
        // "awesome.com" and "optushome.com.au" only end in the letters of Apple's me.com.
        assert_eq!(imitated_by_host("awesome.com.example.net").map(|b| b.name), None);
        assert_eq!(imitated_by_host("mail.optushome.com.au").map(|b| b.name), None);
        // Under a country registry's suffix the name is the brand's; under a suffix a company
        // hands out (com.de) anyone's.
        assert_eq!(imitated_by_host("digital.yahoo.com.au").map(|b| b.name), None);
        assert_eq!(imitated_by_host("secure.paypal.com.de").map(|b| b.name), Some("PayPal"));
        // Written in capitals or with the final dot, a host is the same host.
        assert_eq!(imitated_by_host("WWW.PAYPAL.COM.example.net.").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("www.paypal.com.").map(|b| b.name), None);
    }

    /// A government's suffix carried in front of another domain is a costume; "gov" that
    /// begins no government suffix, or is part of a name, is not counted.
    #[test]
    fn a_host_poses_as_a_government_when_it_carries_a_government_suffix_in_front() {
        for costume in [
            "www.gov.uk.refund.example",
            "sat.gob.mx.pagos.info",
            "hmrc.gov.uk.com",
            "gov.br.consulta.net",
            "impots.gouv.fr.amendes.example",
        ] {
            assert!(poses_as_government(costume), "{costume}");
        }
        for own in [
            "irs.gov",
            "www.gov.uk",
            "gov.uk",
            "receita.fazenda.gov.br",
            "impots.gouv.fr",
            "sat.gob.mx",
            "www2.gov.bc.ca",
            "www.gov.nl.ca",
            "saaq.gouv.qc.ca",
            "gov.wales",
            "minsaude.gov.st",
            "e-gov.go.jp",
            "gov.teams.microsoft.us",
            "gov.local",
            "zoomgov.com",
            "inform-gov.com.br",
            "public.govdelivery.com",
            "192.0.2.7",
            "",
        ] {
            assert!(!poses_as_government(own), "{own}");
        }
    }

    #[test]
    fn only_a_domain_below_a_shared_service_is_shared() {
        assert!(is_shared_domain("acme.zendesk.com"));
        assert!(is_shared_domain("outlook.com"));
        assert!(!is_shared_domain(".zendesk.com"));
        assert!(!is_shared_domain("zendesk.com"));
        assert!(!is_shared_domain("shop.example"));
    }

    #[test]
    fn lookalike_hosts_are_attributed_to_the_brand_they_imitate() {
        assert_eq!(imitated_by_host("www.ucscard.co.jp.humaoo.com").map(|b| b.name), Some("UCS"));
        assert_eq!(imitated_by_host("paypal-secure-login.com").map(|b| b.name), Some("PayPal"));
        assert_eq!(imitated_by_host("www.paypal.com").map(|b| b.name), None);
        assert_eq!(imitated_by_host("example.org").map(|b| b.name), None);
    }

    #[test]
    fn hosts_in_lookalike_letters_are_attributed_to_the_brand_they_imitate() {
        // pаypal.com and pаypal-secure.com with a Cyrillic а, as a link's host carries them.
        for written in ["https://p\u{0430}ypal.com/", "https://p\u{0430}ypal-secure.com/"] {
            let host = url::host_of(written).expect("a host");
            assert_eq!(imitated_by_host(&host).map(|b| b.name), Some("PayPal"), "{host}");
        }
        // A real international name imitates no one.
        assert_eq!(imitated_by_host("xn--mnchen-3ya.de").map(|b| b.name), None);
    }
}
