//! Configuration file → validated settings.
//!
//! Two layers, as ripgrep does it: serde reads what was typed (unknown keys and bad values
//! are errors naming the key and the line), then [`Config::parse`] checks what serde
//! cannot (one password source per account, plaintext only on loopback) and fills in
//! defaults. Secrets are never stored here: only where to read them from, see
//! [`secret`].

mod account;
pub mod authserv;
mod database;
mod detection;
pub mod location;
pub mod model_file;
pub mod oauth;
pub mod secret;
mod stored;
pub mod stored_secrets;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::render::Lang;

pub use account::{Account, AuthMethod, InitialScan, TlsMode, is_loopback, parse_days, same_folder};
use account::{RawAccount, check_account, oauth_token_files};
pub use authserv::{AuthservIds, IdsFrom};
pub use detection::{AccountDetection, Detection};
pub use oauth::OAuth;
pub use secret::{PasswordSource, Secret};
pub use stored::{parse_stored_account, stored_settings};

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Unreadable { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Detection thresholds, the database file, the accounts and the weekly report.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub detection: Detection,
    /// The SQLite file (`[database] path`); unused for the store when `database_url` is
    /// set, but still where side files go (the review page's token).
    pub database: PathBuf,
    /// `[database] url`: a PostgreSQL database (`postgres://…`) instead of the file. It
    /// may hold a password, so it is kept as a [`Secret`].
    pub database_url: Option<Secret>,
    /// `[database] stored_secrets`: where an account stored in the database may say its
    /// secret is; nothing unless listed (see [`stored_secrets`]).
    pub stored_secrets: Vec<stored_secrets::SecretRule>,
    pub accounts: Vec<Account>,
    pub report: ReportSettings,
}

/// When and in which language the weekly report is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    /// `report.lang`: `en` (the default) or `ja`.
    pub lang: Lang,
    /// Weekday (0 = Monday) and minute of the day, local time; `None` turns delivery off.
    pub schedule: Option<(u32, u32)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    detection: Option<Detection>,
    #[serde(default)]
    database: Option<RawDatabase>,
    #[serde(default)]
    accounts: Vec<RawAccount>,
    #[serde(default)]
    report: Option<RawReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    lang: Option<String>,
    schedule: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDatabase {
    pub(crate) path: Option<PathBuf>,
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) stored_secrets: Vec<String>,
}

impl Config {
    /// Reads and validates a TOML configuration file. Relative paths in it (database,
    /// `ca_file`, `password_file`, the model) are taken relative to the file's folder. Returns the
    /// config and warnings to log (an inline password in a file others can read).
    pub fn load(path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { path: path.display().to_string(), message };
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Unreadable { path: path.display().to_string(), source })?;
        let mut config = Config::parse(&text).map_err(invalid)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.database = base.join(&config.database);
        config.detection.model = config.detection.model.as_ref().map(|m| base.join(m));
        for account in &mut config.accounts {
            account.ca_file = account.ca_file.as_ref().map(|f| base.join(f));
            if let PasswordSource::File(file) = &mut account.password {
                *file = base.join(&*file);
            }
            if let Some(token_file) = account.oauth.as_mut().and_then(|o| o.token_file.as_mut()) {
                *token_file = base.join(&*token_file);
            }
        }
        let mut warnings = Vec::new();
        if config.database_url.as_ref().is_some_and(|url| database::has_password(url.expose()))
            && secret::readable_by_others(path)
        {
            warnings.push(format!(
                "{} holds a database password in [database] url and can be read by other users: chmod 600 \
                 it, or leave the password out of the URL and set PGPASSWORD (or ~/.pgpass)",
                path.display()
            ));
        }
        if config.accounts.iter().any(|a| matches!(a.password, PasswordSource::Inline(_)))
            && secret::readable_by_others(path)
        {
            warnings.push(format!(
                "{} holds a password and can be read by other users: chmod 600 it, or use password_env / password_file",
                path.display()
            ));
        }
        for account in &config.accounts {
            if let PasswordSource::File(file) = &account.password
                && secret::readable_by_others(file)
            {
                warnings.push(format!(
                    "{} (password_file of account {}) can be read by other users: chmod 600 it",
                    file.display(),
                    account.name
                ));
            }
        }
        Ok((config, warnings))
    }

    /// Parses TOML text; the error text names the key and, where serde knows it, the line.
    pub fn parse(text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let detection = raw.detection.unwrap_or_default();
        // The model is read when the service starts; the thresholds (global, and each
        // account's over them) are checked here against the built-in model's, for `check`.
        let checked = if detection.model.is_none() { Some(detection.detector(None)?) } else { None };
        let mut accounts = Vec::new();
        for (index, raw) in raw.accounts.into_iter().enumerate() {
            let account = check_account(raw).map_err(|e| format!("accounts[{index}]: {e}"))?;
            let own = checked.as_ref().map(|global| account.detection.over(global)).transpose();
            own.map_err(|e| format!("accounts[{index}]: {e}"))?;
            if accounts.iter().any(|a: &Account| a.name == account.name) {
                return Err(format!("accounts[{index}]: name {:?} is used twice", account.name));
            }
            // Two workers on one mailbox would each move the same threat: without MOVE,
            // each makes its own copy in Junk.
            if let Some(same) = accounts.iter().find(|a: &&Account| {
                a.host.eq_ignore_ascii_case(&account.host)
                    && a.port == account.port
                    && a.username == account.username
            }) {
                return Err(format!(
                    "accounts[{index}]: {} is the same mailbox as account {:?}; configure it once",
                    account.name, same.name
                ));
            }
            accounts.push(account);
        }
        let (database, database_url, stored_secrets) = database::check(raw.database)?;
        oauth_token_files(&mut accounts, &database)?;
        let raw_report = raw.report.unwrap_or(RawReport { lang: None, schedule: None });
        let lang = match raw_report.lang {
            None => Lang::En,
            Some(word) => Lang::parse(&word)
                .map_err(|_| format!("report.lang must be \"en\" or \"ja\", not {word:?}"))?,
        };
        let schedule = parse_schedule(raw_report.schedule.as_deref().unwrap_or("monday 09:00"))?;
        let report = ReportSettings { lang, schedule };
        Ok(Config { detection, database, database_url, stored_secrets, accounts, report })
    }
}

/// Reads "monday 09:00" (any weekday, 24-hour time) or "off".
fn parse_schedule(text: &str) -> Result<Option<(u32, u32)>, String> {
    const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let bad = || format!("report.schedule must be like \"monday 09:00\" or \"off\", not {text:?}");
    let lower = text.trim().to_lowercase();
    if lower == "off" {
        return Ok(None);
    }
    let (day, time) = lower.split_once(' ').ok_or_else(bad)?;
    let weekday = DAYS.iter().position(|d| *d == day).ok_or_else(bad)? as u32;
    let (hours, minutes) = time.trim().split_once(':').ok_or_else(bad)?;
    let (hours, minutes): (u32, u32) =
        (hours.parse().map_err(|_| bad())?, minutes.parse().map_err(|_| bad())?);
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    Ok(Some((weekday, hours * 60 + minutes)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const ACCOUNT: &str = "[[accounts]]\nname = \"personal\"\nhost = \"imap.example.com\"\ntls = \"implicit\"\n\
        username = \"me@example.com\"\npassword_env = \"SG_PASSWORD\"\n";

    #[test]
    fn the_example_configuration_is_valid() {
        let config =
            Config::parse(include_str!("../config/example.toml")).expect("config/example.toml parses");
        assert_eq!(config.accounts.len(), 1);
        assert_eq!(config.detection, Detection::default());
    }

    #[test]
    fn an_account_gets_its_defaults() {
        let config = Config::parse(ACCOUNT).expect("valid");
        let account = config.accounts.first().expect("one account");
        assert_eq!(account.port, 993);
        assert_eq!(account.folders, ["INBOX"]);
        assert_eq!(account.junk, None);
        assert_eq!(account.initial_scan, InitialScan::New);
        assert_eq!(account.password, PasswordSource::Env("SG_PASSWORD".into()));
        assert_eq!(account.max_message_bytes, 2 * 1024 * 1024);
        assert_eq!(config.database, PathBuf::from("scamguard.db"));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_line() {
        let error = Config::parse("[detection]\nsuspicious = 0.4\nthreat = 0.8\nthreshold = 1\n")
            .expect_err("unknown key");
        assert!(error.contains("threshold") && error.contains("line 4"), "{error}");
        let error = Config::parse("[detection]\nsuspicious = 0.9\nthreat = 0.8\n").expect_err("inverted");
        assert!(error.contains("suspicious <= threat"), "{error}");
        let error = Config::parse(&ACCOUNT.replace("implicit", "plain")).expect_err("bad tls");
        assert!(error.contains("tls") || error.contains("plain"), "{error}");
        assert!(error.contains("line 4"), "{error}");
    }

    #[test]
    fn plaintext_is_refused_unless_the_server_is_on_loopback() {
        let error =
            Config::parse(&ACCOUNT.replace("implicit", "none")).expect_err("plaintext to a remote host");
        assert!(error.contains("loopback"), "{error}");
        let local = ACCOUNT.replace("implicit", "none").replace("imap.example.com", "127.0.0.1");
        assert_eq!(
            Config::parse(&local).expect("loopback is fine").accounts.first().map(|a| a.port),
            Some(143)
        );
    }

    #[test]
    fn exactly_one_password_source() {
        let none = ACCOUNT.replace("password_env = \"SG_PASSWORD\"\n", "");
        assert!(Config::parse(&none).expect_err("no source").contains("password_env"));
        let two = format!("{ACCOUNT}password_file = \"pw.txt\"\n");
        assert!(Config::parse(&two).expect_err("two sources").contains("only one"));
        let oauth = format!("{ACCOUNT}auth = \"xoauth2\"\n");
        assert!(Config::parse(&oauth).expect_err("token needs a command").contains("password_command"));
    }

    #[test]
    fn oauth2_takes_its_table_and_no_password_and_each_account_its_own_token_file() {
        let oauth = ACCOUNT.replace("password_env = \"SG_PASSWORD\"\n", "auth = \"oauth2\"\n");
        let table = "[accounts.oauth]\nprovider = \"microsoft\"\nclient_id = \"id\"\n";
        let config = Config::parse(&format!("{oauth}{table}")).expect("valid");
        let account = config.accounts.first().expect("one account");
        assert_eq!(account.password, PasswordSource::StoredToken);
        let file = account.oauth.as_ref().and_then(|o| o.token_file.clone());
        assert_eq!(file, Some(PathBuf::from("scamguard.db.oauth-personal.json")));
        assert!(Config::parse(&oauth).expect_err("no table").contains("[accounts.oauth]"));
        let with_password = format!("{ACCOUNT}auth = \"oauth2\"\n{table}");
        assert!(Config::parse(&with_password).expect_err("password too").contains("takes no password"));
        let without_oauth2 = format!("{ACCOUNT}{table}");
        assert!(Config::parse(&without_oauth2).expect_err("not oauth2").contains("only with auth"));
        let second = oauth.replace("\"personal\"", "\"work\"").replace("me@", "other@");
        let shared =
            format!("{oauth}{table}token_file = \"t.json\"\n{second}{table}token_file = \"t.json\"\n");
        assert!(Config::parse(&shared).expect_err("one file").contains("same file"));
    }

    /// Writes `text` to `name` in `dir`, then gives it the Unix permissions `mode`.
    fn write_with_mode(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        chmod(&path, mode);
        path
    }

    fn chmod(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn an_inline_password_in_a_file_others_can_read_is_warned_about() {
        let dir = tempfile::tempdir().expect("temp dir");
        let inline = ACCOUNT.replace("password_env = \"SG_PASSWORD\"", "password = \"hunter2\"");
        let path = write_with_mode(dir.path(), "c.toml", &inline, 0o644);
        let (config, warnings) = Config::load(&path).expect("accepted");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(!warnings.iter().any(|w| w.contains("hunter2")));
        assert_eq!(config.database, dir.path().join("scamguard.db"), "relative paths follow the file");
        chmod(&path, 0o600);
        assert!(Config::load(&path).expect("accepted").1.is_empty());
    }

    /// The packaged service reads its configuration from systemd's credentials folder and
    /// `check` from /etc/scamguard: a relative password_file must follow the file in both.
    #[test]
    fn a_relative_password_file_is_read_beside_the_configuration() {
        let dir = tempfile::tempdir().expect("temp dir");
        let relative =
            ACCOUNT.replace("password_env = \"SG_PASSWORD\"", "password_file = \"personal.password\"");
        let path = write_with_mode(dir.path(), "c.toml", &relative, 0o600);
        let (config, _) = Config::load(&path).expect("accepted");
        assert_eq!(config.accounts[0].password, PasswordSource::File(dir.path().join("personal.password")));
    }

    #[test]
    fn the_report_schedule_defaults_to_monday_morning() {
        assert_eq!(Config::parse("").expect("valid").report.schedule, Some((0, 9 * 60)));
        let config = Config::parse("[report]\nlang = \"ja\"\nschedule = \"Friday 17:30\"\n").expect("valid");
        assert_eq!((config.report.lang, config.report.schedule), (Lang::Ja, Some((4, 17 * 60 + 30))));
        assert_eq!(Config::parse("[report]\nschedule = \"off\"\n").expect("valid").report.schedule, None);
        assert!(Config::parse("[report]\nschedule = \"someday\"\n").is_err());
        assert!(Config::parse("[report]\nlang = \"de\"\n").is_err());
    }

    #[test]
    fn a_password_file_others_can_read_is_warned_about() {
        let dir = tempfile::tempdir().expect("temp dir");
        let from_file = ACCOUNT.replace("password_env = \"SG_PASSWORD\"", "password_file = \"pw\"");
        let path = write_with_mode(dir.path(), "c.toml", &from_file, 0o600);
        let secret = write_with_mode(dir.path(), "pw", "hunter2\n", 0o640);
        let (_, warnings) = Config::load(&path).expect("accepted");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings.iter().all(|w| w.contains("pw") && w.contains("chmod 600") && !w.contains("hunter2"))
        );
        chmod(&secret, 0o600);
        assert!(Config::load(&path).expect("accepted").1.is_empty());
    }

    #[test]
    fn suspicious_keyword_must_be_an_imap_atom() {
        let with = |k: &str| Config::parse(&format!("{ACCOUNT}suspicious_keyword = {k:?}\n"));
        assert_eq!(
            with("$Suspicious").expect("valid").accounts.first().and_then(|a| a.suspicious_keyword.clone()),
            Some("$Suspicious".to_string())
        );
        for bad in [
            "\\Deleted",
            "\\Seen",
            "$Sus picious",
            "a(b",
            "a)b",
            "x{3}",
            "50%",
            "a*",
            "q\"",
            "]",
            "かな",
            "a\tb",
        ] {
            let error = with(bad).expect_err(bad);
            assert!(error.contains("suspicious_keyword") && error.contains("IMAP keyword"), "{bad}: {error}");
        }
        assert!(with("\\Deleted").expect_err("flag").contains("system flags"));
    }

    #[test]
    fn a_folder_or_a_mailbox_is_watched_once() {
        for folders in ["[\"INBOX\", \"INBOX\"]", "[\"INBOX\", \"inbox\"]", "[\"Work\", \"Home\", \"Work\"]"]
        {
            let error = Config::parse(&format!("{ACCOUNT}folders = {folders}\n")).expect_err("twice");
            assert!(error.contains("listed twice"), "{error}");
        }
        assert!(
            Config::parse(&format!("{ACCOUNT}folders = [\"Work\", \"work\"]\n")).is_ok(),
            "only INBOX ignores case"
        );
        let twice = format!("{ACCOUNT}{}", ACCOUNT.replace("name = \"personal\"", "name = \"again\""));
        let error = Config::parse(&twice).expect_err("same mailbox");
        assert!(error.contains("same mailbox as account \"personal\""), "{error}");
    }

    #[test]
    fn the_junk_folder_cannot_be_watched() {
        for (folders, junk) in [("[\"INBOX\", \"Junk\"]", "Junk"), ("[\"inbox\"]", "INBOX")] {
            let text = format!("{ACCOUNT}folders = {folders}\njunk = {junk:?}\n");
            let error = Config::parse(&text).expect_err("junk watched");
            assert!(error.contains("also the junk folder"), "{error}");
        }
        let fine = format!("{ACCOUNT}folders = [\"INBOX\", \"Junk-old\"]\njunk = \"Junk\"\n");
        assert!(Config::parse(&fine).is_ok());
    }

    #[test]
    fn the_password_command_timeout_is_read_with_a_default() {
        let command = ACCOUNT.replace("password_env = \"SG_PASSWORD\"", "password_command = \"pass x\"");
        let timeout = |text: &str| match Config::parse(text)
            .expect("valid")
            .accounts
            .first()
            .map(|a| a.password.clone())
        {
            Some(PasswordSource::Command { timeout, .. }) => timeout,
            other => panic!("{other:?}"),
        };
        assert_eq!(timeout(&command), Duration::from_secs(30));
        assert_eq!(timeout(&format!("{command}password_command_timeout = 5\n")), Duration::from_secs(5));
    }
}
