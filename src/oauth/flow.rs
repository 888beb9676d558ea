//! The OAuth 2 exchanges as pure functions: what to send (RFC 6749 form bodies, RFC 7636
//! PKCE, RFC 8628 device authorization) and what an answer means. No I/O, no clock:
//! randomness comes in as bytes, and the HTTP status and body as arguments.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::{OAuth, Secret};
use crate::imap::sanitize;

/// The device-code grant type (RFC 8628 §3.4).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A PKCE pair (RFC 7636): the verifier stays here, the S256 challenge goes in the URL.
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    /// From 32 random bytes: a 43-character verifier, and its SHA-256 as the challenge.
    pub fn from_random(bytes: [u8; 32]) -> Pkce {
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier: Secret::new(verifier), challenge }
    }
}

/// A `state` value from random bytes.
pub fn state_from_random(bytes: [u8; 16]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The URL the user opens for the authorization-code flow.
pub fn authorize_url(oauth: &OAuth, redirect: &str, state: &str, pkce: &Pkce) -> Option<Url> {
    let mut url = oauth.authorize_url.clone()?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &oauth.client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", &oauth.scopes)
            .append_pair("state", state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        for (key, value) in &oauth.authorize_params {
            query.append_pair(key, value);
        }
    }
    Some(url)
}

/// A form body from pairs, with the client's credentials added.
fn form(oauth: &OAuth, pairs: &[(&str, &str)]) -> Secret {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(pairs);
    body.append_pair("client_id", &oauth.client_id);
    if let Some(secret) = &oauth.client_secret {
        body.append_pair("client_secret", secret.expose());
    }
    Secret::new(body.finish())
}

/// Exchanging an authorization code (with the PKCE verifier) for tokens.
pub fn code_form(oauth: &OAuth, code: &str, pkce: &Pkce, redirect: &str) -> Secret {
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("code_verifier", pkce.verifier.expose()),
        ("redirect_uri", redirect),
    ];
    form(oauth, &pairs)
}

/// A fresh access token from the refresh token.
pub fn refresh_form(oauth: &OAuth, refresh_token: &Secret) -> Secret {
    form(oauth, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())])
}

/// Asking for a device code.
pub fn device_form(oauth: &OAuth) -> Secret {
    form(oauth, &[("scope", &oauth.scopes)])
}

/// Polling the token endpoint with the device code.
pub fn device_poll_form(oauth: &OAuth, device_code: &Secret) -> Secret {
    form(oauth, &[("grant_type", DEVICE_GRANT), ("device_code", device_code.expose())])
}

/// Tokens granted by the token endpoint.
#[derive(Debug)]
pub struct Grant {
    pub access_token: Secret,
    /// A new refresh token (the first, or a rotated one); `None`: keep the one used.
    pub refresh_token: Option<Secret>,
    /// Seconds the access token lives, when said.
    pub expires_in: Option<u64>,
}

/// An error answer of the token endpoint (RFC 6749 §5.2), made safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError {
    /// `invalid_grant`, `authorization_pending`, …; or `http NNN` when the body has none.
    pub code: String,
    pub description: Option<String>,
}

impl std::fmt::Display for EndpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.description {
            Some(description) => write!(f, "{}: {description}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

#[derive(Deserialize)]
struct RawGrant {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawError {
    error: String,
    error_description: Option<String>,
}

/// Reads a token endpoint's answer: a grant on 200 with an access token, else its error.
pub fn parse_grant(status: u16, body: &[u8]) -> Result<Grant, EndpointError> {
    if (200..300).contains(&status)
        && let Ok(raw) = serde_json::from_slice::<RawGrant>(body)
        && !raw.access_token.is_empty()
    {
        return Ok(Grant {
            access_token: Secret::new(raw.access_token),
            refresh_token: raw.refresh_token.filter(|t| !t.is_empty()).map(Secret::new),
            expires_in: raw.expires_in.as_ref().and_then(seconds),
        });
    }
    Err(parse_error(status, body))
}

/// A number of seconds given as a number or, as some servers do, a string.
fn seconds(value: &serde_json::Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

fn parse_error(status: u16, body: &[u8]) -> EndpointError {
    match serde_json::from_slice::<RawError>(body) {
        Ok(raw) => EndpointError {
            code: sanitize(&raw.error),
            description: raw.error_description.map(|d| sanitize(&d)),
        },
        Err(_) => EndpointError { code: format!("http {status}"), description: None },
    }
}

/// A device authorization answer (RFC 8628 §3.2).
#[derive(Debug)]
pub struct DeviceCode {
    pub device_code: Secret,
    /// Shown to the user: made safe to print.
    pub user_code: String,
    pub verification_uri: String,
    /// Seconds between polls.
    pub interval: u64,
    /// Seconds the code lives.
    pub expires_in: u64,
}

#[derive(Deserialize)]
struct RawDevice {
    device_code: String,
    user_code: String,
    // Microsoft and Google said `verification_url` before the RFC.
    #[serde(alias = "verification_url")]
    verification_uri: String,
    interval: Option<serde_json::Value>,
    expires_in: Option<serde_json::Value>,
}

/// Polling faster than this would be rude; RFC 8628 sets 5 s as the default.
const DEFAULT_INTERVAL: u64 = 5;
/// A code that says nothing of its life is given fifteen minutes.
const DEFAULT_DEVICE_LIFE: u64 = 900;

/// Reads a device authorization answer.
pub fn parse_device(status: u16, body: &[u8]) -> Result<DeviceCode, EndpointError> {
    let raw = match serde_json::from_slice::<RawDevice>(body) {
        Ok(raw) if (200..300).contains(&status) => raw,
        _ => return Err(parse_error(status, body)),
    };
    Ok(DeviceCode {
        device_code: Secret::new(raw.device_code),
        user_code: sanitize(&raw.user_code),
        verification_uri: sanitize(&raw.verification_uri),
        interval: raw.interval.as_ref().and_then(seconds).unwrap_or(DEFAULT_INTERVAL).clamp(1, 60),
        expires_in: raw.expires_in.as_ref().and_then(seconds).unwrap_or(DEFAULT_DEVICE_LIFE).min(3600),
    })
}

/// What one poll of the token endpoint in the device flow says to do next.
#[derive(Debug)]
pub enum Poll {
    Granted(Grant),
    /// The user has not finished: poll again after the interval.
    Pending,
    /// Polled too fast: add 5 s to the interval for good (RFC 8628 §3.5).
    SlowDown,
    Denied(Option<String>),
    Expired,
    Failed(EndpointError),
}

/// Reads one poll's answer.
pub fn poll(status: u16, body: &[u8]) -> Poll {
    match parse_grant(status, body) {
        Ok(grant) => Poll::Granted(grant),
        Err(error) => match error.code.as_str() {
            "authorization_pending" => Poll::Pending,
            "slow_down" => Poll::SlowDown,
            "access_denied" | "authorization_declined" => Poll::Denied(error.description),
            "expired_token" => Poll::Expired,
            _ => Poll::Failed(error),
        },
    }
}

/// What came back to the loopback redirect.
#[derive(Debug, PartialEq, Eq)]
pub enum Redirect {
    Code(String),
    Denied(Option<String>),
    StateMismatch,
    /// Not a sign-in answer (a browser asking for `/favicon.ico`).
    Other,
}

/// Reads the first line of the HTTP request the browser sent to the loopback redirect
/// (`GET /?code=…&state=… HTTP/1.1`) and checks `state`.
pub fn redirect(request_line: &str, expected_state: &str) -> Redirect {
    let mut words = request_line.split(' ');
    let (Some("GET"), Some(target)) = (words.next(), words.next()) else { return Redirect::Other };
    let Some(query) = target.strip_prefix("/?") else { return Redirect::Other };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let (code, error) = (get("code"), get("error"));
    if code.is_none() && error.is_none() {
        return Redirect::Other;
    }
    // The state is checked first: an answer that is not ours is not believed, whatever it says.
    if get("state") != Some(expected_state) {
        return Redirect::StateMismatch;
    }
    match (code, error) {
        (Some(code), None) if !code.is_empty() => Redirect::Code(code.to_string()),
        (_, error) => Redirect::Denied(get("error_description").or(error).map(sanitize)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> OAuth {
        let text = "[[accounts]]\nname = \"a\"\nhost = \"imap.gmail.com\"\ntls = \"implicit\"\nusername = \"u\"\n\
            auth = \"oauth2\"\n[accounts.oauth]\nprovider = \"google\"\nclient_id = \"cid\"\nclient_secret = \"cs\"\n";
        let config = crate::config::Config::parse(text).expect("valid");
        config.accounts.into_iter().next().and_then(|a| a.oauth).expect("oauth")
    }

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        // Appendix B of RFC 7636: these 32 bytes give this verifier and challenge.
        let bytes = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105,
            214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let pkce = Pkce::from_random(bytes);
        assert_eq!(pkce.verifier.expose(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(pkce.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn the_authorize_url_carries_the_challenge_state_scope_and_preset_parameters() {
        let pkce = Pkce::from_random([7; 32]);
        let url = authorize_url(&oauth(), "http://127.0.0.1:4321/", "st", &pkce).expect("url");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("code_challenge"), Some(pkce.challenge.clone()));
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(get("redirect_uri").as_deref(), Some("http://127.0.0.1:4321/"));
        assert_eq!(get("scope").as_deref(), Some("https://mail.google.com/"));
        assert_eq!(get("state").as_deref(), Some("st"));
        assert_eq!(get("access_type").as_deref(), Some("offline"));
        assert!(!url.as_str().contains(pkce.verifier.expose()), "the verifier never leaves");
    }

    #[test]
    fn the_token_requests_are_form_bodies_with_the_client() {
        let oauth = oauth();
        let pkce = Pkce::from_random([1; 32]);
        let parsed = |body: Secret| -> Vec<(String, String)> {
            form_urlencoded::parse(body.expose().as_bytes()).into_owned().collect()
        };
        let code = parsed(code_form(&oauth, "c/1", &pkce, "http://127.0.0.1:1/"));
        assert!(code.contains(&("grant_type".into(), "authorization_code".into())));
        assert!(code.contains(&("code".into(), "c/1".into())));
        assert!(code.contains(&("code_verifier".into(), pkce.verifier.expose().into())));
        assert!(code.contains(&("client_secret".into(), "cs".into())));
        let refresh = parsed(refresh_form(&oauth, &Secret::new("r&t".into())));
        assert!(refresh.contains(&("refresh_token".into(), "r&t".into())));
        let poll = parsed(device_poll_form(&oauth, &Secret::new("dc".into())));
        assert!(poll.contains(&("grant_type".into(), DEVICE_GRANT.into())));
    }

    #[test]
    fn grants_and_errors_are_read_and_errors_made_safe() {
        let grant = parse_grant(200, br#"{"access_token":"at","refresh_token":"rt","expires_in":"3599"}"#)
            .expect("grant");
        assert_eq!(grant.access_token.expose(), "at");
        assert_eq!(grant.refresh_token.map(|t| t.expose().to_string()).as_deref(), Some("rt"));
        assert_eq!(grant.expires_in, Some(3599));
        let error =
            parse_grant(400, b"{\"error\":\"invalid_grant\",\"error_description\":\"bad\\u001b[2J\"}")
                .expect_err("refused");
        assert_eq!(error.code, "invalid_grant");
        assert_eq!(error.description.as_deref(), Some("bad\\u{1b}[2J"));
        assert_eq!(parse_grant(502, b"<html>").expect_err("not json").code, "http 502");
        assert!(parse_grant(200, br#"{"access_token":""}"#).is_err());
    }

    #[test]
    fn device_answers_and_polls_are_read() {
        let device = parse_device(
            200,
            br#"{"device_code":"dc","user_code":"AB-12","verification_url":"https://x/d","interval":0}"#,
        )
        .expect("device");
        assert_eq!((device.user_code.as_str(), device.verification_uri.as_str()), ("AB-12", "https://x/d"));
        assert_eq!((device.interval, device.expires_in), (1, DEFAULT_DEVICE_LIFE));
        assert!(matches!(poll(400, br#"{"error":"authorization_pending"}"#), Poll::Pending));
        assert!(matches!(poll(400, br#"{"error":"slow_down"}"#), Poll::SlowDown));
        assert!(matches!(poll(400, br#"{"error":"expired_token"}"#), Poll::Expired));
        assert!(matches!(poll(400, br#"{"error":"access_denied"}"#), Poll::Denied(None)));
        assert!(matches!(poll(400, br#"{"error":"invalid_client"}"#), Poll::Failed(_)));
        assert!(matches!(poll(200, br#"{"access_token":"a"}"#), Poll::Granted(_)));
    }

    #[test]
    fn the_redirect_gives_the_code_only_with_our_state() {
        let ok = redirect("GET /?state=s1&code=abc%2F1 HTTP/1.1", "s1");
        assert_eq!(ok, Redirect::Code("abc/1".into()));
        assert_eq!(redirect("GET /?state=forged&code=abc HTTP/1.1", "s1"), Redirect::StateMismatch);
        assert_eq!(redirect("GET /?code=abc HTTP/1.1", "s1"), Redirect::StateMismatch);
        assert_eq!(
            redirect("GET /?state=s1&error=access_denied HTTP/1.1", "s1"),
            Redirect::Denied(Some("access_denied".into()))
        );
        assert_eq!(redirect("GET /favicon.ico HTTP/1.1", "s1"), Redirect::Other);
        assert_eq!(redirect("POST /?code=a&state=s1 HTTP/1.1", "s1"), Redirect::Other);
    }
}
