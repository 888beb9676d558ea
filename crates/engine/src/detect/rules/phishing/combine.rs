//! The phishing combinations, run after every other rule: kinds of deception counted
//! apart ([`Trick`]), a deception together with a request ([`phishing_pattern`]), and
//! deceptions stacked ([`stacked_tricks`]).

use super::{Category, Facts, PHISHING_FAMILIES, Signal, signal};
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

/// The kind of deception a signal shows, if it shows one.
fn trick_of(signal: &Signal) -> Option<Trick> {
    match signal.rule {
        "impersonates_brand"
        | "impersonates_mail_provider"
        | "links_avoid_named_brand"
        | "link_shows_brand_domain"
        | "sender_name_is_other_domain"
        | "signed_as_brand"
        | "lookalike_domain" => Some(Trick::Brand),
        // A forged sender (DMARC or SPF failure) deceives; a broken DKIM signature alone may not.
        "authentication_failed" if signal.weight >= 1.0 => Some(Trick::Sender),
        "self_sent_spoof"
        | "sender_on_throwaway_tenant"
        | "sender_on_abused_tld"
        | "faceless_sender"
        | "forged_brand_address" => Some(Trick::Sender),
        "link_to_ip_address"
        | "link_to_punycode_domain"
        | "link_via_shortener"
        | "link_to_disposable_hosting"
        | "link_to_unusual_port" => Some(Trick::Links),
        "login_form_in_mail"
        | "shared_document_lure"
        | "invoice_in_invitation"
        | "hidden_characters"
        | "hidden_text_in_words"
        | "hidden_filler"
        | "text_pushed_out_of_view"
        | "link_behind_punctuation"
        | "disguised_letters"
        | "spaced_out_letters"
        | "confusable_spelling" => Some(Trick::Content),
        _ => None,
    }
}

/// The distinct kinds of deception among `signals`, with the rules that showed them.
fn tricks(signals: &[Signal]) -> (Vec<Trick>, Vec<&'static str>) {
    let mut kinds = Vec::new();
    let mut rules = Vec::new();
    for signal in signals {
        if let Some(kind) = trick_of(signal) {
            rules.push(signal.rule);
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    (kinds, rules)
}

/// The phishing pattern: deception about sender or links, together with a request to
/// log in, hand over data or claim a reward, and a reason to act (a threatened account,
/// card data). Real services ask people to log in; they do not do it from someone
/// else's domain. Reads the signals the other rules produced.
pub fn phishing_pattern(facts: &Facts<'_>, signals: &[Signal]) -> Option<Signal> {
    let asks = facts.families.count(&[Family::CredentialAction, Family::SensitiveData, Family::Lure]) > 0;
    // Haste alone is everyday newsletter language ("today"); it only adds to other claims.
    let claims =
        PHISHING_FAMILIES.into_iter().filter(|&f| f != Family::Urgency && facts.families.has(f)).count();
    let (kinds, rules) = tricks(signals);
    // Two independent tricks leave no innocent reading, so one claim is enough then; a
    // single trick needs the claims to agree.
    let convincing = asks && (kinds.len() >= 2 || (kinds.len() == 1 && claims >= 2));
    convincing.then(|| {
        let weight = if claims >= 3 { 4.0 } else { 3.5 };
        signal(
            "phishing_pattern",
            weight,
            Category::Phishing,
            format!("login request with {}", rules.join(" + ")),
        )
    })
}

/// Independent deceptions stacked in one mail (a forged sender and hidden characters, a
/// borrowed brand and an IP-address link): each has innocent explanations, together
/// they have none.
pub fn stacked_tricks(_facts: &Facts<'_>, signals: &[Signal]) -> Option<Signal> {
    let (kinds, rules) = tricks(signals);
    (kinds.len() >= 2).then(|| signal("stacked_tricks", 1.5, Category::Phishing, rules.join(" + ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::email;

    /// The rules a full classification fired, combinations included.
    fn combined(email: &crate::mail::Email) -> Vec<&'static str> {
        crate::detect::classify(email, &crate::detect::Detector::default())
            .signals
            .iter()
            .map(|s| s.rule)
            .collect()
    }

    #[test]
    fn stacked_tricks_counts_kinds_of_deception_not_signals() {
        let two_kinds = email(
            "From: PayPal <x@evil.example>\r\nTo: a@b.example\r\nAuthentication-Results: mx; dmarc=fail",
            "Hello",
        );
        assert!(combined(&two_kinds).contains(&"stacked_tricks"));
        let one_kind = email("From: PayPal <x@evil.example>\r\nTo: a@b.example", "see https://evil.example/");
        assert!(!combined(&one_kind).contains(&"stacked_tricks"));
    }

    #[test]
    fn phishing_pattern_needs_deception_and_a_login_request() {
        let body = "Your card is suspended. Log in here: https://smbc.example.cn/login";
        let fake = email("From: 三井住友カード <x@example.cn>\r\nTo: a@b.example", body);
        assert!(combined(&fake).contains(&"phishing_pattern"));
        let real = email(
            "From: 三井住友カード <x@smbc-card.com>\r\nTo: a@b.example",
            "Your card is suspended. Log in: https://www.smbc-card.com/",
        );
        assert!(!combined(&real).contains(&"phishing_pattern"));
        // Two tricks and no request: stacked, but no phishing pattern.
        let no_request = email(
            "From: PayPal <x@evil.example>\r\nTo: a@b.example\r\nAuthentication-Results: mx; dmarc=fail",
            "Your account is suspended.",
        );
        assert!(combined(&no_request).contains(&"stacked_tricks"));
        assert!(!combined(&no_request).contains(&"phishing_pattern"));
    }

    /// The trick table as it was measured: every rule that shows a deception, and its kind.
    const PINNED: &[(&str, Trick)] = &[
        ("impersonates_brand", Trick::Brand),
        ("impersonates_mail_provider", Trick::Brand),
        ("links_avoid_named_brand", Trick::Brand),
        ("link_shows_brand_domain", Trick::Brand),
        ("sender_name_is_other_domain", Trick::Brand),
        ("signed_as_brand", Trick::Brand),
        ("lookalike_domain", Trick::Brand),
        ("self_sent_spoof", Trick::Sender),
        ("sender_on_throwaway_tenant", Trick::Sender),
        ("sender_on_abused_tld", Trick::Sender),
        ("faceless_sender", Trick::Sender),
        ("forged_brand_address", Trick::Sender),
        ("link_to_ip_address", Trick::Links),
        ("link_to_punycode_domain", Trick::Links),
        ("link_via_shortener", Trick::Links),
        ("link_to_disposable_hosting", Trick::Links),
        ("link_to_unusual_port", Trick::Links),
        ("login_form_in_mail", Trick::Content),
        ("shared_document_lure", Trick::Content),
        ("invoice_in_invitation", Trick::Content),
        ("hidden_characters", Trick::Content),
        ("hidden_text_in_words", Trick::Content),
        ("hidden_filler", Trick::Content),
        ("text_pushed_out_of_view", Trick::Content),
        ("link_behind_punctuation", Trick::Content),
        ("disguised_letters", Trick::Content),
        ("spaced_out_letters", Trick::Content),
        ("confusable_spelling", Trick::Content),
    ];

    fn shown(rule: &'static str, weight: f32) -> Signal {
        signal(rule, weight, Category::Phishing, "")
    }

    #[test]
    fn every_deception_keeps_its_kind_and_claims_are_none() {
        for &(rule, kind) in PINNED {
            assert_eq!(trick_of(&shown(rule, 1.0)), Some(kind), "{rule}");
        }
        // A forged sender (DMARC, SPF) deceives; a broken DKIM signature alone does not.
        assert_eq!(trick_of(&shown("authentication_failed", 1.5)), Some(Trick::Sender));
        assert_eq!(trick_of(&shown("authentication_failed", 1.0)), Some(Trick::Sender));
        assert_eq!(trick_of(&shown("authentication_failed", 0.5)), None);
        // Claims, evidence and weak hints are no deception of their own.
        for rule in [
            "asks_for_login",
            "threatens_account",
            "urges_haste",
            "link_text_mismatch",
            "reply_to_elsewhere",
            "recipient_address_in_body",
            "dangerous_attachment",
            "crypto_wallet_verified",
            "phishing_pattern",
            "stacked_tricks",
        ] {
            assert_eq!(trick_of(&shown(rule, 3.0)), None, "{rule}");
        }
    }

    #[test]
    fn tricks_are_counted_by_kind_with_every_rule_that_showed_one() {
        let signals = [
            shown("impersonates_brand", 3.0),
            shown("asks_for_login", 0.5),
            shown("lookalike_domain", 3.0),
            shown("faceless_sender", 1.0),
        ];
        let (kinds, rules) = tricks(&signals);
        assert_eq!(kinds, [Trick::Brand, Trick::Sender]);
        assert_eq!(rules, ["impersonates_brand", "lookalike_domain", "faceless_sender"]);
    }
}
