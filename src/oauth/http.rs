//! The HTTP adapter: POSTs a form to a token or device endpoint and hands back the status
//! and body. HTTPS is verified against the same roots as the account's IMAP connection
//! (the public web roots plus its `ca_file`); plain http goes only to a loopback address
//! (local test servers); redirects are not followed, so an answer can never lead a token
//! to another host or to plaintext.

use std::path::Path;
use std::time::Duration;

use url::Url;

use super::OAuthError;
use crate::config::Secret;

/// Long enough for a slow identity provider, short enough that a connection never hangs.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// An endpoint's answer is a small JSON object; more is not read.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A client for one account's endpoints.
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    pub fn new(ca_file: Option<&Path>) -> Result<Http, OAuthError> {
        let tls =
            crate::imap::connect::client_tls(ca_file).map_err(|e| OAuthError::Invalid(e.to_string()))?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("scamguard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OAuthError::Invalid(format!("cannot set up HTTPS: {e}")))?;
        Ok(Http { client })
    }

    /// POSTs `body` (form-encoded) to `url`; the status and at most `MAX_BODY_BYTES` of
    /// the body.
    pub async fn post_form(&self, url: &Url, body: Secret) -> Result<(u16, Vec<u8>), OAuthError> {
        let failed = |reason: String| OAuthError::Http { url: url.to_string(), reason };
        let host = url.host_str().unwrap_or_default();
        if url.scheme() != "https" && !(url.scheme() == "http" && crate::config::is_loopback(host)) {
            return Err(failed("only https (or http to a loopback address) is used".into()));
        }
        tracing::debug!("oauth > POST {url}");
        let mut response = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.expose().to_string())
            .send()
            .await
            // Without the URL inside: reqwest's own text names it once more.
            .map_err(|e| failed(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failed(e.without_url().to_string()))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_BODY_BYTES {
                return Err(failed("the answer is too big".into()));
            }
        }
        tracing::debug!("oauth < {status}, {} bytes", bytes.len());
        Ok((status, bytes))
    }
}
