//! IDLE (RFC 2177), its answers read here rather than by async-imap. Its `init` unwraps
//! the text of a BAD answering IDLE, so a bare `A1 BAD` panicked the worker (and the
//! account's watching ended with it); it also takes a NO for unsolicited news and waits
//! for a continuation that never comes. Here every answer to IDLE is one of three: the
//! continuation (the wait begins), a refusal carrying the server's words (a tagged OK
//! with no continuation counts as one: IDLE never began, and idling again at once would
//! loop), or a closed connection. A refusal leaves the connection usable: the worker then
//! watches the folder by polling on it (see `app::worker::wait`), so mail that comes is
//! still moved, without reconnecting.

use std::future::Future;
use std::time::Duration;

use async_imap::imap_proto::{RequestId, Response, Status};

use super::connect::BoxedStream;
use super::session::IdleEnd;
use super::{ImapError, command};

type Session = async_imap::Session<BoxedStream>;

/// IDLE begun: the continuation came and the server is idling. `changed`: news of the
/// folder (an `EXISTS`) came before it, so the wait ends at once.
struct Started {
    tag: RequestId,
    changed: bool,
}

/// Idles until the server reports a change, `renew` passes, or `stop` resolves, then
/// leaves IDLE (DONE) and reads its answer. The start and the DONE are each bounded by
/// `timeout`; the wait by `renew`, on our clock (a server's keepalives such as
/// `* OK Still here` never extend it). The text of every `[ALERT]` read goes to `alerts`.
pub(super) async fn idle(
    session: &mut Session,
    timeout: Duration,
    renew: Duration,
    stop: impl Future<Output = ()>,
    alerts: &mut Vec<String>,
) -> Result<IdleEnd, ImapError> {
    super::count_command("IDLE");
    let started = tokio::time::timeout(timeout, start(session, alerts))
        .await
        .map_err(|_| ImapError::Timeout("IDLE"))??;
    let (tag, end) = match started {
        Started { tag, changed: true } => (tag, IdleEnd::Activity),
        Started { tag, changed: false } => match wait(session, &tag, renew, stop, alerts).await? {
            Some(end) => (tag, end),
            // The server ended IDLE itself (tagged OK): there is nothing to leave.
            None => return Ok(IdleEnd::Ended),
        },
    };
    super::count_command("DONE");
    let leaving = async {
        session
            .run_command_untagged("DONE")
            .await
            .map_err(|error| ImapError::Command { command: "DONE", error })?;
        // News that comes with DONE's answer is not kept: the caller searches after
        // every wait.
        command::answer(session, "DONE", &tag, alerts, |_| {}).await
    };
    tokio::time::timeout(timeout, leaving).await.map_err(|_| ImapError::Timeout("DONE"))??;
    Ok(end)
}

/// Sends IDLE and reads up to its continuation, or to the tagged line that ends it.
async fn start(session: &mut Session, alerts: &mut Vec<String>) -> Result<Started, ImapError> {
    let tag =
        session.run_command("IDLE").await.map_err(|error| ImapError::Command { command: "IDLE", error })?;
    let mut changed = false;
    loop {
        let Some(response) = session.read_response().await.map_err(command::unread("IDLE"))? else {
            return Err(ImapError::Closed);
        };
        alerts.extend(command::alert(response.parsed()));
        match response.parsed() {
            Response::Continue { .. } => return Ok(Started { tag, changed }),
            Response::Done { tag: done, status, outcome } if *done == tag => {
                command::checked_status("IDLE", status, outcome.information.as_deref())?;
                return Err(ImapError::Incomplete {
                    command: "IDLE",
                    missing: "\"+\" to go ahead: it ended IDLE at once",
                });
            }
            Response::Data { status: Status::Bye, .. } => return Err(ImapError::Closed),
            // New mail announced between the last search and IDLE would otherwise wait
            // for the next event, forever on a quiet mailbox.
            Response::MailboxData(async_imap::imap_proto::MailboxDatum::Exists(_)) => changed = true,
            _ => {}
        }
    }
}

/// Waits in IDLE for news of the folder; `None` when the server ended IDLE itself.
async fn wait(
    session: &mut Session,
    tag: &RequestId,
    renew: Duration,
    stop: impl Future<Output = ()>,
    alerts: &mut Vec<String>,
) -> Result<Option<IdleEnd>, ImapError> {
    let renewal = tokio::time::sleep(renew);
    tokio::pin!(renewal, stop);
    loop {
        tokio::select! {
            // Reading is cancel-safe: a response read in part stays in the stream's buffer.
            read = session.read_response() => {
                let Some(response) = read.map_err(command::unread("IDLE"))? else {
                    return Err(ImapError::Closed);
                };
                alerts.extend(command::alert(response.parsed()));
                match response.parsed() {
                    // Keepalives say nothing of the folder.
                    Response::Data { status: Status::Ok, .. } | Response::Continue { .. } => {}
                    Response::Data { status: Status::Bye, .. } => return Err(ImapError::Closed),
                    Response::Done { tag: done, status, outcome } if done == tag => {
                        command::checked_status("IDLE", status, outcome.information.as_deref())?;
                        return Ok(None);
                    }
                    _ => return Ok(Some(IdleEnd::Activity)),
                }
            }
            _ = &mut renewal => return Ok(Some(IdleEnd::Renew)),
            _ = &mut stop => return Ok(Some(IdleEnd::Shutdown)),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

    use super::*;

    /// A session logged in to a scripted server: after LOGIN (A0001), it answers each line
    /// the client sends with the next of `answers` (raw, tags included), then hangs up at
    /// the next line.
    async fn scripted(answers: &'static [&'static str]) -> Session {
        let (client, server) = tokio::io::duplex(4096);
        tokio::spawn(serve(server, answers));
        let stream: BoxedStream = Box::new(client);
        let mut client = async_imap::Client::new(stream);
        client.read_response().await.expect("greeting");
        client.login("alice", "secret").await.map_err(|(e, _)| e).expect("login")
    }

    async fn serve(server: DuplexStream, answers: &'static [&'static str]) {
        let (read, mut write) = tokio::io::split(server);
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"* OK ready\r\n").await.expect("greet");
        let login = lines.next_line().await.expect("read").expect("LOGIN");
        let tag = login.split(' ').next().unwrap_or_default().to_string();
        write.write_all(format!("{tag} OK logged in\r\n").as_bytes()).await.expect("answer");
        for answer in answers {
            if lines.next_line().await.ok().flatten().is_none() {
                return;
            }
            write.write_all(answer.as_bytes()).await.expect("answer");
        }
        // Hang up when the next line comes (or the client goes): what was written is
        // still read before the end of the stream.
        let _ = lines.next_line().await;
        let _ = write.shutdown().await;
    }

    async fn idle_once(answers: &'static [&'static str]) -> Result<IdleEnd, ImapError> {
        let mut session = scripted(answers).await;
        let second = Duration::from_secs(1);
        idle(&mut session, second, Duration::from_secs(5), std::future::pending(), &mut Vec::new()).await
    }

    #[tokio::test]
    async fn a_refused_idle_is_a_refusal_with_the_servers_words_whatever_it_says() {
        // async-imap panicked on the first (a BAD without text) and waited for ever on
        // the second.
        let over = idle_once(&["A0002 OK idle done\r\n"]).await;
        assert!(matches!(over, Err(ImapError::Incomplete { command: "IDLE", .. })), "{over:?}");
        let bare = idle_once(&["A0002 BAD\r\n"]).await;
        assert!(matches!(bare, Err(ImapError::Refused { command: "IDLE", reply: "BAD", .. })), "{bare:?}");
        let no = idle_once(&["A0002 NO [UNAVAILABLE] not now\r\n"]).await.expect_err("refused");
        assert!(no.to_string().contains("not now"), "{no}");
        assert!(no.is_refusal());
    }

    #[tokio::test]
    async fn news_ends_the_wait_and_done_is_answered() {
        let end = idle_once(&["+ idling\r\n* OK Still here\r\n* 4 EXISTS\r\n", "A0002 OK done\r\n"]).await;
        assert_eq!(end.expect("idled"), IdleEnd::Activity);
        let early = idle_once(&["* 3 EXISTS\r\n+ idling\r\n", "A0002 OK done\r\n"]).await;
        assert_eq!(early.expect("idled"), IdleEnd::Activity, "news before the continuation counts");
        let ended = idle_once(&["+ idling\r\nA0002 OK idle over\r\n"]).await;
        assert_eq!(ended.expect("idled"), IdleEnd::Ended, "the server ended it, with no news and no DONE");
        let refused_done = idle_once(&["+ idling\r\n* 4 EXISTS\r\n", "A0002 BAD\r\n"]).await;
        assert!(matches!(refused_done, Err(ImapError::Refused { command: "DONE", .. })), "{refused_done:?}");
    }

    #[tokio::test]
    async fn a_server_that_hangs_up_instead_of_answering_idle_closed_the_connection() {
        let cut = idle_once(&[]).await;
        assert!(matches!(cut, Err(ImapError::Closed)), "{cut:?}");
        let bye = idle_once(&["* BYE going away\r\n"]).await;
        assert!(matches!(bye, Err(ImapError::Closed)), "{bye:?}");
    }
}
