//! The commands that read what was recorded: `history`, `show`, `restore` and
//! `report`. The database must exist; reading needs no write access.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use scamguard::app;
use scamguard::clock;
use scamguard::mail::printable::escape as p;
use scamguard::report;
use scamguard::store::{Access, HistoryFilter, Location, Store};

use super::{load_config, runtime};

/// `scamguard history`: the rows `filter` selects (`since` still to be read: 7d, a date).
pub fn history(
    config_path: &Path,
    json: bool,
    since: Option<&str>,
    mut filter: HistoryFilter,
) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    let since =
        since.map(|s| report::parse_since(s, clock::now_unix())).transpose().map_err(anyhow::Error::msg)?;
    runtime()?.block_on(async {
        let store = open_for_review(&config, Access::Read).await?;
        filter.since = since;
        let limit = filter.limit.unwrap_or(u32::MAX);
        let rows = store.history(&filter).await.context("Unable to read the history")?;
        print!("{}", if json { report::history_json(&rows) } else { report::history_text(&rows) });
        if rows.len() as u64 >= u64::from(limit) {
            eprintln!(
                "scamguard: showing the newest {limit}; there may be more (--limit N, or narrow with --since)"
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `scamguard show ID`.
pub fn show(config_path: &Path, json: bool, id: i64) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    runtime()?.block_on(async {
        let store = open_for_review(&config, Access::Read).await?;
        let detection = store.detection(id).await.context("Unable to read the history")?;
        let detection = detection.ok_or_else(|| anyhow::anyhow!("there is no detection #{id}"))?;
        if json {
            println!("{}", scamguard::mail::printable::json(serde_json::to_string(&detection)?));
        } else {
            print!("{}", report::detection_text(&detection));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `scamguard restore ID`.
pub fn restore(config_path: &Path, id: i64, trust_sender: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    runtime()?.block_on(async {
        let store = open_for_review(&config, Access::Write).await?;
        let outcome = app::restore(&config, &store, id, trust_sender)
            .await
            .with_context(|| format!("Unable to restore detection #{id}"))?;
        match outcome {
            app::RestoreOutcome::Restored { folder } => {
                println!("restored #{id} to {}; it will not be moved again", p(&folder))
            }
            app::RestoreOutcome::FoundInPlace { folder } => {
                println!("#{id} was already back in {}; recorded as a false positive", p(&folder))
            }
            app::RestoreOutcome::AlreadyRestored => println!("#{id} was restored before; nothing to do"),
        }
        if trust_sender && let Some(detection) = store.detection(id).await? {
            println!(
                "its sender {} is on the trust list of {} now: their mail is left in place when the receiving \
                 server authenticated it (a From line alone is not enough); `scamguard trust remove` undoes it",
                p(&detection.from.to_lowercase()),
                p(&detection.account)
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Opens the database of `history`, `show`, `report` and `restore`: it must exist (a typo
/// in the path is an error, not an empty history), and reading needs no write access.
pub(super) async fn open_for_review(
    config: &scamguard::config::Config,
    access: Access,
) -> anyhow::Result<Store> {
    open_for_review_at(&scamguard::app::database(config), access).await
}

pub(super) async fn open_for_review_at(database: &Location, access: Access) -> anyhow::Result<Store> {
    Store::open_existing_at(database, access)
        .await
        .with_context(|| format!("Unable to open the database {database}"))
}

/// How `scamguard report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Html,
    Json,
}

/// What `scamguard report` was asked for.
pub struct ReportRequest {
    pub account: Option<String>,
    pub week: Option<String>,
    pub since: Option<String>,
    pub format: ReportFormat,
    pub lang: Option<scamguard::report::render::Lang>,
    pub deliver: bool,
}

/// `scamguard report`.
pub fn report(config_path: &Path, request: ReportRequest) -> anyhow::Result<ExitCode> {
    use scamguard::report::render;
    use scamguard::report::weekly::Period;
    let config = load_config(Some(config_path))?;
    let lang = request.lang.unwrap_or(config.report.lang);
    let now = clock::now_unix();
    let period = match (&request.week, &request.since) {
        (Some(week), _) => Period::iso_week(week).map_err(anyhow::Error::msg)?,
        (None, Some(since)) => {
            let start = report::parse_since(since, now).map_err(anyhow::Error::msg)?;
            Period { label: format!("since {since}"), start, end: now + 1 }
        }
        (None, None) => Period::week_of(Period::week_of(now).start - 1),
    };
    anyhow::ensure!(
        !request.deliver || request.since.is_none(),
        "--deliver sends weekly reports: use --week, not --since"
    );
    if request.deliver && !app::reports::has_ended(&period, now, app::reports::local_utc_offset()) {
        let last = Period::week_of(Period::week_of(now).start - 1);
        anyhow::bail!(
            "week {} has not ended yet: --deliver sends only weeks that have ended (a delivered week is \
             never sent again, so its full report would never come); the last one that has is {}, and \
             this one is delivered on schedule after it ends. Without --deliver it is printed as it stands.",
            period.label,
            last.label
        );
    }
    runtime()?.block_on(async {
        let access = if request.deliver { Access::Write } else { Access::Read };
        let store = open_for_review(&config, access).await?;
        // One account by name, or every one `run` watches (configured and stored).
        let accounts = match &request.account {
            Some(name) => vec![app::accounts::named_in(&config, &store, name).await?],
            None => {
                let stored = store.stored_accounts().await.context("Unable to read the stored accounts")?;
                app::accounts::known(&config, &stored).0
            }
        };
        anyhow::ensure!(!accounts.is_empty(), "no account is configured or stored");
        for account in &accounts {
            let weekly = app::reports::weekly(&store, &account.name, period.clone())
                .await
                .context("Unable to read the history")?;
            match request.format {
                ReportFormat::Json => {
                    println!("{}", scamguard::mail::printable::json(serde_json::to_string(&weekly)?))
                }
                ReportFormat::Html => print!("{}", render::html(&weekly, lang)),
                ReportFormat::Text => print!("{}", render::text(&weekly, lang)),
            }
            if request.deliver {
                let delivered = app::reports::deliver(account, &store, &weekly, lang, now, None)
                    .await
                    .with_context(|| format!("Unable to deliver the report to {}", account.name))?;
                eprintln!(
                    "{}: {}",
                    p(&account.name),
                    if delivered {
                        "report delivered to INBOX"
                    } else {
                        "this week's report was delivered before"
                    }
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
