//! Watching an account's Junk folder for reports, over the connection of one of its
//! watched folders (no connection of its own).
//!
//! Each pass asks `STATUS junk (UIDNEXT UIDVALIDITY)`, one round trip. Only when UIDNEXT
//! moved past the saved cursor is Junk opened, read-only (`EXAMINE`): the new messages'
//! headers are read (`BODY.PEEK[HEADER]`), the ones scamguard may not have sent there are
//! read whole (`BODY.PEEK`, at most `max_message_bytes`; a key it sent is read too, since
//! a scammer can reuse a moved mail's Message-ID: only the same content is its own move),
//! and the rest are classified and recorded as reported
//! through [`feedback::give`]; then the worker selects the watched folder again. Nothing in Junk
//! is ever flagged, moved or expunged. The decisions are in [`feedback`].

use tracing::{info, warn};

use super::batch;
use super::feedback::{self, JunkLook, Record};
use super::locate::key_of_header;
use super::worker::{Worker, WorkerError};
use crate::clock;
use crate::imap::{self, ImapSession};
use crate::report::seal;
use crate::store::JunkCursor;

impl Worker {
    /// Looks at the account's Junk folder (wire name `junk`) for mail that arrived since
    /// the last look and records the reports among it; says whether it left the watched
    /// folder (the caller selects it again). A refusal from the server is logged and the
    /// pass goes on (the next pass looks again); a lost connection or a database that
    /// cannot record fails the pass.
    pub(super) async fn look_at_junk(&self, imap: &mut ImapSession, junk: &str) -> Result<bool, WorkerError> {
        let looked = self.look_at_junk_once(imap, junk).await;
        if let Some(refused) = refusal(&looked) {
            warn!(account = %self.account.name, "cannot look at {} for mail you put there: {refused}", imap::utf7::decode(junk));
            // A refusal may have come with Junk selected: the caller selects the watched
            // folder again.
            return Ok(true);
        }
        looked
    }

    /// Whether Junk was opened (the watched folder must then be selected again).
    async fn look_at_junk_once(&self, imap: &mut ImapSession, junk: &str) -> Result<bool, WorkerError> {
        let status = imap.status(junk).await?;
        let name = imap::utf7::decode(junk);
        let account = &self.account.name;
        let now = JunkCursor { uidvalidity: status.uidvalidity, uid_next: status.uid_next };
        let saved = self.store.junk_cursor(account, &name).await?;
        match feedback::plan_junk(saved, now) {
            JunkLook::Nothing => Ok(false),
            JunkLook::Start(cursor) => {
                info!(%account, "watching {name} for mail you put there, from UID {}", cursor.uid_next);
                self.store.save_junk_cursor(account, &name, cursor, clock::now_unix()).await?;
                Ok(false)
            }
            JunkLook::Read { first, to } => {
                imap.examine(junk).await?;
                self.read_reports(imap, &name, first, to).await.map(|()| true)
            }
        }
    }

    /// Reads Junk's new UIDs window by window, records the reports, and saves the cursor
    /// after each window.
    async fn read_reports(
        &self,
        imap: &mut ImapSession,
        name: &str,
        first: u32,
        to: JunkCursor,
    ) -> Result<(), WorkerError> {
        let account = &self.account.name;
        let report_key = super::reports::report_key(&self.store).await?;
        for (start, end) in feedback::junk_windows(first, to.uid_next) {
            let window: Vec<u32> = (start..=end).collect();
            let arrived: Vec<(u32, String)> =
                imap.fetch_headers(&window).await?.iter().map(|(uid, h)| (*uid, key_of_header(h))).collect();
            let keys: Vec<String> = arrived.iter().map(|(_, key)| key.clone()).collect();
            let sent = self.store.sent_to_junk(account, &keys).await?;
            let to_read = feedback::to_read_among(&arrived, &sent);
            if !to_read.is_empty() {
                let mut fetched = imap.fetch(&to_read, self.account.max_message_bytes).await?;
                if let Some(refused) = &fetched.refused {
                    warn!(%account, uids = ?fetched.missing, "{name}: not read, so not recorded as reported: {refused}");
                }
                // Scamguard's own moves (the same key and content) are no reports.
                let key_of =
                    |uid: u32| arrived.iter().find(|(u, _)| *u == uid).map_or("", |(_, k)| k.as_str());
                fetched
                    .messages
                    .retain(|m| !feedback::is_ours(key_of(m.uid), &batch::content_digest(&m.raw), &sent));
                let (detector, key) = (self.detector.clone(), report_key.clone());
                let classified = tokio::task::spawn_blocking(move || {
                    batch::classify_all(fetched.messages, &detector, &key)
                })
                .await
                .map_err(|e| WorkerError::Panicked(e.to_string()))?;
                for message in classified {
                    // Our own weekly report, dragged to Junk, is no scam to learn from.
                    if seal::is_genuine(&report_key, &message.raw) {
                        continue;
                    }
                    let Some(row) = feedback::report_row(account, name, to.uidvalidity, &message) else {
                        continue;
                    };
                    info!(%account, uid = row.uid, category = row.category.as_str(), "reported: put into {name} by hand or by the server's filter: {:?}", row.subject);
                    feedback::give(
                        &self.store,
                        account,
                        Some(&self.detector),
                        &message.raw,
                        Record::Report(Box::new(row)),
                    )
                    .await?;
                }
            }
            let cursor = JunkCursor { uidvalidity: to.uidvalidity, uid_next: end.saturating_add(1) };
            self.store.save_junk_cursor(account, name, cursor, clock::now_unix()).await?;
        }
        Ok(())
    }
}

/// The server's refusal that failed a look at Junk, when that is what failed it: the pass
/// goes on. A lost connection or a database that cannot record is no refusal.
fn refusal(looked: &Result<bool, WorkerError>) -> Option<&imap::ImapError> {
    match looked {
        Err(WorkerError::Imap(refused)) if refused.is_refusal() => Some(refused),
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn a_refused_look_at_junk_lets_the_pass_go_on_and_a_lost_connection_does_not() {
        let failed = |error: imap::ImapError| Err(WorkerError::Imap(error));
        let refused = failed(imap::ImapError::Refused { command: "STATUS", reply: "NO", text: "no".into() });
        assert!(refusal(&refused).is_some());
        assert!(refusal(&failed(imap::ImapError::Closed)).is_none(), "a lost connection fails the pass");
        assert!(refusal(&Err(WorkerError::Panicked("x".into()))).is_none());
        assert!(refusal(&Ok(true)).is_none());
    }
}
