//! OAuth 2 built in: `scamguard auth login` obtains a refresh token once, and every IMAP
//! connection of an `auth = "oauth2"` account gets an access token from it.
//!
//! - [`flow`]: pure — PKCE, the authorization URL, the token requests as form bodies, the
//!   endpoints' answers parsed, what a device-code poll answer means.
//! - [`token_file`]: the refresh token on disk (0600 from creation, replaced atomically).
//! - [`http`]: the HTTP adapter (reqwest over the same rustls roots as IMAP; plain http
//!   only to loopback).
//! - [`mod@tokens`]: access tokens cached in memory and refreshed before they expire; a
//!   rotated refresh token replaces the stored one.
//! - [`mod@login`]: the interactive flows (loopback redirect, device code).
//!
//! No token ever reaches a log line, an error or the terminal: they live in
//! [`Secret`](crate::config::Secret)s, and errors carry only the endpoint's error code
//! and description.

pub mod flow;
pub mod http;
pub mod login;
pub mod token_file;
pub mod tokens;

use std::path::PathBuf;

pub use login::login;
pub use tokens::access_token;

/// Why a token could not be had. Never contains a token.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("account {account} has no OAuth token stored (no {}): run `scamguard auth login {account}`", .path.display())]
    NotLoggedIn { account: String, path: PathBuf },
    #[error(
        "the token endpoint refused the stored refresh token of account {account} ({reason}): it was revoked or expired; run `scamguard auth login {account}`"
    )]
    Revoked { account: String, reason: String },
    #[error("the token endpoint {url} answered {reason}")]
    Endpoint { url: String, reason: String },
    #[error("cannot reach {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("token file {}: {source}", .path.display())]
    File { path: PathBuf, source: std::io::Error },
    #[error(
        "token file {} can be read by others: `chmod 600` it (if others may have read it, remove scamguard's access at the provider and run `scamguard auth login` again)",
        .0.display()
    )]
    Exposed(PathBuf),
    #[error("token file {} cannot be read ({reason}); run `scamguard auth login` again", .path.display())]
    BadFile { path: PathBuf, reason: String },
    #[error("the sign-in was refused{}", .0.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied(Option<String>),
    #[error("the code expired before the sign-in was finished; run `scamguard auth login` again")]
    Expired,
    #[error("no sign-in came back within {} minutes; run `scamguard auth login` again", .0.as_secs() / 60)]
    TimedOut(std::time::Duration),
    #[error("{0}")]
    Invalid(String),
}
