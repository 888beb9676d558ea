//! Known correspondents, the service's side: reading the account's Sent folder and handing
//! classification a snapshot of the addresses the user has written to.
//!
//! One worker per account reads Sent: the one for the account's first watched folder, over
//! its own connection (no connection of its own). Before each pass it asks STATUS; only
//! when UIDNEXT moved (or the folder is new to us, or renumbered) does it EXAMINE Sent
//! (read-only), fetch the To, Cc and Bcc fields of the new messages with `BODY.PEEK` in
//! batches, record their addresses with the cursor, and SELECT its folder again. Every
//! worker of the account then loads the addresses once for the pass. A server that
//! refuses a command on Sent costs the pass nothing: it is logged and tried next pass.

use std::sync::atomic::{AtomicBool, Ordering};

use tracing::{info, warn};

use super::worker::{Worker, WorkerError};
use crate::clock;
use crate::detect::Detector;
use crate::detect::correspondents::KnownCorrespondents;
use crate::imap::{self, FolderStatus, ImapSession, SentFolder};
use crate::mail::recipients::recipients;
use crate::store::{SentCursor, Store, StoreError};

/// The most sent messages one pass reads: the newest above the cursor. A first read (or
/// one after the Sent folder was renumbered) starts from the newest 1,000, which is a year
/// or more of most people's sent mail and five FETCHes of header fields (a few hundred
/// kilobytes); someone written to only before that is learned the next time the user
/// writes to them. The same bound keeps a bulk import into Sent from holding up a pass.
pub const MAX_SENT_PER_PASS: usize = 1_000;

/// Messages per FETCH of header fields.
const SENT_BATCH: usize = 200;

/// What a pass reads of the Sent folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentPlan {
    /// UIDNEXT has not moved: nothing was sent since the last read.
    Unchanged,
    /// The newest messages above this UID (0: the folder is new to us or was renumbered),
    /// at most [`MAX_SENT_PER_PASS`].
    After(u32),
}

/// Decides from the saved cursor and the folder's STATUS what to read.
pub fn plan(saved: Option<&SentCursor>, folder: &str, status: FolderStatus) -> SentPlan {
    match saved {
        Some(cursor) if cursor.folder == folder && cursor.uidvalidity == status.uidvalidity => {
            if cursor.uid_next == status.uid_next {
                SentPlan::Unchanged
            } else {
                SentPlan::After(cursor.last_uid)
            }
        }
        _ => SentPlan::After(0),
    }
}

/// The newest [`MAX_SENT_PER_PASS`] of `uids` (ascending).
fn newest(mut uids: Vec<u32>) -> Vec<u32> {
    let older = uids.len().saturating_sub(MAX_SENT_PER_PASS);
    uids.drain(..older);
    uids
}

/// The UID reading Sent continues above: the planned one, or 0 (from the start) when the
/// folder was renumbered between STATUS and EXAMINE, as its UIDs then name other mail.
fn read_after(planned: u32, status: FolderStatus, examined: FolderStatus) -> u32 {
    if examined.uidvalidity == status.uidvalidity { planned } else { 0 }
}

/// Whether the worker of `folder` reads the account's Sent folder: only the first watched
/// folder's does, so one connection per account examines Sent, not one per folder.
fn reads_sent(watched: &[String], folder: &str) -> bool {
    watched.first().is_some_and(|first| crate::config::same_folder(first, folder))
}

/// What the reading worker remembers across connections.
#[derive(Debug, Default)]
pub struct SentState {
    /// Whether "no Sent folder" was logged already (it is said once, not every connection).
    said_missing: AtomicBool,
}

impl Worker {
    /// The Sent folder this worker reads, if it reads one. Ask before SELECT (the
    /// namespace is read straight from the stream).
    pub(super) async fn sent_folder(
        &self,
        imap: &mut ImapSession,
    ) -> Result<Option<SentFolder>, WorkerError> {
        if !reads_sent(&self.account.folders, &self.folder) {
            return Ok(None);
        }
        let folders = imap.list().await?;
        let namespace = match self.account.sent_folder {
            Some(_) => imap.namespace().await?,
            None => imap::Namespace::default(),
        };
        let found = imap::sent::choose(&folders, self.account.sent_folder.as_deref(), &namespace);
        match &found {
            Some(sent) => {
                info!(account = %self.account.name, "known correspondents are read from {:?} ({})",
                      imap::utf7::decode(&sent.name), sent.how)
            }
            None if !self.sent.said_missing.swap(true, Ordering::Relaxed) => {
                info!(account = %self.account.name,
                      "no Sent folder (none marked \\Sent, no sent_folder configured or found): known correspondents are not read")
            }
            None => {}
        }
        Ok(found)
    }

    /// Reads what was sent since the last pass. Returns whether the watched folder was
    /// left (the caller selects it again). Only a lost connection or a database that
    /// cannot record is an error; a refusal is logged and the pass goes on.
    pub(super) async fn read_sent(
        &self,
        imap: &mut ImapSession,
        sent: &SentFolder,
    ) -> Result<bool, WorkerError> {
        let status = match imap.status(&sent.name).await {
            Ok(status) => status,
            Err(refused) if refused.is_refusal() => {
                warn!(account = %self.account.name, "cannot read the Sent folder's status: {refused}");
                return Ok(false);
            }
            Err(broken) => return Err(broken.into()),
        };
        let saved = self.store.sent_cursor(&self.account.name).await?;
        let SentPlan::After(last_uid) = plan(saved.as_ref(), &sent.name, status) else { return Ok(false) };
        match self.read_sent_after(imap, sent, status, last_uid).await {
            Ok(0) => {}
            Ok(read) => info!(account = %self.account.name, "read the recipients of {read} sent messages"),
            Err(WorkerError::Imap(refused)) if refused.is_refusal() => {
                warn!(account = %self.account.name, "cannot read the Sent folder: {refused}")
            }
            Err(error) => return Err(error),
        }
        Ok(true)
    }

    /// EXAMINEs Sent and records the recipients of its newest messages above `last_uid`
    /// (from the start when it was renumbered since STATUS), batch by batch with the cursor.
    async fn read_sent_after(
        &self,
        imap: &mut ImapSession,
        sent: &SentFolder,
        status: FolderStatus,
        last_uid: u32,
    ) -> Result<usize, WorkerError> {
        let examined = imap.examine(&sent.name).await?;
        let after = read_after(last_uid, status, examined);
        let uids = newest(imap.uids_after(after, examined).await?);
        let mut cursor = SentCursor {
            folder: sent.name.clone(),
            uidvalidity: examined.uidvalidity,
            last_uid: after,
            uid_next: examined.uid_next,
        };
        if uids.is_empty() {
            self.store.record_sent(&self.account.name, &[], &cursor, clock::now_unix()).await?;
            return Ok(0);
        }
        for chunk in uids.chunks(SENT_BATCH) {
            let headers = imap.fetch_header_fields(chunk, "TO CC BCC").await?;
            let messages: Vec<Vec<String>> = headers.iter().map(|(_, block)| recipients(block)).collect();
            cursor.last_uid = chunk.iter().copied().max().unwrap_or(cursor.last_uid);
            self.store.record_sent(&self.account.name, &messages, &cursor, clock::now_unix()).await?;
        }
        Ok(uids.len())
    }

    /// The detector for one pass: the account's, knowing the addresses it has written to
    /// as they are now (one read per pass, none per message).
    pub(super) async fn pass_detector(&self) -> Result<Detector, WorkerError> {
        Ok(with_correspondents(&self.store, &self.account.name, &self.detector).await?)
    }
}

/// `base` knowing the addresses `account` has written to, as the store holds them now.
pub(super) async fn with_correspondents(
    store: &Store,
    account: &str,
    base: &Detector,
) -> Result<Detector, StoreError> {
    let known = store.correspondents(account).await?;
    Ok(Detector { known_correspondents: KnownCorrespondents::new(known), ..base.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(uidvalidity: u32, uid_next: u32) -> FolderStatus {
        FolderStatus { uidvalidity, uid_next, exists: 0 }
    }

    fn saved(folder: &str, uidvalidity: u32, last_uid: u32, uid_next: u32) -> SentCursor {
        SentCursor { folder: folder.into(), uidvalidity, last_uid, uid_next }
    }

    #[test]
    fn sent_is_read_only_when_uidnext_moved_and_from_the_start_when_new_or_renumbered() {
        let cursor = saved("Sent", 7, 40, 41);
        assert_eq!(plan(Some(&cursor), "Sent", status(7, 41)), SentPlan::Unchanged);
        assert_eq!(plan(Some(&cursor), "Sent", status(7, 45)), SentPlan::After(40));
        assert_eq!(plan(Some(&cursor), "Sent", status(8, 41)), SentPlan::After(0), "renumbered");
        assert_eq!(plan(Some(&cursor), "Sent Items", status(7, 41)), SentPlan::After(0), "another folder");
        assert_eq!(plan(None, "Sent", status(1, 1)), SentPlan::After(0), "never read");
    }

    #[test]
    fn a_pass_reads_at_most_the_newest_bounded_number() {
        let all: Vec<u32> = (1..=2_500).collect();
        let read = newest(all);
        assert_eq!(read.len(), MAX_SENT_PER_PASS);
        assert_eq!((read.first(), read.last()), (Some(&1_501), Some(&2_500)));
        assert_eq!(newest(vec![3, 9]), [3, 9]);
    }

    #[test]
    fn sent_is_read_from_the_start_when_renumbered_between_status_and_examine() {
        assert_eq!(
            read_after(40, status(7, 45), status(7, 46)),
            40,
            "more sent since STATUS: same numbering"
        );
        assert_eq!(read_after(40, status(7, 45), status(8, 3)), 0, "renumbered: the old UIDs mean nothing");
    }

    #[test]
    fn only_the_first_watched_folders_worker_reads_sent() {
        let watched = ["INBOX".to_string(), "Newsletters".to_string()];
        assert!(reads_sent(&watched, "INBOX"));
        assert!(reads_sent(&watched, "inbox"), "INBOX is named in any case");
        assert!(!reads_sent(&watched, "Newsletters"), "the second folder's worker leaves Sent alone");
        assert!(!reads_sent(&[], "INBOX"), "nothing watched, nothing read");
    }
}
