//! A real Courier IMAP for the tests: Debian's `imapd` (courier-imap), serving a maildir in a
//! temporary folder on a free port of 127.0.0.1, killed when dropped.
//!
//! Debian's courier-imap conflicts with dovecot-imapd as a package, so it is not installed:
//! `.ci/courier.sh` unpacks it into `/opt/scamguard-courier` (or `$SCAMGUARD_COURIER_ROOT`),
//! and it runs from there. A missing unpacked server fails the test with that advice; it
//! never skips.
//!
//! Login: Courier's own front end (`imaplogin`) checks passwords through authlib's
//! `authdaemond`, reached at a socket path compiled into the library
//! (`/run/courier/authdaemon/socket`) and configured under `/etc/courier`: one daemon for
//! the whole machine, not one per test. So this fixture stands in for `imaplogin` alone: it
//! greets, answers CAPABILITY, checks `LOGIN` against the test user's password, and hands
//! the connection to the real `imapd` exactly as `imaplogin` does (the socket as its standard
//! input and output, `AUTHENTICATED` and `IMAPLOGINTAG` set; `imapd` then says `OK LOGIN`).
//! Everything after login is Courier's own. No TLS: scamguard's `tls = "none"` on loopback.
//!
//! `imapd` runs with Debian's `/etc/courier/imapd` settings (capabilities: UIDPLUS, IDLE,
//! NAMESPACE, no MOVE, no SPECIAL-USE), except that IDLE looks at the maildir every second
//! instead of every minute. gamin's `gam_server` (courier-imap depends on gamin) runs per
//! server; without it every mailbox operation waits on a failing FAM connection.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use super::dovecot::{PASSWORD, USER};

/// Debian's `IMAP_CAPABILITY` from `/etc/courier/imapd` (imapd adds ENABLE and UTF8=ACCEPT).
const CAPABILITIES: &str =
    "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE";

/// What `imaplogin` offers before login.
const LOGIN_CAPABILITIES: &str = "IMAP4rev1 CHILDREN NAMESPACE IDLE AUTH=PLAIN";

/// Where `.ci/courier.sh` unpacks the packages, unless `SCAMGUARD_COURIER_ROOT` says otherwise.
const DEFAULT_ROOT: &str = "/opt/scamguard-courier";

pub struct Courier {
    dir: tempfile::TempDir,
    pub port: u16,
    stopping: Arc<AtomicBool>,
    sessions: Arc<Mutex<Vec<Child>>>,
    gamin: Child,
    accepting: Option<std::thread::JoinHandle<()>>,
}

/// What a connection needs to start `imapd`.
struct Launcher {
    root: PathBuf,
    dir: PathBuf,
    gamin_id: String,
}

impl Courier {
    pub fn start() -> Courier {
        let root = root();
        let dir = tempfile::Builder::new().prefix("sgc").tempdir_in("/tmp").expect("temp dir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(dir.path().join("home/Maildir").join(sub)).expect("maildir");
        }
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let gamin_id =
            format!("scamguard-{}-{}", std::process::id(), STARTED.fetch_add(1, Ordering::Relaxed));
        let gamin = start_gamin(&root, dir.path(), &gamin_id);

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let stopping = Arc::new(AtomicBool::new(false));
        let sessions = Arc::new(Mutex::new(Vec::new()));
        let launcher = Arc::new(Launcher { root, dir: dir.path().to_path_buf(), gamin_id });
        let accepting = {
            let (stopping, sessions) = (Arc::clone(&stopping), Arc::clone(&sessions));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (launcher, stopping, sessions) =
                        (Arc::clone(&launcher), Arc::clone(&stopping), Arc::clone(&sessions));
                    std::thread::spawn(move || {
                        if let Some(child) = log_in(stream, &launcher, &stopping) {
                            sessions.lock().unwrap_or_else(|p| p.into_inner()).push(child);
                        }
                    });
                }
            })
        };
        Courier { dir, port, stopping, sessions, gamin, accepting: Some(accepting) }
    }

    /// What `imapd` wrote to its standard error (logins, logouts, errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("imapd.log")).unwrap_or_default()
    }

    /// A configuration file for scamguard pointing at this server (plaintext on loopback).
    pub fn write_config(&self, extra_account_lines: &str) -> PathBuf {
        let path = self.dir.path().join("scamguard.toml");
        std::fs::write(self.dir.path().join("password.txt"), format!("{PASSWORD}\n")).expect("password file");
        let account = [
            "name = \"courier\"".to_string(),
            "host = \"127.0.0.1\"".to_string(),
            format!("port = {}", self.port),
            "tls = \"none\"".to_string(),
            format!("username = \"{USER}\""),
            "password_file = \"password.txt\"".to_string(),
            "initial_scan = \"all\"".to_string(),
            "command_timeout = 10".to_string(),
        ];
        let text = format!(
            "[database]\npath = \"scamguard.db\"\n\n[report]\nschedule = \"off\"\n\n[[accounts]]\n{}\n{extra_account_lines}",
            account.join("\n")
        );
        std::fs::write(&path, text).expect("config");
        path
    }
}

impl Drop for Courier {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.accepting.take() {
            let _ = thread.join();
        }
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        for child in sessions.iter_mut().chain(std::iter::once(&mut self.gamin)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The unpacked packages; the test fails here, with the remedy, when they are missing.
fn root() -> PathBuf {
    let root =
        std::env::var_os("SCAMGUARD_COURIER_ROOT").map_or_else(|| PathBuf::from(DEFAULT_ROOT), PathBuf::from);
    assert!(
        root.join("usr/bin/imapd").is_file() && root.join("usr/libexec/gam_server").is_file(),
        "Courier IMAP is not unpacked in {}: run .ci/courier.sh (as root) first. The Courier tests \
         need it and do not skip without it.",
        root.display()
    );
    root
}

fn library_path(root: &Path) -> String {
    ["usr/lib", "usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"]
        .iter()
        .map(|sub| root.join(sub).display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// Starts this server's own gam_server and waits until its (abstract) socket listens, so
/// `imapd` finds it instead of trying to start one from a path that does not exist.
fn start_gamin(root: &Path, dir: &Path, id: &str) -> Child {
    let mut child = Command::new(root.join("usr/libexec/gam_server"))
        .args(["--notimeout", id])
        .env("LD_LIBRARY_PATH", library_path(root))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("gamin.log")).expect("gamin log"))
        .spawn()
        .expect("gam_server starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    // "@/tmp/fam-root-ID", padded with NULs that /proc shows as '@'.
    let name = format!("-{id}");
    let listening = |line: &str| line.contains("@/tmp/fam-") && line.trim_end_matches('@').ends_with(&name);
    loop {
        let sockets = std::fs::read_to_string("/proc/net/unix").unwrap_or_default();
        if sockets.lines().any(listening) {
            return child;
        }
        let exited = child.try_wait().ok().flatten();
        if exited.is_some() || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gam_server did not start listening (exit: {exited:?})");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Plays `imaplogin` on one connection: returns the `imapd` it handed the connection to,
/// or `None` when the client left (or the server is stopping) before logging in.
fn log_in(mut stream: TcpStream, launcher: &Launcher, stopping: &AtomicBool) -> Option<Child> {
    let greeting = format!("* OK [CAPABILITY {LOGIN_CAPABILITIES}] Courier-IMAP ready (test login).\r\n");
    stream.write_all(greeting.as_bytes()).ok()?;
    loop {
        let line = read_line(&mut stream)?;
        let mut words = line.splitn(3, ' ');
        let (tag, command, arguments) =
            (words.next().unwrap_or("*"), words.next().unwrap_or(""), words.next().unwrap_or(""));
        let reply = match command.to_ascii_uppercase().as_str() {
            "CAPABILITY" => format!("* CAPABILITY {LOGIN_CAPABILITIES}\r\n{tag} OK CAPABILITY completed\r\n"),
            "NOOP" => format!("{tag} OK NOOP completed\r\n"),
            "LOGOUT" => {
                let _ = stream.write_all(
                    format!("* BYE Courier-IMAP server shutting down\r\n{tag} OK LOGOUT completed\r\n")
                        .as_bytes(),
                );
                return None;
            }
            "LOGIN" if credentials(arguments).is_some_and(|(u, p)| u == USER && p == PASSWORD) => {
                if stopping.load(Ordering::SeqCst) {
                    return None;
                }
                return Some(launch_imapd(stream, launcher, tag));
            }
            "LOGIN" => format!("{tag} NO Login failed.\r\n"),
            _ => format!("{tag} BAD Error in IMAP command received by server.\r\n"),
        };
        stream.write_all(reply.as_bytes()).ok()?;
    }
}

/// Hands the logged-in connection to `imapd`, as `imaplogin` would have.
fn launch_imapd(stream: TcpStream, launcher: &Launcher, tag: &str) -> Child {
    let peer_port = stream.peer_addr().map(|a| a.port()).unwrap_or(0);
    let home = launcher.dir.join("home");
    let output = stream.try_clone().expect("clone the socket");
    Command::new(launcher.root.join("usr/bin/imapd"))
        .arg("Maildir")
        .current_dir(&home)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LD_LIBRARY_PATH", library_path(&launcher.root))
        .env("HOME", &home)
        .env("AUTHENTICATED", USER)
        .env("IMAPLOGINTAG", tag)
        .env("TCPREMOTEIP", "127.0.0.1")
        .env("TCPREMOTEPORT", peer_port.to_string())
        .env("GAM_CLIENT_ID", &launcher.gamin_id)
        .env("IMAP_CAPABILITY", CAPABILITIES)
        .env("IMAP_KEYWORDS", "1")
        .env("IMAP_ACL", "1")
        .env("IMAP_IDLE_TIMEOUT", "1")
        .env("IMAP_ENHANCEDIDLE", "0")
        .env("IMAP_MAILBOX_SANITY_CHECK", "1")
        .env("IMAP_USELOCKS", "1")
        .env("IMAP_TRASHFOLDERNAME", "Trash")
        .env("IMAP_EMPTYTRASH", "Trash:7")
        .env("IMAP_MOVE_EXPUNGE_TO_TRASH", "0")
        .env("IMAP_SHAREDINDEXFILE", launcher.dir.join("shared/index"))
        .stdin(Stdio::from(OwnedFd::from(stream)))
        .stdout(Stdio::from(OwnedFd::from(output)))
        .stderr(log_file(&launcher.dir))
        .spawn()
        .expect("imapd starts")
}

fn log_file(dir: &Path) -> Stdio {
    let file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("imapd.log"));
    file.map_or_else(|_| Stdio::null(), Stdio::from)
}

/// One command line, read a byte at a time so nothing meant for `imapd` is taken; at most
/// 8 KiB. `None` when the client left.
fn read_line(stream: &mut TcpStream) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 8192 {
        stream.read_exact(&mut byte).ok()?;
        match byte[0] {
            b'\n' => break,
            b'\r' => {}
            other => line.push(other),
        }
    }
    Some(String::from_utf8_lossy(&line).into_owned())
}

/// The user name and password of `LOGIN` arguments: atoms or quoted strings.
fn credentials(arguments: &str) -> Option<(String, String)> {
    let mut rest = arguments.trim_start();
    let mut next = || -> Option<String> {
        rest = rest.trim_start();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            while let Some((at, c)) = chars.next() {
                match c {
                    '\\' => value.push(chars.next()?.1),
                    '"' => {
                        rest = quoted.get(at + 1..)?;
                        return Some(value);
                    }
                    c => value.push(c),
                }
            }
            None
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            let (word, after) = rest.split_at(end);
            rest = after;
            (!word.is_empty()).then(|| word.to_string())
        }
    };
    Some((next()?, next()?))
}
