//! `scamguard trust` and `scamguard block`: list, add and remove an account's entries.
//! The entries are checked when typed (`app::senders::Entry`); what they do is decided in
//! `app::senders`. The service reads the lists at every batch, so a change applies to the
//! next mail read, also while it runs (the lists are written without the service's lock).

use std::process::ExitCode;

use anyhow::Context;

use scamguard::app::senders::Entry;
use scamguard::clock;
use scamguard::config::IdsFrom;
use scamguard::mail::printable::escape as p;
use scamguard::store::{Access, Added, ListKind, Location, SenderEntry, Store};

use super::args::ListAction;
use super::review::open_for_review_at;
use super::{load_config, runtime};

/// `scamguard trust|block list|add|remove`.
pub fn run(kind: ListKind, action: ListAction) -> anyhow::Result<ExitCode> {
    let (config_path, account) = match &action {
        ListAction::List { config, account }
        | ListAction::Add { config, account, .. }
        | ListAction::Remove { config, account, .. } => (config.clone().path()?, account.clone()),
    };
    let config = load_config(Some(&config_path))?;
    let database = scamguard::app::database(&config);
    runtime()?.block_on(async {
        let account = scamguard::app::account_named(&config, &account).await?;
        let guessing = account.authserv_ids.from == IdsFrom::Nothing;
        let account = account.name;
        match action {
            ListAction::List { .. } => {
                let entries = entries(&database, &account).await?;
                let listed: Vec<&SenderEntry> = entries.iter().filter(|e| e.kind == kind).collect();
                if listed.is_empty() {
                    println!("the {kind} list of {} is empty", p(&account));
                }
                for entry in listed {
                    let note = match entry.entry.parse::<Entry>() {
                        Ok(_) => String::new(),
                        Err(_) => " (not an address or a domain: it matches nothing; remove it)".to_string(),
                    };
                    println!("{}  added {} UTC{note}", p(&entry.entry), clock::minute_string(entry.added_at));
                }
            }
            ListAction::Add { entry, .. } => {
                let store = Store::open_unlocked_at(&database)
                    .await
                    .with_context(|| format!("Unable to open the database {database}"))?;
                let added = store
                    .add_sender(&account, entry.as_str(), kind, clock::now_unix())
                    .await
                    .context("Unable to record the entry")?;
                let (entry, name) = (p(entry.as_str()), p(&account));
                match added {
                    Added::Already => println!("{entry} was on the {kind} list of {name} already"),
                    Added::New => println!("{entry} is on the {kind} list of {name}: {}", meaning(kind)),
                    Added::MovedFrom(other) => println!(
                        "{entry} is on the {kind} list of {name}, and no longer on its {other} list: {}",
                        meaning(kind)
                    ),
                }
                if kind == ListKind::Trust && guessing {
                    eprintln!("scamguard: {}", TOPMOST_WARNING);
                }
            }
            ListAction::Remove { entry, .. } => {
                // As typed, lower-cased: an entry stored before entries were checked can go too.
                let typed = entry.trim().to_lowercase();
                let store = open_for_review_at(&database, Access::Write).await?;
                let removed = store
                    .remove_sender(&account, &typed, kind)
                    .await
                    .context("Unable to remove the entry")?;
                if !removed {
                    let hint = match typed.parse::<Entry>() {
                        Ok(_) => format!("`scamguard {kind} list --account {account}` shows what is"),
                        Err(error) => error.to_string(),
                    };
                    anyhow::bail!("{typed:?} is not on the {kind} list of {account}; {hint}");
                }
                println!("{} is off the {kind} list of {}", p(&typed), p(&account));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// What being on a list does, said once where an entry is added.
fn meaning(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Trust => {
            "its mail is left in place when the receiving server authenticated the From (an aligned DKIM \
             or SPF pass); a From line alone, which anyone can write, is not enough"
        }
        ListKind::Block => "its mail is moved to Junk whatever the verdict",
    }
}

/// Said where trust is given to an account that believes the topmost header's server.
pub(super) const TOPMOST_WARNING: &str = "this account has no authserv_id (and its host is no known \
    provider), so the topmost Authentication-Results header is believed: if your server writes none, a \
    sender's own header would be, and trust could be forged. Set authserv_id (see `check`).";

/// Both lists of `account`; none before the database exists (nothing was listed yet).
pub(super) async fn entries(database: &Location, account: &str) -> anyhow::Result<Vec<SenderEntry>> {
    if !Store::exists_at(database) {
        return Ok(Vec::new());
    }
    let store = open_for_review_at(database, Access::Read).await?;
    store.sender_entries(account).await.context("Unable to read the sender lists")
}
