//! Connection failures in words a user can act on: what the server did, and the setting
//! that fixes it (pure). A refused login names the provider's own remedy (an app
//! password, OAuth2), a refused certificate the `ca_file` setting, a port that speaks
//! TLS (or plain IMAP) where the other was configured the `tls` value to use, and a
//! watched folder the server does not have the folders it does.
//!
//! async-imap hands a server's NO or BAD over as the `Debug` text of its parsed answer
//! (`code: None, info: Some("…")`); [`server_text`] reads the server's own words back
//! out of it, so no `Outcome { … }` dump reaches a user.

use std::path::Path;

use tokio_rustls::rustls::{self, CertificateError};

use super::junk::Folder;
use super::sanitize;
use crate::config::{AuthMethod, TlsMode};

/// What a server sent first, on a connection where it was expected to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// A TLS record (a handshake or an alert): the port encrypts from the first byte.
    Tls,
    /// An IMAP greeting (`* OK`, `* PREAUTH`, `* BYE`) in plain text.
    Imap,
    /// Bytes that are neither.
    Other,
    /// Nothing before the time ran out, or the connection closed.
    Nothing,
}

impl Heard {
    /// Reads the first bytes a server sent.
    pub fn of(first: &[u8]) -> Heard {
        // A TLS record starts with its content type (alert 21, handshake 22) and the
        // major version 3.
        match first {
            [] => Heard::Nothing,
            [21 | 22] | [21 | 22, 3, ..] => Heard::Tls,
            _ if IMAP_GREETINGS.iter().any(|g| starts_with_ignoring_case(first, g)) => Heard::Imap,
            _ => Heard::Other,
        }
    }
}

/// How an IMAP server greets (RFC 9051 `greeting`).
const IMAP_GREETINGS: [&[u8]; 3] = [b"* OK", b"* PREAUTH", b"* BYE"];

fn starts_with_ignoring_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.get(..prefix.len()).is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Why a port does not speak what `tls` says, and the value that fits what it spoke;
/// `None` when what was heard does not tell (silence, noise).
pub fn tls_mismatch(configured: TlsMode, heard: Heard, port: u16) -> Option<String> {
    match (configured, heard) {
        (TlsMode::Implicit, Heard::Imap) => Some(format!(
            "it greets in plain text, without TLS: set tls = \"starttls\" to encrypt on this port{}",
            if port == 993 { "" } else { ", or use port 993 with tls = \"implicit\"" }
        )),
        (TlsMode::Starttls | TlsMode::None, Heard::Tls) => Some(
            "it sends no greeting but answers TLS: it encrypts from the first byte; set tls = \"implicit\""
                .to_string(),
        ),
        _ => None,
    }
}

/// What to do about a refused login, for an account on `host` that logs in by `auth`;
/// `account` is the account's name in the configuration.
pub fn login_fix(host: &str, account: &str, auth: AuthMethod) -> String {
    if auth == AuthMethod::Xoauth2 {
        return "the OAuth2 access token was refused: it may have expired, or be for another user; \
                check what password_command prints"
            .to_string();
    }
    let host = host.trim_end_matches('.');
    match LOGIN_FIXES.iter().find(|fix| fix.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))) {
        Some(fix) => fix.words.replace("{account}", account),
        None => "check the username and the password (password, password_env, password_file or \
                 password_command)"
            .to_string(),
    }
}

/// A provider whose IMAP login takes something other than the account's own password.
struct LoginFix {
    hosts: &'static [&'static str],
    /// What to do; `{account}` is the account's name.
    words: &'static str,
}

/// The providers' own remedies, by IMAP host. Gmail and Outlook refuse the account's
/// password over IMAP; the others take an app password only.
const LOGIN_FIXES: &[LoginFix] = &[
    LoginFix {
        hosts: &["imap.gmail.com", "imap.googlemail.com"],
        words: "Gmail does not take the account's own password over IMAP: use an app password (Google \
                Account → Security → 2-Step Verification → App passwords) or OAuth2 (`scamguard auth \
                login {account}`)",
    },
    LoginFix {
        hosts: &["outlook.office365.com", "outlook.office.com", "imap-mail.outlook.com"],
        words: "Outlook.com and Microsoft 365 no longer take passwords over IMAP: log in with OAuth2 \
                (`scamguard auth login {account}`)",
    },
    LoginFix {
        hosts: &["imap.mail.yahoo.com", "imap.aol.com"],
        words: "Yahoo and AOL take an app password over IMAP (Account security → Generate app \
                password), not the account's own",
    },
    LoginFix {
        hosts: &["imap.mail.me.com"],
        words: "iCloud takes an app-specific password over IMAP (Apple Account → Sign-In and Security \
                → App-Specific Passwords), not the account's own",
    },
    LoginFix {
        hosts: &["imap.fastmail.com"],
        words: "Fastmail takes an app password over IMAP (Settings → Privacy & Security → App \
                passwords), not the account's own",
    },
];

/// What is wrong with the certificate the server presented as `host`, and what to do
/// about it; `ca_file` is the account's own trusted certificate file, if any.
pub fn certificate_fix(problem: &CertificateError, host: &str, ca_file: Option<&Path>) -> String {
    let own_authority = match ca_file {
        Some(file) => format!("the ca_file {} does not vouch for it either", file.display()),
        None => "if the server uses its own authority or a self-signed certificate, save that \
                 certificate (PEM) and set ca_file = \"/path/to/it.pem\" in the account"
            .to_string(),
    };
    let host = sanitize(host);
    match problem {
        CertificateError::UnknownIssuer => {
            format!("it is signed by an authority scamguard does not know; {own_authority}")
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("certificate not valid for name {host}: set host to a name the certificate names")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "it has expired: its administrator must renew it (or this machine's clock is wrong)".to_string()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet: check this machine's clock".to_string()
        }
        CertificateError::Revoked => "its authority has revoked it".to_string(),
        other => format!("{}; {own_authority}", sanitize(&other.to_string())),
    }
}

/// The certificate problem inside a failed handshake's error, if that is what failed.
pub fn certificate_problem(error: &std::io::Error) -> Option<&CertificateError> {
    match error.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(problem) => Some(problem),
        _ => None,
    }
}

/// A server's answer to a command, in its own words: for a NO or BAD, the text it sent
/// (with its response code); made safe to print.
pub fn server_text(error: &async_imap::error::Error) -> String {
    use async_imap::error::Error;
    match error {
        Error::No(_) => format!("the server said NO: {}", server_words(error)),
        Error::Bad(_) => format!("the server said BAD: {}", server_words(error)),
        other => unreadable_answer(&other.to_string()).unwrap_or_else(|| sanitize(&other.to_string())),
    }
}

/// An answer the IMAP parser could not read, in words: async-imap reports it as its
/// parser's internal state (`Error(Error { input: [13, 10], code: Tag }) during parsing of
/// "…"`), which tells a user nothing; what the server sent does.
fn unreadable_answer(text: &str) -> Option<String> {
    let (_, sent) = text.split_once(") during parsing of ")?;
    Some(format!("the server sent an answer that is not valid IMAP: {}", sanitize(sent)))
}

/// Only the words of a NO or BAD (any other error as it prints), made safe to print.
pub fn server_words(error: &async_imap::error::Error) -> String {
    use async_imap::error::Error;
    match error {
        Error::No(debug) | Error::Bad(debug) => words_of_outcome(debug),
        other => sanitize(&other.to_string()),
    }
}

/// The server's text out of async-imap's `Debug` rendering of a tagged answer
/// (`code: Some(ReadOnly), info: Some("…")` or `outcome: Outcome { code: …, information:
/// Some("…") }`). What does not read as such is given back as it is, made safe.
fn words_of_outcome(debug: &str) -> String {
    let code = debug
        .split_once("code: Some(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code)
        .filter(|code| !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric()));
    let info = ["info: Some(\"", "information: Some(\""]
        .iter()
        .find_map(|marker| debug.split_once(marker).map(|(_, rest)| unescape_debug(rest)));
    let rendered = debug.starts_with("code: ") || debug.starts_with("outcome: Outcome {");
    match (code, info) {
        _ if !rendered => sanitize(debug),
        (Some(code), info) => {
            sanitize(&format!("[{}] {}", code.to_ascii_uppercase(), info.unwrap_or_default()))
        }
        (None, info) => sanitize(&info.unwrap_or_default()),
    }
}

/// A Rust string literal's content as `Debug` wrote it, up to its closing quote.
fn unescape_debug(quoted: &str) -> String {
    let mut out = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some('u') => {
                    let hex: String =
                        chars.by_ref().skip_while(|c| *c == '{').take_while(|c| *c != '}').collect();
                    out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                Some(other) => out.push(other),
                None => break,
            },
            other => out.push(other),
        }
    }
    out
}

/// How many of a server's folders a missing-folder error names.
pub const FOLDERS_NAMED: usize = 30;

/// When `wanted` (as configured, in UTF-8) is not among the server's `folders`: the
/// folder names there are (decoded, made safe, at most [`FOLDERS_NAMED`]) and how many
/// more. `None` when the server has it (it refused for another reason).
pub fn missing_folder(wanted: &str, folders: &[Folder]) -> Option<(Vec<String>, usize)> {
    let mut names: Vec<String> = folders
        .iter()
        .filter(|f| !f.attributes.iter().any(|a| a == "\\noselect" || a == "\\nonexistent"))
        .map(|f| super::utf7::decode(&f.name))
        .collect();
    if names.iter().any(|name| crate::config::same_folder(name, wanted)) {
        return None;
    }
    names.sort();
    let more = names.len().saturating_sub(FOLDERS_NAMED);
    names.truncate(FOLDERS_NAMED);
    Some((names.iter().map(|n| format!("\"{}\"", sanitize(n))).collect(), more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_tell_tls_from_an_imap_greeting() {
        assert_eq!(Heard::of(b"\x16\x03\x03\x00\x7a"), Heard::Tls, "a ServerHello");
        assert_eq!(Heard::of(b"\x15\x03\x01\x00\x02"), Heard::Tls, "an alert");
        assert_eq!(Heard::of(b"\x16"), Heard::Tls, "one byte so far");
        assert_eq!(Heard::of(b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"), Heard::Imap);
        assert_eq!(Heard::of(b"* ok hello"), Heard::Imap);
        assert_eq!(Heard::of(b"* PREAUTH welcome"), Heard::Imap);
        assert_eq!(Heard::of(b"* BYE too many connections"), Heard::Imap);
        assert_eq!(Heard::of(b"220 smtp.example.org ESMTP"), Heard::Other, "an SMTP port");
        assert_eq!(Heard::of(b"\x16\x01"), Heard::Other, "not a TLS version");
        assert_eq!(Heard::of(b""), Heard::Nothing);
    }

    #[test]
    fn a_mismatch_names_the_tls_value_that_fits_what_the_port_spoke() {
        let plain = tls_mismatch(TlsMode::Implicit, Heard::Imap, 143).expect("a mismatch");
        assert!(plain.contains("tls = \"starttls\"") && plain.contains("port 993"), "{plain}");
        for configured in [TlsMode::Starttls, TlsMode::None] {
            let tls = tls_mismatch(configured, Heard::Tls, 993).expect("a mismatch");
            assert!(tls.contains("tls = \"implicit\""), "{tls}");
        }
        assert_eq!(tls_mismatch(TlsMode::Implicit, Heard::Tls, 993), None);
        assert_eq!(tls_mismatch(TlsMode::Starttls, Heard::Imap, 143), None);
        assert_eq!(tls_mismatch(TlsMode::Starttls, Heard::Nothing, 993), None, "silence proves nothing");
    }

    #[test]
    fn a_refused_login_names_the_providers_own_remedy() {
        let gmail = login_fix("IMAP.gmail.com.", "personal", AuthMethod::Login);
        assert!(gmail.contains("app password") && gmail.contains("scamguard auth login personal"), "{gmail}");
        let outlook = login_fix("outlook.office365.com", "work", AuthMethod::Plain);
        assert!(outlook.contains("OAuth2") && outlook.contains("scamguard auth login work"), "{outlook}");
        assert!(login_fix("imap.mail.me.com", "a", AuthMethod::Login).contains("app-specific password"));
        let other = login_fix("mail.example.org", "a", AuthMethod::Login);
        assert!(other.contains("check the username and the password"), "{other}");
        assert!(!other.contains("auth login"), "no provider's remedy for another host");
        let token = login_fix("imap.gmail.com", "a", AuthMethod::Xoauth2);
        assert!(token.contains("access token was refused"), "{token}");
    }

    #[test]
    fn a_refused_certificate_names_what_to_do() {
        let unknown = certificate_fix(&CertificateError::UnknownIssuer, "mail.example.org", None);
        assert!(unknown.contains("ca_file = "), "{unknown}");
        let with_file =
            certificate_fix(&CertificateError::UnknownIssuer, "h", Some(Path::new("/etc/ssl/mine.pem")));
        assert!(with_file.contains("the ca_file /etc/ssl/mine.pem does not vouch for it"), "{with_file}");
        let name = certificate_fix(&CertificateError::NotValidForName, "127.0.0.1\x1b", None);
        assert!(name.contains("set host to a name the certificate names"), "{name}");
        assert!(name.contains("127.0.0.1\\u{1b}"), "made safe: {name}");
        assert!(certificate_fix(&CertificateError::Expired, "h", None).contains("expired"));
        assert!(certificate_fix(&CertificateError::NotValidYet, "h", None).contains("clock"));
        assert!(certificate_fix(&CertificateError::BadSignature, "h", None).contains("ca_file"));
    }

    #[test]
    fn the_servers_words_are_read_out_of_the_librarys_debug_text() {
        use async_imap::error::Error;
        let login =
            Error::No("code: None, info: Some(\"[AUTHENTICATIONFAILED] Authentication failed.\")".into());
        assert_eq!(server_text(&login), "the server said NO: [AUTHENTICATIONFAILED] Authentication failed.");
        let select = Error::No(
            "outcome: Outcome { code: None, information: Some(\"Mailbox doesn't exist: \\\"Nope\\\" \\u{1b}[2J\") }"
                .into(),
        );
        assert_eq!(server_text(&select), "the server said NO: Mailbox doesn't exist: \"Nope\" \\u{1b}[2J");
        let coded = Error::Bad("outcome: Outcome { code: Some(ReadOnly), information: Some(\"no\") }".into());
        assert_eq!(server_text(&coded), "the server said BAD: [READONLY] no");
        let bare = Error::No("code: None, info: None".into());
        assert_eq!(server_text(&bare), "the server said NO: ");
        assert_eq!(server_text(&Error::No("plain words".into())), "the server said NO: plain words");
        let plain = Error::No("no info: Some(\"x\") here".into());
        assert_eq!(server_text(&plain), "the server said NO: no info: Some(\"x\") here", "as sent");
        assert_eq!(server_text(&Error::ConnectionLost), "connection lost");
    }

    #[test]
    fn an_answer_that_is_not_imap_is_told_without_the_parsers_internals() {
        use async_imap::error::Error;
        let parsed =
            "Error(Error { input: [13, 27, 10], code: Tag }) during parsing of \"A1 NO x\\r\\u{1b}\\r\\n\"";
        let error = Error::Io(std::io::Error::other(parsed));
        let text = server_text(&error);
        assert!(text.starts_with("the server sent an answer that is not valid IMAP: \"A1 NO x"), "{text}");
        assert!(!text.contains("input:") && !text.contains("code: Tag"), "{text}");
        let closed = server_text(&Error::Io(std::io::Error::other("broken pipe")));
        assert!(closed.contains("broken pipe") && !closed.contains("not valid IMAP"), "{closed}");
    }

    #[test]
    fn a_missing_folder_lists_the_folders_there_are() {
        let folder = |name: &str, attributes: &[&str]| Folder {
            name: name.into(),
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
        };
        let folders = [
            folder("INBOX", &[]),
            folder("Junk", &["\\junk"]),
            folder(&super::super::utf7::encode("受信 box"), &[]),
            folder("[Gmail]", &["\\noselect"]),
            folder("evil\r\n\u{1b}[2J", &[]),
        ];
        let (names, more) = missing_folder("Archive", &folders).expect("missing");
        assert_eq!(names, ["\"INBOX\"", "\"Junk\"", "\"evil\\r\\n\\u{1b}[2J\"", "\"受信 box\""]);
        assert_eq!(more, 0);
        assert_eq!(missing_folder("inbox", &folders), None, "INBOX in any case");
        assert_eq!(missing_folder("受信 box", &folders), None, "compared as configured, in UTF-8");
        let many: Vec<Folder> = (0..100).map(|i| folder(&format!("f{i:03}"), &[])).collect();
        let (names, more) = missing_folder("x", &many).expect("missing");
        assert_eq!((names.len(), more), (FOLDERS_NAMED, 70));
    }
}
