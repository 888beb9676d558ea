//! Test infrastructure: real servers the tests start themselves.

pub mod chromium;
pub mod courier;
pub mod dovecot;
pub mod oauth;
pub mod postgres;
pub use postgres::net;
pub mod proxy;

/// The `scamguard` binary under test.
pub fn scamguard() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_scamguard"))
}
