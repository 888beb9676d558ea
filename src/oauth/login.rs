//! `scamguard auth login`: the interactive flows that obtain the first refresh token.
//!
//! - Loopback (Google): a listener on `127.0.0.1:<free port>` is the redirect; the user
//!   opens the printed URL (nothing is opened for them), signs in, and the browser comes
//!   back with a code, checked against our `state`, traded with the PKCE verifier.
//! - Device code (Microsoft): the user enters the printed code at the printed address on
//!   any device; the token endpoint is polled at the interval it asks for.
//!
//! Both are bounded in time. Lines for the user go through `say`; tokens never do.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::flow::{self, Grant, Poll, Redirect};
use super::http::Http;
use super::token_file::{self, StoredToken};
use super::{OAuthError, tokens};
use crate::config::oauth::Flow;
use crate::config::{Account, OAuth};

/// How long the browser has to come back.
pub const LOOPBACK_WAIT: Duration = Duration::from_secs(300);

/// A browser sends its request at once; a connection that says nothing is dropped.
const REQUEST_WAIT: Duration = Duration::from_secs(10);

/// A request line and headers; more is not read.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Told when an answer with another `state` came back.
const IGNORED_ANSWER: &str =
    "Ignored an answer that does not belong to this sign-in (an old browser tab, or forged); still waiting…";

/// Connections served at once by the loopback listener; one more is closed unanswered.
const MAX_CONNECTIONS: usize = 16;

/// Signs `account` in with its flow and stores the refresh token.
pub async fn login(account: &Account, oauth: &OAuth, say: &mut dyn FnMut(&str)) -> Result<(), OAuthError> {
    let path = tokens::token_path(account, oauth)?;
    let http = Http::new(account.ca_file.as_deref())?;
    let grant = match oauth.flow {
        Flow::Loopback => loopback(oauth, &http, say).await?,
        Flow::Device => device(oauth, &http, say).await?,
    };
    let refresh_token = grant.refresh_token.ok_or_else(|| {
        OAuthError::Invalid(
            "the provider granted access but no refresh token; check the scopes (Microsoft needs offline_access)"
                .into(),
        )
    })?;
    token_file::save(&path, &StoredToken { refresh_token, saved_at: crate::clock::now_unix() })?;
    tokens::forget(&path).await;
    say(&format!("Signed in. The refresh token is kept in {} (mode 0600).", path.display()));
    Ok(())
}

fn endpoint_error(url: &url::Url, error: flow::EndpointError) -> OAuthError {
    OAuthError::Endpoint { url: url.to_string(), reason: error.to_string() }
}

async fn loopback(oauth: &OAuth, http: &Http, say: &mut dyn FnMut(&str)) -> Result<Grant, OAuthError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| OAuthError::Invalid(format!("cannot listen on 127.0.0.1 for the browser: {e}")))?;
    let port = listener.local_addr().map_err(|e| OAuthError::Invalid(e.to_string()))?.port();
    let redirect = format!("http://127.0.0.1:{port}/");
    let pkce = flow::Pkce::from_random(rand::random());
    let state = flow::state_from_random(rand::random());
    let url = flow::authorize_url(oauth, &redirect, &state, &pkce)
        .ok_or_else(|| OAuthError::Invalid("no authorize_url".into()))?;
    say("Open this address in a browser, on this machine, and sign in:");
    say(url.as_str());
    say(&format!("Waiting up to {} minutes for the browser to come back…", LOOPBACK_WAIT.as_secs() / 60));
    let code = tokio::time::timeout(LOOPBACK_WAIT, wait_for_code(&listener, &state, say))
        .await
        .map_err(|_| OAuthError::TimedOut(LOOPBACK_WAIT))??;
    let (status, body) =
        http.post_form(&oauth.token_url, flow::code_form(oauth, &code, &pkce, &redirect)).await?;
    flow::parse_grant(status, &body).map_err(|e| endpoint_error(&oauth.token_url, e))
}

/// Answers the browser's requests until one carries the sign-in's answer.
///
/// Each connection is served by a task of its own, so one that says nothing (a browser's
/// preconnect, a local port scanner) holds up no other; at most [`MAX_CONNECTIONS`] at a
/// time. An answer with another `state` is refused and then ignored: an old tab or a page
/// that found the port cannot end the sign-in; only our provider's answer can.
async fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    say: &mut dyn FnMut(&str),
) -> Result<String, OAuthError> {
    let (sender, mut answers) = tokio::sync::mpsc::channel::<Redirect>(MAX_CONNECTIONS);
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    let mut told = false;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                // Finished connections are reaped, so a flood of them holds no memory.
                while connections.try_join_next().is_some() {}
                // Too many at once: this one is dropped unanswered.
                let Ok(slot) = slots.clone().try_acquire_owned() else { continue };
                let (sender, state) = (sender.clone(), state.to_string());
                connections.spawn(async move {
                    answer_browser(stream, &state, &sender).await;
                    drop(slot);
                });
            }
            Some(answer) = answers.recv() => match answer {
                Redirect::Code(code) => return Ok(code),
                Redirect::Denied(reason) => return Err(OAuthError::Denied(reason)),
                // Said once: whoever sends forged answers cannot flood the terminal.
                Redirect::StateMismatch if !told => {
                    told = true;
                    say(IGNORED_ANSWER);
                }
                Redirect::StateMismatch => {}
                Redirect::Other => {}
            },
        }
    }
}

/// Reads one request (bounded in time and size), answers it, and sends what it carried to
/// `answers`: after answering the sign-in's answer (the login ends on it, and the browser
/// must hear first), before answering anything else (so what the user is told about it
/// comes before any later answer).
async fn answer_browser(
    mut stream: tokio::net::TcpStream,
    state: &str,
    answers: &tokio::sync::mpsc::Sender<Redirect>,
) {
    let Ok(Ok(line)) = tokio::time::timeout(REQUEST_WAIT, request_line(&mut stream)).await else {
        return;
    };
    let answer = flow::redirect(&line, state);
    let ends = matches!(answer, Redirect::Code(_) | Redirect::Denied(_));
    let (status, text) = match &answer {
        Redirect::Code(_) => ("200 OK", "Signed in: you can close this page and return to scamguard."),
        Redirect::Denied(_) => ("200 OK", "The sign-in was refused. See scamguard for what to do."),
        Redirect::StateMismatch => ("400 Bad Request", "This answer does not belong to this sign-in."),
        Redirect::Other => ("404 Not Found", "Not found."),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let answer = if ends {
        Some(answer)
    } else {
        let _ = answers.send(answer).await;
        None
    };
    let _ = tokio::time::timeout(REQUEST_WAIT, async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
    if let Some(answer) = answer {
        let _ = answers.send(answer).await;
    }
}

/// The first line of an HTTP request, read up to the end of its headers (bounded).
async fn request_line(stream: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST_BYTES {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(buffer.get(..read).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&head);
    Ok(text.lines().next().unwrap_or_default().to_string())
}

async fn device(oauth: &OAuth, http: &Http, say: &mut dyn FnMut(&str)) -> Result<Grant, OAuthError> {
    let device_url = oauth.device_url.as_ref().ok_or_else(|| OAuthError::Invalid("no device_url".into()))?;
    let (status, body) = http.post_form(device_url, flow::device_form(oauth)).await?;
    let code = flow::parse_device(status, &body).map_err(|e| endpoint_error(device_url, e))?;
    say(&format!("On any device, open {} and enter the code {}", code.verification_uri, code.user_code));
    say(&format!("Waiting up to {} minutes for the sign-in…", code.expires_in.div_ceil(60)));
    let poll_once = || async {
        let form = flow::device_poll_form(oauth, &code.device_code);
        let (status, body) = http.post_form(&oauth.token_url, form).await?;
        Ok(flow::poll(status, &body))
    };
    poll_until(Duration::from_secs(code.interval), Duration::from_secs(code.expires_in), poll_once)
        .await
        .map_err(|error| match error {
            OAuthError::Invalid(reason) => OAuthError::Endpoint { url: oauth.token_url.to_string(), reason },
            other => other,
        })
}

/// Polls every `interval` (five seconds more after each `slow_down`, RFC 8628 §3.5) until
/// the grant, a refusal, or the code's `life` is over.
async fn poll_until<F, Fut>(
    mut interval: Duration,
    life: Duration,
    mut poll_once: F,
) -> Result<Grant, OAuthError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Poll, OAuthError>>,
{
    let deadline = tokio::time::Instant::now() + life;
    loop {
        if tokio::time::Instant::now() + interval > deadline {
            return Err(OAuthError::Expired);
        }
        tokio::time::sleep(interval).await;
        match poll_once().await? {
            Poll::Granted(grant) => return Ok(grant),
            Poll::Pending => {}
            Poll::SlowDown => interval += Duration::from_secs(5),
            Poll::Denied(reason) => return Err(OAuthError::Denied(reason)),
            Poll::Expired => return Err(OAuthError::Expired),
            Poll::Failed(error) => return Err(OAuthError::Invalid(error.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    /// Polls answering `script` in turn; the times (seconds from the start) of each poll.
    async fn scripted(script: Vec<Poll>, interval: u64, life: u64) -> (Result<Grant, OAuthError>, Vec<u64>) {
        let start = tokio::time::Instant::now();
        let script = std::sync::Mutex::new(script.into_iter());
        let times = std::sync::Mutex::new(Vec::new());
        let result = poll_until(Duration::from_secs(interval), Duration::from_secs(life), || {
            times.lock().expect("lock").push(start.elapsed().as_secs());
            let next = script.lock().expect("lock").next().unwrap_or(Poll::Pending);
            async move { Ok(next) }
        })
        .await;
        (result, times.into_inner().expect("lock"))
    }

    fn granted() -> Poll {
        Poll::Granted(Grant { access_token: Secret::new("a".into()), refresh_token: None, expires_in: None })
    }

    #[tokio::test(start_paused = true)]
    async fn the_device_flow_polls_at_the_interval_and_slows_down_when_told() {
        let (result, times) =
            scripted(vec![Poll::Pending, Poll::SlowDown, Poll::Pending, granted()], 2, 600).await;
        assert!(result.is_ok());
        assert_eq!(times, [2, 4, 11, 18], "2 s apart, then 7 s after slow_down");
    }

    #[tokio::test(start_paused = true)]
    async fn the_device_flow_stops_when_the_code_expires_or_the_user_refuses() {
        let (result, times) = scripted(Vec::new(), 5, 20).await;
        assert!(matches!(result, Err(OAuthError::Expired)), "{result:?}");
        assert_eq!(times, [5, 10, 15, 20], "never past the code's life");
        let (result, _) = scripted(vec![Poll::Pending, Poll::Denied(Some("no".into()))], 1, 60).await;
        assert!(matches!(result, Err(OAuthError::Denied(Some(ref r))) if r == "no"), "{result:?}");
        let (result, _) = scripted(vec![Poll::Expired], 1, 60).await;
        assert!(matches!(result, Err(OAuthError::Expired)), "{result:?}");
    }
}
