//! Access tokens for IMAP logins: cached in memory per account, obtained from the stored
//! refresh token when there is none, when the cached one expires within
//! [`REFRESH_MARGIN`], or when the server refused it (`fresh`). A refresh token the
//! endpoint rotates replaces the stored one at once: the old one may already be dead.
//!
//! Refreshes are serialised (one lock for the process): the workers of an account's folders
//! connect together, and two refreshes racing a rotation would leave the loser's refresh
//! token stored, and dead.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::Mutex;

use super::OAuthError;
use super::flow::{self, Grant};
use super::http::Http;
use super::token_file::{self, StoredToken};
use crate::config::{Account, OAuth, Secret};

/// A token is renewed this long before it expires, so a login never races its expiry.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// When the endpoint does not say how long a token lives: an hour, as Google and
/// Microsoft grant.
const DEFAULT_LIFETIME: u64 = 3600;

struct Cached {
    token: Secret,
    expires_at: i64,
}

/// Cached access tokens, by token file.
static CACHE: Mutex<Option<HashMap<PathBuf, Cached>>> = Mutex::const_new(None);

/// Whether a token that expires at `expires_at` must be renewed at `now` (Unix seconds).
pub fn needs_refresh(expires_at: i64, now: i64, margin: Duration) -> bool {
    now.saturating_add(margin.as_secs() as i64) >= expires_at
}

/// When a token granted at `now` for `expires_in` seconds expires.
pub fn expiry(now: i64, expires_in: Option<u64>) -> i64 {
    now.saturating_add(expires_in.unwrap_or(DEFAULT_LIFETIME).min(i64::MAX as u64) as i64)
}

/// The token file of an OAuth account (placed when the configuration was read).
pub fn token_path(account: &Account, oauth: &OAuth) -> Result<PathBuf, OAuthError> {
    oauth.token_file.clone().ok_or_else(|| OAuthError::NotLoggedIn {
        account: account.name.clone(),
        path: PathBuf::from("(no token file configured)"),
    })
}

/// An access token for `account`: the cached one while it has more than
/// [`REFRESH_MARGIN`] to live, unless `fresh` (the server refused it), else a new one.
pub async fn access_token(account: &Account, oauth: &OAuth, fresh: bool) -> Result<Secret, OAuthError> {
    let path = token_path(account, oauth)?;
    let mut cache = CACHE.lock().await;
    let cache = cache.get_or_insert_with(HashMap::new);
    let now = crate::clock::now_unix();
    if !fresh
        && let Some(cached) = cache.get(&path)
        && !needs_refresh(cached.expires_at, now, REFRESH_MARGIN)
    {
        return Ok(cached.token.clone());
    }
    let (grant, expires_at) = refresh(account, oauth, &path).await?;
    cache.insert(path, Cached { token: grant.access_token.clone(), expires_at });
    Ok(grant.access_token)
}

/// Forgets the cached token of a token file (after `auth logout` or `auth login`).
pub async fn forget(path: &std::path::Path) {
    if let Some(cache) = CACHE.lock().await.as_mut() {
        cache.remove(path);
    }
}

/// Trades the stored refresh token for a new access token, and stores a rotated refresh
/// token.
pub async fn refresh(
    account: &Account,
    oauth: &OAuth,
    path: &std::path::Path,
) -> Result<(Grant, i64), OAuthError> {
    let stored = token_file::load(path)?
        .ok_or_else(|| OAuthError::NotLoggedIn { account: account.name.clone(), path: path.to_path_buf() })?;
    let http = Http::new(account.ca_file.as_deref())?;
    let (status, body) =
        http.post_form(&oauth.token_url, flow::refresh_form(oauth, &stored.refresh_token)).await?;
    let now = crate::clock::now_unix();
    let grant = flow::parse_grant(status, &body).map_err(|error| match error.code.as_str() {
        "invalid_grant" => OAuthError::Revoked { account: account.name.clone(), reason: error.to_string() },
        _ => OAuthError::Endpoint { url: oauth.token_url.to_string(), reason: error.to_string() },
    })?;
    if let Some(rotated) = &grant.refresh_token
        && rotated != &stored.refresh_token
    {
        token_file::save(path, &StoredToken { refresh_token: rotated.clone(), saved_at: now })?;
        tracing::debug!(account = %account.name, "oauth: the refresh token was rotated; stored the new one");
    }
    let expires_at = expiry(now, grant.expires_in);
    tracing::debug!(account = %account.name, "oauth: new access token, valid {} s", expires_at - now);
    Ok((grant, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_within_the_margin_of_its_expiry() {
        let margin = Duration::from_secs(300);
        assert!(!needs_refresh(1000, 1000 - 301, margin));
        assert!(needs_refresh(1000, 1000 - 300, margin));
        assert!(needs_refresh(1000, 2000, margin), "expired");
        assert!(needs_refresh(expiry(0, Some(60)), 0, margin), "a token shorter-lived than the margin");
        assert_eq!(expiry(10, None), 10 + 3600);
        assert_eq!(expiry(10, Some(u64::MAX)), i64::MAX);
    }
}
