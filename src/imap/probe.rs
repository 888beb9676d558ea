//! Asking a port what it speaks, when the `tls` setting did not work with it: on a
//! connection of its own, opened only after a failure (or a silence), so a working
//! connection never pays for it. What came back is read by [`Heard::of`]; a mismatch
//! becomes [`ImapError::WrongTls`], naming the `tls` value that fits.
//!
//! - [`listen`]: connect and read what the server says first. A plain IMAP port greets at
//!   once (`* OK`); a TLS port says nothing until the client's hello.
//! - [`knock`]: connect, send a TLS ClientHello, read the first bytes of the answer. A
//!   TLS port answers with a handshake record (or an alert); a plain port with nothing, or
//!   its greeting.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use async_imap::Client;

use super::ImapError;
use super::connect::ImapStream;
use super::diagnose::{self, Heard};
use crate::config::Account;

/// How long a probe waits for its answer (a loopback or a far server answers a hello
/// within a round trip).
pub const PROBE_WAIT: Duration = Duration::from_secs(2);

/// How many bytes are enough to tell (a TLS record header is 5; `* PREAUTH` is 9).
const ENOUGH: usize = 16;

/// How long a plaintext connection waits for the greeting before it asks, on a second
/// connection, whether the port speaks TLS instead (then it never greets in plain text).
/// With [`PROBE_WAIT`], a `tls` that does not fit the port is told within 5 s,
/// not after the whole `command_timeout`.
const GREETING_SILENCE: Duration = Duration::from_secs(2);

/// Reads the greeting of a connection that starts in plain text (`starttls`, `none`).
/// A server silent for [`GREETING_SILENCE`] is knocked on with a TLS hello: if it answers
/// TLS, the error names `tls = "implicit"`; otherwise it is a slow server, waited for up
/// to the command timeout.
/// Gives the text of the greeting's `[ALERT]`, if it has one.
pub async fn read_plain_greeting<T: ImapStream>(
    client: &mut Client<T>,
    account: &Account,
) -> Result<Option<String>, ImapError> {
    let silence = GREETING_SILENCE.min(account.command_timeout);
    if let Ok(read) = tokio::time::timeout(silence, client.read_response()).await {
        return super::connect::greeting(
            read.map(|read| read.map(|data| super::command::alert(data.parsed()))),
        );
    }
    let heard = knock(&account.host, account.port, PROBE_WAIT).await;
    if let Some(fix) = diagnose::tls_mismatch(account.tls, heard, account.port) {
        return Err(wrong_tls(account, fix));
    }
    super::connect::read_greeting(client, account.command_timeout.saturating_sub(silence)).await
}

/// A failed implicit-TLS handshake: if the port greets in plain text, the error says
/// which `tls` fits it; any other failure (a refused certificate) is returned as it is.
pub async fn after_failed_handshake(account: &Account, error: ImapError) -> ImapError {
    if !matches!(error, ImapError::Tls(_)) {
        return error;
    }
    let heard = listen(&account.host, account.port, PROBE_WAIT).await;
    match diagnose::tls_mismatch(account.tls, heard, account.port) {
        Some(fix) => wrong_tls(account, fix),
        None => error,
    }
}

fn wrong_tls(account: &Account, fix: String) -> ImapError {
    ImapError::WrongTls {
        address: format!("{}:{}", account.host, account.port),
        configured: account.tls.as_str(),
        fix,
    }
}

/// What `host:port` says first, unasked, within `wait`.
pub async fn listen(host: &str, port: u16, wait: Duration) -> Heard {
    let deadline = tokio::time::Instant::now() + wait;
    match tokio::time::timeout_at(deadline, TcpStream::connect((host, port))).await {
        Ok(Ok(mut tcp)) => Heard::of(&first_bytes(&mut tcp, deadline).await),
        _ => Heard::Nothing,
    }
}

/// What `host:port` answers to a TLS ClientHello, within `wait`.
pub async fn knock(host: &str, port: u16, wait: Duration) -> Heard {
    let Some(hello) = client_hello(host) else { return Heard::Nothing };
    let deadline = tokio::time::Instant::now() + wait;
    let Ok(Ok(mut tcp)) = tokio::time::timeout_at(deadline, TcpStream::connect((host, port))).await else {
        return Heard::Nothing;
    };
    if tcp.write_all(&hello).await.is_err() {
        return Heard::Nothing;
    }
    Heard::of(&first_bytes(&mut tcp, deadline).await)
}

/// The bytes that arrive before `deadline`, the connection's end, or [`ENOUGH`] of them.
async fn first_bytes(tcp: &mut TcpStream, deadline: tokio::time::Instant) -> Vec<u8> {
    let mut got = Vec::with_capacity(ENOUGH);
    let mut buffer = [0u8; ENOUGH];
    while got.len() < ENOUGH {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buffer)).await {
            Ok(Ok(read @ 1..)) => got.extend(buffer.iter().take(read.min(ENOUGH - got.len()))),
            _ => break,
        }
    }
    got
}

/// The first flight of a TLS client to `host`, as rustls would send it. Nothing here
/// is verified: the probe never goes past the server's first answer.
fn client_hello(host: &str) -> Option<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from(host.to_string())
        .ok()
        .or_else(|| rustls_pki_types::ServerName::try_from("imap.invalid").ok())?;
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    let mut hello = Vec::new();
    while connection.wants_write() {
        connection.write_tls(&mut hello).ok()?;
    }
    Some(hello)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hello_is_a_tls_handshake_record() {
        let hello = client_hello("127.0.0.1").expect("a hello");
        assert_eq!(hello.first(), Some(&22), "a handshake record");
        assert_eq!(hello.get(1), Some(&3));
        assert!(client_hello("not a name!").is_some(), "any host gets a hello");
    }

    /// A plain server greets unasked; a silent one is heard as nothing within the wait.
    #[tokio::test]
    async fn listening_hears_a_greeting_or_nothing_in_time() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        tokio::spawn(async move {
            let (mut greeted, _) = listener.accept().await.expect("accept");
            let _ = greeted.write_all(b"* OK ready\r\n").await;
            let (_silent, _) = listener.accept().await.expect("accept");
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(greeted);
        });
        assert_eq!(listen("127.0.0.1", port, PROBE_WAIT).await, Heard::Imap);
        let started = std::time::Instant::now();
        assert_eq!(listen("127.0.0.1", port, Duration::from_millis(300)).await, Heard::Nothing);
        assert!(started.elapsed() < Duration::from_secs(2), "bounded by the wait");
    }
}
