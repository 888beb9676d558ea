//! `scamguard auth login|status|logout ACCOUNT`: the OAuth 2 sign-in of one account, its
//! stored refresh token checked, or removed. Lines for the user go to standard output;
//! no token is ever printed.

use std::os::unix::fs::PermissionsExt;
use std::process::ExitCode;

use anyhow::Context;

use scamguard::config::{Account, OAuth};
use scamguard::mail::printable::escape as p;
use scamguard::oauth::{self, token_file, tokens};

use super::args::AuthAction;
use super::{load_config, runtime};

pub fn run(action: AuthAction) -> anyhow::Result<ExitCode> {
    match action {
        AuthAction::Login { config, account } => login(&oauth_account(&config.path()?, &account)?),
        AuthAction::Status { config, account } => status(&oauth_account(&config.path()?, &account)?),
        AuthAction::Logout { config, account } => logout(&oauth_account(&config.path()?, &account)?),
    }
}

/// The account named (configured or stored, see `app::accounts`), with its OAuth settings.
fn oauth_account(config: &std::path::Path, name: &str) -> anyhow::Result<(Account, OAuth)> {
    let config = load_config(Some(config))?;
    let account = runtime()?.block_on(scamguard::app::account_named(&config, name))?;
    let oauth = account.oauth.clone().with_context(|| {
        format!("account {:?} does not use auth = \"oauth2\" (set it and an [accounts.oauth] table)", p(name))
    })?;
    Ok((account, oauth))
}

fn login((account, oauth): &(Account, OAuth)) -> anyhow::Result<ExitCode> {
    let name = &account.name;
    runtime()?
        .block_on(oauth::login(account, oauth, &mut |line| println!("{line}")))
        .with_context(|| format!("Unable to sign in account {}", p(name)))?;
    Ok(ExitCode::SUCCESS)
}

fn status((account, oauth): &(Account, OAuth)) -> anyhow::Result<ExitCode> {
    let name = &account.name;
    let path = tokens::token_path(account, oauth)?;
    let Some(stored) = token_file::load(&path)? else {
        println!(
            "{}: not signed in (no {}); run `scamguard auth login {}`",
            p(name),
            p(&path.display().to_string()),
            p(name)
        );
        return Ok(ExitCode::FAILURE);
    };
    // `load` refuses a file others can read: this one is private.
    let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    let saved =
        chrono::DateTime::from_timestamp(stored.saved_at, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
    println!(
        "{}: token stored in {} (mode {mode:o}), saved {saved}",
        p(name),
        p(&path.display().to_string())
    );
    match runtime()?.block_on(tokens::refresh(account, oauth, &path)) {
        Ok((_, expires_at)) => {
            let minutes = (expires_at - scamguard::clock::now_unix()).max(0) / 60;
            println!("the provider honours it: a new access token is valid for {minutes} minutes");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!("the provider does not honour it: {}", p(&error.to_string()));
            Ok(ExitCode::FAILURE)
        }
    }
}

fn logout((account, oauth): &(Account, OAuth)) -> anyhow::Result<ExitCode> {
    let name = &account.name;
    let path = tokens::token_path(account, oauth)?;
    let shown = path.display().to_string();
    let shown = p(&shown);
    if token_file::remove(&path)? {
        println!(
            "{}: removed {shown}. The provider may still list scamguard as allowed: remove it there too",
            p(name)
        );
    } else {
        println!("{}: no token was stored ({shown})", p(name));
    }
    Ok(ExitCode::SUCCESS)
}
