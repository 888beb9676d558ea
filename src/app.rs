//! The one place that wires IMAP, detection and the store together: `scamguard run`.
//!
//! One worker per account and folder, independent of the others (one failing account
//! never stops another). A worker connects, reconciles what an earlier run left half
//! done, reads new mail in batches (classify, record, then move), and waits for more
//! with IDLE or polling; on any error it reconnects with exponential backoff and jitter.
//! Shutdown lets the batch in flight finish and its cursor be saved.

mod batch;
mod locate;
pub mod progress;
pub mod reports;
mod restore;
mod worker;

use std::sync::Arc;

use tokio::sync::watch;

use crate::config::{Account, Config};
use crate::store::Store;

pub use restore::{RestoreError, RestoreOutcome, restore};
pub use worker::WorkerError;

/// How `run` behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// One full pass over every folder, then stop.
    pub once: bool,
    /// Record verdicts, move nothing (overrides each account's setting).
    pub dry_run: bool,
}

/// How each worker ended.
#[derive(Debug)]
pub struct RunReport {
    pub failures: Vec<(String, String, WorkerError)>,
}

/// Runs every account's workers until shutdown (or, with `once`, one pass each).
pub async fn run(
    config: &Config,
    store: Arc<Store>,
    options: RunOptions,
    shutdown: watch::Receiver<bool>,
) -> RunReport {
    let mut tasks = tokio::task::JoinSet::new();
    for account in &config.accounts {
        let mut account: Account = account.clone();
        account.dry_run |= options.dry_run;
        let account = Arc::new(account);
        for folder in account.folders.clone() {
            let worker = worker::Worker {
                account: Arc::clone(&account),
                folder: folder.clone(),
                store: Arc::clone(&store),
                thresholds: config.detection,
            };
            let shutdown = shutdown.clone();
            let once = options.once;
            tasks.spawn(async move {
                let result = worker.run(once, shutdown).await;
                (worker.account.name.clone(), folder, result)
            });
        }
    }
    if !options.once && config.report.schedule.is_some() {
        let config = config.clone();
        let store = Arc::clone(&store);
        let mut shutdown = shutdown.clone();
        tasks.spawn(async move {
            loop {
                let now = crate::clock::now_unix();
                for (account, outcome) in
                    reports::deliver_due(&config, &store, now, reports::local_utc_offset()).await
                {
                    match outcome {
                        Ok(true) => tracing::info!(%account, "delivered the weekly report to INBOX"),
                        Ok(false) => {}
                        Err(error) => tracing::warn!(%account, "weekly report not delivered: {error}"),
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                    _ = worker::stopped(&mut shutdown) => break,
                }
            }
            ("reports".to_string(), String::new(), Ok(()))
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((account, folder, Err(error))) => failures.push((account, folder, error)),
            Ok((_, _, Ok(()))) => {}
            Err(join_error) => {
                failures.push(("?".into(), "?".into(), WorkerError::Panicked(join_error.to_string())))
            }
        }
    }
    RunReport { failures }
}
