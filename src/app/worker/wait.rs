//! How a worker waits for new mail between passes: in IDLE (RFC 2177) when the server
//! offers it, else by polling (a NOOP every `poll_interval`, which lets the server tell
//! of new mail, then the next pass searches).
//!
//! Some servers list IDLE among their capabilities and then refuse it, every time (NO or
//! BAD, or a tagged OK that never lets it begin). Failing the pass there made the worker
//! reconnect every backoff period, for ever, and new mail waited for each reconnect. A
//! refusal leaves the connection usable (its tagged answer was read), so the worker polls
//! instead, for the rest of that connection, and says so once. A refused DONE, a cut or a
//! timeout still fail the pass: the connection's state is not known then.

use tracing::warn;

use super::{Worker, WorkerError};
use crate::app::metrics::metrics;
use crate::app::shutdown::Shutdown;
use crate::imap::{IdleEnd, ImapError, ImapSession};

/// How a worker waits for new mail on its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    /// In IDLE: the server tells of new mail as it comes.
    Idle,
    /// A NOOP every `poll_interval`: the server does not offer IDLE, or refused it.
    Polling,
}

impl Waiting {
    /// How to wait on a connection just made: in IDLE when the server offers it.
    pub(super) fn on(imap: &ImapSession) -> Waiting {
        if imap.has("IDLE") { Waiting::Idle } else { Waiting::Polling }
    }
}

impl Worker {
    /// Waits for new mail (or the IDLE renewal, or shutdown) the way `waiting` says; a
    /// refused IDLE turns `waiting` to polling, for the rest of this connection, and this
    /// wait polls. Returns whether shutdown was requested.
    pub(super) async fn wait_for_mail(
        &self,
        imap: &mut ImapSession,
        waiting: &mut Waiting,
        shutdown: &mut Shutdown,
    ) -> Result<bool, WorkerError> {
        if *waiting == Waiting::Idle {
            match imap.idle(self.account.idle_renew, shutdown.requested()).await {
                Ok(end) => return Ok(end == IdleEnd::Shutdown),
                Err(refused) if is_refused_idle(&refused) => {
                    *waiting = Waiting::Polling;
                    self.note_polling_instead(&refused);
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

    /// Says once, for this connection, that IDLE was refused and polling is used; the
    /// health check then expects a pass within twice the poll period, not IDLE's.
    fn note_polling_instead(&self, refused: &ImapError) {
        let every = self.account.poll_interval.as_secs();
        warn!(account = %self.account.name, folder = %self.folder,
              "{refused}; watching for new mail by polling every {every}s instead on this connection");
        let period = i64::try_from(every).unwrap_or(i64::MAX);
        metrics().watching(&self.account.name, &self.folder, period);
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
}
