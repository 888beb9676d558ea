//! The one place that wires IMAP, detection and the store together: `scamguard run`.
//!
//! One worker per account and folder, independent of the others (one failing account
//! never stops another). A worker connects, reconciles what an earlier run left half
//! done, reads new mail in batches (classify, record, then move), and waits for more
//! with IDLE or polling; on any error it reconnects with exponential backoff and jitter.
//! Shutdown lets the batch in flight finish and its cursor be saved. The worker of each
//! account's first folder also looks at its Junk folder for mail the user put there
//! (see `feedback`).

pub mod accounts;
mod act;
mod batch;
pub mod check;
mod correspondents;
mod feedback;
pub mod fleet;
mod junk_watch;
pub mod learning;
mod locate;
pub mod metrics;
pub mod progress;
pub mod reach;
mod read_back;
pub mod reports;
mod restore;
pub mod senders;
pub mod serve;
pub mod share;
pub mod shutdown;
mod start;
pub mod status;
mod worker;

use std::sync::Arc;

use crate::config::{Account, Config};
use crate::detect::Detector;
use crate::store::{Location, Store};

pub use accounts::{AccountError, account_named};
pub use feedback::Feedback;
pub use read_back::{ReadBack, ReadBackError, read_back};
pub use restore::{RestoreError, RestoreOutcome, restore};
pub use shutdown::{Shutdown, Stopper};
pub use worker::WorkerError;

/// How `run` behaves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOptions {
    /// One full pass over every folder, then stop.
    pub once: bool,
    /// Record verdicts, move nothing (overrides each account's setting).
    pub dry_run: bool,
    /// Read again the mail received in this many days (`--rescan 30d`), besides new mail.
    /// Nothing is moved twice: handled messages are recognised.
    pub rescan_days: Option<u32>,
    /// The model and thresholds (`[detection]`, read by the caller: it may fail).
    pub detector: Detector,
}

/// How each worker ended.
#[derive(Debug)]
pub struct RunReport {
    pub failures: Vec<(String, String, WorkerError)>,
}

/// How long work in flight may go on after a stop is asked for: a batch finishes well
/// within it on a server that answers, and SIGTERM never waits on one that does not
/// (a service manager's stop timeout is often 5 to 10 seconds).
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// What an account's workers classify with: the model of `base`, its thresholds with the
/// account's `[accounts.detection]` over them, and the receiving servers whose
/// Authentication-Results headers the account believes. An error says which threshold is
/// wrong against the model (the configuration checks them against the built-in one).
pub fn detector_for(base: &Detector, account: &Account) -> Result<Detector, String> {
    let detector = account.detection.over(base).map_err(|e| format!("account {}: {e}", account.name))?;
    Ok(Detector { authserv_ids: account.authserv_ids.ids.clone(), ..detector })
}

/// Where the configuration keeps the store: `[database] url` (PostgreSQL) when set,
/// otherwise the `[database] path` file.
pub fn database(config: &Config) -> Location {
    match &config.database_url {
        Some(url) => Location::Postgres(url.expose().to_string()),
        None => Location::File(config.database.clone()),
    }
}

/// What `account` would classify with on its next pass: [`detector_for`], the people it
/// wrote to and what it learned from its user, as the database holds them now (an
/// account without a database yet has neither). For `explain --account`.
pub async fn account_detector(
    config: &Config,
    account: &Account,
    base: &Detector,
) -> Result<Detector, WorkerError> {
    let detector = detector_for(base, account).map_err(WorkerError::Detection)?;
    let location = database(config);
    if !Store::exists_at(&location) {
        return Ok(detector);
    }
    let store = Store::open_unlocked_at(&location).await?;
    // What a worker's pass adds (see `Worker::pass_detector` and `learning::Loaded`).
    let detector = correspondents::with_correspondents(&store, &account.name, &detector).await?;
    let detector = learning::Loaded::default().detector(&store, &account.name, &detector).await?;
    store.close().await;
    Ok(detector)
}

/// Runs every account's workers until shutdown (or, with `once`, one pass each): the
/// configured accounts and the enabled stored ones, on a shared database those this
/// worker leases (see `fleet`).
pub async fn run(config: &Config, store: Arc<Store>, options: RunOptions, shutdown: Shutdown) -> RunReport {
    let once = options.once;
    let mut fleet = fleet::Fleet::new(config, Arc::clone(&store), options, shutdown.clone());
    // The first round before the report looks at which accounts are watched.
    fleet.round().await;
    // The weekly report runs beside the workers, and ends with them: for the accounts
    // this process watches (on a shared database, those it leases), so across a fleet
    // each account's report is delivered by the one worker holding it.
    let mut reporting = None;
    if reports_beside_workers(once, config) {
        let (config, current, lease) = (config.clone(), Arc::clone(&fleet.current), fleet.lease_id());
        let store = Arc::clone(&store);
        let mut shutdown = shutdown.clone();
        reporting = Some(tokio::spawn(async move {
            loop {
                let now = crate::clock::now_unix();
                let accounts = current.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
                let config = Config { accounts, ..config.clone() };
                for (account, outcome) in
                    reports::deliver_due(&config, &store, now, reports::local_utc_offset(), lease.as_deref())
                        .await
                {
                    match outcome {
                        Ok(true) => tracing::info!(%account, "delivered the weekly report to INBOX"),
                        Ok(false) => {}
                        Err(error) => tracing::warn!(%account, "weekly report not delivered: {error}"),
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                    _ = shutdown.requested() => break,
                }
            }
        }));
    }
    fleet.run().await;
    if let Some(reporting) = reporting {
        reporting.abort();
        let _ = reporting.await;
    }
    let failures = fleet.failures.drain(..).filter_map(|(a, f, r)| Some((a, f, r.err()?))).collect();
    RunReport { failures }
}

/// Whether the weekly report runs beside the workers: only on a schedule, and never in a
/// single pass (`--once`: a scan or a test run must deliver no report).
fn reports_beside_workers(once: bool, config: &Config) -> bool {
    !once && config.report.schedule.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weekly_report_runs_only_on_a_schedule_and_never_in_a_single_pass() {
        let mut config = Config::parse("").expect("an empty configuration");
        config.report.schedule = None;
        assert!(!reports_beside_workers(false, &config), "no schedule");
        config.report.schedule = Some((0, 9 * 60));
        assert!(reports_beside_workers(false, &config));
        assert!(!reports_beside_workers(true, &config), "a single pass delivers no report");
    }

    #[test]
    fn each_account_classifies_with_its_own_authserv_ids() {
        let account = |name: &str, host: &str| {
            format!(
                "[[accounts]]\nname = \"{name}\"\nhost = \"{host}\"\ntls = \"implicit\"\n\
                 username = \"u\"\npassword_env = \"P\"\n"
            )
        };
        let text = format!(
            "[detection]\nsuspicious = 0.4\nthreat = 0.7\n{}{}authserv_id = \"mx.home.example\"\n",
            account("gmail", "imap.gmail.com"),
            account("home", "mail.home.example")
        );
        let config = Config::parse(&text).expect("valid");
        let base = config.detection.detector(None).expect("valid");
        let detectors: Vec<Detector> =
            config.accounts.iter().map(|a| detector_for(&base, a).expect("valid")).collect();
        let ids = |d: &Detector| d.authserv_ids.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(detectors.iter().map(ids).collect::<Vec<_>>(), [["mx.google.com"], ["mx.home.example"]]);
        assert!(detectors.iter().all(|d| d.thresholds == base.thresholds && d.model == base.model));
    }

    #[test]
    fn each_account_classifies_with_its_own_thresholds_over_the_global_ones() {
        let text = "[detection]\nsuspicious = 0.4\nthreat = 0.7\n\
            [[accounts]]\nname = \"strict\"\nhost = \"imap.one.example\"\ntls = \"implicit\"\nusername = \"u\"\n\
            password_env = \"P\"\n[accounts.detection]\nthreat = 0.9\n\
            [[accounts]]\nname = \"plain\"\nhost = \"imap.two.example\"\ntls = \"implicit\"\nusername = \"u\"\n\
            password_env = \"P\"\n";
        let config = Config::parse(text).expect("valid");
        let base = config.detection.detector(None).expect("valid");
        let threats: Vec<f32> = config
            .accounts
            .iter()
            .map(|a| detector_for(&base, a).expect("valid").thresholds.threat)
            .collect();
        assert_eq!(threats, [0.9, 0.7]);
        // A model file's thresholds are known only when it is read: an account's that do not
        // hold over them are an error naming the account.
        let mut odd = config.accounts.first().expect("account").clone();
        odd.detection = crate::config::AccountDetection { suspicious: Some(0.8), ..Default::default() };
        let error = detector_for(&base, &odd).err().unwrap_or_default();
        assert!(error.contains("account strict") && error.contains("suspicious = 0.8"), "{error}");
    }
}
