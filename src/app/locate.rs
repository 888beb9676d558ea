//! Finding a recorded message again in a folder, where it has another UID: in Junk after
//! a move (an interrupted run's reconcile, `restore`), or back in its folder.
//!
//! A `HEADER Message-ID` search matches substrings (`7@x.example` also finds
//! `scam-17@x.example.net`), and servers refuse it for a very long Message-ID, so the
//! search only proposes candidates: each is confirmed by the exact Message-ID read from
//! its header, and by the content digest when several remain. A message without a
//! Message-ID is known by the digest of its header block, and is looked for among the
//! folder's newest messages, where a move puts it.

use std::collections::HashSet;

use crate::imap::{FetchedMessage, ImapError, ImapSession};
use crate::mail;

use super::batch;

/// How many of a folder's newest messages are read (headers only) to find a message
/// the search cannot: one without a Message-ID, or whose Message-ID has no searchable
/// ASCII part. Moves append to Junk, so what an interrupted run moved is among them; a
/// first scan sends up to ten batches in one move, well under this.
const NEWEST_READ: u32 = 5_000;

/// The longest part of a Message-ID searched for. Servers refuse very long search
/// arguments (Dovecot answers BAD); every candidate is confirmed exactly anyway.
const MAX_FRAGMENT: usize = 100;

/// What was recorded about the message looked for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Recorded<'a> {
    /// Without angle brackets; empty when the message has none.
    pub message_id: &'a str,
    /// The message key: `<Message-ID>`, or `sha256:` and the header digest.
    pub key: &'a str,
    /// SHA-256 of the bytes fetched when it was classified ('' for rows older than that).
    pub digest: &'a str,
}

/// Finds recorded messages in the selected folder. Reads the folder's newest headers at
/// most once, however many messages it is asked for.
pub(super) struct Finder {
    /// Messages in the folder when it was selected.
    exists: u32,
    /// How much of each message was read when it was classified (for the digest).
    max_bytes: u32,
    /// How many of the newest messages to read when the search cannot help.
    newest_count: u32,
    newest: Option<Vec<(u32, Vec<u8>)>>,
}

impl Finder {
    /// A finder for `looking_for` messages at most: the newest [`NEWEST_READ`] headers,
    /// and as many more as it may be asked for (an interrupted move of more messages
    /// than that put them all among the newest).
    pub(super) fn new(exists: u32, max_bytes: u32, looking_for: usize) -> Finder {
        let newest_count = NEWEST_READ.saturating_add(u32::try_from(looking_for).unwrap_or(u32::MAX));
        Finder { exists, max_bytes, newest_count, newest: None }
    }

    /// The UIDs of `wanted` in the selected folder: the exact Message-ID (or header
    /// digest), and when a content digest was recorded, the same content.
    pub(super) async fn find(
        &mut self,
        imap: &mut ImapSession,
        wanted: Recorded<'_>,
    ) -> Result<Vec<u32>, ImapError> {
        let matching: Vec<u32> = match search_fragment(wanted.message_id) {
            Some(fragment) => {
                let candidates = imap.find_by_message_id(fragment).await?;
                let headers = imap.fetch_headers(&candidates).await?;
                none_still_there(imap, &not_sent(&candidates, &headers), NO_HEADER).await?;
                headers.iter().filter(|(_, h)| is_wanted(h, wanted)).map(|(uid, _)| *uid).collect()
            }
            None => {
                let newest = self.newest(imap).await?;
                newest.iter().filter(|(_, h)| is_wanted(h, wanted)).map(|(uid, _)| *uid).collect()
            }
        };
        // The key can be shared (a scam reusing a Message-ID): a recorded content digest
        // decides, so a restore never brings back another message; rows older than digests
        // go by the key alone.
        if matching.is_empty() || wanted.digest.is_empty() {
            return Ok(matching);
        }
        // A candidate the server sent but not whole (parts left out) could be the one:
        // taken for absent, reconcile would copy it to Junk again and restore say it is
        // gone. Such an answer is an error (`Fetched::all_or_refusal`), and so is one that
        // leaves out a candidate still in the folder (Gmail's OK "Some messages could not
        // be FETCHed").
        let messages = fetch_whole(imap, &matching, self.max_bytes).await?;
        Ok(messages
            .iter()
            .filter(|m| batch::content_digest(&m.raw) == wanted.digest)
            .map(|m| m.uid)
            .collect())
    }

    /// The headers of the folder's newest messages, read once.
    async fn newest(&mut self, imap: &mut ImapSession) -> Result<&[(u32, Vec<u8>)], ImapError> {
        if self.newest.is_none() {
            let headers = match newest_range(self.exists, self.newest_count) {
                None => Vec::new(),
                Some((first, last)) => {
                    // A sequence range: UID SEARCH answers with the UIDs of those messages.
                    let uids = imap.search(&format!("{first}:{last}")).await?;
                    let headers = imap.fetch_headers(&uids).await?;
                    none_still_there(imap, &not_sent(&uids, &headers), NO_HEADER).await?;
                    headers
                }
            };
            self.newest = Some(headers);
        }
        Ok(self.newest.as_deref().unwrap_or_default())
    }
}

/// What [`none_still_there`] says when the server left headers out, without a word of
/// its own (the answer to a header FETCH keeps none).
const NO_HEADER: &str = "their headers were not sent";

/// The UIDs asked for (`asked`) whose header did not come.
fn not_sent(asked: &[u32], headers: &[(u32, Vec<u8>)]) -> Vec<u32> {
    let sent: HashSet<u32> = headers.iter().map(|(uid, _)| *uid).collect();
    asked.iter().copied().filter(|uid| !sent.contains(uid)).collect()
}

/// Reads `uids` whole (see [`ImapSession::fetch`]): the messages sent, those expunged
/// meanwhile rightly absent. A refused FETCH, a message sent without some of its parts,
/// or one left out of the answer while still in the folder is an error.
async fn fetch_whole(
    imap: &mut ImapSession,
    uids: &[u32],
    max_bytes: u32,
) -> Result<Vec<FetchedMessage>, ImapError> {
    let fetched = imap.fetch(uids, max_bytes).await?;
    let left_out: Vec<u32> =
        fetched.missing.iter().copied().filter(|uid| !fetched.unread.contains(uid)).collect();
    let said = fetched.server_said.clone();
    let messages = fetched.all_or_refusal()?;
    none_still_there(imap, &left_out, &said).await?;
    Ok(messages)
}

/// Fails when any of `left_out` (UIDs the server's OK answer did not carry) is still in
/// the selected folder: that one may be the message looked for, and taken for absent it
/// would be copied to Junk a second time by reconcile, or said to be gone by `restore`.
/// The error carries the server's words (`said`). Those expunged meanwhile are rightly
/// absent. A refused search is an error too: nothing then says they are gone.
async fn none_still_there(imap: &mut ImapSession, left_out: &[u32], said: &str) -> Result<(), ImapError> {
    if left_out.is_empty() || imap.existing(left_out).await?.is_empty() {
        return Ok(());
    }
    Err(ImapError::LeftOut { command: "UID FETCH", text: said.to_string() })
}

/// The sequence numbers of the newest `count` of `exists` messages, first and last;
/// `None` for an empty folder (a range `1:0` would name a message that is not there).
fn newest_range(exists: u32, count: u32) -> Option<(u32, u32)> {
    (exists > 0 && count > 0).then(|| (exists.saturating_sub(count - 1).max(1), exists))
}

/// Selects `folder` and finds `wanted` in it (see [`Finder::find`]).
pub(super) async fn select_and_find(
    imap: &mut ImapSession,
    folder: &str,
    max_bytes: u32,
    wanted: Recorded<'_>,
) -> Result<Vec<u32>, ImapError> {
    let status = imap.select(folder).await?;
    Finder::new(status.exists, max_bytes, 1).find(imap, wanted).await
}

/// The first of `uids` in the selected folder, as read when it was classified (at most
/// `max_bytes`, `BODY.PEEK`); `None` when there is none or it was expunged meanwhile. A
/// refused FETCH, a message sent without all its parts, or one left out of the answer
/// while still there is an error: not its bytes, and no sign that it is gone.
pub(super) async fn read_first(
    imap: &mut ImapSession,
    uids: &[u32],
    max_bytes: u32,
) -> Result<Option<Vec<u8>>, ImapError> {
    let Some(first) = uids.first() else { return Ok(None) };
    let fetched = fetch_whole(imap, &[*first], max_bytes).await?;
    Ok(fetched.into_iter().next().map(|m| m.raw))
}

/// Whether a header block is the recorded message's: the same key, which is the exact
/// Message-ID (or its digest, when too long to store), or for a message without one the
/// header digest.
fn is_wanted(header: &[u8], wanted: Recorded<'_>) -> bool {
    key_of_header(header) == wanted.key
}

/// The message key (see [`batch::message_key`]) read from a header block alone.
pub(super) fn key_of_header(header: &[u8]) -> String {
    let message_id = mail::parse(header).ok().and_then(|email| email.message_id).unwrap_or_default();
    batch::message_key(&message_id, header)
}

/// The part of a Message-ID to search for: the whole of it when it is short plain ASCII,
/// else the first [`MAX_FRAGMENT`] characters of its longest plain-ASCII run. `None` when
/// no run is long enough to narrow the search (the newest messages are read instead).
fn search_fragment(message_id: &str) -> Option<&str> {
    let plain = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
    if message_id.is_empty() {
        return None;
    }
    if message_id.len() <= MAX_FRAGMENT && message_id.chars().all(plain) {
        return Some(message_id);
    }
    let longest = message_id.split(|c: char| !plain(c)).max_by_key(|run| run.len())?;
    let fragment = longest.get(..longest.len().min(MAX_FRAGMENT))?;
    (fragment.len() >= 8).then_some(fragment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_odd_message_ids_are_searched_by_a_plain_part() {
        assert_eq!(search_fragment("7@x.example"), Some("7@x.example"));
        assert_eq!(search_fragment(""), None);
        let long = format!("{}@x.example", "a".repeat(5_000));
        assert_eq!(search_fragment(&long).map(str::len), Some(MAX_FRAGMENT));
        assert_eq!(search_fragment("受信箱-0123456789@例え.jp"), Some("-0123456789@"));
        assert_eq!(search_fragment("短い@例"), None, "nothing plain to search for");
        assert_eq!(search_fragment("a\"quoted\\part-long-enough@x"), Some("part-long-enough@x"));
    }

    #[test]
    fn the_newest_range_names_exactly_the_newest_messages() {
        assert_eq!(newest_range(0, NEWEST_READ), None, "an empty folder is not searched");
        assert_eq!(newest_range(5, 0), None, "no message asked for");
        assert_eq!(newest_range(3, NEWEST_READ), Some((1, 3)), "a small folder is read whole");
        assert_eq!(newest_range(10, 4), Some((7, 10)), "four messages: 7, 8, 9 and 10");
        assert_eq!(newest_range(10, 10), Some((1, 10)));
        assert_eq!(newest_range(10, 1), Some((10, 10)));
        assert_eq!(newest_range(u32::MAX, u32::MAX), Some((1, u32::MAX)));
    }

    #[test]
    fn a_header_is_the_wanted_one_only_by_the_exact_message_id_or_header_digest() {
        let header = b"Message-ID: <scam-17@x.example.net>\r\nSubject: x\r\n\r\n";
        let wanted = |key| Recorded { message_id: "", key, digest: "" };
        assert!(is_wanted(header, wanted("<scam-17@x.example.net>")));
        assert!(!is_wanted(header, wanted("<7@x.example>")), "a substring is another message");
        let no_id = b"From: a@b.example\r\nSubject: x\r\n\r\n";
        let key = batch::header_key(no_id);
        assert!(is_wanted(no_id, Recorded { message_id: "", key: &key, digest: "" }));
        assert!(!is_wanted(header, Recorded { message_id: "", key: &key, digest: "" }));
    }
}
