//! Phishing rules about who sends: a display name written as another domain, throwaway
//! Microsoft 365 and help-desk tenants, a faceless desk as the sender's name, and the
//! most-abused cheap top-level domains.

use super::{DOMAIN_LIKE, Facts, Signal, SignalId};
use crate::detect::brands;
use crate::detect::tables::{ABUSED_TLDS, DESK_WORDS, GATEKEEPER_WORDS, HELPDESK_PLATFORMS, NAME_TLDS};
use crate::mail::AuthResult;
use crate::mail::url::registered_name;

/// The sender's display name is nothing but a domain ("Celsius.Network", "Amazon.co.jp")
/// and the mail comes from another one. A name written as a website claims to be that
/// website; senders that are one send from it (or from a domain of the same brand).
pub fn sender_name_is_other_domain(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let name = facts.email.normalized_sender_name.trim();
    if !name.contains('.') {
        return;
    }
    let name = name.to_ascii_lowercase();
    let tld = name.rsplit('.').next().unwrap_or_default();
    let plausible = tld.len() == 2 || NAME_TLDS.contains(&tld);
    if !plausible || !DOMAIN_LIKE.is_match(&name) || name.contains("://") || name.contains('/') {
        return;
    }
    let sender = facts.sender_domain.as_str();
    if sender.is_empty() || facts.is_senders_site(&name) {
        return;
    }
    if brands::owner_of(&name).is_some_and(|brand| brand.owns(sender)) {
        return;
    }
    // The same name under another top-level domain ("eBay.de" from ebay.com) is the same
    // company's national site; a known brand's name is judged by impersonates_brand.
    if registered_name(&name) == registered_name(sender) {
        return;
    }
    let evidence = format!("sender name \"{name}\" but mail is from {sender}");
    out.push(Signal::new(SignalId::SenderNameIsOtherDomain, evidence));
}

/// Sent from a platform's throwaway tenant: the default domain of a Microsoft 365 tenant
/// (`name.onmicrosoft.com`), which organisations replace with their own, or a help-desk
/// subdomain whose name has nothing to do with the sender's name ("Trust Wallet Support"
/// on `efomzyit.zendesk.com`). Anyone can open either in minutes. Also mail from another
/// domain that such a tenant signed ("wearedesign.com.mx" signed by
/// `4riverscareeracademy.onmicrosoft.com`): an organisation's tenant is named after it,
/// so a stranger's tenant signing is someone else's account sending. A tenant named
/// exactly as the sender's domain is the sender's, however short the name (`fb.com`
/// signed by `fb.onmicrosoft.com`); a signature of the sender's own domain beside a
/// stranger's tenant excuses nothing, since whoever sends can sign a domain of their own.
pub fn sender_on_throwaway_tenant(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let domain = facts.sender_domain.as_str();
    if domain.ends_with(".onmicrosoft.com") {
        out.push(Signal::new(SignalId::SenderOnThrowawayTenant, domain));
        return;
    }
    let sender_label = registered_name(domain);
    let stranger_signed = facts.authentication.dkim_domains.iter().find(|signer| {
        signer
            .strip_suffix(".onmicrosoft.com")
            .is_some_and(|tenant| tenant != sender_label && !name_matches_tenant(sender_label, tenant))
    });
    if !domain.is_empty()
        && let Some(signer) = stranger_signed
    {
        let evidence = format!("mail from {domain} signed by the tenant {signer}");
        out.push(Signal::new(SignalId::SenderOnThrowawayTenant, evidence));
        return;
    }
    let Some(tenant) = HELPDESK_PLATFORMS.iter().find_map(|p| domain.strip_suffix(p)) else { return };
    let tenant = tenant.rsplit('.').next().unwrap_or(tenant);
    let name = &facts.email.normalized_sender_name;
    if !name_matches_tenant(name, tenant) {
        let evidence = format!("\"{name}\" sends from the help-desk tenant {domain}");
        out.push(Signal::new(SignalId::SenderOnThrowawayTenant, evidence));
    }
}

/// Whether any word of a display name is the tenant's name or starts like it
/// ("Acme Support" and `acme` or `acmecorp`).
fn name_matches_tenant(name: &str, tenant: &str) -> bool {
    let tenant: String = tenant.chars().filter(char::is_ascii_alphanumeric).collect();
    name.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3).any(|word| {
        let word = word.to_lowercase();
        let common = word.chars().zip(tenant.chars()).take_while(|(a, b)| a == b).count();
        tenant.contains(&word) || common >= 4.min(word.len())
    })
}

/// A sender name that is a desk and no organisation: "Security Team", "IT Helpdesk",
/// "Webmail Administrator". Real teams sign with their company's name ("Ledger Security
/// Team"); a faceless desk lets the reader fill in whose it is, usually their own
/// employer's or mail provider's.
pub fn faceless_sender(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let name = facts.email.normalized_sender_name.to_lowercase();
    let mut words = name.split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|w| !w.is_empty());
    let gatekeeper = |w: &str| {
        GATEKEEPER_WORDS.contains(&w.strip_suffix('s').unwrap_or(w)) || GATEKEEPER_WORDS.contains(&w)
    };
    let faceless = words.clone().next().is_some()
        && words.clone().all(|w| DESK_WORDS.contains(&w))
        && words.any(gatekeeper);
    if !faceless {
        return;
    }
    // The recipient's own IT desk writing inside the organisation needs no company name.
    let internal =
        facts.email.to.iter().filter_map(|to| to.domain()).any(|domain| facts.is_senders_site(&domain));
    if internal && facts.authentication.dmarc != Some(AuthResult::Fail) {
        return;
    }
    let evidence = format!("\"{}\" names no organisation", facts.email.normalized_sender_name);
    out.push(Signal::new(SignalId::FacelessSender, evidence));
}

/// The sender, or the address replies go to, is on one of [`ABUSED_TLDS`]. Weak alone:
/// some honest sites live there too, but nearly no organisation that sends account mail.
pub fn sender_on_abused_tld(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let mut addresses = email.from.iter().chain(&email.reply_to).map(|m| m.address.as_str());
    let on_abused = addresses.find(|address| {
        let tld = address.rsplit('.').next().unwrap_or_default().trim_end_matches('>');
        address.contains('@') && ABUSED_TLDS.iter().any(|abused| abused.eq_ignore_ascii_case(tld))
    });
    if let Some(address) = on_abused {
        let domain = crate::mail::url::domain_of_address(address).unwrap_or_default();
        out.push(Signal::new(SignalId::SenderOnAbusedTld, domain));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    #[test]
    fn a_sender_name_written_as_another_domain_fires() {
        let run = |from: &str| fired(sender_name_is_other_domain, &email(&format!("From: {from}"), "Hello"));
        assert_eq!(
            run("\"Celsius.Network\" <claims@es.mailer.example>"),
            [SignalId::SenderNameIsOtherDomain]
        );
        assert_eq!(run("\"Amazon.co.jp\" <support@service.example.cn>"), [SignalId::SenderNameIsOtherDomain]);
        // The site itself, a domain of the same brand, a name with words around the
        // domain, and a person's initial are not.
        assert!(run("\"Booking.com\" <noreply@mail.booking.com>").is_empty());
        assert!(run("\"Amazon.co.jp\" <store-news@amazon.com>").is_empty());
        assert!(run("\"CNET News.com Daily Dispatch\" <online@newsletter.online.example>").is_empty());
        assert!(run("\"J.Smith\" <john@example.org>").is_empty());
        assert!(run("\"Shopname.de\" <orders@shopname.com>").is_empty(), "a national site of the same name");
    }

    #[test]
    fn sender_on_throwaway_tenant_reads_the_from_domain() {
        let tenant = email("From: Support <help@x7kq2.onmicrosoft.com>", "hello");
        assert_eq!(fired(sender_on_throwaway_tenant, &tenant), [SignalId::SenderOnThrowawayTenant]);
        assert!(fired(sender_on_throwaway_tenant, &email("From: help@microsoft.com", "hello")).is_empty());
        let stranger = email("From: Trust Wallet Support <support@efomzyit.zendesk.com>", "hello");
        assert_eq!(fired(sender_on_throwaway_tenant, &stranger), [SignalId::SenderOnThrowawayTenant]);
        let customer = email("From: Acme Support <support@acmecorp.zendesk.com>", "hello");
        assert!(fired(sender_on_throwaway_tenant, &customer).is_empty());
        let signed = |from: &str, tenant: &str| {
            let headers = format!("Authentication-Results: mx; dkim=pass header.d={tenant}\r\nFrom: {from}");
            fired(sender_on_throwaway_tenant, &email(&headers, "hello"))
        };
        assert_eq!(
            signed("news@wearedesign.example.mx", "4riverscareeracademy.onmicrosoft.com"),
            [SignalId::SenderOnThrowawayTenant]
        );
        assert!(signed("ops@equinix.example", "equinixinc.onmicrosoft.com").is_empty(), "its own tenant");
        assert!(signed("dev@fb.example", "fb.onmicrosoft.com").is_empty(), "a short name, the sender's own");
        assert_eq!(
            signed("dev@fb.example", "fb.example; dkim=pass header.d=x7kq2.onmicrosoft.com"),
            [SignalId::SenderOnThrowawayTenant],
            "the sender's own signature beside a stranger's tenant excuses nothing"
        );
    }

    #[test]
    fn a_sender_name_that_is_only_a_gatekeeping_desk_fires() {
        let run = |from: &str| fired(faceless_sender, &email(&format!("From: {from}"), "Hello"));
        for name in ["Security Team", "IT Helpdesk", "Webmail Administrator", "Account Services"] {
            assert_eq!(run(&format!("\"{name}\" <x@desk.example>")), [SignalId::FacelessSender], "{name}");
        }
        for name in
            ["Ledger Security Team", "Customer Service", "Mail Delivery System", "Support", "Anna Berg"]
        {
            assert!(run(&format!("\"{name}\" <x@desk.example>")).is_empty(), "{name}");
        }
        assert!(run("x@desk.example").is_empty());
        let internal =
            email("From: \"IT Service Desk\" <desk@corp.example>\r\nTo: taro@corp.example", "Hello");
        assert!(fired(faceless_sender, &internal).is_empty(), "the organisation's own desk");
    }

    #[test]
    fn senders_and_reply_addresses_on_abused_top_level_domains_fire() {
        let run = |headers: &str| fired(sender_on_abused_tld, &email(headers, "Hello"));
        assert_eq!(run("From: kenneth@mail.example.cfd"), [SignalId::SenderOnAbusedTld]);
        assert_eq!(
            run("From: a@shop.example\r\nReply-To: admin@x.example.hair"),
            [SignalId::SenderOnAbusedTld]
        );
        assert!(run("From: a@shop.example.com\r\nReply-To: b@shop.example.org").is_empty());
        assert!(run("From: a@topics.example.net").is_empty());
    }

    #[test]
    fn a_sender_name_with_words_or_a_path_or_no_sending_domain_is_not_a_website() {
        let run = |from: &str| fired(sender_name_is_other_domain, &email(&format!("From: {from}"), "Hello"));
        assert!(run("\"Acme Store.com\" <news@mailer.example>").is_empty(), "words around the domain");
        assert!(run("\"shop.example/sale.jp\" <news@mailer.example>").is_empty(), "a path");
        assert!(run("\"Celsius.Network\" <claims>").is_empty(), "no sending domain to compare");
    }

    #[test]
    fn a_help_desk_tenant_named_inside_the_sender_name_is_the_senders() {
        let run = |from: &str| fired(sender_on_throwaway_tenant, &email(&format!("From: {from}"), "hello"));
        assert!(run("Acme Support <support@theacmegroup.zendesk.com>").is_empty());
        assert_eq!(run("Acme Support <support@zqxv.zendesk.com>"), [SignalId::SenderOnThrowawayTenant]);
    }

    #[test]
    fn a_plural_gatekeeper_word_is_a_gatekeeper() {
        let run =
            |name: &str| fired(faceless_sender, &email(&format!("From: \"{name}\" <x@desk.example>"), "Hi"));
        assert_eq!(run("Accounts Team"), [SignalId::FacelessSender]);
        assert!(run("Customer Services").is_empty());
    }
}
