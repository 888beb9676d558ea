//! The `scamguard` command line: parse the arguments, set up logging, and hand each
//! command to the module that does it. `app` does the wiring; these are thin edges that
//! load the configuration, start the runtime and print results with context.

mod args;
mod files;
mod review;
mod train;
mod watch;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use scamguard::config::Config;
use scamguard::mail;

use args::{Cli, Command, word};

/// Runs the command the arguments name, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    // async-imap traces every command it sends, LOGIN and AUTHENTICATE included: its
    // trace output is held at "info" whatever RUST_LOG says, so no password or token can
    // reach a log.
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
        .from_env_lossy()
        .add_directive("async_imap=info".parse().expect("static directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(scamguard::app::progress::log_writer)
        .init();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Run { .. }) && std::io::stderr().is_terminal() {
        scamguard::app::progress::show_bars();
    }
    let result = match cli.command {
        Command::Run { config, once, dry_run, rescan } => watch::run(&config, once, dry_run, rescan),
        Command::Check { config } => watch::check(&config),
        Command::Learn { config, account, limit, reset } => watch::learn(&config, &account, limit, reset),
        Command::Show { config, json, id } => review::show(&config, json, id),
        Command::Report { config, account, week, since, format, lang, deliver } => {
            review::report(&config, review::ReportRequest { account, week, since, format, lang, deliver })
        }
        Command::Restore { config, trust_sender, id } => review::restore(&config, id, trust_sender),
        Command::History { config, json, account, since, verdict, category, limit } => {
            let (verdict, category) = (verdict.map(word), category.map(word));
            review::history(&config, json, account, since.as_deref(), verdict, category, limit)
        }
        Command::Scan { json, config, model, authserv_ids, paths } => {
            files::scan(&paths, json, config.as_deref(), model.as_deref(), authserv_ids)
        }
        Command::Explain { config, model, file } => {
            files::explain_file(&file, config.as_deref(), model.as_deref())
        }
        Command::Train { out, relabel, predictions, folds, dirs } => {
            train::train(&out, relabel.as_deref(), predictions.as_deref(), usize::from(folds), &dirs)
        }
        Command::Signals => files::list_signals(),
        Command::Bench { messages, corpus, rounds } => files::run_bench(messages, corpus.as_deref(), rounds),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // Error chains quote server answers, file names and folder names: escaped.
            eprintln!("scamguard: {}", mail::printable::escape(&format!("{error:#}")));
            ExitCode::from(2)
        }
    }
}

/// The configuration at `path`, its warnings logged; without one, the defaults.
fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(path) => {
            let (config, warnings) = Config::load(path).context("Unable to load the configuration")?;
            for warning in warnings {
                tracing::warn!("{warning}");
            }
            Ok(config)
        }
        None => Ok(Config::parse("").expect("empty configuration is valid")),
    }
}

/// The async runtime the service commands run on.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Unable to start the async runtime")
}
