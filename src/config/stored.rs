//! Accounts kept in the database (`scamguard accounts add`): the same table of settings a
//! configuration file's `[[accounts]]` holds, checked by the same code, with what a
//! database row must not hold refused with a clear error.
//!
//! A row is readable by whoever reads the database (every worker of a fleet, its backups),
//! so it names where the secret is (`password_env`, `password_file`, `password_command`)
//! and never holds it: an inline `password` is refused. Paths must be absolute: a row has
//! no file whose folder a relative path could be taken from. `auth = "oauth2"` is refused
//! for now: its refresh token lives in a file beside one machine's database, which the
//! other workers of a fleet cannot read.

use super::stored_secrets::refusal;
use super::{Account, AuthMethod, Config, PasswordSource, RawAccount};

/// Parses and checks an account's settings as stored (TOML, the keys of `[[accounts]]`).
pub fn parse_stored_account(settings: &str) -> Result<Account, String> {
    let raw: RawAccount = toml::from_str(settings).map_err(|e| e.to_string())?;
    if raw.password.is_some() {
        return Err("a stored account must not hold its password: name where it is read from with \
                    password_env, password_file or password_command"
            .into());
    }
    if raw.auth == AuthMethod::OAuth2 {
        return Err("auth = \"oauth2\" accounts are configured in the configuration file (their token \
                    file lives beside one machine's database); use password_command for a stored account"
            .into());
    }
    let account = super::check_account(raw)?;
    // A stored name reaches logs, `status` and commands' arguments from a row anyone
    // with write access to the database may have written: printable text only.
    if account.name.chars().any(char::is_control) {
        return Err(format!(
            "the name {:?} holds control characters; a stored account's may not",
            account.name
        ));
    }
    let relative = |path: &std::path::Path| !path.is_absolute();
    if let PasswordSource::File(file) = &account.password
        && relative(file)
    {
        return Err(format!("password_file {} must be an absolute path in a stored account", file.display()));
    }
    if let Some(file) = account.ca_file.as_deref().filter(|f| relative(f)) {
        return Err(format!("ca_file {} must be an absolute path in a stored account", file.display()));
    }
    Ok(account)
}

/// The settings `accounts add` stores for the account `text` describes: checked as
/// [`parse_stored_account`] checks them, and written again from the keys alone. A row is
/// read by every worker and kept in every backup, so what the text held beside its keys
/// (comments: a `# password = "..."` left from the configuration it was copied out of)
/// must not travel with it.
pub fn stored_settings(text: &str) -> Result<(Account, String), String> {
    let account = parse_stored_account(text)?;
    let keys: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let settings = toml::to_string(&keys).map_err(|e| e.to_string())?;
    Ok((account, settings))
}

impl Config {
    /// The stored account `name` (its `settings`), or an error naming it: its name is the
    /// configuration's, its settings no longer read, or they name another account.
    pub fn stored_account(&self, name: &str, settings: &str) -> Result<Account, String> {
        if self.accounts.iter().any(|a| a.name == name) {
            return Err(format!(
                "account {name:?} is both in the configuration and in the database; remove one \
                 (`scamguard accounts remove {name:?}`)"
            ));
        }
        match parse_stored_account(settings) {
            Ok(account) if account.name == name => match refusal(&self.stored_secrets, &account.password) {
                None => Ok(account),
                Some(why) => Err(format!("stored account {name:?}: {why}")),
            },
            Ok(account) => Err(format!("stored account {name:?} is named {:?} inside", account.name)),
            Err(error) => Err(format!("stored account {name:?}: {error}")),
        }
    }

    /// The configuration's accounts and the enabled stored ones (`stored`: name and
    /// settings). A stored account whose name the configuration uses, or whose settings
    /// no longer read, is an error naming it, returned beside the accounts that do.
    pub fn with_stored(&self, stored: &[(String, String)]) -> (Vec<Account>, Vec<String>) {
        let mut accounts = self.accounts.clone();
        let mut errors = Vec::new();
        for (name, settings) in stored {
            match self.stored_account(name, settings) {
                Ok(account) => accounts.push(account),
                Err(error) => errors.push(error),
            }
        }
        (accounts, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORED: &str = "name = \"b\"\nhost = \"imap.example.net\"\ntls = \"implicit\"\n\
                          username = \"b@example.net\"\npassword_env = \"B_PASSWORD\"\n";
    /// A configuration allowing stored accounts the variables `B_…`.
    const ALLOW_B: &str = "[database]\nstored_secrets = [\"env:B_\"]\n";

    #[test]
    fn a_stored_account_reads_as_a_configured_one_and_never_holds_its_secret() {
        let account = parse_stored_account(STORED).expect("valid");
        assert_eq!((account.name.as_str(), account.port), ("b", 993));
        assert_eq!(account.password, PasswordSource::Env("B_PASSWORD".into()));
        let inline = STORED.replace("password_env = \"B_PASSWORD\"", "password = \"hunter2\"");
        let refused = parse_stored_account(&inline).expect_err("inline password");
        assert!(refused.contains("must not hold its password") && !refused.contains("hunter2"), "{refused}");
        let relative = STORED.replace("password_env = \"B_PASSWORD\"", "password_file = \"pw\"");
        assert!(parse_stored_account(&relative).expect_err("relative").contains("absolute"));
        let absolute = STORED.replace("password_env = \"B_PASSWORD\"", "password_file = \"/etc/sg/pw\"");
        assert!(parse_stored_account(&absolute).is_ok());
        assert!(
            parse_stored_account("name = \"x\"\nbogus = 1\n").expect_err("unknown key").contains("bogus")
        );
    }

    #[test]
    fn what_is_stored_is_the_keys_without_comments_that_could_hold_a_secret() {
        let text = format!(
            "# copied from config.toml, where it was: password = \"hunter2\"\n{}\
             port = 993 # the old one: hunter2\n[detection]\nthreat = 0.9\n",
            STORED
        );
        let (account, settings) = stored_settings(&text).expect("valid");
        assert!(!settings.contains("hunter2") && !settings.contains('#'), "{settings}");
        assert_eq!(parse_stored_account(&settings).expect("reads back"), account);
        assert_eq!(account.detection.threat, Some(0.9));
        assert!(stored_settings("password = \"hunter2\"").is_err());
    }

    #[test]
    fn a_stored_name_with_control_characters_is_refused_and_never_shown_raw() {
        let hostile = STORED.replace("name = \"b\"", "name = \"b\\u001b[2J\\r\"");
        let refused = parse_stored_account(&hostile).expect_err("control characters");
        assert!(refused.contains("control characters") && !refused.contains('\u{1b}'), "{refused}");
        // A row written to the database directly is refused on reading, its name escaped.
        let config = Config::parse("").expect("empty");
        let said = config.stored_account("b\u{1b}[2J\r", &hostile).expect_err("refused");
        assert!(!said.contains('\u{1b}') && !said.contains('\r'), "{said}");
        let clash = Config::parse(&format!("[[accounts]]\n{}", STORED.replace("\"b\"", "\"a\\u001b\"")))
            .expect("valid");
        let said = clash.stored_account("a\u{1b}", STORED).expect_err("clash");
        assert!(!said.contains('\u{1b}'), "{said}");
    }

    /// A stored row is written by whoever can write the database, and read by every
    /// worker: it must not reach the worker's own secrets or run what it likes there.
    #[test]
    fn a_stored_account_cannot_reach_the_workers_own_secrets() {
        let config = Config::parse(ALLOW_B).expect("stored_secrets");
        assert!(config.stored_account("b", STORED).is_ok(), "listed: env:B_");
        let unlisted = Config::parse("").expect("empty");
        assert!(
            unlisted
                .stored_account("b", STORED)
                .expect_err("nothing unless listed")
                .contains("stored_secrets")
        );
        for source in [
            "password_env = \"PGPASSWORD\"",
            "password_file = \"/var/run/secrets/kubernetes.io/serviceaccount/token\"",
            "password_command = \"sh -c 'cat /etc/scamguard/config.toml'\"",
        ] {
            let row = STORED.replace("password_env = \"B_PASSWORD\"", source);
            assert!(config.stored_account("b", &row).is_err(), "{source} is read and sent to the row's host");
        }
    }

    #[test]
    fn a_stored_account_named_like_a_configured_one_is_an_error_and_the_rest_are_watched() {
        let config = Config::parse(&format!("{ALLOW_B}[[accounts]]\n{}", STORED.replace("\"b\"", "\"a\"")))
            .expect("valid");
        let stored = [
            ("a".to_string(), STORED.replace("\"b\"", "\"a\"")),
            ("b".to_string(), STORED.to_string()),
            ("c".to_string(), "garbled".to_string()),
        ];
        let (accounts, errors) = config.with_stored(&stored);
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("both in the configuration and in the database"), "{errors:?}");
        assert!(errors[1].contains("stored account \"c\""), "{errors:?}");
    }
}
