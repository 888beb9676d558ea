//! What the user's own moves say, as the store keeps it (schema in
//! `migrations/0008_feedback.sql`): releases (a message scamguard took to Junk came back to
//! a watched folder), reports (a message arrived in Junk that scamguard did not send
//! there), and how far each account's Junk folder has been looked at.
//!
//! A release rewrites the moved row (its action becomes `released`, or `restored` for
//! `scamguard restore`), so history keeps one row per message and says what became of it;
//! a report is a row of its own, in the Junk folder.

use std::collections::{HashMap, HashSet};

use super::dialect::placeholders;
use super::records::insert_detection;
use super::{Action, Identity, NewDetection, Store, StoreError, on};

/// How far a Junk folder has been looked at: every UID below `uid_next` under
/// `uidvalidity` was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct JunkCursor {
    #[sqlx(try_from = "i64")]
    pub uidvalidity: u32,
    #[sqlx(try_from = "i64")]
    pub uid_next: u32,
}

/// A message scamguard took to Junk, seen again in a watched folder: the row that moved
/// it, and its UID where it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Release {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub uid: u32,
}

impl Store {
    /// The saved cursor of an account's Junk folder, if it was looked at before.
    pub async fn junk_cursor(&self, account: &str, junk: &str) -> Result<Option<JunkCursor>, StoreError> {
        let sql = "SELECT uidvalidity, uid_next FROM junk_cursors WHERE account = $1 AND folder = $2";
        Ok(on!(self.pool(), db => sqlx::query_as(sql).bind(account).bind(junk).fetch_optional(db).await)?)
    }

    /// Saves how far an account's Junk folder has been looked at.
    pub async fn save_junk_cursor(
        &self,
        account: &str,
        junk: &str,
        cursor: JunkCursor,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut writing = self.begin_write().await?;
        let result = on!(writing.conn(), c => sqlx::query(
            "INSERT INTO junk_cursors (account, folder, uidvalidity, uid_next, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = $3, uid_next = $4, updated_at = $5",
        )
        .bind(account)
        .bind(junk)
        .bind(i64::from(cursor.uidvalidity))
        .bind(i64::from(cursor.uid_next))
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()));
        self.end_write(writing, result).await
    }

    /// Which of `messages` (UID and identity, just read from `folder` under `uidvalidity`)
    /// were in Junk before, from any folder of the account: a row that moved (or copied)
    /// the same message (key and content digest), or that recorded it as reported there. The row of a copy whose original
    /// is still in its folder, marked `\Deleted` (the same UID), is no release.
    pub async fn releases(
        &self,
        account: &str,
        folder: &str,
        uidvalidity: u32,
        messages: &[(u32, Identity)],
    ) -> Result<Vec<Release>, StoreError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "WITH arrived (uid, key, digest) AS (VALUES {arrived})
             SELECT d.id, arrived.uid FROM arrived JOIN detections d
               ON d.account = $1 AND d.message_key = arrived.key AND d.digest = arrived.digest AND d.digest <> ''
             WHERE d.action IN ({in_junk})
               AND NOT (d.folder = $2 AND d.uidvalidity = $3 AND d.uid = arrived.uid)
             ORDER BY d.id",
            arrived = placeholders(4, messages.len(), 3, false),
            in_junk = Action::sql_list(Action::can_be_released),
        );
        let dialect = self.dialect();
        Ok(on!(self.pool(), db => {
            let mut query = sqlx::query_as(&sql).bind(account).bind(folder).bind(i64::from(uidvalidity));
            for (uid, m) in messages {
                query = query.bind(i64::from(*uid)).bind(dialect.text(&m.key)).bind(&m.digest);
            }
            query.fetch_all(db).await
        })?)
    }

    /// Records that the message of row `id` left Junk by the user's doing: `action` is
    /// [`Action::Released`] (taken out by hand) or [`Action::Restored`] (`scamguard
    /// restore`), `folder` where it is now. Only a row whose message was in Junk (scamguard
    /// put it there, or the user: a report taken back) changes; returns whether it did (a second release of the same row changes nothing).
    pub async fn record_release(
        &self,
        id: i64,
        action: Action,
        folder: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut writing = self.begin_write().await?;
        let sql = format!(
            "UPDATE detections SET action = $1, destination = $2, acted_at = $3 WHERE id = $4 AND action IN ({})",
            Action::sql_list(Action::can_be_released)
        );
        let result = on!(writing.conn(), c => sqlx::query(&sql)
            .bind(action)
            .bind(folder)
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|done| done.rows_affected()));
        Ok(self.end_write(writing, result).await? > 0)
    }

    /// Which of `keys` scamguard sent (or is sending) to Junk on this account, each with
    /// the content digests of the messages it sent under that key ('' for rows from before
    /// digests were kept). A new arrival in Junk is scamguard's own doing only when its
    /// content matches too: a scammer can reuse the Message-ID of a mail scamguard moved.
    pub async fn sent_to_junk(
        &self,
        account: &str,
        keys: &[String],
    ) -> Result<HashMap<String, HashSet<String>>, StoreError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT DISTINCT message_key, digest FROM detections WHERE account = $1 AND message_key IN ({}) AND action IN ({})",
            placeholders(2, keys.len(), 1, true),
            Action::sql_list(Action::puts_it_in_junk)
        );
        let dialect = self.dialect();
        let found: Vec<(String, String)> = on!(self.pool(), db => {
            let mut query = sqlx::query_as(&sql).bind(account);
            for key in keys {
                query = query.bind(dialect.text(key));
            }
            query.fetch_all(db).await
        })?;
        // Found as stored (see `Dialect::text`): answered as asked.
        let mut digests: HashMap<String, HashSet<String>> = HashMap::new();
        for key in keys {
            for (_, digest) in found.iter().filter(|(stored, _)| stored == dialect.text(key).as_ref()) {
                digests.entry(key.clone()).or_default().insert(digest.clone());
            }
        }
        Ok(digests)
    }

    /// Records a report (a row with action [`Action::Reported`], in the Junk folder); the
    /// same Junk UID reported again keeps its first row. Returns the row's id. The day's
    /// counts are left alone: they count what scamguard scanned and found.
    pub async fn record_report(&self, report: &NewDetection, now: i64) -> Result<i64, StoreError> {
        let mut writing = self.begin_write().await?;
        let result = insert_detection(writing.conn(), report, now).await;
        self.end_write(writing, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;
    use crate::store::{Category, HistoryFilter, Verdict, on};

    fn moved(uid: u32, key: &str, digest: &str, action: Action) -> NewDetection {
        NewDetection {
            account: "a".into(),
            folder: "INBOX".into(),
            uidvalidity: 7,
            uid,
            message_key: key.into(),
            digest: digest.into(),
            category: Category::Extortion,
            action,
            ..NewDetection::default()
        }
    }

    fn identity(key: &str, digest: &str) -> Identity {
        Identity { key: key.into(), digest: digest.into() }
    }

    on_both! {
    async fn a_moved_message_seen_again_is_a_release_once_and_then_handled_everywhere(store) {
        let rows = [moved(3, "<a@x>", "da", Action::Moved), moved(4, "<b@x>", "db", Action::Nothing)];
        let ids = store.record_batch("a", &rows, 2, "d", 1).await.expect("record");
        let came_back = [(20, identity("<a@x>", "da")), (21, identity("<b@x>", "db"))];
        let found = store.releases("a", "Work", 7, &came_back).await.expect("query");
        assert_eq!(found, [Release { id: ids[0], uid: 20 }], "only what scamguard moved");
        assert!(
            store.releases("a", "Work", 7, &[(22, identity("<a@x>", "other"))]).await.expect("q").is_empty()
        );
        assert!(store.releases("b", "Work", 7, &came_back).await.expect("q").is_empty(), "other accounts");

        assert!(store.record_release(ids[0], Action::Released, "Work", 5).await.expect("release"));
        assert!(!store.record_release(ids[0], Action::Released, "Work", 6).await.expect("again"), "once");
        assert!(store.releases("a", "Work", 7, &came_back).await.expect("query").is_empty());
        let row = store.detection(ids[0]).await.expect("read").expect("row");
        assert_eq!((row.action, row.destination.as_str(), row.acted_at), (Action::Released, "Work", Some(5)));
        // Never judged again, in whatever folder it is seen next.
        for folder in ["INBOX", "Work", "Archive"] {
            let seen = store.handled("a", folder, &[identity("<a@x>", "da")]).await.expect("query");
            assert!(seen.contains(&identity("<a@x>", "da")), "{folder}");
        }
    }
    }

    on_both! {
    async fn the_original_of_a_copy_is_no_release(store) {
        store.record_batch("a", &[moved(3, "<a@x>", "da", Action::Copied)], 1, "d", 1).await.expect("record");
        let original = [(3, identity("<a@x>", "da"))];
        assert!(store.releases("a", "INBOX", 7, &original).await.expect("query").is_empty());
        assert_eq!(
            store.releases("a", "INBOX", 7, &[(9, identity("<a@x>", "da"))]).await.expect("q").len(),
            1
        );
    }
    }

    on_both! {
    async fn reports_keep_one_row_per_junk_uid_and_leave_the_counts_alone(store) {
        store
            .record_batch("a", &[moved(3, "<sent@x>", "ds", Action::Planned)], 1, "d", 1)
            .await
            .expect("rec");
        let keys = ["<sent@x>".to_string(), "<dropped@x>".to_string()];
        let ours = store.sent_to_junk("a", &keys).await.expect("query");
        let digests: HashSet<String> = ["ds".to_string()].into_iter().collect();
        assert_eq!(ours, [("<sent@x>".to_string(), digests)].into_iter().collect(), "a planned move counts already");
        assert!(store.sent_to_junk("b", &keys).await.expect("query").is_empty());

        let report = NewDetection {
            folder: "Junk".into(),
            action: Action::Reported,
            verdict: Verdict::Threat,
            ..moved(12, "<dropped@x>", "dd", Action::Reported)
        };
        let id = store.record_report(&report, 2).await.expect("report");
        assert_eq!(store.record_report(&report, 3).await.expect("again"), id);
        let filter = HistoryFilter { action: Some(Action::Reported), ..HistoryFilter::default() };
        assert_eq!(store.history(&filter).await.expect("history").len(), 1);
        let sql = "SELECT CAST(SUM(threats) AS BIGINT) FROM daily_counts";
        let scanned: i64 = on!(store.pool(), db => sqlx::query_scalar(sql).fetch_one(db).await).expect("counts");
        assert_eq!(scanned, 1, "only the batch's threat is counted");

        let mut cursor = store.junk_cursor("a", "Junk").await.expect("query");
        assert_eq!(cursor, None);
        for uid_next in [5, 9] {
            store
                .save_junk_cursor("a", "Junk", JunkCursor { uidvalidity: 4, uid_next }, 1)
                .await
                .expect("save");
            cursor = store.junk_cursor("a", "Junk").await.expect("query");
        }
        assert_eq!(cursor, Some(JunkCursor { uidvalidity: 4, uid_next: 9 }));
    }
    }
}
