//! An open, logged-in IMAP session and the operations the service performs on it, each
//! under the account's command timeout.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use futures::TryStreamExt;

use super::connect::BoxedStream;
use super::junk::Folder;
use super::{ImapError, uidset};

type Session = async_imap::Session<BoxedStream>;

/// The state of a selected folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderStatus {
    pub uidvalidity: u32,
    pub uid_next: u32,
    pub exists: u32,
}

/// About how many messages one `UID SEARCH` answer should hold at most. A first scan of
/// a 100,000-message folder then asks in a few windows instead of holding the whole answer
/// (and the hash set async-imap builds from it) at once, which set the scan's peak memory.
const SEARCH_WINDOW_MESSAGES: u32 = 20_000;

/// The `UID SEARCH` queries that together ask for every UID above `last_uid`, each with
/// the first UID it covers. Windows are sized from the folder's status so each holds
/// about [`SEARCH_WINDOW_MESSAGES`]; the last one is open-ended (`n:*`), so mail that
/// arrived after the status was read is never missed, however old the status is.
pub fn search_windows(last_uid: u32, folder: FolderStatus) -> Vec<(u32, String)> {
    let first = last_uid.saturating_add(1);
    let span = folder.uid_next.saturating_sub(first);
    let windows = folder.exists.div_ceil(SEARCH_WINDOW_MESSAGES).max(1);
    let width = (span / windows).max(SEARCH_WINDOW_MESSAGES);
    let mut queries = Vec::new();
    let mut start = first;
    while start.saturating_add(width) < folder.uid_next && queries.len() + 1 < windows as usize {
        queries.push((start, format!("UID {start}:{}", start + width - 1)));
        start += width;
    }
    queries.push((start, format!("UID {start}:*")));
    queries
}

/// A message read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    /// The full size on the server (the bytes read may be cut at `max_message_bytes`).
    pub size: u32,
    pub raw: Vec<u8>,
}

/// How messages were taken out of a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveMethod {
    /// `UID MOVE` (RFC 6851).
    Move,
    /// `UID COPY`, `\Deleted`, then `UID EXPUNGE` of exactly those UIDs (UIDPLUS).
    CopyExpunge,
    /// `UID COPY` and `\Deleted` only: without UIDPLUS an expunge could remove other
    /// clients' deleted mail, so the originals stay until the user's client expunges.
    CopyFlag,
}

/// Why an IDLE wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleEnd {
    /// The server reported a change (new mail, an expunge, flags).
    Activity,
    /// The renewal interval passed.
    Renew,
    /// Shutdown was requested.
    Shutdown,
}

/// A logged-in session.
pub struct ImapSession {
    session: Session,
    capabilities: HashSet<String>,
    timeout: Duration,
}

impl ImapSession {
    /// Wraps a fresh session and reads its capabilities (again: servers such as Dovecot
    /// announce MOVE, UIDPLUS and SPECIAL-USE only after login).
    pub(crate) async fn new(mut session: Session, timeout: Duration) -> Result<Self, ImapError> {
        let capabilities = within(timeout, "CAPABILITY", session.capabilities()).await?;
        let capabilities = capabilities
            .iter()
            .map(|c| match c {
                async_imap::types::Capability::Atom(a) => a.to_ascii_uppercase(),
                async_imap::types::Capability::Imap4rev1 => "IMAP4REV1".to_string(),
                async_imap::types::Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
            })
            .collect();
        Ok(ImapSession { session, capabilities, timeout })
    }

    /// Whether the server announced `capability` ("MOVE", "UIDPLUS", "IDLE").
    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.contains(&capability.to_ascii_uppercase())
    }

    /// Every capability, sorted, for `scamguard check`.
    pub fn capabilities(&self) -> Vec<String> {
        let mut all: Vec<String> = self.capabilities.iter().cloned().collect();
        all.sort();
        all
    }

    /// How messages will leave a folder on this server.
    pub fn move_method(&self) -> MoveMethod {
        if self.has("MOVE") {
            MoveMethod::Move
        } else if self.has("UIDPLUS") {
            MoveMethod::CopyExpunge
        } else {
            MoveMethod::CopyFlag
        }
    }

    /// Every folder, with its attributes.
    pub async fn list(&mut self) -> Result<Vec<Folder>, ImapError> {
        let timeout = self.timeout;
        let listing = async {
            let stream = self.session.list(Some(""), Some("*")).await?;
            stream.try_collect::<Vec<_>>().await
        };
        let names = within(timeout, "LIST", listing).await?;
        Ok(names
            .iter()
            .map(|n| Folder {
                name: n.name().to_string(),
                attributes: n.attributes().iter().map(|a| attribute_name(a).to_ascii_lowercase()).collect(),
            })
            .collect())
    }

    pub async fn create(&mut self, folder: &str) -> Result<(), ImapError> {
        let timeout = self.timeout;
        within(timeout, "CREATE", self.session.create(folder)).await
    }

    pub async fn delete(&mut self, folder: &str) -> Result<(), ImapError> {
        let timeout = self.timeout;
        within(timeout, "DELETE", self.session.delete(folder)).await
    }

    /// Selects a folder read-write.
    pub async fn select(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let timeout = self.timeout;
        let mailbox = within(timeout, "SELECT", self.session.select(folder)).await?;
        Ok(FolderStatus {
            uidvalidity: mailbox.uid_validity.unwrap_or(0),
            uid_next: mailbox.uid_next.unwrap_or(1),
            exists: mailbox.exists,
        })
    }

    /// `UID SEARCH query`, sorted.
    pub async fn search(&mut self, query: &str) -> Result<Vec<u32>, ImapError> {
        let timeout = self.timeout;
        let found = within(timeout, "UID SEARCH", self.session.uid_search(query)).await?;
        let mut uids: Vec<u32> = found.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// UIDs above `last_uid`, sorted. `folder` (the status at SELECT, possibly older) sizes
    /// the search windows; see `search_windows`. `UID SEARCH UID n:*` always matches the
    /// highest UID even when it is below n, so each answer is filtered.
    pub async fn uids_after(&mut self, last_uid: u32, folder: FolderStatus) -> Result<Vec<u32>, ImapError> {
        let mut uids = Vec::new();
        for (first, query) in search_windows(last_uid, folder) {
            let mut found = self.search(&query).await?;
            found.retain(|&uid| uid >= first);
            uids.append(&mut found);
        }
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// UIDs in the selected folder whose Message-ID header is `message_id` (given without
    /// angle brackets). An empty id finds nothing.
    pub async fn find_by_message_id(&mut self, message_id: &str) -> Result<Vec<u32>, ImapError> {
        if message_id.trim().is_empty() {
            return Ok(Vec::new());
        }
        self.search(&format!("HEADER Message-ID {}", quote(message_id))).await
    }

    /// Which of `uids` still exist in the selected folder. A NOOP goes first: servers hold
    /// back other clients' expunges during SEARCH (RFC 3501 §7.4.1), and only a command
    /// such as NOOP lets them through.
    pub async fn existing(&mut self, uids: &[u32]) -> Result<Vec<u32>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        self.noop().await?;
        let mut found = Vec::new();
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            found.extend(self.search(&format!("UID {set}")).await?);
        }
        Ok(found)
    }

    /// Reads messages without marking them seen (`BODY.PEEK`), at most `max_bytes` of each.
    pub async fn fetch(&mut self, uids: &[u32], max_bytes: u32) -> Result<Vec<FetchedMessage>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let timeout = self.timeout;
        let query = format!("(UID RFC822.SIZE BODY.PEEK[]<0.{max_bytes}>)");
        let wanted: HashSet<u32> = uids.iter().copied().collect();
        let mut messages = Vec::with_capacity(uids.len());
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            let fetching = async {
                let stream = self.session.uid_fetch(&set, &query).await?;
                stream.try_collect::<Vec<_>>().await
            };
            let fetched = within(timeout, "UID FETCH", fetching).await?;
            messages.extend(fetched.iter().filter_map(|f| {
                let uid = f.uid?;
                wanted.contains(&uid).then(|| FetchedMessage {
                    uid,
                    size: f.size.unwrap_or(0),
                    raw: f.body().unwrap_or_default().to_vec(),
                })
            }));
        }
        messages.sort_by_key(|m| m.uid);
        messages.dedup_by_key(|m| m.uid);
        Ok(messages)
    }

    /// Moves `uids` from the selected folder to `destination` by the best method the
    /// server offers. Never expunges anything but these UIDs.
    pub async fn move_to(&mut self, uids: &[u32], destination: &str) -> Result<MoveMethod, ImapError> {
        let method = self.move_method();
        if uids.is_empty() {
            return Ok(method);
        }
        let timeout = self.timeout;
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            match method {
                MoveMethod::Move => {
                    within(timeout, "UID MOVE", self.session.uid_mv(&set, destination)).await?
                }
                MoveMethod::CopyExpunge | MoveMethod::CopyFlag => {
                    within(timeout, "UID COPY", self.session.uid_copy(&set, destination)).await?;
                    self.store_flags(&set, "+FLAGS.SILENT (\\Deleted)").await?;
                    if method == MoveMethod::CopyExpunge {
                        let expunging = async {
                            let stream = self.session.uid_expunge(&set).await?;
                            stream.try_collect::<Vec<_>>().await.map(|_| ())
                        };
                        within(timeout, "UID EXPUNGE", expunging).await?;
                    }
                }
            }
        }
        Ok(method)
    }

    /// Adds a keyword (such as `$Suspicious`) to `uids`.
    pub async fn add_keyword(&mut self, uids: &[u32], keyword: &str) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        self.change_flags(uids, &format!("+FLAGS.SILENT ({keyword})")).await
    }

    /// Takes a flag (such as `\\Deleted`) off `uids`.
    pub async fn remove_flag(&mut self, uids: &[u32], flag: &str) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        self.change_flags(uids, &format!("-FLAGS.SILENT ({flag})")).await
    }

    async fn change_flags(&mut self, uids: &[u32], change: &str) -> Result<(), ImapError> {
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            self.store_flags(&set, change).await?;
        }
        Ok(())
    }

    async fn store_flags(&mut self, set: &str, change: &str) -> Result<(), ImapError> {
        let timeout = self.timeout;
        let storing = async {
            let stream = self.session.uid_store(set, change).await?;
            stream.try_collect::<Vec<_>>().await.map(|_| ())
        };
        within(timeout, "UID STORE", storing).await
    }

    /// Adds a message to `folder` (with flags such as `(\\Seen)`, if given).
    pub async fn append(
        &mut self,
        folder: &str,
        flags: Option<&str>,
        content: &[u8],
    ) -> Result<(), ImapError> {
        let timeout = self.timeout;
        within(timeout, "APPEND", self.session.append(folder, flags, None, content)).await
    }

    /// The flags of every message in the selected folder, by UID.
    pub async fn all_flags(&mut self) -> Result<Vec<(u32, Vec<String>)>, ImapError> {
        let timeout = self.timeout;
        let fetching = async {
            let stream = self.session.uid_fetch("1:*", "(UID FLAGS)").await?;
            stream.try_collect::<Vec<_>>().await
        };
        let fetched = within(timeout, "UID FETCH", fetching).await?;
        let mut flags: Vec<(u32, Vec<String>)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.flags().map(|flag| flag_name(&flag)).collect())))
            .collect();
        flags.sort();
        Ok(flags)
    }

    pub async fn noop(&mut self) -> Result<(), ImapError> {
        let timeout = self.timeout;
        within(timeout, "NOOP", self.session.noop()).await
    }

    /// Waits in IDLE until the server reports a change, `renew` passes, or `shutdown`
    /// fires; then leaves IDLE and gives the session back. Unsolicited responses that
    /// arrived before are dropped first: the caller searches for new UIDs after every
    /// wait, so nothing that arrived between its last fetch and this IDLE is missed.
    pub async fn idle(
        self,
        renew: Duration,
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<(Self, IdleEnd), ImapError> {
        while self.session.unsolicited_responses.try_recv().is_ok() {}
        let timeout = self.timeout;
        let capabilities = self.capabilities;
        let mut handle = self.session.idle();
        within(timeout, "IDLE", handle.init()).await?;
        let end = {
            let (wait, stop) = handle.wait_with_timeout(renew);
            tokio::select! {
                response = wait => match response.map_err(|source| ImapError::Command { command: "IDLE", source })? {
                    IdleResponse::NewData(_) => IdleEnd::Activity,
                    IdleResponse::Timeout => IdleEnd::Renew,
                    IdleResponse::ManualInterrupt => IdleEnd::Shutdown,
                },
                _ = async { let _ = shutdown.wait_for(|stop| *stop).await; } => {
                    drop(stop);
                    IdleEnd::Shutdown
                }
            }
        };
        let session = within(timeout, "DONE", handle.done()).await?;
        Ok((ImapSession { session, capabilities, timeout }, end))
    }

    /// Says goodbye; errors are of no interest at this point.
    pub async fn logout(mut self) {
        super::count_command();
        let _ = tokio::time::timeout(self.timeout, self.session.logout()).await;
    }

    /// The header block of each of `uids` (`BODY.PEEK[HEADER]`, never setting `\Seen`),
    /// by UID: enough to confirm a message's exact Message-ID or header digest.
    pub async fn fetch_headers(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        let timeout = self.timeout;
        let mut headers = Vec::with_capacity(uids.len());
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            let fetching = async {
                let stream = self.session.uid_fetch(&set, "(UID BODY.PEEK[HEADER])").await?;
                stream.try_collect::<Vec<_>>().await
            };
            let fetched = within(timeout, "UID FETCH", fetching).await?;
            headers.extend(fetched.iter().filter_map(|f| Some((f.uid?, f.header()?.to_vec()))));
        }
        headers.sort_by_key(|(uid, _)| *uid);
        Ok(headers)
    }
}

/// An IMAP quoted string.
fn quote(text: &str) -> String {
    let escaped: String = text
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .flat_map(|c| {
            let escape = matches!(c, '"' | '\\').then_some('\\');
            escape.into_iter().chain(std::iter::once(c))
        })
        .collect();
    format!("\"{escaped}\"")
}

/// Runs one IMAP command under the session's timeout; errors name the command.
async fn within<T>(
    timeout: Duration,
    command: &'static str,
    running: impl std::future::Future<Output = Result<T, async_imap::error::Error>>,
) -> Result<T, ImapError> {
    super::count_command();
    tokio::time::timeout(timeout, running)
        .await
        .map_err(|_| ImapError::Timeout(command))?
        .map_err(|source| ImapError::Command { command, source })
}

fn flag_name(flag: &async_imap::types::Flag<'_>) -> String {
    use async_imap::types::Flag as F;
    match flag {
        F::Seen => "\\Seen".into(),
        F::Answered => "\\Answered".into(),
        F::Flagged => "\\Flagged".into(),
        F::Deleted => "\\Deleted".into(),
        F::Draft => "\\Draft".into(),
        F::Recent => "\\Recent".into(),
        F::MayCreate => "\\*".into(),
        F::Custom(name) => name.to_string(),
    }
}

fn attribute_name(attribute: &async_imap::types::NameAttribute<'_>) -> String {
    use async_imap::types::NameAttribute as A;
    match attribute {
        A::NoInferiors => "\\Noinferiors".into(),
        A::NoSelect => "\\Noselect".into(),
        A::Marked => "\\Marked".into(),
        A::Unmarked => "\\Unmarked".into(),
        A::All => "\\All".into(),
        A::Archive => "\\Archive".into(),
        A::Drafts => "\\Drafts".into(),
        A::Flagged => "\\Flagged".into(),
        A::Junk => "\\Junk".into(),
        A::Sent => "\\Sent".into(),
        A::Trash => "\\Trash".into(),
        A::Extension(name) => name.to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_windows_cover_everything_above_the_cursor_once() {
        let folder = |uid_next, exists| FolderStatus { uidvalidity: 1, uid_next, exists };
        let queries = |last, f| search_windows(last, f).into_iter().map(|(_, q)| q).collect::<Vec<_>>();
        // A small folder, or nothing new: one open-ended search, as before.
        assert_eq!(queries(0, folder(501, 500)), ["UID 1:*"]);
        assert_eq!(queries(900, folder(901, 900)), ["UID 901:*"]);
        // 100,000 messages: five windows of 20,000 UIDs, the last open-ended.
        assert_eq!(
            queries(0, folder(100_001, 100_000)),
            ["UID 1:20000", "UID 20001:40000", "UID 40001:60000", "UID 60001:80000", "UID 80001:*"]
        );
        // Sparse UIDs: windows as wide as the UIDs are spread, never more than needed.
        let sparse = search_windows(0, folder(5_000_001, 40_000));
        assert_eq!(sparse.len(), 2);
        assert_eq!(sparse.first().map(|(first, _)| *first), Some(1));
        // A status read before much new mail arrived still ends open: nothing is missed.
        assert!(queries(0, folder(1, 0)).last().is_some_and(|q| q.ends_with(":*")));
        assert_eq!(search_windows(u32::MAX, folder(u32::MAX, 1)).len(), 1);
    }

    #[test]
    fn quoting_escapes_quotes_and_drops_line_breaks() {
        assert_eq!(quote("<a\"b\\c@x>\r\n"), "\"<a\\\"b\\\\c@x>\"");
    }
}
