//! The phishing combinations, run after every other rule: kinds of deception counted
//! apart ([`Trick`]), a deception together with a request ([`phishing_pattern`]), and
//! deceptions stacked ([`stacked_tricks`]).

use super::{Facts, Kind, PHISHING_FAMILIES, Signal, SignalId, levels};
use crate::detect::phrases::Family;

/// The kinds of deception, counted apart: two signals about the same borrowed brand are
/// one trick, a borrowed brand and a forged sender are two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trick {
    /// Borrowing a brand or the recipient's mail provider.
    Brand,
    /// Forging or hiding the sender.
    Sender,
    /// Links that hide where they go.
    Links,
    /// Content built to evade filters or to collect credentials in place.
    Content,
}

/// The kind of deception a signal shows, if it shows one: read from its kind in the
/// signal table (a level may change it: a broken DKIM signature alone is only a hint,
/// where a DMARC or SPF failure forges the sender).
fn trick_of(signal: &Signal) -> Option<Trick> {
    match signal.kind() {
        Kind::Impersonation => Some(Trick::Brand),
        Kind::Sender => Some(Trick::Sender),
        Kind::Link => Some(Trick::Links),
        Kind::Evasion => Some(Trick::Content),
        Kind::Narrative
        | Kind::Payment
        | Kind::Pressure
        | Kind::Lure
        | Kind::Attachment
        | Kind::Hint
        | Kind::Pattern
        | Kind::Against => None,
    }
}

/// The distinct kinds of deception among `signals`, with the rules that showed them.
fn tricks(signals: &[Signal]) -> (Vec<Trick>, Vec<SignalId>) {
    let mut kinds = Vec::new();
    let mut rules = Vec::new();
    for signal in signals {
        if let Some(kind) = trick_of(signal) {
            rules.push(signal.id);
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    (kinds, rules)
}

/// The stored names of `ids`, joined for evidence ("impersonates_brand + faceless_sender").
fn names(ids: &[SignalId]) -> String {
    ids.iter().map(|id| id.name()).collect::<Vec<_>>().join(" + ")
}

/// The requests phishing makes: log in, hand over data, claim a reward. Not a payment:
/// its words ("amount", "fee", "payment") are in every bill, and a bill from an accounts
/// desk with a shortened link would then be the pattern.
const REQUESTS: [Family; 3] = [Family::CredentialAction, Family::SensitiveData, Family::Lure];

/// The phishing pattern: deception about sender or links, together with a request to
/// log in, hand over data or claim a reward, and a reason to act (a threatened account,
/// card data). Real services ask people to log in; they do not do it from someone
/// else's domain. Reads the signals the other rules produced.
pub fn phishing_pattern(facts: &Facts<'_>, signals: &[Signal]) -> Option<Signal> {
    let asks = facts.families.count(&REQUESTS) > 0;
    // Haste alone is everyday newsletter language ("today"); it only adds to other claims.
    let claims =
        PHISHING_FAMILIES.into_iter().filter(|&f| f != Family::Urgency && facts.families.has(f)).count();
    let (kinds, rules) = tricks(signals);
    // Two independent tricks leave no innocent reading, so one claim is enough then; a
    // single trick needs the claims to agree.
    let convincing = asks && (kinds.len() >= 2 || (kinds.len() == 1 && claims >= 2));
    convincing.then(|| {
        let level = if claims >= 3 { &levels::PATTERN_THREE_CLAIMS } else { &levels::PATTERN_FEWER_CLAIMS };
        Signal::at(SignalId::PhishingPattern, level, format!("login request with {}", names(&rules)))
    })
}

/// Independent deceptions stacked in one mail (a forged sender and hidden characters, a
/// borrowed brand and an IP-address link): each has innocent explanations, together
/// they have none.
pub fn stacked_tricks(_facts: &Facts<'_>, signals: &[Signal]) -> Option<Signal> {
    let (kinds, rules) = tricks(signals);
    (kinds.len() >= 2).then(|| Signal::new(SignalId::StackedTricks, names(&rules)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::email;

    /// The rules a full classification fired, combinations included.
    fn combined(email: &crate::mail::Email) -> Vec<SignalId> {
        crate::detect::classify(email, &crate::detect::Detector::default())
            .signals
            .iter()
            .map(|s| s.id)
            .collect()
    }

    #[test]
    fn stacked_tricks_counts_kinds_of_deception_not_signals() {
        let two_kinds = email(
            "From: PayPal <x@evil.example>\r\nTo: a@b.example\r\nAuthentication-Results: mx; dmarc=fail",
            "Hello",
        );
        assert!(combined(&two_kinds).contains(&SignalId::StackedTricks));
        let one_kind = email("From: PayPal <x@evil.example>\r\nTo: a@b.example", "see https://evil.example/");
        assert!(!combined(&one_kind).contains(&SignalId::StackedTricks));
    }

    #[test]
    fn phishing_pattern_needs_deception_and_a_login_request() {
        let body = "Your card is suspended. Log in here: https://smbc.example.cn/login";
        let fake = email("From: 三井住友カード <x@example.cn>\r\nTo: a@b.example", body);
        assert!(combined(&fake).contains(&SignalId::PhishingPattern));
        let real = email(
            "From: 三井住友カード <x@smbc-card.com>\r\nTo: a@b.example",
            "Your card is suspended. Log in: https://www.smbc-card.com/",
        );
        assert!(!combined(&real).contains(&SignalId::PhishingPattern));
        // Two tricks and no request: stacked, but no phishing pattern.
        let no_request = email(
            "From: PayPal <x@evil.example>\r\nTo: a@b.example\r\nAuthentication-Results: mx; dmarc=fail",
            "Your account is suspended.",
        );
        assert!(combined(&no_request).contains(&SignalId::StackedTricks));
        assert!(!combined(&no_request).contains(&SignalId::PhishingPattern));
    }

    /// A bill is no request of phishing's: from an accounts desk, with a shortened link
    /// (two tricks), asking for a payment it is stacked tricks, not the pattern; asking
    /// for a login it is.
    #[test]
    fn a_payment_asked_beside_tricks_is_not_the_phishing_pattern() {
        let from = "From: Accounts Team <accounts@plumbing.example>\r\nTo: a@b.example";
        let bill = email(from, "The amount due is 180 GBP. Make the payment here: https://bit.ly/3xYz");
        assert!(combined(&bill).contains(&SignalId::StackedTricks));
        assert!(!combined(&bill).contains(&SignalId::PhishingPattern));
        let login = email(from, "Log in to view your account: https://bit.ly/3xYz");
        assert!(combined(&login).contains(&SignalId::PhishingPattern));
    }

    /// The trick table as it was measured: every rule that shows a deception, and its kind.
    const PINNED: &[(SignalId, Trick)] = &[
        (SignalId::ImpersonatesBrand, Trick::Brand),
        (SignalId::ImpersonatesMailProvider, Trick::Brand),
        (SignalId::LinksAvoidNamedBrand, Trick::Brand),
        (SignalId::LinkShowsBrandDomain, Trick::Brand),
        (SignalId::SenderNameIsOtherDomain, Trick::Brand),
        (SignalId::ClaimedNameElsewhere, Trick::Brand),
        (SignalId::SignedAsBrand, Trick::Brand),
        (SignalId::AddressedAsBrandCustomer, Trick::Brand),
        (SignalId::LookalikeDomain, Trick::Brand),
        (SignalId::SelfSentSpoof, Trick::Sender),
        (SignalId::SenderOnThrowawayTenant, Trick::Sender),
        (SignalId::SenderOnAbusedTld, Trick::Sender),
        (SignalId::FacelessSender, Trick::Sender),
        (SignalId::ForgedBrandAddress, Trick::Sender),
        (SignalId::LinkToIpAddress, Trick::Links),
        (SignalId::LinkToPunycodeDomain, Trick::Links),
        (SignalId::LinkViaShortener, Trick::Links),
        (SignalId::LinkToDisposableHosting, Trick::Links),
        (SignalId::LinkToUnusualPort, Trick::Links),
        (SignalId::LoginFormInMail, Trick::Content),
        (SignalId::SharedDocumentLure, Trick::Content),
        (SignalId::InvoiceInInvitation, Trick::Content),
        (SignalId::HiddenCharacters, Trick::Content),
        (SignalId::HiddenTextInWords, Trick::Content),
        (SignalId::HiddenFiller, Trick::Content),
        (SignalId::PictureInsteadOfText, Trick::Content),
        (SignalId::TextPushedOutOfView, Trick::Content),
        (SignalId::LinkBehindPunctuation, Trick::Content),
        (SignalId::DisguisedLetters, Trick::Content),
        (SignalId::SpacedOutLetters, Trick::Content),
        (SignalId::ConfusableSpelling, Trick::Content),
    ];

    /// The signal `id` at full strength.
    fn shown(id: SignalId) -> Signal {
        match id.def().levels.first() {
            Some(level) => Signal::at(id, level, ""),
            None => Signal::new(id, ""),
        }
    }

    #[test]
    fn every_deception_keeps_its_kind_and_claims_are_none() {
        for &(rule, kind) in PINNED {
            assert_eq!(trick_of(&shown(rule)), Some(kind), "{rule:?}");
        }
        // A forged sender (DMARC, SPF) deceives; a broken DKIM signature alone does not.
        let failed = |level| trick_of(&Signal::at(SignalId::AuthenticationFailed, level, ""));
        assert_eq!(failed(&levels::DMARC_FAILED), Some(Trick::Sender));
        assert_eq!(failed(&levels::SPF_FAILED), Some(Trick::Sender));
        assert_eq!(failed(&levels::DKIM_FAILED), None);
        // Claims, evidence and weak hints are no deception of their own.
        for rule in [
            SignalId::AsksForLogin,
            SignalId::ThreatensAccount,
            SignalId::UrgesHaste,
            SignalId::LinkTextMismatch,
            SignalId::ReplyToElsewhere,
            SignalId::RecipientAddressInBody,
            SignalId::DangerousAttachment,
            SignalId::CryptoWalletVerified,
            SignalId::PhishingPattern,
            SignalId::StackedTricks,
        ] {
            assert_eq!(trick_of(&shown(rule)), None, "{rule:?}");
        }
        // Every other signal of the table is no deception either: the pinned list is all.
        for row in crate::detect::signals::SIGNALS {
            let pinned =
                PINNED.iter().any(|(id, _)| *id == row.id) || row.id == SignalId::AuthenticationFailed;
            assert_eq!(trick_of(&shown(row.id)).is_some(), pinned, "{:?}", row.id);
        }
    }

    #[test]
    fn tricks_are_counted_by_kind_with_every_rule_that_showed_one() {
        let signals = [
            shown(SignalId::ImpersonatesBrand),
            shown(SignalId::AsksForLogin),
            shown(SignalId::LookalikeDomain),
            shown(SignalId::FacelessSender),
        ];
        let (kinds, rules) = tricks(&signals);
        assert_eq!(kinds, [Trick::Brand, Trick::Sender]);
        assert_eq!(rules, [SignalId::ImpersonatesBrand, SignalId::LookalikeDomain, SignalId::FacelessSender]);
        // The explanation names them, in that order, by their stored names.
        let stacked = stacked_tricks(&Facts::gather(&email("From: a@b.example", "hi")), &signals);
        let evidence = stacked.map(|s| s.evidence).unwrap_or_default();
        assert_eq!(evidence, "impersonates_brand + lookalike_domain + faceless_sender");
    }
}
