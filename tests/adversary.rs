//! An adversary's pass over the operating edges (issue 16): what a log, a terminal or a
//! browser could be made to show or do, through the real binary against a real Dovecot.

use super::service::load;
use super::support::dovecot::{Dovecot, Options, PASSWORD};
use super::support::scamguard;

/// `RUST_LOG` aimed below async-imap's crate name (its stream module traces every command
/// it sends, LOGIN with the password included) still never logs the password.
#[tokio::test(flavor = "multi_thread")]
async fn no_rust_log_directive_makes_async_imap_log_the_password() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let _config = load(&path);
    for directive in ["async_imap::imap_stream=trace", "trace,async_imap::imap_stream=trace"] {
        let output = scamguard()
            .args(["run", "--once", "--config"])
            .arg(&path)
            .env("RUST_LOG", directive)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(!log.contains(PASSWORD), "RUST_LOG={directive} logged the password");
    }
}
