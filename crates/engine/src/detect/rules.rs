//! The detection rules, each a named function from [`Facts`] to signals.
//!
//! Rules are grouped by the threat they recognise; [`RULES`] is the list the classifier
//! runs. A rule says which signal of [`super::signals::SIGNALS`] fired (at which of its
//! levels) and why; it never names a weight or a category, which are the table's.
//! Single claims weigh little: the weight sits in the signals that recognise claims
//! occurring together (a wallet, a demand and a story about a hacked webcam), which is
//! what separates a scam from a newsletter or an advisory that talks about one.

mod demand;
mod evasion;
mod extortion;
mod fraud;
mod headers;
mod phishing;

/// Links whose host hides where they go (per-account learning asks it of a released mail's copy).
pub(crate) use extortion::STORY_FAMILIES;
pub(crate) use phishing::risky_link_hosts;
/// Whose notification a mail is, when a sharing service's (its text is a stranger's).
pub(crate) use phishing::sharing_service;

use super::signals::levels;
use super::{Facts, Kind, Signal, SignalId};

pub use extortion::shown_password;

/// A rule adds zero or more signals for one message.
pub type Rule = fn(&Facts<'_>, &mut Vec<Signal>);

/// A combination rule reads what the rules found and may add one signal on top.
pub type Combination = fn(&Facts<'_>, &[Signal]) -> Option<Signal>;

/// Rules over the other rules' signals, run after [`RULES`].
pub const COMBINATIONS: &[Combination] = &[phishing::phishing_pattern, phishing::stacked_tricks];

/// Every rule the classifier runs, in the order their signals are listed.
pub const RULES: &[Rule] = &[
    extortion::verified_wallet,
    extortion::unverified_wallet,
    extortion::split_wallet,
    extortion::narrative_claims,
    extortion::payment_deadline,
    extortion::extortion_narrative,
    demand::crypto_payment_demand,
    extortion::shows_password,
    extortion::police_impersonation,
    extortion::warns_about_scams,
    phishing::impersonates_brand,
    phishing::sender_name_is_other_domain,
    phishing::claimed_name_elsewhere,
    phishing::signed_as_brand,
    phishing::addressed_as_brand_customer,
    phishing::links_avoid_named_brand,
    phishing::impersonates_mail_provider,
    phishing::link_shows_brand_domain,
    phishing::link_text_mismatch,
    phishing::lookalike_domain,
    phishing::risky_link_hosts,
    phishing::credential_claims,
    phishing::login_form_in_mail,
    phishing::sender_on_throwaway_tenant,
    phishing::sender_on_abused_tld,
    phishing::faceless_sender,
    phishing::shared_document_lure,
    phishing::invoice_in_invitation,
    phishing::dangerous_attachment,
    headers::self_sent_spoof,
    headers::authentication_failed,
    headers::forged_brand_address,
    headers::reply_to_elsewhere,
    headers::recipient_address_in_body,
    fraud::advance_fee_offer,
    fraud::crypto_windfall,
    evasion::hidden_characters,
    evasion::hidden_text_in_words,
    evasion::hidden_filler,
    evasion::picture_instead_of_text,
    evasion::text_pushed_out_of_view,
    evasion::link_behind_punctuation,
    evasion::disguised_letters,
    evasion::spaced_out_letters,
    evasion::confusable_spelling,
];

#[cfg(test)]
pub(crate) mod test_support {
    use crate::detect::{Facts, Signal, SignalId};
    use crate::mail::{self, Email};

    /// Parses a message built from headers and a plain-text body.
    pub fn email(headers: &str, body: &str) -> Email {
        let raw = format!("{headers}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}");
        mail::parse(raw.as_bytes()).expect("test mail parses")
    }

    /// Parses a message from a@b.example with an HTML body.
    pub fn html_email(body: &str) -> Email {
        let raw = format!("From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}");
        mail::parse(raw.as_bytes()).expect("test mail parses")
    }

    /// Runs one rule over a message and returns the signals it produced.
    pub fn fired(rule: super::Rule, email: &Email) -> Vec<SignalId> {
        let facts = Facts::gather(email);
        let mut signals: Vec<Signal> = Vec::new();
        rule(&facts, &mut signals);
        signals.into_iter().map(|s| s.id).collect()
    }
}
