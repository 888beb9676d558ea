//! The per-database secret that seals weekly reports (see `report::seal`): made on first
//! use, then read back. The store hands out bytes; what they mean is the report's business.

use super::{Store, StoreError, on};

/// Bytes of a new secret.
const SECRET_BYTES: usize = 32;

impl Store {
    /// The database's report secret, made (from the system's random source) the first time
    /// it is asked for; afterwards only read, so a pass costs no write. Two processes
    /// making it at once get the same secret: the first insert wins.
    pub async fn report_secret(&self, now: i64) -> Result<Vec<u8>, StoreError> {
        if let Some(secret) = self.stored_report_secret().await? {
            return Ok(secret);
        }
        let fresh: Vec<u8> = (0..SECRET_BYTES).map(|_| rand::random::<u8>()).collect();
        let sql =
            "INSERT INTO report_key (id, secret, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING";
        on!(self.pool(), db => sqlx::query(sql).bind(&fresh).bind(now).execute(db).await.map(|_| ()))?;
        Ok(self.stored_report_secret().await?.unwrap_or(fresh))
    }

    async fn stored_report_secret(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = "SELECT secret FROM report_key WHERE id = 1";
        Ok(on!(self.pool(), db => sqlx::query_scalar(sql).fetch_optional(db).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;

    on_both! {
    async fn the_secret_is_made_once_and_kept(store) {
        let first = store.report_secret(1).await.expect("made");
        assert_eq!(first.len(), SECRET_BYTES);
        assert_eq!(store.report_secret(2).await.expect("read"), first);
        let again = store.reopen().await;
        assert_eq!(again.report_secret(3).await.expect("read"), first, "it survives a restart");
        let other = store.another().await;
        assert_ne!(other.report_secret(1).await.expect("made"), first, "each database has its own");
    }
    }
}
