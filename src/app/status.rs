//! What a worker tells `scamguard status` about its folder (see `store::status`): that it
//! connected and how it waits for mail (IDLE when the server offers it; polling from when
//! the worker gives IDLE up, IDLE again once it works again), how much waits to be read, that a pass finished,
//! that it failed and why, that it stopped. A worker takes its folder's row as it starts
//! a connection; what it writes after that lands only while the row is still its own, so
//! a worker that lost the folder to another process (a fleet's lease handed over) cannot
//! overwrite the new holder's status. A status that cannot be written is logged at debug
//! level and dropped: it must never fail a pass.

use tracing::{debug, info};

use super::metrics::metrics;
use super::worker::{Worker, WorkerError};
use crate::clock;
use crate::imap::ImapSession;
use crate::store::{Holder, StoreError, WatchMode};

/// This process as `status` names it: host and process id (read once: neither changes
/// while it runs, for what `status` needs).
pub fn worker_name() -> &'static str {
    static NAME: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let host = host.trim();
        format!("{}:{}", if host.is_empty() { "localhost" } else { host }, std::process::id())
    });
    &NAME
}

impl Worker {
    /// Records that this process is about to connect to the folder: the row is its own
    /// from now on (see `Store::status_connecting`).
    pub(super) async fn note_connecting(&self) {
        self.dropped(self.store.status_connecting(self.holder(), clock::now_unix()).await);
    }

    /// Logs and records the connection: how moves are done and how new mail is noticed.
    pub(super) async fn note_connected(&self, imap: &ImapSession) {
        let mode = if imap.has("IDLE") { WatchMode::Idle } else { WatchMode::Polling };
        metrics().watching(&self.account.name, &self.folder, self.watch_period(mode));
        info!(
            account = %self.account.name, folder = %self.folder,
            "connected to {}:{}; moves by {}; new mail by {}",
            self.account.host, self.account.port, imap.move_method(), mode.as_str()
        );
        self.dropped(self.store.status_connected(self.holder(), mode, clock::now_unix()).await);
    }

    /// Records how the worker now waits for mail, when that changed since it connected
    /// (IDLE given up for polling, or taken up again): the health check expects passes at
    /// that mode's period, and `status` shows what the worker does.
    pub(super) async fn note_mode(&self, mode: WatchMode) {
        metrics().watching(&self.account.name, &self.folder, self.watch_period(mode));
        self.dropped(self.store.status_mode(self.holder(), mode, clock::now_unix()).await);
    }

    /// The seconds between passes when the worker waits by `mode`: IDLE's renewal, or the
    /// poll interval.
    fn watch_period(&self, mode: WatchMode) -> i64 {
        let period = match mode {
            WatchMode::Idle => self.account.idle_renew,
            WatchMode::Polling => self.account.poll_interval,
        };
        i64::try_from(period.as_secs()).unwrap_or(i64::MAX)
    }

    /// Records how many messages wait to be read.
    pub(super) async fn note_backlog(&self, backlog: usize) {
        self.dropped(self.store.status_backlog(self.holder(), backlog, clock::now_unix()).await);
    }

    /// Records a pass that read everything there was.
    pub(super) async fn note_pass(&self) {
        let now = clock::now_unix();
        metrics().pass(&self.account.name, &self.folder, now);
        self.dropped(self.store.status_pass(self.holder(), now).await);
    }

    /// Records how a connection ended: an error, or a clean stop.
    pub(super) async fn note_end(&self, outcome: &Result<(), WorkerError>) {
        let now = clock::now_unix();
        let written = match outcome {
            Ok(()) => self.store.status_disconnected(self.holder(), now).await,
            Err(error) => self.store.status_error(self.holder(), &error.to_string(), now).await,
        };
        self.dropped(written);
    }

    /// This worker's row: its account's folder, held by this process.
    fn holder(&self) -> Holder<'_> {
        Holder { account: &self.account.name, folder: &self.folder, worker: worker_name() }
    }

    fn dropped(&self, written: Result<(), StoreError>) {
        if let Err(error) = written {
            debug!(account = %self.account.name, folder = %self.folder, "status not recorded: {error}");
        }
    }
}
