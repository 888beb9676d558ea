//! The service with its store on PostgreSQL, end to end: a real Dovecot and a real
//! PostgreSQL server (scamguard_testkit::postgres), the `scamguard` binary as a user runs it.

use std::path::Path;
use std::sync::Arc;

use scamguard::store::{Location, Store};

use super::service::{HAM, THREATS, append_all, contents, ids, load, mailbox};
use super::support::dovecot::{Dovecot, Options};
use super::support::postgres::Postgres;
use super::support::scamguard;

/// Points a test configuration at the PostgreSQL database `url` instead of its file.
pub(crate) fn on_postgres(config_path: &Path, url: &str) {
    let text = std::fs::read_to_string(config_path).expect("config");
    let text = text.replace("path = \"scamguard.db\"", &format!("url = \"{url}\""));
    std::fs::write(config_path, text).expect("config");
}

/// The backend a test keeps its store on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What keeps a test's database alive: the PostgreSQL server, or nothing (a file).
pub struct Database(#[allow(dead_code)] Option<Arc<Postgres>>);

impl Backend {
    /// Points a test configuration (as `Dovecot::write_config` writes it) at a fresh
    /// database of this backend: its own file, or a new PostgreSQL database.
    pub fn configure(self, config_path: &Path) -> Database {
        match self {
            Backend::Sqlite => Database(None),
            Backend::Postgres => {
                let server = Postgres::shared();
                on_postgres(config_path, &server.new_database());
                Database(Some(server))
            }
        }
    }
}

/// `async fn name(backend) { body }` as two tests, `name::sqlite` and `name::postgres`:
/// the service's promises checked with its store on each backend, by one body.
macro_rules! on_both_backends {
    ($(#[doc = $doc:literal])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                let $backend = $crate::postgres::Backend::Sqlite;
                $body
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                let $backend = $crate::postgres::Backend::Postgres;
                $body
            }
        }
    };
}
pub(crate) use on_both_backends;

#[tokio::test(flavor = "multi_thread")]
async fn run_once_on_postgres_moves_each_scam_once_and_history_reads_it_back() {
    let server = Postgres::shared();
    let url = server.new_database();
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    on_postgres(&config_path, &url);
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;
    append_all(&mut session, "INBOX", &HAM).await;

    for pass in 1..=2 {
        let run = scamguard().args(["run", "--once", "--config"]).arg(&config_path).output().expect("runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "pass {pass}: {stderr}\n{}", server.log());
        assert!(!stderr.contains(&url) && !stderr.contains("postgres://scamguard:"), "no password logged");
        let junk: Vec<String> = contents(&mut session, "Junk").await.into_keys().collect();
        assert_eq!(junk, ids(&THREATS), "pass {pass}: every scam in Junk, once");
        let inbox: Vec<String> = contents(&mut session, "INBOX").await.into_keys().collect();
        assert_eq!(inbox, ids(&HAM), "pass {pass}: the ham stays");
    }
    assert!(!dovecot.dir().join("scamguard.db").exists(), "no SQLite file beside the configuration");

    let history =
        scamguard().args(["history", "--json", "--config"]).arg(&config_path).output().expect("runs");
    assert!(history.status.success(), "{}", String::from_utf8_lossy(&history.stderr));
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&history.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(rows.len(), THREATS.len(), "one row per scam: {rows:?}");
    assert!(rows.iter().all(|r| r["action"] == "moved" && r["destination"] == "Junk"), "{rows:?}");

    let status = scamguard().args(["status", "--json", "--config"]).arg(&config_path).output().expect("runs");
    let states: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    assert_eq!(states[0]["folder"], "INBOX", "{states}");
    assert_eq!(states[0]["moved_today"], THREATS.len(), "{states}");
}

/// A database on another machine is reached over TLS, its certificate checked: with
/// `sslmode=verify-full` the store connects only to a server whose certificate verifies
/// for its name, and the session is encrypted.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_over_tls_is_encrypted_and_verified() {
    let server = Postgres::shared();
    let url = server.new_database();
    let verified = format!("{url}?sslmode=verify-full&sslrootcert={}", server.certificate().display());
    let store = Store::open_unlocked_at(&Location::Postgres(verified.clone())).await;
    assert!(store.is_ok(), "{:?}\n{}", store.err(), server.log());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&verified).await.expect("connects");
    let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let encrypted: bool = sqlx::query_scalar(sql).fetch_one(&mut conn).await.expect("asks");
    assert!(encrypted, "the session is encrypted");

    let other = tempfile::tempdir().expect("temp dir");
    super::support::net::make_certificate(other.path(), "IP:127.0.0.1");
    let wrong = format!("{url}?sslmode=verify-full&sslrootcert={}", other.path().join("cert.pem").display());
    let refused = Store::open_unlocked_at(&Location::Postgres(wrong)).await;
    assert!(refused.is_err(), "a server whose certificate does not verify is refused");
}

/// Workers share a PostgreSQL database (they split its accounts by leases): a second
/// `run` opens it too, and the URL's password is never shown.
#[tokio::test(flavor = "multi_thread")]
async fn two_services_open_the_same_postgres_database() {
    let server = Postgres::shared();
    let location = Location::Postgres(server.new_database());
    let first = Store::open_at(&location).await.expect("opens");
    let second = Store::open_at(&location).await.expect("a second worker opens it too");
    assert!(first.is_shared() && second.is_shared());
    assert!(
        !format!("{location:?} {location}").contains("scamguard:pw"),
        "the URL's password is never shown"
    );
}
