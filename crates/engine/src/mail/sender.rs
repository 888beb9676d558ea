//! Whether the receiving server vouched for the From address: the one question trust,
//! known correspondents and the user's own address depend on.
//!
//! Anyone can write any From line; the seed scam sends "from" the victim's own address.
//! A From counts as the sender's only when the receiving server's trusted
//! Authentication-Results (see [`Authentication::trusted`]) record an aligned pass: a
//! DKIM signature that verified for the From domain's registered domain, or an SPF pass
//! for an envelope sender of that registered domain (DMARC's relaxed alignment).

use super::Email;
use super::auth::{AuthResult, Authentication, AuthservId};
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
}
