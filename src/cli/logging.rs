//! Where log lines go and how they look: `RUST_LOG` filters, text for a person (coloured
//! only on a terminal, so a log file holds no escape codes) or one JSON object per line
//! for journald and log shippers (`--log-format json`).

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing::Level;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum LogFormat {
    /// One line of text per event; ANSI colours only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per event and line.
    Json,
}

/// Crates whose debug and trace output carries secrets: async-imap traces every command it
/// sends and every answer, LOGIN and AUTHENTICATE (password, token) and mail bodies
/// included. Their events above `info` are dropped whatever `RUST_LOG` says: a directive
/// in the `RUST_LOG` filter alone would not do, as a more specific one the user writes
/// (`async_imap::imap_stream=trace`) overrides it.
const SECRET_BEARING_CRATES: &[&str] = &["async_imap"];

/// Whether an event of `target` at `level` may be logged at all.
fn may_log(target: &str, level: Level) -> bool {
    let crate_name = target.split("::").next().unwrap_or(target);
    level <= Level::INFO || !SECRET_BEARING_CRATES.contains(&crate_name)
}

/// Installs the logger for this process.
pub(super) fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
        .from_env_lossy();
    let secrets = tracing_subscriber::filter::filter_fn(|meta| may_log(meta.target(), *meta.level()));
    let layer = tracing_subscriber::fmt::layer().with_writer(scamguard::app::progress::log_writer);
    let layer = match format {
        LogFormat::Text => layer.with_ansi(std::io::stderr().is_terminal()).boxed(),
        LogFormat::Json => layer.json().with_ansi(false).boxed(),
    };
    tracing_subscriber::registry().with(layer.with_filter(filter).with_filter(secrets)).init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_imap_is_heard_only_at_info_and_above_in_every_module() {
        for target in ["async_imap", "async_imap::imap_stream", "async_imap::client"] {
            assert!(!may_log(target, Level::TRACE) && !may_log(target, Level::DEBUG), "{target}");
            assert!(may_log(target, Level::INFO) && may_log(target, Level::WARN), "{target}");
        }
        assert!(may_log("scamguard::imap", Level::TRACE));
        assert!(may_log("async_imapx", Level::TRACE), "only that crate");
    }
}
