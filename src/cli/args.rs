//! What the command line says: the commands, their options and the words they take,
//! parsed by clap into typed values (no string is matched by hand).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::generate::Generated;
use super::logging::LogFormat;
use super::review::ReportFormat;
use scamguard::app::senders::Entry;
use scamguard::mail::auth::AuthservId;
use scamguard::report::render::Lang;

#[derive(Parser)]
#[command(name = "scamguard", version, about = "Catches extortion and phishing mail, and explains why")]
pub(super) struct Cli {
    /// How log lines are written to standard error: text (coloured only on a terminal)
    /// or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub(super) log_format: LogFormat,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Classify .eml files, folders of them (searched recursively) or mbox files.
    Scan {
        /// One JSON object per message and line.
        #[arg(long)]
        json: bool,
        /// Configuration file (detection thresholds).
        #[arg(long)]
        config: Option<PathBuf>,
        /// A model file written by `train`, instead of the configured or built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Believe only the Authentication-Results headers of this receiving server
        /// (its authserv-id, as an account's `authserv_id`); repeatable. Default: the
        /// topmost header's server.
        #[arg(long = "authserv-id", value_name = "ID")]
        authserv_ids: Vec<AuthservId>,
        /// The .eml files, folders of them (searched recursively) and mbox files to
        /// classify.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Explain the verdict on one message: every signal and its evidence.
    Explain {
        /// Configuration file (detection thresholds; with --account, that account).
        #[arg(long)]
        config: Option<PathBuf>,
        /// A model file written by `train`, instead of the configured or built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Explain as this account (configured or stored) would judge it: its thresholds,
        /// whose authentication it believes, the people it wrote to and what it learned
        /// from its user (read from the database).
        #[arg(long, requires = "config")]
        account: Option<String>,
        /// The mail to explain: one .eml file.
        file: PathBuf,
    },
    /// Learn a model from folders of .eml files labelled by their nearest folder named
    /// ham, extortion, phishing or other; prints cross-validated figures.
    Train {
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Corrected labels: file<TAB>from<TAB>to<TAB>reason, by file name.
        #[arg(long)]
        relabel: Option<PathBuf>,
        /// Write each mail's cross-validated probabilities here (tab-separated).
        #[arg(long)]
        predictions: Option<PathBuf>,
        /// Cross-validation folds.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(2..=20))]
        folds: u16,
        /// Folders of labelled .eml files (a mail's label is its nearest folder named
        /// ham, extortion, phishing or other).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// List every signal scamguard can report: its weight, kind and what it means.
    Signals,
    /// Watch the configured IMAP accounts and move threats to Junk.
    Run {
        #[command(flatten)]
        config: ConfigArg,
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
        /// Serve Prometheus metrics at http://ADDR/metrics and a health check at /healthz
        /// (e.g. 127.0.0.1:9898).
        #[arg(long, value_name = "ADDR")]
        metrics: Option<std::net::SocketAddr>,
    },
    /// Start an account's learning warm: learn from the newest mail of its Junk folder
    /// (as unwanted) and INBOX (as wanted), never marking any read; or forget it all.
    Learn {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        #[arg(long)]
        account: String,
        /// At most this many of the newest mails of each folder.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        /// Forget everything the account learned (its layer and near-copy digests) instead.
        #[arg(long)]
        reset: bool,
    },
    /// Connect to each account (configured, and enabled stored ones) and report what would
    /// be used, or precisely what is wrong.
    Check {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// List recorded detections, newest first.
    History {
        #[command(flatten)]
        config: ConfigArg,
        /// One JSON object per detection and line, with its fields and signals.
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
        /// Only this action: `released` (taken back out of Junk by you), `reported` (put
        /// into Junk by you), `moved`, `restored`, ...
        #[arg(long, value_enum)]
        action: Option<ActionArg>,
        /// At most this many, newest first.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
    /// Where every account and folder stands: connected or not, IDLE or polling, the last
    /// successful pass, how far it read, what waits, the last error, what was moved today.
    /// Works while `run` runs.
    Status {
        #[command(flatten)]
        config: ConfigArg,
        /// One JSON array of folder statuses.
        #[arg(long)]
        json: bool,
    },
    /// Everything recorded for one detection, with each signal and its evidence.
    Show {
        #[command(flatten)]
        config: ConfigArg,
        /// One JSON object with every recorded field.
        #[arg(long)]
        json: bool,
        /// The detection's number, as `history` lists it (#12 is 12).
        id: i64,
    },
    /// Move a message back from Junk to where it came from and never move it again.
    Restore {
        #[command(flatten)]
        config: ConfigArg,
        /// Also put the sender's address on the trust list: their mail is not moved either,
        /// when the receiving server authenticated it.
        #[arg(long)]
        trust_sender: bool,
        /// The detection's number, as `history` lists it (#12 is 12).
        id: i64,
    },
    /// Accounts kept in the database, watched by every `run` on it beside the
    /// configuration's (on PostgreSQL, shared between them by leases).
    Accounts {
        #[command(subcommand)]
        action: AccountsAction,
    },
    /// Senders whose mail is never moved, when the receiving server authenticated it.
    Trust {
        #[command(subcommand)]
        action: ListAction,
    },
    /// Senders whose mail is always moved to Junk, whatever the verdict.
    Block {
        #[command(subcommand)]
        action: ListAction,
    },
    /// The weekly report: what arrived, what was moved, wallets, amounts, advice.
    Report {
        #[command(flatten)]
        config: ConfigArg,
        /// Only this account (default: every account, configured and enabled stored).
        #[arg(long)]
        account: Option<String>,
        /// An ISO week such as 2026-W47 (default: the last full week).
        #[arg(long, conflicts_with = "since")]
        week: Option<String>,
        /// The last N days instead of a week, e.g. 7d.
        #[arg(long)]
        since: Option<String>,
        /// Plain text, one HTML page (as mailed), or JSON for programs.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// The report's language. Default: report.lang from the configuration.
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Also put the report into the account's INBOX (once per week).
        #[arg(long)]
        deliver: bool,
    },
    /// Serve the review page (history, one detection, restore, weekly report) in a
    /// browser; prints the URL to open, which carries the access token.
    Serve {
        #[command(flatten)]
        config: ConfigArg,
        /// Where to listen. Loopback by default: any other address lets other machines
        /// reach the page (the token still guards it) and is warned about.
        #[arg(long, default_value = "127.0.0.1:8025")]
        listen: std::net::SocketAddr,
    },
    /// OAuth 2 sign-in for accounts with `auth = "oauth2"` (Gmail, Microsoft 365,
    /// Outlook.com): store, check or remove the account's refresh token.
    Auth {
        #[command(subcommand)]
        action: AuthAction,
    },
    /// Measure classification speed on generated mail (and optionally on a folder).
    Bench {
        /// How many generated messages to classify.
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        /// Measure on the .eml files in this folder instead of generated mail.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Measure this many times: the best round gives the rates, the median round the ratio.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Write the manual page or a shell completion script to standard output (for
    /// packagers).
    #[command(hide = true)]
    Generate {
        /// What to write: the manual page or a shell's completion script.
        #[arg(value_enum)]
        what: Generated,
    },
}

/// `--config FILE`; left out, the user's `$XDG_CONFIG_HOME/scamguard/config.toml` (by
/// default under `~/.config`), then `/etc/scamguard/config.toml`.
#[derive(clap::Args, Clone, Debug)]
pub(super) struct ConfigArg {
    /// Configuration file (default: ~/.config/scamguard/config.toml, then
    /// /etc/scamguard/config.toml).
    #[arg(long)]
    config: Option<PathBuf>,
}

impl ConfigArg {
    /// The file named, or the first configuration found where they are looked for.
    pub(super) fn path(self) -> anyhow::Result<PathBuf> {
        match self.config {
            Some(path) => Ok(path),
            None => scamguard::config::location::default_config().map_err(|places| {
                let places: Vec<String> = places.iter().map(|p| p.display().to_string()).collect();
                anyhow::anyhow!("no --config given and no configuration at {}", places.join(" or "))
            }),
        }
    }
}

/// What `accounts` does.
#[derive(Subcommand)]
pub(super) enum AccountsAction {
    /// Add an account: FILE holds its settings, the keys of a configuration's
    /// `[[accounts]]` table, with password_env, password_file (absolute) or
    /// password_command (never a password). `-` reads them from standard input.
    Add {
        #[command(flatten)]
        config: ConfigArg,
        /// The file of settings (`-`: standard input).
        file: PathBuf,
    },
    /// List the stored accounts: name, enabled, host and user.
    List {
        #[command(flatten)]
        config: ConfigArg,
        /// One JSON object per account and line.
        #[arg(long)]
        json: bool,
    },
    /// Remove an account (its history stays); running workers stop watching it.
    Remove {
        #[command(flatten)]
        config: ConfigArg,
        /// The stored account, by name.
        name: String,
    },
    /// Stop watching an account, keeping it stored.
    Disable {
        #[command(flatten)]
        config: ConfigArg,
        /// The stored account, by name.
        name: String,
    },
    /// Watch a disabled account again.
    Enable {
        #[command(flatten)]
        config: ConfigArg,
        /// The stored account, by name.
        name: String,
    },
}

/// What `trust` and `block` do with an account's list.
#[derive(Subcommand)]
pub(super) enum ListAction {
    /// Show the list.
    List {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        #[arg(long)]
        account: String,
    },
    /// Add an address (alice@example.org) or a domain (example.org, with its subdomains).
    Add {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        #[arg(long)]
        account: String,
        /// An address (alice@example.org) or a domain (example.org).
        entry: Entry,
    },
    /// Remove an entry.
    Remove {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        #[arg(long)]
        account: String,
        /// The entry to take off, as `list` shows it.
        entry: String,
    },
}

/// What `auth` does for one account.
#[derive(Subcommand)]
pub(super) enum AuthAction {
    /// Sign in (Google: open the printed address in a browser; Microsoft: enter the printed
    /// code at the printed address) and keep the refresh token in a 0600 file.
    Login {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        account: String,
    },
    /// Whether a token is stored, and whether the provider still honours it.
    Status {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        account: String,
    },
    /// Delete the stored token (revoke the app's access at the provider as well).
    Logout {
        #[command(flatten)]
        config: ConfigArg,
        /// The account, by its name in the configuration or the database (`accounts add`).
        account: String,
    },
}

/// The verdicts `history --verdict` can select: what the store records (clean mail is
/// not recorded).
#[derive(Clone, Copy, ValueEnum)]
pub(super) enum VerdictArg {
    Threat,
    Suspicious,
    Unreadable,
}

/// The categories `history --category` can select.
#[derive(Clone, Copy, ValueEnum)]
pub(super) enum CategoryArg {
    Extortion,
    Phishing,
    Malware,
    Other,
}

/// The actions `history --action` can select: every action the store records.
#[derive(Clone, Copy, ValueEnum)]
pub(super) enum ActionArg {
    Planned,
    Moved,
    Copied,
    CopyMade,
    FlagPlanned,
    Flagged,
    DryRun,
    #[value(name = "none")]
    Nothing,
    Gone,
    TrustedSender,
    Restored,
    Unreadable,
    Released,
    Reported,
}

/// The word a value is typed as, which is also the word the store records.
pub(super) fn word(value: impl ValueEnum) -> String {
    value.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}

fn parse_rescan(text: &str) -> Result<u32, String> {
    scamguard::config::parse_days(text)
        .ok_or_else(|| format!("--rescan takes a number of days like 30d, not {text:?}"))
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use scamguard::detect::{Category, Label};
    use scamguard::store::Action;

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
            ["history", "--config", "c", "--action", "release"],
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
                assert_eq!((format, lang), (ReportFormat::Html, Some(Lang::Ja)))
            }
            _ => panic!("report did not parse"),
        }
        match parse(&["report", "--config", "c"]) {
            Ok(Command::Report { format, lang, .. }) => {
                assert_eq!((format, lang), (ReportFormat::Text, None))
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
        let actions: Vec<String> = ActionArg::value_variants().iter().map(|a| word(*a)).collect();
        assert_eq!(actions, Action::ALL.map(|a| a.as_str().to_string()), "every action, in its order");
    }

    /// Every argument and option of every command, and every command, says what it is
    /// in `--help` (and so in the manual page): a new one cannot be added bare.
    #[test]
    fn every_command_and_argument_has_help() {
        use clap::CommandFactory;
        fn bare(command: &clap::Command, path: &str, found: &mut Vec<String>) {
            if command.get_about().is_none() && !path.is_empty() {
                found.push(format!("command `{path}`"));
            }
            for arg in command.get_arguments() {
                // clap's own --help and --version explain themselves.
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    found.push(format!("`{} {}`", path.trim(), arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                bare(sub, &format!("{path} {}", sub.get_name()), found);
            }
        }
        let mut command = Cli::command();
        command.build();
        let mut found = Vec::new();
        bare(&command, "", &mut found);
        assert!(found.is_empty(), "without help text: {}", found.join(", "));
        let walked = command.get_subcommands().flat_map(|c| c.get_arguments()).count();
        assert!(walked > 40, "the walk reached the commands' arguments ({walked})");
    }

    /// `trust add` and `block add` take an address or a domain, lower-cased; anything
    /// else is a usage error that says what an entry is.
    #[test]
    fn list_entries_are_checked_as_typed() {
        match parse(&["trust", "add", "--config", "c", "--account", "a", "Alice@Example.ORG"]) {
            Ok(Command::Trust { action: ListAction::Add { entry, account, .. } }) => {
                assert_eq!((entry.as_str(), account.as_str()), ("alice@example.org", "a"))
            }
            _ => panic!("trust add did not parse"),
        }
        assert!(matches!(
            parse(&["block", "add", "--config", "c", "--account", "a", "spam.example"]),
            Ok(Command::Block { action: ListAction::Add { entry: Entry::Domain(_), .. } })
        ));
        for bad in ["Alice <alice@example.org>", "org", "@example.org"] {
            let error = parse(&["block", "add", "--config", "c", "--account", "a", bad]).err().expect(bad);
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
            assert!(error.to_string().contains("is not an address"), "{error}");
        }
        let missing = parse(&["trust", "list", "--config", "c"]).err().expect("--account is needed");
        assert_eq!(missing.kind(), ErrorKind::MissingRequiredArgument);
    }
}
