//! Watching an account's Junk folder for reports, over the connection of one of its
//! watched folders (no connection of its own).
//!
//! Each pass asks `STATUS junk (UIDNEXT UIDVALIDITY)`, one round trip. Only when UIDNEXT
//! moved past the saved cursor, or a report is waiting to be read again, is Junk opened,
//! read-only (`EXAMINE`): the new messages' headers are read (`BODY.PEEK[HEADER]`), the
//! ones scamguard may not have sent there are read whole (`BODY.PEEK`, at most
//! `max_message_bytes`; a key it sent is read too, since a scammer can reuse a moved
//! mail's Message-ID: only the same content is its own move), and the rest are classified
//! and recorded as reported through [`feedback::give`]; then the worker selects the
//! watched folder again. Nothing in Junk is ever flagged, moved or expunged. The decisions
//! are in [`feedback`].
//!
//! A message still in Junk that could not be read (the FETCH refused, its header or some
//! of its parts left out of the answer) goes to Junk's read queue, the watched folders'
//! own ([`crate::store::ReadOutcome`]): the cursor moves on, so one such message holds
//! up no other report, and it is read again on the next passes until it is, or after
//! [`crate::store::MAX_READ_TRIES`] tries (over at least `unreadable_after`) recorded
//! `unreadable` in Junk with the server's words, where the user sees it.

use std::collections::HashSet;

use tracing::{info, warn};

use super::batch;
use super::feedback::{self, JunkLook, Record};
use super::locate::key_of_header;
use super::worker::{Worker, WorkerError, outcome_of, unparseable};
use crate::clock;
use crate::imap::{self, ImapSession};
use crate::report::seal::{self, ReportKey};
use crate::store::{FolderRef, JunkCursor, MAX_READ_TRIES, ReadOutcome};

impl Worker {
    /// Looks at the account's Junk folder (wire name `junk`) for mail that arrived since
    /// the last look and records the reports among it; says whether it left the watched
    /// folder (the caller selects it again). A refusal from the server is logged and the
    /// pass goes on (the next pass looks again); a lost connection or a database that
    /// cannot record fails the pass.
    pub(super) async fn look_at_junk(&self, imap: &mut ImapSession, junk: &str) -> Result<bool, WorkerError> {
        let looked = self.look_at_junk_once(imap, junk).await;
        if let Some(refused) = refusal(&looked) {
            warn!(account = %self.account.name, "cannot look at {} for mail you put there: {refused}", imap::shown(&imap::utf7::decode(junk)));
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
        let at = FolderRef { account, folder: &name, uidvalidity: status.uidvalidity };
        let windows = match feedback::plan_junk(saved, now) {
            JunkLook::Start(cursor) => {
                info!(%account, "watching {} for mail you put there, from UID {}", imap::shown(&name), cursor.uid_next);
                // Renumbered (or first seen): what was queued under another UIDVALIDITY
                // names other messages now, and would stay for ever. Dropped before the
                // cursor is saved, so a crash between the two starts again here.
                self.store.drop_other_epochs(at).await?;
                self.store.save_junk_cursor(account, &name, cursor, clock::now_unix()).await?;
                return Ok(false);
            }
            JunkLook::Read { first, to } => feedback::junk_windows(first, to.uid_next),
            JunkLook::Nothing => Vec::new(),
        };
        let queued = self.store.queued(at).await?;
        if windows.is_empty() && queued.is_empty() {
            return Ok(false);
        }
        imap.examine(junk).await?;
        self.read_reports(imap, at, queued, &windows).await.map(|()| true)
    }

    /// Reads the queued UIDs (with the first window) and Junk's new UIDs window by
    /// window, records the reports, settles the queue and saves the cursor after each
    /// window.
    async fn read_reports(
        &self,
        imap: &mut ImapSession,
        at: FolderRef<'_>,
        queued: Vec<u32>,
        windows: &[(u32, u32)],
    ) -> Result<(), WorkerError> {
        let report_key = super::reports::report_key(&self.store).await?;
        let give_up_after = self.account.unreadable_after.as_secs() as i64;
        let mut queued = Some(queued);
        // No new mail: the queue is read alone.
        let windows: Vec<Option<(u32, u32)>> =
            if windows.is_empty() { vec![None] } else { windows.iter().copied().map(Some).collect() };
        for window in windows {
            let queue = queued.take().unwrap_or_default();
            let mut uids = queue.clone();
            if let Some((start, end)) = window {
                uids.extend(start..=end);
            }
            let outcome = self.read_window(imap, at, &uids, &queue, &report_key).await?;
            let now = clock::now_unix();
            let settled = [&outcome.read, &outcome.failed, &outcome.gone];
            if settled.iter().any(|uids| !uids.is_empty()) || !outcome.unparseable.is_empty() {
                let unreadable = self.store.settle_read(at, &outcome, None, now, give_up_after).await?;
                if !unreadable.is_empty() {
                    warn!(account = %at.account, uids = ?unreadable,
                          "{}: recorded as unreadable, not as reported (not mail we can read, or refused {MAX_READ_TRIES} times: {})",
                          imap::shown(at.folder), outcome.reason);
                }
            }
            if let Some((_, end)) = window {
                let cursor = JunkCursor { uidvalidity: at.uidvalidity, uid_next: end.saturating_add(1) };
                self.store.save_junk_cursor(at.account, at.folder, cursor, now).await?;
            }
        }
        Ok(())
    }

    /// Reads `uids` of Junk (some of them `queued` from earlier looks) and records the
    /// reports among them. Returns what the read came to for the queue: the queued UIDs
    /// read or gone, and every UID still in Junk that the server did not hand over.
    async fn read_window(
        &self,
        imap: &mut ImapSession,
        at: FolderRef<'_>,
        uids: &[u32],
        queued: &[u32],
        report_key: &ReportKey,
    ) -> Result<ReadOutcome, WorkerError> {
        let (account, name) = (at.account, at.folder);
        let (headers, headers_refused) = read_headers(imap, uids).await?;
        let arrived: Vec<(u32, String)> = headers.iter().map(|(uid, h)| (*uid, key_of_header(h))).collect();
        let keys: Vec<String> = arrived.iter().map(|(_, key)| key.clone()).collect();
        let sent = self.store.sent_to_junk(account, &keys).await?;
        let to_read = feedback::to_read_among(&arrived, &sent);
        let mut fetched = imap::Fetched::default();
        if !to_read.is_empty() {
            fetched = imap.fetch(&to_read, self.account.max_message_bytes).await?;
        }
        // What did not come, a header or a whole message, and is still in Junk was not
        // read: it is no sign that nothing is there. Asked before any report is given, so
        // a refusal here leaves the window to be read again whole.
        let with_header: HashSet<u32> = arrived.iter().map(|(uid, _)| *uid).collect();
        let mut not_sent: Vec<u32> = uids
            .iter()
            .copied()
            .filter(|uid| !with_header.contains(uid))
            .chain(fetched.missing.iter().copied())
            .collect();
        not_sent.sort_unstable();
        not_sent.dedup();
        let present: HashSet<u32> = if not_sent.is_empty() {
            HashSet::new()
        } else {
            imap.existing(&not_sent).await?.into_iter().collect()
        };
        let mut outcome = outcome_of(&fetched);
        if let Some(refused) = &headers_refused {
            // The headers refused are among the failed ones: their words first, then the
            // body FETCH's, if it left some out too.
            let said = imap::shown(&refused.to_string());
            outcome.reason = if fetched.server_said.is_empty() {
                said
            } else {
                format!("{said}; {}", fetched.server_said)
            };
            outcome.counts_a_try &= !refused.is_temporary();
        }
        outcome.failed = not_sent.iter().copied().filter(|uid| present.contains(uid)).collect();
        let failed: HashSet<u32> = outcome.failed.iter().copied().collect();
        (outcome.read, outcome.gone) = queued
            .iter()
            .copied()
            .filter(|uid| !failed.contains(uid))
            .partition(|uid| with_header.contains(uid));
        if !outcome.failed.is_empty() {
            warn!(%account, uids = ?outcome.failed,
                  "{}: not read, so not recorded as reported yet; read again on the next look ({})",
                  imap::shown(name), outcome.reason);
        }
        // Scamguard's own moves (the same key and content) are no reports.
        let key_of = |uid: u32| arrived.iter().find(|(u, _)| *u == uid).map_or("", |(_, k)| k.as_str());
        fetched.messages.retain(|m| !feedback::is_ours(key_of(m.uid), &batch::content_digest(&m.raw), &sent));
        let (detector, key) = (self.detector.clone(), report_key.clone());
        let classified =
            tokio::task::spawn_blocking(move || batch::classify_all(fetched.messages, &detector, &key))
                .await
                .map_err(|e| WorkerError::Panicked(e.to_string()))?;
        // Mail that is no mail we can read (nothing but blank lines, say) gives no report,
        // but the user put it there: it is recorded unreadable in Junk, where they see it,
        // as the watched folders record theirs, never passed over without a word (the
        // cursor has moved past it).
        outcome.unparseable = unparseable(&classified);
        for message in classified {
            // Our own weekly report, dragged to Junk, is no scam to learn from.
            if seal::is_genuine(report_key, &message.raw) {
                continue;
            }
            let Some(row) = feedback::report_row(account, name, at.uidvalidity, &message) else {
                continue;
            };
            info!(%account, uid = row.uid, category = row.category.as_str(),
                  "reported: put into {} by hand or by the server's filter: {:?}", imap::shown(name), row.subject);
            feedback::give(
                &self.store,
                account,
                Some(&self.detector),
                &message.raw,
                Record::Report(Box::new(row)),
            )
            .await?;
        }
        Ok(outcome)
    }
}

/// The headers of `uids` in the selected Junk, and the server's refusal when it refused
/// to send some. A refused FETCH (NO or BAD, or an OK that left what it was for out) is
/// no sign that the messages are gone, and failing the look for it kept the cursor where
/// it was, so one message the server never hands over held up every later report. A
/// refused FETCH of several is asked again one UID at a time (a server refuses a whole
/// FETCH for one message it cannot read); those still refused, and still in Junk, go to
/// the read queue with the others not sent (the caller asks), and end `unreadable` after
/// the usual tries. A lost connection still fails the look.
async fn read_headers(
    imap: &mut ImapSession,
    uids: &[u32],
) -> Result<(Vec<(u32, Vec<u8>)>, Option<imap::ImapError>), WorkerError> {
    let mut refused = match imap.fetch_headers(uids).await {
        Ok(headers) => return Ok((headers, None)),
        Err(refused) if refused.is_refusal() => refused,
        Err(lost) => return Err(lost.into()),
    };
    let mut headers = Vec::new();
    if uids.len() > 1 {
        for uid in uids {
            match imap.fetch_headers(&[*uid]).await {
                Ok(one) => headers.extend(one),
                Err(alone) if alone.is_refusal() => refused = alone,
                Err(lost) => return Err(lost.into()),
            }
        }
    }
    Ok((headers, Some(refused)))
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
