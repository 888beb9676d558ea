//! The read queue: messages below a folder's cursor that are still to be read (schema in
//! `migrations/0005_read_queue.sql`).
//!
//! The cursor says "everything up to this UID was read" only together with this queue:
//! a message the server would not hand over stays here, tried again on every pass, and is
//! recorded as unreadable (with the server's words) after [`MAX_READ_TRIES`] failures, so
//! no message is skipped in silence and none blocks the folder.

use super::{Action, Category, Conn, Cursor, Signal, Signals, Store, StoreError, Verdict, on};

/// How many failed reads make a message unreadable. Each pass tries once; passes come
/// with new mail, every IDLE renewal, or after a reconnect's backoff.
pub const MAX_READ_TRIES: u32 = 5;

/// Which folder a queue operation is about.
#[derive(Debug, Clone, Copy)]
pub struct FolderRef<'a> {
    pub account: &'a str,
    pub folder: &'a str,
    pub uidvalidity: u32,
}

/// What a batch's read came to, to be settled with the queue and the cursor.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    /// UIDs read and classified (recorded already).
    pub read: Vec<u32>,
    /// UIDs the server did not hand over though they are still in the folder.
    pub failed: Vec<u32>,
    /// UIDs no longer in the folder (another client took them): nothing to read.
    pub gone: Vec<u32>,
    /// Why the failed ones failed, in the server's words.
    pub reason: String,
    /// Whether this failure counts toward [`MAX_READ_TRIES`]: not when the server said
    /// its trouble is passing (RFC 5530 `UNAVAILABLE`, `INUSE`).
    pub counts_a_try: bool,
    /// UIDs read but not readable as mail, with why: recorded unreadable at once
    /// (reading them again would give the same bytes).
    pub unparseable: Vec<(u32, String)>,
}

impl Store {
    /// The UIDs queued for a folder under its current UIDVALIDITY, ascending.
    pub async fn queued(&self, at: FolderRef<'_>) -> Result<Vec<u32>, StoreError> {
        let sql =
            "SELECT uid FROM read_queue WHERE account = $1 AND folder = $2 AND uidvalidity = $3 ORDER BY uid";
        let uids: Vec<i64> = on!(self.pool(), db => sqlx::query_scalar(sql)
            .bind(at.account)
            .bind(at.folder)
            .bind(i64::from(at.uidvalidity))
            .fetch_all(db)
            .await)?;
        Ok(uids.into_iter().map(|uid| uid as u32).collect())
    }

    /// Saves where a folder's reading starts and what below it is still to be read, in
    /// one write; queue entries of an older UIDVALIDITY are dropped (their UIDs mean
    /// nothing now).
    pub async fn start_reading(
        &self,
        at: FolderRef<'_>,
        cursor: Cursor,
        to_read: &[u32],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut writing = self.begin_write().await?;
        let result = start_reading_in(writing.conn(), at, cursor, to_read, now).await;
        self.end_write(writing, result).await
    }

    /// Settles a batch's read in one write: read and gone UIDs leave the queue, failed
    /// ones are queued (or tried once more), the cursor moves to `cursor` (when given),
    /// and a message that failed [`MAX_READ_TRIES`] times over at least `give_up_after`
    /// seconds leaves the queue as an `unreadable` detection (so a server in trouble for a
    /// few minutes makes nothing unreadable). Returns the UIDs recorded unreadable now.
    pub async fn settle_read(
        &self,
        at: FolderRef<'_>,
        outcome: &ReadOutcome,
        cursor: Option<Cursor>,
        now: i64,
        give_up_after: i64,
    ) -> Result<Vec<u32>, StoreError> {
        let mut writing = self.begin_write().await?;
        let result = settle_read_in(writing.conn(), at, outcome, cursor, now, give_up_after).await;
        self.end_write(writing, result).await
    }

    /// Drops a folder's queue entries of a UIDVALIDITY other than `at`'s: their UIDs name
    /// other messages now (or none). [`Store::queued`] never reads them, but left there
    /// they stayed for ever, counted by `check` as waiting. The Junk watch calls it when
    /// it starts (Junk renumbered); the watched folders drop theirs in
    /// [`Store::start_reading`].
    pub async fn drop_other_epochs(&self, at: FolderRef<'_>) -> Result<(), StoreError> {
        let mut writing = self.begin_write().await?;
        let result = drop_other_epochs_in(writing.conn(), at).await;
        self.end_write(writing, result).await
    }

    /// How many messages each folder of `account` has queued, for `check`.
    pub async fn queued_count(&self, account: &str, folder: &str) -> Result<u64, StoreError> {
        let sql = "SELECT count(*) FROM read_queue WHERE account = $1 AND folder = $2";
        let count: i64 =
            on!(self.pool(), db => sqlx::query_scalar(sql).bind(account).bind(folder).fetch_one(db).await)?;
        Ok(count as u64)
    }
}

async fn start_reading_in(
    mut conn: Conn<'_>,
    at: FolderRef<'_>,
    cursor: Cursor,
    to_read: &[u32],
    now: i64,
) -> Result<(), sqlx::Error> {
    drop_other_epochs_in(conn.again(), at).await?;
    for uid in to_read {
        on!(conn.again(), c => sqlx::query(
            "INSERT INTO read_queue (account, folder, uidvalidity, uid, queued_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .bind(at.account)
        .bind(at.folder)
        .bind(i64::from(at.uidvalidity))
        .bind(i64::from(*uid))
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    save_cursor_in(conn, at.account, at.folder, cursor, now).await
}

async fn settle_read_in(
    mut conn: Conn<'_>,
    at: FolderRef<'_>,
    outcome: &ReadOutcome,
    cursor: Option<Cursor>,
    now: i64,
    give_up_after: i64,
) -> Result<Vec<u32>, sqlx::Error> {
    let dialect = conn.dialect();
    for uid in outcome.read.iter().chain(&outcome.gone) {
        dequeue(conn.again(), at, *uid).await?;
    }
    let mut unreadable = Vec::new();
    for uid in &outcome.failed {
        let (tries, queued_at): (i64, i64) = on!(conn.again(), c => sqlx::query_as(
            "INSERT INTO read_queue (account, folder, uidvalidity, uid, tries, reason, queued_at)
             VALUES ($1, $2, $3, $4, $7, $5, $6)
             ON CONFLICT (account, folder, uidvalidity, uid) DO UPDATE SET tries = read_queue.tries + $7,
                 reason = $5
             RETURNING tries, queued_at",
        )
        .bind(at.account)
        .bind(at.folder)
        .bind(i64::from(at.uidvalidity))
        .bind(i64::from(*uid))
        .bind(dialect.text(&outcome.reason))
        .bind(now)
        .bind(i64::from(outcome.counts_a_try))
        .fetch_one(c)
        .await)?;
        if tries >= i64::from(MAX_READ_TRIES) && now - queued_at >= give_up_after {
            record_unreadable(conn.again(), at, *uid, &outcome.reason, now).await?;
            dequeue(conn.again(), at, *uid).await?;
            unreadable.push(*uid);
        }
    }
    for (uid, why) in &outcome.unparseable {
        record_unreadable(conn.again(), at, *uid, why, now).await?;
        unreadable.push(*uid);
    }
    if let Some(cursor) = cursor {
        save_cursor_in(conn, at.account, at.folder, cursor, now).await?;
    }
    Ok(unreadable)
}

/// Deletes a folder's queue entries of a UIDVALIDITY other than `at`'s.
async fn drop_other_epochs_in(conn: Conn<'_>, at: FolderRef<'_>) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM read_queue WHERE account = $1 AND folder = $2 AND uidvalidity != $3";
    on!(conn, c => sqlx::query(sql)
        .bind(at.account)
        .bind(at.folder)
        .bind(i64::from(at.uidvalidity))
        .execute(c)
        .await
        .map(|_| ()))
}

async fn dequeue(conn: Conn<'_>, at: FolderRef<'_>, uid: u32) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM read_queue WHERE account = $1 AND folder = $2 AND uidvalidity = $3 AND uid = $4";
    on!(conn, c => sqlx::query(sql)
        .bind(at.account)
        .bind(at.folder)
        .bind(i64::from(at.uidvalidity))
        .bind(i64::from(uid))
        .execute(c)
        .await
        .map(|_| ()))
}

/// Saves how far a folder has been read, inside a write already begun.
pub(super) async fn save_cursor_in(
    conn: Conn<'_>,
    account: &str,
    folder: &str,
    cursor: Cursor,
    now: i64,
) -> Result<(), sqlx::Error> {
    on!(conn, c => sqlx::query(
        "INSERT INTO cursors (account, folder, uidvalidity, last_uid, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = $3, last_uid = $4, updated_at = $5",
    )
    .bind(account)
    .bind(folder)
    .bind(i64::from(cursor.uidvalidity))
    .bind(i64::from(cursor.last_uid))
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Leaves a message that could not be read in the history, where the user sees it: the
/// server's reason is its one signal's evidence.
async fn record_unreadable(
    conn: Conn<'_>,
    at: FolderRef<'_>,
    uid: u32,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let signal = Signal { evidence: reason.to_string(), rule: "unreadable".into(), weight: 0.0 };
    on!(conn, c => sqlx::query(
        "INSERT INTO detections (account, folder, uidvalidity, uid, message_key, score, verdict, category,
             signals, action, detected_at, acted_at)
         VALUES ($1, $2, $3, $4, $5, 0, $8, $9, $6, $10, $7, $7)
         ON CONFLICT (account, folder, uidvalidity, uid) DO NOTHING",
    )
    .bind(at.account)
    .bind(at.folder)
    .bind(i64::from(at.uidvalidity))
    .bind(i64::from(uid))
    .bind(format!("unreadable:{}:{}:{uid}", at.folder, at.uidvalidity))
    .bind(Signals(vec![signal]).to_json())
    .bind(now)
    .bind(Verdict::Unreadable)
    .bind(Category::Other.as_str())
    .bind(Action::Unreadable)
    .execute(c)
    .await
    .map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;

    on_both! {
    async fn a_message_that_cannot_be_read_is_retried_then_recorded_unreadable(store) {
        let at = FolderRef { account: "a", folder: "INBOX", uidvalidity: 7 };
        let cursor = |last_uid| Cursor { uidvalidity: 7, last_uid };
        store.start_reading(at, cursor(100), &[40, 41, 42], 1).await.expect("start");
        assert_eq!(store.queued(at).await.expect("queue"), [40, 41, 42]);
        assert_eq!(store.cursor("a", "INBOX").await.expect("cursor"), Some(cursor(100)));

        let outcome = ReadOutcome {
            read: vec![40, 101],
            failed: vec![41],
            gone: vec![42],
            reason: "Some messages could not be FETCHed".into(),
            counts_a_try: true,
            unparseable: Vec::new(),
        };
        let outage = ReadOutcome { failed: vec![41], counts_a_try: false, ..outcome.clone() };
        for _ in 0..2 * MAX_READ_TRIES {
            assert!(store.settle_read(at, &outage, None, 2, 0).await.expect("settle").is_empty());
        }
        for attempt in 1..MAX_READ_TRIES {
            let unreadable = store.settle_read(at, &outcome, Some(cursor(101)), 2, 0).await.expect("settle");
            assert!(unreadable.is_empty(), "attempt {attempt} is not yet the last");
            assert_eq!(store.queued(at).await.expect("queue"), [41]);
        }
        let unreadable = store.settle_read(at, &outcome, None, 3, 0).await.expect("settle");
        assert_eq!(unreadable, [41]);
        assert!(store.queued(at).await.expect("queue").is_empty());
        assert_eq!(store.cursor("a", "INBOX").await.expect("cursor"), Some(cursor(101)));
        let rows = store.history(&Default::default()).await.expect("history");
        let row = rows.first().expect("the unreadable message is in the history");
        assert_eq!(
            (row.action, row.verdict, row.category),
            (Action::Unreadable, Verdict::Unreadable, Category::Other)
        );
        let why = row.signals.0.first().map(|s| (s.rule.as_str(), s.evidence.as_str()));
        assert_eq!(why, Some(("unreadable", "Some messages could not be FETCHed")), "{:?}", row.signals);

        let garbled =
            ReadOutcome { read: vec![102], unparseable: vec![(102, "empty".into())], ..Default::default() };
        assert_eq!(store.settle_read(at, &garbled, None, 5, 0).await.expect("settle"), [102]);
        assert_eq!(store.history(&Default::default()).await.expect("history").len(), 2, "recorded at once");

        // However often it fails, a message is given `give_up_after` seconds from its first
        // failure before it is called unreadable.
        let slow = ReadOutcome { failed: vec![43], ..outcome.clone() };
        for _ in 0..2 * MAX_READ_TRIES {
            assert!(store.settle_read(at, &slow, None, 100, 600).await.expect("settle").is_empty());
        }
        assert_eq!(store.settle_read(at, &slow, None, 700, 600).await.expect("settle"), [43]);

        let renumbered = FolderRef { uidvalidity: 8, ..at };
        store.start_reading(at, cursor(101), &[5], 4).await.expect("queue under 7");
        store
            .start_reading(renumbered, Cursor { uidvalidity: 8, last_uid: 0 }, &[], 4)
            .await
            .expect("new epoch");
        assert!(store.queued(at).await.expect("queue").is_empty(), "old UIDs are dropped");
    }
    }

    on_both! {
    /// The Junk watch has no `start_reading`: a renumbered Junk drops its old queue here.
    async fn other_epochs_are_dropped_and_the_current_kept(store) {
        let at = FolderRef { account: "a", folder: "Junk", uidvalidity: 7 };
        let renumbered = FolderRef { uidvalidity: 8, ..at };
        let elsewhere = FolderRef { folder: "INBOX", ..at };
        let failed = |uid| ReadOutcome { failed: vec![uid], counts_a_try: true, ..Default::default() };
        for (queue, uid) in [(at, 5), (renumbered, 6), (elsewhere, 9)] {
            store.settle_read(queue, &failed(uid), None, 1, 0).await.expect("queued");
        }
        store.drop_other_epochs(renumbered).await.expect("dropped");
        assert!(store.queued(at).await.expect("queue").is_empty(), "the old UIDs are gone");
        assert_eq!(store.queued(renumbered).await.expect("queue"), [6]);
        assert_eq!(store.queued(elsewhere).await.expect("queue"), [9], "other folders keep theirs");
    }
    }
}
