//! The history as the review page browses it: typed filters, a text search over subject
//! and sender, and one page at a time.
//!
//! A page is read with `LIMIT n + 1 OFFSET k` so the page knows whether another follows
//! without counting the whole table. Newest first goes by the `detections_by_time`
//! index, the filters checked as it is walked. The text search is a subquery over the
//! narrow `detections_by_text` index (migration 0012), never over whole rows: a search
//! that matches nothing would otherwise read every row's signals and evidence (README
//! "Performance": 100,000 detections).

use super::review::DETECTION_COLUMNS;
use super::{Action, Category, Detection, Store, StoreError, Verdict, on};

/// What one page of the browsed history shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryQuery {
    pub account: Option<String>,
    pub verdict: Option<Verdict>,
    pub category: Option<Category>,
    pub action: Option<Action>,
    /// Only detections made at or after this Unix time.
    pub since: Option<i64>,
    /// Only rows whose subject or sender contains this text (ASCII letters in any case).
    pub text: Option<String>,
    /// Rows to skip (the page number times the page size).
    pub offset: u32,
    /// Rows per page.
    pub limit: u32,
}

/// One page of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// Newest first.
    pub rows: Vec<Detection>,
    /// Whether rows follow after this page.
    pub more: bool,
}

impl Store {
    /// The page of the history that `query` asks for, newest first.
    pub async fn history_page(&self, query: &HistoryQuery) -> Result<HistoryPage, StoreError> {
        // Not LIKE: the user's text is matched as it is, with no `%` or `_` to escape
        // (`Dialect::contains`). The subquery reads only the covering index on (subject,
        // from_addr).
        let dialect = self.dialect();
        let (subject, from) =
            (dialect.contains("lower(subject)", "$6"), dialect.contains("lower(from_addr)", "$6"));
        let by_text = dialect.indexed_by("detections_by_text");
        let sql = format!(
            "SELECT {DETECTION_COLUMNS} FROM detections
             WHERE ($1 IS NULL OR account = $1) AND ($2 IS NULL OR verdict = $2)
               AND ($3 IS NULL OR category = $3) AND ($4 IS NULL OR action = $4)
               AND ($5 IS NULL OR detected_at >= $5)
               AND ($6 IS NULL OR id IN (SELECT id FROM detections {by_text} WHERE {subject} OR {from}))
             ORDER BY detected_at DESC, id DESC LIMIT $7 OFFSET $8"
        );
        let text = query.text.as_deref().filter(|t| !t.is_empty()).map(str::to_lowercase);
        let mut rows: Vec<Detection> = on!(self.pool(), db => sqlx::query_as(&sql)
            .bind(&query.account)
            .bind(query.verdict)
            .bind(query.category.map(Category::as_str))
            .bind(query.action)
            .bind(query.since)
            .bind(text)
            .bind(i64::from(query.limit) + 1)
            .bind(i64::from(query.offset))
            .fetch_all(db)
            .await)?;
        let more = rows.len() > query.limit as usize;
        rows.truncate(query.limit as usize);
        Ok(HistoryPage { rows, more })
    }

    /// The accounts that have detections, in order (the review page's account filter).
    pub async fn accounts(&self) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT DISTINCT account FROM detections ORDER BY account";
        Ok(on!(self.pool(), db => sqlx::query_scalar(sql).fetch_all(db).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewDetection;
    use crate::store::test_backends::on_both;

    fn row(
        account: &str,
        uid: u32,
        subject: &str,
        from: &str,
        verdict: Verdict,
        action: Action,
    ) -> NewDetection {
        NewDetection {
            account: account.into(),
            folder: "INBOX".into(),
            uid,
            message_key: format!("<{uid}@x>"),
            subject: subject.into(),
            from: from.into(),
            verdict,
            action,
            ..NewDetection::default()
        }
    }

    on_both! {
    async fn pages_filter_and_search_the_history_newest_first(store) {
        let rows = [
            row("a", 1, "Your device is hacked", "x@evil.example", Verdict::Threat, Action::Moved),
            row("a", 2, "Invoice 100%_paid", "billing@shop.example", Verdict::Suspicious, Action::Nothing),
            row("b", 3, "Account locked", "SUPPORT@Bank.example", Verdict::Threat, Action::Restored),
        ];
        for (i, r) in rows.iter().enumerate() {
            store
                .record_batch(&r.account, std::slice::from_ref(r), 1, "d", 10 + i as i64)
                .await
                .expect("record");
        }
        let subjects = |page: &HistoryPage| page.rows.iter().map(|r| r.subject.clone()).collect::<Vec<_>>();
        let all = store.history_page(&HistoryQuery { limit: 10, ..Default::default() }).await.expect("page");
        assert_eq!(subjects(&all), ["Account locked", "Invoice 100%_paid", "Your device is hacked"]);
        assert!(!all.more);

        let first = store.history_page(&HistoryQuery { limit: 2, ..Default::default() }).await.expect("page");
        assert_eq!((first.rows.len(), first.more), (2, true));
        let second = store
            .history_page(&HistoryQuery { limit: 2, offset: 2, ..Default::default() })
            .await
            .expect("page");
        assert_eq!((subjects(&second), second.more), (vec!["Your device is hacked".to_string()], false));

        let store = &store;
        let query = |q: HistoryQuery| async move { subjects(&store.history_page(&q).await.expect("page")) };
        let base = HistoryQuery { limit: 10, ..Default::default() };
        assert_eq!(
            query(HistoryQuery { account: Some("b".into()), ..base.clone() }).await,
            ["Account locked"]
        );
        assert_eq!(query(HistoryQuery { verdict: Some(Verdict::Suspicious), ..base.clone() }).await.len(), 1);
        assert_eq!(
            query(HistoryQuery { action: Some(Action::Restored), ..base.clone() }).await,
            ["Account locked"]
        );
        assert_eq!(query(HistoryQuery { category: Some(Category::Phishing), ..base.clone() }).await.len(), 0);
        assert_eq!(query(HistoryQuery { since: Some(11), ..base.clone() }).await.len(), 2);
        assert_eq!(
            query(HistoryQuery { text: Some("bank.EXAMPLE".into()), ..base.clone() }).await,
            ["Account locked"]
        );
        assert_eq!(query(HistoryQuery { text: Some("hacked".into()), ..base.clone() }).await.len(), 1);
        assert_eq!(
            query(HistoryQuery { text: Some("%_".into()), ..base.clone() }).await,
            ["Invoice 100%_paid"],
            "search text is matched literally"
        );
        assert_eq!(store.accounts().await.expect("accounts"), ["a", "b"]);
    }
    }
}
