//! How a worker waits for new mail between passes: in IDLE (RFC 2177) when the server
//! offers it, else by polling (a NOOP every `poll_interval`, which lets the server tell
//! of new mail, then the next pass searches).
//!
//! Some servers list IDLE among their capabilities and then refuse it, every time (NO or
//! BAD, or a tagged OK that never lets it begin). Failing the pass there made the worker
//! reconnect every backoff period, for ever, and new mail waited for each reconnect. A
//! refusal leaves the connection usable (its tagged answer was read), so the worker polls
//! instead, and says so. A refused DONE, a cut or a timeout still fail the pass: the
//! connection's state is not known then.
//!
//! Others let IDLE begin (`+ idling`) and end it at once with their tagged OK, with or
//! without an untagged line first (`* 1 RECENT`, read as news). Each such end was taken
//! for news: a pass, then IDLE again, as fast as the network allowed. An IDLE that ends
//! within [`QUICK_END`] of being sent, whatever ended it, is a quick end; after
//! [`QUICK_ENDS_BEFORE_POLLING`] in a row the worker polls on that connection, as after a
//! refusal. The count starts again only after an IDLE that lasted, or a pass that found
//! new mail (real news, which may come at any moment). A server that ends IDLE after a
//! while (some do, short of RFC 2177's 29 minutes) is idled with as before.
//!
//! Polling is not for the rest of the connection: a refusal may pass (`NO [UNAVAILABLE]`
//! while the server is busy), and a connection may last days. A worker that polls where
//! the server offers IDLE tries IDLE again once `idle_renew` has passed; an IDLE that
//! lasts [`QUICK_END`] works, and the worker says so (the log, the health check's period,
//! and `status`, which says IDLE again). A server that still refuses costs one IDLE per
//! `idle_renew` (three, if it ends them at once).

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use super::{Worker, WorkerError};
use crate::app::shutdown::Shutdown;
use crate::imap::{IdleEnd, ImapError, ImapSession};
use crate::store::WatchMode;

/// An IDLE that ends (the server's own end, or news) sooner than this after it was sent
/// is a quick end: no real server ends a wait meant to last minutes that soon, and real
/// news that soon, time after time, comes with new mail (which starts the count again).
/// An IDLE that lasts this long works (`check` idles this long to try IDLE).
pub(crate) const QUICK_END: Duration = Duration::from_secs(1);

/// Quick ends in a row after which the worker polls instead: one may be chance (the
/// server shutting the session down, say); three are how it answers IDLE.
const QUICK_ENDS_BEFORE_POLLING: u32 = 3;

/// How a worker waits for new mail on its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    /// In IDLE: the server tells of new mail as it comes. `quick_ends`: IDLEs in a row
    /// that ended at once (see [`QUICK_END`]) with no new mail found since. `again`: IDLE
    /// tried again after polling, not yet seen to work (`status` still says polling).
    Idle { quick_ends: u32, again: bool },
    /// A NOOP every `poll_interval`: the server does not offer IDLE, refused it, or ends
    /// it as soon as it begins. `idle_again_at`: when IDLE is tried again (never where
    /// the server does not offer it).
    Polling { idle_again_at: Option<Instant> },
}

impl Waiting {
    /// How to wait on a connection just made: in IDLE when the server offers it.
    pub(super) fn on(imap: &ImapSession) -> Waiting {
        if imap.has("IDLE") {
            Waiting::Idle { quick_ends: 0, again: false }
        } else {
            Waiting::Polling { idle_again_at: None }
        }
    }

    /// A pass found new mail: the quick ends before it were news, not a server that
    /// ends every IDLE at once.
    pub(super) fn found_mail(&mut self) {
        if let Waiting::Idle { quick_ends, .. } = self {
            *quick_ends = 0;
        }
    }

    /// Polling where the server offers IDLE, and `now` is the time to try it again:
    /// turns to IDLE (not yet seen to work).
    fn try_idle_again(&mut self, now: Instant) {
        if let Waiting::Polling { idle_again_at: Some(at) } = *self
            && now >= at
        {
            *self = Waiting::Idle { quick_ends: 0, again: true };
        }
    }
}

/// Whether an IDLE that ended with `end`, `lasted` after it was sent, was a quick end:
/// ended by the server, or by what it sent (news or not), that soon.
fn is_quick_end(end: IdleEnd, lasted: Duration) -> bool {
    matches!(end, IdleEnd::Ended | IdleEnd::Activity) && lasted < QUICK_END
}

impl Worker {
    /// Waits for new mail (or the IDLE renewal, or shutdown) the way `waiting` says; a
    /// refused IDLE, or the last of [`QUICK_ENDS_BEFORE_POLLING`] quick ends in a row,
    /// turns `waiting` to polling until `idle_renew` has passed, and this wait polls.
    /// Returns whether shutdown was requested.
    pub(super) async fn wait_for_mail(
        &self,
        imap: &mut ImapSession,
        waiting: &mut Waiting,
        shutdown: &mut Shutdown,
    ) -> Result<bool, WorkerError> {
        waiting.try_idle_again(Instant::now());
        if let Waiting::Idle { quick_ends, again } = waiting {
            let tried_again = *again;
            let sent = Instant::now();
            let idling = imap.idle(self.account.idle_renew, shutdown.requested());
            let ended =
                if tried_again { self.idle_until_it_works(idling, again).await } else { idling.await };
            let idle_again_at = Some(Instant::now() + self.account.idle_renew);
            match ended {
                Ok(end) if is_quick_end(end, sent.elapsed()) => {
                    *quick_ends += 1;
                    if *quick_ends < QUICK_ENDS_BEFORE_POLLING {
                        return Ok(false);
                    }
                    let why = format!(
                        "IDLE ended as soon as it began, {quick_ends} times in a row with no new mail found"
                    );
                    *waiting = Waiting::Polling { idle_again_at };
                    self.note_polling_instead(&why, tried_again).await;
                    if end == IdleEnd::Activity {
                        // What the server sent may be news: the next pass looks now.
                        return Ok(false);
                    }
                }
                Ok(end) => {
                    *quick_ends = 0;
                    return Ok(end == IdleEnd::Shutdown);
                }
                Err(refused) if is_refused_idle(&refused) => {
                    *waiting = Waiting::Polling { idle_again_at };
                    let why = crate::imap::shown(&refused.to_string());
                    self.note_polling_instead(&why, tried_again).await;
                }
                Err(broken) => return Err(broken.into()),
            }
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(self.account.poll_interval) => false,
            _ = shutdown.requested() => true,
        };
        if !stop {
            imap.noop().await?;
        }
        Ok(stop)
    }

    /// Runs `idling`, an IDLE tried again after polling: once it has lasted
    /// [`QUICK_END`] it works, and the worker says so, then (`again` cleared) waits for
    /// its end.
    async fn idle_until_it_works(
        &self,
        idling: impl Future<Output = Result<IdleEnd, ImapError>>,
        again: &mut bool,
    ) -> Result<IdleEnd, ImapError> {
        tokio::pin!(idling);
        tokio::select! {
            ended = &mut idling => ended,
            () = tokio::time::sleep(QUICK_END) => {
                *again = false;
                self.note_idle_again().await;
                idling.await
            }
        }
    }

    /// Says why IDLE is given up (`why`: the refusal, with the server's words made safe,
    /// or its quick ends) and that polling is used until IDLE is tried again; the health
    /// check then expects a pass within twice the poll period, not IDLE's, and `status`
    /// says polling (it said IDLE from the capabilities when the worker connected). A
    /// try again that fails (`tried_again`) is logged at info: the warning was given.
    async fn note_polling_instead(&self, why: &str, tried_again: bool) {
        let every = self.account.poll_interval.as_secs();
        let retry = self.account.idle_renew.as_secs();
        let (account, folder) = (&self.account.name, &self.folder);
        if tried_again {
            info!(account = %account, folder = %folder,
                  "IDLE tried again: {why}; polling every {every}s on, IDLE tried again in {retry}s");
        } else {
            warn!(account = %account, folder = %folder,
                  "{why}; watching for new mail by polling every {every}s instead on this connection, \
                   IDLE tried again in {retry}s");
        }
        self.note_mode(WatchMode::Polling).await;
    }

    /// Says that IDLE, tried again after polling, works: the log, the health check's
    /// period (IDLE's renewal again) and `status`.
    async fn note_idle_again(&self) {
        let renew = self.account.idle_renew.as_secs();
        info!(account = %self.account.name, folder = %self.folder,
              "IDLE works again; watching for new mail by IDLE (renewed every {renew}s)");
        self.note_mode(WatchMode::Idle).await;
    }
}

/// Whether the server refused IDLE itself (NO or BAD, with or without words, or a tagged
/// OK that ended it before it began), leaving the connection usable. A refused DONE (the
/// server was idling: what it did since is not known), a closed connection or a timeout
/// is no such refusal.
fn is_refused_idle(error: &ImapError) -> bool {
    matches!(
        error,
        ImapError::Refused { command: "IDLE", .. } | ImapError::Incomplete { command: "IDLE", .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refusal_of_idle_itself_turns_to_polling() {
        let refused = |command, reply| ImapError::Refused { command, reply, text: String::new() };
        assert!(is_refused_idle(&refused("IDLE", "NO")));
        assert!(is_refused_idle(&refused("IDLE", "BAD")), "a bare BAD too");
        let ended_at_once = ImapError::Incomplete { command: "IDLE", missing: "\"+\" to go ahead" };
        assert!(is_refused_idle(&ended_at_once), "an OK that never let IDLE begin");
        assert!(!is_refused_idle(&refused("DONE", "BAD")), "the server was idling: state unknown");
        assert!(!is_refused_idle(&ImapError::Closed), "a cut is no refusal");
        assert!(!is_refused_idle(&ImapError::Timeout("IDLE")));
        assert!(!is_refused_idle(&refused("NOOP", "NO")));
    }

    #[test]
    fn an_idle_ended_at_once_is_a_quick_end_whatever_ended_it() {
        let soon = Duration::from_millis(20);
        assert!(is_quick_end(IdleEnd::Ended, soon));
        assert!(!is_quick_end(IdleEnd::Ended, QUICK_END), "ended after a while: idled with again");
        assert!(is_quick_end(IdleEnd::Activity, soon), "news or not, ended at once: counted");
        assert!(!is_quick_end(IdleEnd::Activity, QUICK_END), "news after a while");
        assert!(!is_quick_end(IdleEnd::Shutdown, soon));
    }

    #[test]
    fn new_mail_found_starts_the_count_of_quick_ends_again() {
        let mut waiting = Waiting::Idle { quick_ends: 2, again: false };
        waiting.found_mail();
        assert_eq!(waiting, Waiting::Idle { quick_ends: 0, again: false });
        let mut polling = Waiting::Polling { idle_again_at: None };
        polling.found_mail();
        assert_eq!(polling, Waiting::Polling { idle_again_at: None }, "polling stays polling");
    }

    #[test]
    fn polling_tries_idle_again_when_its_time_comes_where_the_server_offers_it() {
        let now = Instant::now();
        let later = now + Duration::from_secs(600);
        let mut waiting = Waiting::Polling { idle_again_at: Some(later) };
        waiting.try_idle_again(now);
        assert_eq!(waiting, Waiting::Polling { idle_again_at: Some(later) }, "not yet");
        waiting.try_idle_again(later);
        assert_eq!(waiting, Waiting::Idle { quick_ends: 0, again: true });
        let mut no_idle = Waiting::Polling { idle_again_at: None };
        no_idle.try_idle_again(later);
        assert_eq!(no_idle, Waiting::Polling { idle_again_at: None }, "a server without IDLE is polled");
        let mut idling = Waiting::Idle { quick_ends: 1, again: false };
        idling.try_idle_again(later);
        assert_eq!(idling, Waiting::Idle { quick_ends: 1, again: false });
    }
}
