//! What the user does with the history: look at one detection in full, restore a false
//! positive.

use serde::Serialize;

use super::evidence::{EvidenceColumn, evidence_or_empty};
use super::vocab::CategoryColumn;
use super::{Action, Category, Evidence, Signals, Store, StoreError, Verdict, on};

/// Everything recorded for one detection, read by column name: a value that does not
/// decode (a word outside the vocabulary, garbled evidence) is a [`StoreError`], never a
/// panic or a silent default. `show --json` prints it as it is.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Detection {
    pub id: i64,
    pub account: String,
    pub folder: String,
    pub uidvalidity: i64,
    pub uid: i64,
    pub message_id: String,
    pub message_key: String,
    #[sqlx(rename = "from_addr")]
    pub from: String,
    #[sqlx(rename = "to_addr")]
    pub to: String,
    pub subject: String,
    pub date: String,
    pub size: i64,
    pub score: f64,
    pub verdict: Verdict,
    #[sqlx(try_from = "CategoryColumn")]
    pub category: Category,
    pub signals: Signals,
    /// `None` for mail that was never classified (unreadable).
    #[sqlx(try_from = "EvidenceColumn")]
    #[serde(serialize_with = "evidence_or_empty")]
    pub evidence: Option<Evidence>,
    pub action: Action,
    pub destination: String,
    pub detected_at: i64,
    pub acted_at: Option<i64>,
}

/// The columns a [`Detection`] is read from.
pub(super) const DETECTION_COLUMNS: &str = "id, account, folder, uidvalidity, uid, message_id, message_key, \
    from_addr, to_addr, subject, date, size, score, verdict, category, signals, evidence, action, destination, \
    detected_at, acted_at";

impl Store {
    /// One detection by id.
    pub async fn detection(&self, id: i64) -> Result<Option<Detection>, StoreError> {
        let query = format!("SELECT {DETECTION_COLUMNS} FROM detections WHERE id = $1");
        Ok(on!(self.pool(), db => sqlx::query_as(&query).bind(id).fetch_optional(db).await)?)
    }

    /// The content digest recorded for detection `id` ('' when none was: rows older than
    /// digests, or no such row).
    pub async fn digest(&self, id: i64) -> Result<String, StoreError> {
        let sql = "SELECT digest FROM detections WHERE id = $1";
        let digest: Option<String> =
            on!(self.pool(), db => sqlx::query_scalar(sql).bind(id).fetch_optional(db).await)?;
        Ok(digest.unwrap_or_default())
    }

    /// Every detection of `account` made in `[start, end)`, oldest first.
    pub async fn detections_between(
        &self,
        account: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<Detection>, StoreError> {
        let query = format!(
            "SELECT {DETECTION_COLUMNS} FROM detections
             WHERE account = $1 AND detected_at >= $2 AND detected_at < $3 ORDER BY detected_at, id"
        );
        Ok(
            on!(self.pool(), db => sqlx::query_as(&query).bind(account).bind(start).bind(end).fetch_all(db).await)?,
        )
    }

    /// Messages scanned for `account` on the days from `first_day` to `last_day`
    /// ("2026-11-16"), both included.
    pub async fn scanned_between(
        &self,
        account: &str,
        first_day: &str,
        last_day: &str,
    ) -> Result<i64, StoreError> {
        // PostgreSQL sums BIGINTs to a NUMERIC: cast back.
        let sql = "SELECT CAST(SUM(scanned) AS BIGINT) FROM daily_counts WHERE account = $1 AND day >= $2 AND day <= $3";
        let total: Option<i64> = on!(self.pool(), db => sqlx::query_scalar(sql)
            .bind(account)
            .bind(first_day)
            .bind(last_day)
            .fetch_one(db)
            .await)?;
        Ok(total.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;
    use crate::store::{NewDetection, Signal, Wallet, on};

    on_both! {
    async fn a_detection_reads_back_whole(store) {
        let new = NewDetection {
            account: "a".into(),
            folder: "INBOX".into(),
            uid: 4,
            message_key: "<k@x>".into(),
            verdict: Verdict::Threat,
            category: Category::Phishing,
            signals: Signals(vec![Signal {
                evidence: "x".into(),
                rule: "phishing_pattern".into(),
                weight: 3.5,
            }]),
            evidence: Evidence {
                wallets: vec![Wallet {
                    address: "bc1q".into(),
                    checksum_valid: true,
                    coin: "bitcoin".into(),
                    split: true,
                }],
                shown_password: Some("hunter2".into()),
                ..Evidence::default()
            },
            action: Action::Moved,
            ..NewDetection::default()
        };
        let ids =
            store.record_batch("a", std::slice::from_ref(&new), 1, "2026-11-22", 5).await.expect("record");
        let detection = store.detection(*ids.first().expect("id")).await.expect("query").expect("found");
        assert_eq!(
            (
                &detection.signals,
                &detection.evidence,
                detection.action,
                detection.verdict,
                detection.category
            ),
            (&new.signals, &Some(new.evidence.clone()), Action::Moved, Verdict::Threat, Category::Phishing)
        );
        assert_eq!(store.detection(9999).await.expect("query"), None);

        let week = store.detections_between("a", 0, 10).await.expect("query");
        assert_eq!(week.len(), 1);
        assert!(store.detections_between("a", 6, 10).await.expect("query").is_empty());
        assert_eq!(store.scanned_between("a", "2026-11-16", "2026-11-22").await.expect("sum"), 1);
        assert_eq!(store.scanned_between("a", "2026-11-23", "2026-11-29").await.expect("sum"), 0);
    }
    }

    on_both! {
    /// A row whose evidence or signals are not what scamguard writes is an error the
    /// caller sees (`show`, `history` and the report fail with it), not a panic and not an
    /// empty section.
    async fn a_garbled_or_unknown_stored_value_is_an_error(store) {
        let new =
            NewDetection { account: "a".into(), message_key: "<k@x>".into(), ..NewDetection::default() };
        let id = *store.record_batch("a", &[new], 1, "d", 5).await.expect("record").first().expect("id");
        assert!(store.detection(id).await.expect("a good row reads").is_some());
        for (column, value) in [
            ("evidence", "{\"wallets\": \"bc1q\"}"),
            ("evidence", "{\"version\": 2}"),
            ("evidence", "not json"),
            ("signals", "[{\"rule\": 1}]"),
        ] {
            let sql = format!("UPDATE detections SET {column} = $1 WHERE id = $2");
            on!(store.pool(), db => sqlx::query(&sql).bind(value).bind(id).execute(db).await.map(|_| ()))
                .expect("update");
            let error = store.detection(id).await.expect_err(value).to_string();
            assert!(error.contains(column), "{error}");
            assert!(store.history(&Default::default()).await.is_err(), "{value}");
            assert!(store.detections_between("a", 0, 10).await.is_err(), "{value}");
            let repaired = if column == "evidence" { "{}" } else { "[]" };
            on!(store.pool(), db => sqlx::query(&sql).bind(repaired).bind(id).execute(db).await.map(|_| ()))
                .expect("repair");
        }
        let sql = "UPDATE detections SET action = 'moving' WHERE id = $1";
        let written = on!(store.pool(), db => sqlx::query(sql).bind(id).execute(db).await.map(|_| ()));
        assert!(written.is_err(), "the schema refuses an action outside the vocabulary");
    }
    }
}
