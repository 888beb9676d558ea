//! Who may use the review page: whoever holds the access token, as Jupyter does it.
//!
//! The token (256 random bits, hex) is made at the first `serve` into a 0600 file beside
//! the database and printed in the URL to open. Opening `/?token=…` starts a session: an
//! HttpOnly, SameSite=Strict cookie, and a redirect to the same URL without the token, so
//! it leaves the address bar and the history. Every other request needs that cookie.
//! Secrets are compared in constant time ([`subtle`]); sessions are kept by the SHA-256
//! of their cookie, so a map lookup reveals nothing usable about a secret. Each session
//! has its own CSRF token, which every POST must carry.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "scamguard_session";

/// Sessions kept at most: opening the token URL again and again cannot grow memory; the
/// oldest session is forgotten first.
const MAX_SESSIONS: usize = 64;

/// Why the access token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read or create the access token file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the access token file {0} can be read by others: `chmod 600` it (or delete it for a new token)")]
    Readable(PathBuf),
    #[error("the access token file {0} does not hold a token: delete it, and a new one is made")]
    Garbled(PathBuf),
}

/// The access token. Its `Debug` hides it: it never reaches a log.
#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The token file of the database at `database`: beside it, `NAME.web-token`.
    pub fn path_for(database: &Path) -> PathBuf {
        let mut name = database.file_name().unwrap_or_default().to_os_string();
        name.push(".web-token");
        database.with_file_name(name)
    }

    /// Reads the token file of `database`, or makes it (mode 0600) with a new token.
    pub fn load_or_create(database: &Path) -> Result<Token, TokenError> {
        let path = Token::path_for(database);
        let io = |source| TokenError::Io { path: path.clone(), source };
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(mut file) => {
                let token = Token(random_hex());
                file.write_all(format!("{}\n", token.0).as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(token)
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let metadata = std::fs::metadata(&path).map_err(io)?;
                if metadata.permissions().mode() & 0o077 != 0 {
                    return Err(TokenError::Readable(path));
                }
                let text = std::fs::read_to_string(&path).map_err(io)?;
                let text = text.trim();
                if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(TokenError::Garbled(path));
                }
                Ok(Token(text.to_ascii_lowercase()))
            }
            Err(error) => Err(io(error)),
        }
    }

    /// The token, to print in the URL to open (never to log).
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, compared in constant time.
    pub fn matches(&self, given: &str) -> bool {
        ct_equal(self.0.as_bytes(), given.as_bytes())
    }
}

/// 256 random bits as 64 hex digits (rand's thread generator is a CSPRNG seeded by the OS).
fn random_hex() -> String {
    rand::random::<[u8; 32]>().iter().map(|b| format!("{b:02x}")).collect()
}

fn ct_equal(a: &[u8], b: &[u8]) -> bool {
    // `ct_eq` on slices of different lengths is false at once; the token's length is no secret.
    a.ct_eq(b).into()
}

/// A signed-in browser: the CSRF token its forms carry.
#[derive(Clone)]
pub struct Session {
    csrf: String,
}

impl Session {
    /// The CSRF token to put in this session's forms.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a form's CSRF token is this session's, compared in constant time.
    pub fn csrf_matches(&self, given: &str) -> bool {
        ct_equal(self.csrf.as_bytes(), given.as_bytes())
    }
}

/// The token and the sessions it started.
pub struct Auth {
    token: Token,
    sessions: Mutex<Sessions>,
}

#[derive(Default)]
struct Sessions {
    by_digest: HashMap<[u8; 32], Session>,
    order: VecDeque<[u8; 32]>,
}

impl Auth {
    pub fn new(token: Token) -> Auth {
        Auth { token, sessions: Mutex::new(Sessions::default()) }
    }

    pub fn token(&self) -> &Token {
        &self.token
    }

    /// Starts a session; returns the cookie value that names it.
    pub fn start_session(&self) -> String {
        let cookie = random_hex();
        let session = Session { csrf: random_hex() };
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let digest = digest(&cookie);
        sessions.by_digest.insert(digest, session);
        sessions.order.push_back(digest);
        while sessions.order.len() > MAX_SESSIONS {
            if let Some(oldest) = sessions.order.pop_front() {
                sessions.by_digest.remove(&oldest);
            }
        }
        cookie
    }

    /// The session a cookie value names, if it is one of ours.
    pub fn session(&self, cookie: &str) -> Option<Session> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.by_digest.get(&digest(cookie)).cloned()
    }
}

fn digest(cookie: &str) -> [u8; 32] {
    Sha256::digest(cookie.as_bytes()).into()
}

/// The value of cookie `name` in a Cookie header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

/// The Set-Cookie value of a new session: readable by no script, sent with no request
/// from another site.
pub fn session_cookie(value: &str) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("s.db");
        let token = Token::load_or_create(&database).expect("made");
        let path = Token::path_for(&database);
        assert_eq!(path, dir.path().join("s.db.web-token"));
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(token.reveal().len(), 64);
        assert!(!format!("{token:?}").contains(token.reveal()), "Debug hides the token");
        let again = Token::load_or_create(&database).expect("read");
        assert!(again.matches(token.reveal()));
        assert!(!again.matches(&token.reveal()[..63]));
        assert!(!again.matches(""));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(Token::load_or_create(&database), Err(TokenError::Readable(_))));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::fs::write(&path, "short\n").expect("write");
        assert!(matches!(Token::load_or_create(&database), Err(TokenError::Garbled(_))));
    }

    #[test]
    fn sessions_are_found_by_their_cookie_and_bounded() {
        let auth = Auth::new(Token(random_hex()));
        let first = auth.start_session();
        let session = auth.session(&first).expect("found");
        assert!(session.csrf_matches(session.csrf()));
        assert!(!session.csrf_matches(""));
        assert!(auth.session("nope").is_none());
        let second = auth.start_session();
        assert_ne!(first, second);
        assert_ne!(auth.session(&second).map(|s| s.csrf), Some(session.csrf.clone()), "own CSRF token");
        for _ in 0..MAX_SESSIONS {
            auth.start_session();
        }
        assert!(auth.session(&first).is_none(), "the oldest is forgotten");
    }

    #[test]
    fn cookies_are_read_by_name() {
        assert_eq!(cookie("a=1; scamguard_session=xyz; b=2", SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie("xscamguard_session=1", SESSION_COOKIE), None);
        assert!(session_cookie("v").contains("HttpOnly; SameSite=Strict"));
    }
}
