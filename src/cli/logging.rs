//! Where log lines go and how they look: `RUST_LOG` filters, text for a person (coloured
//! only on a terminal, so a log file holds no escape codes) or one JSON object per line
//! for journald and log shippers (`--log-format json`).

use std::io::IsTerminal;

use clap::ValueEnum;

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum LogFormat {
    /// One line of text per event; ANSI colours only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per event and line.
    Json,
}

/// Installs the logger for this process.
pub(super) fn init(format: LogFormat) {
    // async-imap traces every command it sends, LOGIN and AUTHENTICATE included: its
    // trace output is held at "info" whatever RUST_LOG says, so no password or token can
    // reach a log.
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
        .from_env_lossy()
        .add_directive("async_imap=info".parse().expect("static directive"));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(scamguard::app::progress::log_writer);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}
