//! The user's trust and block lists, decided: what an entry may be, what it matches, and
//! what a matching list does to a message. Pure: the store keeps the rows, `batch` asks
//! [`SenderLists::standing`] for each message.
//!
//! - An entry is an address (`alice@example.org`: that From only) or a domain
//!   (`example.org`: that domain and every domain below it, `mail.example.org` included,
//!   as a domain owner controls its subdomains). A domain needs at least two labels and
//!   must not be a public suffix, so a whole top-level domain, or `co.uk`, cannot be
//!   trusted by a slip of the keyboard.
//! - Trust needs proof: it applies only when the receiving server vouched for the From
//!   (with the account's authserv ids). Anyone can write any From line, and the seed scam
//!   writes the victim's own address; an unauthenticated From equal to a trusted entry
//!   gains nothing. A trusted domain needs the domain vouched for
//!   (`mail::sender::authenticated_sender`); a trusted address needs that very mailbox
//!   vouched for (`mail::sender::vouched_mailbox`), since a domain-level pass lets any
//!   user of the same servers write any address there. Trusted mail is recorded
//!   (`trusted-sender`) when it trips the rules, and never moved.
//! - Block needs none: a blocked From is moved whatever the classifier says (recorded as a
//!   threat, action `planned`, with a `blocked_sender` line saying why), since moving a
//!   spoof of a blocked sender errs on the safe side.
//! - When both lists match (an address trusted inside a blocked domain, or the reverse),
//!   block wins: the user asked for that mail to go, and the safe side is the move.

use std::fmt;
use std::str::FromStr;

use crate::detect::Label;
use crate::store::{self, ListKind, SenderEntry};

/// The stored name of the line a blocked message's explanation starts with. It weighs
/// nothing: the classifier's verdict is kept as it was, the list decides the move.
pub const BLOCKED_SENDER: &str = "blocked_sender";

/// The longest address SMTP carries (RFC 5321 §4.5.3.1.3).
const MAX_ENTRY_BYTES: usize = 254;

/// One entry of a list, lower-cased and checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entry {
    /// Exactly this From address.
    Address(String),
    /// This domain and its subdomains.
    Domain(String),
}

/// Why a typed entry is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an address (alice@example.org) or a domain (example.org): {reason}")]
pub struct EntryError {
    text: String,
    reason: &'static str,
}

impl FromStr for Entry {
    type Err = EntryError;

    fn from_str(text: &str) -> Result<Entry, EntryError> {
        let error = |reason| EntryError { text: text.chars().take(100).collect(), reason };
        let entry = text.trim().to_lowercase();
        if entry.is_empty() {
            return Err(error("it is empty"));
        }
        if entry.len() > MAX_ENTRY_BYTES {
            return Err(error("it is longer than any address"));
        }
        match entry.rsplit_once('@') {
            None => check_domain(&entry)
                .and_then(|()| check_not_public_suffix(&entry))
                .map_err(error)
                .map(|()| Entry::Domain(entry)),
            Some((local, domain)) => {
                check_local(local).map_err(error)?;
                check_domain(domain).map_err(error)?;
                Ok(Entry::Address(entry))
            }
        }
    }
}

fn check_local(local: &str) -> Result<(), &'static str> {
    if local.is_empty() {
        return Err("nothing before the @ (for a whole domain, give the domain alone)");
    }
    if local.len() > 64 {
        return Err("the part before the @ is longer than 64 bytes");
    }
    if local.chars().any(|c| c.is_whitespace() || c.is_control() || "@<>()[],;:\"\\".contains(c)) {
        return Err("the part before the @ holds a space, a second @ or a character addresses do not");
    }
    Ok(())
}

/// A domain entry takes in every domain below it: two labels are not enough, since
/// anyone registers a name below co.uk or github.io.
fn check_not_public_suffix(domain: &str) -> Result<(), &'static str> {
    if crate::mail::url::is_public_suffix(domain) {
        return Err("it is a public suffix (as co.uk or github.io), under which anyone registers a domain");
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), &'static str> {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("a domain needs a dot (example.org): a whole top-level domain is refused");
    }
    for label in labels {
        if label.is_empty() || label.len() > 63 {
            return Err("each part of the domain between dots must be 1 to 63 bytes long");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a part of the domain starts or ends with a hyphen");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err("a domain holds letters, digits, hyphens and dots only");
        }
    }
    Ok(())
}

impl Entry {
    /// The entry as stored and shown.
    pub fn as_str(&self) -> &str {
        match self {
            Entry::Address(text) | Entry::Domain(text) => text,
        }
    }

    /// Whether a lower-cased From address is this entry's.
    pub fn matches(&self, address: &str) -> bool {
        match self {
            Entry::Address(entry) => address == entry,
            Entry::Domain(entry) => address.rsplit_once('@').is_some_and(|(_, domain)| {
                domain == entry
                    || domain.strip_suffix(entry.as_str()).is_some_and(|above| above.ends_with('.'))
            }),
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account's two lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderLists {
    pub trust: Vec<Entry>,
    pub block: Vec<Entry>,
}

/// What the receiving server vouched for about a message's From, lower-cased: the
/// address when it vouched for its domain (`mail::sender::authenticated_sender`), and the
/// address when it vouched for that very mailbox (`mail::sender::vouched_mailbox`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vouched {
    pub domain: Option<String>,
    pub mailbox: Option<String>,
}

impl Vouched {
    /// What the account's receiving servers (`ids`) vouched for in `email`.
    pub fn of(email: &crate::mail::Email, ids: &[crate::mail::auth::AuthservId]) -> Vouched {
        Vouched {
            domain: crate::mail::sender::authenticated_sender(email, ids),
            mailbox: crate::mail::sender::vouched_mailbox(email, ids),
        }
    }
}

/// Where a message's sender stands with the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing<'a> {
    /// On no list (or trusted without authentication): judged as classified.
    Neither,
    /// Authenticated and trusted by this entry: recorded when it trips the rules, never
    /// moved.
    Trusted(&'a Entry),
    /// Blocked by this entry: moved whatever the classifier says.
    Blocked(&'a Entry),
}

impl SenderLists {
    /// The lists of stored rows. A row that is not a valid entry (one trusted before
    /// entries were checked) matches nothing; `trust list` shows it, to be removed.
    pub fn from_rows(rows: &[SenderEntry]) -> SenderLists {
        let mut lists = SenderLists::default();
        for row in rows {
            let Ok(entry) = row.entry.parse::<Entry>() else { continue };
            match row.kind {
                ListKind::Trust => lists.trust.push(entry),
                ListKind::Block => lists.block.push(entry),
            }
        }
        lists
    }

    /// Where the sender of a message stands: `from` is its From address as written,
    /// `vouched` what the receiving server vouched for. Block wins over trust.
    pub fn standing(&self, from: &str, vouched: &Vouched) -> Standing<'_> {
        let from = from.trim().to_lowercase();
        if let Some(entry) = self.block.iter().find(|e| e.matches(&from)) {
            return Standing::Blocked(entry);
        }
        let proof = |entry: &Entry| match entry {
            Entry::Address(_) => vouched.mailbox.as_deref(),
            Entry::Domain(_) => vouched.domain.as_deref(),
        };
        let trusted = self
            .trust
            .iter()
            .find(|entry| proof(entry).is_some_and(|address| entry.matches(&address.to_lowercase())));
        trusted.map_or(Standing::Neither, Standing::Trusted)
    }
}

impl Standing<'_> {
    /// The label to act on: a blocked sender's mail is a threat whatever its verdict.
    pub fn label(self, classified: Label) -> Label {
        match self {
            Standing::Blocked(_) => Label::Threat,
            Standing::Neither | Standing::Trusted(_) => classified,
        }
    }

    /// The signals to record: a blocked message's start with the line that says why.
    pub fn explained(self, mut signals: store::Signals) -> store::Signals {
        if let Standing::Blocked(entry) = self {
            let why = store::Signal {
                rule: BLOCKED_SENDER.to_string(),
                weight: 0.0,
                evidence: format!("you blocked {entry} (scamguard block): moved whatever the verdict"),
            };
            signals.0.insert(0, why);
        }
        signals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> Entry {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn entries_are_addresses_or_domains_lower_cased_and_anything_else_is_refused() {
        assert_eq!(entry(" Alice@Example.ORG "), Entry::Address("alice@example.org".into()));
        assert_eq!(entry("Example.org"), Entry::Domain("example.org".into()));
        assert_eq!(entry("mail.例え.jp"), Entry::Domain("mail.例え.jp".into()));
        for (bad, why) in [
            ("", "empty"),
            ("org", "top-level"),
            ("@example.org", "nothing before the @"),
            ("alice@", "a dot"),
            ("alice@org", "a dot"),
            ("a b@example.org", "a space"),
            ("Alice <alice@example.org>", "a space"),
            ("example..org", "1 to 63"),
            ("-x.example.org", "hyphen"),
            ("exa_mple.org", "letters, digits"),
            ("http://example.org", "letters, digits"),
            ("*.example.org", "letters, digits"),
        ] {
            let error = bad.parse::<Entry>().expect_err(bad).to_string();
            assert!(error.contains(why) && error.contains("is not an address"), "{bad}: {error}");
        }
        let long = format!("{}@example.org", "a".repeat(300));
        assert!(long.parse::<Entry>().is_err());
    }

    /// The longest address SMTP carries is an entry; one byte more is refused for its
    /// length alone (each part within its own bound).
    #[test]
    fn an_entry_is_at_most_the_longest_address() {
        let domain = |last: usize| format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(last));
        let longest = format!("{}@{}", "a".repeat(64), domain(61));
        assert_eq!(longest.len(), MAX_ENTRY_BYTES);
        assert_eq!(entry(&longest), Entry::Address(longest.clone()));
        let over = format!("{}@{}", "a".repeat(64), domain(62));
        let error = over.parse::<Entry>().expect_err("one byte over").to_string();
        assert!(error.contains("longer than any address"), "{error}");
    }

    /// Each part has its own bound, and a mailbox name holds no address syntax.
    #[test]
    fn the_parts_of_an_entry_are_bounded_and_plain() {
        for (bad, why) in [
            (format!("{}@example.org", "a".repeat(65)), "longer than 64 bytes"),
            (format!("{}.example.org", "b".repeat(64)), "1 to 63"),
            (format!("a@{}.org", "b".repeat(64)), "1 to 63"),
            ("<alice>@example.org".to_string(), "a character addresses do not"),
            ("alice,bob@example.org".to_string(), "a character addresses do not"),
            ("ali\u{7}ce@example.org".to_string(), "a character addresses do not"),
        ] {
            let error = bad.parse::<Entry>().expect_err(&bad).to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert_eq!(
            entry(&format!("{}.org", "b".repeat(63))),
            Entry::Domain(format!("{}.org", "b".repeat(63)))
        );
    }

    #[test]
    fn a_public_suffix_is_no_domain_entry() {
        for suffix in ["co.uk", "github.io", "Com.AU"] {
            assert!(suffix.parse::<Entry>().is_err(), "{suffix}: every domain registered below it");
        }
        assert_eq!(entry("bbc.co.uk"), Entry::Domain("bbc.co.uk".into()));
        assert_eq!(entry("ann@co.uk"), Entry::Address("ann@co.uk".into()), "an address is one mailbox");
    }

    #[test]
    fn an_address_matches_itself_and_a_domain_its_subdomains_only() {
        let address = entry("alice@example.org");
        assert!(address.matches("alice@example.org"));
        assert!(!address.matches("bob@example.org") && !address.matches("alice@example.org.evil.example"));
        let domain = entry("example.org");
        assert!(domain.matches("a@example.org") && domain.matches("a@mail.example.org"));
        assert!(!domain.matches("a@badexample.org"), "whole labels only");
        assert!(!domain.matches("a@example.org.evil.example") && !domain.matches("example.org"));
    }

    fn lists(trust: &[&str], block: &[&str]) -> SenderLists {
        SenderLists {
            trust: trust.iter().map(|t| entry(t)).collect(),
            block: block.iter().map(|b| entry(b)).collect(),
        }
    }

    /// Vouched for as far as the domain (`domain`) and, with `mailbox`, for the mailbox too.
    fn vouched(address: &str, mailbox: bool) -> Vouched {
        Vouched { domain: Some(address.into()), mailbox: mailbox.then(|| address.into()) }
    }

    #[test]
    fn trust_needs_the_authenticated_from_and_block_needs_nothing() {
        let lists = lists(&["me@home.example", "bank.example"], &["spam.example"]);
        let trusted = |from, vouched: &Vouched| matches!(lists.standing(from, vouched), Standing::Trusted(_));
        assert!(trusted("me@home.example", &vouched("me@home.example", true)));
        assert!(trusted("Alerts@Mail.Bank.example", &vouched("alerts@mail.bank.example", false)));
        // The seed scam: the victim's own address, written by anyone.
        assert_eq!(lists.standing("me@home.example", &Vouched::default()), Standing::Neither);
        // Authenticated, but as someone else than the trusted entry.
        assert_eq!(lists.standing("me@home.example", &vouched("x@other.example", true)), Standing::Neither);
        assert_eq!(lists.standing("x@other.example", &vouched("x@other.example", true)), Standing::Neither);
        let blocked = Standing::Blocked(&lists.block[0]);
        assert_eq!(lists.standing("Offers@News.Spam.example", &Vouched::default()), blocked);
        assert_eq!(lists.standing("offers@spam.example", &vouched("offers@spam.example", true)), blocked);
    }

    /// A domain-level pass lets any user of the same servers write any address there: a
    /// trusted address needs its very mailbox vouched for, a trusted domain the domain.
    #[test]
    fn a_trusted_address_needs_its_mailbox_vouched_for_not_only_its_domain() {
        let lists = lists(&["friend@mail.example", "bank.example"], &[]);
        let neighbour = vouched("friend@mail.example", false);
        assert_eq!(lists.standing("friend@mail.example", &neighbour), Standing::Neither);
        assert!(matches!(
            lists.standing("friend@mail.example", &vouched("friend@mail.example", true)),
            Standing::Trusted(Entry::Address(_))
        ));
        assert!(matches!(
            lists.standing("alerts@bank.example", &vouched("alerts@bank.example", false)),
            Standing::Trusted(Entry::Domain(_))
        ));
    }

    #[test]
    fn block_wins_where_both_lists_match() {
        let both = lists(&["friend@spam.example"], &["spam.example"]);
        let standing = both.standing("friend@spam.example", &vouched("friend@spam.example", true));
        assert!(matches!(standing, Standing::Blocked(e) if e.as_str() == "spam.example"));
        let reverse = lists(&["example.org"], &["pest@example.org"]);
        assert!(matches!(
            reverse.standing("pest@example.org", &vouched("pest@example.org", true)),
            Standing::Blocked(_)
        ));
    }

    #[test]
    fn a_blocked_message_is_a_threat_whose_explanation_says_why() {
        let lists = lists(&[], &["spam.example"]);
        let blocked = lists.standing("a@spam.example", &Vouched::default());
        assert_eq!(blocked.label(Label::Clean), Label::Threat);
        assert_eq!(Standing::Neither.label(Label::Clean), Label::Clean);
        let signals = blocked.explained(store::Signals::default());
        let first = signals.0.first().expect("a line");
        assert_eq!((first.rule.as_str(), first.weight), (BLOCKED_SENDER, 0.0));
        assert!(first.evidence.contains("you blocked spam.example"), "{}", first.evidence);
        assert!(Standing::Neither.explained(store::Signals::default()).0.is_empty());
    }

    #[test]
    fn rows_that_are_not_entries_match_nothing() {
        let row = |entry: &str, kind| SenderEntry { entry: entry.into(), kind, added_at: 0 };
        let lists =
            SenderLists::from_rows(&[row("a@b.example", ListKind::Trust), row("garbage", ListKind::Block)]);
        assert_eq!(lists, self::lists(&["a@b.example"], &[]));
    }
}
