//! Rules on the envelope: forged senders, failed authentication, replies diverted to
//! another domain, and the recipient's own address quoted back at them. These support
//! any category, so they count towards whichever threat the content points to.

use super::{Facts, Signal, SignalId, levels};
use crate::detect::brands;
use crate::mail::url::{domain_of_address, same_site};
use crate::mail::{AuthResult, Envelope};

/// From is the recipient's own address and no DKIM signature vouches for it: extortion
/// mail fakes this to "prove" it has the victim's account ("I sent this from your
/// account").
pub fn self_sent_spoof(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let Some(from) = &email.from else { return };
    let self_sent =
        !from.address.is_empty() && email.to.iter().any(|to| to.address.eq_ignore_ascii_case(&from.address));
    // Any verified signature excuses it, aligned or not: Google Workspace signs for
    // domains that never set up their own key as `<domain>.gappssmtp.com`, and a person
    // copying themselves from such a domain is no spoof (three training list posts).
    if self_sent && facts.authentication.dkim != Some(AuthResult::Pass) {
        out.push(Signal::new(SignalId::SelfSentSpoof, from.address.clone()));
    }
}

/// The receiving server recorded a DMARC or SPF failure (or, weaker, DKIM): the sender
/// is not who the From line says.
pub fn authentication_failed(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let auth = &facts.authentication;
    let failed = |r: Option<AuthResult>| r == Some(AuthResult::Fail);
    let (level, what) = if failed(auth.dmarc) {
        (&levels::DMARC_FAILED, "dmarc=fail")
    } else if failed(auth.spf) {
        (&levels::SPF_FAILED, "spf=fail")
    } else if failed(auth.dkim) {
        (&levels::DKIM_FAILED, "dkim=fail")
    } else {
        return;
    };
    out.push(Signal::at(SignalId::AuthenticationFailed, level, what));
}

/// The From address is on a known brand's own domain, yet no DKIM signature vouches for
/// the mail and the envelope sender that receiving servers checked either is on a domain
/// the brand does not own or is the brand's own with SPF failing (the brand's published
/// servers did not send it): someone else wrote the brand's address on their own mail.
/// This is the alignment DMARC checks, for receivers that record SPF but do not enforce
/// DMARC. A mailing list's own bounce address is not held against the sender.
pub fn forged_brand_address(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let auth = &facts.authentication;
    // The cheap tests first: most mail has no envelope sender recorded, or a signature of
    // its sender's own domain.
    if auth.envelopes.is_empty() || facts.signed_by_senders_site() {
        return;
    }
    let from_domain = facts.sender_domain.as_str();
    // No sender domain, or a free-mail address: a person's, sent through whatever server
    // they use.
    if from_domain.is_empty() || brands::is_free_mail(from_domain) {
        return;
    }
    let Some(brand) = brands::owner_of(from_domain) else { return };
    // A signature verified for the brand's own domains vouches for the mail (an outsourced
    // sender signing for the brand); one for any other domain, the spammer's own, says
    // nothing about the brand's address. A pass that names no signer is believed.
    let unnamed = auth.dkim == Some(AuthResult::Pass) && auth.dkim_domains.is_empty();
    if unnamed || auth.dkim_domains.iter().any(|signer| brand.owns(signer)) {
        return;
    }
    let list_bounces = email.return_path.as_deref().and_then(domain_of_address).filter(|_| email.via_list);
    // A list that rewrote From to its own address sends the mail itself.
    if list_bounces.as_deref().is_some_and(|list| facts.is_senders_site(list)) {
        return;
    }
    let envelopes: Vec<&Envelope> = auth
        .envelopes
        .iter()
        .filter(|e| list_bounces.as_deref().is_none_or(|list| !same_site(list, &e.domain)))
        .collect();
    let aligned = |e: &&Envelope| brand.owns(&e.domain) || facts.is_senders_site(&e.domain);
    let disowned = |e: &&Envelope| matches!(e.spf, AuthResult::Fail | AuthResult::SoftFail);
    let Some(first) = envelopes.first() else { return };
    if envelopes.iter().any(|e| aligned(e) && !disowned(e)) {
        return;
    }
    let evidence = match envelopes.iter().find(|e| aligned(e)) {
        Some(own) => format!(
            "From {from_domain} ({}) but SPF for {} says {}",
            brand.name,
            own.domain,
            own.spf.as_str()
        ),
        None => format!("From {from_domain} ({}) but sent by {}", brand.name, first.domain),
    };
    out.push(Signal::new(SignalId::ForgedBrandAddress, evidence));
}

/// Replies go to another domain than the sender's: the scammer's real mailbox behind a
/// borrowed or forged From.
pub fn reply_to_elsewhere(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((from_domain, domain)) = diverted_replies(facts) {
        out.push(Signal::new(SignalId::ReplyToElsewhere, format!("from {from_domain}, replies to {domain}")));
    }
}

/// The sender's domain and the other domain replies go to, when they differ.
pub(super) fn diverted_replies<'f>(facts: &'f Facts<'_>) -> Option<(&'f str, String)> {
    let from_domain = Some(facts.sender_domain.as_str()).filter(|d| !d.is_empty())?;
    let elsewhere =
        facts.email.reply_to.iter().filter_map(|r| r.domain()).find(|d| !facts.is_senders_site(d))?;
    Some((from_domain, elsewhere))
}

/// How many recipients are looked for in the text.
const MAX_RECIPIENTS_QUOTED: usize = 50;

/// The recipient's address is quoted in the text ("I have access to your account
/// you@example.com"), a bulk-mail trick to look personal.
pub fn recipient_address_in_body(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let text = facts.email.normalized_text.as_bytes();
    // Anchor on each '@' in the text (found with vector instructions) instead of sliding
    // the address over every byte.
    let quoted = |address: &str| {
        let Some(at) = address.find('@') else {
            return false;
        };
        memchr::memchr_iter(b'@', text).any(|position| {
            position
                .checked_sub(at)
                .and_then(|start| text.get(start..start + address.len()))
                .is_some_and(|window| window.eq_ignore_ascii_case(address.as_bytes()))
        })
    };
    // A personal touch is for one recipient; a header listing thousands must not make
    // the search recipients × '@'s long.
    if let Some(to) = facts.email.to.iter().take(MAX_RECIPIENTS_QUOTED).find(|to| quoted(&to.address)) {
        out.push(Signal::new(SignalId::RecipientAddressInBody, to.address.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    #[test]
    fn forged_brand_address_needs_a_brand_domain_an_unrelated_envelope_and_no_dkim_pass() {
        let spf = |envelope: &str| {
            format!("Received-SPF: Pass (mailfrom) identity=mailfrom; envelope-from={envelope}")
        };
        let from = "From: 三井住友カード <info@vpass.ne.jp>\r\nTo: a@b.example";
        let forged = email(&format!("{}\r\n{from}", spf("al@fjdigi.example")), "x");
        assert_eq!(fired(forged_brand_address, &forged), [SignalId::ForgedBrandAddress]);
        // The brand's own servers, or any domain it owns.
        let own = email(&format!("{}\r\n{from}", spf("bounce@mail.smbc-card.com")), "x");
        assert!(fired(forged_brand_address, &own).is_empty());
        // A DKIM signature vouches for the mail (an outsourced sender signing for the brand).
        let signed = email(
            &format!("{}\r\nAuthentication-Results: mx; dkim=pass\r\n{from}", spf("b@esp.example")),
            "x",
        );
        assert!(fired(forged_brand_address, &signed).is_empty());
        let brand_signed = email(
            &format!(
                "{}\r\nAuthentication-Results: mx; dkim=pass header.d=smbc-card.com\r\n{from}",
                spf("b@esp.example")
            ),
            "x",
        );
        assert!(fired(forged_brand_address, &brand_signed).is_empty());
        // A signature for the sender's own domain vouches for nothing of the brand's.
        let self_signed = email(
            &format!(
                "{}\r\nAuthentication-Results: mx; dkim=pass header.d=fjdigi.example\r\n{from}",
                spf("al@fjdigi.example")
            ),
            "x",
        );
        assert_eq!(fired(forged_brand_address, &self_signed), [SignalId::ForgedBrandAddress]);
        // The brand's own envelope domain, but its SPF disowns the server.
        let softfail = email(
            "Received-SPF: Softfail (mailfrom) envelope-from=x@rakuten.co.jp\r\nFrom: 楽天市場 <info@rakuten.co.jp>",
            "x",
        );
        assert_eq!(fired(forged_brand_address, &softfail), [SignalId::ForgedBrandAddress]);
        let neutral = email(
            "Received-SPF: Neutral (mailfrom) envelope-from=x@rakuten.co.jp\r\nFrom: <info@rakuten.co.jp>",
            "x",
        );
        assert!(fired(forged_brand_address, &neutral).is_empty());
        // A person's free-mail address sent through another server is not a brand's.
        let person =
            email(&format!("{}\r\nFrom: Ann <ann@gmail.com>", spf("contact-form@shop.example")), "x");
        assert!(fired(forged_brand_address, &person).is_empty());
        // No envelope recorded, or a sender that is no brand: nothing to compare.
        assert!(fired(forged_brand_address, &email(from, "x")).is_empty());
        let plain = email(&format!("{}\r\nFrom: shop@small.example", spf("x@esp.example")), "x");
        assert!(fired(forged_brand_address, &plain).is_empty());
    }

    #[test]
    fn a_mailing_list_does_not_forge_the_brand_address() {
        // The list's own bounce address is the only unrelated envelope: the list relayed it.
        let relayed = email(
            "Return-Path: <list-bounces@lists.example.org>\r\nList-Id: <dev.lists.example.org>\r\n\
             Received-SPF: pass envelope-from=list-bounces@lists.example.org\r\nFrom: Dev <dev@google.com>",
            "patch",
        );
        assert!(fired(forged_brand_address, &relayed).is_empty());
        // A list that rewrote From to its own address is the sender.
        let rewritten = email(
            "Return-Path: <x+bnc@groups.google.com>\r\nList-Id: <x.groups.google.com>\r\n\
             Authentication-Results: mx; spf=pass smtp.mailfrom=kishon@ti.example\r\n\
             From: 'K' via x <x@groups.google.com>",
            "patch",
        );
        assert!(fired(forged_brand_address, &rewritten).is_empty());
        // Sent to a list by a stranger under the brand's address: the list's record of the
        // stranger sits below the receiving server's, where the sender could have written
        // one too, so it is not believed; the receiving server saw only the list.
        let spf = |envelope: &str| format!("Received-SPF: pass envelope-from={envelope}\r\n");
        let list = "Return-Path: <list-bounces@lists.example.org>\r\nList-Id: <dev.lists.example.org>\r\n";
        let (bounces, stranger) = (spf("list-bounces@lists.example.org"), spf("al@fjdigi.example"));
        let to_list = email(&format!("{list}{bounces}{stranger}From: <info@vpass.ne.jp>"), "x");
        assert!(fired(forged_brand_address, &to_list).is_empty());
        // A stranger the receiving server recorded is held against the mail, list headers
        // or not.
        let direct = email(&format!("{list}{stranger}{bounces}From: <info@vpass.ne.jp>"), "x");
        assert_eq!(fired(forged_brand_address, &direct), [SignalId::ForgedBrandAddress]);
    }

    /// The rule names `rule` gives `email` when the headers of the servers `ids` names
    /// are believed.
    fn fired_trusting(
        rule: crate::detect::rules::Rule,
        email: &crate::mail::Email,
        ids: &[&str],
    ) -> Vec<SignalId> {
        let ids: Vec<_> = ids.iter().map(|id| id.parse().expect("a valid id")).collect();
        let facts = Facts::gather_trusting(email, &ids);
        let mut signals = Vec::new();
        rule(&facts, &mut signals);
        signals.into_iter().map(|s| s.id).collect()
    }

    /// A receiving server's header with no DKIM result, and below it (where the sender's
    /// own headers arrive) a forged one that vouches for the mail.
    const FORGED_PASS_BELOW: &str = "Authentication-Results: mx.google.com; spf=softfail smtp.mailfrom=al@fjdigi.example\r\n\
        Received: from fjdigi.example by mx.google.com\r\n\
        Authentication-Results: mx.google.com.example; dkim=pass header.d=vpass.ne.jp; spf=pass smtp.mailfrom=vpass.ne.jp\r\n";

    #[test]
    fn a_forged_lower_header_with_dkim_pass_excuses_nothing() {
        let spoof = email(&format!("{FORGED_PASS_BELOW}From: me@example.com\r\nTo: me@example.com"), "hi");
        let brand = email(
            &format!("{FORGED_PASS_BELOW}From: 三井住友カード <info@vpass.ne.jp>\r\nTo: a@b.example"),
            "x",
        );
        for ids in [&[][..], &["mx.google.com"]] {
            assert_eq!(fired_trusting(self_sent_spoof, &spoof, ids), [SignalId::SelfSentSpoof], "{ids:?}");
            assert_eq!(
                fired_trusting(forged_brand_address, &brand, ids),
                [SignalId::ForgedBrandAddress],
                "{ids:?}"
            );
        }
        // Believed, the forgery would excuse both.
        let gullible = ["mx.google.com", "mx.google.com.example"];
        assert!(fired_trusting(self_sent_spoof, &spoof, &gullible).is_empty());
        assert!(fired_trusting(forged_brand_address, &brand, &gullible).is_empty());
    }

    #[test]
    fn the_configured_servers_header_is_believed_below_a_local_one() {
        // A local filter (fetchmail into a home server) adds its own header on top; the
        // provider's, configured by id, still vouches for the mail.
        let headers = "Authentication-Results: home.example; dkim=fail header.d=example.com\r\n\
            Authentication-Results: mx.google.com; dkim=pass header.d=example.com\r\n\
            From: me@example.com\r\nTo: me@example.com";
        let note = email(headers, "note to self");
        assert!(fired_trusting(self_sent_spoof, &note, &["mx.google.com"]).is_empty());
        assert_eq!(fired_trusting(self_sent_spoof, &note, &[]), [SignalId::SelfSentSpoof]);
    }

    #[test]
    fn self_sent_spoof_needs_same_address_and_no_dkim_pass() {
        let spoof = email("From: me@example.com\r\nTo: me@example.com", "hi");
        assert_eq!(fired(self_sent_spoof, &spoof), [SignalId::SelfSentSpoof]);
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
        assert_eq!(fired(authentication_failed, &failed), [SignalId::AuthenticationFailed]);
        let passed =
            email("From: a@example.com\r\nAuthentication-Results: mx; spf=pass; dkim=pass; dmarc=pass", "x");
        assert!(fired(authentication_failed, &passed).is_empty());
    }

    #[test]
    fn reply_to_elsewhere_compares_registered_domains() {
        let diverted = email("From: a@bank.example\r\nReply-To: b@free.example", "x");
        assert_eq!(fired(reply_to_elsewhere, &diverted), [SignalId::ReplyToElsewhere]);
        let same = email("From: a@mail.bank.example\r\nReply-To: b@bank.example", "x");
        assert!(fired(reply_to_elsewhere, &same).is_empty());
    }

    #[test]
    fn recipient_address_in_body_matches_case_insensitively() {
        let quoted = email("From: a@x.example\r\nTo: Victim@Example.com", "I own victim@example.com now");
        assert_eq!(fired(recipient_address_in_body, &quoted), [SignalId::RecipientAddressInBody]);
        assert!(
            fired(recipient_address_in_body, &email("From: a@x.example\r\nTo: v@example.com", "hello"))
                .is_empty()
        );
    }
}
