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
//!   of them (a local filter may add its own above the provider's).
//! - With none, the topmost header is the receiving server's, and so is every other
//!   header with the same id: mail filters of one server (DKIM, DMARC) write one header
//!   each.
//! - Either way, each name counts only at the hop of its topmost header: a header of the
//!   same name with another Received line above it came in with the mail. RFC 8601 §5
//!   has a server delete incoming headers bearing its own id, but a sender can write the
//!   receiver's public name (`mx.google.com`) as easily as any, and not every server
//!   strips it.
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
    /// The From domain the DMARC result is about (`header.from=`), when the header names
    /// it: a pass for another domain than the one detection reads as the sender (a From
    /// listing two addresses) vouches for that other one.
    pub dmarc_domain: Option<String>,
    /// The envelope senders SPF was checked for, with the result (`Received-SPF: Softfail
    /// ... envelope-from=`, `Authentication-Results: ... spf=pass smtp.mailfrom=`), topmost
    /// first, each domain once. Unlike Return-Path, a mailing list does not rewrite the
    /// ones recorded before it.
    pub envelopes: Vec<Envelope>,
    /// Domains whose DKIM signature verified (`dkim=pass ... header.d=`), each once.
    pub dkim_domains: Vec<String>,
    /// The mailboxes a verified DKIM signature named as its signer (`dkim=pass ...
    /// header.i=bob@x.example`, within its `header.d`), each once: a signer that names
    /// the user it signs for vouches for that mailbox, not only for its domain.
    pub dkim_identities: Vec<String>,
}

/// One envelope sender's domain and what SPF said about the server that used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Envelope {
    pub domain: String,
    pub spf: AuthResult,
    /// The whole envelope sender, when the header wrote one (`smtp.mailfrom=bob@x.example`;
    /// some servers, Microsoft's among them, write the domain alone).
    pub address: Option<String>,
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
    /// The mailbox it is about, when the header names one: the whole envelope sender for
    /// SPF, the signing identity (`header.i`, within `header.d`) for DKIM.
    pub address: Option<String>,
}

/// One Authentication-Results or Received-SPF header as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthHeader {
    pub field: AuthField,
    /// The `authserv-id`, lower-cased: who wrote the header. `None` for Received-SPF and
    /// for Authentication-Results written without one (Microsoft 365 and Outlook.com).
    pub authserv_id: Option<String>,
    pub results: Vec<MethodResult>,
    /// How many Received lines stand above the header: each is a hop the mail made, so
    /// a header below more of them came from further down the path (see
    /// [`trusted_headers`]).
    #[serde(skip)]
    pub hops_above: u32,
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
                let address = result.address.clone();
                self.envelopes.push(Envelope { domain: domain.clone(), spf: result.result, address });
            }
            // Received-SPF is read for its envelope only, as before authentication was
            // read per header: its result is the same check Authentication-Results records.
            if header.field == AuthField::ReceivedSpf {
                continue;
            }
            if result.method == Method::Dmarc && self.dmarc.is_none() {
                self.dmarc_domain = result.domain.clone();
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
            if result.method == Method::Dkim
                && result.result == AuthResult::Pass
                && let Some(identity) = &result.address
                && !self.dkim_identities.contains(identity)
            {
                self.dkim_identities.push(identity.clone());
            }
        }
    }
}

/// For each of `headers`, whether the receiving server wrote it (see the module docs).
pub fn trusted_headers(headers: &[AuthHeader], ids: &[AuthservId]) -> Vec<bool> {
    let is_results = |h: &AuthHeader| h.field == AuthField::AuthenticationResults;
    let topmost = headers.iter().find(|h| is_results(h));
    let topmost_unnamed = headers.iter().position(|h| is_results(h) && h.authserv_id.is_none());
    // Which name each header answers to: the configured id it bears (by position in
    // `ids`), or with none configured the topmost header's.
    let named: Vec<Option<usize>> = headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let unnamed_on_top = topmost_unnamed == Some(index);
            if !is_results(header) {
                return None;
            }
            if ids.is_empty() {
                // The topmost header's id stands for the configured one; a topmost
                // header without an id stands for itself alone.
                let same = topmost.is_some_and(|top| match &top.authserv_id {
                    Some(id) => header.authserv_id.as_ref() == Some(id),
                    None => unnamed_on_top,
                });
                same.then_some(0)
            } else {
                ids.iter().position(|id| id.names(header.authserv_id.as_deref(), unnamed_on_top))
            }
        })
        .collect();
    // A name counts only at the hop of its topmost header: one of the same name below
    // another Received line came in with the mail (a sender writes the receiver's public
    // name as easily as any other), and a receiver that did not strip it would otherwise
    // vouch for it.
    let first_hop =
        |name: usize| headers.iter().zip(&named).find(|(_, n)| **n == Some(name)).map(|(h, _)| h.hops_above);
    let by_id: Vec<bool> = headers
        .iter()
        .zip(&named)
        .map(|(header, name)| name.is_some_and(|name| first_hop(name) == Some(header.hops_above)))
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
    let mut hops_above = 0u32;
    message
        .headers()
        .iter()
        .filter_map(|header| {
            let field = if header.name().eq_ignore_ascii_case("Authentication-Results") {
                AuthField::AuthenticationResults
            } else if header.name().eq_ignore_ascii_case("Received-SPF") {
                AuthField::ReceivedSpf
            } else {
                if header.name().eq_ignore_ascii_case("Received") {
                    hops_above = hops_above.saturating_add(1);
                }
                return None;
            };
            let HeaderValue::Text(value) = header.value() else { return None };
            let mut read = match field {
                AuthField::AuthenticationResults => parse_results(value),
                AuthField::ReceivedSpf => parse_received_spf(value),
            };
            read.hops_above = hops_above;
            Some(read)
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
    AuthHeader { field: AuthField::AuthenticationResults, authserv_id, results, hops_above: 0 }
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
        Method::Dmarc => ["header.from"].as_slice(),
    };
    let property = |names: &[&str]| {
        tokens.clone().filter_map(|token| token.split_once('=')).find(|(key, _)| names.contains(key))
    };
    let written = property(about).map(|(_, value)| value);
    let domain = written.and_then(domain_in);
    let address = match method {
        Method::Spf => written.and_then(address_in),
        // A signer may name only users of its own domain (RFC 6376 §3.5, i=).
        Method::Dkim => property(&["header.i"])
            .and_then(|(_, value)| address_in(value))
            .filter(|identity| domain.as_deref().is_some_and(|d| within(identity, d))),
        Method::Dmarc => None,
    };
    Some(MethodResult { method, result: AuthResult::read(result), domain, address })
}

/// One Received-SPF value: `result (comment) key=value; key=value ...`.
pub fn parse_received_spf(value: &str) -> AuthHeader {
    let plain = plain_value(value);
    let mut tokens = plain.split(|c: char| c == ';' || c.is_whitespace()).filter(|t| !t.is_empty());
    let result = AuthResult::read(tokens.next().unwrap_or_default());
    let written = tokens
        .filter_map(|token| token.split_once('='))
        .find(|(key, _)| *key == "envelope-from")
        .map(|(_, v)| v);
    let (domain, address) = (written.and_then(domain_in), written.and_then(address_in));
    AuthHeader {
        field: AuthField::ReceivedSpf,
        authserv_id: None,
        results: vec![MethodResult { method: Method::Spf, result, domain, address }],
        hops_above: 0,
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

/// The whole address in `written` (`user@example.com`, `<user@example.com>`), lower-cased
/// as the header value was; `None` for a domain alone, an empty or odd local part.
pub fn address_in(written: &str) -> Option<String> {
    let address = written.trim_matches(|c| matches!(c, '<' | '>' | '"' | ',' | ')'));
    let (local, _) = address.rsplit_once('@')?;
    let plain = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    let domain = domain_in(address)?;
    (!local.is_empty() && local.chars().all(plain)).then(|| format!("{}@{domain}", local.to_lowercase()))
}

/// Whether `address`'s domain is `domain` or below it.
fn within(address: &str, domain: &str) -> bool {
    let Some((_, host)) = address.rsplit_once('@') else { return false };
    host == domain || host.strip_suffix(domain).is_some_and(|head| head.ends_with('.'))
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
mod tests;
