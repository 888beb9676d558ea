//! `scamguard serve`: the review page. Opens the database and the access token, listens,
//! prints the URL to open, and serves until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use scamguard::app;
use scamguard::store::Access;
use scamguard::web::Token;

use super::review::open_for_review_at;
use super::watch::wait_for_signal;
use super::{load_config, runtime};

/// `scamguard serve`.
pub fn serve(config_path: &Path, listen: SocketAddr) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    runtime()?.block_on(async {
        // Restore writes; like `restore`, this works beside a running `run`.
        let store = open_for_review_at(&scamguard::app::database(&config), Access::Write).await?;
        let token = Token::load_or_create(&config.database)?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("Unable to listen on {listen}"))?;
        let bound = listener.local_addr().context("Unable to read the address listened on")?;
        if let Some(warning) = exposure_warning(bound) {
            tracing::warn!("{warning}");
        }
        let shown = if bound.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], bound.port()))
        } else {
            bound
        };
        // The token goes to standard output for the user, never into the log.
        println!("Open http://{shown}/?token={}", token.reveal());
        tracing::info!(%bound, "serving the review page");
        let (stopper, shutdown) = app::shutdown::channel();
        tokio::spawn(async move {
            wait_for_signal().await;
            stopper.stop();
        });
        app::serve::serve(&config, Arc::new(store), token, listener, shutdown)
            .await
            .context("The review page stopped")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// What to say when the page listens where other machines can reach it.
fn exposure_warning(bound: SocketAddr) -> Option<String> {
    (!bound.ip().is_loopback()).then(|| {
        format!(
            "the review page listens on {bound}, not on loopback: other machines can reach it (the token \
             still guards it, but travels unencrypted); prefer an SSH tunnel to 127.0.0.1"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_non_loopback_address_is_warned_about() {
        for quiet in ["127.0.0.1:8025", "127.1.2.3:1", "[::1]:8025"] {
            assert_eq!(exposure_warning(quiet.parse().expect("address")), None, "{quiet}");
        }
        for exposed in ["0.0.0.0:8025", "192.0.2.7:8025", "[::]:8025"] {
            let warning = exposure_warning(exposed.parse().expect("address")).expect(exposed);
            assert!(warning.contains("not on loopback"), "{warning}");
        }
    }
}
