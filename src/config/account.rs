//! One IMAP account of the configuration file: what is typed (`[[accounts]]`), and
//! [`check_account`], which checks it (one password source, plaintext only on loopback,
//! folders named once, a valid keyword) and fills in the defaults. Also the small parsers
//! the rest of the program shares for what accounts name (folders, days, loopback hosts).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::authserv::AuthservIds;
use super::{AccountDetection, OAuth, PasswordSource, Secret, authserv, oauth, secret};

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plaintext greeting upgraded with STARTTLS (port 143); refused if not offered.
    Starttls,
    /// No encryption at all; accepted only for a loopback host (local test servers).
    None,
}

impl TlsMode {
    /// The configuration's word for it (`tls = "implicit"`), which is how users read it.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::Starttls => "starttls",
            TlsMode::None => "none",
        }
    }
}

impl std::fmt::Display for TlsMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How scamguard logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    #[default]
    Login,
    Plain,
    /// OAuth 2 bearer token (Gmail, Microsoft 365) from `password_command`, fetched anew
    /// for every connection.
    Xoauth2,
    /// OAuth 2 built in: `scamguard auth login` stores a refresh token, access tokens are
    /// obtained from it (settings in `[accounts.oauth]`).
    #[serde(rename = "oauth2")]
    OAuth2,
}

/// Where to start on the first run for a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialScan {
    /// Only mail arriving from now on (from UIDNEXT).
    New,
    /// Every message already in the folder.
    All,
    /// Messages that arrived within this many days.
    Days(u32),
}

/// One IMAP account to watch, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    pub password: PasswordSource,
    pub auth: AuthMethod,
    /// `[accounts.oauth]`: present exactly when `auth` is [`AuthMethod::OAuth2`].
    pub oauth: Option<OAuth>,
    pub ca_file: Option<PathBuf>,
    pub folders: Vec<String>,
    /// `None` finds the Junk folder automatically.
    pub junk: Option<String>,
    /// Where the user's sent mail is when the server marks no folder `\Sent` (UTF-8);
    /// known correspondents are read from it. `None`: only the marked folder is read.
    pub sent_folder: Option<String>,
    pub initial_scan: InitialScan,
    pub dry_run: bool,
    /// Keyword set on suspicious messages (they are never moved), if any.
    pub suspicious_keyword: Option<String>,
    pub poll_interval: Duration,
    pub idle_renew: Duration,
    pub command_timeout: Duration,
    pub max_message_bytes: u32,
    pub batch_size: usize,
    /// How long a message the server will not hand over is tried (at least five times)
    /// before it is recorded as unreadable.
    pub unreadable_after: Duration,
    /// Whose Authentication-Results headers classification believes.
    pub authserv_ids: AuthservIds,
    /// `[accounts.detection]`: thresholds over the global ones, for this account.
    pub detection: AccountDetection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccount {
    pub(super) name: String,
    pub(super) host: String,
    pub(super) port: Option<u16>,
    pub(super) tls: TlsMode,
    pub(super) username: String,
    pub(super) password: Option<String>,
    pub(super) password_env: Option<String>,
    pub(super) password_file: Option<PathBuf>,
    pub(super) password_command: Option<String>,
    pub(super) password_command_timeout: Option<u64>,
    #[serde(default)]
    pub(super) auth: AuthMethod,
    pub(super) oauth: Option<oauth::RawOAuth>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) folders: Option<Vec<String>>,
    pub(super) junk: Option<String>,
    pub(super) sent_folder: Option<String>,
    pub(super) initial_scan: Option<String>,
    #[serde(default)]
    pub(super) dry_run: bool,
    pub(super) suspicious_keyword: Option<String>,
    pub(super) poll_interval: Option<u64>,
    pub(super) idle_renew: Option<u64>,
    pub(super) command_timeout: Option<u64>,
    pub(super) max_message_bytes: Option<u32>,
    pub(super) batch_size: Option<usize>,
    pub(super) unreadable_after: Option<u64>,
    pub(super) authserv_id: Option<authserv::RawAuthservIds>,
    pub(super) detection: Option<AccountDetection>,
}

/// IMAP servers drop IDLE after 30 minutes; RFC 2177 asks clients to renew well before.
const MAX_IDLE_RENEW_SECS: u64 = 600;

/// Ten minutes: longer than a server's passing trouble, short enough that a message it
/// will never hand over shows in the history the same day.
const DEFAULT_UNREADABLE_AFTER_SECS: u64 = 600;
const DEFAULT_MAX_MESSAGE_BYTES: u32 = 2 * 1024 * 1024;

pub(super) fn check_account(raw: RawAccount) -> Result<Account, String> {
    let name = raw.name.trim().to_string();
    if name.is_empty() {
        return Err("name must not be empty".into());
    }
    if raw.tls == TlsMode::None && !is_loopback(&raw.host) {
        return Err(format!(
            "tls = \"none\" sends the password in clear text; it is accepted only for a loopback host, not {}",
            raw.host
        ));
    }
    let sources = [
        raw.password.map(|p| PasswordSource::Inline(Secret::new(p))),
        raw.password_env.map(PasswordSource::Env),
        raw.password_file.map(PasswordSource::File),
        raw.password_command.map(|command| PasswordSource::Command {
            command,
            timeout: raw
                .password_command_timeout
                .map_or(secret::DEFAULT_COMMAND_TIMEOUT, |s| Duration::from_secs(s.max(1))),
        }),
    ];
    let mut sources = sources.into_iter().flatten();
    let oauth = match (raw.auth, raw.oauth) {
        (AuthMethod::OAuth2, Some(settings)) => Some(oauth::check(settings)?),
        (AuthMethod::OAuth2, None) => return Err("auth = \"oauth2\" needs an [accounts.oauth] table".into()),
        (_, Some(_)) => return Err("[accounts.oauth] is read only with auth = \"oauth2\"".into()),
        (_, None) => None,
    };
    let password = match (sources.next(), &oauth) {
        (None, Some(_)) => PasswordSource::StoredToken,
        (Some(_), Some(_)) => {
            return Err("auth = \"oauth2\" takes no password: run `scamguard auth login` instead".into());
        }
        (source, None) => {
            source.ok_or("set one of password_env, password_file, password_command or password")?
        }
    };
    if sources.next().is_some() {
        return Err("set only one of password_env, password_file, password_command, password".into());
    }
    if raw.auth == AuthMethod::Xoauth2 && !matches!(password, PasswordSource::Command { .. }) {
        return Err(
            "auth = \"xoauth2\" needs password_command, so a fresh token is fetched for each connection"
                .into(),
        );
    }
    let folders = raw.folders.unwrap_or_else(|| vec!["INBOX".to_string()]);
    if folders.is_empty() || folders.iter().any(|f| f.trim().is_empty()) {
        return Err("folders must name at least one folder, none empty".into());
    }
    for (index, folder) in folders.iter().enumerate() {
        if folders.iter().take(index).any(|earlier| same_folder(earlier, folder)) {
            return Err(format!(
                "folder {folder:?} is listed twice: two workers would move each of its threats"
            ));
        }
    }
    let junk = raw.junk.filter(|j| !j.eq_ignore_ascii_case("auto"));
    if let Some(watched) = junk.as_deref().and_then(|j| folders.iter().find(|f| same_folder(f, j))) {
        return Err(format!(
            "folder {watched:?} is also the junk folder: threats would be moved from it into itself; \
             watch other folders or choose another junk"
        ));
    }
    let suspicious_keyword = raw.suspicious_keyword.filter(|k| !k.is_empty());
    if let Some(keyword) = &suspicious_keyword {
        check_keyword(keyword)?;
    }
    let idle_renew = raw.idle_renew.unwrap_or(MAX_IDLE_RENEW_SECS);
    if idle_renew == 0 || idle_renew > MAX_IDLE_RENEW_SECS {
        return Err(format!("idle_renew must be between 1 and {MAX_IDLE_RENEW_SECS} seconds"));
    }
    let max_message_bytes = raw.max_message_bytes.unwrap_or(DEFAULT_MAX_MESSAGE_BYTES);
    let authserv_ids = authserv::resolve(raw.authserv_id, &raw.host)?;
    if max_message_bytes < 1024 {
        return Err("max_message_bytes must be at least 1024".into());
    }
    Ok(Account {
        port: raw.port.unwrap_or(if raw.tls == TlsMode::Implicit { 993 } else { 143 }),
        name,
        host: raw.host,
        tls: raw.tls,
        username: raw.username,
        password,
        auth: raw.auth,
        oauth,
        ca_file: raw.ca_file,
        folders,
        junk,
        sent_folder: raw.sent_folder.filter(|s| !s.trim().is_empty()),
        initial_scan: parse_initial_scan(raw.initial_scan.as_deref().unwrap_or("new"))?,
        dry_run: raw.dry_run,
        suspicious_keyword,
        poll_interval: Duration::from_secs(raw.poll_interval.unwrap_or(60).max(1)),
        unreadable_after: Duration::from_secs(raw.unreadable_after.unwrap_or(DEFAULT_UNREADABLE_AFTER_SECS)),
        idle_renew: Duration::from_secs(idle_renew),
        command_timeout: Duration::from_secs(raw.command_timeout.unwrap_or(60).max(1)),
        max_message_bytes,
        batch_size: raw.batch_size.unwrap_or(100).clamp(1, 1000),
        authserv_ids,
        detection: raw.detection.unwrap_or_default(),
    })
}

/// Puts each OAuth account's token file beside the database unless the configuration
/// names one, and refuses two accounts sharing a file (each would overwrite the other's
/// refresh token).
pub(super) fn oauth_token_files(accounts: &mut [Account], database: &Path) -> Result<(), String> {
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    for account in accounts.iter_mut() {
        let Some(oauth) = account.oauth.as_mut() else { continue };
        oauth.place_token_file(Path::new(""), database, &account.name);
        let file = oauth.token_file.clone().unwrap_or_default();
        if let Some((_, other)) = seen.iter().find(|(f, _)| *f == file) {
            return Err(format!(
                "accounts {other:?} and {:?} would keep their OAuth tokens in the same file {}; set oauth.token_file",
                account.name,
                file.display()
            ));
        }
        seen.push((file, account.name.clone()));
    }
    Ok(())
}

/// A number of days written like "30d" (at least one).
pub fn parse_days(text: &str) -> Option<u32> {
    text.strip_suffix('d').and_then(|n| n.parse().ok()).filter(|&n: &u32| n > 0)
}

/// Whether two folder names from the configuration name the same folder: exactly equal,
/// except that `INBOX` is the same in any case (RFC 3501).
pub fn same_folder(a: &str, b: &str) -> bool {
    a == b || (a.eq_ignore_ascii_case("INBOX") && b.eq_ignore_ascii_case("INBOX"))
}

/// A keyword must be an IMAP atom (RFC 3501 `flag-keyword`): printable ASCII without
/// `( ) { % * " \ ]` or spaces. So it is never a system flag such as `\Deleted` (which
/// would hide or delete suspicious mail) and never two keywords (`$Sus picious`).
fn check_keyword(keyword: &str) -> Result<(), String> {
    let atom_char = |b: u8| (0x21..0x7f).contains(&b) && !br#"(){%*"\]"#.contains(&b);
    if keyword.bytes().all(atom_char) {
        return Ok(());
    }
    let why = if keyword.starts_with('\\') {
        "system flags (starting with \\) are not allowed"
    } else {
        "use printable ASCII without spaces or ( ) { % * \" \\ ]"
    };
    Err(format!("suspicious_keyword {keyword:?} is not a valid IMAP keyword: {why}, e.g. \"$Suspicious\""))
}

fn parse_initial_scan(text: &str) -> Result<InitialScan, String> {
    match text {
        "new" => Ok(InitialScan::New),
        "all" => Ok(InitialScan::All),
        days => parse_days(days).map(InitialScan::Days).ok_or_else(|| {
            format!("initial_scan must be \"new\", \"all\" or a number of days like \"30d\", not {days:?}")
        }),
    }
}

/// True for names and addresses that stay on this machine.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_scan_accepts_new_all_and_days() {
        assert_eq!(parse_initial_scan("30d"), Ok(InitialScan::Days(30)));
        assert_eq!(parse_initial_scan("all"), Ok(InitialScan::All));
        assert!(parse_initial_scan("0d").is_err());
        assert!(parse_initial_scan("forever").is_err());
    }
}
