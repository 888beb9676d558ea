//! The per-database secret that seals weekly reports (see `report::seal`): made on first
//! use, then read back. The store hands out bytes; what they mean is the report's business.

use super::{Store, StoreError};

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
        sqlx::query(
            "INSERT INTO report_key (id, secret, created_at) VALUES (1, ?1, ?2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&fresh)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(self.stored_report_secret().await?.unwrap_or(fresh))
    }

    async fn stored_report_secret(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(sqlx::query_scalar("SELECT secret FROM report_key WHERE id = 1")
            .fetch_optional(self.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_secret_is_made_once_and_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.db");
        let store = Store::open_unlocked(&path).await.expect("opens");
        let first = store.report_secret(1).await.expect("made");
        assert_eq!(first.len(), SECRET_BYTES);
        assert_eq!(store.report_secret(2).await.expect("read"), first);
        drop(store);
        let again = Store::open_unlocked(&path).await.expect("reopens");
        assert_eq!(again.report_secret(3).await.expect("read"), first, "it survives a restart");
        let other = Store::open_unlocked(&dir.path().join("t.db")).await.expect("opens");
        assert_ne!(other.report_secret(1).await.expect("made"), first, "each database has its own");
    }
}
