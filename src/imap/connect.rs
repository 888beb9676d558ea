//! Opening an IMAP session: TCP, TLS (implicit or STARTTLS, certificates always
//! verified), the greeting, and login. The password or token is read here, for this
//! connection only, and never appears in an error. An `auth = "oauth2"` account logs in
//! with an access token from [`crate::oauth`], by OAUTHBEARER or XOAUTH2 ([`super::sasl`]);
//! a refused token is replaced by a fresh one once. An `[ALERT]` in the greeting or in
//! the login's answer is logged like those of later commands (see `imap::overheard`).

use std::sync::Arc;

use async_imap::Client;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::bounded::Bounded;
use super::overheard::Recording;
use super::sasl::{self, TokenResponse};
use super::{ImapError, ImapSession, command, diagnose, probe};
use crate::config::{Account, AuthMethod, OAuth, Secret, TlsMode};

/// The byte stream under a session: TLS over TCP, or plain TCP on loopback.
pub trait ImapStream: AsyncRead + AsyncWrite + Unpin + Send + Sync + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync + std::fmt::Debug> ImapStream for T {}

pub type BoxedStream = Box<dyn ImapStream>;

/// Connects and logs in to `account`, reading its secret now.
pub async fn connect(account: &Account) -> Result<ImapSession, ImapError> {
    let timeout = account.command_timeout;
    // An OAuth account's token is had after the greeting, once the mechanism is known.
    let secret = match account.oauth {
        Some(_) => None,
        None => Some(account.password.read().await.map_err(ImapError::Secret)?),
    };
    let address = format!("{}:{}", account.host, account.port);
    let tcp = tokio::time::timeout(timeout, TcpStream::connect((account.host.as_str(), account.port)))
        .await
        .map_err(|_| ImapError::Timeout("connect"))?
        .map_err(|source| ImapError::Connect { address: address.clone(), source })?;
    let _ = tcp.set_nodelay(true);

    // A response line may hold a whole message literal (at most `max_message_bytes`),
    // plus room for the response around it.
    let max_line = account.max_message_bytes as usize + 64 * 1024;
    // The greetings' alerts, told with the login's once the login is answered.
    let mut alerts = Vec::new();
    let login_answer = Recording::default();
    let stream: BoxedStream = match account.tls {
        TlsMode::Implicit => match tls_handshake(tcp, account).await {
            Ok(tls) => Box::new(Bounded::overheard(tls, max_line, &login_answer)),
            Err(error) => return Err(probe::after_failed_handshake(account, error).await),
        },
        TlsMode::Starttls => {
            let mut client = Client::new(Bounded::new(tcp, max_line));
            alerts.extend(probe::read_plain_greeting(&mut client, account).await?);
            super::count_command("STARTTLS");
            tokio::time::timeout(timeout, client.run_command_and_check_ok("STARTTLS", None))
                .await
                .map_err(|_| ImapError::Timeout("STARTTLS"))?
                .map_err(|_| ImapError::StartTlsRefused(address.clone()))?;
            let tls = tls_handshake(client.into_inner(), account).await?;
            Box::new(Bounded::overheard(tls, max_line, &login_answer))
        }
        TlsMode::None => Box::new(Bounded::overheard(tcp, max_line, &login_answer)),
    };
    let mut client = Client::new(stream);
    match account.tls {
        TlsMode::Implicit => alerts.extend(read_greeting(&mut client, timeout).await?),
        TlsMode::None => alerts.extend(probe::read_plain_greeting(&mut client, account).await?),
        TlsMode::Starttls => {}
    }
    login_answer.start();
    let session = match (&account.oauth, &secret) {
        (Some(oauth), _) => oauth_login(client, account, oauth).await,
        (None, Some(secret)) => login(client, account, secret).await,
        (None, None) => Err(ImapError::Secret(crate::config::secret::SecretError::NoPassword)),
    };
    // Also when the login is refused: an alert may say why (an account locked).
    alerts.extend(login_answer.alerts());
    command::tell(&account.name, alerts);
    ImapSession::new(session?, timeout, &account.name).await
}

/// The greeting as read (its `[ALERT]`'s text, as [`command::alert`] reads it), or why
/// there was none.
pub(super) fn greeting(
    read: Result<Option<Option<String>>, std::io::Error>,
) -> Result<Option<String>, ImapError> {
    match read {
        Err(source) => Err(ImapError::Io(source)),
        Ok(None) => Err(ImapError::Closed),
        Ok(Some(alert)) => Ok(alert),
    }
}

/// Reads the greeting within `timeout`: the text of its `[ALERT]`, if it has one.
pub(super) async fn read_greeting<T: ImapStream>(
    client: &mut Client<T>,
    timeout: std::time::Duration,
) -> Result<Option<String>, ImapError> {
    match tokio::time::timeout(timeout, client.read_response()).await {
        Err(_) => Err(ImapError::Timeout("greeting")),
        Ok(read) => greeting(read.map(|read| read.map(|data| command::alert(data.parsed())))),
    }
}

async fn login(
    client: Client<BoxedStream>,
    account: &Account,
    secret: &Secret,
) -> Result<async_imap::Session<BoxedStream>, ImapError> {
    let user = account.username.as_str();
    super::count_command("LOGIN");
    let attempt = async {
        match account.auth {
            AuthMethod::Login => client.login(user, secret.expose()).await,
            AuthMethod::Plain => {
                client.authenticate("PLAIN", SaslResponse(format!("\0{user}\0{}", secret.expose()))).await
            }
            // `OAuth2` accounts log in in `oauth_login`; never with a password.
            AuthMethod::Xoauth2 | AuthMethod::OAuth2 => {
                let response = format!("user={user}\x01auth=Bearer {}\x01\x01", secret.expose());
                client.authenticate("XOAUTH2", SaslResponse(response)).await
            }
        }
    };
    match tokio::time::timeout(account.command_timeout, attempt).await {
        Err(_) => Err(ImapError::Timeout("login")),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((error, _client))) => Err(refused_login(account, &error)),
    }
}

/// A refused login in the server's words (never anything we sent) and, for a NO or BAD,
/// what to do about it: the provider's own remedy where there is one.
fn refused_login(account: &Account, error: &async_imap::error::Error) -> ImapError {
    use async_imap::error::Error;
    let reason = match error {
        Error::No(_) | Error::Bad(_) => format!(
            "{} — {}",
            diagnose::server_words(error),
            diagnose::login_fix(&account.host, &account.name, account.auth)
        ),
        _ => diagnose::server_text(error),
    };
    ImapError::Login { user: account.username.clone(), reason }
}

/// Logs in with an OAuth access token: OAUTHBEARER or XOAUTH2 as configured or as the
/// server announces; when the server refuses the token, once more with a fresh one (it
/// may have been revoked or expired early).
async fn oauth_login(
    mut client: Client<BoxedStream>,
    account: &Account,
    oauth: &OAuth,
) -> Result<async_imap::Session<BoxedStream>, ImapError> {
    let user = account.username.as_str();
    let capabilities = match oauth.mechanism {
        crate::config::oauth::Mechanism::Auto => capabilities(&mut client, account.command_timeout).await?,
        _ => Vec::new(),
    };
    let mechanism = sasl::choose(oauth.mechanism, &capabilities).ok_or_else(|| ImapError::Login {
        user: user.to_string(),
        reason: "the server offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2 (set oauth.mechanism to \
                 try one anyway)"
            .into(),
    })?;
    let mut fresh = false;
    loop {
        let token = crate::oauth::access_token(account, oauth, fresh).await.map_err(ImapError::OAuth)?;
        let initial = sasl::initial_response(mechanism, user, &account.host, account.port, token.expose());
        let response = TokenResponse::new(mechanism, initial);
        let status = response.error_status.clone();
        super::count_command("AUTHENTICATE");
        let attempt = client.authenticate(mechanism.name(), response);
        match tokio::time::timeout(account.command_timeout, attempt).await {
            Err(_) => return Err(ImapError::Timeout("login")),
            Ok(Ok(session)) => return Ok(session),
            Ok(Err((async_imap::error::Error::No(_), back))) if !fresh => {
                tracing::debug!(account = %account.name, "imap < AUTHENTICATE NO: trying once with a fresh token");
                (client, fresh) = (back, true);
            }
            Ok(Err((error, _))) => {
                let said = status.lock().ok().and_then(|s| s.clone());
                let said = said.map(|s| format!(" (token status {s})")).unwrap_or_default();
                let reason = format!(
                    "the server refused the OAuth access token by {}{said}: {}; if this goes on, \
                     run `scamguard auth login {}`",
                    mechanism.name(),
                    diagnose::server_words(&error),
                    account.name
                );
                return Err(ImapError::Login { user: user.to_string(), reason });
            }
        }
    }
}

/// The server's capabilities before login (`CAPABILITY`), as `AUTH=NAME` and atoms.
async fn capabilities(
    client: &mut Client<BoxedStream>,
    timeout: std::time::Duration,
) -> Result<Vec<String>, ImapError> {
    use async_imap::imap_proto::{Capability, Response};
    use async_imap::types::UnsolicitedResponse;
    super::count_command("CAPABILITY");
    // async-imap hands the untagged answers of a command run on a client to this channel.
    let (sender, receiver) = async_channel::bounded(16);
    tokio::time::timeout(timeout, client.run_command_and_check_ok("CAPABILITY", Some(sender)))
        .await
        .map_err(|_| ImapError::Timeout("CAPABILITY"))?
        .map_err(|error| ImapError::Command { command: "CAPABILITY", error })?;
    let mut found = Vec::new();
    while let Ok(unsolicited) = receiver.try_recv() {
        if let UnsolicitedResponse::Other(response) = unsolicited
            && let Response::Capabilities(list) = response.parsed()
        {
            found.extend(list.iter().map(|c| match c {
                Capability::Imap4rev1 => "IMAP4rev1".to_string(),
                Capability::Auth(name) => format!("AUTH={name}"),
                Capability::Atom(atom) => atom.to_string(),
            }));
        }
    }
    Ok(found)
}

/// One SASL response, sent whatever the challenge.
struct SaslResponse(String);

impl async_imap::Authenticator for SaslResponse {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        self.0.clone()
    }
}

async fn tls_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    tcp: S,
    account: &Account,
) -> Result<tokio_rustls::client::TlsStream<S>, ImapError> {
    let config = tls_config(account)?;
    let name = ServerName::try_from(account.host.clone())
        .map_err(|_| ImapError::Tls(format!("{} is not a valid server name", account.host)))?;
    tokio::time::timeout(account.command_timeout, TlsConnector::from(Arc::new(config)).connect(name, tcp))
        .await
        .map_err(|_| ImapError::Timeout("TLS handshake"))?
        .map_err(|e| match diagnose::certificate_problem(&e) {
            Some(problem) => ImapError::Certificate {
                address: format!("{}:{}", account.host, account.port),
                fix: diagnose::certificate_fix(problem, &account.host, account.ca_file.as_deref()),
            },
            None => ImapError::Tls(format!("TLS handshake with {} failed: {e}", account.host)),
        })
}

/// Trusts the public web roots plus the account's own `ca_file`, if any.
fn tls_config(account: &Account) -> Result<ClientConfig, ImapError> {
    client_tls(account.ca_file.as_deref())
}

/// The TLS client settings every connection of an account uses (IMAP, and HTTPS to its
/// OAuth token endpoint): the public web roots plus `ca_file`, if any.
pub fn client_tls(ca_file: Option<&std::path::Path>) -> Result<ClientConfig, ImapError> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| ImapError::Tls(format!("cannot read ca_file {}: {e}", path.display())))?;
        for cert in certificates(&pem).map_err(|e| ImapError::Tls(format!("{e} in {}", path.display())))? {
            roots
                .add(cert)
                .map_err(|e| ImapError::Tls(format!("unusable certificate in {}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The certificates in a PEM file (other sections, a key beside them, are passed over):
/// at least one, and none that cannot be decoded.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("bad certificate ({e})"))?;
    if certs.is_empty() {
        return Err("no certificate found".into());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n";

    #[test]
    fn every_certificate_of_a_pem_file_is_read_and_other_sections_passed_over() {
        let pem = format!(
            "a comment\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n{KEY}\
             -----BEGIN CERTIFICATE-----\nAwQF\n-----END CERTIFICATE-----\n"
        );
        let certs = certificates(pem.as_bytes()).expect("two certificates");
        let bytes: Vec<&[u8]> = certs.iter().map(|c| c.as_ref()).collect();
        assert_eq!(bytes, [[0u8, 1, 2].as_slice(), [3u8, 4, 5].as_slice()]);
    }

    #[test]
    fn a_pem_file_without_certificates_or_with_a_broken_one_is_refused() {
        assert_eq!(certificates(KEY.as_bytes()).err().as_deref(), Some("no certificate found"));
        assert_eq!(certificates(b"not pem at all").err().as_deref(), Some("no certificate found"));
        let broken = b"-----BEGIN CERTIFICATE-----\nAAEC\n";
        assert!(certificates(broken).err().is_some_and(|e| e.starts_with("bad certificate")), "no END line");
    }
}
