//! The phrases of each claim family, in English, Japanese, German and the other languages
//! the corpus showed them in. Read by [`crate::detect::phrases`], which builds one
//! automaton over all of them. A phrase's place in this list is its bit in the findings'
//! set of phrases seen, so the table is read in order, as written. The lists themselves
//! are in three files by what they tell: `extortion`, `phishing` and `voices`.

use crate::detect::phrases::Family;

mod extortion;
mod phishing;
mod voices;

/// Words that turn the warning phrase after them into the scammer's own: a condition ("if
/// you do not pay, the video goes out") or a denial ("this is not a scam", "I am not a
/// scammer"). An awareness phrase right after one of these (in any case) is not counted.
pub const NOT_A_WARNING_AFTER: &[&str] =
    &["if you ", "if you still ", "in case you ", "not a ", "not an ", "isn't a ", "is no ", "no "];

/// Phrases per family, in bit order. ASCII phrases match whole words; a trailing `*` lets
/// the last word run on ("masturbat*" also matches "masturbating"). Japanese phrases match
/// anywhere.
pub const PHRASES: &[(Family, &[&str])] = &[
    (Family::DeviceCompromise, extortion::DEVICE_COMPROMISE),
    (Family::Recording, extortion::RECORDING),
    (Family::AdultContent, extortion::ADULT_CONTENT),
    (Family::DistributionThreat, extortion::DISTRIBUTION_THREAT),
    (Family::PaymentDemand, extortion::PAYMENT_DEMAND),
    (Family::Cryptocurrency, extortion::CRYPTOCURRENCY),
    (Family::Secrecy, extortion::SECRECY),
    (Family::OpenedTracker, extortion::OPENED_TRACKER),
    (Family::PasswordClaim, extortion::PASSWORD_CLAIM),
    (Family::GiftCard, extortion::GIFT_CARD),
    (Family::CredentialAction, phishing::CREDENTIAL_ACTION),
    (Family::AccountThreat, phishing::ACCOUNT_THREAT),
    (Family::SensitiveData, phishing::SENSITIVE_DATA),
    (Family::Urgency, phishing::URGENCY),
    (Family::Lure, phishing::LURE),
    (Family::DeliveryProblem, phishing::DELIVERY_PROBLEM),
    (Family::Windfall, phishing::WINDFALL),
    (Family::Accusation, voices::ACCUSATION),
    (Family::PerpetratorVoice, voices::PERPETRATOR_VOICE),
    (Family::Awareness, voices::AWARENESS),
    (Family::Plea, voices::PLEA),
    (Family::SignOff, voices::SIGN_OFF),
    (Family::Forwarding, voices::FORWARDING),
];
