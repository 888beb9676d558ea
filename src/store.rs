//! The SQLite adapter: detections, folder cursors and daily counts (schema in
//! `migrations/`, applied by `sqlx::migrate!`).
//!
//! Knows nothing of IMAP: callers hand it plain records. The database file is created
//! with mode 0600 (it holds subjects and senders of people's mail), runs in WAL mode, and
//! is held by one scamguard process at a time through a lock file beside it.

mod read_queue;
mod records;
mod report_key;
mod review;

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use read_queue::{FolderRef, MAX_READ_TRIES, ReadOutcome};
pub use records::{Cursor, DetectionRow, HistoryFilter, NewDetection, Pending};
pub use review::Detection;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error("another scamguard process is using {0}; only one may run per database")]
    Locked(PathBuf),
}

/// An open detection database.
pub struct Store {
    pool: SqlitePool,
    /// Held for the life of the store: while it is locked, no second process opens the
    /// database for work (see [`Store::open`]).
    _lock: Option<File>,
}

impl Store {
    /// Opens (creating with mode 0600) the database at `path`, applies migrations and takes
    /// the single-process lock. A second process gets [`StoreError::Locked`].
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let lock = lock_file(path)?;
        let store = Store::open_unlocked(path).await?;
        Ok(Store { _lock: Some(lock), ..store })
    }

    /// Opens the database for reading and short edits (history, restore) without taking
    /// the process lock, so it works while the service runs.
    pub async fn open_unlocked(path: &Path) -> Result<Store, StoreError> {
        create_private(path)?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // 256 KiB of page cache per connection instead of SQLite's 2 MiB default: the
            // cache grows with the history and took the service's memory with it (peak RSS
            // of a 100,000-message first scan 21% above a 10,000-message one with 2 MiB, 9%
            // with this); a batch's lookups go by index, and the OS caches the file anyway.
            .pragma("cache_size", "-256");
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool, _lock: None })
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Creates the database file with mode 0600 if it does not exist yet, and tightens the
/// mode of an existing one.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let create = |p: &Path| -> std::io::Result<()> {
        if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        OpenOptions::new().create(true).append(true).mode(0o600).open(p)?;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600))
    };
    create(path).map_err(|source| StoreError::Create { path: path.to_path_buf(), source })
}

fn lock_file(path: &Path) -> Result<File, StoreError> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    if let Some(parent) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|source| StoreError::Create { path: parent.to_path_buf(), source })?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|source| StoreError::Create { path: lock_path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(StoreError::Locked(path.to_path_buf())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_database_is_private_and_single_process() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/scamguard.db");
        let store = Store::open(&path).await.expect("opens");
        let mode = std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(Store::open(&path).await, Err(StoreError::Locked(_))));
        assert!(Store::open_unlocked(&path).await.is_ok(), "readers still get in");
        drop(store);
        assert!(Store::open(&path).await.is_ok(), "the lock goes with the process that held it");
    }
}
