//! Integration tests: golden mails classified end to end, the `scamguard` command as a
//! user runs it, and hostile input. One binary (see STYLE.md); no test depends on another.

mod adversary;
mod cli;
mod commands;
mod correspondents;
mod courier;
mod faults;
mod feedback;
mod fleet;
mod fleet_restart;
mod golden;
mod guards;
mod hostile;
mod identity;
mod learning;
mod oauth;
mod packaging;
mod postgres;
mod refusals;
mod reports;
mod review;
mod senders;
mod service;
mod status;
mod storage;
mod stored_accounts;
mod support;
mod train;
mod unread;
mod watching;
mod web;
mod words;

use std::path::PathBuf;

/// The folder of golden `.eml` fixtures written for this project.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/eml")
}
