//! Reading a recorded message back from the mail server, for the review page to show its
//! text: scamguard stores what it found in a mail, never the mail itself.
//!
//! The message is looked for where it should be now (Junk after a move, and then the
//! folder it came from), each folder opened read-only (`EXAMINE`) and the message read
//! with `BODY.PEEK`, so looking at a detection marks nothing read and changes nothing. It
//! is found as a restore finds it ([`super::locate`]): the exact Message-ID, and the
//! content digest when one was recorded, so another message reusing the Message-ID is
//! never shown in its place.

use crate::config::Config;
use crate::imap::{self, ImapError, ImapSession, utf7};
use crate::store::{Action, Store, StoreError};

use super::locate::{Finder, Recorded, read_first};

/// Why a recorded message could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadBackError {
    #[error("there is no detection #{0}")]
    NoSuchDetection(i64),
    #[error(transparent)]
    Account(#[from] super::AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Imap(#[from] ImapError),
}

/// What was found on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBack {
    /// The message as read (at most the account's `max_message_bytes`), and the folder
    /// it is in.
    Found { folder: String, raw: Vec<u8> },
    /// In none of these folders any more (deleted, or moved elsewhere by the user).
    Gone { looked_in: Vec<String> },
}

/// Reads detection `id`'s message back from its account's server, changing nothing there.
pub async fn read_back(config: &Config, store: &Store, id: i64) -> Result<ReadBack, ReadBackError> {
    let detection = store.detection(id).await?.ok_or(ReadBackError::NoSuchDetection(id))?;
    let account = &super::accounts::named_in(config, store, &detection.account).await?;
    let digest = store.digest(id).await?;
    let wanted = Recorded { message_id: &detection.message_id, key: &detection.message_key, digest: &digest };
    let looked_in = where_to_look(detection.action, &detection.destination, &detection.folder);

    let mut session = imap::connect(account).await?;
    let mut found = None;
    for folder in &looked_in {
        if let Some(raw) = read_from(&mut session, folder, account.max_message_bytes, wanted).await? {
            found = Some(ReadBack::Found { folder: folder.clone(), raw });
            break;
        }
    }
    session.logout().await;
    Ok(found.unwrap_or(ReadBack::Gone { looked_in }))
}

/// The folders a recorded message is looked for in, in order: where it should be first
/// (Junk, when scamguard put it there), then the folder it came from, where a message the
/// user dragged back (or a flagged one, or one left alone) is.
fn where_to_look(action: Action, destination: &str, folder: &str) -> Vec<String> {
    let mut looked_in = Vec::new();
    if action.is_in_junk() && !destination.is_empty() {
        looked_in.push(destination.to_string());
    }
    looked_in.push(folder.to_string());
    looked_in
}

/// The wanted message's bytes from `folder`, opened read-only; `None` when it is not there.
async fn read_from(
    session: &mut ImapSession,
    folder: &str,
    max_bytes: u32,
    wanted: Recorded<'_>,
) -> Result<Option<Vec<u8>>, ImapError> {
    // A folder the server refuses to open (deleted, renamed) holds nothing to show; an
    // OK that leaves out its UIDVALIDITY refuses nothing, and is an error.
    let status = match session.examine(&utf7::encode(folder)).await {
        Ok(status) => status,
        Err(error) if error.is_refusal() && !error.is_incomplete() => return Ok(None),
        Err(error) => return Err(error),
    };
    let uids = Finder::new(status.exists, max_bytes, 1).find(session, wanted).await?;
    read_first(session, &uids, max_bytes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_looked_for_in_junk_only_when_scamguard_put_it_there() {
        assert_eq!(where_to_look(Action::Moved, "Junk", "INBOX"), ["Junk", "INBOX"]);
        assert_eq!(where_to_look(Action::Copied, "Junk", "INBOX"), ["Junk", "INBOX"]);
        assert_eq!(where_to_look(Action::Restored, "Junk", "INBOX"), ["INBOX"], "the user has it back");
        assert_eq!(
            where_to_look(Action::Flagged, "$Suspicious", "INBOX"),
            ["INBOX"],
            "a keyword is no folder"
        );
        assert_eq!(where_to_look(Action::Moved, "", "INBOX"), ["INBOX"], "no destination recorded");
    }
}
