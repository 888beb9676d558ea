//! Top-level-domain tokens: the last label of the sender's domain and of each link host.
//!
//! Registering a name costs next to nothing under some top-level domains and a campaign
//! burns through fresh names there; the hosts themselves are new each time, so the model
//! cannot learn them, but it can learn where they are registered. The rules flag a short
//! list of the most abused ones on From and Reply-To; these tokens let training weigh every
//! top-level domain, on links too, from the data. Read as shape tokens (what the mail looks
//! like, not who sends it), so an account's learning never credits a whole `.com` as a
//! sender.

use super::{Source, TokenKind};
use crate::detect::Facts;
use crate::mail::url;

/// The token for `host`'s top-level domain, written into `out` (cleared first), with
/// `prefix` saying whose it is. None for an IP literal or a name without a dot.
pub(super) fn token<'a>(out: &'a mut String, prefix: &str, host: &str) -> Option<&'a str> {
    if url::is_ip_literal(host) {
        return None;
    }
    let (_, last) = host.trim_end_matches('.').rsplit_once('.')?;
    if last.is_empty() {
        return None;
    }
    out.clear();
    out.push_str(prefix);
    out.push_str(last);
    Some(out.as_str())
}

/// What the sender's top-level domain is written as.
pub(super) const SENDER: &str = "sender tld ";
/// What a link host's top-level domain is written as.
pub(super) const LINK: &str = "link tld ";

/// Visits the sender's top-level domain, then each link host's.
pub(super) fn visit_all(facts: &Facts<'_>, visit: &mut impl FnMut(TokenKind, &str, Source)) {
    let mut buffer = String::with_capacity(32);
    if let Some(token) = token(&mut buffer, SENDER, &facts.sender_domain) {
        visit(TokenKind::Shape, token, Source::SenderTld);
    }
    for (i, host) in facts.link_hosts.iter().enumerate() {
        if let Some(token) = token(&mut buffer, LINK, host) {
            visit(TokenKind::Shape, token, Source::HostTld(i as u32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail;

    fn tlds(raw: &str) -> Vec<String> {
        let email = mail::parse(raw.as_bytes()).expect("parses");
        let facts = Facts::gather(&email);
        let mut found = Vec::new();
        visit_all(&facts, &mut |kind, token, _| {
            assert_eq!(kind, TokenKind::Shape);
            found.push(token.to_string());
        });
        found
    }

    #[test]
    fn the_sender_and_every_link_host_give_their_top_level_domain() {
        let found = tlds(
            "From: a@mail.shop.co.jp\r\n\r\nSee https://x.example.top/login and http://cheap.xyz/ \
             and http://192.168.0.1/ and http://localhost/ now",
        );
        assert_eq!(found, ["sender tld jp", "link tld top", "link tld xyz"]);
        assert!(tlds("From: nobody\r\n\r\nhello").is_empty());
    }

    /// `explain` reads each token back from where it was found.
    #[test]
    fn top_level_domain_tokens_are_read_back_for_explain() {
        let email =
            mail::parse(b"From: a@shop.example\r\n\r\nSee https://x.example.top/login now").expect("parses");
        let facts = Facts::gather(&email);
        let read = super::super::Tokens::read(&facts, 18);
        let back: Vec<(TokenKind, String)> =
            (0..read.buckets.len()).filter_map(|i| read.token(i, &facts)).collect();
        for token in ["sender tld example", "link tld top"] {
            assert!(back.contains(&(TokenKind::Shape, token.to_string())), "{token}: {back:?}");
        }
    }
}
