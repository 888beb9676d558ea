//! The IMAP adapter: connecting and logging in ([`connect()`]), the mailbox operations the
//! service needs ([`ImapSession`]), and the pure helpers behind them (UID sets, folder
//! names, choosing the Junk and the Sent folder). Knows nothing of detection or the database.
//!
//! Every command runs under a timeout (async-imap has none of its own), bodies are read
//! with `BODY.PEEK` so `\Seen` is never set, and nothing here ever sends a plain EXPUNGE
//! or CLOSE: only `UID EXPUNGE` of the UIDs it moved itself.

mod bounded;
mod command;
pub mod connect;
mod diagnose;
mod fetching;
mod idle;
pub mod junk;
pub mod namespace;
mod overheard;
mod parts;
mod probe;
pub mod sasl;
pub mod sent;
mod session;
pub mod uidset;
pub mod utf7;

pub use connect::connect;
pub use fetching::{Fetched, FetchedMessage};
pub use junk::{Folder, JunkChoice};
pub use namespace::Namespace;
pub use sent::SentFolder;
pub use session::{FolderStatus, IdleEnd, ImapSession, MoveMethod};

use std::sync::atomic::{AtomicU64, Ordering};

/// Commands sent to any server by this process (each one a round trip, also when
/// pipelined); benchmarks divide it by the messages scanned.
static COMMANDS_SENT: AtomicU64 = AtomicU64::new(0);

/// How many IMAP commands this process has sent so far, logins included.
pub fn commands_sent() -> u64 {
    COMMANDS_SENT.load(Ordering::Relaxed)
}

/// Counts a command about to be sent and names it in the debug log
/// (`RUST_LOG=scamguard=debug`): the command's name only, never its arguments, so no
/// password, token, folder or search text reaches the log this way.
fn count_command(name: &'static str) {
    COMMANDS_SENT.fetch_add(1, Ordering::Relaxed);
    tracing::debug!("imap > {name}");
}

/// What went wrong talking to an IMAP server. Never contains a password or token.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {address}: {source}")]
    Connect { address: String, source: std::io::Error },
    #[error("{0}")]
    Tls(String),
    /// The server's certificate was refused; `fix` says why and what to do.
    #[error("the certificate of {address} was refused: {fix}")]
    Certificate { address: String, fix: String },
    /// The port speaks TLS where `tls` says plain text, or plain text where it says TLS.
    #[error("{address} does not speak what tls = \"{configured}\" expects: {fix}")]
    WrongTls { address: String, configured: &'static str, fix: String },
    #[error("{0} does not offer STARTTLS; refusing to continue without encryption")]
    StartTlsRefused(String),
    #[error("login as {user} refused: {reason}")]
    Login { user: String, reason: String },
    #[error("cannot read the password: {0}")]
    Secret(crate::config::secret::SecretError),
    #[error("{0}")]
    OAuth(crate::oauth::OAuthError),
    #[error("the server did not answer {0} in time")]
    Timeout(&'static str),
    #[error("the server closed the connection")]
    Closed,
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    /// `error` is not the error's `source`: its words are in this one's, printed once.
    #[error("{command} failed: {}", diagnose::server_text(error))]
    Command { command: &'static str, error: async_imap::error::Error },
    /// A configured folder the server does not have; `existing` names those it has (made
    /// safe to print), `more` how many were left out.
    #[error("{}", no_such_folder(folder, existing, *more))]
    NoSuchFolder { folder: String, existing: Vec<String>, more: usize },
    /// The server answered OK but left out what the command was for (a folder's
    /// UIDVALIDITY): no default is believed in its place.
    #[error("the server's answer to {command} did not say {missing}")]
    Incomplete { command: &'static str, missing: &'static str },
    /// The server answered OK but left out of it messages asked for that are still in the
    /// folder (Gmail's "Some messages could not be FETCHed"): they were not read, and are
    /// no sign that the messages are gone. `text` is the server's words, made safe to print.
    #[error("the server's answer to {command} left out messages that are still there{}", said(text))]
    LeftOut { command: &'static str, text: String },
    /// The server answered a SEARCH OK without the untagged SEARCH line RFC 3501 §6.4.4
    /// requires (empty when nothing matches): what it found is not known, and is never
    /// taken for nothing found. `text` is the tagged OK's words, made safe to print.
    #[error(
        "the server's answer to {command} had no SEARCH line, so what it found is not known{}",
        said(text)
    )]
    NoSearchLine { command: &'static str, text: String },
    /// The server answered NO or BAD; `text` is its reason, made safe to print.
    #[error("the server refused {command} ({reply}): {text}")]
    Refused { command: &'static str, reply: &'static str, text: String },
}

impl ImapError {
    /// Whether the server refused because messages named in the command were expunged
    /// meanwhile (RFC 5530 `EXPUNGEISSUED`): another client took them away.
    pub fn is_expunge_issued(&self) -> bool {
        self.refused_with("EXPUNGEISSUED")
    }

    /// Whether the server answered OK without what was asked ([`ImapError::Incomplete`]):
    /// no refusal of the thing itself, so no sign that a folder or message is not there.
    pub fn is_incomplete(&self) -> bool {
        matches!(
            self,
            ImapError::Incomplete { .. } | ImapError::LeftOut { .. } | ImapError::NoSearchLine { .. }
        )
    }

    /// Whether the server answered NO or BAD (read by `command::run`, or by
    /// async-imap's own check of CREATE, DELETE and the like), or an OK without what was
    /// asked, as opposed to a lost connection or a timeout: the server is there, and
    /// trying again every second would not change its answer.
    pub fn is_refusal(&self) -> bool {
        use async_imap::error::Error;
        self.is_incomplete()
            || matches!(self, ImapError::Refused { .. } | ImapError::NoSuchFolder { .. })
            || matches!(self, ImapError::Command { error: Error::No(_) | Error::Bad(_), .. })
    }

    /// Whether the server refused saying its trouble is passing (RFC 5530 `UNAVAILABLE`,
    /// `INUSE`): worth trying again, and no sign that the messages themselves are bad.
    pub fn is_temporary(&self) -> bool {
        self.refused_with("UNAVAILABLE") || self.refused_with("INUSE")
    }

    /// Whether this is a refusal with the response code `code` (imap-proto leaves codes it
    /// does not know at the start of the text).
    fn refused_with(&self, code: &str) -> bool {
        matches!(self, ImapError::Refused { text, .. }
            if text.strip_prefix('[').and_then(|t| t.strip_prefix(code)).is_some_and(|t| t.starts_with(']')))
    }
}

/// The server's words after an error's own, when it gave any.
fn said(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

fn no_such_folder(folder: &str, existing: &[String], more: usize) -> String {
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!(
        "the server has no folder \"{}\" (set folders in the account to folders it has); it has {}{more}",
        sanitize(folder),
        existing.join(", ")
    )
}

/// How much of a server's words an error keeps.
const MAX_SERVER_TEXT: usize = 200;

/// A server's words (a folder's name, an error carrying its text) as this service prints
/// them: [`sanitize`]d, then with what else could change how a terminal shows text (bidi
/// overrides) escaped by the mail printer's rules.
pub(crate) fn shown(text: &str) -> String {
    crate::mail::printable::escape(&sanitize(text)).into_owned()
}

/// A server's free text made safe for logs and terminals: control characters shown as
/// `\u{..}` escapes (quotes and backslashes left as they are, so words read as written),
/// and cut to [`MAX_SERVER_TEXT`] characters.
pub(crate) fn sanitize(text: &str) -> String {
    let mut safe = String::new();
    for c in text.chars().take(MAX_SERVER_TEXT) {
        match c {
            '"' | '\'' | '\\' => safe.push(c),
            other => safe.extend(other.escape_debug()),
        }
    }
    if text.chars().nth(MAX_SERVER_TEXT).is_some() {
        safe.push('…');
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::ImapError;

    #[test]
    fn a_no_or_bad_is_a_refusal_however_it_was_read_and_a_broken_connection_is_not() {
        use async_imap::error::Error;
        let refused = ImapError::Refused { command: "UID FETCH", reply: "NO", text: "later".into() };
        let checked_by_the_library =
            ImapError::Command { command: "STATUS", error: Error::No("later".into()) };
        let bad = ImapError::Command { command: "EXAMINE", error: Error::Bad("what".into()) };
        assert!([refused, checked_by_the_library, bad].iter().all(ImapError::is_refusal));
        // Messages left out of an OK answer that are still there: the server is there, and
        // nothing says they are gone (`read_back` must not say "gone").
        let left_out =
            ImapError::LeftOut { command: "UID FETCH", text: "Some messages could not be FETCHed".into() };
        assert!(left_out.is_refusal() && left_out.is_incomplete(), "{left_out}");
        assert!(
            left_out
                .to_string()
                .ends_with("left out messages that are still there: Some messages could not be FETCHed")
        );
        // A SEARCH answered OK without its SEARCH line found nothing known: no sign that
        // the messages are gone either.
        let unsearched = ImapError::NoSearchLine { command: "UID SEARCH", text: "done".into() };
        assert!(unsearched.is_refusal() && unsearched.is_incomplete(), "{unsearched}");
        assert!(unsearched.to_string().contains("UID SEARCH had no SEARCH line"), "{unsearched}");
        let broken = ImapError::Command { command: "STATUS", error: Error::ConnectionLost };
        assert!(![broken, ImapError::Closed, ImapError::Timeout("STATUS")].iter().any(ImapError::is_refusal));
    }

    #[test]
    fn server_text_is_cut_and_cannot_drive_a_terminal() {
        assert_eq!(super::sanitize("Mailbox is full"), "Mailbox is full");
        assert_eq!(super::sanitize("Mailbox doesn't exist: \"a\\b\""), "Mailbox doesn't exist: \"a\\b\"");
        assert_eq!(super::sanitize("a\r\n\u{1b}[2Jb"), "a\\r\\n\\u{1b}[2Jb");
        let long = super::sanitize(&"x".repeat(5000));
        assert!(long.chars().count() <= super::MAX_SERVER_TEXT + 1 && long.ends_with('…'));
    }
}
