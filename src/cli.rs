//! The `scamguard` command line: parse the arguments, set up logging, and hand each
//! command to the module that does it. `app` does the wiring; these are thin edges that
//! load the configuration, start the runtime and print results with context.

mod accounts;
mod args;
mod auth;
mod files;
mod generate;
mod logging;
mod review;
mod senders;
mod serve;
mod status;
mod train;
mod watch;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use scamguard::config::Config;
use scamguard::mail;
use scamguard::store::{Action, CATEGORIES, Category, HistoryFilter, Verdict};

use args::{Cli, Command, word};

/// Runs the command the arguments name, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    if matches!(cli.command, Command::Run { .. })
        && std::io::stderr().is_terminal()
        && cli.log_format == logging::LogFormat::Text
    {
        scamguard::app::progress::show_bars();
    }
    let result = match cli.command {
        Command::Run { config, once, dry_run, rescan, metrics } => {
            config.path().and_then(|config| watch::run(&config, once, dry_run, rescan, metrics))
        }
        Command::Learn { config, account, limit, reset } => {
            config.path().and_then(|config| watch::learn(&config, &account, limit, reset))
        }
        Command::Status { config, json } => config.path().and_then(|config| status::status(&config, json)),
        Command::Check { config } => config.path().and_then(|config| watch::check(&config)),
        Command::Show { config, json, id } => {
            config.path().and_then(|config| review::show(&config, json, id))
        }
        Command::Report { config, account, week, since, format, lang, deliver } => {
            let request = review::ReportRequest { account, week, since, format, lang, deliver };
            config.path().and_then(|config| review::report(&config, request))
        }
        Command::Restore { config, trust_sender, id } => {
            config.path().and_then(|config| review::restore(&config, id, trust_sender))
        }
        Command::Trust { action } => senders::run(scamguard::store::ListKind::Trust, action),
        Command::Block { action } => senders::run(scamguard::store::ListKind::Block, action),
        Command::History { config, json, account, since, verdict, category, action, limit } => {
            let typed = || -> anyhow::Result<HistoryFilter> {
                Ok(HistoryFilter {
                    account,
                    since: None,
                    verdict: verdict.map(|v| vocab(&Verdict::ALL, Verdict::as_str, v)).transpose()?,
                    category: category.map(|c| vocab(&CATEGORIES, Category::as_str, c)).transpose()?,
                    action: action.map(|a| vocab(&Action::ALL, Action::as_str, a)).transpose()?,
                    limit: Some(limit),
                })
            };
            typed().and_then(|filter| {
                config.path().and_then(|config| review::history(&config, json, since.as_deref(), filter))
            })
        }
        Command::Scan { json, config, model, authserv_ids, paths } => {
            files::scan(&paths, json, config.as_deref(), model.as_deref(), authserv_ids)
        }
        Command::Explain { config, model, account, file } => {
            files::explain_file(&file, config.as_deref(), model.as_deref(), account.as_deref())
        }
        Command::Train { out, relabel, predictions, folds, dirs } => {
            train::train(&out, relabel.as_deref(), predictions.as_deref(), usize::from(folds), &dirs)
        }
        Command::Serve { config, listen } => config.path().and_then(|config| serve::serve(&config, listen)),
        Command::Accounts { action } => accounts::run(action),
        Command::Auth { action } => auth::run(action),
        Command::Signals => files::list_signals(),
        Command::Generate { what } => generate::generate(what),
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

/// The store's word for a command-line value: the CLI's value names are the words the
/// store records (`args::tests` keeps them in step), so a miss is a bug, said as an error
/// rather than dropping the filter and listing everything.
fn vocab<T: Copy>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    value: impl clap::ValueEnum,
) -> anyhow::Result<T> {
    let name = word(value);
    all.iter()
        .copied()
        .find(|w| as_str(*w) == name)
        .with_context(|| format!("{name:?} is not a word the store records"))
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
