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
    let copy = personal.learn(feedback, &email, detector);
    // A release of a mail the user had reported takes the report's digest away.
    let taken_back: Vec<Vec<u8>> = copy
        .iter()
        .flat_map(|release| before.iter().filter(|old| old.taken_back_by(release)))
        .map(NearCopy::to_bytes)
        .collect();
    store.forget_near_copies(account, &taken_back).await?;
    store.save_personal(account, &personal.layer, copy.as_slice(), now).await?;
    Ok(true)
}

/// What `learn --account` read and learned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bootstrap {
    /// Mails learned from in Junk (as unwanted) and in INBOX (as ham).
    pub junk: usize,
    pub inbox: usize,
    /// INBOX mails not learned from: the global model does not find them clean.
    pub skipped: usize,
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
    let junk = match imap::junk::choose(&folders, account.junk.as_deref(), &namespace) {
        JunkChoice::Existing { name, .. } => newest(&mut session, &name, limit, account).await?,
        JunkChoice::Create(_) => Vec::new(),
    };
    let inbox = newest(&mut session, "INBOX", limit, account).await?;
    session.logout().await;
    let mut personal = store.personal(&account.name).await?.personal;
    let mut copies: Vec<NearCopy> = Vec::new();
    let mut report = Bootstrap { junk: junk.len(), inbox: inbox.len(), ..Bootstrap::default() };
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
            copies.extend(personal.learn_from_folder(feedback, &email, detector));
        }
    }
    let keep = copies.len().saturating_sub(crate::detect::personal::MAX_COPIES);
    report.inbox -= report.skipped;
    report.digests = copies.len() - keep;
    report.weights = personal.layer.len();
    store.save_personal(&account.name, &personal.layer, copies.get(keep..).unwrap_or_default(), now).await?;
    Ok(report)
}

/// The raw bytes of the newest `limit` messages of `folder`, newest first (BODY.PEEK).
async fn newest(
    session: &mut ImapSession,
    folder: &str,
    limit: usize,
    account: &Account,
) -> Result<Vec<Vec<u8>>, WorkerError> {
    // Read-only (EXAMINE): learning changes nothing in the mailbox, not even which
    // messages other clients see as \Recent.
    session.examine(folder).await?;
    let mut uids = session.search("ALL").await?;
    uids.sort_unstable_by(|a, b| b.cmp(a));
    uids.truncate(limit);
    let mut messages = session.fetch(&uids, account.max_message_bytes).await?.all_or_refusal()?;
    messages.sort_unstable_by_key(|m| std::cmp::Reverse(m.uid));
    Ok(messages.into_iter().map(|m| m.raw).collect())
}
