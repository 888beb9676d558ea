//! What receiving servers wrote about the sender: Authentication-Results (RFC 8601) and
//! Received-SPF (RFC 7208) headers, and which of them to believe.
//!
//! Anyone can write these headers. A sender who adds `Authentication-Results: mx; dkim=pass`
//! to their own mail has it delivered below the receiving server's header, and a reader
//! that takes the first result per mechanism from any header believes it whenever the
//! real server wrote no DKIM result. So parsing keeps every header with its
//! `authserv-id` (the name of the server that wrote it) and its results, top to bottom
//! ([`read_headers`]), and [`Authentication::trusted`] reads only the receiving server's:
//!
//! - With ids configured ([`AuthservId`]), the Authentication-Results headers bearing one
//!   of them, wherever they sit (a local filter may add its own above).
//! - With none, the topmost header is the receiving server's, and so is every other
//!   header with the same id: RFC 8601 §5 has a server delete incoming headers bearing
//!   its own id, and mail filters of one server (DKIM, DMARC) write one header each.
//! - Received-SPF carries no id. It is a trace field, prepended where it is checked
//!   (RFC 7208 §9.1), so one above a trusted Authentication-Results header was written
//!   at or after the receiving server; below it, it may be the sender's. Without any
//!   Authentication-Results header, only the topmost Received-SPF counts.
//! - ARC-Authentication-Results and Authentication-Results-Original (Microsoft's name for
//!   the headers a message arrived with) are other headers and never read.
//!
//! Pure and bounded: at most [`MAX_AUTH_HEADERS`] headers, no panic on any input.

use std::fmt;
use std::str::FromStr;

use mail_parser::HeaderValue;
use serde::Serialize;

/// At most this many authentication headers are read, from the top. The receiving
/// server's are at the top; a bound keeps ten thousand forged headers as cheap as one.
pub const MAX_AUTH_HEADERS: usize = 64;

/// At most this many results are read from one header.
const MAX_RESULTS: usize = 32;

/// One mechanism's result from an Authentication-Results header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthResult {
    Pass,
    Fail,
    SoftFail,
    Other,
}

impl AuthResult {
    /// The result as Authentication-Results writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthResult::Pass => "pass",
            AuthResult::Fail => "fail",
            AuthResult::SoftFail => "softfail",
            AuthResult::Other => "other",
        }
    }

    fn read(written: &str) -> AuthResult {
        match written {
            "pass" => AuthResult::Pass,
            "fail" | "hardfail" | "permerror" => AuthResult::Fail,
            "softfail" => AuthResult::SoftFail,
            _ => AuthResult::Other,
        }
    }
}

/// SPF, DKIM and DMARC results as the receiving server recorded them: read from the
/// headers it wrote (see [`Authentication::trusted`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Authentication {
    pub spf: Option<AuthResult>,
    pub dkim: Option<AuthResult>,
    pub dmarc: Option<AuthResult>,
    /// The envelope senders SPF was checked for, with the result (`Received-SPF: Softfail
    /// ... envelope-from=`, `Authentication-Results: ... spf=pass smtp.mailfrom=`), topmost
    /// first, each domain once. Unlike Return-Path, a mailing list does not rewrite the
    /// ones recorded before it.
    pub envelopes: Vec<Envelope>,
    /// Domains whose DKIM signature verified (`dkim=pass ... header.d=`), each once.
    pub dkim_domains: Vec<String>,
}

/// One envelope sender's domain and what SPF said about the server that used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Envelope {
    pub domain: String,
    pub spf: AuthResult,
}

/// The header a record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthField {
    AuthenticationResults,
    ReceivedSpf,
}

/// The mechanisms the rules read; others (arc, iprev, compauth, bimi) are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Spf,
    Dkim,
    Dmarc,
}

/// One result in a header: the mechanism, what it said, and the domain it is about (the
/// envelope sender's for SPF, the signing domain for DKIM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodResult {
    pub method: Method,
    pub result: AuthResult,
    pub domain: Option<String>,
}

/// One Authentication-Results or Received-SPF header as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthHeader {
    pub field: AuthField,
    /// The `authserv-id`, lower-cased: who wrote the header. `None` for Received-SPF and
    /// for Authentication-Results written without one (Microsoft 365 and Outlook.com).
    pub authserv_id: Option<String>,
    pub results: Vec<MethodResult>,
}

/// A configured name of the receiving server, matched against `authserv-id`s without
/// regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthservId {
    /// This id exactly: `mx.google.com`.
    Exact(String),
    /// Any id below this domain, written `.messagingengine.com` or `*.messagingengine.com`:
    /// for providers whose ids name the host that took the mail in
    /// (`mx6.messagingengine.com`). The domain itself does not match.
    Below(String),
    /// `(none)`: the topmost Authentication-Results header written without an id.
    /// Microsoft 365 and Outlook.com write theirs so, and rename the headers a message
    /// arrives with to Authentication-Results-Original. No real id can be `(none)`:
    /// parentheses start a comment there.
    Unnamed,
}

/// Why a configured `authserv_id` cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthservIdError {
    #[error("an authserv-id must not be empty")]
    Empty,
    #[error(
        "{0:?} is not an authserv-id: write a name like \"mx.google.com\", \".example.com\" for any host below a domain, or \"(none)\" for headers without one"
    )]
    Malformed(String),
}

impl FromStr for AuthservId {
    type Err = AuthservIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AuthservIdError::Empty);
        }
        if text == "(none)" {
            return Ok(AuthservId::Unnamed);
        }
        let (below, name) = match text.strip_prefix("*.").or_else(|| text.strip_prefix('.')) {
            Some(domain) => (true, domain),
            None => (false, text),
        };
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
        if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
            return Err(AuthservIdError::Malformed(text.to_string()));
        }
        let name = name.to_lowercase();
        Ok(if below { AuthservId::Below(name) } else { AuthservId::Exact(name) })
    }
}

impl fmt::Display for AuthservId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthservId::Exact(id) => f.write_str(id),
            AuthservId::Below(domain) => write!(f, "*.{domain}"),
            AuthservId::Unnamed => f.write_str("(none)"),
        }
    }
}

impl AuthservId {
    /// Whether a header with `id` is this server's; `topmost_unnamed` says whether it is
    /// the topmost header without an id.
    fn names(&self, id: Option<&str>, topmost_unnamed: bool) -> bool {
        match (self, id) {
            (AuthservId::Exact(name), Some(id)) => id.eq_ignore_ascii_case(name),
            // The id is anyone's bytes: split only where a character starts.
            (AuthservId::Below(domain), Some(id)) => id
                .len()
                .checked_sub(domain.len())
                .filter(|&cut| cut > 1)
                .and_then(|cut| id.split_at_checked(cut))
                .is_some_and(|(host, parent)| host.ends_with('.') && parent.eq_ignore_ascii_case(domain)),
            (AuthservId::Unnamed, None) => topmost_unnamed,
            _ => false,
        }
    }
}

impl Authentication {
    /// What the receiving server found, read from the headers it wrote: those bearing
    /// one of `ids`, or with none configured the topmost one's (see the module docs).
    pub fn trusted(headers: &[AuthHeader], ids: &[AuthservId]) -> Authentication {
        let mut auth = Authentication::default();
        for (header, _) in headers.iter().zip(trusted_headers(headers, ids)).filter(|(_, trusted)| *trusted) {
            auth.add(header);
        }
        auth
    }

    /// Adds one header's results. Headers come top to bottom and the first result per
    /// mechanism wins: the latest word on the mail.
    fn add(&mut self, header: &AuthHeader) {
        for result in &header.results {
            if result.method == Method::Spf
                && let Some(domain) = &result.domain
                && !self.envelopes.iter().any(|e| &e.domain == domain)
            {
                self.envelopes.push(Envelope { domain: domain.clone(), spf: result.result });
            }
            // Received-SPF is read for its envelope only, as before authentication was
            // read per header: its result is the same check Authentication-Results records.
            if header.field == AuthField::ReceivedSpf {
                continue;
            }
            let slot = match result.method {
                Method::Spf => &mut self.spf,
                Method::Dkim => &mut self.dkim,
                Method::Dmarc => &mut self.dmarc,
            };
            slot.get_or_insert(result.result);
            if result.method == Method::Dkim
                && result.result == AuthResult::Pass
                && let Some(domain) = &result.domain
                && !self.dkim_domains.contains(domain)
            {
                self.dkim_domains.push(domain.clone());
            }
        }
    }
}

/// For each of `headers`, whether the receiving server wrote it (see the module docs).
pub fn trusted_headers(headers: &[AuthHeader], ids: &[AuthservId]) -> Vec<bool> {
    let is_results = |h: &AuthHeader| h.field == AuthField::AuthenticationResults;
    let topmost = headers.iter().find(|h| is_results(h));
    let topmost_unnamed = headers.iter().position(|h| is_results(h) && h.authserv_id.is_none());
    let by_id: Vec<bool> = headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let unnamed_on_top = topmost_unnamed == Some(index);
            is_results(header)
                && if ids.is_empty() {
                    // The topmost header's id stands for the configured one; a topmost
                    // header without an id stands for itself alone.
                    topmost.is_some_and(|top| match &top.authserv_id {
                        Some(id) => header.authserv_id.as_ref() == Some(id),
                        None => unnamed_on_top,
                    })
                } else {
                    ids.iter().any(|id| id.names(header.authserv_id.as_deref(), unnamed_on_top))
                }
        })
        .collect();
    let lowest_trusted = by_id.iter().rposition(|&trusted| trusted);
    let topmost_spf = headers.iter().position(|h| h.field == AuthField::ReceivedSpf);
    headers
        .iter()
        .zip(by_id)
        .enumerate()
        .map(|(index, (header, trusted))| match header.field {
            AuthField::AuthenticationResults => trusted,
            AuthField::ReceivedSpf => match lowest_trusted {
                Some(lowest) => index < lowest,
                None => ids.is_empty() && topmost.is_none() && topmost_spf == Some(index),
            },
        })
        .collect()
}

/// The Authentication-Results and Received-SPF headers of `message`, top to bottom, at
/// most [`MAX_AUTH_HEADERS`].
pub fn read_headers(message: &mail_parser::Message<'_>) -> Vec<AuthHeader> {
    message
        .headers()
        .iter()
        .filter_map(|header| {
            let field = if header.name().eq_ignore_ascii_case("Authentication-Results") {
                AuthField::AuthenticationResults
            } else if header.name().eq_ignore_ascii_case("Received-SPF") {
                AuthField::ReceivedSpf
            } else {
                return None;
            };
            let HeaderValue::Text(value) = header.value() else { return None };
            Some(match field {
                AuthField::AuthenticationResults => parse_results(value),
                AuthField::ReceivedSpf => parse_received_spf(value),
            })
        })
        .take(MAX_AUTH_HEADERS)
        .collect()
}

/// One Authentication-Results value: `authserv-id [version]; method=result prop=value ...;
/// ...`. A first part holding `=` is a result: the header was written without an id.
pub fn parse_results(value: &str) -> AuthHeader {
    let plain = plain_value(value);
    let mut parts = plain.split(';');
    let first = parts.next().unwrap_or_default().trim();
    let (authserv_id, first_result) = if first.contains('=') {
        (None, Some(first))
    } else {
        let id = first.split_whitespace().next().map(|id| id.trim_matches('"')).filter(|id| !id.is_empty());
        (id.map(str::to_string), None)
    };
    let results = first_result.into_iter().chain(parts).filter_map(parse_resinfo).take(MAX_RESULTS).collect();
    AuthHeader { field: AuthField::AuthenticationResults, authserv_id, results }
}

/// One `method[/version]=result property=value ...` of Authentication-Results.
fn parse_resinfo(resinfo: &str) -> Option<MethodResult> {
    let mut tokens = resinfo.split_whitespace();
    let (method, result) = tokens.next()?.split_once('=')?;
    let method = match method.split('/').next().unwrap_or_default() {
        "spf" => Method::Spf,
        "dkim" => Method::Dkim,
        "dmarc" => Method::Dmarc,
        _ => return None,
    };
    let about = match method {
        Method::Spf => ["smtp.mailfrom", "envelope-from"].as_slice(),
        Method::Dkim => ["header.d"].as_slice(),
        Method::Dmarc => [].as_slice(),
    };
    let domain = tokens
        .filter_map(|token| token.split_once('='))
        .find(|(key, _)| about.contains(key))
        .and_then(|(_, value)| domain_in(value));
    Some(MethodResult { method, result: AuthResult::read(result), domain })
}

/// One Received-SPF value: `result (comment) key=value; key=value ...`.
pub fn parse_received_spf(value: &str) -> AuthHeader {
    let plain = plain_value(value);
    let mut tokens = plain.split(|c: char| c == ';' || c.is_whitespace()).filter(|t| !t.is_empty());
    let result = AuthResult::read(tokens.next().unwrap_or_default());
    let domain = tokens
        .filter_map(|token| token.split_once('='))
        .find(|(key, _)| *key == "envelope-from")
        .and_then(|(_, value)| domain_in(value));
    AuthHeader {
        field: AuthField::ReceivedSpf,
        authserv_id: None,
        results: vec![MethodResult { method: Method::Spf, result, domain }],
    }
}

/// `value` in lower case without its comments (parenthesised, nested, with backslash
/// escapes; a `;` inside one, as in `(1024-bit key; unprotected)`, separates nothing) and
/// without spaces around `=`. Quoted strings are kept.
fn plain_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut quoted, mut escaped, mut after_equals) = (0usize, false, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => escaped = true,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(' ');
                }
            }
            _ if depth > 0 => {}
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            '=' if !quoted => {
                out.truncate(out.trim_end().len());
                out.push('=');
                after_equals = true;
                continue;
            }
            c if c.is_whitespace() && after_equals && !quoted => continue,
            c => out.push(c.to_ascii_lowercase()),
        }
        after_equals = false;
    }
    out
}

/// The domain of an address or domain as the headers write it: `user@example.com`,
/// `<user@example.com>`, `"example.com"` or `example.com`.
fn domain_in(written: &str) -> Option<String> {
    let address = written.trim_matches(|c| matches!(c, '<' | '>' | '"' | ',' | ')'));
    let domain = address.rsplit_once('@').map_or(address, |(_, domain)| domain);
    (domain.contains('.') && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
        .then(|| domain.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{Email, parse};

    /// A message with `headers` above a From line and a short body.
    fn mail(headers: &str) -> Email {
        parse(format!("{headers}From: a@shop.example\r\nSubject: s\r\n\r\nbody").as_bytes()).expect("parses")
    }

    fn ids(written: &[&str]) -> Vec<AuthservId> {
        written.iter().map(|id| id.parse().expect("a valid id")).collect()
    }

    fn trusted(email: &Email, written: &[&str]) -> Authentication {
        Authentication::trusted(&email.auth_headers, &ids(written))
    }

    const FORGED_BELOW: &str = "Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=shop.example\r\n\
        Received: from sender.example by mx.receiver.example\r\n\
        Authentication-Results: mx.sender.example; dkim=pass header.d=bank.example\r\n";

    #[test]
    fn each_header_keeps_its_authserv_id_and_results_in_order() {
        let email = mail(
            "Authentication-Results: MX.Example.org 1; dkim=pass (2048-bit key; unprotected) \
             header.d=Signer.example header.b=\"x;y\"; spf = softfail smtp.mailfrom=<b@Bounce.example>\r\n\
             Received-SPF: Fail (host: domain of x@y.example) receiver=mx; envelope-from=\"x@env.example\"\r\n\
             Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=ms.example; \
             dkim=none (message not signed) header.d=none;dmarc=fail action=none header.from=ms.example;compauth=fail\r\n",
        );
        let result = |method, result, domain: Option<&str>| MethodResult {
            method,
            result,
            domain: domain.map(str::to_string),
        };
        assert_eq!(
            email.auth_headers,
            [
                AuthHeader {
                    field: AuthField::AuthenticationResults,
                    authserv_id: Some("mx.example.org".into()),
                    results: vec![
                        result(Method::Dkim, AuthResult::Pass, Some("signer.example")),
                        result(Method::Spf, AuthResult::SoftFail, Some("bounce.example")),
                    ],
                },
                AuthHeader {
                    field: AuthField::ReceivedSpf,
                    authserv_id: None,
                    results: vec![result(Method::Spf, AuthResult::Fail, Some("env.example"))],
                },
                AuthHeader {
                    field: AuthField::AuthenticationResults,
                    authserv_id: None,
                    results: vec![
                        result(Method::Spf, AuthResult::Pass, Some("ms.example")),
                        result(Method::Dkim, AuthResult::Other, None),
                        result(Method::Dmarc, AuthResult::Fail, None),
                    ],
                },
            ]
        );
    }

    #[test]
    fn a_forged_lower_header_is_not_believed() {
        let email = mail(FORGED_BELOW);
        for configured in [&[][..], &["mx.receiver.example"]] {
            let auth = trusted(&email, configured);
            assert_eq!(auth.dkim, None, "{configured:?}");
            assert!(auth.dkim_domains.is_empty(), "{configured:?}");
            assert_eq!(auth.spf, Some(AuthResult::Pass));
        }
        // Read as every header, the forgery would vouch for the mail.
        assert_eq!(
            trusted(&email, &["mx.receiver.example", "mx.sender.example"]).dkim,
            Some(AuthResult::Pass)
        );
    }

    #[test]
    fn the_configured_server_is_believed_wherever_its_header_sits() {
        // A local filter adds its own header above the provider's.
        let email = mail(&format!(
            "Authentication-Results: filter.home.example; dkim=fail\r\nReceived: by filter.home.example\r\n{FORGED_BELOW}"
        ));
        let auth = trusted(&email, &["MX.RECEIVER.EXAMPLE"]);
        assert_eq!((auth.spf, auth.dkim), (Some(AuthResult::Pass), None));
        // Without the id, the topmost header is the receiving server's.
        assert_eq!((trusted(&email, &[]).spf, trusted(&email, &[]).dkim), (None, Some(AuthResult::Fail)));
        // An id that matches nothing believes nothing.
        assert_eq!(trusted(&email, &["mx.google.com"]), Authentication::default());
    }

    #[test]
    fn without_ids_every_header_of_the_topmost_server_counts() {
        // One server's filters write one header each (OpenDMARC above OpenDKIM).
        let email = mail(
            "Authentication-Results: mail.home.example; dmarc=pass header.from=shop.example\r\n\
             Authentication-Results: mail.home.example; dkim=pass header.d=shop.example\r\n\
             Authentication-Results: mx.other.example; spf=fail smtp.mailfrom=x.example\r\n",
        );
        let auth = trusted(&email, &[]);
        assert_eq!((auth.dmarc, auth.dkim, auth.spf), (Some(AuthResult::Pass), Some(AuthResult::Pass), None));
        assert_eq!(auth.dkim_domains, ["shop.example"]);
    }

    #[test]
    fn ids_below_a_domain_and_headers_without_an_id() {
        let email = mail(
            "Authentication-Results: mx6.messagingengine.com; dkim=pass header.d=a.example\r\n\
             Authentication-Results: messagingengine.com; spf=fail smtp.mailfrom=b.example\r\n",
        );
        let below = trusted(&email, &["*.messagingengine.com"]);
        assert_eq!(
            (below.dkim, below.spf),
            (Some(AuthResult::Pass), None),
            "the domain itself is not below it"
        );
        assert_eq!(trusted(&email, &[".messagingengine.com"]), below);
        assert_eq!(trusted(&email, &["ngengine.com"]), Authentication::default(), "whole labels only");
        // An id whose bytes end inside a character where the domain would start (found by
        // fuzzing): no match, no panic.
        let odd = mail("Authentication-Results: x\u{e9}\u{e9}ample.com; dkim=pass header.d=a.example\r\n");
        assert_eq!(trusted(&odd, &["*.ample.com"]), Authentication::default());
        assert_eq!(trusted(&odd, &["*.xample.com"]), Authentication::default());
        // Microsoft writes no id: only the topmost such header is its.
        let microsoft = mail(
            "Authentication-Results: spf=fail (sender IP is 192.0.2.1) smtp.mailfrom=x.example; dkim=none\r\n\
             Received-SPF: Fail (protection.outlook.com: domain of x.example)\r\n\
             Authentication-Results: dkim=pass header.d=bank.example\r\n",
        );
        for configured in [&["(none)"][..], &[]] {
            let auth = trusted(&microsoft, configured);
            assert_eq!(
                (auth.spf, auth.dkim),
                (Some(AuthResult::Fail), Some(AuthResult::Other)),
                "{configured:?}"
            );
            assert!(auth.dkim_domains.is_empty());
        }
        assert_eq!(trusted(&microsoft, &["mx.google.com"]), Authentication::default());
    }

    #[test]
    fn received_spf_counts_above_the_receiving_servers_header_only() {
        let spf = |domain: &str| format!("Received-SPF: pass (receiver: ok) envelope-from=x@{domain}\r\n");
        let domains = |auth: Authentication| auth.envelopes.into_iter().map(|e| e.domain).collect::<Vec<_>>();
        let email = mail(&format!(
            "{}Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=a.example\r\n{}",
            spf("above.example"),
            spf("below.example")
        ));
        assert_eq!(domains(trusted(&email, &["mx.google.com"])), ["above.example", "a.example"]);
        assert_eq!(domains(trusted(&email, &[])), ["above.example", "a.example"]);
        assert!(domains(trusted(&email, &["mx.other.example"])).is_empty());
        // No Authentication-Results at all: the topmost Received-SPF alone.
        let only_spf = mail(&format!("{}{}", spf("top.example"), spf("lower.example")));
        assert_eq!(domains(trusted(&only_spf, &[])), ["top.example"]);
        assert!(domains(trusted(&only_spf, &["mx.google.com"])).is_empty());
    }

    #[test]
    fn arc_and_original_results_are_never_read() {
        let email = mail(
            "ARC-Authentication-Results: i=1; mx.google.com; dkim=pass header.d=bank.example\r\n\
             Authentication-Results-Original: mx.google.com; dkim=pass header.d=bank.example\r\n",
        );
        assert!(email.auth_headers.is_empty());
        assert_eq!(trusted(&email, &["mx.google.com"]), Authentication::default());
    }

    #[test]
    fn configured_ids_are_read_and_checked() {
        assert_eq!("mx.Google.com".parse(), Ok(AuthservId::Exact("mx.google.com".into())));
        assert_eq!("*.outlook.com".parse(), Ok(AuthservId::Below("outlook.com".into())));
        assert_eq!(".outlook.com".parse(), Ok(AuthservId::Below("outlook.com".into())));
        assert_eq!(" (none) ".parse(), Ok(AuthservId::Unnamed));
        assert_eq!("".parse::<AuthservId>(), Err(AuthservIdError::Empty));
        for bad in ["mx google.com", "mx;x", "*.", ".", "..x", "a(b)", "x=y", "*"] {
            assert!(matches!(bad.parse::<AuthservId>(), Err(AuthservIdError::Malformed(_))), "{bad}");
        }
        for id in ["mx.google.com", "*.yahoo.com", "(none)"] {
            assert_eq!(id.parse::<AuthservId>().map(|id| id.to_string()).as_deref(), Ok(id));
        }
    }

    #[test]
    fn hostile_headers_are_read_within_bounds() {
        let many = "Authentication-Results: x; dkim=pass header.d=a.example\r\n".repeat(5_000);
        assert_eq!(mail(&many).auth_headers.len(), MAX_AUTH_HEADERS);
        let results = format!("Authentication-Results: x; {}\r\n", "spf=pass;".repeat(5_000));
        assert_eq!(mail(&results).auth_headers.first().map(|h| h.results.len()), Some(MAX_RESULTS));
        for value in
            ["((((", "\\", "=;=;==", "\"unterminated ; x", ")x(", "; ;", "=", "dkim=", "é=ü", "(dkim=pass"]
        {
            let header = parse_results(value);
            assert!(header.results.iter().all(|r| r.result != AuthResult::Pass), "{value}");
            assert_eq!(parse_received_spf(value).results.len(), 1);
        }
    }

    const SAMPLE: &str = "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=fail\r\n\
From: a@example.com\r\n\r\nbody";

    #[test]
    fn envelope_senders_come_from_spf_records_once_each() {
        let raw = b"Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; \
envelope-from=al@Spoofer.example; receiver=<UNKNOWN>\r\n\
Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=<bounce@lists.example.org>\r\n\
Received-SPF: pass envelope-from=\"x@spoofer.example\"\r\n\
From: a@b.example\r\nSubject: s\r\n\r\nbody";
        let email = parse(raw).expect("parses");
        let envelopes = |email: &Email| {
            Authentication::trusted(&email.auth_headers, &[])
                .envelopes
                .iter()
                .map(|e| (e.domain.clone(), e.spf))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            envelopes(&email),
            [
                ("spoofer.example".to_string(), AuthResult::Pass),
                ("lists.example.org".to_string(), AuthResult::Pass)
            ]
        );
        assert_eq!(
            envelopes(&parse(SAMPLE.as_bytes()).expect("parses")),
            [("example.com".to_string(), AuthResult::Pass)]
        );
        let softfail = parse(b"Received-SPF: Softfail (mailfrom) envelope-from=x@shop.example\r\nFrom: a@shop.example\r\n\r\nx")
            .expect("parses");
        assert_eq!(envelopes(&softfail), [("shop.example".to_string(), AuthResult::SoftFail)]);
    }

    #[test]
    fn domains_of_verified_dkim_signatures_are_kept() {
        let raw = b"Authentication-Results: mx.example; dkim=pass (signature was verified) \
header.d=Tenant.onmicrosoft.com; dkim=fail header.d=forged.example; dmarc=pass header.from=shop.example\r\n\
Authentication-Results: mx.example; dkim=pass header.d=tenant.onmicrosoft.com header.i=@x\r\n\
From: a@shop.example\r\n\r\nbody";
        let email = parse(raw).expect("parses");
        assert_eq!(
            Authentication::trusted(&email.auth_headers, &[]).dkim_domains,
            ["tenant.onmicrosoft.com"]
        );
    }
}
