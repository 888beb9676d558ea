//! The fleet's tables: accounts kept in the database (`scamguard accounts`), the workers
//! sharing a PostgreSQL database (`fleet_workers`, a heartbeat each) and the lease each
//! holds on an account (`leases`).
//!
//! Lease times are the database's clock (`Dialect::now_seconds`), never the worker's: two
//! machines whose clocks differ by a minute still agree on whether a lease expired.
//! Taking leases is one statement that locks the rows it takes with `FOR UPDATE SKIP
//! LOCKED`, so workers taking at the same moment each get other accounts, never one
//! account twice, and never wait on each other.

use serde::Serialize;

use super::dialect::placeholders;
use super::{Store, StoreError, on};

/// How long a lease lasts unless renewed (seconds): a worker that dies loses its accounts
/// this long after its last renewal at most, and with the next round of another worker
/// (`app::fleet::ROUND`, 5 s) they are watched again within 25 s, inside the 30 s
/// promised.
pub const LEASE_SECONDS: i64 = 20;

/// How long a lease must still run for its holder to act on it (seconds), and how long a
/// lease let go while its account's workers may still be mid-batch (a rebalance) stays
/// untakeable: a holder that checked its lease has this long to send the command it
/// checked for before any other worker can hold the account. IMAP has no fencing token,
/// so this is the bound: a worker that stalls longer between its check and its command
/// (SIGSTOP, a long GC-like pause, a socket buffer stuck) may act beside the new holder.
pub const LEASE_MARGIN: i64 = 10;

/// How many accounts one statement of [`Store::take_leases`] names (each a bound value;
/// PostgreSQL takes at most 65,535 in a statement).
const TAKEN_AT_ONCE: usize = 10_000;

/// An account added with `scamguard accounts add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredAccount {
    pub name: String,
    /// The account's table as the configuration writes it (TOML), secrets by reference.
    pub settings: String,
    #[sqlx(try_from = "i64")]
    pub enabled: Enabled,
    pub added_at: i64,
}

/// Whether a stored account is watched (a column of 0 or 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enabled(pub bool);

impl TryFrom<i64> for Enabled {
    type Error = String;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Enabled(false)),
            1 => Ok(Enabled(true)),
            other => Err(format!("accounts.enabled is {other}, not 0 or 1")),
        }
    }
}

/// Who holds an account, for `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Lease {
    pub account: String,
    /// host:pid:nonce of the holder.
    pub worker: String,
    pub acquired_at: i64,
    pub expires_at: i64,
    /// Whether `expires_at` has passed by the database's clock: any worker may take it.
    #[sqlx(try_from = "i64")]
    pub expired: Enabled,
    /// Seconds until `expires_at` by the database's clock (negative once passed): `status`
    /// may run on a machine whose clock differs.
    pub remaining: i64,
}

impl Store {
    /// Adds an account; `false` when one of that name is stored already.
    pub async fn add_account(&self, name: &str, settings: &str, now: i64) -> Result<bool, StoreError> {
        let sql = "INSERT INTO accounts (name, settings, enabled, added_at) VALUES ($1, $2, 1, $3)
                   ON CONFLICT DO NOTHING";
        let added = on!(self.pool(), db => sqlx::query(sql).bind(name).bind(settings).bind(now)
            .execute(db).await.map(|done| done.rows_affected()))?;
        Ok(added == 1)
    }

    /// Removes an account (its history stays); `false` when there was none.
    pub async fn remove_account(&self, name: &str) -> Result<bool, StoreError> {
        let removed = on!(self.pool(), db => sqlx::query("DELETE FROM accounts WHERE name = $1").bind(name)
            .execute(db).await.map(|done| done.rows_affected()))?;
        Ok(removed == 1)
    }

    /// Enables or disables an account; `false` when there is none of that name.
    pub async fn set_account_enabled(&self, name: &str, enabled: bool) -> Result<bool, StoreError> {
        let sql = "UPDATE accounts SET enabled = $2 WHERE name = $1";
        let changed = on!(self.pool(), db => sqlx::query(sql).bind(name).bind(i64::from(enabled))
            .execute(db).await.map(|done| done.rows_affected()))?;
        Ok(changed == 1)
    }

    /// Every stored account, by name.
    pub async fn stored_accounts(&self) -> Result<Vec<StoredAccount>, StoreError> {
        let sql = "SELECT name, settings, enabled, added_at FROM accounts ORDER BY name";
        Ok(on!(self.pool(), db => sqlx::query_as(sql).fetch_all(db).await)?)
    }

    /// Says `worker` lives (by the database's clock), and returns how many workers did
    /// within a lease's length, itself included.
    pub async fn heartbeat(&self, worker: &str) -> Result<usize, StoreError> {
        let now = self.dialect().now_seconds();
        let sql = format!(
            "INSERT INTO fleet_workers (worker, started_at, heartbeat_at) VALUES ($1, {now}, {now})
             ON CONFLICT (worker) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"
        );
        on!(self.pool(), db => sqlx::query(&sql).bind(worker).execute(db).await.map(|_| ()))?;
        // Workers gone longer than a day are forgotten.
        let sql = format!("DELETE FROM fleet_workers WHERE heartbeat_at < {now} - 86400");
        on!(self.pool(), db => sqlx::query(&sql).execute(db).await.map(|_| ()))?;
        let sql = format!("SELECT COUNT(*) FROM fleet_workers WHERE heartbeat_at > {now} - $1");
        let live: i64 =
            on!(self.pool(), db => sqlx::query_scalar(&sql).bind(LEASE_SECONDS).fetch_one(db).await)?;
        Ok(usize::try_from(live).unwrap_or(1).max(1))
    }

    /// Renews the leases `worker` still holds (not expired, not taken) and returns their
    /// accounts: an account missing from the answer is lost, and must not be watched.
    pub async fn renew_leases(&self, worker: &str) -> Result<Vec<String>, StoreError> {
        let now = self.dialect().now_seconds();
        let sql = format!(
            "UPDATE leases SET expires_at = {now} + $2 WHERE worker = $1 AND expires_at > {now} RETURNING account"
        );
        let mut held: Vec<String> = on!(self.pool(), db => sqlx::query_scalar(&sql).bind(worker)
            .bind(LEASE_SECONDS).fetch_all(db).await)?;
        held.sort();
        Ok(held)
    }

    /// Takes up to `limit` of `accounts` whose lease is free (never taken, released or
    /// expired) for `worker`, and returns them. Rows locked by another worker taking at
    /// the same moment are skipped, not waited for.
    pub async fn take_leases(
        &self,
        worker: &str,
        accounts: &[String],
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        // A statement binds at most 65,535 values on PostgreSQL: tens of thousands of
        // accounts are taken a chunk at a time, or no lease would be taken at all.
        let mut taken = Vec::new();
        for chunk in accounts.chunks(TAKEN_AT_ONCE) {
            if taken.len() >= limit {
                break;
            }
            taken.extend(self.take_leases_among(worker, chunk, limit - taken.len()).await?);
        }
        taken.sort();
        Ok(taken)
    }

    /// [`Store::take_leases`] among at most [`TAKEN_AT_ONCE`] accounts.
    async fn take_leases_among(
        &self,
        worker: &str,
        accounts: &[String],
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        if accounts.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let dialect = self.dialect();
        let now = dialect.now_seconds();
        // A row for each account first (free: expired at 0), so the take below only
        // ever updates rows, which it can lock.
        let rows: Vec<String> = (1..=accounts.len()).map(|n| format!("(${n}, '', 0, 0)")).collect();
        let sql = format!(
            "INSERT INTO leases (account, worker, acquired_at, expires_at) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        on!(self.pool(), db => {
            let mut query = sqlx::query(&sql);
            for account in accounts {
                query = query.bind(account);
            }
            query.execute(db).await.map(|_| ())
        })?;
        let wanted = placeholders(4, accounts.len(), 1, true);
        let lock = dialect.skip_locked();
        let sql = format!(
            "UPDATE leases SET worker = $1, acquired_at = {now}, expires_at = {now} + $2
             WHERE account IN (SELECT account FROM leases WHERE expires_at <= {now} AND account IN ({wanted})
                               ORDER BY expires_at, account LIMIT $3 {lock})
               AND expires_at <= {now}
             RETURNING account"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let taken: Vec<String> = on!(self.pool(), db => {
            let mut query = sqlx::query_scalar(&sql).bind(worker).bind(LEASE_SECONDS).bind(limit);
            for account in accounts {
                query = query.bind(account);
            }
            query.fetch_all(db).await
        })?;
        Ok(taken)
    }

    /// Lets go of `worker`'s leases on `accounts` (all of them with `None`) at once, so
    /// another worker may take them without waiting for them to expire.
    pub async fn release_leases(&self, worker: &str, accounts: Option<&[String]>) -> Result<(), StoreError> {
        if let Some(names) = accounts
            && names.len() > TAKEN_AT_ONCE
        {
            for chunk in names.chunks(TAKEN_AT_ONCE) {
                Box::pin(self.release_leases(worker, Some(chunk))).await?;
            }
            return Ok(());
        }
        let now = self.dialect().now_seconds();
        let (sql, names) = match accounts {
            Some([]) => return Ok(()),
            // Free only after the margin: the account's workers are asked to stop after
            // this, and a batch in flight may have checked its lease just before.
            Some(names) => (
                format!(
                    "UPDATE leases SET worker = '', expires_at = {now} + {LEASE_MARGIN}
                     WHERE worker = $1 AND account IN ({})",
                    placeholders(2, names.len(), 1, true)
                ),
                names,
            ),
            // On stop, after every worker of this process ended: free at once.
            None => ("UPDATE leases SET worker = '', expires_at = 0 WHERE worker = $1".to_string(), &[][..]),
        };
        on!(self.pool(), db => {
            let mut query = sqlx::query(&sql).bind(worker);
            for name in names {
                query = query.bind(name);
            }
            query.execute(db).await.map(|_| ())
        })?;
        if accounts.is_none() {
            let sql = "DELETE FROM fleet_workers WHERE worker = $1";
            on!(self.pool(), db => sqlx::query(sql).bind(worker).execute(db).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// Whether `worker` holds `account`'s lease now, by the database's clock, for at least
    /// [`LEASE_MARGIN`] more seconds: checked right before each move or copy is sent, so a
    /// worker whose lease expired while it was stuck moves nothing, and one that passes
    /// has that long before another worker can take the account.
    pub async fn holds_lease(&self, worker: &str, account: &str) -> Result<bool, StoreError> {
        let now = self.dialect().now_seconds();
        let sql = format!(
            "SELECT COUNT(*) FROM leases WHERE account = $1 AND worker = $2 AND expires_at > {now} + {LEASE_MARGIN}"
        );
        let count: i64 =
            on!(self.pool(), db => sqlx::query_scalar(&sql).bind(account).bind(worker).fetch_one(db).await)?;
        Ok(count == 1)
    }

    /// Every lease held or once held (released ones have no worker), by account.
    pub async fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        let now = self.dialect().now_seconds();
        let sql = format!(
            "SELECT account, worker, acquired_at, expires_at,
                    CAST(CASE WHEN expires_at <= {now} THEN 1 ELSE 0 END AS BIGINT) AS expired,
                    CAST(expires_at - {now} AS BIGINT) AS remaining
             FROM leases WHERE worker <> '' ORDER BY account"
        );
        Ok(on!(self.pool(), db => sqlx::query_as(&sql).fetch_all(db).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::LEASE_SECONDS;
    use crate::store::on;
    use crate::store::test_backends::on_both;

    on_both! {
        async fn stored_accounts_are_added_listed_disabled_and_removed(store) {
            assert!(store.add_account("b", "host = \"x\"", 5).await.expect("add"));
            assert!(!store.add_account("b", "other", 6).await.expect("add"), "a name is stored once");
            assert!(store.add_account("a", "host = \"y\"", 7).await.expect("add"));
            assert!(store.set_account_enabled("a", false).await.expect("disable"));
            assert!(!store.set_account_enabled("nobody", false).await.expect("disable"));
            let listed = store.stored_accounts().await.expect("list");
            let seen: Vec<(&str, bool)> = listed.iter().map(|a| (a.name.as_str(), a.enabled.0)).collect();
            assert_eq!(seen, [("a", false), ("b", true)]);
            assert_eq!(listed[1].settings, "host = \"x\"");
            assert!(store.remove_account("a").await.expect("remove"));
            assert!(!store.remove_account("a").await.expect("remove"));
            assert_eq!(store.stored_accounts().await.expect("list").len(), 1);
        }
    }

    on_both! {
        async fn a_lease_is_taken_once_renewed_by_its_holder_and_released(store) {
            let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
            assert_eq!(store.heartbeat("w1").await.expect("beat"), 1);
            assert_eq!(store.heartbeat("w2").await.expect("beat"), 2);
            let first = store.take_leases("w1", &names, 2).await.expect("take");
            assert_eq!(first, ["a", "b"]);
            let second = store.take_leases("w2", &names, 5).await.expect("take");
            assert_eq!(second, ["c"], "a held lease is never taken");
            assert_eq!(store.renew_leases("w1").await.expect("renew"), ["a", "b"]);
            assert!(store.holds_lease("w1", "a").await.expect("holds"));
            assert!(!store.holds_lease("w2", "a").await.expect("holds"));
            store.release_leases("w1", Some(&names[..1])).await.expect("release");
            assert!(!store.holds_lease("w1", "a").await.expect("holds"));
            assert_eq!(
                store.take_leases("w2", &names, 5).await.expect("take"),
                Vec::<String>::new(),
                "let go while a batch may be in flight: free only after the margin"
            );
            age_leases(&store, crate::store::LEASE_MARGIN).await;
            assert_eq!(store.take_leases("w2", &names, 5).await.expect("take"), ["a"]);
            let shown: Vec<(String, String)> =
                store.leases().await.expect("leases").into_iter().map(|l| (l.account, l.worker)).collect();
            assert_eq!(shown, [("a", "w2"), ("b", "w1"), ("c", "w2")].map(|(a, w)| (a.into(), w.into())));
            let remaining = store.leases().await.expect("leases")[0].remaining;
            assert!((LEASE_SECONDS - 3..=LEASE_SECONDS).contains(&remaining), "by the database's clock: {remaining}");
            store.release_leases("w2", None).await.expect("release all");
            assert_eq!(store.renew_leases("w2").await.expect("renew"), Vec::<String>::new());
            assert_eq!(store.heartbeat("w1").await.expect("beat"), 1, "a worker that let go is not live");
        }
    }

    /// Makes every lease `seconds` older.
    async fn age_leases(store: &crate::store::Store, seconds: i64) {
        let sql = "UPDATE leases SET expires_at = expires_at - $1";
        on!(store.pool(), db => sqlx::query(sql).bind(seconds).execute(db).await.map(|_| ())).expect("age");
    }

    on_both! {
        async fn an_expired_lease_is_lost_by_its_holder_and_taken_by_another(store) {
            let names = vec!["a".to_string()];
            assert_eq!(store.take_leases("w1", &names, 1).await.expect("take"), ["a"]);
            // The lease runs out (as if w1 stopped renewing 31 s ago).
            age_leases(&store, 31).await;
            assert!(!store.holds_lease("w1", "a").await.expect("holds"), "a stuck worker must not move");
            assert!(store.leases().await.expect("leases")[0].expired.0);
            assert_eq!(store.take_leases("w2", &names, 1).await.expect("take"), ["a"]);
            assert_eq!(store.renew_leases("w1").await.expect("renew"), Vec::<String>::new());
        }
    }

    on_both! {
        /// A holder acts only with the margin left: a lease about to run out is not held
        /// for a move (another worker could take it before the command arrives).
        async fn a_lease_about_to_run_out_is_not_held_for_a_move(store) {
            let names = vec!["a".to_string()];
            assert_eq!(store.take_leases("w1", &names, 1).await.expect("take"), ["a"]);
            age_leases(&store, crate::store::LEASE_SECONDS - crate::store::LEASE_MARGIN).await;
            assert!(!store.holds_lease("w1", "a").await.expect("holds"), "{}s left", crate::store::LEASE_MARGIN);
            assert_eq!(store.renew_leases("w1").await.expect("renew"), ["a"], "still its own: renewed");
            assert!(store.holds_lease("w1", "a").await.expect("holds"));
        }
    }

    on_both! {
        /// Workers started at the same instant take at the same instant, each through its
        /// own connections: every account is taken once, by one of them, never by both.
        async fn workers_taking_at_the_same_instant_never_take_one_account_twice(store) {
            let names: Vec<String> = (0..300).map(|n| format!("user{n:03}")).collect();
            let (first, second) = (store.reopen().await, store.reopen().await);
            for round in 0..5 {
                let (a, b) = tokio::join!(
                    first.take_leases("w1", &names, 200),
                    second.take_leases("w2", &names, 200)
                );
                let (a, b) = (a.expect("take"), b.expect("take"));
                assert!(a.iter().all(|name| !b.contains(name)), "round {round}: an account taken twice");
                assert_eq!(a.len() + b.len(), names.len(), "round {round}: every account taken");
                assert_eq!(first.renew_leases("w1").await.expect("renew"), a);
                assert_eq!(second.renew_leases("w2").await.expect("renew"), b);
                first.release_leases("w1", None).await.expect("release");
                second.release_leases("w2", None).await.expect("release");
            }
        }
    }

    on_both! {
        /// A fleet of tens of thousands of accounts: more than one statement may bind on
        /// PostgreSQL (65,535 values), so a take naming them all at once took nothing.
        async fn tens_of_thousands_of_accounts_are_taken_and_released(store) {
            let names: Vec<String> = (0..70_000).map(|n| format!("user{n:05}")).collect();
            let taken = store.take_leases("w1", &names, names.len()).await.expect("take");
            assert_eq!(taken.len(), names.len());
            // On a loaded machine the take alone can outlast a lease: an hour more each,
            // so what follows tests the leases, not the clock.
            age_leases(&store, -3600).await;
            assert_eq!(store.take_leases("w2", &names, 10).await.expect("take"), Vec::<String>::new());
            store.release_leases("w1", Some(&names)).await.expect("release");
            assert_eq!(store.renew_leases("w1").await.expect("renew"), Vec::<String>::new());
            age_leases(&store, crate::store::LEASE_MARGIN).await;
            assert_eq!(store.take_leases("w2", &names, 3).await.expect("take").len(), 3);
        }
    }
}
