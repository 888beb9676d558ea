//! scamguard: guards mailboxes against extortion ("sextortion") and phishing mail.
//!
//! # Layout
//! - [`mail`], [`detect`], [`explain`]: the pure engine, its own crate
//!   (`crates/engine`, `scamguard-engine`), re-exported here: raw bytes → normalised
//!   [`mail::Email`] → [`detect::Verdict`] with named signals → explanations.
//! - [`source`]: reads `.eml` files, folders and mbox files from disk (I/O edge).
//! - [`config`]: the TOML file → validated settings; where secrets come from.
//! - [`store`]: database adapter (SQLite, or PostgreSQL by `[database] url`): detections,
//!   cursors, daily counts.
//! - [`clock`]: the system clock, and pure calendar arithmetic.
//! - [`imap`]: IMAP adapter: TLS, login, folders, fetch, move, IDLE.
//! - [`oauth`]: OAuth 2 built in: `auth login` flows, the stored refresh token, access
//!   tokens for IMAP logins (HTTP edge; the requests and answers are pure).
//! - [`app`]: the service: wires `imap` + `mail` + `detect` + `store`.
//! - [`report`]: history (and reports) rendered for people and programs (pure).
//! - [`web`]: the review page (`scamguard serve`), HTTP edge; `app` hands it restore and
//!   the weekly report.
//! - [`mod@bench`]: the classification benchmark behind `scamguard bench`.
//!
//! Dependency rule: `detect` knows only `mail`; `mail` knows nothing else here; `imap`
//! knows neither; `store` knows no IMAP; only `app` wires them. I/O lives in `source`,
//! `imap`, `store`, `clock` and the binary.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub use scamguard_engine::{detect, explain, learn, mail};

pub mod app;
pub mod bench;
pub mod clock;
pub mod config;
pub mod imap;
pub mod oauth;
pub mod report;
pub mod source;
pub mod store;
pub mod web;
