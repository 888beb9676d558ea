//! The records the store keeps and the queries over them. All SQL is parameterised.

use std::collections::HashSet;

use serde::Serialize;

use super::dialect::placeholders;
use super::review::DETECTION_COLUMNS;
use super::{Action, Category, Conn, Detection, Evidence, Signals, Store, StoreError, Verdict, on};

/// How far a folder has been read: its UIDVALIDITY and the highest UID handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Cursor {
    #[sqlx(try_from = "i64")]
    pub uidvalidity: u32,
    #[sqlx(try_from = "i64")]
    pub last_uid: u32,
}

/// A detection to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDetection {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub message_id: String,
    pub message_key: String,
    /// SHA-256 of the bytes fetched (see [`Identity`]).
    pub digest: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub size: u32,
    pub score: f32,
    pub verdict: Verdict,
    pub category: Category,
    /// The verdict's signals.
    pub signals: Signals,
    /// The verdict's evidence (wallets, amounts, deadlines, a password shown).
    pub evidence: Evidence,
    pub action: Action,
    pub destination: String,
}

/// An empty planned threat, for building detections field by field (tests and tools):
/// every field has to be thought about, and the vocabularies have no default of their own.
impl Default for NewDetection {
    fn default() -> Self {
        NewDetection {
            account: String::new(),
            folder: String::new(),
            uidvalidity: 0,
            uid: 0,
            message_id: String::new(),
            message_key: String::new(),
            digest: String::new(),
            from: String::new(),
            to: String::new(),
            subject: String::new(),
            date: String::new(),
            size: 0,
            score: 0.0,
            verdict: Verdict::Threat,
            category: Category::Other,
            signals: Signals::default(),
            evidence: Evidence::default(),
            action: Action::Planned,
            destination: String::new(),
        }
    }
}

/// A move or flag that was planned but not yet confirmed done.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub uidvalidity: u32,
    #[sqlx(try_from = "i64")]
    pub uid: u32,
    pub message_id: String,
    pub message_key: String,
    pub digest: String,
    pub action: Action,
}

/// Which message a row is about, beyond its UID: the message key (Message-ID, or a digest
/// of the header block when there is none) and the SHA-256 of the bytes fetched. A new UID
/// is a new delivery; only the same key *and* digest is the same message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Identity {
    pub key: String,
    pub digest: String,
}

/// Which detections `history` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub account: Option<String>,
    pub since: Option<i64>,
    pub verdict: Option<Verdict>,
    pub category: Option<Category>,
    /// Only rows with this action (`released`, `reported`, ...).
    pub action: Option<Action>,
    pub limit: Option<u32>,
}

impl Store {
    /// The saved cursor of a folder, if it was read before.
    pub async fn cursor(&self, account: &str, folder: &str) -> Result<Option<Cursor>, StoreError> {
        let sql = "SELECT uidvalidity, last_uid FROM cursors WHERE account = $1 AND folder = $2";
        Ok(on!(self.pool(), db => sqlx::query_as(sql).bind(account).bind(folder).fetch_optional(db).await)?)
    }

    /// Saves how far a folder has been read.
    pub async fn save_cursor(
        &self,
        account: &str,
        folder: &str,
        cursor: Cursor,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut writing = self.begin_write().await?;
        let result = super::read_queue::save_cursor_in(writing.conn(), account, folder, cursor, now).await;
        self.end_write(writing, result).await
    }

    /// Which of `messages` (just read from `folder`) were handled before and are left
    /// alone: the same message (key and digest) already has a row in this folder, under
    /// any UIDVALIDITY (a renumbered folder shows the same mail again, and mail the user
    /// took back out of Junk comes back as the same message); or the user released it
    /// (took it back out of Junk, by hand or with `restore`), in whatever folder; or it is a report scamguard delivered itself. Only rows whose
    /// action [`Action::settles_the_message`] count: not a dry run (it consumes nothing),
    /// nor a message found gone or unreadable (it may come back). Rows written before digests were kept (empty
    /// digest) match by key alone, as they always did.
    pub async fn handled(
        &self,
        account: &str,
        folder: &str,
        messages: &[Identity],
    ) -> Result<HashSet<Identity>, StoreError> {
        if messages.is_empty() {
            return Ok(HashSet::new());
        }
        // One query for the whole batch: the identities travel as rows of parameters.
        let sql = format!(
            "WITH wanted (key, digest) AS (VALUES {pairs})
             SELECT wanted.key, wanted.digest FROM wanted JOIN detections d
               ON d.account = $1 AND d.message_key = wanted.key
                  AND (d.digest = wanted.digest OR d.digest = '')
             WHERE d.action IN ({settling})
               AND (d.folder = $2 OR d.action IN ({released}))
             UNION
             SELECT wanted.key, wanted.digest FROM wanted JOIN deliveries r
               ON r.account = $1 AND r.message_key = wanted.key AND r.message_key <> ''",
            pairs = placeholders(3, messages.len(), 2, false),
            settling = Action::sql_list(Action::settles_the_message),
            released = Action::sql_list(Action::is_release),
        );
        let dialect = self.dialect();
        let found: Vec<(String, String)> = on!(self.pool(), db => {
            let mut query = sqlx::query_as(&sql).bind(account).bind(folder);
            for m in messages {
                query = query.bind(dialect.text(&m.key)).bind(dialect.text(&m.digest));
            }
            query.fetch_all(db).await
        })?;
        // Found as stored (see `Dialect::text`): answered as asked.
        let found: HashSet<(String, String)> = found.into_iter().collect();
        Ok(messages
            .iter()
            .filter(|m| {
                found.contains(&(dialect.text(&m.key).into_owned(), dialect.text(&m.digest).into_owned()))
            })
            .cloned()
            .collect())
    }

    /// Records a batch in one transaction: the detections and the day's counts. A row
    /// already there for the UID from an interrupted run is kept as it is; one from a dry
    /// run is replaced, and a real row also takes the place of dry-run rows of the same
    /// message under another UID, so history shows one row per message. Returns the id
    /// of each detection, in order.
    pub async fn record_batch(
        &self,
        account: &str,
        detections: &[NewDetection],
        scanned: u32,
        day: &str,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut writing = self.begin_write().await?;
        let result = insert_batch(writing.conn(), account, detections, scanned, day, now).await;
        self.end_write(writing, result).await
    }

    /// Moves, flags and copies of a folder that were planned but not confirmed done:
    /// the rows whose action [`Action::is_unfinished`].
    pub async fn pending(&self, account: &str, folder: &str) -> Result<Vec<Pending>, StoreError> {
        let sql = format!(
            "SELECT id, uidvalidity, uid, message_id, message_key, digest, action FROM detections
             WHERE account = $1 AND folder = $2 AND action IN ({}) ORDER BY uid",
            Action::sql_list(Action::is_unfinished)
        );
        Ok(on!(self.pool(), db => sqlx::query_as(&sql).bind(account).bind(folder).fetch_all(db).await)?)
    }

    /// Records what became of a planned action.
    pub async fn finish(
        &self,
        ids: &[i64],
        action: Action,
        destination: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut writing = self.begin_write().await?;
        let sql = format!(
            "UPDATE detections SET action = $1, destination = $2, acted_at = $3 WHERE id IN ({})",
            placeholders(4, ids.len(), 1, true)
        );
        let result = on!(writing.conn(), c => {
            let mut query = sqlx::query(&sql).bind(action).bind(destination).bind(now);
            for id in ids {
                query = query.bind(id);
            }
            query.execute(c).await.map(|_| ())
        });
        self.end_write(writing, result).await
    }

    /// Detections matching `filter`, newest first.
    pub async fn history(&self, filter: &HistoryFilter) -> Result<Vec<Detection>, StoreError> {
        let query = format!(
            "SELECT {DETECTION_COLUMNS} FROM detections
             WHERE ($1 IS NULL OR account = $1) AND ($2 IS NULL OR detected_at >= $2)
               AND ($3 IS NULL OR verdict = $3) AND ($4 IS NULL OR category = $4)
               AND ($6 IS NULL OR action = $6)
             ORDER BY detected_at DESC, id DESC LIMIT $5"
        );
        Ok(on!(self.pool(), db => sqlx::query_as(&query)
            .bind(&filter.account)
            .bind(filter.since)
            .bind(filter.verdict)
            .bind(filter.category.map(Category::as_str))
            .bind(i64::from(filter.limit.unwrap_or(1000)))
            .bind(filter.action)
            .fetch_all(db)
            .await)?)
    }
}

/// The statements of [`Store::record_batch`], inside its transaction.
async fn insert_batch(
    mut conn: Conn<'_>,
    account: &str,
    detections: &[NewDetection],
    scanned: u32,
    day: &str,
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let dialect = conn.dialect();
    let mut ids = Vec::with_capacity(detections.len());
    for d in detections {
        if d.action != Action::DryRun {
            on!(conn.again(), c => sqlx::query(
                "DELETE FROM detections WHERE account = $1 AND folder = $2 AND message_key = $3 AND digest = $4
                   AND action = $7 AND NOT (uidvalidity = $5 AND uid = $6)",
            )
            .bind(&d.account)
            .bind(&d.folder)
            .bind(dialect.text(&d.message_key))
            .bind(&d.digest)
            .bind(i64::from(d.uidvalidity))
            .bind(i64::from(d.uid))
            .bind(Action::DryRun)
            .execute(c)
            .await
            .map(|_| ()))?;
        }
        ids.push(insert_detection(conn.again(), d, now).await?);
    }
    let threats = detections.iter().filter(|d| d.verdict == Verdict::Threat).count() as i64;
    let suspicious = detections.iter().filter(|d| d.verdict == Verdict::Suspicious).count() as i64;
    on!(conn, c => sqlx::query(
        "INSERT INTO daily_counts (account, day, scanned, threats, suspicious) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account, day) DO UPDATE SET scanned = daily_counts.scanned + $3,
             threats = daily_counts.threats + $4, suspicious = daily_counts.suspicious + $5",
    )
    .bind(account)
    .bind(day)
    .bind(i64::from(scanned))
    .bind(threats)
    .bind(suspicious)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(ids)
}

/// Writes one detection; a row already there for its UID is kept as it is unless it is a
/// dry run's. Returns the row's id either way.
pub(super) async fn insert_detection(
    mut conn: Conn<'_>,
    d: &NewDetection,
    now: i64,
) -> Result<i64, sqlx::Error> {
    // What the mail says is made storable (see `Dialect::text`); the rest is scamguard's.
    let dialect = conn.dialect();
    let text = |value: &str| dialect.text(value).into_owned();
    let written: Option<i64> = on!(conn.again(), c => sqlx::query_scalar(
        "INSERT INTO detections (account, folder, uidvalidity, uid, message_id, message_key, from_addr,
             to_addr, subject, date, size, score, verdict, category, signals, evidence, action,
             destination, detected_at, digest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         ON CONFLICT (account, folder, uidvalidity, uid) DO UPDATE SET
             message_id = excluded.message_id, message_key = excluded.message_key,
             from_addr = excluded.from_addr, to_addr = excluded.to_addr, subject = excluded.subject,
             date = excluded.date, size = excluded.size, score = excluded.score,
             verdict = excluded.verdict, category = excluded.category, signals = excluded.signals,
             evidence = excluded.evidence, action = excluded.action,
             destination = excluded.destination, detected_at = excluded.detected_at,
             digest = excluded.digest, acted_at = NULL
           WHERE detections.action = $21
         RETURNING id",
    )
    .bind(&d.account)
    .bind(&d.folder)
    .bind(i64::from(d.uidvalidity))
    .bind(i64::from(d.uid))
    .bind(text(&d.message_id))
    .bind(text(&d.message_key))
    .bind(text(&d.from))
    .bind(text(&d.to))
    .bind(text(&d.subject))
    .bind(text(&d.date))
    .bind(i64::from(d.size))
    .bind(f64::from(d.score))
    .bind(d.verdict)
    .bind(d.category.as_str())
    .bind(d.signals.to_json())
    .bind(d.evidence.to_json())
    .bind(d.action)
    .bind(text(&d.destination))
    .bind(now)
    .bind(&d.digest)
    .bind(Action::DryRun)
    .fetch_optional(c)
    .await)?;
    Ok(match written {
        Some(id) => id,
        // The row was kept as it was (the update's WHERE did not apply): its id.
        None => on!(conn, c => sqlx::query_scalar(
            "SELECT id FROM detections WHERE account = $1 AND folder = $2 AND uidvalidity = $3 AND uid = $4",
        )
        .bind(&d.account)
        .bind(&d.folder)
        .bind(i64::from(d.uidvalidity))
        .bind(i64::from(d.uid))
        .fetch_one(c)
        .await)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;

    fn detection(uid: u32, key: &str, verdict: Verdict) -> NewDetection {
        NewDetection {
            account: "a".into(),
            folder: "INBOX".into(),
            uidvalidity: 7,
            uid,
            message_key: key.into(),
            verdict,
            category: Category::Extortion,
            action: Action::Planned,
            ..NewDetection::default()
        }
    }

    on_both! {
    async fn cursors_detections_and_pending_actions_round_trip(store) {
        assert_eq!(store.cursor("a", "INBOX").await.expect("query"), None);
        store.save_cursor("a", "INBOX", Cursor { uidvalidity: 7, last_uid: 10 }, 1).await.expect("save");
        store.save_cursor("a", "INBOX", Cursor { uidvalidity: 7, last_uid: 12 }, 2).await.expect("save");
        assert_eq!(
            store.cursor("a", "INBOX").await.expect("query"),
            Some(Cursor { uidvalidity: 7, last_uid: 12 })
        );

        let batch = [detection(11, "<x@y>", Verdict::Threat), detection(12, "<z@y>", Verdict::Suspicious)];
        let ids = store.record_batch("a", &batch, 5, "2026-11-22", 100).await.expect("record");
        assert_eq!(ids.len(), 2);
        let again = store.record_batch("a", &batch[..1], 0, "2026-11-22", 101).await.expect("record twice");
        assert_eq!(again.first(), ids.first(), "the same message is one row");

        let pending = store.pending("a", "INBOX").await.expect("pending");
        assert_eq!(pending.iter().map(|p| p.uid).collect::<Vec<_>>(), [11, 12]);
        store.finish(&ids[..1], Action::Moved, "Junk", 102).await.expect("finish");
        assert_eq!(store.pending("a", "INBOX").await.expect("pending").len(), 1);

        let x = Identity { key: "<x@y>".into(), digest: String::new() };
        let new = Identity { key: "<new@y>".into(), digest: String::new() };
        let handled = store.handled("a", "INBOX", &[x.clone(), new.clone()]).await.expect("handled");
        assert!(handled.contains(&x) && !handled.contains(&new));

        let threats = HistoryFilter { verdict: Some(Verdict::Threat), ..HistoryFilter::default() };
        let rows = store.history(&threats).await.expect("history");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows.first().map(|r| r.action), Some(Action::Moved));
    }
    }

    fn identity(key: &str, digest: &str) -> Identity {
        Identity { key: key.into(), digest: digest.into() }
    }

    fn with_digest(uid: u32, key: &str, digest: &str, action: Action) -> NewDetection {
        NewDetection { digest: digest.into(), action, ..detection(uid, key, Verdict::Threat) }
    }

    on_both! {
    async fn the_same_message_is_key_and_digest_and_restored_mail_stays_exempt_everywhere(store) {
        let ids = store
            .record_batch("a", &[with_digest(1, "<m@x>", "d1", Action::Moved)], 1, "d", 1)
            .await
            .expect("record");
        let same = identity("<m@x>", "d1");
        let redelivered = identity("<m@x>", "d2");
        let handled = store.handled("a", "INBOX", &[same.clone(), redelivered.clone()]).await.expect("query");
        assert!(handled.contains(&same), "the same message, under a new UID (UIDVALIDITY change)");
        assert!(!handled.contains(&redelivered), "a new delivery reusing the Message-ID is new");
        assert!(
            store.handled("a", "Work", std::slice::from_ref(&same)).await.expect("query").is_empty(),
            "other folders"
        );
        assert!(
            store.handled("b", "INBOX", std::slice::from_ref(&same)).await.expect("query").is_empty(),
            "other accounts"
        );

        store.finish(&ids, Action::Restored, "INBOX", 2).await.expect("restore");
        assert!(
            store.handled("a", "Work", std::slice::from_ref(&same)).await.expect("query").contains(&same)
        );
        assert!(
            store.handled("a", "Work", std::slice::from_ref(&redelivered)).await.expect("query").is_empty()
        );
    }
    }

    on_both! {
    /// A NUL in what a mail says (PostgreSQL refuses it in text) records, reads back, and
    /// the message is recognised again by its identity as the mail gives it.
    async fn a_nul_in_the_mail_is_stored_and_the_message_still_recognised(store) {
        let hostile = NewDetection {
            subject: "pay\0now".into(),
            from: "x\0@evil.example".into(),
            message_id: "m\0@x".into(),
            ..with_digest(1, "<m\0@x>", "d1", Action::Moved)
        };
        store.record_batch("a", std::slice::from_ref(&hostile), 1, "d", 1).await.expect("recorded");
        let rows = store.history(&HistoryFilter::default()).await.expect("history");
        let subject = rows.first().map(|r| r.subject.replace('\u{FFFD}', "\0"));
        assert_eq!(subject.as_deref(), Some("pay\0now"), "the NUL, or U+FFFD in its place");
        let same = identity("<m\0@x>", "d1");
        let handled = store.handled("a", "INBOX", std::slice::from_ref(&same)).await.expect("query");
        assert!(handled.contains(&same), "{handled:?}");
        let keys = ["<m\0@x>".to_string()];
        assert_eq!(store.sent_to_junk("a", &keys).await.expect("query").len(), 1);
        let back = store.releases("a", "Work", 7, &[(9, same)]).await.expect("query");
        assert_eq!(back.len(), 1, "a release of it is seen");
    }
    }

    on_both! {
    async fn dry_run_rows_consume_nothing_and_give_way_to_the_real_run(store) {
        let dry =
            [with_digest(1, "<a@x>", "da", Action::DryRun), with_digest(2, "<b@x>", "db", Action::DryRun)];
        store.record_batch("a", &dry, 2, "d", 1).await.expect("dry run");
        let wanted = [identity("<a@x>", "da"), identity("<b@x>", "db")];
        assert!(store.handled("a", "INBOX", &wanted).await.expect("query").is_empty(), "not handled");

        // The real run: the same UID for one, a new UID (renumbered folder) for the other.
        let real = [
            with_digest(1, "<a@x>", "da", Action::Planned),
            NewDetection { uidvalidity: 8, ..with_digest(5, "<b@x>", "db", Action::Planned) },
        ];
        store.record_batch("a", &real, 2, "d", 2).await.expect("real run");
        let rows = store.history(&HistoryFilter::default()).await.expect("history");
        let actions: Vec<Action> = rows.into_iter().map(|r| r.action).collect();
        assert_eq!(actions, [Action::Planned; 2], "one row per message");
        let again =
            store.record_batch("a", &[with_digest(1, "<a@x>", "da", Action::DryRun)], 1, "d", 3).await;
        assert!(again.is_ok());
        assert_eq!(
            store.pending("a", "INBOX").await.expect("pending").len(),
            2,
            "a dry run never undoes a real row"
        );
    }
    }
}
