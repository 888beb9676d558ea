//! Test infrastructure: real servers the tests start themselves.

pub mod chromium;
pub mod courier;
pub mod oauth;
pub mod proxy;
pub use scamguard_testkit::{dovecot, net, postgres};

/// The `scamguard` binary under test.
pub fn scamguard() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_scamguard"))
}
