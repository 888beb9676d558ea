//! The PostgreSQL side of opening a store: connecting by URL and the schema
//! (`migrations/postgres/`: 0001 equal to SQLite's 0001–0013 end state, 0002 the fleet's
//! tables as SQLite's 0014). Many `run`s share one database: they split its accounts by
//! leases (see `fleet.rs`), so opening takes no lock.
//!
//! Everything else (the queries, the transactions) is shared with SQLite: see the store's
//! header and `dialect.rs`. Times are stored as SQLite stores them, unix seconds in a
//! BIGINT written by scamguard's clock, never the server's `now()`: rows compare the same
//! whichever backend, and whichever machine, wrote them. Leases are the one exception:
//! they are timed by the server's clock, which every worker shares.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{Backend, Store, StoreError};

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process: a worker per watched folder shares them, each holding one
/// for a statement or a write transaction at a time.
const MAX_CONNECTIONS: u32 = 8;

/// Connects to the database at `url` and applies migrations (sqlx takes its own advisory
/// lock while it does, so workers starting together migrate once).
pub(super) async fn open(url: &str) -> Result<Store, StoreError> {
    let store = connect(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// [`open`] without applying migrations.
pub(super) async fn connect(url: &str) -> Result<Store, StoreError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| StoreError::BadUrl(describe(url)))?
        .application_name("scamguard");
    let pool = PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    Ok(Store { pool: Backend::Postgres(pool), file: None })
}

/// The database a URL names, for messages: `postgres://host:port/name`, never the user or
/// the password it may hold.
pub(super) fn describe(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(options) => format!(
            "postgres://{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        ),
        Err(_) => "a PostgreSQL URL that does not parse".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::TestStore;

    /// Every table, column (name, order, NOT NULL) and index name of the schema, as the
    /// database describes itself.
    async fn schema(store: &Store) -> Vec<String> {
        let described: Vec<(String, String, bool)> = match store.pool() {
            Backend::Sqlite(pool) => sqlx::query_as(
                "SELECT m.name, c.name, c.\"notnull\" OR c.pk FROM sqlite_master m, pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%'
                 ORDER BY m.name, c.cid",
            )
            .fetch_all(pool)
            .await
            .expect("SQLite schema"),
            Backend::Postgres(pool) => sqlx::query_as(
                "SELECT table_name::text, column_name::text, is_nullable = 'NO' FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name NOT LIKE '\\_%'
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(pool)
            .await
            .expect("PostgreSQL schema"),
        };
        let indexes: Vec<String> = match store.pool() {
            Backend::Sqlite(pool) => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .expect("SQLite indexes"),
            Backend::Postgres(pool) => sqlx::query_scalar(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
                   AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
            )
            .fetch_all(pool)
            .await
            .expect("PostgreSQL indexes"),
        };
        let columns =
            described.into_iter().map(|(table, column, required)| format!("{table}.{column} {required}"));
        columns.chain(indexes.into_iter().map(|index| format!("index {index}"))).collect()
    }

    /// The PostgreSQL schema is SQLite's 0001-0013 end state: the same tables, columns in
    /// the same order with the same NOT NULLs, and the same indexes.
    #[tokio::test]
    async fn the_postgres_schema_is_the_sqlite_one() {
        let (sqlite, postgres) = (TestStore::sqlite().await, TestStore::postgres().await);
        let (sqlite, postgres) = (schema(&sqlite).await, schema(&postgres).await);
        assert!(sqlite.len() > 80, "{sqlite:?}");
        assert_eq!(postgres, sqlite);
    }

    #[test]
    fn a_url_is_described_without_its_user_or_password() {
        let shown = describe("postgres://scamguard:hunter2@db.example:6543/mail?sslmode=disable");
        assert_eq!(shown, "postgres://db.example:6543/mail");
        assert!(!describe("postgres://u:hunter2@[::1/x").contains("hunter2"));
    }
}
