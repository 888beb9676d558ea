//! Whether the receiving server vouched for the From address: the one question trust,
//! known correspondents and the user's own address depend on.
//!
//! Anyone can write any From line; the seed scam sends "from" the victim's own address.
//! A From counts as the sender's only when the receiving server's trusted
//! Authentication-Results (see [`Authentication::trusted`]) record an aligned pass: a
//! DKIM signature that verified for the From domain's registered domain, or an SPF pass
//! for an envelope sender of that registered domain (DMARC's relaxed alignment).
//!
//! That vouches for the domain, not for the mailbox: any user of the domain's servers
//! passes as any address there. Where the mailbox matters (someone the user writes to),
//! [`vouched_mailbox`] asks for evidence about that very address.

use super::Email;
use super::auth::{AuthResult, Authentication, AuthservId, address_in};
use super::url::same_site;

/// The lower-cased From address when the receiving server authenticated it (aligned
/// DKIM or SPF pass in the headers it wrote, `ids` naming it as for
/// [`Authentication::trusted`]); `None` for an unauthenticated or missing From.
pub fn authenticated_sender(email: &Email, ids: &[AuthservId]) -> Option<String> {
    let from = email.from.as_ref()?;
    let domain = from.domain()?;
    let auth = Authentication::trusted(&email.auth_headers, ids);
    vouches_for(&auth, &domain).then(|| from.address.to_lowercase())
}

/// The lower-cased From address when the receiving server vouched for that very mailbox,
/// not only for its domain: an SPF pass whose envelope sender is the From address (the
/// whole `smtp.mailfrom`, or, when the header names the envelope's domain alone, the
/// topmost Return-Path the delivering server wrote, of that same domain), or a DKIM pass
/// whose signing identity (`header.i`) is the From address. A domain-level pass alone
/// gives `None`: a neighbour on the same servers may write any From there.
pub fn vouched_mailbox(email: &Email, ids: &[AuthservId]) -> Option<String> {
    let from = email.from.as_ref()?;
    let address = address_in(&from.address.to_lowercase())?;
    let auth = Authentication::trusted(&email.auth_headers, ids);
    let return_path = email.return_path_header.as_deref().and_then(|r| address_in(&r.to_lowercase()));
    let envelope = |e: &super::Envelope| match &e.address {
        Some(sender) => *sender == address,
        None => return_path.as_ref().is_some_and(|r| *r == address && r.ends_with(&format!("@{}", e.domain))),
    };
    let spf = auth.envelopes.iter().any(|e| e.spf == AuthResult::Pass && envelope(e));
    let dkim = auth.dkim_identities.contains(&address);
    (spf || dkim).then_some(address)
}

/// Whether `auth` holds an aligned pass for `domain`.
fn vouches_for(auth: &Authentication, domain: &str) -> bool {
    let dkim = auth.dkim_domains.iter().any(|signer| same_site(signer, domain));
    let spf = auth.envelopes.iter().any(|e| e.spf == AuthResult::Pass && same_site(&e.domain, domain));
    dkim || spf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse;

    fn sender(headers: &str, ids: &[&str]) -> Option<String> {
        let raw = format!("{headers}From: Alice <Alice@Mail.Example.org>\r\nSubject: s\r\n\r\nbody");
        let email = parse(raw.as_bytes()).expect("parses");
        let ids: Vec<AuthservId> = ids.iter().map(|id| id.parse().expect("valid id")).collect();
        authenticated_sender(&email, &ids)
    }

    #[test]
    fn an_aligned_dkim_or_spf_pass_authenticates_the_from() {
        let alice = Some("alice@mail.example.org".to_string());
        let dkim = "Authentication-Results: mx.example.net; dkim=pass header.d=example.org\r\n";
        assert_eq!(sender(dkim, &[]), alice, "relaxed alignment: a signature for the registered domain");
        let spf = "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=bounce.example.org\r\n";
        assert_eq!(sender(spf, &[]), alice);
    }

    #[test]
    fn unaligned_failed_or_forged_results_do_not() {
        let other_signer = "Authentication-Results: mx.example.net; dkim=pass header.d=esp.example\r\n";
        assert_eq!(sender(other_signer, &[]), None, "a pass for another domain vouches for nothing here");
        let failed = "Authentication-Results: mx.example.net; dkim=fail header.d=example.org; spf=softfail smtp.mailfrom=example.org\r\n";
        assert_eq!(sender(failed, &[]), None);
        assert_eq!(sender("", &[]), None, "no results at all");
        let forged_below = "Authentication-Results: mx.example.net; spf=fail smtp.mailfrom=example.org\r\n\
            Authentication-Results: attacker.example; dkim=pass header.d=example.org\r\n";
        assert_eq!(
            sender(forged_below, &["mx.example.net"]),
            None,
            "only the receiving server's header counts"
        );
    }

    fn mailbox(headers: &str) -> Option<String> {
        let raw = format!("{headers}From: Alice <Alice@Mail.Example.org>\r\nSubject: s\r\n\r\nbody");
        vouched_mailbox(&parse(raw.as_bytes()).expect("parses"), &[])
    }

    #[test]
    fn the_mailbox_is_vouched_for_only_by_evidence_about_that_very_address() {
        let alice = Some("alice@mail.example.org".to_string());
        let spf = |envelope: &str| {
            format!("Authentication-Results: mx.example.net; spf=pass smtp.mailfrom={envelope}\r\n")
        };
        assert_eq!(mailbox(&spf("<ALICE@mail.example.org>")), alice, "the envelope sender is the From");
        let signer = "Authentication-Results: mx.example.net; dkim=pass header.d=example.org header.i=alice@mail.example.org\r\n";
        assert_eq!(mailbox(signer), alice, "the signer names the From as its user");
        // Microsoft writes the envelope's domain alone: the delivering server's Return-Path
        // says whose it was.
        let domain_only = spf("mail.example.org");
        assert_eq!(mailbox(&format!("Return-Path: <alice@mail.example.org>\r\n{domain_only}")), alice);
        // A domain-level pass: another user of the same servers, or no mailbox named.
        for headers in [
            spf("eve@mail.example.org"),
            spf("mail.example.org"),
            format!("Return-Path: <eve@mail.example.org>\r\n{domain_only}"),
            format!("Return-Path: <alice@mail.example.org>\r\n{}", spf("eve@mail.example.org")),
            format!("Return-Path: <alice@mail.example.org>\r\n{}", spf("other.example")),
            "Authentication-Results: mx.example.net; dkim=pass header.d=example.org header.i=@mail.example.org\r\n".into(),
            "Authentication-Results: mx.example.net; dkim=pass header.d=example.org\r\n".into(),
            // A signer cannot name a user of another domain; a failed one names nobody.
            "Authentication-Results: mx.example.net; dkim=pass header.d=evil.example header.i=alice@mail.example.org\r\n".into(),
            "Authentication-Results: mx.example.net; dkim=fail header.d=example.org header.i=alice@mail.example.org\r\n".into(),
            "Authentication-Results: mx.example.net; spf=softfail smtp.mailfrom=alice@mail.example.org\r\n".into(),
        ] {
            assert_eq!(mailbox(&headers), None, "{headers}");
        }
        // The delivering server writes its Return-Path on top: one lower down is the sender's.
        let lower = format!(
            "Return-Path: <eve@mail.example.org>\r\nReturn-Path: <alice@mail.example.org>\r\n{domain_only}"
        );
        assert_eq!(mailbox(&lower), None);
        // Only the receiving server's header counts.
        let forged = format!(
            "Authentication-Results: mx.example.net; spf=fail smtp.mailfrom=x.example\r\n{}",
            spf("alice@mail.example.org").replace("mx.example.net", "attacker.example")
        );
        assert_eq!(mailbox(&forged), None);
    }
}
