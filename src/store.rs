//! The database adapter: detections, folder cursors, Junk cursors, daily counts, known
//! correspondents and the user's sender lists, in SQLite (the embedded default; schema in
//! `migrations/`) or PostgreSQL (`migrations/postgres/`), both applied by `sqlx::migrate!`.
//!
//! One store for both backends: each query is written once, in the SQL the two share
//! (`$1` parameters, `ON CONFLICT` upserts, `RETURNING`), and `on!` runs it with the
//! native driver of the backend the store was opened on. The few statements the dialects
//! spell differently live in `dialect.rs`.
//!
//! Knows nothing of IMAP: callers hand it plain records, typed: the `detections` table's
//! words are enums ([`Action`], [`Verdict`], [`Category`]) and its JSON columns structs
//! ([`Signals`], [`Evidence`]), and rows are read by column name, a value that does not
//! decode being an error ([`StoreError::Sql`]), never a panic. The database file is created
//! with mode 0600 (it holds subjects and senders of people's mail), runs in WAL mode, and
//! is held by one scamguard process at a time through a lock file beside its canonical
//! path (see [`Store::open`]).
//!
//! Writes that the service's promises rest on (detections, cursors, outcomes) go through
//! `Store::begin_write` / `Store::end_write`: each is one transaction (`BEGIN IMMEDIATE`
//! in SQLite, made only after checking that the file opened is still the one at the
//! path), and a connection whose write failed is closed instead of going back to the pool.

mod browse;
mod correspondents;
mod deliveries;
mod dialect;
mod evidence;
mod feedback;
mod fleet;
mod open;
mod personal;
mod postgres;
mod read_queue;
mod records;
mod report_key;
mod review;
mod senders;
#[cfg(test)]
mod shared_writes;
mod status;
#[cfg(test)]
pub(crate) mod test_backends;
mod vocab;

use std::fs::File;
use std::path::PathBuf;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{Postgres, Sqlite};

pub use crate::detect::Category;
pub use browse::{HistoryPage, HistoryQuery};
pub use correspondents::{MAX_CORRESPONDENTS, SentCursor};
pub use deliveries::Claim;
pub use evidence::{Amount, Deadline, EVIDENCE_VERSION, Evidence, EvidenceError, Signal, Signals, Wallet};
pub use feedback::{JunkCursor, Release};
pub use fleet::{Enabled, LEASE_MARGIN, LEASE_SECONDS, Lease, StoredAccount};
pub use open::{Access, Location};
pub use personal::{Forgotten, StoredPersonal};
pub use read_queue::{FolderRef, MAX_READ_TRIES, ReadOutcome};
pub use records::{Cursor, HistoryFilter, Identity, NewDetection, Pending};
pub use review::Detection;
pub use senders::{Added, ListKind, SenderEntry};
pub use status::{FolderState, Holder, WatchMode};
pub use vocab::{Action, CATEGORIES, Verdict};

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// A write failed (disk full, I/O error, locked past the busy timeout): whatever
    /// depended on it (a move) is not done.
    #[error("cannot record in the database: {0}; nothing is moved until recording works again")]
    Write(sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error("another scamguard process is using {0}; only one may run per database")]
    Locked(PathBuf),
    #[error("[database] url does not read as a PostgreSQL URL ({0})")]
    BadUrl(String),
    #[error("there is no database at {0} (check [database] path in the configuration)")]
    Missing(PathBuf),
    #[error(
        "the database file {0} was deleted or replaced while scamguard was running; stopping rather \
         than recording into a file nobody can see (restart scamguard to use the file now there)"
    )]
    Vanished(PathBuf),
    #[error(
        "the database {path} has schema version {found}, older than this scamguard's {wanted}, and it \
         cannot be upgraded here ({reason}); run `scamguard run --once` once with write access to it"
    )]
    Outdated { path: PathBuf, found: i64, wanted: i64, reason: String },
}

impl StoreError {
    /// Whether retrying cannot help until scamguard is restarted (the file it opened is
    /// gone): a worker should stop rather than retry with backoff.
    pub fn is_permanent(&self) -> bool {
        matches!(self, StoreError::Vanished(_))
    }
}

/// The device and inode of the database file when it was opened: a file deleted or
/// replaced under a running service no longer matches its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
}

/// One of the two backends: its pool, a pooled connection, or a borrowed one. [`on!`]
/// runs the same code on whichever it is.
pub(crate) enum Backend<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// Runs `$body` with `$db` bound to what `$backend` holds (a pool or a connection of
/// either backend): the query in `$body` is written once and compiled for both drivers.
/// Both arms must give the same type (`execute` gives each driver's own result: take its
/// `rows_affected()`).
macro_rules! on {
    ($backend:expr, $db:ident => $body:expr) => {
        match $backend {
            $crate::store::Backend::Sqlite($db) => $body,
            $crate::store::Backend::Postgres($db) => $body,
        }
    };
}
pub(crate) use on;

impl<S, P> Backend<S, P> {
    /// The SQL dialect of this backend.
    pub(crate) fn dialect(&self) -> dialect::Dialect {
        match self {
            Backend::Sqlite(_) => dialect::Dialect::Sqlite,
            Backend::Postgres(_) => dialect::Dialect::Postgres,
        }
    }
}

/// The pool of the open database.
type Pool = Backend<SqlitePool, PgPool>;

/// A connection inside a write transaction, as the statements of a write use it.
pub(crate) type Conn<'c> = Backend<&'c mut SqliteConnection, &'c mut PgConnection>;

impl Conn<'_> {
    /// The same connection, borrowed again for one more statement.
    pub(crate) fn again(&mut self) -> Conn<'_> {
        match self {
            Backend::Sqlite(conn) => Backend::Sqlite(&mut **conn),
            Backend::Postgres(conn) => Backend::Postgres(&mut **conn),
        }
    }
}

/// The database file of a SQLite store: what [`Store::check_file`] compares with.
struct DatabaseFile {
    /// The canonical path of the database file.
    path: PathBuf,
    identity: FileIdentity,
    /// Held for the life of the store: while it is locked, no second process opens the
    /// database for work (see [`Store::open`]).
    _lock: Option<File>,
}

/// An open detection database.
pub struct Store {
    pool: Pool,
    /// SQLite only: PostgreSQL is a server, whose database cannot vanish under us.
    file: Option<DatabaseFile>,
}

/// A connection inside a write transaction; give it back with [`Store::end_write`].
pub(crate) struct Writing(Backend<PoolConnection<Sqlite>, PoolConnection<Postgres>>);

impl Store {
    pub(crate) fn pool(&self) -> Backend<&SqlitePool, &PgPool> {
        match &self.pool {
            Backend::Sqlite(pool) => Backend::Sqlite(pool),
            Backend::Postgres(pool) => Backend::Postgres(pool),
        }
    }

    /// Whether several processes may work on this database at once (PostgreSQL: they
    /// share its accounts by leases), rather than one holding it (a SQLite file).
    pub fn is_shared(&self) -> bool {
        matches!(self.pool, Backend::Postgres(_))
    }

    /// The dialect-specific SQL of this store's backend.
    pub(crate) fn dialect(&self) -> dialect::Dialect {
        self.pool.dialect()
    }

    /// Closes every connection now (a SQLite file is checkpointed and its `-wal` and `-shm`
    /// removed when this was the last one), instead of whenever the pool is dropped.
    pub async fn close(self) {
        on!(&self.pool, pool => pool.close().await);
    }

    /// Fails with [`StoreError::Vanished`] when the path no longer leads to the file that
    /// was opened (deleted, or replaced by another file). Always passes on PostgreSQL.
    pub fn check_file(&self) -> Result<(), StoreError> {
        let Some(file) = &self.file else { return Ok(()) };
        match open::identity(&file.path) {
            Ok(now) if now == file.identity => Ok(()),
            _ => Err(StoreError::Vanished(file.path.clone())),
        }
    }

    /// Starts a write transaction (see `dialect::Dialect::begin_write` for what each backend
    /// begins with, and why).
    pub(crate) async fn begin_write(&self) -> Result<Writing, StoreError> {
        self.check_file()?;
        let begin = self.dialect().begin_write();
        on!(&self.pool, pool => {
            let mut conn = pool.acquire().await.map_err(StoreError::Write)?;
            match sqlx::query(begin).execute(&mut *conn).await {
                Ok(_) => Ok(Writing(conn.into())),
                Err(error) => {
                    drop(conn.detach());
                    Err(StoreError::Write(error))
                }
            }
        })
    }

    /// Commits when `result` is `Ok`; otherwise (or when the commit fails) closes the
    /// connection, which rolls back whatever it held. Plain SQL and no sqlx transaction,
    /// and a connection whose write failed is never reused: after SQLite itself rolled
    /// back a write that hit a full disk, sqlx's transaction count was left one too high,
    /// so the connection's next "transaction" became a savepoint inside a transaction
    /// that never ended. Its commits were never committed (moves without records, lost
    /// when the connection closed), and its stale snapshot made later writes fail at once
    /// with "database is locked" (SQLITE_BUSY_SNAPSHOT), every retry.
    pub(crate) async fn end_write<T>(
        &self,
        writing: Writing,
        result: Result<T, sqlx::Error>,
    ) -> Result<T, StoreError> {
        let Writing(mut conn) = writing;
        let value = match result {
            Ok(value) => value,
            Err(error) => {
                conn.discard();
                return Err(StoreError::Write(error));
            }
        };
        let committed = on!(&mut conn, c => sqlx::query("COMMIT").execute(&mut **c).await.map(|_| ()));
        match committed {
            Ok(()) => Ok(value),
            Err(error) => {
                conn.discard();
                Err(StoreError::Write(error))
            }
        }
    }
}

impl Writing {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.0 {
            Backend::Sqlite(conn) => Backend::Sqlite(&mut **conn),
            Backend::Postgres(conn) => Backend::Postgres(&mut **conn),
        }
    }
}

impl From<PoolConnection<Sqlite>> for Backend<PoolConnection<Sqlite>, PoolConnection<Postgres>> {
    fn from(conn: PoolConnection<Sqlite>) -> Self {
        Backend::Sqlite(conn)
    }
}

impl From<PoolConnection<Postgres>> for Backend<PoolConnection<Sqlite>, PoolConnection<Postgres>> {
    fn from(conn: PoolConnection<Postgres>) -> Self {
        Backend::Postgres(conn)
    }
}

impl Backend<PoolConnection<Sqlite>, PoolConnection<Postgres>> {
    /// Takes the connection out of the pool and closes it (closing rolls back an open
    /// transaction); the pool opens a fresh one when needed.
    fn discard(self) {
        on!(self, conn => drop(conn.detach()));
    }
}
