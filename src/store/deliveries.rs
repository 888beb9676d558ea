//! Weekly reports' deliveries: one row per account and week, claimed before the APPEND so
//! restarts, downtime or two workers never deliver a week twice.
//!
//! A claim is timed by the database's clock (`claimed_at`), written when it is taken and
//! again just before its APPEND ([`Store::confirm_claim`]). A claim younger than the
//! caller's `in_flight_for` is an APPEND on its way (another worker, or a process stalled
//! mid-delivery while its lease moved) and is left alone: taking it over then would look
//! in INBOX, not find the report not yet appended, and append a second one. Only an older
//! claim is abandoned (its process died, or never learned whether its APPEND landed) and
//! taken over, by one claimer only.

use super::{Store, StoreError, on};

/// What claiming a week's delivery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had claimed it: deliver.
    Claimed,
    /// It was delivered before.
    Delivered,
    /// Another attempt claimed it a moment ago and may be appending now: do nothing, a
    /// later attempt finds it delivered or abandoned.
    InFlight,
    /// An earlier attempt (this report's key) never learned whether its APPEND landed:
    /// look in INBOX before delivering again. The claim now names the new report.
    Unconfirmed(String),
}

impl Store {
    /// Claims the delivery of `week`'s report for `account`, as the report with
    /// `message_key` (written before the APPEND, so an attempt whose outcome was never
    /// learned can be checked later). A claim confirmed less than `in_flight_for` seconds
    /// ago (the database's clock) is [`Claim::InFlight`].
    pub async fn claim_delivery(
        &self,
        account: &str,
        week: &str,
        message_key: &str,
        in_flight_for: i64,
    ) -> Result<Claim, StoreError> {
        let now = self.dialect().now_seconds();
        // Exactly one claimer wins, in either backend: a second INSERT of the same week
        // waits for the first to commit, then does nothing.
        let sql = format!(
            "INSERT INTO deliveries (account, week, state, message_key, claimed_at)
             VALUES ($1, $2, 'sending', $3, {now}) ON CONFLICT DO NOTHING"
        );
        let inserted = on!(self.pool(), db => sqlx::query(&sql).bind(account).bind(week).bind(message_key)
            .execute(db).await.map(|done| done.rows_affected()))?;
        if inserted == 1 {
            return Ok(Claim::Claimed);
        }
        let sql = format!(
            "SELECT state, message_key, CAST(CASE WHEN claimed_at > {now} - $3 THEN 1 ELSE 0 END AS BIGINT)
             FROM deliveries WHERE account = $1 AND week = $2"
        );
        let row: Option<(String, String, i64)> = on!(self.pool(), db => sqlx::query_as(&sql)
            .bind(account).bind(week).bind(in_flight_for).fetch_optional(db).await)?;
        // Gone between the two statements: a failed attempt just gave it back; the next
        // attempt claims it.
        let Some((state, earlier, young)) = row else { return Ok(Claim::InFlight) };
        if state == "delivered" {
            return Ok(Claim::Delivered);
        }
        if young == 1 {
            return Ok(Claim::InFlight);
        }
        // Taken over only as it was read: of two takers at once, the second finds the
        // key changed (PostgreSQL re-checks the condition on the row the first left).
        let sql = format!(
            "UPDATE deliveries SET message_key = $3, claimed_at = {now}
             WHERE account = $1 AND week = $2 AND state = 'sending' AND message_key = $4
               AND claimed_at <= {now} - $5"
        );
        let taken = on!(self.pool(), db => sqlx::query(&sql).bind(account).bind(week).bind(message_key)
            .bind(&earlier).bind(in_flight_for).execute(db).await.map(|done| done.rows_affected()))?;
        Ok(if taken == 1 { Claim::Unconfirmed(earlier) } else { Claim::InFlight })
    }

    /// Says, just before the APPEND, that the claim naming `message_key` is still this
    /// attempt's, and makes it young again; `false` when another attempt took it over (this
    /// one stalled past `in_flight_for`) or it was delivered: then nothing may be appended.
    pub async fn confirm_claim(
        &self,
        account: &str,
        week: &str,
        message_key: &str,
    ) -> Result<bool, StoreError> {
        let now = self.dialect().now_seconds();
        let sql = format!(
            "UPDATE deliveries SET claimed_at = {now}
             WHERE account = $1 AND week = $2 AND state = 'sending' AND message_key = $3"
        );
        let confirmed = on!(self.pool(), db => sqlx::query(&sql).bind(account).bind(week).bind(message_key)
            .execute(db).await.map(|done| done.rows_affected()))?;
        Ok(confirmed == 1)
    }

    /// Records a claimed delivery as done, with the key of the report that was delivered.
    pub async fn finish_delivery(
        &self,
        account: &str,
        week: &str,
        message_key: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE deliveries SET state = 'delivered', message_key = $3, delivered_at = $4
                   WHERE account = $1 AND week = $2";
        on!(self.pool(), db => sqlx::query(sql).bind(account).bind(week).bind(message_key).bind(now)
            .execute(db).await.map(|_| ()))?;
        Ok(())
    }

    /// Gives a claim back after its delivery failed (the report is known not to be in
    /// INBOX), so the next attempt claims afresh; a claim another attempt took over since
    /// is left to it.
    pub async fn drop_claim(&self, account: &str, week: &str, message_key: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM deliveries WHERE account = $1 AND week = $2 AND state = 'sending' AND message_key = $3";
        on!(self.pool(), db => sqlx::query(sql).bind(account).bind(week).bind(message_key)
            .execute(db).await.map(|_| ()))?;
        Ok(())
    }

    /// Weeks whose report was delivered to `account`, oldest first.
    pub async fn delivered_weeks(&self, account: &str) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT week FROM deliveries WHERE account = $1 AND state = 'delivered' ORDER BY week";
        Ok(on!(self.pool(), db => sqlx::query_scalar(sql).bind(account).fetch_all(db).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;

    /// How long the tests' claims are in flight.
    const IN_FLIGHT: i64 = 100;

    /// Makes every claim `seconds` older, as if taken that long ago.
    async fn age_claims(store: &Store, seconds: i64) {
        let sql = "UPDATE deliveries SET claimed_at = claimed_at - $1";
        on!(store.pool(), db => sqlx::query(sql).bind(seconds).execute(db).await.map(|_| ())).expect("age");
    }

    on_both! {
    async fn a_week_is_claimed_once_taken_over_when_abandoned_and_delivered_once(store) {
        let claim = |key: &'static str| store.claim_delivery("a", "2026-W47", key, IN_FLIGHT);
        assert_eq!(claim("<r1@x>").await.expect("claim"), Claim::Claimed);
        assert_eq!(claim("<r2@x>").await.expect("claim"), Claim::InFlight, "young: on its way");
        age_claims(&store, IN_FLIGHT).await;
        assert_eq!(
            claim("<r2@x>").await.expect("claim"),
            Claim::Unconfirmed("<r1@x>".into()),
            "an abandoned claim names the report to look for"
        );
        assert!(!store.confirm_claim("a", "2026-W47", "<r1@x>").await.expect("confirm"), "taken over");
        assert!(store.confirm_claim("a", "2026-W47", "<r2@x>").await.expect("confirm"));
        store.drop_claim("a", "2026-W47", "<r1@x>").await.expect("not its claim");
        assert_eq!(claim("<r3@x>").await.expect("claim"), Claim::InFlight, "a stale attempt drops nothing");
        store.drop_claim("a", "2026-W47", "<r2@x>").await.expect("release");
        assert_eq!(claim("<report@x>").await.expect("claim"), Claim::Claimed, "a failed delivery can be retried");
        store.finish_delivery("a", "2026-W47", "<report@x>", 2).await.expect("done");
        assert!(!store.confirm_claim("a", "2026-W47", "<report@x>").await.expect("confirm"), "delivered");
        age_claims(&store, IN_FLIGHT).await;
        assert_eq!(claim("<r4@x>").await.expect("claim"), Claim::Delivered);
        assert_eq!(store.delivered_weeks("a").await.expect("weeks"), ["2026-W47"]);
        let report = [crate::store::Identity { key: "<report@x>".into(), digest: "d".into() }];
        let handled = store.handled("a", "INBOX", &report).await.expect("handled");
        assert_eq!(handled.len(), 1, "the scanner leaves the delivered report alone");
    }
    }

    on_both! {
    /// Two workers finding the same abandoned claim at once: one takes it over.
    async fn an_abandoned_claim_is_taken_over_by_one_of_two(store) {
        let other = store.reopen().await;
        for week in 1..=10 {
            let week = format!("2026-W{week:02}");
            store.claim_delivery("a", &week, "<old@x>", IN_FLIGHT).await.expect("claim");
            age_claims(&store, IN_FLIGHT).await;
            let (a, b) = tokio::join!(
                store.claim_delivery("a", &week, "<r1@x>", IN_FLIGHT),
                other.claim_delivery("a", &week, "<r2@x>", IN_FLIGHT)
            );
            let outcomes = [a.expect("first"), b.expect("second")];
            let taken = outcomes.iter().filter(|c| matches!(c, Claim::Unconfirmed(_))).count();
            assert_eq!(taken, 1, "{week}: {outcomes:?}");
        }
    }
    }
}
