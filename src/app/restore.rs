//! `scamguard restore`: brings a moved message back from Junk to the folder it came
//! from, and records it as a false positive so it is never moved again.
//!
//! The message has a new UID in Junk, so it is found again by what was recorded: its
//! exact Message-ID (or header digest) and content digest (see [`super::locate`]). UID
//! MOVE keeps its flags, so an unread message comes back unread. The row then says
//! `restored`, and that exact message (key and digest) is never moved again; another
//! message reusing its Message-ID is. Restoring twice does nothing the second time, nor
//! does restoring a message the user already took out of Junk (`released`). A restore is
//! a release: it is given as feedback like one (see `feedback::give`).

use crate::clock;
use crate::config::Config;
use crate::imap::{self, utf7};
use crate::store::{Action, ListKind, Store};

use super::WorkerError;
use super::feedback::{self, Record};
use super::locate::{Recorded, read_first, select_and_find};
use super::senders::Entry;

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreOutcome {
    /// Moved back into this folder.
    Restored { folder: String },
    /// It had been restored before; nothing was done.
    AlreadyRestored,
    /// Found back in its folder already (the user moved it): recorded as restored.
    FoundInPlace { folder: String },
}

/// Why a restore could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("there is no detection #{0}")]
    NoSuchDetection(i64),
    #[error("detection #{id} was not moved (its action is {:?}), so there is nothing to restore", action.as_str())]
    NotMoved { id: i64, action: Action },
    #[error(transparent)]
    Account(#[from] super::AccountError),
    #[error("message {message_id:?} is neither in {junk} nor back in {folder}")]
    NotFound { message_id: String, junk: String, folder: String },
    #[error(
        "the sender of detection #{id} ({from:?}) is not an address that can be trusted; nothing was done"
    )]
    Untrustable { id: i64, from: String },
    #[error(transparent)]
    Worker(#[from] WorkerError),
}

impl From<imap::ImapError> for RestoreError {
    fn from(error: imap::ImapError) -> Self {
        RestoreError::Worker(error.into())
    }
}

impl From<crate::store::StoreError> for RestoreError {
    fn from(error: crate::store::StoreError) -> Self {
        RestoreError::Worker(error.into())
    }
}

/// Restores detection `id`; with `trust_sender`, its sender's address joins the account's
/// trust list (so its mail stays only when the receiving server authenticated it).
pub async fn restore(
    config: &Config,
    store: &Store,
    id: i64,
    trust_sender: bool,
) -> Result<RestoreOutcome, RestoreError> {
    let detection = store.detection(id).await?.ok_or(RestoreError::NoSuchDetection(id))?;
    let now = clock::now_unix();
    if trust_sender {
        match detection.from.parse() {
            Ok(address @ Entry::Address(_)) => {
                store.add_sender(&detection.account, address.as_str(), ListKind::Trust, now).await?;
            }
            _ => return Err(RestoreError::Untrustable { id, from: detection.from.clone() }),
        }
    }
    match detection.action {
        action if action.is_release() => return Ok(RestoreOutcome::AlreadyRestored),
        action if action.is_in_junk() => {}
        action => return Err(RestoreError::NotMoved { id, action }),
    }
    let account = &super::accounts::named_in(config, store, &detection.account).await?;
    let folder = utf7::encode(&detection.folder);
    let junk = utf7::encode(&detection.destination);
    let digest = store.digest(id).await?;
    let wanted = Recorded { message_id: &detection.message_id, key: &detection.message_key, digest: &digest };
    let mut session = imap::connect(account).await?;

    let max_bytes = account.max_message_bytes;
    let in_junk = select_and_find(&mut session, &junk, max_bytes, wanted).await?;
    // The message as read, for the feedback a restore gives (see `feedback::give`).
    let mut raw = read_first(&mut session, &in_junk, max_bytes).await?.unwrap_or_default();
    let outcome = if detection.action == Action::Copied {
        // The original never left: it is still in the folder, marked \Deleted. Unmark it
        // and mark the Junk copy instead (expunging stays the user's client's business).
        session.add_keyword(&in_junk, "\\Deleted").await?;
        let originals = select_and_find(&mut session, &folder, max_bytes, wanted).await?;
        session.remove_flag(&originals, "\\Deleted").await?;
        RestoreOutcome::Restored { folder: detection.folder.clone() }
    } else if !in_junk.is_empty() {
        session.move_to(&in_junk, &folder).await?;
        RestoreOutcome::Restored { folder: detection.folder.clone() }
    } else {
        let in_place = select_and_find(&mut session, &folder, max_bytes, wanted).await?;
        if in_place.is_empty() {
            session.logout().await;
            let shown =
                if detection.message_id.is_empty() { &detection.message_key } else { &detection.message_id };
            return Err(RestoreError::NotFound {
                message_id: shown.clone(),
                junk: detection.destination.clone(),
                folder: detection.folder.clone(),
            });
        }
        raw = read_first(&mut session, &in_place, max_bytes).await?.unwrap_or_default();
        RestoreOutcome::FoundInPlace { folder: detection.folder.clone() }
    };
    session.logout().await;
    let record = Record::Release { id, action: Action::Restored, folder: detection.folder.clone() };
    // The account's detector, for the learning a release gives (whose authentication to
    // believe); a model that no longer loads only costs the learning, not the restore.
    let detector = config.detection.detector(None).and_then(|base| super::detector_for(&base, account));
    if let Err(error) = &detector {
        tracing::warn!(account = %account.name, "restored; not learned from: {error}");
    }
    feedback::give(store, &account.name, detector.as_ref().ok(), &raw, record).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewDetection;

    /// Only a moved (or copied) message can be brought back: a row that was planned,
    /// flagged or only recorded is refused before any server is asked.
    #[tokio::test]
    async fn a_detection_that_was_not_moved_has_nothing_to_restore() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("opens");
        let text = "[[accounts]]\nname = \"a\"\nhost = \"127.0.0.1\"\nport = 9\ntls = \"implicit\"\nusername = \"u\"\npassword_env = \"X\"\n";
        let config = Config::parse(text).expect("valid");
        let rows: Vec<NewDetection> = [Action::DryRun, Action::Nothing]
            .into_iter()
            .map(|action| NewDetection {
                account: "a".into(),
                folder: "INBOX".into(),
                action,
                ..NewDetection::default()
            })
            .collect();
        let ids = store.record_batch("a", &rows, 1, "d", 1).await.expect("record");
        for id in ids {
            let refused = restore(&config, &store, id, false).await;
            assert!(matches!(refused, Err(RestoreError::NotMoved { id: i, .. }) if i == id), "{refused:?}");
        }
        let missing = restore(&config, &store, 999, false).await;
        assert!(matches!(missing, Err(RestoreError::NoSuchDetection(999))), "{missing:?}");
    }
}
