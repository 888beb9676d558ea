//! Each account's learning from its user: the learned layer's bytes and the near-copy
//! digests (`migrations/0011_personal.sql`). What the bytes mean is the engine's business
//! ([`crate::detect::personal`]); damaged bytes are skipped and counted, never a panic,
//! and the account then classifies as if it had not learned them.

use crate::detect::personal::{Layer, MAX_COPIES, NearCopy, Personal};

use super::{Store, StoreError, on};

/// An account's learning as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredPersonal {
    /// Grows with every change: compare it with [`Store::personal_generation`].
    pub generation: i64,
    pub personal: Personal,
    /// Stored parts that could not be read (a damaged layer counts one), and were left out.
    pub damaged: usize,
}

/// What a reset forgot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub weights: usize,
    pub copies: usize,
}

impl Store {
    /// The generation of `account`'s learning: 0 before it learned anything. One indexed
    /// read, cheap enough to ask before every batch.
    pub async fn personal_generation(&self, account: &str) -> Result<i64, StoreError> {
        let sql = "SELECT generation FROM personal_layers WHERE account = $1";
        let generation: Option<i64> =
            on!(self.pool(), db => sqlx::query_scalar(sql).bind(account).fetch_optional(db).await)?;
        Ok(generation.unwrap_or(0))
    }

    /// Everything `account` learned, with its generation.
    pub async fn personal(&self, account: &str) -> Result<StoredPersonal, StoreError> {
        let sql = "SELECT generation, layer FROM personal_layers WHERE account = $1";
        let row: Option<(i64, Vec<u8>)> =
            on!(self.pool(), db => sqlx::query_as(sql).bind(account).fetch_optional(db).await)?;
        let (generation, bytes) = row.unwrap_or_default();
        let mut damaged = 0;
        let layer = match bytes.is_empty() {
            true => Layer::default(),
            false => Layer::from_bytes(&bytes).unwrap_or_else(|_| {
                damaged += 1;
                Layer::default()
            }),
        };
        let sql = "SELECT digest FROM near_copies WHERE account = $1 ORDER BY id DESC LIMIT $2";
        let digests: Vec<Vec<u8>> = on!(self.pool(), db => sqlx::query_scalar(sql)
            .bind(account)
            .bind(MAX_COPIES as i64)
            .fetch_all(db)
            .await)?;
        let mut copies = Vec::with_capacity(digests.len());
        for bytes in digests.iter().rev() {
            match NearCopy::from_bytes(bytes) {
                Ok(copy) => copies.push(copy),
                Err(_) => damaged += 1,
            }
        }
        Ok(StoredPersonal { generation, personal: Personal::new(layer, copies), damaged })
    }

    /// Saves `account`'s layer and the near-copy digests `copies` adds (the oldest beyond
    /// [`MAX_COPIES`] dropped), in one transaction; the generation grows by one.
    pub async fn save_personal(
        &self,
        account: &str,
        layer: &Layer,
        copies: &[NearCopy],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut writing = self.begin_write().await?;
        let result = async {
            let mut conn = writing.conn();
            on!(conn.again(), c => sqlx::query(
                "INSERT INTO personal_layers (account, layer, generation, updated_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (account) DO UPDATE SET layer = excluded.layer, \
                 generation = personal_layers.generation + 1, updated_at = excluded.updated_at",
            )
            .bind(account)
            .bind(layer.to_bytes())
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
            for copy in copies {
                let sql = "INSERT INTO near_copies (account, digest, created_at) VALUES ($1, $2, $3)";
                on!(conn.again(), c => sqlx::query(sql)
                    .bind(account)
                    .bind(copy.to_bytes())
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|_| ()))?;
            }
            if !copies.is_empty() {
                on!(conn, c => sqlx::query(
                    "DELETE FROM near_copies WHERE account = $1 AND id NOT IN \
                     (SELECT id FROM near_copies WHERE account = $1 ORDER BY id DESC LIMIT $2)",
                )
                .bind(account)
                .bind(MAX_COPIES as i64)
                .execute(c)
                .await
                .map(|_| ()))?;
            }
            Ok(())
        }
        .await;
        self.end_write(writing, result).await
    }

    /// Deletes `account`'s near-copy digests stored as exactly one of `digests` (reports
    /// the user took back, the oldest of a kind past the bound: see
    /// [`crate::detect::personal`]). The save that follows grows the generation.
    pub async fn forget_near_copies(&self, account: &str, digests: &[Vec<u8>]) -> Result<(), StoreError> {
        if digests.is_empty() {
            return Ok(());
        }
        let mut writing = self.begin_write().await?;
        let result = async {
            let mut conn = writing.conn();
            for digest in digests {
                let sql = "DELETE FROM near_copies WHERE account = $1 AND digest = $2";
                on!(conn.again(), c => sqlx::query(sql).bind(account).bind(digest).execute(c).await.map(|_| ()))?;
            }
            Ok(())
        }
        .await;
        self.end_write(writing, result).await
    }

    /// Forgets everything `account` learned. The layer's row stays, emptied, with its
    /// generation grown, so a running service notices.
    pub async fn reset_personal(&self, account: &str, now: i64) -> Result<Forgotten, StoreError> {
        let before = self.personal(account).await?;
        let mut writing = self.begin_write().await?;
        let result = async {
            let mut conn = writing.conn();
            // The empty layer is a parameter: the two backends spell an empty BLOB literal
            // differently (X'' and '\x').
            on!(conn.again(), c => sqlx::query(
                "UPDATE personal_layers SET layer = $3, generation = generation + 1, updated_at = $2 \
                 WHERE account = $1",
            )
            .bind(account)
            .bind(now)
            .bind(Vec::<u8>::new())
            .execute(c)
            .await
            .map(|_| ()))?;
            let sql = "DELETE FROM near_copies WHERE account = $1";
            on!(conn, c => sqlx::query(sql).bind(account).execute(c).await.map(|done| done.rows_affected()))
        }
        .await;
        let deleted = self.end_write(writing, result).await?;
        Ok(Forgotten { weights: before.personal.layer.len(), copies: deleted as usize })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;
    use crate::detect::personal::Feedback;
    use crate::store::on;
    use crate::store::test_backends::on_both;

    fn scam(name: &str) -> crate::mail::Email {
        let body = format!(
            "Dear {name}, I know about the secret you are keeping from your family. I have the recordings \
             from your camera and the list of all your contacts. If you want this to stay between us you \
             will follow my instructions and tell nobody about this letter."
        );
        let raw = format!("From: x@stranger.example\r\nSubject: secret\r\n\r\n{body}");
        crate::mail::parse(raw.as_bytes()).expect("parses")
    }

    on_both! {
    async fn learning_is_saved_bounded_read_back_and_reset(store) {
        assert_eq!(store.personal_generation("a").await.expect("reads"), 0);
        assert_eq!(store.personal("a").await.expect("reads"), StoredPersonal::default());
        let detector = Detector::default();
        let mut personal = Personal::default();
        let copy = personal.learn(Feedback::Reported, &scam("John"), &detector).expect("digest");
        store.save_personal("a", &personal.layer, std::slice::from_ref(&copy), 1).await.expect("saves");
        let stored = store.personal("a").await.expect("reads");
        assert_eq!((stored.generation, stored.damaged), (1, 0));
        assert_eq!(stored.personal, personal);
        assert_eq!(store.personal("b").await.expect("reads").generation, 0, "per account");
        // Near-copies are bounded, the oldest dropped.
        let many = vec![copy.clone(); MAX_COPIES];
        store.save_personal("a", &personal.layer, &many, 2).await.expect("saves");
        store.save_personal("a", &personal.layer, std::slice::from_ref(&copy), 3).await.expect("saves");
        let sql = "SELECT COUNT(*) FROM near_copies";
        let count: i64 = on!(store.pool(), db => sqlx::query_scalar(sql).fetch_one(db).await).unwrap();
        assert_eq!(count, MAX_COPIES as i64);
        // A damaged digest or layer is left out and counted.
        let sql = "UPDATE near_copies SET digest = $1 WHERE id = (SELECT MAX(id) FROM near_copies)";
        on!(store.pool(), db => sqlx::query(sql).bind(vec![0u8]).execute(db).await.map(|_| ())).unwrap();
        let sql = "UPDATE personal_layers SET layer = $1";
        on!(store.pool(), db => sqlx::query(sql).bind(b"SGPF".to_vec()).execute(db).await.map(|_| ())).unwrap();
        let damaged = store.personal("a").await.expect("reads");
        assert_eq!(damaged.damaged, 2);
        assert!(damaged.personal.layer.is_empty());
        let generation = store.personal_generation("a").await.expect("reads");
        let forgotten = store.reset_personal("a", 9).await.expect("resets");
        assert_eq!(forgotten.copies, MAX_COPIES);
        let after = store.personal("a").await.expect("reads");
        assert_eq!((after.personal, after.generation), (Personal::default(), generation + 1));
    }
    }

    on_both! {
    async fn digests_are_forgotten_by_their_bytes_and_per_account(store) {
        let detector = Detector::default();
        let mut personal = Personal::default();
        let john = personal.learn(Feedback::Reported, &scam("John"), &detector).expect("digest");
        let mary = personal.learn(Feedback::Released, &scam("Mary Ann Smith"), &detector).expect("digest");
        let both = [john.clone(), mary.clone()];
        store.save_personal("a", &personal.layer, &both, 1).await.expect("saves");
        store.save_personal("b", &personal.layer, &both, 1).await.expect("saves");
        store.forget_near_copies("a", &[john.to_bytes()]).await.expect("forgets");
        let kept: Vec<NearCopy> = store.personal("a").await.expect("reads").personal.copies().cloned().collect();
        assert_eq!(kept, [mary]);
        assert_eq!(store.personal("b").await.expect("reads").personal.copies().count(), 2, "per account");
    }
    }
}
