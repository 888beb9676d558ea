//! The SQLite adapter: detections, folder cursors, Junk cursors, daily counts, known
//! correspondents and the user's sender lists (schema in `migrations/`, applied by
//! `sqlx::migrate!`).
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
//! `Store::begin_write` / `Store::end_write`: each is one `BEGIN IMMEDIATE`
//! transaction, made only after checking that the file opened is still the one at the
//! path, and a connection whose write failed is closed instead of going back to the pool.

mod browse;
mod correspondents;
mod evidence;
mod feedback;
mod open;
mod personal;
mod read_queue;
mod records;
mod report_key;
mod review;
mod senders;
mod status;
mod vocab;

use std::fs::File;
use std::path::PathBuf;

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqlitePool;

pub use crate::detect::Category;
pub use browse::{HistoryPage, HistoryQuery};
pub use correspondents::{MAX_CORRESPONDENTS, SentCursor};
pub use evidence::{Amount, Deadline, EVIDENCE_VERSION, Evidence, EvidenceError, Signal, Signals, Wallet};
pub use feedback::{JunkCursor, Release};
pub use open::Access;
pub use personal::{Forgotten, StoredPersonal};
pub use read_queue::{FolderRef, MAX_READ_TRIES, ReadOutcome};
pub use records::{Cursor, HistoryFilter, Identity, NewDetection, Pending};
pub use review::{Claim, Detection};
pub use senders::{Added, ListKind, SenderEntry};
pub use status::{FolderState, WatchMode};
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

/// An open detection database.
pub struct Store {
    pool: SqlitePool,
    /// The canonical path of the database file.
    path: PathBuf,
    identity: FileIdentity,
    /// Held for the life of the store: while it is locked, no second process opens the
    /// database for work (see [`Store::open`]).
    _lock: Option<File>,
}

/// A connection inside a `BEGIN IMMEDIATE` transaction; give it back with
/// [`Store::end_write`].
pub(crate) struct Writing(PoolConnection<Sqlite>);

impl Store {
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection now (the file is checkpointed and its `-wal` and `-shm`
    /// removed when this was the last one), instead of whenever the pool is dropped.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Fails with [`StoreError::Vanished`] when the path no longer leads to the file that
    /// was opened (deleted, or replaced by another file).
    pub fn check_file(&self) -> Result<(), StoreError> {
        match open::identity(&self.path) {
            Ok(now) if now == self.identity => Ok(()),
            _ => Err(StoreError::Vanished(self.path.clone())),
        }
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock at once (under
    /// the busy timeout), so the transaction never has to upgrade a stale read snapshot,
    /// which SQLite refuses at once with "database is locked" (SQLITE_BUSY_SNAPSHOT).
    pub(crate) async fn begin_write(&self) -> Result<Writing, StoreError> {
        self.check_file()?;
        let mut conn = self.pool.acquire().await.map_err(StoreError::Write)?;
        match sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
            Ok(_) => Ok(Writing(conn)),
            Err(error) => {
                discard(conn);
                Err(StoreError::Write(error))
            }
        }
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
                discard(conn);
                return Err(StoreError::Write(error));
            }
        };
        match sqlx::query("COMMIT").execute(&mut *conn).await {
            Ok(_) => Ok(value),
            Err(error) => {
                discard(conn);
                Err(StoreError::Write(error))
            }
        }
    }
}

impl Writing {
    pub(crate) fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.0
    }
}

/// Takes a connection out of the pool and closes it (closing rolls back an open
/// transaction); the pool opens a fresh one when needed.
fn discard(conn: PoolConnection<Sqlite>) {
    drop(conn.detach());
}
