//! Known correspondents: the addresses each account has written to, and how far its Sent
//! folder has been read (schema in `migrations/0010_correspondents.sql`).
//!
//! The service reads the Sent folder's new messages (headers only), records the addresses
//! of each batch together with the cursor in one write, and hands classification a
//! snapshot of the account's addresses once per pass. At most [`MAX_CORRESPONDENTS`] are
//! kept per account: the least recently seen leave first.

use sqlx::SqliteConnection;

use super::{Store, StoreError};

/// How many addresses one account keeps. Ten thousand is years of a busy person's mail,
/// and the snapshot every pass loads stays a few hundred kilobytes.
pub const MAX_CORRESPONDENTS: i64 = 10_000;

/// How far an account's Sent folder has been read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SentCursor {
    /// The folder's name as the server spells it (modified UTF-7).
    pub folder: String,
    #[sqlx(try_from = "i64")]
    pub uidvalidity: u32,
    /// The highest UID read (or passed over).
    #[sqlx(try_from = "i64")]
    pub last_uid: u32,
    /// UIDNEXT when it was read: the same UIDNEXT again means nothing was sent since.
    #[sqlx(try_from = "i64")]
    pub uid_next: u32,
}

impl Store {
    /// Where reading `account`'s Sent folder got to, if it was ever read.
    pub async fn sent_cursor(&self, account: &str) -> Result<Option<SentCursor>, StoreError> {
        let cursor = sqlx::query_as(
            "SELECT folder, uidvalidity, last_uid, uid_next FROM sent_cursor WHERE account = ?1",
        )
        .bind(account)
        .fetch_optional(self.pool())
        .await?;
        Ok(cursor)
    }

    /// Records what a batch of sent messages was addressed to (one list per message: an
    /// address counts once per message) and moves the cursor, in one write; then drops the
    /// least recently seen addresses beyond [`MAX_CORRESPONDENTS`].
    pub async fn record_sent(
        &self,
        account: &str,
        messages: &[Vec<String>],
        cursor: &SentCursor,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut writing = self.begin_write().await?;
        let result = record_sent_in(writing.conn(), account, messages, cursor, now).await;
        self.end_write(writing, result).await
    }

    /// Every address `account` has written to, lower-cased.
    pub async fn correspondents(&self, account: &str) -> Result<Vec<String>, StoreError> {
        let addresses = sqlx::query_scalar("SELECT address FROM correspondents WHERE account = ?1")
            .bind(account)
            .fetch_all(self.pool())
            .await?;
        Ok(addresses)
    }
}

async fn record_sent_in(
    conn: &mut SqliteConnection,
    account: &str,
    messages: &[Vec<String>],
    cursor: &SentCursor,
    now: i64,
) -> Result<(), sqlx::Error> {
    for address in messages.iter().flatten() {
        sqlx::query(
            "INSERT INTO correspondents (account, address, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (account, address) DO UPDATE SET last_seen = ?3, count = count + 1",
        )
        .bind(account)
        .bind(address.to_lowercase())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "DELETE FROM correspondents WHERE account = ?1 AND address IN (
             SELECT address FROM correspondents WHERE account = ?1
             ORDER BY last_seen DESC, count DESC, address LIMIT -1 OFFSET ?2)",
    )
    .bind(account)
    .bind(MAX_CORRESPONDENTS)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO sent_cursor (account, folder, uidvalidity, last_uid, uid_next) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account) DO UPDATE SET folder = ?2, uidvalidity = ?3, last_uid = ?4, uid_next = ?5",
    )
    .bind(account)
    .bind(&cursor.folder)
    .bind(i64::from(cursor.uidvalidity))
    .bind(i64::from(cursor.last_uid))
    .bind(i64::from(cursor.uid_next))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("store");
        (dir, store)
    }

    fn cursor(last_uid: u32) -> SentCursor {
        SentCursor { folder: "Sent".into(), uidvalidity: 7, last_uid, uid_next: last_uid + 1 }
    }

    #[tokio::test]
    async fn addresses_and_the_cursor_are_kept_per_account() {
        let (_dir, store) = store().await;
        assert_eq!(store.sent_cursor("a").await.expect("read"), None);
        let sent = vec![vec!["Bob@Friends.example".to_string(), "carol@work.example".into()]];
        store.record_sent("a", &sent, &cursor(3), 100).await.expect("record");
        store.record_sent("a", &[vec!["bob@friends.example".into()]], &cursor(5), 200).await.expect("again");
        let mut known = store.correspondents("a").await.expect("list");
        known.sort();
        assert_eq!(known, ["bob@friends.example", "carol@work.example"]);
        assert!(store.correspondents("b").await.expect("list").is_empty(), "another account knows nobody");
        assert_eq!(store.sent_cursor("a").await.expect("read"), Some(cursor(5)));
        let (first, last, count): (i64, i64, i64) = sqlx::query_as(
            "SELECT first_seen, last_seen, count FROM correspondents WHERE address = 'bob@friends.example'",
        )
        .fetch_one(store.pool())
        .await
        .expect("row");
        assert_eq!((first, last, count), (100, 200, 2));
    }

    #[tokio::test]
    async fn an_account_keeps_at_most_the_most_recently_seen() {
        let (_dir, store) = store().await;
        let many: Vec<Vec<String>> =
            (0..MAX_CORRESPONDENTS).map(|i| vec![format!("p{i}@x.example")]).collect();
        store.record_sent("a", &many, &cursor(1), 100).await.expect("record");
        store.record_sent("a", &[vec!["new@x.example".into()]], &cursor(2), 200).await.expect("record");
        let known = store.correspondents("a").await.expect("list");
        assert_eq!(known.len() as i64, MAX_CORRESPONDENTS);
        assert!(known.iter().any(|a| a == "new@x.example"), "the newest stays");
    }
}
