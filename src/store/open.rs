//! Opening the database: for the service (created if missing, migrated, locked), and for
//! the review commands (must exist; read-only when only reading, so a database on a
//! read-only file or folder can still be looked at). A SQLite file by its path, or a
//! PostgreSQL database by its URL ([`Location`]; the PostgreSQL side is in `postgres.rs`).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Backend, DatabaseFile, FileIdentity, Store, StoreError};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Where a database is.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file: the embedded default, one process at a time.
    File(PathBuf),
    /// A PostgreSQL database, by its `postgres://` URL. The URL may hold a password: it is
    /// never printed (see `Debug` and `Display`).
    Postgres(String),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => f.debug_tuple("File").field(path).finish(),
            Location::Postgres(_) => write!(f, "Postgres({self})"),
        }
    }
}

/// The path of a file; a PostgreSQL database as `postgres://host:port/name`, without the
/// user and password the URL may hold.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&super::postgres::describe(url)),
        }
    }
}

impl Store {
    /// Opens the database at `location` for the service: [`Store::open`] for a file (held
    /// by this process alone), and a PostgreSQL database migrated: the `run`s sharing it
    /// split its accounts by leases.
    pub async fn open_at(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::File(path) => Store::open(path).await,
            Location::Postgres(url) => super::postgres::open(url).await,
        }
    }

    /// [`Store::open_unlocked`] for a file; a PostgreSQL database is migrated and not
    /// locked.
    pub async fn open_unlocked_at(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::File(path) => Store::open_unlocked(path).await,
            Location::Postgres(url) => super::postgres::open(url).await,
        }
    }

    /// [`Store::open_existing`] for a file. A PostgreSQL database must exist on the server
    /// (the connection fails otherwise); with [`Access::Read`] it is only migrated when
    /// its schema is older, so a role that may only read can read a current one.
    pub async fn open_existing_at(location: &Location, access: Access) -> Result<Store, StoreError> {
        match location {
            Location::File(path) => Store::open_existing(path, access).await,
            Location::Postgres(url) => {
                let store = super::postgres::connect(url).await?;
                let wanted = super::postgres::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
                if access == Access::Write || schema_version(&store).await < wanted {
                    store.migrate().await?;
                }
                Ok(store)
            }
        }
    }

    /// Whether there is a database to read at `location` (a PostgreSQL database is
    /// assumed to be there: asking would mean connecting).
    pub fn exists_at(location: &Location) -> bool {
        match location {
            Location::File(path) => path.exists(),
            Location::Postgres(_) => true,
        }
    }
}

/// What a command needs of an existing database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only reads (`history`, `show`, `report`): opened read-only when the schema is
    /// current, so a read-only file or folder works.
    Read,
    /// Also writes (`restore`, `report --deliver`).
    Write,
}

impl Store {
    /// Opens (creating with mode 0600) the database at `path`, applies migrations and takes
    /// the single-process lock on the database file itself, so a symlink or a hard link to
    /// the same file meets the same lock. A second process gets [`StoreError::Locked`].
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let path = create_private(path)?;
        let lock = lock_file(&path)?;
        let mut store = connect(&path, false).await?;
        store.migrate().await?;
        if let Some(file) = &mut store.file {
            file._lock = Some(lock);
        }
        Ok(store)
    }

    /// Opens (creating if missing) and migrates the database without taking the process
    /// lock, so it works while the service runs (tests and tools).
    pub async fn open_unlocked(path: &Path) -> Result<Store, StoreError> {
        let path = create_private(path)?;
        let store = connect(&path, false).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a database that must exist already ([`StoreError::Missing`] otherwise: a typo
    /// in the path must not show an empty history), without the process lock. With
    /// [`Access::Read`] and a current schema it is opened read-only and nothing is
    /// written; an older schema is upgraded if the file can be written, and is otherwise
    /// a clear [`StoreError::Outdated`].
    pub async fn open_existing(path: &Path, access: Access) -> Result<Store, StoreError> {
        let path = match std::fs::canonicalize(path) {
            Ok(path) if path.is_file() => path,
            _ => return Err(StoreError::Missing(path.to_path_buf())),
        };
        if access == Access::Read {
            let store = connect(&path, true).await?;
            let found = schema_version(&store).await;
            let wanted = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
            if found >= wanted {
                return Ok(store);
            }
            store.close().await;
            let upgraded = async {
                let store = connect(&path, false).await?;
                store.migrate().await?;
                Ok::<Store, StoreError>(store)
            };
            return upgraded.await.map_err(|error| StoreError::Outdated {
                path: path.clone(),
                found,
                wanted,
                reason: error.to_string(),
            });
        }
        let store = connect(&path, false).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the backend's migrations not applied yet.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Backend::Sqlite(pool) => MIGRATOR.run(pool).await?,
            Backend::Postgres(pool) => super::postgres::MIGRATOR.run(pool).await?,
        }
        Ok(())
    }
}

/// The newest migration applied to the database (0 when none is).
pub(super) async fn schema_version(store: &Store) -> i64 {
    let sql = "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM _sqlx_migrations WHERE success";
    super::on!(store.pool(), db => sqlx::query_scalar::<_, i64>(sql).fetch_one(db).await).unwrap_or(0)
}

async fn connect(path: &Path, read_only: bool) -> Result<Store, StoreError> {
    let mut options = SqliteConnectOptions::new().filename(path).read_only(read_only);
    if !read_only {
        // Setting the journal mode is a write: a read-only connection reads the mode the
        // file has (WAL, set when it was created).
        options = options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal);
    }
    let options = options
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // 256 KiB of page cache per connection instead of SQLite's 2 MiB default: the
        // cache grows with the history and took the service's memory with it (peak RSS
        // of a 100,000-message first scan 21% above a 10,000-message one with 2 MiB, 9%
        // with this); a batch's lookups go by index, and the OS caches the file anyway.
        .pragma("cache_size", "-256");
    let identity = identity(path).map_err(|_| StoreError::Missing(path.to_path_buf()))?;
    let pool = match SqlitePoolOptions::new().max_connections(4).connect_with(options.clone()).await {
        Ok(pool) => pool,
        // A WAL database needs its -shm file, which a read-only folder cannot hold. With no
        // -wal file beside it either, no writer has it open (a writer would need that
        // folder too), so the file is read as it stands.
        Err(_) if read_only && !wal_path(path).exists() => {
            SqlitePoolOptions::new().max_connections(1).connect_with(options.immutable(true)).await?
        }
        Err(error) => return Err(error.into()),
    };
    let file = DatabaseFile { path: path.to_path_buf(), identity, _lock: None };
    Ok(Store { pool: Backend::Sqlite(pool), file: Some(file) })
}

fn wal_path(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", path.display()))
}

/// The device and inode the path leads to now.
pub(super) fn identity(path: &Path) -> std::io::Result<FileIdentity> {
    let meta = std::fs::metadata(path)?;
    Ok(FileIdentity { dev: meta.dev(), ino: meta.ino() })
}

/// Creates the database file with mode 0600 if it does not exist yet, tightens the mode
/// of an existing one, and returns its canonical path. The mode is set by path, never
/// through a descriptor of our own on an existing file: closing any descriptor of a file
/// drops the POSIX locks SQLite holds on it in this process.
fn create_private(path: &Path) -> Result<PathBuf, StoreError> {
    let create = |p: &Path| -> std::io::Result<PathBuf> {
        if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::metadata(p).is_err() {
            OpenOptions::new().create(true).append(true).mode(0o600).open(p)?;
        }
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600))?;
        std::fs::canonicalize(p)
    };
    create(path).map_err(|source| StoreError::Create { path: path.to_path_buf(), source })
}

/// How long a lock that is being let go is waited for: a child this process forks
/// (a `password_command`, a test's server) shares the lock's open file until it execs,
/// so a store closed a moment ago can still look locked for that moment.
const LOCK_RELEASE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Takes the single-process lock: an exclusive `flock` on the database file itself, held
/// by the inode, so every path to the file (symlinks, hard links, bind mounts) meets it.
/// SQLite's own locks are POSIX record locks, which on Linux do not interact with `flock`.
/// A lock still held after [`LOCK_RELEASE_WAIT`] is another process's.
fn lock_file(canonical: &Path) -> Result<File, StoreError> {
    let file = OpenOptions::new()
        .read(true)
        .open(canonical)
        .map_err(|source| StoreError::Create { path: canonical.to_path_buf(), source })?;
    let deadline = std::time::Instant::now() + LOCK_RELEASE_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(_) => return Err(StoreError::Locked(canonical.to_path_buf())),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
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

    #[tokio::test]
    async fn the_lock_holds_through_a_symlink_and_a_hard_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("scamguard.db");
        let _store = Store::open(&path).await.expect("opens");
        let link = dir.path().join("other-name.db");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        std::fs::create_dir(dir.path().join("elsewhere")).expect("mkdir");
        let hard = dir.path().join("elsewhere/scamguard.db");
        std::fs::hard_link(&path, &hard).expect("hard link");
        for other_name in [link, hard] {
            assert!(
                matches!(Store::open(&other_name).await, Err(StoreError::Locked(_))),
                "the same file by another name is the same database: {}",
                other_name.display()
            );
        }
    }

    #[tokio::test]
    async fn a_database_deleted_or_replaced_while_open_refuses_writes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("scamguard.db");
        let store = Store::open(&path).await.expect("opens");
        let cursor = crate::store::Cursor { uidvalidity: 1, last_uid: 1 };
        store.save_cursor("a", "INBOX", cursor, 1).await.expect("writes while the file is there");

        std::fs::rename(&path, dir.path().join("moved-away.db")).expect("rename");
        std::fs::write(&path, b"").expect("another file takes its place");
        assert!(matches!(store.save_cursor("a", "INBOX", cursor, 2).await, Err(StoreError::Vanished(_))));
        std::fs::remove_file(&path).expect("delete");
        let error = store.save_cursor("a", "INBOX", cursor, 3).await.expect_err("refused");
        assert!(error.to_string().contains("deleted or replaced"), "{error}");
        assert!(error.is_permanent());
    }

    #[tokio::test]
    async fn review_opens_need_an_existing_database_and_read_without_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let typo = dir.path().join("scamgaurd.db");
        assert!(matches!(Store::open_existing(&typo, Access::Read).await, Err(StoreError::Missing(_))));
        assert!(matches!(Store::open_existing(&typo, Access::Write).await, Err(StoreError::Missing(_))));
        assert!(!typo.exists(), "no empty database is created");

        let path = dir.path().join("scamguard.db");
        drop(Store::open(&path).await.expect("create"));
        let reader = Store::open_existing(&path, Access::Read).await.expect("opens");
        assert!(reader.history(&Default::default()).await.expect("reads").is_empty());
        let cursor = crate::store::Cursor { uidvalidity: 1, last_uid: 1 };
        assert!(reader.save_cursor("a", "INBOX", cursor, 1).await.is_err(), "opened read-only");
    }

    /// Everything about the detections table but its CHECK constraints: columns (name,
    /// type, NOT NULL, default, key), indexes (name, uniqueness, columns) and every row.
    async fn detections_snapshot(pool: &sqlx::SqlitePool) -> (Vec<String>, Vec<String>, Vec<String>) {
        let columns: Vec<(String, String, i64, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('detections') ORDER BY cid")
                .fetch_all(pool)
                .await
                .expect("columns");
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT l.name || ' ' || l.\"unique\" || ' ' || (SELECT group_concat(i.name, ',') FROM pragma_index_info(l.name) i)
             FROM pragma_index_list('detections') l ORDER BY l.name",
        )
        .fetch_all(pool)
        .await
        .expect("indexes");
        let quoted: Vec<String> = columns.iter().map(|c| format!("quote({})", c.0)).collect();
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {} FROM detections ORDER BY id", quoted.join(" || '|' || ")))
                .fetch_all(pool)
                .await
                .expect("rows");
        (columns.iter().map(|c| format!("{c:?}")).collect(), indexes, rows)
    }

    /// Migrations 0007 and 0008 rebuild the detections table with CHECK constraints: a
    /// database made by the schema before them, with a row for every action it knew, keeps
    /// every column, index and row, and each row reads back through the typed
    /// [`crate::store::Detection`].
    #[tokio::test]
    async fn the_typed_schema_keeps_every_column_index_and_row_of_an_older_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        let pool = migrated_before(dir.path(), &path, "0007").await;
        assert_eq!(schema_version_of(&pool).await, 6);
        // The actions the old schema could hold: 0008's own (released, reported) came after.
        use crate::store::Action;
        let actions: Vec<Action> =
            Action::ALL.into_iter().filter(|a| !matches!(a, Action::Released | Action::Reported)).collect();
        for (uid, action) in actions.iter().enumerate() {
            let (verdict, category) = match uid % 3 {
                0 => ("threat", "extortion"),
                1 => ("suspicious", "phishing"),
                _ => ("unreadable", "other"),
            };
            // Evidence as rows were written before it had a version; a digest on some.
            sqlx::query(
                "INSERT INTO detections (account, folder, uidvalidity, uid, message_id, message_key, from_addr,
                     subject, size, score, verdict, category, signals, evidence, action, destination, detected_at,
                     acted_at, digest)
                 VALUES ('a', 'INBOX', 7, $1, 'm@x', '<m@x>', 'x@evil.example', 'Subject ' || $1, 100 + $1, 6.5,
                     $2, $3, '[{\"rule\":\"r\",\"weight\":1.5,\"evidence\":\"e\"}]',
                     '{\"wallets\":[{\"coin\":\"bitcoin\",\"address\":\"bc1q\",\"checksum_valid\":true,\"split\":false}],\"amounts\":[],\"deadlines\":[],\"shown_password\":null}',
                     $4, 'Junk', 1000 + $1, CASE WHEN $1 % 2 = 0 THEN 2000 END, CASE WHEN $1 % 2 = 1 THEN 'digest' ELSE '' END)",
            )
            .bind(uid as i64)
            .bind(verdict)
            .bind(category)
            .bind(action.as_str())
            .execute(&pool)
            .await
            .expect("old row");
        }
        sqlx::query("INSERT INTO detections (account, folder, uidvalidity, uid, message_key, score, verdict, category,
                 signals, action, detected_at) VALUES ('a', 'INBOX', 7, 99, 'k', 0, 'threat', 'other', '[]', 'none', 5)")
            .execute(&pool)
            .await
            .expect("a row with the defaults");
        let before = detections_snapshot(&pool).await;
        pool.close().await;

        let store = Store::open(&path).await.expect("upgrades");
        let newest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        assert_eq!(schema_version(&store).await, newest);
        // Later migrations may add indexes (0012: the review page's search); none is lost.
        let crate::store::Backend::Sqlite(pool) = store.pool() else { panic!("a SQLite store") };
        let (columns, indexes, rows) = detections_snapshot(pool).await;
        assert_eq!((&columns, &rows), (&before.0, &before.2));
        assert!(before.1.iter().all(|index| indexes.contains(index)), "{indexes:?} keeps {:?}", before.1);
        let rows = store.history(&Default::default()).await.expect("every row reads as typed");
        assert_eq!(rows.len(), actions.len() + 1);
        let mut read: Vec<_> = rows.iter().filter(|r| r.uid != 99).map(|r| r.action).collect();
        read.reverse();
        assert_eq!(read, actions);
        assert!(
            rows.iter().all(|r| r.evidence.as_ref().map(|e| e.wallets.len()) == (r.uid != 99).then_some(1))
        );
        let pending = store.pending("a", "INBOX").await.expect("pending");
        assert!(!pending.is_empty() && pending.iter().all(|p| p.action.is_unfinished()));
        assert_eq!(pending.len(), actions.iter().filter(|a| a.is_unfinished()).count());
    }

    /// A database at `path` made by the migrations before `first_left_out` ("0007"): the
    /// schema an older scamguard wrote, to test an upgrade from.
    pub(in crate::store) async fn migrated_before(
        dir: &Path,
        path: &Path,
        first_left_out: &str,
    ) -> sqlx::SqlitePool {
        let old_migrations = dir.join("migrations");
        std::fs::create_dir(&old_migrations).expect("dir");
        for entry in
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).expect("migrations")
        {
            let file = entry.expect("entry").path();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if name.as_str() < first_left_out {
                std::fs::copy(&file, old_migrations.join(name)).expect("copy");
            }
        }
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let pool = SqlitePoolOptions::new().connect_with(options).await.expect("connect");
        Migrator::new(old_migrations.as_path()).await.expect("old migrations").run(&pool).await.expect("run");
        pool
    }

    async fn schema_version_of(pool: &sqlx::SqlitePool) -> i64 {
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(pool)
            .await
            .expect("version")
    }
}
