//! scamguard's engine: what a mail says and what it is, with no I/O, no clock and no
//! async, so the service, the fuzz target and any other caller (a milter, a library
//! user) link only this.
//!
//! # Layout
//! - [`mail`]: raw RFC 5322 bytes → normalised [`mail::Email`]; text made safe to print.
//! - [`detect`]: [`mail::Email`] → [`detect::Verdict`] with named signals.
//! - [`explain`]: verdict → human-readable account and JSON lines.
//! - [`learn`]: labelled mails → a model for [`detect`], with cross-validated figures.
//!
//! Dependency rule: `detect` knows only `mail`; `learn` knows `detect` and `mail`; `mail`
//! knows nothing else here.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod detect;
pub mod explain;
pub mod learn;
pub mod mail;
