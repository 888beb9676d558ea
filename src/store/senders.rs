//! The user's trust and block lists, per account (migration 0009): plain rows of an
//! entry, its list and when it was added. What an entry may be and what it matches is
//! decided in `app::senders`; the store only keeps the rows, lower-cased as given.

use std::fmt;

use serde::Serialize;

use super::{Store, StoreError, on};

/// Which list an entry is on. Stored as TEXT; migration 0009 holds the same words as a
/// CHECK constraint, and a test below keeps the two in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// Mail the receiving server authenticated as from this sender is never moved.
    Trust,
    /// Mail from this sender is moved, whatever the classifier says.
    Block,
}

impl ListKind {
    /// Every list, in the order of the migration's CHECK constraint.
    pub const ALL: [ListKind; 2] = [ListKind::Trust, ListKind::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Trust => "trust",
            ListKind::Block => "block",
        }
    }
}

super::vocab::word_column!(ListKind, "list");

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of an account's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SenderEntry {
    pub entry: String,
    pub kind: ListKind,
    pub added_at: i64,
}

/// What adding an entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// It was on no list.
    New,
    /// It was on this list already; nothing changed.
    Already,
    /// It was on the other list, and is moved to this one.
    MovedFrom(ListKind),
}

impl Store {
    /// Puts `entry` on `account`'s `kind` list (an entry is on one list at a time).
    pub async fn add_sender(
        &self,
        account: &str,
        entry: &str,
        kind: ListKind,
        now: i64,
    ) -> Result<Added, StoreError> {
        let mut writing = self.begin_write().await?;
        let result = async {
            let sql = "SELECT kind FROM sender_lists WHERE account = $1 AND entry = $2";
            let before: Option<ListKind> =
                on!(writing.conn(), c => sqlx::query_scalar(sql).bind(account).bind(entry).fetch_optional(c).await)?;
            if before == Some(kind) {
                return Ok(Added::Already);
            }
            on!(writing.conn(), c => sqlx::query(
                "INSERT INTO sender_lists (account, entry, kind, added_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account, entry) DO UPDATE SET kind = excluded.kind, added_at = excluded.added_at",
            )
            .bind(account)
            .bind(entry)
            .bind(kind)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
            Ok(before.map_or(Added::New, Added::MovedFrom))
        }
        .await;
        self.end_write(writing, result).await
    }

    /// Takes `entry` off `account`'s `kind` list; whether it was there.
    pub async fn remove_sender(
        &self,
        account: &str,
        entry: &str,
        kind: ListKind,
    ) -> Result<bool, StoreError> {
        let sql = "DELETE FROM sender_lists WHERE account = $1 AND entry = $2 AND kind = $3";
        let done = on!(self.pool(), db => sqlx::query(sql)
            .bind(account)
            .bind(entry)
            .bind(kind)
            .execute(db)
            .await
            .map(|done| done.rows_affected()))
        .map_err(StoreError::Write)?;
        Ok(done > 0)
    }

    /// Both lists of `account`, by list then entry.
    pub async fn sender_entries(&self, account: &str) -> Result<Vec<SenderEntry>, StoreError> {
        let sql =
            "SELECT entry, kind, added_at FROM sender_lists WHERE account = $1 ORDER BY kind DESC, entry";
        Ok(on!(self.pool(), db => sqlx::query_as(sql).bind(account).fetch_all(db).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::on;
    use crate::store::test_backends::on_both;

    on_both! {
    async fn an_entry_is_on_one_list_per_account_and_comes_off_it(store) {
        assert_eq!(store.add_sender("a", "example.org", ListKind::Trust, 1).await.expect("add"), Added::New);
        assert_eq!(
            store.add_sender("a", "example.org", ListKind::Trust, 2).await.expect("add"),
            Added::Already
        );
        assert_eq!(
            store.add_sender("a", "bad@spam.example", ListKind::Block, 3).await.expect("add"),
            Added::New
        );
        assert_eq!(store.add_sender("b", "example.org", ListKind::Block, 4).await.expect("add"), Added::New);
        let rows = |kind, entry: &str, at| SenderEntry { entry: entry.into(), kind, added_at: at };
        assert_eq!(
            store.sender_entries("a").await.expect("list"),
            [rows(ListKind::Trust, "example.org", 1), rows(ListKind::Block, "bad@spam.example", 3)]
        );
        assert_eq!(
            store.add_sender("a", "example.org", ListKind::Block, 5).await.expect("add"),
            Added::MovedFrom(ListKind::Trust)
        );
        assert!(!store.remove_sender("a", "example.org", ListKind::Trust).await.expect("remove"));
        assert!(store.remove_sender("a", "example.org", ListKind::Block).await.expect("remove"));
        assert_eq!(
            store.sender_entries("a").await.expect("list"),
            [rows(ListKind::Block, "bad@spam.example", 3)]
        );
        assert_eq!(store.sender_entries("b").await.expect("list"), [rows(ListKind::Block, "example.org", 4)]);
    }
    }

    on_both! {
    /// The enum and the schema's CHECK (migration 0009; the PostgreSQL schema) list the
    /// same words: each reads back, and a word outside them cannot be written.
    async fn the_list_kinds_and_the_schema_agree(store) {
        for kind in ListKind::ALL {
            store.add_sender("a", kind.as_str(), kind, 1).await.expect("each kind is accepted");
            assert_eq!(serde_json::to_value(kind).expect("json"), kind.as_str());
        }
        let kinds: Vec<ListKind> =
            store.sender_entries("a").await.expect("list").into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ListKind::ALL);
        let sql = "INSERT INTO sender_lists (account, entry, kind, added_at) VALUES ('a', 'x', 'allow', 1)";
        let odd = on!(store.pool(), db => sqlx::query(sql).execute(db).await.map(|_| ()));
        assert!(odd.is_err(), "a word outside the vocabulary cannot be written");
    }
    }

    /// Migration 0009 moves every address the old allowlist trusted onto the trust list.
    #[tokio::test]
    async fn the_old_allowlist_becomes_trust_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.db");
        let pool = crate::store::open::tests::migrated_before(dir.path(), &path, "0009").await;
        for (account, address, at) in
            [("a", "friend@example.com", 7), ("b", "Other@Example.net", 8), ("a", " ", 9)]
        {
            sqlx::query("INSERT INTO allowlist (account, address, added_at) VALUES ($1, $2, $3)")
                .bind(account)
                .bind(address)
                .bind(at)
                .execute(&pool)
                .await
                .expect("old row");
        }
        pool.close().await;
        let store = Store::open(&path).await.expect("upgrades");
        let trusted =
            |entry: &str, at| SenderEntry { entry: entry.into(), kind: ListKind::Trust, added_at: at };
        assert_eq!(store.sender_entries("a").await.expect("list"), [trusted("friend@example.com", 7)]);
        assert_eq!(store.sender_entries("b").await.expect("list"), [trusted("other@example.net", 8)]);
        let sql = "SELECT name FROM sqlite_master WHERE name = 'allowlist'";
        let gone: Option<String> =
            on!(store.pool(), db => sqlx::query_scalar(sql).fetch_optional(db).await).expect("schema");
        assert_eq!(gone, None);
    }
}
