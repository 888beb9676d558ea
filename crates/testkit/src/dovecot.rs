//! A real Dovecot for the tests: its own configuration, certificate, users and mail in a
//! temporary folder, listening on free ports of 127.0.0.1, killed when dropped.
//!
//! Needs `dovecot` and `openssl` on the PATH (`.ci/run` installs them) and root, which
//! Dovecot needs to switch to the mail user; the mail user is `nobody`, never root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::net::{free_port, make_certificate};

/// Capabilities Dovecot announces after login; tests remove some to exercise fallbacks.
const CAPABILITIES: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES \
    THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS \
    LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS \
    BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE";

/// How the test server should behave.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Capabilities to leave out ("MOVE", "UIDPLUS", "IDLE").
    pub hide: Vec<&'static str>,
    /// Leave out the Junk folder (and its SPECIAL-USE attribute).
    pub no_junk: bool,
    /// Make the certificate for another name than 127.0.0.1 / localhost.
    pub wrong_certificate_name: bool,
    /// Add a `Sent` folder marked SPECIAL-USE `\Sent`.
    pub sent: bool,
    /// Also take OAuth 2 tokens (XOAUTH2, OAUTHBEARER), validated by an `oauth2` passdb
    /// with these settings (`dovecot-oauth2.conf.ext`); the password still works for
    /// PLAIN and LOGIN.
    pub oauth2: Option<String>,
    /// Also this many users, `user000`.. (see [`user`]), for tests of many accounts.
    pub users: usize,
}

pub struct Dovecot {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub imaps_port: u16,
    pub imap_port: u16,
}

pub const USER: &str = "alice";

/// The name of the `n`-th of [`Options::users`] (same password as [`USER`]).
pub fn user(n: usize) -> String {
    format!("user{n:03}")
}
pub const PASSWORD: &str = "s3cret-Test-Passw0rd";

impl Dovecot {
    pub fn start(options: Options) -> Dovecot {
        let dir = tempfile::Builder::new().prefix("sg").tempdir_in("/tmp").expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        for sub in ["run", "state", "mail", "home"] {
            let path = dir.path().join(sub);
            std::fs::create_dir_all(&path).expect("mkdir");
            let mode = if sub == "mail" || sub == "home" { 0o777 } else { 0o755 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let names = if options.wrong_certificate_name {
            "DNS:mail.example.org"
        } else {
            "DNS:localhost,IP:127.0.0.1"
        };
        make_certificate(dir.path(), names);
        let (mechanisms, oauth_passdb) = match &options.oauth2 {
            None => ("plain login", String::new()),
            Some(settings) => {
                let ext = dir.path().join("dovecot-oauth2.conf.ext");
                std::fs::write(&ext, settings).expect("oauth2 settings");
                // No failure delay: a refused token is retried at once by the tests.
                let passdb = format!(
                    "auth_failure_delay = 0\npassdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}\n}}\n",
                    ext.display()
                );
                ("plain login xoauth2 oauthbearer", passdb)
            }
        };
        let mut users = format!("{USER}:{{PLAIN}}{PASSWORD}\n");
        for n in 0..options.users {
            users.push_str(&format!("{}:{{PLAIN}}{PASSWORD}\n", user(n)));
        }
        std::fs::write(dir.path().join("passwd"), users).expect("passwd");
        let imaps_port = free_port();
        let imap_port = free_port();
        let capabilities: Vec<&str> =
            CAPABILITIES.split_whitespace().filter(|c| !options.hide.contains(c)).collect();
        let config = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
mail_location = maildir:{d}/mail/%u
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
{junk}
{sent}
}}
protocol imap {{
  imap_capability = {caps}
  imap_idle_notify_interval = 1 secs
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"#,
            d = dir.path().display(),
            caps = capabilities.join(" "),
            junk = if options.no_junk {
                ""
            } else {
                "  mailbox Junk {\n    special_use = \\Junk\n    auto = create\n  }"
            },
            sent = if options.sent {
                "  mailbox Sent {\n    special_use = \\Sent\n    auto = create\n  }"
            } else {
                ""
            },
        );
        // Dovecot serves 100 connections by default (default_process_limit): a test of
        // hundreds of accounts needs one per account and some for its checks.
        let config = match options.users {
            0..50 => config,
            users => format!(
                "default_process_limit = {}\ndefault_client_limit = {}\n{config}",
                users * 3,
                users * 6
            ),
        };
        std::fs::write(dir.path().join("dovecot.conf"), config).expect("config");
        let mut dovecot = Dovecot { dir, child: None, imaps_port, imap_port };
        dovecot.launch();
        dovecot
    }

    fn launch(&mut self) {
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.path().join("dovecot.stderr")).expect("stderr file"))
            .spawn()
            .expect("dovecot starts (is dovecot-imapd installed?)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.imaps_port)).is_err() {
            let exited = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            let stderr = std::fs::read_to_string(self.dir.path().join("dovecot.stderr")).unwrap_or_default();
            assert!(exited.is_none(), "dovecot exited ({exited:?}): {stderr}{}", self.log());
            assert!(Instant::now() < deadline, "dovecot did not start: {stderr}{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server at once (no goodbye to clients), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.imaps_port)).is_ok()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same ports with the same mail.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// A configuration file for scamguard pointing at this server.
    pub fn write_config(&self, extra_account_lines: &str) -> PathBuf {
        let path = self.dir.path().join("scamguard.toml");
        let text = format!(
            "[database]\npath = \"scamguard.db\"\nstored_secrets = [\"file:{}\"]\n\n[report]\nschedule = \"off\"\n\n\
             [[accounts]]\nname = \"test\"\nhost = \"127.0.0.1\"\nport = {}\n\
             tls = \"implicit\"\nusername = \"{USER}\"\npassword_file = \"password.txt\"\nca_file = \"cert.pem\"\n\
             initial_scan = \"all\"\ncommand_timeout = 10\n{extra_account_lines}",
            self.dir.path().display(),
            self.imaps_port
        );
        let password = self.dir.path().join("password.txt");
        std::fs::write(&password, format!("{PASSWORD}\n")).expect("password file");
        // Private, as a user would keep it (scamguard warns about a readable one).
        let private = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600);
        std::fs::set_permissions(&password, private).expect("chmod password file");
        std::fs::write(&path, text).expect("config");
        path
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.kill();
    }
}
