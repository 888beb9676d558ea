//! What a mail could do to its reader beyond being read: the evidence a near-copy of a
//! released mail must not add before the release may vouch for it without the receiving
//! server's word on who sent it.
//!
//! A release says "this text is wanted". Where the server authenticated the sender, the
//! release vouches for that sender's near-copies (their next newsletter). Where it did
//! not (a small sender with no DKIM, a campaign mailed from another domain of the same
//! company), anyone can send the same text; it is still wanted when the copy can do no
//! more than the released mail could: it asks for no payment, wallet or credentials the
//! released one did not, carries no attachment, and links only to sites the released one
//! linked to, none of them a host that hides where a link goes ([`hides_links`]).

use super::{NearCopy, digest};
use crate::detect::phrases::Family;
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
    /// Carries a file.
    Attachment,
}

/// The phrase families each harm is shown by (wallet addresses, shown passwords and
/// attachments are read from the facts themselves).
const FAMILIES: &[(Harm, &[Family])] = &[
    (Harm::Payment, &[Family::PaymentDemand, Family::GiftCard]),
    (Harm::Wallet, &[Family::Cryptocurrency]),
    (Harm::Credential, &[Family::CredentialAction, Family::PasswordClaim, Family::SensitiveData]),
];

/// The harms a mail shows, as a set of [`Harm`] bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Harms(u8);

impl Harms {
    /// Every bit a stored byte may hold.
    const ALL: u8 = 0b1111;

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
        if !facts.email.attachments.is_empty() {
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
/// phishing rule reads them. A released mail's site there vouches for nothing: the same
/// host serves anyone's page.
pub fn hides_links(facts: &Facts<'_>) -> bool {
    let mut found = Vec::new();
    rules::risky_link_hosts(facts, &mut found);
    !found.is_empty()
}

/// Whether every link of the mail goes to a site `copy`'s mail linked to: a phish copying
/// a newsletter links elsewhere. Read from all the mail's links, not its digest's first
/// [`MAX_SITES`](super::MAX_SITES).
pub fn links_within(facts: &Facts<'_>, copy: &NearCopy) -> bool {
    facts
        .link_hosts
        .iter()
        .all(|host| copy.sites.contains(&digest::hash(url::registrable_domain(host).as_bytes())))
}

/// Whether `mine` shows no harm the `released` mail did not, and carries no attachment.
pub fn no_more_harm(mine: &NearCopy, released: &NearCopy) -> bool {
    let harms = mine.harms.unwrap_or_default();
    !harms.has(Harm::Attachment) && released.harms.is_some_and(|theirs| harms.within(theirs))
}
