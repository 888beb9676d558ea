//! The accounts a command names: those of the configuration and those stored in the
//! database (`scamguard accounts add`), as `run` watches them (see `fleet`). A name the
//! configuration has is the configuration's account (`run` watches that one and says the
//! stored one clashes); a stored account must be enabled, as `run` watches only those,
//! and its settings must read.
//!
//! The decisions ([`known`], [`named`]) are pure, on the stored rows as read; the
//! adapters read those rows: from the database the command has open, or (read-only, only
//! when the configuration lacks the name) from the one the configuration names.

use crate::config::{Account, Config};
use crate::mail::printable::escape;
use crate::store::{Access, Location, Store, StoreError, StoredAccount};

/// Why no account could be used under a name.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Neither the configuration nor the database has it; `known` are the names they have.
    #[error("no account named \"{}\" in the configuration or the database (known: {})", escape(.name), names(.known))]
    Unknown { name: String, known: Vec<String> },
    /// Stored, but disabled (`scamguard accounts disable`): `run` does not watch it.
    #[error(
        "account \"{}\" is stored in the database but disabled (`scamguard accounts enable {}` watches it again)",
        escape(.0), escape(.0)
    )]
    Disabled(String),
    /// Stored and enabled, but its settings do not read (the reason names it).
    #[error("{}", escape(.0))]
    Unreadable(String),
    #[error("unable to read the stored accounts: {0}")]
    Store(#[from] StoreError),
}

/// Names for an error, escaped, or what to do when there are none.
fn names(known: &[String]) -> String {
    if known.is_empty() {
        return "none; add one to the configuration or with `scamguard accounts add`".into();
    }
    known.iter().map(|name| escape(name).into_owned()).collect::<Vec<_>>().join(", ")
}

/// The configured accounts and the enabled stored ones, as `run` watches them; beside
/// them, an error for each enabled stored account that cannot be used (see
/// [`Config::with_stored`]).
pub fn known(config: &Config, stored: &[StoredAccount]) -> (Vec<Account>, Vec<String>) {
    let enabled: Vec<(String, String)> =
        stored.iter().filter(|a| a.enabled.0).map(|a| (a.name.clone(), a.settings.clone())).collect();
    config.with_stored(&enabled)
}

/// The account `name`: the configuration's, or else the enabled stored one of that name.
pub fn named(config: &Config, stored: &[StoredAccount], name: &str) -> Result<Account, AccountError> {
    if let Some(account) = config.accounts.iter().find(|a| a.name == name) {
        return Ok(account.clone());
    }
    match stored.iter().find(|a| a.name == name) {
        Some(row) if !row.enabled.0 => Err(AccountError::Disabled(row.name.clone())),
        Some(row) => config.stored_account(&row.name, &row.settings).map_err(AccountError::Unreadable),
        None => {
            let configured = |row: &&StoredAccount| config.accounts.iter().any(|a| a.name == row.name);
            let stored = stored.iter().filter(|row| !configured(row)).map(|row| {
                let state = if row.enabled.0 { "" } else { " (disabled)" };
                format!("{}{state}", row.name)
            });
            let known = config.accounts.iter().map(|a| a.name.clone()).chain(stored).collect();
            Err(AccountError::Unknown { name: name.to_string(), known })
        }
    }
}

/// [`named`], with the stored accounts of `store` (a command's open database).
pub async fn named_in(config: &Config, store: &Store, name: &str) -> Result<Account, AccountError> {
    if let Some(account) = config.accounts.iter().find(|a| a.name == name) {
        return Ok(account.clone());
    }
    named(config, &store.stored_accounts().await?, name)
}

/// [`named`] for a command that has not opened the database: it is read (read-only) only
/// when the configuration lacks the name, so a configured account needs no database.
pub async fn account_named(config: &Config, name: &str) -> Result<Account, AccountError> {
    if let Some(account) = config.accounts.iter().find(|a| a.name == name) {
        return Ok(account.clone());
    }
    named(config, &stored_accounts(&super::database(config)).await?, name)
}

/// [`known`] for a command that has not opened the database (read-only).
pub async fn all_accounts(config: &Config) -> Result<(Vec<Account>, Vec<String>), StoreError> {
    Ok(known(config, &stored_accounts(&super::database(config)).await?))
}

/// The stored accounts at `location`, read-only; none before a database file exists.
async fn stored_accounts(location: &Location) -> Result<Vec<StoredAccount>, StoreError> {
    if !Store::exists_at(location) {
        return Ok(Vec::new());
    }
    let store = Store::open_existing_at(location, Access::Read).await?;
    let stored = store.stored_accounts().await;
    store.close().await;
    stored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Enabled;

    fn settings(name: &str) -> String {
        format!(
            "name = \"{name}\"\nhost = \"imap.example.net\"\ntls = \"implicit\"\nusername = \"u\"\n\
             password_env = \"P\"\n"
        )
    }

    fn row(name: &str, enabled: bool, settings: String) -> StoredAccount {
        StoredAccount { name: name.into(), settings, enabled: Enabled(enabled), added_at: 0 }
    }

    /// A configuration with "a" (host imap.config.example), and stored: "a" (clashing),
    /// "b", "off" (disabled), "bad" (settings that do not read) and "evil\x1b" (disabled).
    fn fleet() -> (Config, Vec<StoredAccount>) {
        let configured = settings("a").replace("imap.example.net", "imap.config.example");
        let allow = "[database]\nstored_secrets = [\"env:P\"]\n";
        let config = Config::parse(&format!("{allow}[[accounts]]\n{configured}")).expect("valid");
        let stored = vec![
            row("a", true, settings("a")),
            row("b", true, settings("b")),
            row("off", false, settings("off")),
            row("bad", true, "garbled".into()),
            row("evil\x1b[2J", false, settings("evil")),
        ];
        (config, stored)
    }

    #[test]
    fn a_name_is_the_configurations_first_then_an_enabled_stored_accounts() {
        let (config, stored) = fleet();
        assert_eq!(named(&config, &stored, "a").expect("configured").host, "imap.config.example");
        assert_eq!(named(&config, &stored, "b").expect("stored").host, "imap.example.net");
        // As `run` watches: the same accounts, the clash and the unreadable row said.
        let (accounts, errors) = known(&config, &stored);
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn a_disabled_unreadable_or_unknown_name_is_an_error_that_says_which() {
        let (config, stored) = fleet();
        let disabled = named(&config, &stored, "off").expect_err("disabled").to_string();
        assert!(disabled.contains("\"off\" is stored in the database but disabled"), "{disabled}");
        assert!(disabled.contains("accounts enable off"), "{disabled}");
        let bad = named(&config, &stored, "bad").expect_err("unreadable");
        assert!(matches!(bad, AccountError::Unreadable(_)) && bad.to_string().contains("\"bad\""), "{bad}");
        let unknown = named(&config, &stored, "nobody\r\n").expect_err("unknown").to_string();
        assert_eq!(
            unknown,
            "no account named \"nobody\\r\\n\" in the configuration or the database \
             (known: a, b, off (disabled), bad, evil\\x1b[2J (disabled))"
        );
        let empty = Config::parse("").expect("empty");
        let none = named(&empty, &[], "a").expect_err("unknown").to_string();
        assert!(none.contains("(known: none; add one"), "{none}");
    }
}
