//! Reading mail from the selected folder: whole messages up to a size (and, for a bigger
//! multipart one, its text parts first: see `parts`), header blocks or some of their
//! fields, and flags. Always `BODY.PEEK`, so `\Seen` is never set.

use std::collections::{HashMap, HashSet};

use sha2::Digest;

use super::session::ImapSession;
use super::{ImapError, command, parts, uidset};

/// A message read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    /// The full size on the server (the bytes read may be cut at `max_message_bytes`).
    pub size: u32,
    pub raw: Vec<u8>,
    /// When it arrived on the server (INTERNALDATE, Unix seconds), when the server said.
    pub arrived: Option<i64>,
}

/// What a FETCH brought back.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The messages the server sent, sorted by UID.
    pub messages: Vec<FetchedMessage>,
    /// UIDs asked for that did not come (deleted meanwhile, or the server could not read
    /// them: Gmail answers OK with "Some messages could not be FETCHed").
    pub missing: Vec<u32>,
    /// The server's words on the FETCH: its OK's text, which says why some did not come,
    /// or its refusal.
    pub server_said: String,
    /// The server refused (one of) the FETCH commands with NO or BAD.
    pub refused: Option<ImapError>,
}

impl Fetched {
    /// The messages, or the server's refusal when it refused the FETCH: for callers that
    /// cannot use a partial answer.
    pub fn all_or_refusal(self) -> Result<Vec<FetchedMessage>, ImapError> {
        match self.refused {
            Some(refused) => Err(refused),
            None => Ok(self.messages),
        }
    }
}

/// An IMAP date-time (`"7-Feb-2026 10:00:00 +0900"`, the day maybe space-padded) as
/// Unix seconds; `None` for anything else.
pub fn internal_date(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(text.trim(), "%d-%b-%Y %H:%M:%S %z").ok().map(|d| d.timestamp())
}

impl ImapSession {
    /// Reads messages without marking them seen (`BODY.PEEK`), at most `max_bytes` of each.
    /// What the server does not send is listed in [`Fetched::missing`] with its words.
    /// A refused FETCH (NO or BAD) is in [`Fetched::refused`], beside what the server did
    /// send before it (Gmail refuses with "Some messages could not be FETCHed" after
    /// sending the others); a broken connection or a timeout is an error.
    pub async fn fetch(&mut self, uids: &[u32], max_bytes: u32) -> Result<Fetched, ImapError> {
        let query = format!("(UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.{max_bytes}>)");
        let wanted: HashSet<u32> = uids.iter().copied().collect();
        let mut fetched = Fetched::default();
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            let messages = &mut fetched.messages;
            let answer = self
                .checked("UID FETCH", &format!("UID FETCH {set} {query}"), |response| {
                    let Some(item) = command::fetched_item(response) else { return };
                    // Servers also send FETCH for flag changes, of these messages or others,
                    // at any time; and Dovecot answers an expunged one with an empty body.
                    // Only a body is a message read: anything else leaves it missing.
                    let Some(uid) = item.uid.filter(|uid| wanted.contains(uid)) else { return };
                    let Some(body) = item.body.filter(|body| !body.is_empty()) else { return };
                    let arrived = item.internal_date.and_then(internal_date);
                    messages.push(FetchedMessage {
                        uid,
                        size: item.size.unwrap_or(0),
                        raw: body.to_vec(),
                        arrived,
                    });
                })
                .await;
            match answer {
                Ok(answer) if !answer.text.is_empty() => fetched.server_said = answer.text,
                Ok(_) => {}
                Err(refused @ ImapError::Refused { .. }) => {
                    fetched.server_said = refused.to_string();
                    fetched.refused.get_or_insert(refused);
                }
                Err(broken) => return Err(broken),
            }
        }
        fetched.messages.sort_by_key(|m| m.uid);
        fetched.messages.dedup_by_key(|m| m.uid);
        // A message bigger than what is read could hide its text behind a large part:
        // read it by its structure instead (text parts first; see `parts`).
        for message in fetched.messages.iter_mut().filter(|m| m.size > max_bytes) {
            match self.fetch_by_parts(message.uid, max_bytes).await {
                Ok(Some(raw)) => message.raw = raw,
                Ok(None) => {}
                Err(ImapError::Refused { .. }) => {}
                Err(broken) => return Err(broken),
            }
        }
        let got: HashSet<u32> = fetched.messages.iter().map(|m| m.uid).collect();
        fetched.missing = uids.iter().copied().filter(|uid| !got.contains(uid)).collect();
        Ok(fetched)
    }

    /// A multipart message read by its parts (see [`parts`]): the header, every part's
    /// MIME header and the text parts within `max_bytes`. `None` when it is not multipart.
    async fn fetch_by_parts(&mut self, uid: u32, max_bytes: u32) -> Result<Option<Vec<u8>>, ImapError> {
        let mut header = Vec::new();
        let mut leaves = None;
        self.checked(
            "UID FETCH",
            &format!("UID FETCH {uid} (UID BODYSTRUCTURE BODY.PEEK[HEADER])"),
            |response| {
                let (sections, structure) = command::fetched_sections(response);
                if let Some((_, found)) = sections.into_iter().find(|(spec, _)| spec == "HEADER") {
                    header = found.to_vec();
                }
                if let Some(structure) = structure {
                    leaves = parts::leaves(structure);
                }
            },
        )
        .await?;
        let Some(leaves) = leaves.filter(|l| !l.is_empty() && !header.is_empty()) else { return Ok(None) };
        let wanted = parts::sections_to_read(&leaves, max_bytes).join(" ");
        let mut read: HashMap<String, Vec<u8>> = HashMap::new();
        self.checked("UID FETCH", &format!("UID FETCH {uid} (UID {wanted})"), |response| {
            for (spec, data) in command::fetched_sections(response).0 {
                read.insert(spec, data.to_vec());
            }
        })
        .await?;
        let parts: Vec<(Vec<u8>, Vec<u8>)> = leaves
            .iter()
            .map(|leaf| {
                let mime = read.remove(&format!("{}.MIME", leaf.section)).unwrap_or_default();
                (mime, read.remove(&leaf.section).unwrap_or_default())
            })
            .collect();
        // The same message gives the same bytes wherever it is read (its content digest
        // identifies it when it is looked for in Junk), so the boundary comes from it.
        let digest = sha2::Sha256::digest(&header);
        let boundary: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let boundary = format!("scamguard-parts-{boundary}");
        Ok(Some(parts::assemble(&header, &parts, &boundary)))
    }

    /// The flags of every message in the selected folder, by UID.
    pub async fn all_flags(&mut self) -> Result<Vec<(u32, Vec<String>)>, ImapError> {
        let mut flags = Vec::new();
        self.checked("UID FETCH", "UID FETCH 1:* (UID FLAGS)", |response| {
            if let Some(command::FetchedItem { uid: Some(uid), flags: these, .. }) =
                command::fetched_item(response)
            {
                flags.push((uid, these));
            }
        })
        .await?;
        flags.sort();
        Ok(flags)
    }

    /// The header block of each of `uids` (`BODY.PEEK[HEADER]`, never setting `\Seen`),
    /// by UID: enough to confirm a message's exact Message-ID or header digest.
    pub async fn fetch_headers(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        self.fetch_section(uids, "HEADER").await
    }

    /// Only the named header fields of each of `uids` (`BODY.PEEK[HEADER.FIELDS (TO CC)]`
    /// for `fields` "TO CC"), by UID, never setting `\Seen`.
    pub async fn fetch_header_fields(
        &mut self,
        uids: &[u32],
        fields: &str,
    ) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        self.fetch_section(uids, &format!("HEADER.FIELDS ({fields})")).await
    }

    /// One body section of each of `uids`, by UID, read with `BODY.PEEK`.
    async fn fetch_section(&mut self, uids: &[u32], section: &str) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        let mut headers = Vec::with_capacity(uids.len());
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            self.checked("UID FETCH", &format!("UID FETCH {set} (UID BODY.PEEK[{section}])"), |response| {
                if let Some(command::FetchedItem { uid: Some(uid), body: Some(header), .. }) =
                    command::fetched_item(response)
                {
                    headers.push((uid, header.to_vec()));
                }
            })
            .await?;
        }
        headers.sort_by_key(|(uid, _)| *uid);
        Ok(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_date_is_read_as_unix_seconds_in_any_zone() {
        assert_eq!(internal_date("17-Jul-1996 02:44:25 -0700"), Some(837_596_665));
        assert_eq!(internal_date(" 7-Feb-2026 10:00:00 +0900"), Some(1_770_426_000));
        assert_eq!(internal_date("07-Feb-2026 01:00:00 +0000"), Some(1_770_426_000));
        for bad in ["", "yesterday", "17-Jul-1996", "32-Jul-1996 02:44:25 -0700"] {
            assert_eq!(internal_date(bad), None, "{bad:?}");
        }
    }
}
