//! The `scamguard` command: parses arguments, sets up logging, and calls the library.
#![deny(clippy::indexing_slicing)]

use std::io::IsTerminal;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use scamguard::config::Config;
use scamguard::detect::classify;
use scamguard::{bench, explain, mail, source};

#[derive(Parser)]
#[command(name = "scamguard", version, about = "Catches extortion and phishing mail, and explains why")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify .eml files, folders of them (searched recursively) or mbox files.
    Scan {
        /// One JSON object per message and line.
        #[arg(long)]
        json: bool,
        /// Configuration file (detection thresholds).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Explain the verdict on one message: every signal and its evidence.
    Explain {
        #[arg(long)]
        config: Option<PathBuf>,
        file: PathBuf,
    },
    /// Watch the configured IMAP accounts and move threats to Junk.
    Run {
        #[arg(long)]
        config: PathBuf,
        /// One full pass over every account and folder, then exit (non-zero if any failed).
        #[arg(long)]
        once: bool,
        /// Record verdicts, move nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also read again the mail received in the last N days ("30d"), once; nothing
        /// handled before is moved twice.
        #[arg(long, value_parser = parse_rescan)]
        rescan: Option<u32>,
    },
    /// Connect to each account and report what would be used, or precisely what is wrong.
    Check {
        #[arg(long)]
        config: PathBuf,
    },
    /// List recorded detections, newest first.
    History {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        json: bool,
        /// Only this account.
        #[arg(long)]
        account: Option<String>,
        /// Only since then: 7d, 24h or 2026-11-01.
        #[arg(long)]
        since: Option<String>,
        /// Only this verdict.
        #[arg(long, value_enum)]
        verdict: Option<VerdictArg>,
        /// Only this category.
        #[arg(long, value_enum)]
        category: Option<CategoryArg>,
        /// At most this many, newest first.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
    /// Everything recorded for one detection, with each signal and its evidence.
    Show {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        json: bool,
        id: i64,
    },
    /// Move a message back from Junk to where it came from and never move it again.
    Restore {
        #[arg(long)]
        config: PathBuf,
        /// Also trust the sender: their mail will not be moved either.
        #[arg(long)]
        trust_sender: bool,
        id: i64,
    },
    /// The weekly report: what arrived, what was moved, wallets, amounts, advice.
    Report {
        #[arg(long)]
        config: PathBuf,
        /// Only this account (default: every account).
        #[arg(long)]
        account: Option<String>,
        /// An ISO week such as 2026-W47 (default: the last full week).
        #[arg(long, conflicts_with = "since")]
        week: Option<String>,
        /// The last N days instead of a week, e.g. 7d.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = service::ReportFormat::Text)]
        format: service::ReportFormat,
        /// Default: report.lang from the configuration.
        #[arg(long, value_enum)]
        lang: Option<scamguard::report::render::Lang>,
        /// Also put the report into the account's INBOX (once per week).
        #[arg(long)]
        deliver: bool,
    },
    /// Measure classification speed on generated mail (and optionally on a folder).
    Bench {
        /// How many generated messages to classify.
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        /// Measure on the .eml files in this folder instead of generated mail.
        #[arg(long)]
        corpus: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}

/// The verdicts `history --verdict` can select: what the store records (clean mail is
/// not recorded).
#[derive(Clone, Copy, ValueEnum)]
enum VerdictArg {
    Threat,
    Suspicious,
    Unreadable,
}

/// The categories `history --category` can select.
#[derive(Clone, Copy, ValueEnum)]
enum CategoryArg {
    Extortion,
    Phishing,
    Malware,
    Other,
}

/// The word a value is typed as, which is also the word the store records.
fn word(value: impl ValueEnum) -> String {
    value.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}

fn parse_rescan(text: &str) -> Result<u32, String> {
    scamguard::config::parse_days(text)
        .ok_or_else(|| format!("--rescan takes a number of days like 30d, not {text:?}"))
}

fn main() -> ExitCode {
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
        Command::Run { config, once, dry_run, rescan } => {
            service::run(&config, scamguard::app::RunOptions { once, dry_run, rescan_days: rescan })
        }
        Command::Check { config } => service::check(&config),
        Command::Show { config, json, id } => service::show(&config, json, id),
        Command::Report { config, account, week, since, format, lang, deliver } => {
            service::report(&config, service::ReportRequest { account, week, since, format, lang, deliver })
        }
        Command::Restore { config, trust_sender, id } => service::restore(&config, id, trust_sender),
        Command::History { config, json, account, since, verdict, category, limit } => {
            let (verdict, category) = (verdict.map(word), category.map(word));
            service::history(&config, json, account, since.as_deref(), verdict, category, limit)
        }
        Command::Scan { json, config, paths } => scan(&paths, json, config.as_deref()),
        Command::Explain { config, file } => explain_file(&file, config.as_deref()),
        Command::Bench { messages, corpus, rounds } => run_bench(messages, corpus.as_deref(), rounds),
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

mod service;

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

fn scan(paths: &[PathBuf], json: bool, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = load_config(config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut counts = [0usize; 3];
    let mut unreadable = 0usize;
    let mut missing_path = false;
    for path in paths {
        let mut visit = |input: source::Input| {
            let outcome = input
                .bytes
                .map_err(|e| {
                    missing_path |= matches!(e, source::SourceError::NotFound(_));
                    e.to_string()
                })
                .and_then(|raw| mail::parse(&raw).map_err(|e| e.to_string()));
            let line = match outcome {
                Ok(email) => {
                    let verdict = classify(&email, &config.detection);
                    if let Some(count) = counts.get_mut(verdict.label as usize) {
                        *count += 1;
                    }
                    if json {
                        explain::json_line(&input.label, &email, &verdict).to_string()
                    } else {
                        explain::summary_line(&input.label, &verdict)
                    }
                }
                Err(error) => {
                    unreadable += 1;
                    if json {
                        explain::json_error(&input.label, &error).to_string()
                    } else {
                        let (label, error) =
                            (mail::printable::escape(&input.label), mail::printable::escape(&error));
                        format!("{:<10} {:>5}  {:<9}  {label}  [{error}]", "error", "-", "-")
                    }
                }
            };
            let _ = writeln!(out, "{line}");
        };
        source::for_each_message(path, &mut visit);
    }
    let [clean, suspicious, threats] = counts;
    if !json {
        writeln!(
            out,
            "\n{} messages: {threats} threat, {suspicious} suspicious, {clean} clean, {unreadable} unreadable",
            clean + suspicious + threats + unreadable
        )?;
    }
    out.flush()?;
    Ok(if missing_path { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn explain_file(file: &Path, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = load_config(config)?;
    let raw = std::fs::read(file).with_context(|| format!("Unable to read {}", file.display()))?;
    let email = mail::parse(&raw).with_context(|| format!("Unable to parse {}", file.display()))?;
    let verdict = classify(&email, &config.detection);
    print!("{}", explain::explain(&email, &verdict));
    Ok(ExitCode::SUCCESS)
}

fn run_bench(messages: usize, corpus: Option<&Path>, rounds: usize) -> anyhow::Result<ExitCode> {
    let corpus = match corpus {
        Some(dir) => {
            let files = source::eml_files(dir);
            anyhow::ensure!(!files.is_empty(), "no .eml files in {}", dir.display());
            files
                .iter()
                .map(|f| std::fs::read(f).with_context(|| format!("Unable to read {}", f.display())))
                .collect::<anyhow::Result<Vec<_>>>()?
        }
        None => bench::generate_corpus(messages),
    };
    let report = bench::run(&corpus, rounds);
    println!("messages:              {} (mean {} bytes)", report.messages, report.mean_bytes);
    println!("parse only:            {:>8.0} msg/CPU-s", report.parse_per_cpu_second);
    println!("parse + classify:      {:>8.0} msg/CPU-s", report.classify_per_cpu_second);
    println!("classify / parse time: {:>8.2}x", report.classify_over_parse);
    println!("threats found:         {}", report.threats);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use scamguard::detect::{Category, Label};
    use scamguard::report::render::Lang;

    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from([&["scamguard"], args].concat()).map(|cli| cli.command)
    }

    /// `--verdict`, `--category`, `--format` and `--lang` take only their words: a typo is
    /// a usage error naming the choices, not an empty history or a fallback.
    #[test]
    fn command_line_values_outside_their_vocabulary_are_usage_errors() {
        for args in [
            ["history", "--config", "c", "--verdict", "threats"],
            ["history", "--config", "c", "--category", "spam"],
            ["report", "--config", "c", "--format", "xml"],
            ["report", "--config", "c", "--lang", "fr"],
        ] {
            let error = parse(&args).err().unwrap_or_else(|| panic!("{args:?} was accepted"));
            assert_eq!(error.kind(), ErrorKind::InvalidValue, "{args:?}");
            assert!(error.to_string().contains("possible values"), "{error}");
        }
    }

    #[test]
    fn command_line_values_are_read_into_their_enums() {
        match parse(&["report", "--config", "c", "--format", "html", "--lang", "ja"]) {
            Ok(Command::Report { format, lang, .. }) => {
                assert_eq!((format, lang), (service::ReportFormat::Html, Some(Lang::Ja)))
            }
            _ => panic!("report did not parse"),
        }
        match parse(&["report", "--config", "c"]) {
            Ok(Command::Report { format, lang, .. }) => {
                assert_eq!((format, lang), (service::ReportFormat::Text, None))
            }
            _ => panic!("report did not parse"),
        }
    }

    /// The words `history` filters by are the words the store records.
    #[test]
    fn filter_words_are_the_recorded_words() {
        assert_eq!(word(VerdictArg::Threat), Label::Threat.as_str());
        assert_eq!(word(VerdictArg::Suspicious), Label::Suspicious.as_str());
        assert_eq!(word(VerdictArg::Unreadable), "unreadable");
        let categories = [
            (CategoryArg::Extortion, Category::Extortion),
            (CategoryArg::Phishing, Category::Phishing),
            (CategoryArg::Malware, Category::Malware),
            (CategoryArg::Other, Category::Other),
        ];
        for (arg, category) in categories {
            assert_eq!(word(arg), category.as_str());
        }
    }
}
