//! Rules on the envelope: forged senders, failed authentication, replies diverted to
//! another domain, and the recipient's own address quoted back at them. These support
//! any category, so they count towards whichever threat the content points to.

use super::{Category, Facts, Signal, signal};
use crate::mail::AuthResult;
use crate::mail::url::registrable_domain;

/// From is the recipient's own address and no DKIM signature vouches for it: extortion
/// mail fakes this to "prove" it has the victim's account ("I sent this from your
/// account").
pub fn self_sent_spoof(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let Some(from) = &email.from else { return };
    let self_sent =
        !from.address.is_empty() && email.to.iter().any(|to| to.address.eq_ignore_ascii_case(&from.address));
    if self_sent && email.authentication.dkim != Some(AuthResult::Pass) {
        out.push(signal("self_sent_spoof", 2.0, Category::Other, from.address.clone()));
    }
}

/// The receiving server recorded a DMARC or SPF failure (or, weaker, DKIM): the sender
/// is not who the From line says.
pub fn authentication_failed(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let auth = &facts.email.authentication;
    let failed = |r: Option<AuthResult>| r == Some(AuthResult::Fail);
    let (weight, what) = if failed(auth.dmarc) {
        (1.5, "dmarc=fail")
    } else if failed(auth.spf) {
        (1.0, "spf=fail")
    } else if failed(auth.dkim) {
        (0.5, "dkim=fail")
    } else {
        return;
    };
    out.push(signal("authentication_failed", weight, Category::Other, what));
}

/// Replies go to another domain than the sender's: the scammer's real mailbox behind a
/// borrowed or forged From.
pub fn reply_to_elsewhere(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((from_domain, domain)) = diverted_replies(facts.email) {
        out.push(signal(
            "reply_to_elsewhere",
            0.5,
            Category::Other,
            format!("from {from_domain}, replies to {domain}"),
        ));
    }
}

/// The sender's domain and the other domain replies go to, when they differ.
pub(super) fn diverted_replies(email: &crate::mail::Email) -> Option<(String, String)> {
    let from_domain = email.from.as_ref().and_then(|f| f.domain())?;
    let elsewhere = email
        .reply_to
        .iter()
        .filter_map(|r| r.domain())
        .find(|d| registrable_domain(d) != registrable_domain(&from_domain))?;
    Some((from_domain, elsewhere))
}

/// The recipient's address is quoted in the text ("I have access to your account
/// you@example.com"), a bulk-mail trick to look personal.
pub fn recipient_address_in_body(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let text = facts.email.normalized_text.as_str();
    // Anchor on each '@' in the text instead of sliding the address over every byte.
    let quoted = |address: &str| {
        let Some(at) = address.find('@') else {
            return false;
        };
        text.match_indices('@').any(|(position, _)| {
            position
                .checked_sub(at)
                .and_then(|start| text.as_bytes().get(start..start + address.len()))
                .is_some_and(|window| window.eq_ignore_ascii_case(address.as_bytes()))
        })
    };
    if let Some(to) = facts.email.to.iter().find(|to| quoted(&to.address)) {
        out.push(signal("recipient_address_in_body", 0.5, Category::Other, to.address.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    #[test]
    fn self_sent_spoof_needs_same_address_and_no_dkim_pass() {
        let spoof = email("From: me@example.com\r\nTo: me@example.com", "hi");
        assert_eq!(fired(self_sent_spoof, &spoof), ["self_sent_spoof"]);
        let signed = email(
            "From: me@example.com\r\nTo: me@example.com\r\nAuthentication-Results: mx; dkim=pass header.d=example.com",
            "note to self",
        );
        assert!(fired(self_sent_spoof, &signed).is_empty());
        assert!(fired(self_sent_spoof, &email("From: a@example.com\r\nTo: b@example.com", "hi")).is_empty());
    }

    #[test]
    fn authentication_failed_reads_the_results_header() {
        let failed = email("From: a@example.com\r\nAuthentication-Results: mx; spf=fail; dmarc=fail", "x");
        assert_eq!(fired(authentication_failed, &failed), ["authentication_failed"]);
        let passed =
            email("From: a@example.com\r\nAuthentication-Results: mx; spf=pass; dkim=pass; dmarc=pass", "x");
        assert!(fired(authentication_failed, &passed).is_empty());
    }

    #[test]
    fn reply_to_elsewhere_compares_registered_domains() {
        let diverted = email("From: a@bank.example\r\nReply-To: b@free.example", "x");
        assert_eq!(fired(reply_to_elsewhere, &diverted), ["reply_to_elsewhere"]);
        let same = email("From: a@mail.bank.example\r\nReply-To: b@bank.example", "x");
        assert!(fired(reply_to_elsewhere, &same).is_empty());
    }

    #[test]
    fn recipient_address_in_body_matches_case_insensitively() {
        let quoted = email("From: a@x.example\r\nTo: Victim@Example.com", "I own victim@example.com now");
        assert_eq!(fired(recipient_address_in_body, &quoted), ["recipient_address_in_body"]);
        assert!(
            fired(recipient_address_in_body, &email("From: a@x.example\r\nTo: v@example.com", "hello"))
                .is_empty()
        );
    }
}
