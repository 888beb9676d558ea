//! The commands that talk to the mail server: `run` (watch every account until
//! SIGINT/SIGTERM, or one pass) and `check` (log in and say what would be used).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use scamguard::app::{self, RunOptions};
use scamguard::mail::printable::escape as p;
use scamguard::store::{Access, ListKind, Location, Store};

use super::review::open_for_review_at;
use super::{load_config, runtime};

/// `scamguard run`: watches every account until SIGINT/SIGTERM (or one pass with --once).
pub fn run(
    config_path: &Path,
    once: bool,
    dry_run: bool,
    rescan_days: Option<u32>,
    metrics: Option<std::net::SocketAddr>,
) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    let detector = config.detection.detector(None).map_err(anyhow::Error::msg)?;
    let options = RunOptions { once, dry_run, rescan_days, detector };
    runtime()?.block_on(async {
        let database = app::database(&config);
        let store = Store::open_at(&database)
            .await
            .with_context(|| format!("Unable to open the database {database}"))?;
        // A fleet's worker may start before any account is added; one process on its
        // own file with nothing to watch is a mistake.
        let stored = store.stored_accounts().await.context("Unable to read the stored accounts")?;
        anyhow::ensure!(
            !config.accounts.is_empty() || !stored.is_empty() || store.is_shared(),
            "{} configures no [[accounts]] and none is stored (`scamguard accounts add`)",
            config_path.display()
        );
        let (stopper, shutdown) = app::shutdown::channel();
        if let Some(address) = metrics {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("Unable to listen on {address} for metrics"))?;
            if !address.ip().is_loopback() {
                tracing::warn!(
                    "metrics on {address}: other machines can read them (counts and account names)"
                );
            }
            tracing::info!("metrics at http://{}/metrics, health at /healthz", listener.local_addr()?);
            let mut stop = shutdown.clone();
            tokio::spawn(async move {
                if let Err(error) =
                    scamguard::web::metrics::serve(listener, async move { stop.requested().await }).await
                {
                    tracing::warn!("the metrics endpoint stopped: {error}");
                }
            });
        }
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stopping: finishing the batch in flight");
            stopper.stop();
        });
        let report = app::run(&config, Arc::new(store), options, shutdown).await;
        let failures: Vec<(&str, &str, String)> =
            report.failures.iter().map(|(a, f, e)| (a.as_str(), f.as_str(), format!("{e:#}"))).collect();
        for line in failure_lines(&failures) {
            eprintln!("scamguard: {line}");
        }
        Ok(if report.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    })
}

/// The lines `run` ends with, one per account and error: the folders of an account that
/// failed alike (a refused login fails every folder's worker) share one line, so each
/// error is printed once. Mail and server text escaped.
fn failure_lines(failures: &[(&str, &str, String)]) -> Vec<String> {
    let mut lines: Vec<(&str, Vec<&str>, &str)> = Vec::new();
    for (account, folder, error) in failures {
        match lines.iter_mut().find(|(a, _, e)| a == account && e == error) {
            Some((_, folders, _)) => folders.push(folder),
            None => lines.push((account, vec![folder], error)),
        }
    }
    lines
        .into_iter()
        .map(|(account, folders, error)| {
            let folders: Vec<String> = folders.iter().map(|f| p(f).into_owned()).collect();
            format!("{}/{}: {}", p(account), folders.join(", "), p(error))
        })
        .collect()
}

/// `scamguard learn --account NAME`: starts the account's learning from its Junk and
/// INBOX, or with `--reset` forgets it. Works beside a running service, which picks the
/// change up at its next pass.
pub fn learn(config_path: &Path, name: &str, limit: u32, reset: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    let base = config.detection.detector(None).map_err(anyhow::Error::msg)?;
    runtime()?.block_on(async {
        let account = &app::account_named(&config, name).await?;
        let detector = app::detector_for(&base, account).map_err(anyhow::Error::msg)?;
        let database = app::database(&config);
        let store = Store::open_unlocked_at(&database)
            .await
            .with_context(|| format!("Unable to open the database {database}"))?;
        let now = scamguard::clock::now_unix();
        if reset {
            let forgotten = store.reset_personal(&account.name, now).await?;
            println!(
                "{}: forgot {} learned weights and {} near-copy digests",
                p(&account.name),
                forgotten.weights,
                forgotten.copies
            );
            return Ok(ExitCode::SUCCESS);
        }
        let learned = app::learning::bootstrap(&store, account, &detector, limit as usize, now)
            .await
            .with_context(|| format!("Unable to learn from account {}", p(&account.name)))?;
        println!(
            "{}: learned from {} mails in Junk (unwanted) and {} in INBOX (wanted): {} weights, {} near-copy digests",
            p(&account.name),
            learned.junk,
            learned.inbox,
            learned.weights,
            learned.digests
        );
        if learned.skipped > 0 {
            println!("{} mails in INBOX the model does not find clean were left out", learned.skipped);
        }
        if learned.unread > 0 {
            println!(
                "{} mails the server would not send whole were left out (the log names them)",
                learned.unread
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub(super) async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
}

/// `scamguard check`: logs in to every account (configured, and enabled stored ones) and
/// says what it found.
pub fn check(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    let runtime = runtime()?;
    let (accounts, unusable) = match runtime.block_on(app::accounts::all_accounts(&config)) {
        Ok(found) => found,
        // The configured accounts are still checked; the exit status says it failed.
        Err(error) => (config.accounts.clone(), vec![format!("the stored accounts were not read: {error}")]),
    };
    anyhow::ensure!(
        !accounts.is_empty() || !unusable.is_empty(),
        "{} configures no [[accounts]] and none is stored (`scamguard accounts add`)",
        config_path.display()
    );
    // The model is read as `run` reads it: a missing or damaged file fails here, not at
    // the start of the service.
    let detector = config.detection.detector(None).map_err(anyhow::Error::msg)?;
    let source =
        config.detection.model.as_ref().map_or_else(|| "built in".to_string(), |m| m.display().to_string());
    println!(
        "model: {} ({} signals learned, {} token buckets); suspicious from {}, threat from {}{}",
        p(&source),
        detector.model.signals.len(),
        detector.model.tokens.len(),
        detector.thresholds.suspicious,
        detector.thresholds.threat,
        if detector.move_other { "; other spam is moved too" } else { "" }
    );
    runtime.block_on(async {
        // A stored account `run` would not watch (its settings do not read): said first.
        unusable.iter().for_each(|problem| println!("error: {}", p(problem)));
        let mut all_good = unusable.is_empty();
        for account in &accounts {
            println!(
                "account {} ({}@{}:{}, tls = {})",
                p(&account.name),
                p(&account.username),
                p(&account.host),
                account.port,
                account.tls
            );
            println!("  believes Authentication-Results from: {}", p(&account.authserv_ids.to_string()));
            match app::detector_for(&detector, account) {
                Ok(own) => println!("  {}", thresholds_line(&own, !account.detection.is_empty())),
                Err(error) => {
                    all_good = false;
                    println!("  error: {}", p(&error));
                }
            }
            match lists_lines(&app::database(&config), &account.name).await {
                Ok((lines, trusting)) => {
                    lines.iter().for_each(|l| println!("  {}", p(l)));
                    if trusting && account.authserv_ids.from == scamguard::config::IdsFrom::Nothing {
                        println!("  warning: {}", super::senders::TOPMOST_WARNING);
                    }
                }
                Err(error) => {
                    all_good = false;
                    println!("  error: {}", p(&format!("{error:#}")));
                }
            }
            // What the server sends (capabilities, folder names, its error words) is
            // escaped: a server cannot forge lines or drive the terminal either.
            match check_account(account, &app::database(&config)).await {
                Ok(app::check::Checked { lines, problems }) => {
                    lines.iter().for_each(|l| println!("  {}", p(l)));
                    problems.iter().for_each(|l| println!("  error: {}", p(l)));
                    all_good &= problems.is_empty();
                }
                Err(error) => {
                    all_good = false;
                    // What it found before it stopped says how far the server let it go.
                    if let Some(failed) = error.downcast_ref::<app::check::CheckFailed>() {
                        failed.found.iter().for_each(|l| println!("  {}", p(l)));
                    }
                    println!("  error: {}", p(&format!("{error:#}")));
                }
            }
        }
        Ok(if all_good { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    })
}

/// The thresholds an account classifies with, and whether they are its own.
fn thresholds_line(detector: &scamguard::detect::Detector, own: bool) -> String {
    let t = detector.thresholds;
    format!(
        "detection{}: suspicious from {}, threat from {}, extortion from {}; other spam {}",
        if own { " (this account's [accounts.detection] over the global)" } else { "" },
        t.suspicious,
        t.threat,
        t.extortion,
        if detector.move_other { "moved" } else { "not moved" }
    )
}

/// An account's trust and block lists, one line each, and whether it trusts anyone.
async fn lists_lines(database: &Location, account: &str) -> anyhow::Result<(Vec<String>, bool)> {
    let entries = super::senders::entries(database, account).await?;
    let trusting = entries.iter().any(|e| e.kind == ListKind::Trust);
    let lines = [ListKind::Trust, ListKind::Block]
        .map(|kind| {
            let listed: Vec<&str> =
                entries.iter().filter(|e| e.kind == kind).map(|e| e.entry.as_str()).collect();
            let shown = if listed.is_empty() { "(empty)".to_string() } else { listed.join(", ") };
            format!("{kind} list: {shown}")
        })
        .into();
    Ok((lines, trusting))
}

/// Checks one account against its server (see [`app::check`]), reading where each folder
/// stands without creating a database: `check` changes nothing.
async fn check_account(
    account: &scamguard::config::Account,
    database: &Location,
) -> anyhow::Result<app::check::Checked> {
    let store = if Store::exists_at(database) {
        Some(open_for_review_at(database, Access::Read).await?)
    } else {
        None
    };
    // The error says what failed and what to do (`run` prints the same words).
    Ok(app::check::account(account, store.as_ref()).await?)
}

#[cfg(test)]
mod tests {
    use super::failure_lines;

    #[test]
    fn an_error_shared_by_an_accounts_folders_is_printed_once() {
        let refused = "login as alice refused".to_string();
        let failures = [
            ("work", "INBOX", refused.clone()),
            ("work", "Archive", refused.clone()),
            ("home", "INBOX", refused.clone()),
            ("work", "Lists\x1b", "the server has no folder".to_string()),
        ];
        assert_eq!(
            failure_lines(&failures),
            [
                "work/INBOX, Archive: login as alice refused",
                "home/INBOX: login as alice refused",
                "work/Lists\\x1b: the server has no folder",
            ]
        );
        let hostile = [("a\r\nb", "INBOX", "x\u{1b}[2J".to_string())];
        assert_eq!(failure_lines(&hostile), ["a\\r\\nb/INBOX: x\\x1b[2J"]);
    }
}
