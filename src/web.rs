//! The review page (`scamguard serve`): the detection history with filters and search,
//! one detection with its signals and evidence, restore, and the weekly report, in
//! English and Japanese, served by axum on loopback.
//!
//! # Layout
//! - [`auth`]: the access token, sessions (cookie) and their CSRF tokens.
//! - [`routes`]: the HTTP edge: which URL does what, the security headers every answer
//!   carries, the token and language checks in front of every page.
//! - [`pages`]: what each page shows (pure), written by askama templates (`templates/`),
//!   which escape every value.
//! - [`i18n`]: which language a request gets, and the words of each.
//! - [`mail_text`]: a detection's mail shown as text, its evidence marked, read from the
//!   server on request (the store keeps no mail).
//!
//! The page reads the store directly; what needs the mail server (restore, the mail's
//! text) or the
//! service's own logic (the weekly report) comes through [`Backend`], which `app`
//! implements: `web` knows no IMAP.

pub mod auth;
pub mod i18n;
pub mod mail_text;
pub mod metrics;
pub mod pages;
pub mod routes;
pub mod senders;

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::report::render::Lang;
use crate::report::weekly::{Period, WeeklyReport};
use crate::store::{Store, StoreError};

pub use auth::{Auth, Token, TokenError};

/// What a restore asked from the page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreReply {
    /// Moved back into this folder.
    Restored { folder: String },
    /// It was back in this folder already (the user moved it).
    FoundInPlace { folder: String },
    /// It had been restored before; nothing was done.
    AlreadyRestored,
    /// Not restored, and why (server or store words: shown escaped).
    Failed(String),
}

/// Where a detection's message was found on the mail server, read without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageReply {
    /// The message's bytes as read, and the folder it is in.
    Found { folder: String, raw: Vec<u8> },
    /// In none of these folders any more.
    Gone { looked_in: Vec<String> },
    /// Not read, and why (server or store words: shown escaped).
    Failed(String),
}

/// What the page asks of the service beyond reading the store.
pub trait Backend: Send + Sync + 'static {
    /// Moves detection `id` back from Junk (`scamguard restore ID`).
    fn restore(&self, id: i64) -> BoxFuture<'_, RestoreReply>;
    /// Detection `id`'s message as the server holds it now (read-only, `BODY.PEEK`).
    fn message(&self, id: i64) -> BoxFuture<'_, MessageReply>;
    /// The report of `account` for `period`, as the weekly report mail has it.
    fn weekly(&self, account: String, period: Period) -> BoxFuture<'_, Result<WeeklyReport, StoreError>>;
    /// The accounts the service watches now, in order: the configured ones, then the
    /// enabled ones stored in the database (added while the page runs included).
    fn accounts(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>>;
}

/// Everything a request handler needs, passed explicitly.
#[derive(Clone)]
pub struct WebState {
    pub store: Arc<Store>,
    pub backend: Arc<dyn Backend>,
    pub auth: Arc<Auth>,
    /// `report.lang`: the language when neither the URL nor the browser names one.
    pub default_lang: Lang,
}

/// Serves the review page on `listener` until `stop` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: WebState,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, routes::router(state)).with_graceful_shutdown(stop).await
}
