//! One account's folder, watched: connect, reconcile, read new mail in batches, wait,
//! and reconnect with backoff when anything fails.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tracing::{info, warn};

use super::act::{Planned, PlannedActions};
use super::batch;
use super::feedback::{self, Record};
use super::progress::ScanProgress;
use super::senders::SenderLists;
use super::shutdown::Shutdown;
use super::start;
use crate::clock;
use crate::config::Account;
use crate::detect::Detector;
use crate::imap::{self, FolderStatus, ImapError, ImapSession, JunkChoice};
use crate::store::{self, Action, Cursor, FolderRef, MAX_READ_TRIES, ReadOutcome, Store, StoreError};

/// Why a worker stopped or a pass failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the worker panicked: {0}")]
    Panicked(String),
    #[error("{0:?} is the folder threats are moved to; watching it would move mail into itself")]
    WatchingJunk(String),
    /// The folder's UIDVALIDITY changed while it was watched (seen when it was selected
    /// again after reading the Sent folder, or after reconcile looked in Junk): the next
    /// connection starts over from it.
    #[error("{0:?} was renumbered (new UIDVALIDITY) while it was watched; reading it again")]
    Renumbered(String),
    /// The account's thresholds do not hold against the model in use.
    #[error("{0}")]
    Detection(String),
    /// Another worker of the fleet holds the account now (this one's lease expired or
    /// was taken): it stops before moving anything.
    #[error("the lease on account {0:?} is no longer this worker's")]
    LeaseLost(String),
}

impl WorkerError {
    /// Whether trying again cannot help: the worker stops (the database it records in was
    /// deleted or replaced, or it would watch its own Junk folder).
    pub fn is_permanent(&self) -> bool {
        match self {
            WorkerError::Store(store) => store.is_permanent(),
            WorkerError::WatchingJunk(_) | WorkerError::Detection(_) | WorkerError::LeaseLost(_) => true,
            WorkerError::Imap(_) | WorkerError::Panicked(_) | WorkerError::Renumbered(_) => false,
        }
    }

    /// The kind `scamguard_errors_total` counts this error as.
    fn metric_kind(&self) -> super::metrics::ErrorKind {
        use super::metrics::ErrorKind;
        match self {
            WorkerError::Imap(error) if error.is_refusal() => ErrorKind::Refused,
            WorkerError::Imap(_) => ErrorKind::Connection,
            WorkerError::Store(_) => ErrorKind::Store,
            _ => ErrorKind::Other,
        }
    }

    /// Whether the connection to the server was lost (as opposed to the server refusing
    /// a command, or the database failing).
    fn is_connection_loss(&self) -> bool {
        // A folder the server lacks, or a NO to SELECT, is a refusal too: retried ever
        // later (up to a minute), not every second as a lost connection would be.
        matches!(self, WorkerError::Imap(error) if !error.is_refusal())
    }
}

pub(super) struct Worker {
    pub account: Arc<Account>,
    /// The folder's name as configured (UTF-8): the name the store and logs use.
    pub folder: String,
    pub store: Arc<Store>,
    pub detector: Detector,
    /// `run --rescan`: read again the mail received in this many days, on the first
    /// connection only (cleared once queued).
    pub rescan: std::sync::Mutex<Option<u32>>,
    /// Reading the account's Sent folder, for the worker that does (see `correspondents`).
    pub sent: super::correspondents::SentState,
    /// Whether this worker also looks at the account's Junk folder for reports (one
    /// worker per account does; see `junk_watch`).
    pub watches_junk: bool,
    /// The account's learning last loaded into `detector`.
    pub learned: super::learning::Loaded,
    /// On a shared database, this process's name in the leases: moves are made only
    /// while it holds the account's lease (see `fleet`).
    pub lease: Option<Arc<str>>,
    /// How the account's connection fares here, for the lease round (see `reach`).
    pub reach: Arc<super::reach::Reach>,
}

/// A batch fetched and being classified, with what its read came to.
struct InFlight {
    classifying: Classifying,
    /// The highest UID the batch asked for.
    last_uid: u32,
    outcome: ReadOutcome,
}

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

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const MAX_REFUSAL_BACKOFF: Duration = Duration::from_secs(60);

/// After a failed connection or pass, the wait before the next one (before [`jitter`]) and
/// the base of the wait after that, from the last base (`backoff`), whether the connection
/// was made (`connected`) and whether it was then lost (`lost`, as opposed to a refusal or
/// a database that cannot record). It doubles each time, up to five minutes.
fn backoff_after(mut backoff: Duration, connected: bool, lost: bool) -> (Duration, Duration) {
    // A connection that worked and then broke is tried again soon; a server that refuses,
    // or a database that cannot record, is given longer each time.
    if connected && lost {
        backoff = FIRST_BACKOFF;
    }
    // Not so long that new mail waits for minutes while one message is refused over and
    // over.
    if !lost {
        backoff = backoff.min(MAX_REFUSAL_BACKOFF);
    }
    (backoff, (backoff * 2).min(MAX_BACKOFF))
}

impl Worker {
    /// Watches the folder until shutdown; with `once`, makes one pass and returns its
    /// outcome.
    pub async fn run(&self, once: bool, mut shutdown: Shutdown) -> Result<(), WorkerError> {
        let mut backoff = FIRST_BACKOFF;
        loop {
            if shutdown.is_requested() {
                return Ok(());
            }
            let mut connected = false;
            self.note_connecting().await;
            let outcome = self.session(once, &mut shutdown, &mut connected).await;
            if connected {
                self.reach.down();
            }
            self.note_end(&outcome).await;
            if let Err(error) = &outcome {
                super::metrics::metrics().error(error.metric_kind());
            }
            match outcome {
                Ok(()) => return Ok(()),
                Err(error) if once || error.is_permanent() => return Err(error),
                Err(error) => {
                    let (delay, next) = retry_after(backoff, connected, error.is_connection_loss());
                    warn!(account = %self.account.name, folder = %self.folder, "{error}; reconnecting in {:.1}s", delay.as_secs_f32());
                    backoff = next;
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shutdown.requested() => return Ok(()),
                    }
                    super::metrics::metrics().reconnect();
                }
            }
        }
    }

    /// One connection's life: returns `Ok` after a `once` pass or on shutdown.
    async fn session(
        &self,
        once: bool,
        shutdown: &mut Shutdown,
        connected: &mut bool,
    ) -> Result<(), WorkerError> {
        let mut imap = imap::connect(&self.account).await?;
        *connected = true;
        self.reach.up();
        let junk = self.junk_folder(&mut imap).await?;
        // With `junk = "auto"` only the server says which folder that is: a watched
        // folder that turns out to be it is refused here, before anything is read.
        if crate::config::same_folder(&imap::utf7::decode(&junk), &self.folder) {
            imap.logout().await;
            return Err(WorkerError::WatchingJunk(self.folder.clone()));
        }
        let sent = self.sent_folder(&mut imap).await?;
        let mut status = imap.select_configured(&self.folder).await?;
        self.note_connected(&imap).await;
        self.reconcile(&mut imap, status.uidvalidity, &junk).await?;
        let mut cursor = self.start_cursor(&mut imap, status).await?;
        // In a dry run nothing is saved as read (the cursor stays in memory), so the next
        // real run acts on what the dry run saw; queued messages read already are kept here.
        let mut read_in_dry_run = HashSet::new();
        let mut waiting = wait::Waiting::on(&imap);
        loop {
            // Side trips before this pass's mail is judged: who the user wrote to since the
            // last pass (Sent), and what they put into Junk by hand (one worker per account;
            // a dry run saves nothing as read, Junk's cursor included). Then back to the
            // watched folder, once; mail that arrived there meanwhile is found by the search
            // that follows.
            let mut left = false;
            if let Some(sent) = &sent {
                left |= self.read_sent(&mut imap, sent).await?;
            }
            if looks_at_junk(self.watches_junk, self.account.dry_run) {
                left |= self.look_at_junk(&mut imap, &junk).await?;
            }
            if left {
                status = imap.select(&self.wire_folder()).await?;
                imap.take_mailbox_changed();
                // Renumbered meanwhile, its UIDs (the cursor's) name other mail now: the
                // same rule as reconcile's return from Junk.
                if let Err(renumbered) = super::act::same_numbering(&self.folder, cursor.uidvalidity, status)
                {
                    imap.logout().await;
                    return Err(renumbered);
                }
            }
            let before = cursor.last_uid;
            cursor = self.read_new(&mut imap, cursor, status, &junk, shutdown, &mut read_in_dry_run).await?;
            if cursor.last_uid > before {
                waiting.found_mail();
            }
            if self.lease.is_some() {
                // On a shared database, moves another worker planned and could not send
                // (it lost its lease mid-batch) are this holder's to finish: it may have
                // connected before they were planned, and they read as handled.
                self.reconcile(&mut imap, cursor.uidvalidity, &junk).await?;
            }
            self.note_pass().await;
            if once || shutdown.is_requested() {
                imap.logout().await;
                return Ok(());
            }
            if self.wait_for_mail(&mut imap, &mut waiting, shutdown).await? {
                imap.logout().await;
                return Ok(());
            }
        }
    }

    /// Finds (or creates) the folder threats go to, in the user's personal namespace.
    async fn junk_folder(&self, imap: &mut ImapSession) -> Result<String, WorkerError> {
        let namespace = imap.namespace().await?;
        let folders = imap.list().await?;
        match imap::junk::choose(&folders, self.account.junk.as_deref(), &namespace) {
            JunkChoice::Existing { name, .. } => Ok(name),
            JunkChoice::Create(name) => {
                info!(account = %self.account.name, "no Junk folder found; creating {:?}", imap::utf7::decode(&name));
                imap.create(&name).await?;
                Ok(name)
            }
        }
    }

    /// The folder's name on the wire: modified UTF-7 (RFC 3501 §5.1.3), so Japanese and
    /// other non-ASCII folder names work as configured.
    pub(super) fn wire_folder(&self) -> String {
        imap::utf7::encode(&self.folder)
    }

    fn folder_ref(&self, uidvalidity: u32) -> FolderRef<'_> {
        FolderRef { account: &self.account.name, folder: &self.folder, uidvalidity }
    }

    /// Where reading starts (see [`start::plan`]): the saved cursor, a fresh one after a
    /// UIDVALIDITY change (messages already handled are recognised by their key), or the
    /// first-run choice; a period given by date (`initial_scan = "30d"`, `--rescan`) is
    /// found with `SEARCH SINCE` and queued for reading.
    async fn start_cursor(
        &self,
        imap: &mut ImapSession,
        status: imap::FolderStatus,
    ) -> Result<Cursor, WorkerError> {
        let saved = self.store.cursor(&self.account.name, &self.folder).await?;
        let rescan = *self.rescan.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let plan = start::plan(saved, status, self.account.initial_scan, rescan);
        info!(account = %self.account.name, folder = %self.folder, "{}", plan.description);
        let mut to_read = Vec::new();
        if let Some(days) = plan.since_days {
            let since = clock::imap_date(clock::now_unix() - i64::from(days) * 86_400);
            to_read = imap.search(&format!("SINCE {since}")).await?;
            to_read.retain(|&uid| uid <= plan.cursor.last_uid);
        }
        if plan.is_new || !to_read.is_empty() {
            let at = self.folder_ref(status.uidvalidity);
            self.store.start_reading(at, plan.cursor, &to_read, clock::now_unix()).await?;
        }
        if rescan.is_some() {
            *self.rescan.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        }
        Ok(plan.cursor)
    }

    /// Reads the queued messages and every message above the cursor, batch by batch:
    /// fetch, classify, record, act, then settle the read (queue and cursor). Stops between
    /// batches when shutdown is requested. A refused FETCH does not stop the pass: its
    /// messages are queued to be read again, and the refusal is the pass's error at the end.
    async fn read_new(
        &self,
        imap: &mut ImapSession,
        mut cursor: Cursor,
        status: FolderStatus,
        junk: &str,
        shutdown: &Shutdown,
        read_in_dry_run: &mut HashSet<u32>,
    ) -> Result<Cursor, WorkerError> {
        let mut uids = self.store.queued(self.folder_ref(cursor.uidvalidity)).await?;
        uids.retain(|uid| !read_in_dry_run.contains(uid));
        uids.extend(imap.uids_after(cursor.last_uid, status).await?);
        self.note_backlog(uids.len()).await;
        let report_key = super::reports::report_key(&self.store).await?;
        // This pass's detector: the people the user wrote to, and the account's learning as
        // the store holds it now (reloaded only when it changed).
        let detector = self.pass_detector().await?;
        let detector = self.learned.detector(&self.store, &self.account.name, &detector).await?;
        // A pipeline one batch deep: while batch N is classified on the blocking pool,
        // batch N+1 is fetched; then N is recorded and acted on, and the cursor saved.
        let mut in_flight: Option<InFlight> = None;
        let mut planned = PlannedActions::default();
        let mut last_act = std::time::Instant::now();
        let mut refusal = None;
        let mut progress =
            ScanProgress::start(&self.account.name, &self.folder, uids.len(), self.account.batch_size);
        for (index, chunk) in uids.chunks(self.account.batch_size).enumerate() {
            if shutdown.is_requested() {
                break;
            }
            progress.advance(index * self.account.batch_size);
            let (fetched, outcome) = self.fetch_batch(imap, chunk, &mut refusal).await?;
            let next = InFlight {
                classifying: self.classify_in_background(fetched, &report_key, &detector),
                last_uid: chunk.iter().copied().max().unwrap_or(cursor.last_uid),
                outcome,
            };
            if let Some(batch) = in_flight.replace(next) {
                cursor = self.finish_batch(cursor, batch, &mut planned, read_in_dry_run, junk).await?;
                if act_due(planned.batches, last_act.elapsed()) {
                    self.act(imap, std::mem::take(&mut planned), cursor.uidvalidity, junk).await?;
                    last_act = std::time::Instant::now();
                    self.note_backlog(left_after(uids.len(), index, self.account.batch_size)).await;
                }
            }
        }
        if let Some(batch) = in_flight {
            cursor = self.finish_batch(cursor, batch, &mut planned, read_in_dry_run, junk).await?;
        }
        self.act(imap, planned, cursor.uidvalidity, junk).await?;
        match refusal {
            Some(refused) => Err(refused.into()),
            None => Ok(cursor),
        }
    }

    /// Fetches one batch and says what did not come: messages the server left out that
    /// are still in the folder failed to read; the rest were taken away meanwhile. A
    /// refusal is kept in `refusal`, to be the pass's error once the batch is settled.
    async fn fetch_batch(
        &self,
        imap: &mut ImapSession,
        chunk: &[u32],
        refusal: &mut Option<ImapError>,
    ) -> Result<(Vec<imap::FetchedMessage>, ReadOutcome), WorkerError> {
        let fetched = imap.fetch(chunk, self.account.max_message_bytes).await?;
        let mut outcome = outcome_of(&fetched);
        if !fetched.missing.is_empty() {
            let present: HashSet<u32> = imap.existing(&fetched.missing).await?.into_iter().collect();
            (outcome.failed, outcome.gone) = fetched.missing.iter().partition(|uid| present.contains(uid));
            if !outcome.failed.is_empty() {
                warn!(account = %self.account.name, folder = %self.folder, uids = ?outcome.failed,
                      "the server did not hand these messages over ({}); they will be read again", outcome.reason);
            }
        }
        if let Some(refused) = fetched.refused {
            refusal.get_or_insert(refused);
        }
        Ok((fetched.messages, outcome))
    }

    /// Classifies a fetched batch on the blocking pool, so the async threads (and the
    /// IMAP connection) are never held up by CPU work.
    fn classify_in_background(
        &self,
        fetched: Vec<imap::FetchedMessage>,
        report_key: &crate::report::seal::ReportKey,
        detector: &Detector,
    ) -> Classifying {
        let (detector, report_key) = (detector.clone(), report_key.clone());
        tokio::task::spawn_blocking(move || batch::classify_all(fetched, &detector, &report_key))
    }

    /// Waits for a batch's classification, records it, adds what it plans to `planned`,
    /// and settles the read: the queue and the cursor in one transaction (in a dry run,
    /// only in memory).
    async fn finish_batch(
        &self,
        mut cursor: Cursor,
        batch: InFlight,
        planned: &mut PlannedActions,
        read_in_dry_run: &mut HashSet<u32>,
        junk: &str,
    ) -> Result<Cursor, WorkerError> {
        let classified = batch.classifying.await.map_err(|e| WorkerError::Panicked(e.to_string()))?;
        let mut outcome = batch.outcome;
        outcome.unparseable = unparseable(&classified);
        planned.extend(self.record(cursor.uidvalidity, classified, junk).await?);
        cursor.last_uid = cursor.last_uid.max(batch.last_uid);
        if self.account.dry_run {
            read_in_dry_run.extend(&outcome.read);
            return Ok(cursor);
        }
        let at = self.folder_ref(cursor.uidvalidity);
        let give_up_after = self.account.unreadable_after.as_secs() as i64;
        let unreadable =
            self.store.settle_read(at, &outcome, Some(cursor), clock::now_unix(), give_up_after).await?;
        if !unreadable.is_empty() {
            warn!(account = %self.account.name, folder = %self.folder, uids = ?unreadable,
                  "recorded as unreadable (not mail we can read, or refused {MAX_READ_TRIES} times: {})", outcome.reason);
        }
        Ok(cursor)
    }

    /// Records a classified batch and returns the moves and flags it planned (in the
    /// store as planned, to be sent by [`Worker::act`]).
    async fn record(
        &self,
        uidvalidity: u32,
        classified: Vec<batch::Classified>,
        junk: &str,
    ) -> Result<PlannedActions, WorkerError> {
        // A dry run reads the same mail again on the real run: it is counted then.
        let scanned = if self.account.dry_run { 0 } else { classified.len() as u32 };
        let identities: Vec<_> = classified.iter().map(batch::Classified::identity).collect();
        let mut handled = self.store.handled(&self.account.name, &self.folder, &identities).await?;
        handled.extend(self.take_releases(uidvalidity, &classified).await?);
        let lists = SenderLists::from_rows(&self.store.sender_entries(&self.account.name).await?);
        let detections =
            batch::detections(&self.account, &self.folder, uidvalidity, &classified, &handled, &lists);
        let now = clock::now_unix();
        let ids = self
            .store
            .record_batch(&self.account.name, &detections, scanned, &clock::day_string(now), now)
            .await?;
        super::metrics::metrics().recorded(scanned as usize, &detections);
        let with_action = |action: Action| -> Vec<Planned> {
            ids.iter()
                .zip(&detections)
                .filter(|(_, d)| d.action == action)
                .map(|(id, d)| (*id, d.uid))
                .collect()
        };
        for d in detections.iter().filter(|d| d.action == Action::Planned) {
            info!(account = %self.account.name, folder = %self.folder, uid = d.uid, category = %d.category.as_str(),
                  score = d.score, "threat found, moving it to {}: {:?}", imap::utf7::decode(junk), d.subject);
        }
        Ok(PlannedActions {
            moves: with_action(Action::Planned),
            flags: with_action(Action::FlagPlanned),
            batches: 1,
            arrived: arrived_while_watched(&classified),
        })
    }

    /// Records the releases in a classified batch: messages scamguard took to Junk that
    /// came back to this folder (the user took them out). Returns their identities: they
    /// are handled, never judged or moved again.
    async fn take_releases(
        &self,
        uidvalidity: u32,
        classified: &[batch::Classified],
    ) -> Result<Vec<store::Identity>, WorkerError> {
        let arrived: Vec<(u32, store::Identity)> = classified.iter().map(|c| (c.uid, c.identity())).collect();
        let releases = self.store.releases(&self.account.name, &self.folder, uidvalidity, &arrived).await?;
        let mut released = Vec::with_capacity(releases.len());
        for release in releases {
            let Some(message) = classified.iter().find(|c| c.uid == release.uid) else { continue };
            let record =
                Record::Release { id: release.id, action: Action::Released, folder: self.folder.clone() };
            if feedback::give(&self.store, &self.account.name, Some(&self.detector), &message.raw, record)
                .await?
            {
                info!(account = %self.account.name, folder = %self.folder, uid = message.uid, id = release.id,
                      "released: you took it back out of Junk, it will not be moved again: {:?}", message.subject);
            }
            released.push(message.identity());
        }
        Ok(released)
    }
}

/// What a FETCH came to, before the messages it left out are told apart (still in the
/// folder, or taken away meanwhile; see [`Worker::fetch_batch`]): the messages read, which
/// leave the read queue, the server's words for the rest, and whether their failure counts
/// a try.
pub(super) fn outcome_of(fetched: &imap::Fetched) -> ReadOutcome {
    ReadOutcome {
        read: fetched.messages.iter().map(|m| m.uid).collect(),
        reason: if fetched.server_said.is_empty() {
            "the server did not send it".to_string()
        } else {
            fetched.server_said.clone()
        },
        // A refusal that says the server's trouble is passing (UNAVAILABLE, INUSE)
        // says nothing about the messages: they are read again without counting a
        // try, so an outage never makes a backlog unreadable.
        counts_a_try: !fetched.refused.as_ref().is_some_and(ImapError::is_temporary),
        ..Default::default()
    }
}

/// The messages of a classified batch that are not mail we can read, with why: recorded
/// unreadable at once (reading them again would give the same bytes).
pub(super) fn unparseable(classified: &[batch::Classified]) -> Vec<(u32, String)> {
    classified.iter().filter_map(|c| Some((c.uid, c.verdict.as_ref().err()?.clone()))).collect()
}

/// When the messages of a batch arrived, by UID, for those that arrived since this
/// process began watching: mail older than that waited for scamguard to start, not on
/// it, so its move is counted but not timed.
fn arrived_while_watched(classified: &[batch::Classified]) -> std::collections::BTreeMap<u32, i64> {
    let since = super::metrics::watching_since();
    classified.iter().filter_map(|c| Some((c.uid, c.arrived?))).filter(|(_, at)| *at >= since).collect()
}

/// How many of `total` UIDs are left to read once batch `index` (from 0) of `batch_size`
/// is read: the backlog `status` shows during a long scan.
fn left_after(total: usize, index: usize, batch_size: usize) -> usize {
    total.saturating_sub((index + 1) * batch_size)
}

/// The wait before the next try, jittered, and the base of the one after (see
/// [`backoff_after`]): what a worker whose pass failed waits, so clients that lost one
/// server do not all come back in step.
fn retry_after(backoff: Duration, connected: bool, lost: bool) -> (Duration, Duration) {
    let (wait, next) = backoff_after(backoff, connected, lost);
    (jitter(wait), next)
}

/// `base` ± 20%, so many clients that lost the same server do not return in step.
fn jitter(base: Duration) -> Duration {
    let factor = rand::rng().random_range(0.8..1.2);
    base.mul_f64(factor)
}

/// Whether a pass looks at the account's Junk folder for reports: only the one worker of
/// the account that watches it does, and never in a dry run, which saves nothing as read
/// (Junk's cursor included) and records no report.
fn looks_at_junk(watches_junk: bool, dry_run: bool) -> bool {
    watches_junk && !dry_run
}

mod wait;
pub(super) use wait::QUICK_END;

#[cfg(test)]
mod tests;
