//! Known correspondents: the addresses each account has written to, and how far its Sent
//! folder has been read (schema in `migrations/0010_correspondents.sql`).
//!
//! The service reads the Sent folder's new messages (headers only), records the addresses
//! of each batch together with the cursor in one write, and hands classification a
//! snapshot of the account's addresses once per pass. At most [`MAX_CORRESPONDENTS`] are
//! kept per account: the least recently seen leave first.

use super::{Conn, Store, StoreError, on};

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
        let sql = "SELECT folder, uidvalidity, last_uid, uid_next FROM sent_cursor WHERE account = $1";
        Ok(on!(self.pool(), db => sqlx::query_as(sql).bind(account).fetch_optional(db).await)?)
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
        let sql = "SELECT address FROM correspondents WHERE account = $1";
        Ok(on!(self.pool(), db => sqlx::query_scalar(sql).bind(account).fetch_all(db).await)?)
    }
}

async fn record_sent_in(
    mut conn: Conn<'_>,
    account: &str,
    messages: &[Vec<String>],
    cursor: &SentCursor,
    now: i64,
) -> Result<(), sqlx::Error> {
    for address in messages.iter().flatten() {
        on!(conn.again(), c => sqlx::query(
            "INSERT INTO correspondents (account, address, first_seen, last_seen) VALUES ($1, $2, $3, $3)
             ON CONFLICT (account, address) DO UPDATE SET last_seen = $3, count = correspondents.count + 1",
        )
        .bind(account)
        .bind(address.to_lowercase())
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    // "All but the first N" is `NOT IN (.. LIMIT N)`: SQLite needs a LIMIT before an
    // OFFSET (`LIMIT -1`), which PostgreSQL does not accept.
    on!(conn.again(), c => sqlx::query(
        "DELETE FROM correspondents WHERE account = $1 AND address NOT IN (
             SELECT address FROM correspondents WHERE account = $1
             ORDER BY last_seen DESC, count DESC, address LIMIT $2)",
    )
    .bind(account)
    .bind(MAX_CORRESPONDENTS)
    .execute(c)
    .await
    .map(|_| ()))?;
    on!(conn, c => sqlx::query(
        "INSERT INTO sent_cursor (account, folder, uidvalidity, last_uid, uid_next) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account) DO UPDATE SET folder = $2, uidvalidity = $3, last_uid = $4, uid_next = $5",
    )
    .bind(account)
    .bind(&cursor.folder)
    .bind(i64::from(cursor.uidvalidity))
    .bind(i64::from(cursor.last_uid))
    .bind(i64::from(cursor.uid_next))
    .execute(c)
    .await
    .map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;

    fn cursor(last_uid: u32) -> SentCursor {
        SentCursor { folder: "Sent".into(), uidvalidity: 7, last_uid, uid_next: last_uid + 1 }
    }

    on_both! {
    async fn addresses_and_the_cursor_are_kept_per_account(store) {
        assert_eq!(store.sent_cursor("a").await.expect("read"), None);
        let sent = vec![vec!["Bob@Friends.example".to_string(), "carol@work.example".into()]];
        store.record_sent("a", &sent, &cursor(3), 100).await.expect("record");
        store.record_sent("a", &[vec!["bob@friends.example".into()]], &cursor(5), 200).await.expect("again");
        let mut known = store.correspondents("a").await.expect("list");
        known.sort();
        assert_eq!(known, ["bob@friends.example", "carol@work.example"]);
        assert!(store.correspondents("b").await.expect("list").is_empty(), "another account knows nobody");
        assert_eq!(store.sent_cursor("a").await.expect("read"), Some(cursor(5)));
        let sql = "SELECT first_seen, last_seen, count FROM correspondents WHERE address = 'bob@friends.example'";
        let row: (i64, i64, i64) = on!(store.pool(), db => sqlx::query_as(sql).fetch_one(db).await).expect("row");
        assert_eq!(row, (100, 200, 2));
    }
    }

    on_both! {
    async fn an_account_keeps_at_most_the_most_recently_seen(store) {
        let many: Vec<Vec<String>> =
            (0..MAX_CORRESPONDENTS).map(|i| vec![format!("p{i}@x.example")]).collect();
        store.record_sent("a", &many, &cursor(1), 100).await.expect("record");
        store.record_sent("a", &[vec!["new@x.example".into()]], &cursor(2), 200).await.expect("record");
        let known = store.correspondents("a").await.expect("list");
        assert_eq!(known.len() as i64, MAX_CORRESPONDENTS);
        assert!(known.iter().any(|a| a == "new@x.example"), "the newest stays");
    }
    }
}
