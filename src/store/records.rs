//! The records the store keeps and the queries over them. All SQL is parameterised.

use std::collections::HashSet;

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError};

/// How far a folder has been read: its UIDVALIDITY and the highest UID handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub uidvalidity: u32,
    pub last_uid: u32,
}

/// A detection to record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewDetection {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub message_id: String,
    pub message_key: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub size: u32,
    pub score: f32,
    pub verdict: String,
    pub category: String,
    /// The verdict's signals as JSON.
    pub signals: String,
    /// The verdict's evidence (wallets, amounts, deadlines) as JSON.
    pub evidence: String,
    pub action: String,
    pub destination: String,
}

/// A move or flag that was planned but not yet confirmed done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    pub uidvalidity: u32,
    pub uid: u32,
    pub message_id: String,
    pub action: String,
}

/// A detection as history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionRow {
    pub id: i64,
    pub detected_at: i64,
    pub account: String,
    pub folder: String,
    pub from: String,
    pub subject: String,
    pub verdict: String,
    pub category: String,
    pub score: f64,
    pub action: String,
    pub destination: String,
    pub message_id: String,
    #[serde(skip)]
    pub signals: String,
}

/// Which detections `history` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub account: Option<String>,
    pub since: Option<i64>,
    pub verdict: Option<String>,
    pub category: Option<String>,
    pub limit: Option<u32>,
}

impl Store {
    /// The saved cursor of a folder, if it was read before.
    pub async fn cursor(&self, account: &str, folder: &str) -> Result<Option<Cursor>, StoreError> {
        let row = sqlx::query("SELECT uidvalidity, last_uid FROM cursors WHERE account = ?1 AND folder = ?2")
            .bind(account)
            .bind(folder)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| Cursor { uidvalidity: r.get::<i64, _>(0) as u32, last_uid: r.get::<i64, _>(1) as u32 }))
    }

    /// Saves how far a folder has been read.
    pub async fn save_cursor(
        &self,
        account: &str,
        folder: &str,
        cursor: Cursor,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO cursors (account, folder, uidvalidity, last_uid, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = ?3, last_uid = ?4, updated_at = ?5",
        )
        .bind(account)
        .bind(folder)
        .bind(i64::from(cursor.uidvalidity))
        .bind(i64::from(cursor.last_uid))
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Which of `keys` already have a detection in this account, or are reports scamguard
    /// delivered itself: those messages were handled before (under another UIDVALIDITY,
    /// before a move, restored) and are left alone.
    pub async fn known_keys(&self, account: &str, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        if keys.is_empty() {
            return Ok(HashSet::new());
        }
        // One query for the whole batch: the keys travel as a JSON array.
        let keys_json = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT message_key FROM detections
               WHERE account = ?1 AND message_key IN (SELECT value FROM json_each(?2))
             UNION
             SELECT message_key FROM deliveries
               WHERE account = ?1 AND message_key IN (SELECT value FROM json_each(?2))",
        )
        .bind(account)
        .bind(keys_json)
        .fetch_all(self.pool())
        .await?;
        Ok(found.into_iter().collect())
    }

    /// Records a batch in one transaction: the detections (a row already there from an
    /// interrupted run is kept as it is) and the day's counts. Returns the id of each
    /// detection, in order.
    pub async fn record_batch(
        &self,
        account: &str,
        detections: &[NewDetection],
        scanned: u32,
        day: &str,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let mut ids = Vec::with_capacity(detections.len());
        for d in detections {
            sqlx::query(
                "INSERT INTO detections (account, folder, uidvalidity, uid, message_id, message_key, from_addr,
                     to_addr, subject, date, size, score, verdict, category, signals, evidence, action,
                     destination, detected_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                 ON CONFLICT (account, folder, uidvalidity, uid) DO NOTHING",
            )
            .bind(&d.account)
            .bind(&d.folder)
            .bind(i64::from(d.uidvalidity))
            .bind(i64::from(d.uid))
            .bind(&d.message_id)
            .bind(&d.message_key)
            .bind(&d.from)
            .bind(&d.to)
            .bind(&d.subject)
            .bind(&d.date)
            .bind(i64::from(d.size))
            .bind(f64::from(d.score))
            .bind(&d.verdict)
            .bind(&d.category)
            .bind(&d.signals)
            .bind(&d.evidence)
            .bind(&d.action)
            .bind(&d.destination)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "SELECT id FROM detections WHERE account = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
            )
            .bind(&d.account)
            .bind(&d.folder)
            .bind(i64::from(d.uidvalidity))
            .bind(i64::from(d.uid))
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        let threats = detections.iter().filter(|d| d.verdict == "threat").count() as i64;
        let suspicious = detections.iter().filter(|d| d.verdict == "suspicious").count() as i64;
        sqlx::query(
            "INSERT INTO daily_counts (account, day, scanned, threats, suspicious) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account, day) DO UPDATE SET scanned = scanned + ?3, threats = threats + ?4,
                 suspicious = suspicious + ?5",
        )
        .bind(account)
        .bind(day)
        .bind(i64::from(scanned))
        .bind(threats)
        .bind(suspicious)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Moves and flags of a folder that were planned but not confirmed.
    pub async fn pending(&self, account: &str, folder: &str) -> Result<Vec<Pending>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, uidvalidity, uid, message_id, action FROM detections
             WHERE account = ?1 AND folder = ?2 AND action IN ('planned', 'flag-planned', 'copy-made') ORDER BY uid",
        )
        .bind(account)
        .bind(folder)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| Pending {
                id: r.get(0),
                uidvalidity: r.get::<i64, _>(1) as u32,
                uid: r.get::<i64, _>(2) as u32,
                message_id: r.get(3),
                action: r.get(4),
            })
            .collect())
    }

    /// Records what became of a planned action.
    pub async fn finish(
        &self,
        ids: &[i64],
        action: &str,
        destination: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for id in ids {
            sqlx::query("UPDATE detections SET action = ?1, destination = ?2, acted_at = ?3 WHERE id = ?4")
                .bind(action)
                .bind(destination)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Detections matching `filter`, newest first.
    pub async fn history(&self, filter: &HistoryFilter) -> Result<Vec<DetectionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, detected_at, account, folder, from_addr, subject, verdict, category, score, action,
                    destination, message_id, signals
             FROM detections
             WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR detected_at >= ?2)
               AND (?3 IS NULL OR verdict = ?3) AND (?4 IS NULL OR category = ?4)
             ORDER BY detected_at DESC, id DESC LIMIT ?5",
        )
        .bind(&filter.account)
        .bind(filter.since)
        .bind(&filter.verdict)
        .bind(&filter.category)
        .bind(i64::from(filter.limit.unwrap_or(1000)))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| DetectionRow {
                id: r.get(0),
                detected_at: r.get(1),
                account: r.get(2),
                folder: r.get(3),
                from: r.get(4),
                subject: r.get(5),
                verdict: r.get(6),
                category: r.get(7),
                score: r.get(8),
                action: r.get(9),
                destination: r.get(10),
                message_id: r.get(11),
                signals: r.get(12),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(uid: u32, key: &str, verdict: &str) -> NewDetection {
        NewDetection {
            account: "a".into(),
            folder: "INBOX".into(),
            uidvalidity: 7,
            uid,
            message_key: key.into(),
            verdict: verdict.into(),
            category: "extortion".into(),
            signals: "[]".into(),
            action: "planned".into(),
            ..NewDetection::default()
        }
    }

    #[tokio::test]
    async fn cursors_detections_and_pending_actions_round_trip() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("opens");
        assert_eq!(store.cursor("a", "INBOX").await.expect("query"), None);
        store.save_cursor("a", "INBOX", Cursor { uidvalidity: 7, last_uid: 10 }, 1).await.expect("save");
        store.save_cursor("a", "INBOX", Cursor { uidvalidity: 7, last_uid: 12 }, 2).await.expect("save");
        assert_eq!(
            store.cursor("a", "INBOX").await.expect("query"),
            Some(Cursor { uidvalidity: 7, last_uid: 12 })
        );

        let batch = [detection(11, "<x@y>", "threat"), detection(12, "<z@y>", "suspicious")];
        let ids = store.record_batch("a", &batch, 5, "2026-11-22", 100).await.expect("record");
        assert_eq!(ids.len(), 2);
        let again = store.record_batch("a", &batch[..1], 0, "2026-11-22", 101).await.expect("record twice");
        assert_eq!(again.first(), ids.first(), "the same message is one row");

        let pending = store.pending("a", "INBOX").await.expect("pending");
        assert_eq!(pending.iter().map(|p| p.uid).collect::<Vec<_>>(), [11, 12]);
        store.finish(&ids[..1], "moved", "Junk", 102).await.expect("finish");
        assert_eq!(store.pending("a", "INBOX").await.expect("pending").len(), 1);

        let known = store.known_keys("a", &["<x@y>".into(), "<new@y>".into()]).await.expect("known");
        assert!(known.contains("<x@y>") && !known.contains("<new@y>"));

        let threats = HistoryFilter { verdict: Some("threat".into()), ..HistoryFilter::default() };
        let rows = store.history(&threats).await.expect("history");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows.first().map(|r| r.action.as_str()), Some("moved"));
    }
}
