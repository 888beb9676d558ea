//! Rules for phishing and malware mail, by what they look at: the brand a mail borrows
//! ([`brand`]), where its links go ([`links`]), who sends it ([`sender`]), what it asks
//! for and carries ([`lures`]), and the combinations over all of them ([`combine`]). The
//! lists they read (shorteners, hosting, top-level domains, desk words, attachment
//! endings) are data in [`crate::detect::tables`].

mod brand;
mod claimed;
mod combine;
mod links;
mod lures;
mod sender;

use std::sync::LazyLock;

use regex::Regex;

use super::{Facts, Kind, Signal, SignalId, levels};
use crate::detect::phrases::Family;

pub use brand::{
    addressed_as_brand_customer, impersonates_brand, impersonates_mail_provider, links_avoid_named_brand,
    lookalike_domain, signed_as_brand,
};
pub use claimed::claimed_name_elsewhere;
pub use combine::{phishing_pattern, stacked_tricks};
pub use links::{link_shows_brand_domain, link_text_mismatch, risky_link_hosts};
pub(crate) use lures::sharing_service;
pub use lures::{
    credential_claims, dangerous_attachment, invoice_in_invitation, login_form_in_mail, shared_document_lure,
};
pub use sender::{
    faceless_sender, sender_name_is_other_domain, sender_on_abused_tld, sender_on_throwaway_tenant,
};

/// The claims phishing is written from.
const PHISHING_FAMILIES: [Family; 6] = [
    Family::CredentialAction,
    Family::AccountThreat,
    Family::SensitiveData,
    Family::Urgency,
    Family::Lure,
    Family::DeliveryProblem,
];

/// Text that is nothing but a domain, with an optional scheme and path: a link text or a
/// display name written as a website.
static DOMAIN_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:[/:?#]\S*)?$")
        .expect("domain pattern compiles")
});
