//! A real PostgreSQL for the tests: `initdb` into a temporary folder, `pg_ctl start` on a
//! free port of 127.0.0.1 (TLS on, with a certificate for 127.0.0.1: [`Postgres::certificate`])
//! with its unix socket in that folder, stopped (`pg_ctl stop -m
//! immediate`) when the last test using it drops it. Each test takes a database of its
//! own ([`Postgres::new_database`]), so tests share a server but never rows.
//!
//! Needs Debian's `postgresql` package (`.ci/run` installs it): its server binaries are
//! looked for in `/usr/lib/postgresql/*/bin` (the newest), or where `SCAMGUARD_PG_BIN`
//! says. Missing binaries fail the test with that message; nothing is skipped. `initdb`
//! and the server refuse to run as root: as root they run as `nobody`, owning the folder.
//!
//! The library's unit tests use it too (`src/store/test_backends.rs`), so the store's own
//! tests run against the same server.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::net::{free_port, make_certificate};

/// The role the tests connect as.
pub const USER: &str = "scamguard";

/// How long the server may take to start or stop (`pg_ctl -t`).
const START_SECONDS: &str = "60";

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    password: String,
    /// `nobody` when the tests run as root, `None` otherwise.
    run_as: Option<&'static str>,
    databases: AtomicU32,
    /// The server's options (`pg_ctl -o`), to start it again after a [`Postgres::stop`].
    options: Mutex<String>,
}

impl Postgres {
    /// The server the running tests share, started when no test holds it.
    pub fn shared() -> Arc<Postgres> {
        static SHARED: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(server) = shared.upgrade() {
            return server;
        }
        let server = Arc::new(Postgres::start());
        *shared = Arc::downgrade(&server);
        server
    }

    /// A server of its own (a test that stops or kills it).
    pub fn start() -> Postgres {
        let bin = binaries();
        let dir = tempfile::Builder::new().prefix("sgpg").tempdir_in("/tmp").expect("temp dir");
        let run_as = is_root().then_some("nobody");
        if run_as.is_some() {
            let status = Command::new("chown")
                .arg("-R")
                .arg("nobody:nogroup")
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown the PostgreSQL folder to nobody");
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let password = format!("pw{:016x}", rand::random::<u64>());
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n")).expect("password file");
        let mut server = Postgres {
            dir,
            bin,
            port: 0,
            password,
            run_as,
            databases: AtomicU32::new(0),
            options: Mutex::default(),
        };
        server.chown(&pwfile);
        let data = server.data();
        server.run_ok(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                USER,
                "--pwfile",
                path_str(&pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        // TLS: the key must be the server user's own and private, or PostgreSQL refuses it.
        make_certificate(server.dir.path(), "DNS:localhost,IP:127.0.0.1");
        let key = server.dir.path().join("key.pem");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod key");
        server.chown(&key);
        server.chown(&server.certificate());
        // A free port can be taken by another test's server between the check and the
        // start: a few tries, each on a new port.
        for attempt in 1..=3 {
            server.port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {dir} -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c shared_buffers=16MB -c max_connections=200 -c ssl=on \
                 -c ssl_cert_file={dir}/cert.pem -c ssl_key_file={dir}/key.pem",
                server.port,
                dir = server.dir.path().display()
            );
            *server.options.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = options;
            let started = server.pg_ctl_start();
            if started.status.success() {
                return server;
            }
            assert!(attempt < 3, "pg_ctl start failed: {}\n{}", output_text(&started), server.log());
        }
        unreachable!("the loop returns or fails")
    }

    /// `pg_ctl start` with this server's options.
    fn pg_ctl_start(&self) -> std::process::Output {
        let options = self.options.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        let (data, log) = (self.data(), self.dir.path().join("server.log"));
        let args = ["-D", path_str(&data), "-l", path_str(&log), "-w", "-t", START_SECONDS, "-o", &options];
        self.run("pg_ctl", &[&args[..], &["start"]].concat())
    }

    /// Stops the server (`-m fast`: sessions are cut, as a database restart cuts them).
    /// Only for a server of a test's own ([`Postgres::start`]).
    #[allow(dead_code)] // The library's unit tests, which compile this file too, never stop one.
    pub fn stop(&self) {
        let data = self.data();
        self.run_ok("pg_ctl", &["-D", path_str(&data), "-m", "fast", "-w", "-t", START_SECONDS, "stop"]);
    }

    /// Starts the server again after [`Postgres::stop`], on the same port.
    #[allow(dead_code)] // As `stop`.
    pub fn start_again(&self) {
        let started = self.pg_ctl_start();
        assert!(started.status.success(), "pg_ctl start: {}\n{}", output_text(&started), self.log());
    }

    /// A new, empty database on this server; its URL.
    pub fn new_database(&self) -> String {
        let name = format!("t{}", self.databases.fetch_add(1, Ordering::SeqCst));
        let created = Command::new(self.bin.join("createdb"))
            .args(["-h", path_str(self.dir.path()), "-p", &self.port.to_string(), "-U", USER, &name])
            .stdin(Stdio::null())
            .output()
            .expect("createdb runs");
        assert!(created.status.success(), "createdb {name}: {}\n{}", output_text(&created), self.log());
        self.url(&name)
    }

    /// The URL of database `name`, over TCP with the password.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}:{}@127.0.0.1:{}/{name}", self.password, self.port)
    }

    /// The certificate the server presents (self-signed, for 127.0.0.1).
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn chown(&self, path: &Path) {
        if self.run_as.is_some() {
            let _ = Command::new("chown").arg("nobody:nogroup").arg(path).status();
        }
    }

    /// Runs a server binary, as `nobody` when we are root.
    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(program);
        let mut command = match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("{} does not run: {error}", program.display()))
    }

    fn run_ok(&self, program: &str, args: &[&str]) {
        let output = self.run(program, args);
        assert!(output.status.success(), "{program} failed: {}", output_text(&output));
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["-D", path_str(&data), "-m", "immediate", "-w", "-t", "20", "stop"]);
    }
}

/// The folder of PostgreSQL's server binaries (`initdb`, `pg_ctl`, `createdb`).
fn binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCAMGUARD_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not in /usr/lib/postgresql/*/bin: install \
             Debian's postgresql package (.ci/run does), or set SCAMGUARD_PG_BIN to their folder"
        ),
    }
}

fn is_root() -> bool {
    let uid = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&uid.stdout).trim() == "0"
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn output_text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
