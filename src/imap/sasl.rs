//! The SASL messages that carry an OAuth 2 token (pure): XOAUTH2 (Google's, also
//! Microsoft's) and OAUTHBEARER (RFC 7628), and which one a server gets.
//!
//! A refused token comes back as a challenge holding a JSON error (`{"status":"401",...}`);
//! the client must answer it (an empty response for XOAUTH2, `^A` for OAUTHBEARER) before
//! the server sends its tagged NO. [`TokenResponse`] does that and keeps the error's
//! `status`, so the refusal can be told in words.

use crate::config::oauth::Mechanism;

/// A SASL mechanism that carries a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMechanism {
    Xoauth2,
    Oauthbearer,
}

impl TokenMechanism {
    /// Its name in `AUTHENTICATE` and `AUTH=` capabilities.
    pub fn name(self) -> &'static str {
        match self {
            TokenMechanism::Xoauth2 => "XOAUTH2",
            TokenMechanism::Oauthbearer => "OAUTHBEARER",
        }
    }
}

/// The mechanism to use: the configured one, or, for `auto`, OAUTHBEARER when the server
/// announces it (the standard), else XOAUTH2 when announced. `None`: the server offers
/// neither.
pub fn choose(configured: Mechanism, capabilities: &[String]) -> Option<TokenMechanism> {
    let offers = |m: TokenMechanism| {
        capabilities.iter().any(|c| c.strip_prefix("AUTH=").is_some_and(|n| n.eq_ignore_ascii_case(m.name())))
    };
    match configured {
        Mechanism::Xoauth2 => Some(TokenMechanism::Xoauth2),
        Mechanism::Oauthbearer => Some(TokenMechanism::Oauthbearer),
        Mechanism::Auto => {
            [TokenMechanism::Oauthbearer, TokenMechanism::Xoauth2].into_iter().find(|m| offers(*m))
        }
    }
}

/// The initial client response for `mechanism`.
pub fn initial_response(mechanism: TokenMechanism, user: &str, host: &str, port: u16, token: &str) -> String {
    match mechanism {
        TokenMechanism::Xoauth2 => format!("user={user}\x01auth=Bearer {token}\x01\x01"),
        // RFC 7628 §3.1: GS2 header with the authorization identity (`,` and `=` escaped
        // as in RFC 5801), then key=value pairs separated by ^A.
        TokenMechanism::Oauthbearer => {
            let name = user.replace('=', "=3D").replace(',', "=2C");
            format!("n,a={name},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01")
        }
    }
}

/// Answers the server during `AUTHENTICATE`: the token first, then acknowledges an error
/// challenge and keeps its `status`.
pub struct TokenResponse {
    mechanism: TokenMechanism,
    initial: Option<String>,
    /// The `status` of the server's error challenge, if it sent one.
    pub error_status: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl TokenResponse {
    pub fn new(mechanism: TokenMechanism, initial: String) -> Self {
        TokenResponse { mechanism, initial: Some(initial), error_status: Default::default() }
    }
}

impl async_imap::Authenticator for TokenResponse {
    type Response = String;
    fn process(&mut self, challenge: &[u8]) -> String {
        if let Some(initial) = self.initial.take() {
            return initial;
        }
        if let Ok(mut status) = self.error_status.lock() {
            *status = Some(error_status(challenge).unwrap_or_else(|| "unknown".into()));
        }
        match self.mechanism {
            TokenMechanism::Xoauth2 => String::new(),
            TokenMechanism::Oauthbearer => "\x01".into(),
        }
    }
}

/// The `status` field of an error challenge (`{"status":"invalid_token",...}` or `"401"`),
/// made safe to print.
pub fn error_status(challenge: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(challenge).ok()?;
    let status = value.get("status")?;
    let text = status.as_str().map(str::to_string).unwrap_or_else(|| status.to_string());
    Some(super::sanitize(&text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::Authenticator;

    fn caps(list: &[&str]) -> Vec<String> {
        list.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn oauthbearer_is_preferred_when_announced_and_the_configuration_can_force_either() {
        let both = caps(&["IMAP4rev1", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER"]);
        assert_eq!(choose(Mechanism::Auto, &both), Some(TokenMechanism::Oauthbearer));
        assert_eq!(choose(Mechanism::Auto, &caps(&["AUTH=xoauth2"])), Some(TokenMechanism::Xoauth2));
        assert_eq!(choose(Mechanism::Auto, &caps(&["AUTH=PLAIN", "XOAUTH2"])), None);
        assert_eq!(choose(Mechanism::Xoauth2, &both), Some(TokenMechanism::Xoauth2));
        assert_eq!(choose(Mechanism::Oauthbearer, &[]), Some(TokenMechanism::Oauthbearer));
    }

    #[test]
    fn the_initial_responses_follow_their_specifications() {
        assert_eq!(
            initial_response(TokenMechanism::Xoauth2, "me@example.com", "h", 993, "tok"),
            "user=me@example.com\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            initial_response(
                TokenMechanism::Oauthbearer,
                "a,b=c@example.com",
                "imap.example.com",
                993,
                "tok"
            ),
            "n,a=a=2Cb=3Dc@example.com,\x01host=imap.example.com\x01port=993\x01auth=Bearer tok\x01\x01"
        );
    }

    #[test]
    fn an_error_challenge_is_acknowledged_and_its_status_kept() {
        let mut bearer = TokenResponse::new(TokenMechanism::Oauthbearer, "first".into());
        assert_eq!(bearer.process(b""), "first");
        assert_eq!(bearer.process(br#"{"status":"invalid_token","scope":"x"}"#), "\x01");
        assert_eq!(bearer.error_status.lock().expect("lock").as_deref(), Some("invalid_token"));
        let mut google = TokenResponse::new(TokenMechanism::Xoauth2, "first".into());
        google.process(b"");
        assert_eq!(google.process(br#"{"status":"401","schemes":"Bearer"}"#), "");
        assert_eq!(google.error_status.lock().expect("lock").as_deref(), Some("401"));
        assert_eq!(error_status(b"not json\x1b[2J"), None);
    }
}
