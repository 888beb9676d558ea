//! The acting half of a worker: sending planned moves and flags to the server, recording
//! what became of each, and finishing what an interrupted run left planned. Every action
//! is in the store as planned before it is sent, so a crash or a refusal leaves rows that
//! say what is still to do, and nothing is done twice.

use std::collections::BTreeMap;
use std::collections::HashSet;

use tracing::{info, warn};

use super::locate::{Finder, Recorded};
use super::worker::{Worker, WorkerError};
use crate::clock;
use crate::imap::{self, ImapSession, MoveMethod};
use crate::store::{Action, Pending};

/// A planned action: the detection's id and the message's UID.
pub(super) type Planned = (i64, u32);

/// Moves and flags recorded as planned and not yet sent to the server.
#[derive(Debug, Default)]
pub(super) struct PlannedActions {
    pub moves: Vec<Planned>,
    pub flags: Vec<Planned>,
    /// How many batches planned them.
    pub batches: usize,
    /// When the messages arrived on the server (INTERNALDATE, Unix seconds) by UID, for
    /// the ones that arrived while scamguard watched: their arrival-to-move latency is
    /// counted (see `metrics`).
    pub arrived: BTreeMap<u32, i64>,
}

impl PlannedActions {
    pub fn extend(&mut self, more: PlannedActions) {
        self.moves.extend(more.moves);
        self.flags.extend(more.flags);
        self.batches += more.batches;
        self.arrived.extend(more.arrived);
    }
}
impl Worker {
    /// Sends planned moves and flags to the server. Messages that vanished since the
    /// fetch (another client moved or deleted them) are recorded as gone, never acted on.
    /// When one vanishes in the instant between that check and the move (the server
    /// refuses the move with `EXPUNGEISSUED`), what is planned is settled at once the way
    /// a restart would: [`Worker::reconcile`] sees the expunge, moves what is still there
    /// and looks in Junk for the rest.
    pub(super) async fn act(
        &self,
        imap: &mut ImapSession,
        planned: PlannedActions,
        uidvalidity: u32,
        junk: &str,
    ) -> Result<(), WorkerError> {
        if !planned.moves.is_empty() || !planned.flags.is_empty() {
            self.check_lease().await?;
        }
        match self.move_planned(imap, &planned.moves, junk, &planned.arrived).await {
            Err(WorkerError::Imap(refused)) if refused.is_expunge_issued() => {
                info!(account = %self.account.name, folder = %self.folder, "another client took mail away during the move; settling what was planned");
                self.reconcile(imap, uidvalidity, junk).await?;
            }
            moved => moved?,
        }
        self.flag_planned(imap, &planned.flags).await
    }

    /// Moves planned threats that are still in the folder and records the outcome; the
    /// ones another client removed meanwhile are recorded as gone. Should a message vanish
    /// in the instant between the check and the move, the move fails, the rows stay
    /// planned, and the reconnect's [`Worker::reconcile`] settles them. Without MOVE the
    /// copy is recorded (`copy-made`) before the originals are taken out, so a refused
    /// STORE or EXPUNGE leaves a row that says so, and the next pass finishes the removal
    /// without a second copy.
    async fn move_planned(
        &self,
        imap: &mut ImapSession,
        planned: &[Planned],
        junk: &str,
        arrived: &BTreeMap<u32, i64>,
    ) -> Result<(), WorkerError> {
        if planned.is_empty() {
            return Ok(());
        }
        let method = imap.move_method();
        let here = self.still_present(imap, planned, method != MoveMethod::Move).await?;
        if here.is_empty() {
            return Ok(());
        }
        if method == MoveMethod::Move {
            imap.move_uids(&uids(&here), junk).await?;
            return self.record_moved(&here, Action::Moved, junk, arrived).await;
        }
        imap.copy_uids(&uids(&here), junk).await?;
        self.store
            .finish(&ids(&here), Action::CopyMade, &imap::utf7::decode(junk), clock::now_unix())
            .await?;
        self.remove_copied(imap, &here, method, junk, arrived).await
    }

    /// Takes the originals of copies already made out of the folder, and records it.
    async fn remove_copied(
        &self,
        imap: &mut ImapSession,
        copied: &[Planned],
        method: MoveMethod,
        junk: &str,
        arrived: &BTreeMap<u32, i64>,
    ) -> Result<(), WorkerError> {
        if copied.is_empty() {
            return Ok(());
        }
        imap.remove_copied(&uids(copied), method).await?;
        let action = if method == MoveMethod::CopyFlag {
            warn!(account = %self.account.name, "server has neither MOVE nor UIDPLUS: copied to {} and marked \\Deleted; the originals go when your mail client expunges", imap::utf7::decode(junk));
            Action::Copied
        } else {
            Action::Moved
        };
        self.record_moved(copied, action, junk, arrived).await
    }

    /// Records threats as taken to Junk (`action`: moved, or copied where the originals
    /// wait for the user's client to expunge them), says so, and counts them (with their
    /// arrival-to-move latency where `arrived` has their arrival; moves finished on
    /// reconnecting have none).
    async fn record_moved(
        &self,
        done: &[Planned],
        action: Action,
        junk: &str,
        arrived: &BTreeMap<u32, i64>,
    ) -> Result<(), WorkerError> {
        let destination = imap::utf7::decode(junk);
        let now = clock::now_unix();
        self.store.finish(&ids(done), action, &destination, now).await?;
        super::metrics::metrics().moved(done.len(), &latencies(done, arrived, now));
        info!(account = %self.account.name, folder = %self.folder, "{action} {} threats to {destination}", done.len());
        Ok(())
    }

    async fn flag_planned(&self, imap: &mut ImapSession, flags: &[Planned]) -> Result<(), WorkerError> {
        let Some(keyword) = &self.account.suspicious_keyword else { return Ok(()) };
        if flags.is_empty() {
            return Ok(());
        }
        let here = self.still_present(imap, flags, false).await?;
        imap.add_keyword(&uids(&here), keyword).await?;
        self.store.finish(&ids(&here), Action::Flagged, keyword, clock::now_unix()).await?;
        Ok(())
    }

    /// The planned actions whose messages are still in the folder (with `to_copy`, and not
    /// flagged `\Deleted`: a copy made already by another worker leaves its original so
    /// until an expunge); the others (another client moved or deleted them since the
    /// fetch) are recorded as gone, never acted on.
    ///
    /// The lease is checked last, after the server answered and right before anything is
    /// recorded or sent: a worker that stalled here while another took the account over
    /// (and moved these) fails, and one that passes has `store::LEASE_MARGIN` to send its
    /// command before any other worker may hold the account.
    async fn still_present(
        &self,
        imap: &mut ImapSession,
        planned: &[Planned],
        to_copy: bool,
    ) -> Result<Vec<Planned>, WorkerError> {
        let wanted = uids(planned);
        let found = if to_copy { imap.undeleted(&wanted).await? } else { imap.existing(&wanted).await? };
        let present: HashSet<u32> = found.into_iter().collect();
        self.check_lease().await?;
        let (here, gone): (Vec<Planned>, Vec<Planned>) =
            planned.iter().copied().partition(|(_, uid)| present.contains(uid));
        self.store.finish(&ids(&gone), Action::Gone, "", clock::now_unix()).await?;
        Ok(here)
    }

    /// Finishes what an interrupted run planned: messages still in the folder are moved
    /// (or flagged) now; those already in Junk (found by exact Message-ID, or by header
    /// digest when they have none) are recorded as moved; the rest as gone. Nothing is
    /// ever moved twice.
    pub(super) async fn reconcile(
        &self,
        imap: &mut ImapSession,
        uidvalidity: u32,
        junk: &str,
    ) -> Result<(), WorkerError> {
        let pending = self.store.pending(&self.account.name, &self.folder).await?;
        if pending.is_empty() {
            return Ok(());
        }
        self.check_lease().await?;
        info!(account = %self.account.name, folder = %self.folder, "finishing {} actions an earlier run left open", pending.len());
        let same_epoch: Vec<u32> =
            pending.iter().filter(|p| p.uidvalidity == uidvalidity).map(|p| p.uid).collect();
        let present: HashSet<u32> = imap.existing(&same_epoch).await?.into_iter().collect();
        let is_here = |p: &&Pending| p.uidvalidity == uidvalidity && present.contains(&p.uid);
        let (here, absent): (Vec<&Pending>, Vec<&Pending>) = pending.iter().partition(is_here);
        let planned = |action: Action| here.iter().copied().filter(move |p| p.action == action);
        let mut to_move: Vec<&Pending> = planned(Action::Planned).collect();
        let mut copied: Vec<&Pending> = planned(Action::CopyMade).collect();
        let flags: Vec<Planned> = planned(Action::FlagPlanned).map(|p| (p.id, p.uid)).collect();

        // Without MOVE, a planned threat still here may have been copied already: the run
        // died, or the answer to its COPY was lost, before the copy was recorded. Copying
        // it again would put it in Junk twice, so Junk is looked in first.
        let method = imap.move_method();
        let look_for_copies = method != MoveMethod::Move && !to_move.is_empty();
        if !absent.is_empty() || look_for_copies {
            // Found in Junk by exact key, or by header digest when there is no Message-ID
            // (read from Junk's newest headers, once for all of them).
            let status = imap.select(junk).await?;
            let mut finder = Finder::new(status.exists, self.account.max_message_bytes, pending.len());
            if look_for_copies {
                let mut not_copied = Vec::new();
                for p in to_move {
                    match self.in_junk(imap, &mut finder, p, junk).await? {
                        Some(false) => not_copied.push(p),
                        Some(true) => copied.push(p),
                        // Not known: left planned, neither copied nor removed.
                        None => {}
                    }
                }
                to_move = not_copied;
            }
            let now = clock::now_unix();
            for p in absent {
                // A copy made before the crash is in Junk by construction.
                let in_junk = if p.action == Action::CopyMade {
                    true
                } else if p.action != Action::Planned {
                    false
                } else {
                    match self.in_junk(imap, &mut finder, p, junk).await? {
                        Some(found) => found,
                        // Not known: left planned, never recorded gone.
                        None => continue,
                    }
                };
                let (action, destination) = if in_junk {
                    (Action::Moved, imap::utf7::decode(junk))
                } else {
                    (Action::Gone, String::new())
                };
                self.store.finish(&[p.id], action, &destination, now).await?;
            }
            // Back from Junk: the UIDs below are the ones read under `uidvalidity`, and
            // name other messages if the folder was renumbered meanwhile.
            let back = imap.select(&self.wire_folder()).await?;
            same_numbering(&self.folder, uidvalidity, back)?;
        }
        let as_planned =
            |rows: Vec<&Pending>| -> Vec<Planned> { rows.iter().map(|p| (p.id, p.uid)).collect() };
        self.move_planned(imap, &as_planned(to_move), junk, &BTreeMap::new()).await?;
        self.flag_planned(imap, &flags).await?;
        self.remove_copied(imap, &as_planned(copied), method, junk, &BTreeMap::new()).await?;
        Ok(())
    }

    /// Whether the pending row `p` is in Junk (selected, `finder` reading it); `None` when
    /// the server would not say: it left a candidate out of its answer, sent one without
    /// its parts, or answered the search OK without its SEARCH line
    /// (`ImapError::is_incomplete`). That row is left pending, logged with the server's
    /// words, and looked for again on the next pass: failing the pass instead would stop
    /// the whole folder on every connection (reconcile runs before new mail is read) for
    /// one message the server never hands over. A NO or BAD to the FETCH or SEARCH
    /// itself, or a lost connection, still fails the pass.
    async fn in_junk(
        &self,
        imap: &mut ImapSession,
        finder: &mut Finder,
        p: &Pending,
        junk: &str,
    ) -> Result<Option<bool>, WorkerError> {
        match finder.find(imap, recorded(p)).await {
            Ok(found) => Ok(Some(!found.is_empty())),
            Err(unknown) if unknown.is_incomplete() => {
                let said = imap::shown(&unknown.to_string());
                warn!(account = %self.account.name, folder = %self.folder, uid = p.uid,
                      "cannot tell whether this threat is in {} already, so it is left as planned and looked for again on the next pass: {said}",
                      imap::shown(&imap::utf7::decode(junk)));
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// The folder opened again (`now`) is numbered as when the pass began (`began`, its
/// UIDVALIDITY then). If not, its UIDs name other messages now: acting on the old ones
/// would move or flag unrelated mail, so the pass ends and the next reads the folder anew.
pub(super) fn same_numbering(folder: &str, began: u32, now: imap::FolderStatus) -> Result<(), WorkerError> {
    if now.uidvalidity == began { Ok(()) } else { Err(WorkerError::Renumbered(folder.to_string())) }
}

/// Seconds from arrival to `now` of the `done` messages whose arrival is known (a clock
/// that stepped back counts as no wait).
fn latencies(done: &[Planned], arrived: &BTreeMap<u32, i64>, now: i64) -> Vec<f64> {
    done.iter().filter_map(|(_, uid)| arrived.get(uid)).map(|at| (now - at).max(0) as f64).collect()
}

/// The UIDs of planned actions, for the server.
fn uids(planned: &[Planned]) -> Vec<u32> {
    planned.iter().map(|(_, uid)| *uid).collect()
}

/// The detection ids of planned actions, for the store.
fn ids(planned: &[Planned]) -> Vec<i64> {
    planned.iter().map(|(id, _)| *id).collect()
}

/// What a pending row says about its message, to find it again.
fn recorded(p: &Pending) -> Recorded<'_> {
    Recorded { message_id: &p.message_id, key: &p.message_key, digest: &p.digest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_batch(id: i64, uid: u32) -> PlannedActions {
        PlannedActions {
            moves: vec![(id, uid)],
            flags: vec![(id + 100, uid + 100)],
            batches: 1,
            arrived: BTreeMap::from([(uid, 1_700_000_000)]),
        }
    }

    /// The worker acts every few batches (`act_due` counts them): batches gathered add up,
    /// or a long first scan would move nothing until its end.
    #[test]
    fn planned_actions_gathered_from_batches_add_up() {
        let mut planned = PlannedActions::default();
        planned.extend(one_batch(1, 10));
        planned.extend(one_batch(2, 20));
        planned.extend(one_batch(3, 30));
        assert_eq!(planned.batches, 3);
        assert_eq!(planned.moves, [(1, 10), (2, 20), (3, 30)]);
        assert_eq!(planned.flags, [(101, 110), (102, 120), (103, 130)]);
        assert_eq!(planned.arrived.keys().copied().collect::<Vec<_>>(), [10, 20, 30]);
    }

    #[test]
    fn a_folder_opened_again_under_another_uidvalidity_is_renumbered() {
        let opened = |uidvalidity| imap::FolderStatus { uidvalidity, uid_next: 4, exists: 3 };
        assert!(same_numbering("INBOX", 7, opened(7)).is_ok());
        let renumbered = same_numbering("INBOX", 7, opened(8));
        assert!(matches!(renumbered, Err(WorkerError::Renumbered(ref f)) if f == "INBOX"), "{renumbered:?}");
    }

    /// Arrival-to-move latency: only for messages whose arrival is known, never negative.
    #[test]
    fn latency_is_counted_from_arrival_for_the_messages_that_have_one() {
        let arrived = BTreeMap::from([(10, 1_000), (20, 1_090), (30, 2_000)]);
        let done = [(1, 10), (2, 20), (3, 30), (4, 40)];
        assert_eq!(latencies(&done, &arrived, 1_100), [100.0, 10.0, 0.0]);
    }
}
