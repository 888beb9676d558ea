//! One account's folder, watched: connect, reconcile, read new mail in batches, wait,
//! and reconnect with backoff when anything fails.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use tracing::{info, warn};

use super::batch;
use super::progress::ScanProgress;
use crate::clock;
use crate::config::{Account, InitialScan};
use crate::detect::Thresholds;
use crate::imap::{self, FolderStatus, IdleEnd, ImapError, ImapSession, JunkChoice, MoveMethod};
use crate::store::{Cursor, Store, StoreError};

/// Why a worker stopped or a pass failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the worker panicked: {0}")]
    Panicked(String),
}

pub(super) struct Worker {
    pub account: Arc<Account>,
    pub folder: String,
    pub store: Arc<Store>,
    pub thresholds: Thresholds,
}

/// A planned action: the detection's id and the message's UID.
type Planned = (i64, u32);

/// A batch being classified on the blocking pool.
type Classifying = tokio::task::JoinHandle<Vec<batch::Classified>>;

/// How long a scan gathers planned actions before it sends them: ten batches, or five
/// seconds on a slow server. Every command that takes mail out of a folder makes some
/// servers re-read the whole folder (Dovecot's maildir resyncs its file list: measured,
/// 80% of its time in a 100,000-message first scan that moved after every batch), so a
/// long scan moves in a few large commands instead of one per batch. The actions are in
/// the store as planned meanwhile, so a crash leaves nothing undone: [`Worker::reconcile`]
/// finishes them on the next connection.
const ACT_EVERY_BATCHES: usize = 10;
const ACT_EVERY: Duration = Duration::from_secs(5);

/// Whether gathered actions should go to the server now.
fn act_due(batches_gathered: usize, since_last_act: Duration) -> bool {
    batches_gathered >= ACT_EVERY_BATCHES || since_last_act >= ACT_EVERY
}

/// Moves and flags recorded as planned and not yet sent to the server.
#[derive(Debug, Default)]
struct PlannedActions {
    moves: Vec<Planned>,
    flags: Vec<Planned>,
    /// How many batches planned them.
    batches: usize,
}

impl PlannedActions {
    fn extend(&mut self, more: PlannedActions) {
        self.moves.extend(more.moves);
        self.flags.extend(more.flags);
        self.batches += more.batches;
    }
}

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

impl Worker {
    /// Watches the folder until shutdown; with `once`, makes one pass and returns its
    /// outcome.
    pub async fn run(&self, once: bool, mut shutdown: watch::Receiver<bool>) -> Result<(), WorkerError> {
        let mut backoff = FIRST_BACKOFF;
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            let mut connected = false;
            match self.session(once, &mut shutdown, &mut connected).await {
                Ok(()) => return Ok(()),
                Err(error) if once => return Err(error),
                Err(error) => {
                    if connected {
                        backoff = FIRST_BACKOFF;
                    }
                    let delay = jitter(backoff);
                    warn!(account = %self.account.name, folder = %self.folder, "{error}; reconnecting in {:.1}s", delay.as_secs_f32());
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stopped(&mut shutdown) => return Ok(()),
                    }
                }
            }
        }
    }

    /// One connection's life: returns `Ok` after a `once` pass or on shutdown.
    async fn session(
        &self,
        once: bool,
        shutdown: &mut watch::Receiver<bool>,
        connected: &mut bool,
    ) -> Result<(), WorkerError> {
        let mut imap = imap::connect(&self.account).await?;
        *connected = true;
        let junk = self.junk_folder(&mut imap).await?;
        let status = imap.select(&self.folder).await?;
        self.reconcile(&mut imap, status.uidvalidity, &junk).await?;
        let mut cursor = self.start_cursor(&mut imap, status).await?;
        loop {
            cursor = self.read_new(&mut imap, cursor, status, &junk, shutdown).await?;
            if once || *shutdown.borrow() {
                imap.logout().await;
                return Ok(());
            }
            if imap.has("IDLE") {
                let (session, end) = imap.idle(self.account.idle_renew, shutdown).await?;
                imap = session;
                if end == IdleEnd::Shutdown {
                    imap.logout().await;
                    return Ok(());
                }
            } else {
                let stop = tokio::select! {
                    _ = tokio::time::sleep(self.account.poll_interval) => false,
                    _ = stopped(shutdown) => true,
                };
                if stop {
                    imap.logout().await;
                    return Ok(());
                }
                imap.noop().await?;
            }
        }
    }

    /// Finds (or creates) the folder threats go to.
    async fn junk_folder(&self, imap: &mut ImapSession) -> Result<String, WorkerError> {
        let folders = imap.list().await?;
        match imap::junk::choose(&folders, self.account.junk.as_deref()) {
            JunkChoice::Existing { name, .. } => Ok(name),
            JunkChoice::Create(name) => {
                info!(account = %self.account.name, "no Junk folder found; creating {:?}", imap::utf7::decode(&name));
                imap.create(&name).await?;
                Ok(name)
            }
        }
    }

    /// Where reading starts: the saved cursor, a fresh one after a UIDVALIDITY change
    /// (messages already handled are recognised by their key), or the first-run choice.
    async fn start_cursor(
        &self,
        imap: &mut ImapSession,
        status: imap::FolderStatus,
    ) -> Result<Cursor, WorkerError> {
        let (account, folder) = (&self.account.name, &self.folder);
        let saved = self.store.cursor(account, folder).await?;
        let cursor = match saved {
            Some(cursor) if cursor.uidvalidity == status.uidvalidity => return Ok(cursor),
            Some(old) => {
                warn!(%account, %folder, "UIDVALIDITY changed from {} to {}: rescanning the folder", old.uidvalidity, status.uidvalidity);
                Cursor { uidvalidity: status.uidvalidity, last_uid: 0 }
            }
            None => {
                let newest = status.uid_next.saturating_sub(1);
                let last_uid = match self.account.initial_scan {
                    InitialScan::New => newest,
                    InitialScan::All => 0,
                    InitialScan::Days(days) => {
                        let since = clock::imap_date(clock::now_unix() - i64::from(days) * 86_400);
                        let recent = imap.search(&format!("SINCE {since}")).await?;
                        recent.first().map_or(newest, |first| first.saturating_sub(1))
                    }
                };
                Cursor { uidvalidity: status.uidvalidity, last_uid }
            }
        };
        self.store.save_cursor(account, folder, cursor, clock::now_unix()).await?;
        Ok(cursor)
    }

    /// Reads every message above the cursor, batch by batch: fetch, classify, record,
    /// act, then save the cursor. Stops between batches when shutdown is requested.
    async fn read_new(
        &self,
        imap: &mut ImapSession,
        mut cursor: Cursor,
        status: FolderStatus,
        junk: &str,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<Cursor, WorkerError> {
        let uids = imap.uids_after(cursor.last_uid, status).await?;
        // A pipeline one batch deep: while batch N is classified on the blocking pool,
        // batch N+1 is fetched; then N is recorded and acted on, and the cursor saved.
        let mut in_flight: Option<(Classifying, u32)> = None;
        let mut planned = PlannedActions::default();
        let mut last_act = std::time::Instant::now();
        let mut progress =
            ScanProgress::start(&self.account.name, &self.folder, uids.len(), self.account.batch_size);
        for (index, chunk) in uids.chunks(self.account.batch_size).enumerate() {
            if *shutdown.borrow() {
                break;
            }
            progress.advance(index * self.account.batch_size);
            let fetched = imap.fetch(chunk, self.account.max_message_bytes).await?;
            let next = (
                self.classify_in_background(fetched),
                chunk.iter().copied().max().unwrap_or(cursor.last_uid),
            );
            if let Some((classifying, last_uid)) = in_flight.replace(next) {
                cursor = self.finish_batch(cursor, classifying, last_uid, &mut planned).await?;
                if act_due(planned.batches, last_act.elapsed()) {
                    self.act(imap, std::mem::take(&mut planned), junk).await?;
                    last_act = std::time::Instant::now();
                }
            }
        }
        if let Some((classifying, last_uid)) = in_flight {
            cursor = self.finish_batch(cursor, classifying, last_uid, &mut planned).await?;
        }
        self.act(imap, planned, junk).await?;
        Ok(cursor)
    }

    /// Classifies a fetched batch on the blocking pool, so the async threads (and the
    /// IMAP connection) are never held up by CPU work.
    fn classify_in_background(&self, fetched: Vec<imap::FetchedMessage>) -> Classifying {
        let thresholds = self.thresholds;
        tokio::task::spawn_blocking(move || batch::classify_all(fetched, &thresholds))
    }

    /// Waits for a batch's classification, records it, adds what it plans to `planned`,
    /// and saves the cursor.
    async fn finish_batch(
        &self,
        mut cursor: Cursor,
        classifying: Classifying,
        last_uid: u32,
        planned: &mut PlannedActions,
    ) -> Result<Cursor, WorkerError> {
        let classified = classifying.await.map_err(|e| WorkerError::Panicked(e.to_string()))?;
        planned.extend(self.record(cursor.uidvalidity, classified).await?);
        cursor.last_uid = last_uid;
        self.store.save_cursor(&self.account.name, &self.folder, cursor, clock::now_unix()).await?;
        Ok(cursor)
    }

    /// Classifies, records and acts on one fetched batch (the pipeline's steps in a row).
    #[cfg(test)]
    async fn handle_batch(
        &self,
        imap: &mut ImapSession,
        uidvalidity: u32,
        fetched: Vec<imap::FetchedMessage>,
        junk: &str,
    ) -> Result<(), WorkerError> {
        let classified =
            self.classify_in_background(fetched).await.map_err(|e| WorkerError::Panicked(e.to_string()))?;
        let planned = self.record(uidvalidity, classified).await?;
        self.act(imap, planned, junk).await
    }

    /// Records a classified batch and returns the moves and flags it planned (in the
    /// store as planned, to be sent by [`Worker::act`]).
    async fn record(
        &self,
        uidvalidity: u32,
        classified: Vec<batch::Classified>,
    ) -> Result<PlannedActions, WorkerError> {
        let scanned = classified.len() as u32;
        for unreadable in classified.iter().filter(|c| c.verdict.is_err()) {
            warn!(account = %self.account.name, folder = %self.folder, uid = unreadable.uid,
                  "message left alone: {}", unreadable.verdict.as_ref().err().map_or("", String::as_str));
        }
        let identities: Vec<_> = classified.iter().map(batch::Classified::identity).collect();
        let handled = self.store.handled(&self.account.name, &self.folder, &identities).await?;
        let trusted = self.store.allowlist(&self.account.name).await?;
        let detections =
            batch::detections(&self.account, &self.folder, uidvalidity, &classified, &handled, &trusted);
        let now = clock::now_unix();
        let ids = self
            .store
            .record_batch(&self.account.name, &detections, scanned, &clock::day_string(now), now)
            .await?;
        let with_action = |action: &str| -> Vec<Planned> {
            ids.iter()
                .zip(&detections)
                .filter(|(_, d)| d.action == action)
                .map(|(id, d)| (*id, d.uid))
                .collect()
        };
        for d in detections.iter().filter(|d| d.action == "planned") {
            info!(account = %self.account.name, folder = %self.folder, uid = d.uid, category = %d.category,
                  score = d.score, "threat found, moving it to Junk: {:?}", d.subject);
        }
        Ok(PlannedActions { moves: with_action("planned"), flags: with_action("flag-planned"), batches: 1 })
    }

    /// Sends planned moves and flags to the server. Messages that vanished since the
    /// fetch (another client moved or deleted them) are recorded as gone, never acted on.
    async fn act(
        &self,
        imap: &mut ImapSession,
        planned: PlannedActions,
        junk: &str,
    ) -> Result<(), WorkerError> {
        self.move_planned(imap, &planned.moves, junk).await?;
        self.flag_planned(imap, &planned.flags).await
    }

    /// Moves planned threats that are still in the folder and records the outcome; the
    /// ones another client removed meanwhile are recorded as gone. Should a message vanish
    /// in the instant between the check and the move, the move fails, the rows stay
    /// planned, and the reconnect's [`Worker::reconcile`] settles them.
    async fn move_planned(
        &self,
        imap: &mut ImapSession,
        planned: &[Planned],
        junk: &str,
    ) -> Result<(), WorkerError> {
        if planned.is_empty() {
            return Ok(());
        }
        let here = self.still_present(imap, planned).await?;
        let here_uids: Vec<u32> = here.iter().map(|(_, uid)| *uid).collect();
        let method = imap.move_to(&here_uids, junk).await?;
        if method == MoveMethod::CopyFlag {
            warn!(account = %self.account.name, "server has neither MOVE nor UIDPLUS: copied to Junk and marked \\Deleted; the originals go when your mail client expunges");
        }
        let action = if method == MoveMethod::CopyFlag { "copied" } else { "moved" };
        let here_ids: Vec<i64> = here.iter().map(|(id, _)| *id).collect();
        self.store.finish(&here_ids, action, &imap::utf7::decode(junk), clock::now_unix()).await?;
        if !here_ids.is_empty() {
            info!(account = %self.account.name, folder = %self.folder, "{action} {} threats to Junk", here_ids.len());
        }
        Ok(())
    }

    async fn flag_planned(&self, imap: &mut ImapSession, flags: &[Planned]) -> Result<(), WorkerError> {
        let Some(keyword) = &self.account.suspicious_keyword else { return Ok(()) };
        if flags.is_empty() {
            return Ok(());
        }
        let here = self.still_present(imap, flags).await?;
        imap.add_keyword(&here.iter().map(|(_, uid)| *uid).collect::<Vec<_>>(), keyword).await?;
        self.store
            .finish(
                &here.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
                "flagged",
                keyword,
                clock::now_unix(),
            )
            .await?;
        Ok(())
    }

    /// The planned actions whose messages are still in the folder; the others (another
    /// client moved or deleted them since the fetch) are recorded as gone, never acted on.
    async fn still_present(
        &self,
        imap: &mut ImapSession,
        planned: &[Planned],
    ) -> Result<Vec<Planned>, WorkerError> {
        let uids: Vec<u32> = planned.iter().map(|(_, uid)| *uid).collect();
        let present: HashSet<u32> = imap.existing(&uids).await?.into_iter().collect();
        let (here, gone): (Vec<Planned>, Vec<Planned>) =
            planned.iter().copied().partition(|(_, uid)| present.contains(uid));
        let gone_ids: Vec<i64> = gone.iter().map(|(id, _)| *id).collect();
        self.store.finish(&gone_ids, "gone", "", clock::now_unix()).await?;
        Ok(here)
    }

    /// Finishes what an interrupted run planned: messages still in the folder are moved
    /// (or flagged) now; those already in Junk (found by exact Message-ID, or by header
    /// digest when they have none) are recorded as moved; the rest as gone. Nothing is
    /// ever moved twice.
    async fn reconcile(
        &self,
        imap: &mut ImapSession,
        uidvalidity: u32,
        junk: &str,
    ) -> Result<(), WorkerError> {
        let pending = self.store.pending(&self.account.name, &self.folder).await?;
        if pending.is_empty() {
            return Ok(());
        }
        info!(account = %self.account.name, folder = %self.folder, "finishing {} actions an earlier run left open", pending.len());
        let same_epoch: Vec<u32> =
            pending.iter().filter(|p| p.uidvalidity == uidvalidity).map(|p| p.uid).collect();
        let present: HashSet<u32> = imap.existing(&same_epoch).await?.into_iter().collect();
        let is_here = |p: &&crate::store::Pending| p.uidvalidity == uidvalidity && present.contains(&p.uid);
        let moves: Vec<Planned> =
            pending.iter().filter(is_here).filter(|p| p.action == "planned").map(|p| (p.id, p.uid)).collect();
        let flags: Vec<Planned> = pending
            .iter()
            .filter(is_here)
            .filter(|p| p.action == "flag-planned")
            .map(|p| (p.id, p.uid))
            .collect();
        self.move_planned(imap, &moves, junk).await?;
        self.flag_planned(imap, &flags).await?;

        let absent: Vec<&crate::store::Pending> = pending.iter().filter(|p| !is_here(p)).collect();
        if absent.is_empty() {
            return Ok(());
        }
        // Found in Junk by exact Message-ID, or by header digest when there is none (read
        // from Junk's newest headers, once for all of them).
        let status = imap.select(junk).await?;
        let mut finder = super::locate::Finder::new(status.exists, self.account.max_message_bytes);
        let now = clock::now_unix();
        for p in absent {
            let wanted =
                super::locate::Recorded { message_id: &p.message_id, key: &p.message_key, digest: &p.digest };
            let in_junk = p.action == "planned" && !finder.find(imap, wanted).await?.is_empty();
            let (action, destination) =
                if in_junk { ("moved", imap::utf7::decode(junk)) } else { ("gone", String::new()) };
            self.store.finish(&[p.id], action, &destination, now).await?;
        }
        imap.select(&self.folder).await?;
        Ok(())
    }
}

/// Resolves once shutdown has been requested.
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// `base` ± 20%, so many clients that lost the same server do not return in step.
fn jitter(base: Duration) -> Duration {
    let factor = rand::rng().random_range(0.8..1.2);
    base.mul_f64(factor)
}

#[cfg(test)]
#[path = "../../tests/support/dovecot.rs"]
#[allow(dead_code)]
mod dovecot;

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/data/eml/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
    }

    /// Another client takes a message away after scamguard fetched it and before it moves
    /// it: that message is recorded as gone and nothing else is touched. (The worker moves
    /// too fast for a black-box test to land in this window, so the batch is handed over
    /// between the two steps here.)
    #[tokio::test(flavor = "multi_thread")]
    async fn a_message_removed_between_fetch_and_move_is_recorded_as_gone() {
        let server = dovecot::Dovecot::start(dovecot::Options::default());
        let (config, _) = crate::config::Config::load(&server.write_config("")).expect("config");
        let account = Arc::new(config.accounts.first().expect("account").clone());
        let store = Arc::new(Store::open(&config.database).await.expect("store"));
        let worker = Worker {
            account: Arc::clone(&account),
            folder: "INBOX".into(),
            store: Arc::clone(&store),
            thresholds: config.detection,
        };

        let mut imap = imap::connect(&account).await.expect("login");
        for name in ["en_extortion_split_wallet_self_sent.eml", "ja_extortion_iso2022jp_password.eml"] {
            imap.append("INBOX", None, &fixture(name)).await.expect("append");
        }
        let status = imap.select("INBOX").await.expect("select");
        let fetched = imap.fetch(&[1, 2], account.max_message_bytes).await.expect("fetch");

        let mut other = imap::connect(&account).await.expect("second client");
        other.create("Elsewhere").await.expect("create");
        other.select("INBOX").await.expect("select");
        other.move_to(&[1], "Elsewhere").await.expect("other client moves message 1");

        worker.handle_batch(&mut imap, status.uidvalidity, fetched, "Junk").await.expect("batch");

        let rows = store.history(&Default::default()).await.expect("history");
        let mut actions: Vec<String> = rows.iter().map(|r| r.action.clone()).collect();
        actions.sort();
        assert_eq!(actions, ["gone", "moved"]);
        imap.select("Junk").await.expect("select junk");
        assert_eq!(imap.all_flags().await.expect("flags").len(), 1, "only the message still there was moved");
        imap.select("Elsewhere").await.expect("select");
        assert_eq!(imap.all_flags().await.expect("flags").len(), 1, "the other client's move stands");
    }

    #[test]
    fn gathered_actions_go_out_after_ten_batches_or_five_seconds() {
        assert!(!act_due(1, Duration::from_millis(10)));
        assert!(!act_due(ACT_EVERY_BATCHES - 1, ACT_EVERY - Duration::from_millis(1)));
        assert!(act_due(ACT_EVERY_BATCHES, Duration::ZERO));
        assert!(act_due(1, ACT_EVERY));
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        for _ in 0..100 {
            let d = jitter(Duration::from_secs(10));
            assert!(d >= Duration::from_secs(8) && d <= Duration::from_secs(12));
        }
    }
}
