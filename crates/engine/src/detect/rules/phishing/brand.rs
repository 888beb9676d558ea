//! Phishing rules about the brand a mail borrows: a brand named in the sender or subject
//! that the sending domain does not belong to, links that avoid the brand they name, a
//! letter signed in a brand's name, the recipient's own mail provider posed as, and
//! domains made to look like a brand's.

use super::{Facts, Signal, SignalId, levels};
use crate::detect::brands::{self, Brand};
use crate::detect::phrases::Family;
use crate::detect::tables::brands::{FREE_MAIL_DOMAINS, SIGNS_CUSTOMERS_MAIL};
use crate::mail::Shown;
use crate::mail::url::registrable_domain;

/// Brands the mail claims to come from (display name first, then subject) that its
/// sending domain does not belong to. A forward's subject is the forwarded mail's: a
/// brand named there is not borrowed when the forwarded mail came from the brand. Nor is
/// a brand whose own registered domain signed the mail (DKIM, as the trusted server
/// verified it): a mailing list that rewrites the From of a brand's mail ("Gmail Team via
/// a-list <a-list@lists.example>") sends the brand's own message under the list's
/// address. A name under the brand's domain is not the brand's signature (Microsoft
/// hands every customer's tenant one, `anyone.onmicrosoft.com`), and nor is a domain that
/// signs anyone's mail: free mail (`gmail.com`) and a brand's sending service for its
/// customers (`amazonses.com`).
fn borrowed_brands<'a>(facts: &'a Facts<'_>) -> impl Iterator<Item = (&'static Brand, bool)> + 'a {
    let domain = facts.sender_domain.as_str();
    let in_sender = facts.brands_in_sender.iter().map(|b| (*b, true));
    let in_subject = facts.brands_in_subject.iter().map(|b| (*b, false));
    in_sender.chain(in_subject).filter(move |&(brand, in_sender)| {
        !brand.owns(domain)
            && !signed_by_brand(facts, brand)
            && (in_sender || !(forwarded_from(facts, brand) || topic_of(facts)))
    })
}

/// Whether the brand's own registered domain signed the mail (DKIM, as the trusted server
/// verified it), and signs only what the brand writes.
fn signed_by_brand(facts: &Facts<'_>, brand: &Brand) -> bool {
    facts.authentication.dkim_domains.iter().any(|signer| {
        registrable_domain(signer) == signer && signs_only_its_own(signer) && brand.owns(signer)
    })
}

/// Whether a brand the subject names is the topic of mail from an honest sender: one whose
/// own site signed the mail and whose name that site bears out ("Capital One Shopping"
/// from `capitaloneshopping.com`, "Use your rewards at Lowe's"). A shop, a cashback
/// service or a newsletter names other companies in its subject; it does not pose as them.
/// Not on a domain anyone can have a name under (a Microsoft 365 tenant "Parcel Track" at
/// `parceltrack.onmicrosoft.com`), and not about a parcel held up: that is the carrier's
/// own news to give ("DHL: your parcel is on hold").
fn topic_of(facts: &Facts<'_>) -> bool {
    facts.signed_by_senders_site()
        && !brands::is_shared_domain(&facts.sender_domain)
        && !facts.families.has(Family::DeliveryProblem)
        && super::claimed::sender_named_by_own_domain(facts)
}

/// Whether `signer` signs only mail its owner writes: not free mail, not a sending service.
fn signs_only_its_own(signer: &str) -> bool {
    !FREE_MAIL_DOMAINS.contains(&signer) && !SIGNS_CUSTOMERS_MAIL.contains(&signer)
}

/// Whether the mail forwards one that came from `brand`'s own domain.
fn forwarded_from(facts: &Facts<'_>, brand: &Brand) -> bool {
    facts.forwarded_sender().and_then(|sender| sender.domain()).is_some_and(|d| brand.owns(&d))
}

/// A brand named in the sender's display name (or, weaker, the subject) that the sending
/// domain does not belong to: "三井住友カード <smbc-update@ecolebi.com>".
pub fn impersonates_brand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((brand, in_sender)) = borrowed_brands(facts).next() {
        let (level, place) = if in_sender {
            (&levels::BRAND_IN_SENDER, "sender name")
        } else {
            (&levels::BRAND_IN_SUBJECT, "subject")
        };
        let evidence = format!("{place} names {} but mail is from {}", brand.name, facts.sender_domain);
        out.push(Signal::at(SignalId::ImpersonatesBrand, level, evidence));
    }
}

/// The mail names a brand in its sender or subject and has links, yet none of them goes
/// to that brand. Catches phishing that forges the brand's own From address. Only the
/// body's links count: a brand's PDF invoice links to a PDF reader's download page. A
/// brand that is only the subject's topic (see [`topic_of`]) is not a name the mail goes by.
pub fn links_avoid_named_brand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let in_subject = if topic_of(facts) { &[][..] } else { &facts.brands_in_subject[..] };
    let named: Vec<&Brand> = facts.brands_in_sender.iter().chain(in_subject).copied().collect();
    if named.is_empty() {
        return;
    }
    let hosts = crate::detect::distinct_hosts(facts.email.links.iter().filter(|l| l.shown == Shown::InBody));
    if hosts.is_empty() {
        return;
    }
    let any_to_brand = hosts.iter().any(|h| named.iter().any(|b| b.owns(h)));
    if !any_to_brand {
        let brand = named.first().map_or("", |b| b.name);
        let evidence = format!("names {brand}; links go to {}", hosts.first().map_or("", |h| h.as_str()));
        out.push(Signal::new(SignalId::LinksAvoidNamedBrand, evidence));
    }
}

/// A letter that asks for a login, data or attention to the account and is signed in a
/// brand's name ("Regards, PayPal Customer Support") from a domain the brand does not
/// own. Brands sign from their own domains; a forward of the brand's own mail (its header
/// block names the brand's domain) carries the brand's signature honestly.
pub fn signed_as_brand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let asks = [Family::CredentialAction, Family::AccountThreat, Family::SensitiveData];
    if facts.families.count(&asks) == 0 || !facts.families.has(Family::SignOff) {
        return;
    }
    let domain = facts.sender_domain.as_str();
    let Some((brand, written)) = brands::signed_by(&facts.email.normalized_text) else { return };
    if !brand.owns(domain) && !forwarded_from(facts, brand) {
        let evidence = format!("signed \"{written}\" but mail is from {domain}");
        out.push(Signal::new(SignalId::SignedAsBrand, evidence));
    }
}

/// A salutation to a brand's customer ("Dear PayPal member", "Sehr geehrter
/// Commerzbank-Kunde", "楽天ユーザー様") on mail from a domain the brand does not own. Only the
/// brand's own mail has reason to greet its reader so; a forward of it, or a list resending
/// what the brand signed, carries the greeting honestly, and a warning about scams or a
/// reply quotes it.
pub fn addressed_as_brand_customer(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    // A warning that shows the greeting of a phishing mail quotes it; it does not greet.
    if facts.families.has(Family::Awareness) {
        return;
    }
    let domain = facts.sender_domain.as_str();
    // A reply or a list post quoting the greeting does not greet.
    let own = facts.unquoted_lines();
    let text = own.as_deref().unwrap_or(&facts.email.normalized_text);
    let Some((brand, written)) = brands::addressed_as_customer_of(text) else { return };
    if !brand.owns(domain) && !forwarded_from(facts, brand) && !signed_by_brand(facts, brand) {
        let evidence = format!("greets \"{written}\" but mail is from {domain}");
        out.push(Signal::new(SignalId::AddressedAsBrandCustomer, evidence));
    }
}

/// The subject or sender name quotes the recipient's own address or mail domain, and the
/// mail is about the mailbox's password or account: "you@example.com password expiry",
/// the phishing that poses as the recipient's own mail provider.
pub fn impersonates_mail_provider(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let about_account =
        facts.families.has(Family::SensitiveData) || facts.families.has(Family::CredentialAction);
    if !about_account {
        return;
    }
    let subject = facts.email.normalized_subject.to_lowercase();
    let sender = facts.email.from.as_ref().and_then(|f| f.name.as_deref()).unwrap_or_default().to_lowercase();
    let quoted = facts.email.to.iter().find_map(|to| {
        let address = to.address.to_lowercase();
        let domain = to.domain()?;
        if facts.is_senders_site(&domain) {
            return None; // the organisation writing to its own people
        }
        // A local part long enough not to be a common word ("industrypack-devel").
        let local = address.split('@').next().filter(|l| l.len() >= 8);
        let in_subject = [Some(address.as_str()), Some(domain.as_str()), local]
            .into_iter()
            .flatten()
            .find(|n| subject.contains(n));
        let in_sender = [address.as_str(), domain.as_str()].into_iter().find(|n| sender.contains(n));
        in_subject.or(in_sender).map(str::to_string)
    });
    if let Some(quoted) = quoted {
        out.push(Signal::new(SignalId::ImpersonatesMailProvider, format!("names {quoted}")));
    }
}

/// A link or sender host that imitates a brand's domain, by carrying it as a prefix
/// ("www.ucscard.co.jp.humaoo.com") or the brand's name inside another domain, or one
/// that carries a government's suffix the same way ("www.gov.uk.refund.example"): tax
/// refunds, fines and benefits are phishing's other brand.
pub fn lookalike_domain(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let sender = facts.sender_domain.as_str();
    let hosts = facts.link_hosts.iter().map(String::as_str).chain(std::iter::once(sender));
    let imitated = hosts.filter(|h| !h.is_empty()).find_map(|host| {
        let brand = brands::imitated_by_host(host).map(|brand| brand.name);
        brand.or_else(|| brands::poses_as_government(host).then_some("a government")).map(|name| (host, name))
    });
    if let Some((host, name)) = imitated {
        out.push(Signal::new(SignalId::LookalikeDomain, format!("{host} imitates {name}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    #[test]
    fn impersonates_brand_compares_name_with_sending_domain() {
        let fake = email("From: 三井住友カード <smbc-update@ecolebi.example>\r\nTo: a@b.example", "x");
        assert_eq!(fired(impersonates_brand, &fake), [SignalId::ImpersonatesBrand]);
        let real = email("From: 三井住友カード <info@smbc-card.com>\r\nTo: a@b.example", "x");
        assert!(fired(impersonates_brand, &real).is_empty());
        let forward = |sender: &str| {
            let body =
                format!("see below\n\nFrom: PayPal <{sender}>\nSubject: Your PayPal receipt\n\nThanks");
            fired(
                impersonates_brand,
                &email("From: me@home.example\r\nSubject: Fw: Your PayPal receipt", &body),
            )
        };
        assert!(forward("service@paypal.com").is_empty(), "the brand's own mail, forwarded");
        assert_eq!(forward("service@paypal-receipts.example"), [SignalId::ImpersonatesBrand]);
        let via_list = |signer: &str| {
            let headers = format!(
                "Authentication-Results: mx.example; dkim=pass header.d={signer}\r\n\
                 From: Gmail Team via a-list <a-list@lists.example>\r\nTo: a@b.example"
            );
            fired(impersonates_brand, &email(&headers, "x"))
        };
        assert!(via_list("google.com").is_empty(), "a list resending the brand's signed mail");
        assert_eq!(via_list("lists.example"), [SignalId::ImpersonatesBrand], "only the list signed");
        let tenant = "Authentication-Results: mx.example; dkim=pass header.d=x7kq.onmicrosoft.com\r\n\
                      From: Microsoft Support <it@school.example>\r\nTo: a@b.example";
        assert_eq!(fired(impersonates_brand, &email(tenant, "x")), [SignalId::ImpersonatesBrand], "a tenant");
        for (carrier, name) in [("amazonses.com", "Amazon.co.jp"), ("gmail.com", "Google Security")] {
            let carried = format!(
                "Authentication-Results: mx.example; dkim=pass header.d={carrier}\r\n\
                 From: {name} <info@shop.example>\r\nTo: a@b.example"
            );
            assert_eq!(
                fired(impersonates_brand, &email(&carried, "x")),
                [SignalId::ImpersonatesBrand],
                "{carrier}"
            );
        }
    }

    /// A brand in the subject of mail whose own signed domain bears out the sender's name is
    /// the mail's topic; unsigned, under a name the domain does not bear, or in the sender's
    /// name itself, it is still borrowed. Both rules that read the subject's brand agree.
    #[test]
    fn a_brand_the_subject_names_is_a_topic_of_an_honest_signed_sender() {
        let link = "https://shopping.example/deal";
        let run = |signer: &str, from: &str, subject: &str| {
            let headers = format!(
                "Authentication-Results: mx.example; dkim=pass header.d={signer}\r\n\
                 From: {from}\r\nSubject: {subject}\r\nTo: a@b.example"
            );
            let mail = email(&headers, link);
            [fired(impersonates_brand, &mail), fired(links_avoid_named_brand, &mail)].concat()
        };
        let offer = "Use $185 of your rewards to save on Lowe's!";
        let honest = "Cashback Shopping <deals@cashbackshopping.example>";
        assert!(run("cashbackshopping.example", honest, offer).is_empty(), "a cashback service's offer");
        let both = [SignalId::ImpersonatesBrand, SignalId::LinksAvoidNamedBrand];
        assert_eq!(run("elsewhere.example", honest, offer), both, "not signed by its own site");
        let unbacked = "Rewards Desk <deals@cashbackshopping.example>";
        assert_eq!(run("cashbackshopping.example", unbacked, offer), both, "a name its domain does not bear");
        let tenant = "Parcel Track <info@parceltrack.onmicrosoft.com>";
        assert_eq!(run("parceltrack.onmicrosoft.com", tenant, offer), both, "a tenant's name is anyone's");
        let held = "DHL: your parcel is on hold, pay the fee";
        assert_eq!(run("cashbackshopping.example", honest, held), both, "a parcel held up is no topic");
        let in_sender = "Lowe's Shopping <deals@cashbackshopping.example>";
        assert_eq!(
            run("cashbackshopping.example", in_sender, "Your reward"),
            both,
            "the brand is who it says it is"
        );
    }

    /// A greeting to a brand's customers from elsewhere fires; from the brand, in a forward
    /// of the brand's mail, or with the brand named but not as whose customer you are, not.
    #[test]
    fn a_greeting_to_a_brands_customer_fires_from_another_domain_only() {
        let run = |from: &str, body: &str| fired(addressed_as_brand_customer, &email(from, body));
        let fired_on = [SignalId::AddressedAsBrandCustomer];
        assert_eq!(run("From: a@notice.example", "Dear valued PayPal member,\nConfirm it."), fired_on);
        assert_eq!(run("From: a@notice.example", "Sehr geehrter Commerzbank-Kunde,\nbitte."), fired_on);
        assert_eq!(run("From: a@notice.example", "三井住友カード会員様\nご確認ください。"), fired_on);
        assert_eq!(run("From: a@notice.example", "Dear PayPal® Customer,\nConfirm it."), fired_on);
        assert!(
            run("From: service@paypal.com", "Dear PayPal member,\nThanks.").is_empty(),
            "the brand's own"
        );
        let forward =
            "FYI\n\nFrom: PayPal <service@paypal.com>\nSubject: Receipt\n\nDear PayPal member,\nThanks.";
        assert!(run("From: me@home.example\r\nSubject: Fwd: Receipt", forward).is_empty(), "a forward");
        for honest in [
            "Hi, PayPal users will see a new button.",
            "Dear customer, pay with PayPal.",
            "Dear Ann,\nPayPal members get 5% off.",
            "Dear PayPal users,\nthe shop now takes PayPal.",
            "Got this today:\n> Dear PayPal member,\n> confirm your identity within 24 hours or lose it.",
            "Beware, a phishing scam is going round: \"Dear PayPal member, confirm it.\"",
            "Commerzbank: \"Sehr geehrter Commerzbank-Kunde, bitte bestätigen\" – so beginnt eine Phishing-Mail.",
            "PayPayをご利用のお客様へ：本日は決済できません。",
            "楽天会員様限定のクーポンです。",
        ] {
            assert!(run("From: a@shop.example", honest).is_empty(), "{honest}");
        }
        let late = format!("{}\nDear PayPal member,", "News of the week. ".repeat(80));
        assert!(run("From: a@notice.example", &late).is_empty(), "a greeting is in the opening");
    }

    #[test]
    fn links_avoid_named_brand_catches_forged_sender_domains() {
        let forged = email(
            "From: 楽天市場 <info@rakuten.co.jp>\r\nTo: a@b.example",
            "楽天ログイン https://rakuten.example.cn/login",
        );
        assert_eq!(fired(links_avoid_named_brand, &forged), [SignalId::LinksAvoidNamedBrand]);
        let real =
            email("From: 楽天市場 <info@rakuten.co.jp>\r\nTo: a@b.example", "https://www.rakuten.co.jp/");
        assert!(fired(links_avoid_named_brand, &real).is_empty());
        // A PDF's links are the file's, not the mail's: an invoice links to a PDF reader.
        let invoice = "From: Amazon <auto-confirm@amazon.com>\r\nSubject: Your Amazon invoice\r\n\
            Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
            Your invoice is attached.\r\n--b\r\nContent-Type: application/pdf\r\n\
            Content-Disposition: attachment; filename=invoice.pdf\r\n\r\n\
            %PDF-1.4\r\n<< /URI (https://get.adobe.example/reader/) >>\r\n--b--\r\n";
        let invoice = crate::mail::parse(invoice.as_bytes()).expect("parses");
        assert_eq!(invoice.links.len(), 1, "the PDF's link is read");
        assert!(fired(links_avoid_named_brand, &invoice).is_empty());
    }

    #[test]
    fn a_brand_signature_from_another_domain_fires_unless_forwarded_from_the_brand() {
        let letter = "Your account is limited. Verify your details below.\n\nThanks,\nThe PayPal Team";
        let run = |headers: &str| fired(signed_as_brand, &email(headers, letter));
        assert_eq!(run("From: service@pay-notice.example\r\nSubject: Notice"), [SignalId::SignedAsBrand]);
        assert!(run("From: service@paypal.com\r\nSubject: Notice").is_empty());
        let forward = |sender: &str| {
            let body =
                format!("FYI\n---------- Forwarded message ---------\nFrom: PayPal <{sender}>\n\n{letter}");
            fired(signed_as_brand, &email("From: friend@example.org\r\nSubject: Fwd: Notice", &body))
        };
        assert!(forward("service@paypal.com").is_empty());
        assert_eq!(forward("service@pay-notice.example"), [SignalId::SignedAsBrand]);
        assert_eq!(
            run("From: friend@example.org\r\nSubject: Fwd: Notice"),
            [SignalId::SignedAsBrand],
            "no header block"
        );
        let news = email("From: news@shop.example", "New arrivals this week.\n\nThanks,\nThe PayPal Team");
        assert!(fired(signed_as_brand, &news).is_empty(), "no request, no deception");
    }

    #[test]
    fn impersonates_mail_provider_needs_the_recipient_in_subject_and_an_account_topic() {
        let fake = email(
            "From: Mail Admin <x@evil.example>\r\nTo: me@corp.example\r\nSubject: me@corp.example password expiry",
            "Verify your password",
        );
        assert_eq!(fired(impersonates_mail_provider, &fake), [SignalId::ImpersonatesMailProvider]);
        let chat = email(
            "From: x@evil.example\r\nTo: me@corp.example\r\nSubject: corp.example picnic",
            "Bring food",
        );
        assert!(fired(impersonates_mail_provider, &chat).is_empty());
    }

    #[test]
    fn lookalike_domain_flags_brand_prefixes() {
        let mail = email("From: a@b.example", "https://www.ucscard.co.jp.humaoo.com/");
        assert_eq!(fired(lookalike_domain, &mail), [SignalId::LookalikeDomain]);
        assert!(
            fired(lookalike_domain, &email("From: a@b.example", "https://www.ucscard.co.jp/")).is_empty()
        );
    }

    #[test]
    fn links_avoid_named_brand_needs_both_a_brand_and_links() {
        let run = |from: &str, body: &str| fired(links_avoid_named_brand, &email(from, body));
        assert!(run("From: 楽天市場 <info@rakuten.co.jp>", "no links here").is_empty(), "no links");
        assert!(run("From: Shop <info@shop.example>", "https://elsewhere.example/").is_empty(), "no brand");
    }

    #[test]
    fn impersonates_mail_provider_reads_either_account_topic_and_long_local_parts_only() {
        let run = |subject: &str, body: &str| {
            let headers = format!(
                "From: Admin <x@evil.example>\r\nTo: industrypack-devel@corp.example\r\nSubject: {subject}"
            );
            fired(impersonates_mail_provider, &email(&headers, body))
        };
        assert_eq!(
            run("corp.example notice", "Please verify now"),
            [SignalId::ImpersonatesMailProvider],
            "a login request"
        );
        assert_eq!(
            run("corp.example notice", "Your password expires"),
            [SignalId::ImpersonatesMailProvider],
            "a password"
        );
        assert_eq!(
            run("industrypack-devel notice", "Verify your password"),
            [SignalId::ImpersonatesMailProvider]
        );
        let short = email(
            "From: Admin <x@evil.example>\r\nTo: me@corp.example\r\nSubject: Tell me more",
            "Verify your password",
        );
        assert!(fired(impersonates_mail_provider, &short).is_empty(), "a short local part is a word");
    }

    #[test]
    fn lookalike_domain_reads_a_sender_or_link_dressed_as_a_government() {
        let sender = email("From: Receita <noreply@receita.gov.br.consulta.example>", "Pague a taxa hoje.");
        assert_eq!(fired(lookalike_domain, &sender), [SignalId::LookalikeDomain]);
        let linked = email("From: a@b.example", "Refund: https://www.gov.uk.refunds.example/claim");
        assert_eq!(fired(lookalike_domain, &linked), [SignalId::LookalikeDomain]);
        let mut signals = Vec::new();
        lookalike_domain(&Facts::gather(&linked), &mut signals);
        let evidence: Vec<&str> = signals.iter().map(|s| s.evidence.as_str()).collect();
        assert_eq!(evidence, ["www.gov.uk.refunds.example imitates a government"]);
        let agency = email("From: IRS <news@irs.gov>", "Updates: https://www.irs.gov/newsroom");
        assert!(fired(lookalike_domain, &agency).is_empty());
    }

    #[test]
    fn lookalike_domain_reads_hosts_in_letters_of_another_script() {
        // pаypal.com with a Cyrillic а, linked and as the sender's domain.
        let linked = email("From: a@b.example", "Sign in: https://p\u{0430}ypal.com/signin");
        assert_eq!(fired(lookalike_domain, &linked), [SignalId::LookalikeDomain]);
        let sender = email("From: service@p\u{0430}ypal.com", "Hello");
        assert_eq!(fired(lookalike_domain, &sender), [SignalId::LookalikeDomain]);
        let munich = email("From: a@b.example", "https://www.m\u{00FC}nchen.de/");
        assert!(fired(lookalike_domain, &munich).is_empty());
    }
}
