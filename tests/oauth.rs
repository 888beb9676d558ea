//! OAuth 2 built in, end to end: `auth login` against a mock provider on 127.0.0.1 (the
//! test plays the browser, or approves the device code), then `run --once` logs in to a
//! Dovecot whose `oauth2` passdb validates the token at the mock, and moves a scam. A
//! refused access token is replaced once; a revoked refresh token gives the way out; the
//! token file is 0600 and no token reaches the debug log.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use super::service::{THREATS, contents, fixture, load, mailbox, message_id};
use super::support::dovecot::{Dovecot, Options};
use super::support::oauth::{CLIENT_ID, MockProvider};
use super::support::scamguard;

/// A Dovecot that takes tokens validated at `mock`, with a scam in INBOX.
pub(super) async fn server(mock: &MockProvider) -> (Dovecot, PathBuf) {
    let dovecot = Dovecot::start(Options { oauth2: Some(mock.dovecot_passdb()), ..Options::default() });
    let password_config = dovecot.write_config("");
    let mut session = mailbox(&load(&password_config)).await;
    session.append("INBOX", None, &fixture(THREATS[0])).await.expect("append");
    session.logout().await;
    (dovecot, password_config)
}

/// A configuration for the same server whose account signs in with OAuth 2 at `mock`.
pub(super) fn oauth_config(dovecot: &Dovecot, mock: &MockProvider, provider: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(dovecot.dir().join("scamguard.toml")).expect("config");
    let text = text.replace("password_file = \"password.txt\"\n", "auth = \"oauth2\"\n");
    let base = &mock.base;
    let text = format!(
        "{text}\n[accounts.oauth]\nprovider = \"{provider}\"\nclient_id = \"{CLIENT_ID}\"\n\
         authorize_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\ndevice_url = \"{base}/device\"\n{extra}"
    );
    let path = dovecot.dir().join("oauth.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

pub(super) fn token_file(dovecot: &Dovecot) -> PathBuf {
    dovecot.dir().join("scamguard.db.oauth-test.json")
}

/// Waits for `child` at most `limit`, killing it after; its output.
fn finish(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// Starts `auth login`, hands each line it prints to `on_line` until it returns true.
pub(super) fn login(config: &Path, mut on_line: impl FnMut(&str) -> bool) -> (Output, Vec<String>) {
    let mut child = scamguard()
        .args(["auth", "login", "test", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("auth login starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) else { continue };
        seen.push(line.clone());
        if on_line(&line) {
            break;
        }
    }
    let output = finish(child, Duration::from_secs(30));
    seen.extend(lines.try_iter());
    (output, seen)
}

/// `run --once` with the debug log on; its output.
fn run_once(config: &Path) -> Output {
    let child = scamguard()
        .args(["run", "--once", "--config"])
        .arg(config)
        .env("RUST_LOG", "scamguard=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    finish(child, Duration::from_secs(60))
}

/// A Google account at a mock provider, on a Dovecot that validates its tokens there.
pub(super) struct Google {
    pub mock: MockProvider,
    pub dovecot: Dovecot,
    /// The same account, logging in with its password.
    pub password_config: PathBuf,
    /// The account with `auth = "oauth2"`.
    pub config: PathBuf,
    /// How the address `auth login` prints for the browser begins.
    pub authorize: String,
}

impl Google {
    pub(super) async fn start() -> Google {
        let mock = MockProvider::start();
        let (dovecot, password_config) = server(&mock).await;
        let config = oauth_config(&dovecot, &mock, "google", "");
        let authorize = format!("{}/authorize?", mock.base);
        Google { mock, dovecot, password_config, config, authorize }
    }
}

/// The browser: opens `url` (on a thread of its own, the caller being inside a runtime)
/// and follows the redirects; the page it ends on.
pub(super) fn browse(url: &str) -> Option<String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
            let tls = scamguard::imap::connect::client_tls(None).expect("tls");
            let browser = reqwest::Client::builder().use_preconfigured_tls(tls).build().expect("client");
            runtime.block_on(async { browser.get(url).send().await.ok()?.text().await.ok() })
        })
        .join()
        .expect("browser thread")
    })
}

pub(super) fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn gmail_login_then_run_and_a_revoked_token() {
    let Google { mock, dovecot, password_config, config, authorize } = Google::start().await;
    // The browser: open the printed address; the mock approves and redirects to scamguard.
    let mut browsed = None;
    let (output, lines) = login(&config, |line| {
        if line.starts_with(&authorize) {
            browsed = Some(browse(line).expect("browse"));
            return true;
        }
        false
    });
    assert!(output.status.success(), "{lines:?}{}", text(&output));
    assert!(browsed.as_deref().is_some_and(|page| page.contains("Signed in")), "{browsed:?}");
    let file = token_file(&dovecot);
    let mode = std::fs::metadata(&file).expect("token file written").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the token file is private");

    let run = run_once(&config);
    let log = text(&run);
    assert!(run.status.success(), "{log}\n{}", dovecot.log());
    let mut session = mailbox(&load(&password_config)).await;
    let scam = message_id(&fixture(THREATS[0]));
    assert!(contents(&mut session, "Junk").await.contains_key(&scam), "moved with the token: {log}");
    assert!(dovecot.log().contains("method=OAUTHBEARER"), "OAUTHBEARER preferred: {}", dovecot.log());
    assert!(log.contains("imap > AUTHENTICATE"), "the debug log shows the IMAP steps: {log}");
    let stored = std::fs::read_to_string(&file).expect("token file");
    for token in mock.issued() {
        assert!(!log.contains(&token), "a token reached the log: {log}");
        assert!(!lines.iter().any(|l| l.contains(&token)), "a token was printed: {lines:?}");
    }
    assert!(mock.issued().iter().any(|t| stored.contains(t)), "the refresh token was stored");
    // The run's refresh rotated the token: only the stored new one is still honoured.
    let status =
        scamguard().args(["auth", "status", "test", "--config"]).arg(&config).output().expect("status");
    assert!(status.status.success() && text(&status).contains("honours it"), "{}", text(&status));
    assert!(!mock.issued().iter().any(|t| text(&status).contains(t)), "status prints no token");

    // The user revokes scamguard's access: the run fails and says what to do.
    mock.revoke_refresh_tokens();
    let run = run_once(&config);
    let log = text(&run);
    assert!(!run.status.success(), "{log}");
    assert!(log.contains("run `scamguard auth login test`") && log.contains("invalid_grant"), "{log}");
    let status =
        scamguard().args(["auth", "status", "test", "--config"]).arg(&config).output().expect("status");
    assert!(!status.status.success() && text(&status).contains("does not honour"), "{}", text(&status));

    // Logout removes the file; the next run says to log in.
    let logout =
        scamguard().args(["auth", "logout", "test", "--config"]).arg(&config).output().expect("logout");
    assert!(logout.status.success() && !file.exists(), "{}", text(&logout));
    let log = text(&run_once(&config));
    assert!(log.contains("has no OAuth token stored") && log.contains("auth login test"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn device_login_then_a_refused_token_is_replaced_once() {
    let mock = MockProvider::start();
    let (dovecot, _) = server(&mock).await;
    let config = oauth_config(&dovecot, &mock, "microsoft", "mechanism = \"xoauth2\"\n");

    // The user enters the printed code at the provider: the test approves it at the mock.
    let (output, lines) = login(&config, |line| {
        if let Some(code) = line.split("enter the code ").nth(1) {
            mock.approve(code.trim());
            return true;
        }
        false
    });
    assert!(output.status.success(), "{lines:?}{}", text(&output));
    assert!(lines.iter().any(|l| l.contains("https://microsoft.com/devicelogin")), "{lines:?}");

    let account = load(&config).accounts.into_iter().next().expect("account");
    let first = scamguard::imap::connect(&account).await.expect("logs in with a fresh token");
    first.logout().await;
    assert_eq!(mock.refresh_grants(), 1);
    let cached = scamguard::imap::connect(&account).await.expect("logs in with the cached token");
    cached.logout().await;
    assert_eq!(mock.refresh_grants(), 1, "the cached access token was used");

    // The server stops honouring the access token (it expired early): one fresh token.
    mock.expire_access_tokens();
    let again = scamguard::imap::connect(&account).await.expect("logs in after a refresh");
    again.logout().await;
    assert_eq!(mock.refresh_grants(), 2, "refreshed once after the refusal");
    assert!(dovecot.log().contains("method=XOAUTH2"), "the configured mechanism: {}", dovecot.log());
    assert!(mock.introspections() >= 4, "Dovecot asked the mock each time");

    // A server that refuses even a fresh token: one refresh, then the refusal in words.
    mock.refuse_all_access_tokens();
    let error = scamguard::imap::connect(&account).await.err().expect("refused").to_string();
    assert!(error.contains("refused the OAuth access token by XOAUTH2"), "{error}");
    assert!(error.contains("auth login test"), "{error}");
    assert_eq!(mock.refresh_grants(), 3, "one fresh token, not a loop");
}

/// Serves one HTTPS request on 127.0.0.1 with the test server's certificate, answering a
/// grant; its port.
async fn https_token_endpoint(dovecot: &Dovecot) -> u16 {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dovecot.dir().join("cert.pem"))
        .expect("cert")
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_file(dovecot.dir().join("key.pem")).expect("key");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        // Two connections: one refused by a client without the ca_file, one served.
        for _ in 0..2 {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let Ok(mut tls) = acceptor.accept(tcp).await else { continue };
            let mut request = vec![0u8; 8192];
            let _ = tls.read(&mut request).await;
            let body = r#"{"access_token":"https-access","refresh_token":"https-rotated","expires_in":3600}"#;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.write_all(response.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_token_endpoint_is_verified_with_the_same_roots_as_imap() {
    let dovecot = Dovecot::start(Options::default());
    let port = https_token_endpoint(&dovecot).await;
    let text = std::fs::read_to_string(dovecot.write_config(""))
        .expect("config")
        .replace("password_file = \"password.txt\"\n", "auth = \"oauth2\"\n");
    let text = format!(
        "{text}\n[accounts.oauth]\nprovider = \"microsoft\"\nclient_id = \"{CLIENT_ID}\"\n\
         token_url = \"https://127.0.0.1:{port}/token\"\n"
    );
    let path = dovecot.dir().join("https.toml");
    std::fs::write(&path, &text).expect("write config");
    let account = load(&path).accounts.into_iter().next().expect("account");
    let oauth = account.oauth.clone().expect("oauth");
    let file = oauth.token_file.clone().expect("token file");
    let stored = scamguard::oauth::token_file::StoredToken {
        refresh_token: scamguard::config::Secret::new("first".into()),
        saved_at: 0,
    };
    scamguard::oauth::token_file::save(&file, &stored).expect("save");

    // Without the account's ca_file the self-signed endpoint is not trusted.
    let untrusting = scamguard::config::Account { ca_file: None, ..account.clone() };
    let error = scamguard::oauth::tokens::refresh(&untrusting, &oauth, &file).await.expect_err("untrusted");
    assert!(error.to_string().contains("cannot reach"), "{error}");
    // With it, as for IMAP, the grant arrives and the rotated refresh token is stored.
    let (grant, _) = scamguard::oauth::tokens::refresh(&account, &oauth, &file).await.expect("trusted");
    assert_eq!(grant.access_token.expose(), "https-access");
    let rotated = scamguard::oauth::token_file::load(&file).expect("read").expect("present");
    assert_eq!(rotated.refresh_token.expose(), "https-rotated");
}
