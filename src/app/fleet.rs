//! Which accounts this process watches, kept up to date while it runs: the configured
//! accounts and the enabled ones stored in the database (`scamguard accounts`), re-read
//! every [`ROUND`]; on PostgreSQL only those this worker leases.
//!
//! A round (see `share` for the decision): say this worker lives (its heartbeat row),
//! renew the leases it holds, let go of what it should no longer hold, take free leases
//! up to its fair share, then start the workers of accounts newly held and stop those of
//! accounts no longer held. A lease that could not be renewed (taken, expired, or the
//! database did not answer) stops its account's workers at once, and every move batch
//! checks the lease first (`Worker::check_lease`), so a worker that was stuck past its
//! lease moves nothing. On stop every lease is released at once.
//!
//! Polling, not LISTEN/NOTIFY: the round runs anyway to renew leases, and reading the
//! `accounts` table on it costs one small query; a notification would also need a
//! connection held per worker and a poll as fallback for a lost one.
//!
//! On SQLite one process holds the database (its lock file), so it holds every account
//! and takes no leases.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::{AbortHandle, JoinSet};
use tracing::{error, info, warn};

use super::reach::{self, Reach};
use super::shutdown::{self, Shutdown, Stopper};
use super::worker::{Worker, WorkerError};
use super::{RunOptions, detector_for, learning, share};
use crate::config::{Account, Config};
use crate::store::Store;

/// How often the accounts are re-read and the leases renewed and taken: well inside a
/// lease's 20 s, so three renewals can fail before a lease is lost, and a dead worker's
/// accounts are taken at most this long after its leases expire.
pub const ROUND: Duration = Duration::from_secs(5);

/// What a folder's worker ended with.
type Ended = (String, String, Result<(), WorkerError>);

/// The workers of one account.
struct Watched {
    /// The settings its workers run with (as read, before `--dry-run`): a stored account
    /// edited while watched is restarted with its new settings.
    account: Account,
    stopper: Stopper,
    tasks: Vec<AbortHandle>,
    /// When it was asked to stop (lease lost, account removed): aborted after the grace.
    stopping: Option<Instant>,
    /// How its connection fares (see `reach`).
    reach: Arc<Reach>,
}

/// This process's workers, by account.
pub(super) struct Fleet<'a> {
    config: &'a Config,
    store: Arc<Store>,
    options: RunOptions,
    shutdown: Shutdown,
    /// On PostgreSQL, this worker's name in the leases (host:pid:nonce).
    lease: Option<Arc<str>>,
    watched: HashMap<String, Watched>,
    tasks: JoinSet<Ended>,
    pub failures: Vec<Ended>,
    /// Accounts whose workers failed for good: not started again until restart.
    failed: HashSet<String>,
    /// Stored accounts' errors already logged (logged once, not every round).
    said: HashSet<String>,
    /// Accounts let go because this worker could not reach their server, and when.
    let_go: HashMap<String, Instant>,
    /// The accounts watched now, for the weekly report.
    pub current: Arc<Mutex<Vec<Account>>>,
}

/// This process's name in the leases: host:pid and a random nonce, so a pid reused after
/// a restart is another worker.
pub fn worker_id() -> String {
    format!("{}:{:08x}", super::status::worker_name(), rand::random::<u32>())
}

/// Whether the workers of an account asked to stop at `stopping` (`None`: not asked) have
/// had their grace at `now`: past it, what still waits on a server is aborted.
fn past_grace(stopping: Option<Instant>, now: Instant) -> bool {
    stopping.is_some_and(|since| now.duration_since(since) > super::SHUTDOWN_GRACE)
}

impl<'a> Fleet<'a> {
    pub(super) fn new(
        config: &'a Config,
        store: Arc<Store>,
        options: RunOptions,
        shutdown: Shutdown,
    ) -> Self {
        let lease = store.is_shared().then(|| Arc::from(worker_id()));
        if let Some(id) = &lease {
            info!(worker = %id, "sharing the database's accounts with other workers by leases");
            super::metrics::metrics().in_fleet();
        }
        Fleet {
            config,
            store,
            options,
            shutdown,
            lease,
            watched: HashMap::new(),
            tasks: JoinSet::new(),
            failures: Vec::new(),
            failed: HashSet::new(),
            said: HashSet::new(),
            let_go: HashMap::new(),
            current: Arc::default(),
        }
    }

    /// This worker's name in the leases, on a shared database.
    pub(super) fn lease_id(&self) -> Option<Arc<str>> {
        self.lease.clone()
    }

    /// After the first [`Fleet::round`]: runs rounds and the workers until shutdown (with
    /// `once`, one pass of what it holds; on SQLite, also until every worker failed for
    /// good), then lets go of every lease.
    pub(super) async fn run(&mut self) {
        let mut shutdown = self.shutdown.clone();
        let mut round = tokio::time::interval_at(tokio::time::Instant::now() + ROUND, ROUND);
        round.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if self.options.once && self.tasks.is_empty() {
                break;
            }
            // With no worker left on a database of its own, there is nothing to do:
            // the process ends, so a service manager sees it and restarts it.
            if self.tasks.is_empty() && self.lease.is_none() && !self.failed.is_empty() {
                break;
            }
            tokio::select! {
                joined = self.tasks.join_next(), if !self.tasks.is_empty() => self.ended(joined),
                _ = round.tick(), if !self.options.once => self.round().await,
                _ = shutdown.requested() => break,
            }
        }
        self.stop_all().await;
        if let Some(id) = &self.lease
            && let Err(error) = self.store.release_leases(id, None).await
        {
            warn!("leases not released ({error}); they expire within 20 s");
        }
    }

    /// One round: the accounts to watch, the leases, then start and stop workers.
    pub(super) async fn round(&mut self) {
        let wanted = self.wanted().await;
        let held: Vec<String> = match &self.lease {
            None => wanted.iter().map(|a| a.name.clone()).collect(),
            Some(id) => {
                let id = Arc::clone(id);
                // An account whose workers failed for good here is let go, not renewed: held
                // and unwatched, no worker would watch it (another may have what this one
                // lacks, such as a model file).
                let names: Vec<String> =
                    wanted.iter().map(|a| a.name.clone()).filter(|a| !self.failed.contains(a)).collect();
                match self.lease_round(&id, &names).await {
                    Ok(held) => held,
                    Err(error) => {
                        // Not known to hold anything: stop all, take again when it answers.
                        warn!("cannot renew leases ({error}); stopping this worker's accounts");
                        Vec::new()
                    }
                }
            }
        };
        let held: HashSet<String> = held.into_iter().collect();
        let to_stop: Vec<String> = self.watched.keys().filter(|a| !held.contains(*a)).cloned().collect();
        for account in to_stop {
            self.stop(&account, "no longer held by this worker");
        }
        let edited: Vec<String> = wanted
            .iter()
            .filter(|a| self.watched.get(&a.name).is_some_and(|w| w.account != **a))
            .map(|a| a.name.clone())
            .collect();
        for account in edited {
            // Started again with the new settings once its workers have ended.
            self.stop(&account, "its settings changed");
        }
        let now = Instant::now();
        for watched in self.watched.values_mut() {
            if past_grace(watched.stopping, now) {
                watched.tasks.iter().for_each(AbortHandle::abort);
            }
        }
        let mut current = Vec::new();
        for account in wanted.into_iter().filter(|a| held.contains(&a.name)) {
            if !self.watched.contains_key(&account.name) && !self.failed.contains(&account.name) {
                self.start(account.clone());
            }
            current.push(account);
        }
        *self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = current;
    }

    /// The configured accounts and the enabled stored ones.
    async fn wanted(&mut self) -> Vec<Account> {
        let stored = match self.store.stored_accounts().await {
            Ok(stored) => stored,
            Err(error) => {
                warn!("cannot read the stored accounts: {error}");
                // Keep watching what is watched: a database hiccup is no reason to stop.
                return self.current.lock().unwrap_or_else(|p| p.into_inner()).clone();
            }
        };
        let (accounts, errors) = super::accounts::known(self.config, &stored);
        for message in errors {
            if self.said.insert(message.clone()) {
                error!("{message}; not watched");
            }
        }
        accounts
    }

    /// Renews, lets go and takes leases (see `share::round`), leaving alone the accounts
    /// this worker cannot reach (see `reach::avoid`); returns what is held.
    async fn lease_round(
        &mut self,
        id: &str,
        wanted: &[String],
    ) -> Result<Vec<String>, crate::store::StoreError> {
        let live = self.store.heartbeat(id).await?;
        let mut held = self.store.renew_leases(id).await?;
        let avoided = self.unreachable(&held, live);
        let wanted: Vec<String> = wanted.iter().filter(|a| !avoided.contains(a)).cloned().collect();
        let decided = share::round(&held, &wanted, live);
        if !decided.release.is_empty() {
            self.store.release_leases(id, Some(&decided.release)).await?;
            held.retain(|a| !decided.release.contains(a));
        }
        let free: Vec<String> = wanted.iter().filter(|a| !held.contains(a)).cloned().collect();
        let taken = self.store.take_leases(id, &free, decided.take).await?;
        if !taken.is_empty() {
            info!(accounts = ?taken, "took leases");
        }
        held.extend(taken);
        Ok(held)
    }

    /// The accounts not to hold this round because this worker cannot reach their server
    /// (see `reach`); those newly given up are remembered, and said.
    fn unreachable(&mut self, held: &[String], live: usize) -> Vec<String> {
        let now = Instant::now();
        let failing: Vec<(String, Duration)> = held
            .iter()
            .filter_map(|a| {
                let watched = self.watched.get(a).filter(|w| w.stopping.is_none())?;
                Some((a.clone(), watched.reach.failing_for(now)?))
            })
            .collect();
        self.let_go.retain(|_, at| now.duration_since(*at) < reach::BACK_OFF);
        let let_go: Vec<(String, Duration)> =
            self.let_go.iter().map(|(a, at)| (a.clone(), now.duration_since(*at))).collect();
        let avoided = reach::avoid(&failing, &let_go, live);
        for account in avoided.iter().filter(|a| held.contains(a)) {
            warn!(%account, "cannot reach its server for {}s; letting another worker try it", reach::GIVE_UP_AFTER.as_secs());
            self.let_go.insert(account.clone(), now);
        }
        avoided
    }

    /// Starts one worker per folder of `account`.
    fn start(&mut self, account: Account) {
        let read = account.clone();
        let mut account = account;
        account.dry_run |= self.options.dry_run;
        let account = Arc::new(account);
        let detector = match detector_for(&self.options.detector, &account) {
            Ok(detector) => detector,
            Err(message) => {
                let failed = account.folders.iter().map(|folder| {
                    (account.name.clone(), folder.clone(), Err(WorkerError::Detection(message.clone())))
                });
                self.failures.extend(failed);
                self.failed.insert(account.name.clone());
                return;
            }
        };
        let (stopper, listener) = shutdown::channel();
        let reach = Arc::new(Reach::new(Instant::now()));
        let mut tasks = Vec::new();
        for (index, folder) in account.folders.clone().into_iter().enumerate() {
            let worker = Worker {
                // One worker per account looks at Junk, so a report is recorded once.
                watches_junk: index == 0,
                account: Arc::clone(&account),
                folder: folder.clone(),
                store: Arc::clone(&self.store),
                detector: detector.clone(),
                rescan: std::sync::Mutex::new(self.options.rescan_days),
                sent: Default::default(),
                learned: learning::Loaded::default(),
                lease: self.lease.clone(),
                reach: Arc::clone(&reach),
            };
            let (once, listener) = (self.options.once, listener.clone());
            tasks.push(self.tasks.spawn(async move {
                let result = worker.run(once, listener).await;
                (worker.account.name.clone(), folder, result)
            }));
        }
        self.watched
            .insert(account.name.clone(), Watched { account: read, stopper, tasks, stopping: None, reach });
    }

    /// Asks an account's workers to stop (the batch in flight finishes).
    fn stop(&mut self, account: &str, why: &str) {
        if let Some(watched) = self.watched.get_mut(account)
            && watched.stopping.is_none()
        {
            info!(%account, "stopping its workers: {why}");
            watched.stopper.stop();
            watched.stopping = Some(Instant::now());
        }
    }

    /// A folder's worker ended: an account whose workers all ended is no longer watched.
    fn ended(&mut self, joined: Option<Result<Ended, tokio::task::JoinError>>) {
        let Some(joined) = joined else { return };
        let (account, folder, result) = match joined {
            Ok(ended) => ended,
            Err(join_error) if join_error.is_cancelled() => return self.forget_finished(),
            Err(join_error) => ("?".into(), "?".into(), Err(WorkerError::Panicked(join_error.to_string()))),
        };
        match result {
            Err(WorkerError::LeaseLost(_)) => info!(%account, %folder, "lease lost; stopped before moving"),
            Err(error) => {
                // Said when it happens, not only at exit: the other workers go on.
                if !self.options.once {
                    error!(%account, %folder, "stopped watching this folder: {error}");
                }
                self.failed.insert(account.clone());
                self.failures.push((account, folder, Err(error)));
            }
            Ok(()) => {}
        }
        self.forget_finished();
    }

    /// Forgets accounts none of whose workers still runs. Their folders leave the health
    /// check too (another worker holds them now, or nobody should), unless they failed for
    /// good here: that stays late, so `/healthz` says so.
    fn forget_finished(&mut self) {
        let finished: Vec<String> = self
            .watched
            .iter()
            .filter(|(_, watched)| watched.tasks.iter().all(|task| task.is_finished()))
            .map(|(account, _)| account.clone())
            .collect();
        for account in finished {
            self.watched.remove(&account);
            if !self.failed.contains(&account) {
                super::metrics::metrics().forget(&account);
            }
        }
    }

    /// Stops every worker: the batch in flight finishes within the grace, then what still
    /// waits on a server is dropped (a batch's records are one transaction, a move sent
    /// but not confirmed stays planned, and the next owner reconciles it).
    async fn stop_all(&mut self) {
        for watched in self.watched.values() {
            watched.stopper.stop();
        }
        let grace = tokio::time::sleep(super::SHUTDOWN_GRACE);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                joined = self.tasks.join_next() => match joined {
                    None => break,
                    joined => self.ended(joined),
                },
                _ = &mut grace => {
                    warn!("stopping without waiting longer for the server; open work is finished at the next start");
                    self.tasks.abort_all();
                    while let Some(joined) = self.tasks.join_next().await {
                        self.ended(Some(joined));
                    }
                    break;
                }
            }
        }
    }
}

impl Worker {
    /// Fails with [`WorkerError::LeaseLost`] when this worker no longer holds its
    /// account's lease (by the database's clock): checked before moving anything.
    pub(super) async fn check_lease(&self) -> Result<(), WorkerError> {
        let Some(id) = &self.lease else { return Ok(()) };
        match self.store.holds_lease(id, &self.account.name).await? {
            true => Ok(()),
            false => Err(WorkerError::LeaseLost(self.account.name.clone())),
        }
    }
}

#[cfg(test)]
mod tests;
