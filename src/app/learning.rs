//! Each account's learning, wired: loading it into the account's detector (again when the
//! store's copy changes), learning from one mail the user released or reported, and
//! `scamguard learn --account`, which starts an account warm from its Junk and INBOX.
//!
//! What is learned and how is the engine's ([`crate::detect::personal`]); what is kept,
//! the store's ([`crate::store::StoredPersonal`]).

use std::sync::{Arc, Mutex};

use tracing::warn;

use crate::config::Account;
use crate::detect::personal::{Feedback, NearCopy, Personal};
use crate::detect::{Detector, Label, classify};
use crate::imap::{self, ImapSession, JunkChoice};
use crate::store::{Store, StoreError};

use super::WorkerError;

/// What a worker last loaded of its account's learning, by the store's generation.
#[derive(Debug, Default)]
pub(super) struct Loaded(Mutex<(i64, Option<Arc<Personal>>)>);

impl Loaded {
    /// `base` with the account's learning as the store holds it now. The store is asked
    /// only for the generation (one indexed read) unless it changed since the last call;
    /// an account that learned nothing classifies with `base` as it is.
    pub(crate) async fn detector(
        &self,
        store: &Store,
        account: &str,
        base: &Detector,
    ) -> Result<Detector, StoreError> {
        let generation = store.personal_generation(account).await?;
        let cached = self.0.lock().map(|held| held.clone()).unwrap_or_default();
        let personal = if generation == cached.0 {
            cached.1
        } else {
            let stored = store.personal(account).await?;
            if stored.damaged > 0 {
                warn!(%account, "{} stored parts of this account's learning are damaged and left out", stored.damaged);
            }
            let personal = stored.personal;
            let learned = !personal.layer.is_empty() || personal.copies().next().is_some();
            let personal = learned.then(|| Arc::new(personal));
            if let Ok(mut held) = self.0.lock() {
                *held = (stored.generation, personal.clone());
            }
            personal
        };
        Ok(Detector { personal, ..base.clone() })
    }
}

/// Learns from one mail the user released (took out of Junk) or reported (put into it)
/// in `account`, and saves what was learned. The one call the mailbox feedback makes.
/// Returns false, learning nothing, for bytes that are not mail.
pub async fn learn_from(
    store: &Store,
    account: &str,
    detector: &Detector,
    feedback: Feedback,
    raw: &[u8],
    now: i64,
) -> Result<bool, StoreError> {
    let Ok(email) = crate::mail::parse(raw) else { return Ok(false) };
    let mut personal = store.personal(account).await?.personal;
    let before: Vec<NearCopy> = personal.copies().cloned().collect();
    personal.learn(feedback, &email, detector);
    save(store, account, &before, &personal, now).await?;
    Ok(true)
}

/// Saves what learning changed since `before`: the layer, the digests the engine added,
/// and the forgetting of those it dropped, so the store holds exactly the digests the
/// engine keeps (its bound drops the oldest of the kind holding more than half, which
/// the store's own trim by age would not). Returns how many digests it added.
async fn save(
    store: &Store,
    account: &str,
    before: &[NearCopy],
    after: &Personal,
    now: i64,
) -> Result<usize, StoreError> {
    let (gone, added) = changes(before, after);
    store.forget_near_copies(account, &gone).await?;
    store.save_personal(account, &after.layer, &added, now).await?;
    Ok(added.len())
}

/// The digests of `before` that `after` no longer holds (a report taken back, the oldest
/// of a kind past the bound), as stored bytes, and those `after` added. Learning keeps the
/// others in order and adds at the end, so one walk pairs them and what is left was added.
fn changes(before: &[NearCopy], after: &Personal) -> (Vec<Vec<u8>>, Vec<NearCopy>) {
    let mut kept = after.copies().peekable();
    let mut gone = Vec::new();
    for old in before {
        if kept.peek() == Some(&old) {
            kept.next();
        } else {
            gone.push(old.to_bytes());
        }
    }
    (gone, kept.cloned().collect())
}

/// What `learn --account` read and learned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bootstrap {
    /// Mails learned from in Junk (as unwanted) and in INBOX (as ham).
    pub junk: usize,
    pub inbox: usize,
    /// INBOX mails not learned from: the global model does not find them clean.
    pub skipped: usize,
    /// Mails of either folder not learned from because the server sent them without some
    /// of their parts (the log names their UIDs).
    pub unread: usize,
    /// Near-copy digests kept (mails with enough text).
    pub digests: usize,
    /// Weights in the layer afterwards.
    pub weights: usize,
}

/// `scamguard learn --account`: reads up to `limit` of the newest mails of the account's
/// Junk folder (as unwanted) and of INBOX (as ham), never marking one read, and learns
/// from them oldest first, taking the two folders in turn.
pub async fn bootstrap(
    store: &Store,
    account: &Account,
    detector: &Detector,
    limit: usize,
    now: i64,
) -> Result<Bootstrap, WorkerError> {
    let mut session = imap::connect(account).await?;
    let namespace = session.namespace().await?;
    let folders = session.list().await?;
    let mut unread = 0;
    let junk = match imap::junk::choose(&folders, account.junk.as_deref(), &namespace) {
        JunkChoice::Existing { name, .. } => newest(&mut session, &name, limit, account, &mut unread).await?,
        JunkChoice::Create(_) => Vec::new(),
    };
    let inbox = newest(&mut session, "INBOX", limit, account, &mut unread).await?;
    session.logout().await;
    let mut personal = store.personal(&account.name).await?.personal;
    let before: Vec<NearCopy> = personal.copies().cloned().collect();
    let mut report = Bootstrap { junk: junk.len(), inbox: inbox.len(), unread, ..Bootstrap::default() };
    // Oldest first, the folders in turn: neither kind of feedback has the last word.
    let (mut junk, mut inbox) = (junk.into_iter().rev(), inbox.into_iter().rev());
    loop {
        let turn =
            [junk.next().map(|m| (Feedback::Reported, m)), inbox.next().map(|m| (Feedback::Released, m))];
        if turn.iter().all(Option::is_none) {
            break;
        }
        for (feedback, raw) in turn.into_iter().flatten() {
            let Ok(email) = crate::mail::parse(&raw) else { continue };
            // Mail merely sitting in INBOX is no sign it is wanted: a scam that came before
            // scamguard (or in a dry run) must not be learned as ham, nor vouch for its copies.
            if feedback == Feedback::Released && classify(&email, detector).label != Label::Clean {
                report.skipped += 1;
                continue;
            }
            personal.learn_from_folder(feedback, &email, detector);
        }
    }
    report.inbox -= report.skipped;
    report.weights = personal.layer.len();
    report.digests = save(store, &account.name, &before, &personal, now).await?;
    Ok(report)
}

/// The raw bytes of the newest `limit` messages of `folder`, newest first (BODY.PEEK).
/// Messages the server leaves out of its answer or sends without some of their parts are
/// left out, named in a warning and counted in `unread`: judged without those parts they would teach the
/// wrong thing, and the rest is still worth learning from (learning only adds to the
/// global model, so a missing mail costs a little of it, nothing more). A refused
/// FETCH fails the whole.
async fn newest(
    session: &mut ImapSession,
    folder: &str,
    limit: usize,
    account: &Account,
    unread: &mut usize,
) -> Result<Vec<Vec<u8>>, WorkerError> {
    // Read-only (EXAMINE): learning changes nothing in the mailbox, not even which
    // messages other clients see as \Recent.
    session.examine(folder).await?;
    let mut uids = session.search("ALL").await?;
    uids.sort_unstable_by(|a, b| b.cmp(a));
    uids.truncate(limit);
    let fetched = session.fetch(&uids, account.max_message_bytes).await?;
    if let Some(refused) = fetched.refused {
        return Err(refused.into());
    }
    // Left out of the answer or sent without parts alike: neither is learned from, and
    // both are said (a folder's name and the server's words are the server's: made safe).
    if !fetched.missing.is_empty() {
        warn!(account = %account.name, folder = %imap::shown(&imap::utf7::decode(folder)), uids = ?fetched.missing,
              "not learned from: the server did not send these whole ({})", imap::shown(&fetched.server_said));
        *unread += fetched.missing.len();
    }
    let mut messages = fetched.messages;
    messages.sort_unstable_by_key(|m| std::cmp::Reverse(m.uid));
    Ok(messages.into_iter().map(|m| m.raw).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::personal::MAX_COPIES;
    use crate::detect::personal::digest::Sketch;

    fn digest(feedback: Feedback, i: u64) -> NearCopy {
        let sketch = Sketch::from_hashes((0..20).map(|h| h * 1_000_000 + i).collect()).expect("valid");
        NearCopy {
            feedback,
            sketch,
            sender: i,
            authenticated: false,
            sites: Vec::new(),
            hosts: Vec::new(),
            harms: None,
        }
    }

    /// The store drops what the engine drops: with the bound reached by reports (a flood
    /// the server's filter made), the next report pushes out the oldest report, not the
    /// user's release stored before them.
    #[tokio::test]
    async fn the_store_keeps_the_digests_the_engine_keeps() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("opens");
        let mut stored = vec![digest(Feedback::Released, 0)];
        stored.extend((1..MAX_COPIES as u64).map(|i| digest(Feedback::Reported, i)));
        store.save_personal("a", &Default::default(), &stored, 1).await.expect("saves");
        let raw = "From: x@stranger.example\r\nSubject: a new letter\r\n\r\nI know about the secret you \
                   keep from your family and the recordings from your camera, and I will send them to \
                   everyone you know unless you answer this letter before the end of the week.";
        let learned = learn_from(&store, "a", &Detector::default(), Feedback::Reported, raw.as_bytes(), 2)
            .await
            .expect("learns");
        assert!(learned);
        let copies: Vec<NearCopy> =
            store.personal("a").await.expect("reads").personal.copies().cloned().collect();
        assert_eq!(copies.len(), MAX_COPIES);
        assert_eq!(copies.first(), Some(&digest(Feedback::Released, 0)), "the release was pushed out");
        assert!(!copies.contains(&digest(Feedback::Reported, 1)), "the oldest report goes instead");
    }

    /// What learning changed is what the engine changed: past the bound, a flood of new
    /// reports pushes out the oldest reports, never the release before them, and the new
    /// digests the engine kept are the ones to add.
    #[test]
    fn the_changes_to_save_are_the_engines_own() {
        let mut before = vec![digest(Feedback::Released, 0)];
        before.extend((1..MAX_COPIES as u64).map(|i| digest(Feedback::Reported, i)));
        let new: Vec<NearCopy> = (0..3).map(|i| digest(Feedback::Reported, 10_000 + i)).collect();
        let after = Personal::new(Default::default(), before.iter().chain(&new).cloned());
        let (gone, added) = changes(&before, &after);
        let oldest_reports: Vec<Vec<u8>> = before[1..4].iter().map(NearCopy::to_bytes).collect();
        assert_eq!(gone, oldest_reports, "the three oldest reports go, not the release");
        assert_eq!(added, new);
        let unchanged = Personal::new(Default::default(), before.iter().cloned());
        assert_eq!(changes(&before, &unchanged), (Vec::new(), Vec::new()));
    }

    /// An account whose learning holds near-copies alone (its layer empty) classifies with
    /// them; one whose learning holds nothing classifies with the global model alone.
    #[tokio::test]
    async fn the_detector_carries_the_accounts_learning_only_when_there_is_some() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("opens");
        let base = Detector::default();
        store.save_personal("empty", &Default::default(), &[], 1).await.expect("saves");
        assert!(store.personal_generation("empty").await.expect("reads") > 0, "a stored, empty learning");
        let loaded = Loaded::default().detector(&store, "empty", &base).await.expect("loads");
        assert!(loaded.personal.is_none(), "nothing learned");
        let copy = digest(Feedback::Reported, 1);
        store
            .save_personal("copies", &Default::default(), std::slice::from_ref(&copy), 1)
            .await
            .expect("saves");
        let loaded = Loaded::default().detector(&store, "copies", &base).await.expect("loads");
        assert_eq!(loaded.personal.map(|p| p.copies().count()), Some(1), "near-copies alone are learning");
    }
}
