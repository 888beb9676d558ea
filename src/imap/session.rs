//! An open, logged-in IMAP session and the operations the service performs on it, each
//! under the account's command timeout.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::imap_proto::Response;
use async_imap::types::UnsolicitedResponse;

use super::connect::BoxedStream;
use super::junk::Folder;
use super::namespace::{self, Namespace};
use super::{ImapError, command, uidset};

type Session = async_imap::Session<BoxedStream>;

/// The state of a selected folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderStatus {
    pub uidvalidity: u32,
    pub uid_next: u32,
    pub exists: u32,
}

impl FolderStatus {
    /// What a whole answer to SELECT or EXAMINE said of a folder; a server that leaves
    /// UIDNEXT out (older ones do) is read as an empty folder's 1. One that leaves out
    /// UIDVALIDITY, which RFC 3501 requires, is an error: read as 0 when it is left out
    /// once, it would make the saved place look renumbered and the folder be read again
    /// from the start. A server that never sends it is not watched (the error says why).
    fn opened(command: &'static str, news: command::FolderNews) -> Result<Self, ImapError> {
        let uidvalidity =
            news.uidvalidity.ok_or(ImapError::Incomplete { command, missing: "the folder's UIDVALIDITY" })?;
        Ok(FolderStatus {
            uidvalidity,
            uid_next: news.uid_next.unwrap_or(1),
            exists: news.exists.unwrap_or(0),
        })
    }

    /// What a STATUS answer said of a folder: all three were asked for, and an OK without
    /// them (no STATUS line for the folder) is an error, never an empty, new folder whose
    /// reading would start over.
    fn stated(news: command::FolderNews) -> Result<Self, ImapError> {
        let missing = |what| ImapError::Incomplete { command: "STATUS", missing: what };
        Ok(FolderStatus {
            uidvalidity: news.uidvalidity.ok_or_else(|| missing("the folder's UIDVALIDITY"))?,
            uid_next: news.uid_next.ok_or_else(|| missing("the folder's UIDNEXT"))?,
            exists: news.exists.ok_or_else(|| missing("the folder's MESSAGES"))?,
        })
    }
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

impl std::fmt::Display for MoveMethod {
    /// The commands used, as `check` and the start-up log line tell the user.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MoveMethod::Move => "UID MOVE",
            MoveMethod::CopyExpunge => "UID COPY, then UID EXPUNGE of those messages (UIDPLUS)",
            MoveMethod::CopyFlag => {
                "UID COPY and \\Deleted (no UIDPLUS: the originals stay until your mail client expunges)"
            }
        })
    }
}

/// Why an IDLE wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleEnd {
    /// The server reported a change (new mail, an expunge, flags).
    Activity,
    /// The server ended IDLE itself (its tagged OK) with no news: a server that does so
    /// at once, every time, would have the worker idle again in a loop (see
    /// `app::worker::wait`).
    Ended,
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
    /// An `EXISTS` arrived since the worker last asked (see [`ImapSession::take_mailbox_changed`]).
    mailbox_changed: bool,
    /// The account's name, for the server's `[ALERT]`s in the log.
    account: String,
}

impl ImapSession {
    /// Wraps a fresh session and reads its capabilities (again: servers such as Dovecot
    /// announce MOVE, UIDPLUS and SPECIAL-USE only after login). Through [`command::run`]:
    /// a refused CAPABILITY (or one cut short) read as a shorter list would lose MOVE and
    /// UIDPLUS, and moves would fall back to COPY and `\Deleted`, leaving threats in INBOX.
    pub(crate) async fn new(session: Session, timeout: Duration, account: &str) -> Result<Self, ImapError> {
        let mut imap = ImapSession {
            session,
            capabilities: HashSet::new(),
            timeout,
            mailbox_changed: false,
            account: account.to_string(),
        };
        let mut capabilities = HashSet::new();
        imap.timed("CAPABILITY", "CAPABILITY", |r| capabilities.extend(command::capabilities(r))).await?;
        // An OK with no CAPABILITY line is no server without MOVE: every IMAP server
        // names at least IMAP4rev1.
        if capabilities.is_empty() {
            return Err(ImapError::Incomplete { command: "CAPABILITY", missing: "its capabilities" });
        }
        imap.capabilities = capabilities;
        Ok(imap)
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

    /// Every folder, with its attributes: `LIST "" "*"`, its whole answer read (one cut
    /// short is an error, never a shorter list in which Junk looks missing).
    pub async fn list(&mut self) -> Result<Vec<Folder>, ImapError> {
        let mut folders = Vec::new();
        self.checked("LIST", r#"LIST "" "*""#, |r| folders.extend(command::listed(r).map(|l| l.folder)))
            .await?;
        Ok(folders)
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
        self.open_folder("SELECT", folder).await
    }

    /// SELECT or EXAMINE `folder`, its whole answer read: one cut short is an error, never
    /// a folder of UIDVALIDITY 0 (see [`command`]). The answer's EXISTS is the folder's
    /// size, not news of arrivals.
    async fn open_folder(&mut self, command: &'static str, folder: &str) -> Result<FolderStatus, ImapError> {
        let mut news = command::FolderNews::default();
        let line = format!("{command} {}", folder_name(folder, command)?);
        self.timed(command, &line, |r| news.read_opened(r)).await?;
        FolderStatus::opened(command, news)
    }

    /// Selects a folder the configuration names (`folder` in UTF-8). When the server
    /// refuses it and does not list it, the error names the folders it has.
    pub async fn select_configured(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let refused = match self.select(&super::utf7::encode(folder)).await {
            Err(error) if error.is_refusal() && !error.is_incomplete() => error,
            selected => return selected,
        };
        let folders = self.list().await?;
        Err(match super::diagnose::missing_folder(folder, &folders) {
            Some((existing, more)) => ImapError::NoSuchFolder { folder: folder.to_string(), existing, more },
            None => refused,
        })
    }

    /// Opens a folder read-only (EXAMINE): nothing read there can change a flag.
    pub async fn examine(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        self.open_folder("EXAMINE", folder).await
    }

    /// A folder's UIDVALIDITY, UIDNEXT and size by STATUS, without selecting it: one
    /// command says whether anything arrived there since.
    pub async fn status(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let mut news = command::FolderNews::default();
        let line = format!("STATUS {} (UIDVALIDITY UIDNEXT MESSAGES)", folder_name(folder, "STATUS")?);
        // Another folder's STATUS leaves the selected one selected: an EXISTS in its
        // answer is news of that one, kept as any command's is.
        self.checked("STATUS", &line, |r| news.read_status(r, folder)).await?;
        FolderStatus::stated(news)
    }

    /// `UID SEARCH query`, sorted. A refused search is an error, never an empty answer; so
    /// is an OK without any `* SEARCH` line, which RFC 3501 §6.4.4 says a server MUST send,
    /// empty when nothing matches (Dovecot and Courier do): read as nothing found, a line
    /// lost on the way made `still_present` record threats as gone, and the new-mail
    /// search skip mail.
    pub async fn search(&mut self, query: &str) -> Result<Vec<u32>, ImapError> {
        let mut uids = Vec::new();
        let mut answered = false;
        let answer = self
            .checked("UID SEARCH", &format!("UID SEARCH {query}"), |r| {
                if let Some(found) = command::searched_uids(r) {
                    answered = true;
                    uids.extend_from_slice(found);
                }
            })
            .await?;
        if !answered {
            return Err(ImapError::NoSearchLine { command: "UID SEARCH", text: super::shown(&answer.text) });
        }
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// Runs a command through [`command::run`] under the timeout, and keeps its news of
    /// the mailbox.
    pub(super) async fn checked(
        &mut self,
        name: &'static str,
        line: &str,
        on_data: impl FnMut(&Response<'_>),
    ) -> Result<command::Answer, ImapError> {
        let answer = self.timed(name, line, on_data).await?;
        self.mailbox_changed |= answer.mailbox_changed;
        Ok(answer)
    }

    /// Runs a command through [`command::run`] under the timeout.
    async fn timed(
        &mut self,
        name: &'static str,
        line: &str,
        on_data: impl FnMut(&Response<'_>),
    ) -> Result<command::Answer, ImapError> {
        let mut alerts = Vec::new();
        let answer = tokio::time::timeout(
            self.timeout,
            command::run(&mut self.session, name, line, &mut alerts, on_data),
        )
        .await;
        command::tell(&self.account, alerts);
        answer.map_err(|_| ImapError::Timeout(name))?
    }

    /// Whether the selected folder reported a change (an `EXISTS`: mail may have arrived)
    /// since the last call. The worker asks before it idles: a notice that came inside the
    /// answer to a FETCH, MOVE or NOOP would otherwise wait for the next event, forever on
    /// a quiet mailbox.
    pub fn take_mailbox_changed(&mut self) -> bool {
        let mut alerts = Vec::new();
        while let Ok(response) = self.session.unsolicited_responses.try_recv() {
            self.mailbox_changed |= matches!(response, UnsolicitedResponse::Exists(_));
            // What async-imap read past the commands it ran itself (LOGIN, APPEND) comes
            // here, an untagged `* OK [ALERT]` among it.
            if let UnsolicitedResponse::Other(data) = &response {
                alerts.extend(command::alert(data.parsed()));
            }
        }
        command::tell(&self.account, alerts);
        std::mem::take(&mut self.mailbox_changed)
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
        self.existing_where(uids, "").await
    }

    /// Which of `uids` still exist in the selected folder and are not flagged `\Deleted`:
    /// without MOVE, a message copied to Junk stays, flagged, until an expunge, and must
    /// never be copied again (by a worker that stalled while another moved it).
    pub async fn undeleted(&mut self, uids: &[u32]) -> Result<Vec<u32>, ImapError> {
        self.existing_where(uids, " UNDELETED").await
    }

    /// [`ImapSession::existing`], the search narrowed by `criteria` (" UNDELETED").
    async fn existing_where(&mut self, uids: &[u32], criteria: &str) -> Result<Vec<u32>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        self.noop().await?;
        let mut found = Vec::new();
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            found.extend(self.search(&format!("UID {set}{criteria}")).await?);
        }
        Ok(found)
    }

    /// `UID MOVE` (RFC 6851) of `uids` to `destination`: one step, nothing left behind.
    pub async fn move_uids(&mut self, uids: &[u32], destination: &str) -> Result<(), ImapError> {
        let destination = quote(destination);
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            self.checked("UID MOVE", &format!("UID MOVE {set} {destination}"), |_| {}).await?;
        }
        Ok(())
    }

    /// `UID COPY` of `uids` to `destination`: the first step of a move without MOVE.
    pub async fn copy_uids(&mut self, uids: &[u32], destination: &str) -> Result<(), ImapError> {
        let destination = quote(destination);
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            self.checked("UID COPY", &format!("UID COPY {set} {destination}"), |_| {}).await?;
        }
        Ok(())
    }

    /// Takes copied `uids` out of the selected folder: `\Deleted`, then (with UIDPLUS)
    /// `UID EXPUNGE` of exactly these UIDs. Never a plain EXPUNGE, which would remove other
    /// clients' deleted mail too.
    pub async fn remove_copied(&mut self, uids: &[u32], method: MoveMethod) -> Result<(), ImapError> {
        for set in uidset::to_sets(uids, uidset::MAX_SET_CHARS) {
            self.store_flags(&set, "+FLAGS.SILENT (\\Deleted)").await?;
            if method == MoveMethod::CopyExpunge {
                self.checked("UID EXPUNGE", &format!("UID EXPUNGE {set}"), |_| {}).await?;
            }
        }
        Ok(())
    }

    /// Moves `uids` to `destination` by the best method the server offers, in one go (the
    /// worker records between the steps instead; this is for tests and tools).
    pub async fn move_to(&mut self, uids: &[u32], destination: &str) -> Result<MoveMethod, ImapError> {
        let method = self.move_method();
        if method == MoveMethod::Move {
            self.move_uids(uids, destination).await?;
        } else {
            self.copy_uids(uids, destination).await?;
            self.remove_copied(uids, method).await?;
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
        self.checked("UID STORE", &format!("UID STORE {set} {change}"), |_| {}).await.map(|_| ())
    }

    /// Adds a message to `folder` (with flags such as `(\\Seen)`, if given).
    pub async fn append(
        &mut self,
        folder: &str,
        flags: Option<&str>,
        content: &[u8],
    ) -> Result<(), ImapError> {
        self.append_dated(folder, flags, None, content).await
    }

    /// Adds a message with an internal date (`"01-Oct-2026 09:00:00 +0000"`), which
    /// `SEARCH SINCE` goes by; without one the server uses the time of the APPEND.
    pub async fn append_dated(
        &mut self,
        folder: &str,
        flags: Option<&str>,
        internal_date: Option<&str>,
        content: &[u8],
    ) -> Result<(), ImapError> {
        let timeout = self.timeout;
        let date = internal_date.map(|d| format!("\"{d}\""));
        within(timeout, "APPEND", self.session.append(folder, flags, date.as_deref(), content)).await
    }

    pub async fn noop(&mut self) -> Result<(), ImapError> {
        self.checked("NOOP", "NOOP", |_| {}).await.map(|_| ())
    }

    /// Waits in IDLE until the server reports a change, `renew` passes, or `stop`
    /// resolves; then leaves IDLE. A change noted before (an `EXISTS` that no one has
    /// taken yet) ends the wait at once. IDLE's answers are read by the `idle` module: a
    /// refusal is an error with the server's words, never a panic, and leaves the session
    /// usable (its tagged answer was read), so the caller may poll instead.
    pub async fn idle(
        &mut self,
        renew: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<IdleEnd, ImapError> {
        if self.take_mailbox_changed() {
            return Ok(IdleEnd::Activity);
        }
        let mut alerts = Vec::new();
        let end = super::idle::idle(&mut self.session, self.timeout, renew, stop, &mut alerts).await;
        command::tell(&self.account, alerts);
        let end = end?;
        // What ended the wait was news of the folder (or came with DONE's answer): the
        // caller searches after every wait, so it is taken here.
        self.take_mailbox_changed();
        Ok(end)
    }

    /// Says goodbye; errors are of no interest at this point.
    pub async fn logout(mut self) {
        super::count_command("LOGOUT");
        let _ = tokio::time::timeout(self.timeout, self.session.logout()).await;
    }

    /// The personal namespace (RFC 2342). Without the NAMESPACE capability: no prefix, and
    /// the separator LIST reports. Ask before SELECT: the answer is read straight from the
    /// stream (see [`super::namespace`]), where a selected folder's news could sit in
    /// async-imap's buffer. An answer that cannot be read also means no prefix.
    pub async fn namespace(&mut self) -> Result<Namespace, ImapError> {
        let timeout = self.timeout;
        if !self.has("NAMESPACE") {
            // `LIST "" ""`: the hierarchy separator (RFC 3501 §6.3.8).
            let mut separator = None;
            self.checked("LIST", r#"LIST "" """#, |r| {
                separator = separator.or(command::listed(r).and_then(|l| l.separator));
            })
            .await?;
            return Ok(Namespace { prefix: String::new(), separator });
        }
        let asking = async {
            let tag = self.session.run_command("NAMESPACE").await?;
            namespace::read_answer(self.session.get_mut(), &tag.0).await.map_err(async_imap::error::Error::Io)
        };
        let answer = within(timeout, "NAMESPACE", asking).await?;
        let refused = match answer.status {
            namespace::Status::Ok => None,
            namespace::Status::No => Some(async_imap::error::Error::No(answer.text)),
            namespace::Status::Bad => Some(async_imap::error::Error::Bad(answer.text)),
        };
        if let Some(error) = refused {
            return Err(ImapError::Command { command: "NAMESPACE", error });
        }
        Ok(namespace::parse(&answer.untagged).unwrap_or_default())
    }
}

/// A folder name as a command argument (quoted); one holding a line break cannot be sent
/// and is refused, as async-imap refuses it, rather than altered into another name.
fn folder_name(folder: &str, command: &'static str) -> Result<String, ImapError> {
    match folder.chars().find(|c| matches!(c, '\r' | '\n')) {
        Some(bad) => {
            let error = async_imap::error::Error::Validate(async_imap::error::ValidateError(bad));
            Err(ImapError::Command { command, error })
        }
        None => Ok(quote(folder)),
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
    super::count_command(command);
    tokio::time::timeout(timeout, running)
        .await
        .map_err(|_| ImapError::Timeout(command))?
        .map_err(|error| ImapError::Command { command, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An OK that leaves out what was asked is an error, not a new, empty folder; only
    /// UIDNEXT may be missing from SELECT (older servers leave it out).
    #[test]
    fn a_folder_answer_without_its_uidvalidity_or_a_status_without_its_line_is_incomplete() {
        let news = |uidvalidity, uid_next, exists| command::FolderNews { uidvalidity, uid_next, exists };
        let opened =
            FolderStatus::opened("SELECT", news(Some(7), None, Some(3))).expect("UIDNEXT may be missing");
        assert_eq!(opened, FolderStatus { uidvalidity: 7, uid_next: 1, exists: 3 });
        let blind = FolderStatus::opened("EXAMINE", news(None, Some(9), Some(3)));
        assert!(matches!(
            blind,
            Err(ImapError::Incomplete { command: "EXAMINE", missing: "the folder's UIDVALIDITY" })
        ));
        assert_eq!(
            FolderStatus::stated(news(Some(7), Some(9), Some(3))).expect("all said"),
            FolderStatus { uidvalidity: 7, uid_next: 9, exists: 3 }
        );
        for partial in [news(None, None, None), news(Some(7), None, Some(3)), news(Some(7), Some(9), None)] {
            let stated = FolderStatus::stated(partial);
            assert!(matches!(stated, Err(ImapError::Incomplete { command: "STATUS", .. })), "{stated:?}");
            assert!(stated.expect_err("incomplete").is_refusal(), "the server is there: retried slowly");
        }
    }

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
