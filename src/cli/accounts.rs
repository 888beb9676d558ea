//! `scamguard accounts add|list|remove|disable|enable`: the accounts kept in the
//! database. Settings are checked when added, by the code that checks a configuration's
//! accounts (`config::parse_stored_account`): a row with a password in it is refused
//! before it is written. Running workers pick changes up on their next round (see
//! `app::fleet`).

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use scamguard::clock;
use scamguard::config::stored_secrets::refusal;
use scamguard::config::{parse_stored_account, stored_settings};
use scamguard::mail::printable::escape as p;
use scamguard::store::Store;

use super::args::AccountsAction;
use super::{load_config, runtime};

/// Runs one `accounts` action.
pub fn run(action: AccountsAction) -> anyhow::Result<ExitCode> {
    let config_arg = match &action {
        AccountsAction::Add { config, .. }
        | AccountsAction::List { config, .. }
        | AccountsAction::Remove { config, .. }
        | AccountsAction::Disable { config, .. }
        | AccountsAction::Enable { config, .. } => config.clone(),
    };
    let config = load_config(Some(&config_arg.path()?))?;
    let database = scamguard::app::database(&config);
    runtime()?.block_on(async {
        let store = Store::open_unlocked_at(&database)
            .await
            .with_context(|| format!("Unable to open the database {database}"))?;
        let outcome = match action {
            AccountsAction::Add { file, .. } => {
                let (account, settings) = stored_settings(&read_settings(&file)?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                anyhow::ensure!(
                    !config.accounts.iter().any(|a| a.name == account.name),
                    "account {} is in the configuration already",
                    p(&account.name)
                );
                if let Some(why) = refusal(&config.stored_secrets, &account.password) {
                    anyhow::bail!("{}: {why}", file.display());
                }
                let added = store.add_account(&account.name, &settings, clock::now_unix()).await?;
                anyhow::ensure!(added, "an account named {} is stored already", p(&account.name));
                println!("added {}: watched by every running worker within seconds", p(&account.name));
                ExitCode::SUCCESS
            }
            AccountsAction::List { json, .. } => {
                for stored in store.stored_accounts().await? {
                    let parsed = parse_stored_account(&stored.settings);
                    if json {
                        let line = serde_json::json!({
                            "name": stored.name, "enabled": stored.enabled.0, "added_at": stored.added_at,
                            "host": parsed.as_ref().ok().map(|a| a.host.clone()),
                            "username": parsed.as_ref().ok().map(|a| a.username.clone()),
                            "error": parsed.as_ref().err(),
                        });
                        println!("{line}");
                        continue;
                    }
                    let state = if stored.enabled.0 { "enabled" } else { "disabled" };
                    let detail = match &parsed {
                        Ok(a) => format!("{}@{}:{}", p(&a.username), p(&a.host), a.port),
                        Err(error) => format!("settings do not read: {}", p(error)),
                    };
                    println!(
                        "{}  {state}  {detail}  added {} UTC",
                        p(&stored.name),
                        clock::minute_string(stored.added_at)
                    );
                }
                ExitCode::SUCCESS
            }
            AccountsAction::Remove { name, .. } => {
                found(store.remove_account(&name).await?, &name, "removed (its history stays)")?
            }
            AccountsAction::Disable { name, .. } => {
                found(store.set_account_enabled(&name, false).await?, &name, "disabled")?
            }
            AccountsAction::Enable { name, .. } => {
                found(store.set_account_enabled(&name, true).await?, &name, "enabled")?
            }
        };
        store.close().await;
        Ok(outcome)
    })
}

/// The settings in `file`, or standard input for `-`.
fn read_settings(file: &std::path::Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("Unable to read the settings from standard input")?;
    } else {
        text = std::fs::read_to_string(file).with_context(|| format!("Unable to read {}", file.display()))?;
    }
    Ok(text)
}

/// Says what was done to `name`, or that there is no such stored account.
fn found(done: bool, name: &str, what: &str) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(done, "no stored account is named {}", p(name));
    println!("{} {what}", p(name));
    Ok(ExitCode::SUCCESS)
}
