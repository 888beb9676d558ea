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
    /// them: Gmail answers OK with "Some messages could not be FETCHed"), those of
    /// [`Fetched::unread`] included.
    pub missing: Vec<u32>,
    /// UIDs the server did send, but not whole: a message read by its parts whose answer
    /// left sections out (or sent them as NIL). Unlike the rest of `missing`, which may
    /// have been expunged meanwhile, these are there: they could not be read.
    pub unread: Vec<u32>,
    /// The server's words on the FETCH: its OK's text, which says why some did not come,
    /// or its refusal.
    pub server_said: String,
    /// The server refused (one of) the FETCH commands with NO or BAD.
    pub refused: Option<ImapError>,
}

impl Fetched {
    /// The messages, or the server's refusal when it refused the FETCH, or
    /// [`ImapError::Incomplete`] when a message it sent could not be read whole
    /// ([`Fetched::unread`]): for callers that cannot use a partial answer, and would
    /// otherwise take a message that is there for one that is not.
    pub fn all_or_refusal(self) -> Result<Vec<FetchedMessage>, ImapError> {
        match self.refused {
            Some(refused) => Err(refused),
            None if !self.unread.is_empty() => {
                Err(ImapError::Incomplete { command: "UID FETCH", missing: UNREAD })
            }
            None => Ok(self.messages),
        }
    }
}

/// What [`Fetched::all_or_refusal`] says the server left out of a message it sent.
const UNREAD: &str = "every part of a message read by its parts (some were left out or NIL)";

/// An IMAP date-time (`"7-Feb-2026 10:00:00 +0900"`, the day maybe space-padded) as
/// Unix seconds; `None` for anything else.
pub fn internal_date(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(text.trim(), "%d-%b-%Y %H:%M:%S %z").ok().map(|d| d.timestamp())
}

/// What reading a message by its parts came to.
#[derive(Debug, PartialEq, Eq)]
enum ByParts {
    /// The message as assembled from its parts.
    Read(Vec<u8>),
    /// Not multipart: what was read of it already is its text.
    NotMultipart,
    /// The server answered OK but did not send everything asked for (the words of its
    /// OK, which may say why).
    Missing(String),
}

/// Each leaf's MIME header and body from the sections `read`, in order; `None` when one
/// of the sections asked for (`wanted`, as sent) is not there. Sections not asked for
/// (past `max_bytes`) are empty on purpose.
fn assemble_parts(
    leaves: &[parts::Leaf],
    wanted: &str,
    mut read: HashMap<String, Vec<u8>>,
) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let asked: HashSet<&str> = wanted.split(' ').filter_map(section_of).collect();
    if asked.iter().any(|spec| !read.contains_key(*spec)) {
        return None;
    }
    let parts = leaves
        .iter()
        .map(|leaf| {
            let mime = read.remove(&format!("{}.MIME", leaf.section)).unwrap_or_default();
            (mime, read.remove(&leaf.section).unwrap_or_default())
        })
        .collect();
    Some(parts)
}

/// The section spec of one item of a FETCH request ("BODY.PEEK[2.1.MIME]" → "2.1.MIME";
/// a partial "BODY.PEEK[2]<0.100>" → "2").
fn section_of(item: &str) -> Option<&str> {
    item.split_once('[')?.1.split_once(']').map(|(spec, _)| spec)
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
        let mut unread = HashSet::new();
        for message in fetched.messages.iter_mut().filter(|m| m.size > max_bytes) {
            match self.fetch_by_parts(message.uid, max_bytes).await {
                Ok(ByParts::Read(raw)) => message.raw = raw,
                Ok(ByParts::NotMultipart) => {}
                // Parts the server did not send are not empty parts: judged without them,
                // a scam whose text lies there would pass for ham and never be read again.
                // A refused FETCH of the parts is the same: the first bytes alone hide the
                // text behind the image, and read elsewhere they give another digest than
                // the message's, so a copy looks absent. The message is not read, as when
                // the FETCH leaves a message out: it is read again, and after a few tries
                // recorded unreadable.
                Ok(ByParts::Missing(said)) => {
                    unread.insert(message.uid);
                    if !said.is_empty() {
                        fetched.server_said = said;
                    }
                }
                Err(refused @ ImapError::Refused { .. }) => {
                    unread.insert(message.uid);
                    fetched.server_said = refused.to_string();
                }
                Err(broken) => return Err(broken),
            }
        }
        fetched.messages.retain(|m| !unread.contains(&m.uid));
        let got: HashSet<u32> = fetched.messages.iter().map(|m| m.uid).collect();
        fetched.missing = uids.iter().copied().filter(|uid| !got.contains(uid)).collect();
        fetched.unread = fetched.missing.iter().copied().filter(|uid| unread.contains(uid)).collect();
        Ok(fetched)
    }

    /// A multipart message read by its parts (see [`parts`]): the header, every part's
    /// MIME header and the text parts within `max_bytes`.
    async fn fetch_by_parts(&mut self, uid: u32, max_bytes: u32) -> Result<ByParts, ImapError> {
        let mut header = None;
        let mut leaves = None;
        let mut structured = false;
        let answer = self
            .checked(
                "UID FETCH",
                &format!("UID FETCH {uid} (UID BODYSTRUCTURE BODY.PEEK[HEADER])"),
                |response| {
                    if command::fetched_item(response).and_then(|item| item.uid) != Some(uid) {
                        return;
                    }
                    let (sections, structure) = command::fetched_sections(response);
                    if let Some((_, found)) = sections.into_iter().find(|(spec, _)| spec == "HEADER") {
                        header = Some(found.to_vec());
                    }
                    if let Some(structure) = structure {
                        structured = true;
                        leaves = parts::leaves(structure);
                    }
                },
            )
            .await?;
        let (Some(header), true) = (header, structured) else { return Ok(ByParts::Missing(answer.text)) };
        let Some(leaves) = leaves.filter(|l| !l.is_empty() && !header.is_empty()) else {
            return Ok(ByParts::NotMultipart);
        };
        let wanted = parts::sections_to_read(&leaves, max_bytes).join(" ");
        let mut read: HashMap<String, Vec<u8>> = HashMap::new();
        let answer = self
            .checked("UID FETCH", &format!("UID FETCH {uid} (UID {wanted})"), |response| {
                if command::fetched_item(response).and_then(|item| item.uid) != Some(uid) {
                    return;
                }
                for (spec, data) in command::fetched_sections(response).0 {
                    read.insert(spec, data.to_vec());
                }
            })
            .await?;
        // Every section asked for must have come (NIL, or left out as Gmail leaves out
        // what it "could not FETCH", is not an empty part).
        let Some(parts) = assemble_parts(&leaves, &wanted, read) else {
            return Ok(ByParts::Missing(answer.text));
        };
        // The same message gives the same bytes wherever it is read (its content digest
        // identifies it when it is looked for in Junk), so the boundary comes from it.
        let digest = sha2::Sha256::digest(&header);
        let boundary: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let boundary = format!("scamguard-parts-{boundary}");
        Ok(ByParts::Read(parts::assemble(&header, &parts, &boundary)))
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
    fn parts_are_assembled_only_when_every_section_asked_for_came() {
        let leaf = |section: &str, is_text| parts::Leaf { section: section.into(), is_text, octets: 10 };
        let leaves = [leaf("1", false), leaf("2", true)];
        let wanted = "BODY.PEEK[1.MIME] BODY.PEEK[2.MIME] BODY.PEEK[2]<0.100>";
        let sent = |specs: &[&str]| -> HashMap<String, Vec<u8>> {
            specs.iter().map(|s| (s.to_string(), format!("<{s}>").into_bytes())).collect()
        };
        let all = assemble_parts(&leaves, wanted, sent(&["1.MIME", "2.MIME", "2"])).expect("all came");
        assert_eq!(all[0], (b"<1.MIME>".to_vec(), Vec::new()), "a part not asked for is empty on purpose");
        assert_eq!(all[1], (b"<2.MIME>".to_vec(), b"<2>".to_vec()));
        assert_eq!(assemble_parts(&leaves, wanted, sent(&["1.MIME", "2.MIME"])), None, "the text left out");
        assert_eq!(assemble_parts(&leaves, wanted, HashMap::new()), None, "nothing sent");
        assert_eq!(section_of("BODY.PEEK[2.1]<0.700>"), Some("2.1"));
        assert_eq!(section_of("UID"), None);
    }

    /// A message sent but not whole is no message that is not there: a caller that takes
    /// the answer whole gets an error it can tell from a refusal, never a shorter list.
    #[test]
    fn a_message_left_unread_fails_the_whole_answer_and_one_not_sent_does_not() {
        let message = |uid| FetchedMessage { uid, size: 0, raw: b"x".to_vec(), arrived: None };
        let answer = |missing: Vec<u32>, unread: Vec<u32>, refused| Fetched {
            messages: vec![message(3)],
            missing,
            unread,
            server_said: String::new(),
            refused,
        };
        let not_sent = answer(vec![4], Vec::new(), None).all_or_refusal();
        assert_eq!(not_sent.expect("no refusal").len(), 1, "expunged meanwhile, as far as anyone knows");
        let unread = answer(vec![4], vec![4], None).all_or_refusal().expect_err("left unread");
        assert!(unread.is_incomplete() && unread.is_refusal(), "{unread:?}");
        assert!(unread.to_string().contains("left out"), "{unread}");
        let refused = ImapError::Refused { command: "UID FETCH", reply: "NO", text: "down".into() };
        let refused = answer(vec![4], vec![4], Some(refused)).all_or_refusal().expect_err("refused");
        assert!(!refused.is_incomplete(), "the refusal comes first: {refused:?}");
    }

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
