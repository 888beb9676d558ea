//! Where each watched folder stands, as its worker last wrote it (`folder_status`), with
//! the folder's cursor and what was moved today: what `scamguard status` shows. Status
//! writes are plain upserts, not the checked writes detections go through: a status that
//! fails to be written is lost, never a message.

use serde::Serialize;

use super::{Action, Store, StoreError, on};

/// How a worker notices new mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// IMAP IDLE: the server says when mail arrives.
    Idle,
    /// The server has no IDLE, refused it, or ends it as soon as it begins: the folder is
    /// asked every `poll_interval`.
    Polling,
}

impl WatchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchMode::Idle => "idle",
            WatchMode::Polling => "polling",
        }
    }

    fn parse(word: &str) -> Option<WatchMode> {
        [WatchMode::Idle, WatchMode::Polling].into_iter().find(|m| m.as_str() == word)
    }
}

/// Whose status row a write is for: an account's folder, as the worker holding it (host
/// and process id) names itself. Every write of a connection is checked against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder<'a> {
    pub account: &'a str,
    pub folder: &'a str,
    pub worker: &'a str,
}

/// One folder's status, as `status` reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderState {
    pub account: String,
    pub folder: String,
    /// host:pid of the process that last wrote the status.
    pub worker: String,
    pub connected: bool,
    pub mode: Option<WatchMode>,
    pub connected_at: Option<i64>,
    pub last_pass_at: Option<i64>,
    pub backlog: u32,
    pub last_error: String,
    pub last_error_at: Option<i64>,
    pub updated_at: i64,
    /// The folder's cursor: (UIDVALIDITY, highest UID handled).
    pub cursor: Option<(u32, u32)>,
    /// Threats moved to Junk from this folder since `today_from`.
    pub moved_today: u32,
}

#[derive(sqlx::FromRow)]
struct Row {
    account: String,
    folder: String,
    worker: String,
    connected: i64,
    mode: String,
    connected_at: Option<i64>,
    last_pass_at: Option<i64>,
    backlog: i64,
    last_error: String,
    last_error_at: Option<i64>,
    updated_at: i64,
    uidvalidity: Option<i64>,
    last_uid: Option<i64>,
}

impl Store {
    /// A worker is about to connect to its folder (it holds the folder's account): the row
    /// becomes its own, and every later write of the connection, `status_connected`
    /// included, is checked against it (see [`Store::status_mode`]). The one write that
    /// takes the row, made before connecting: so an error before the login is through (a
    /// refused login after a restart, which has a new process id) is still recorded, while
    /// a worker that connects or fails late, after losing its folder, cannot take the row
    /// back from the new holder.
    pub async fn status_connecting(&self, holder: Holder<'_>, now: i64) -> Result<(), StoreError> {
        on!(self.pool(), db => sqlx::query(
            "INSERT INTO folder_status (account, folder, worker, connected, updated_at)
             VALUES ($1, $2, $3, 0, $4)
             ON CONFLICT (account, folder) DO UPDATE SET worker = excluded.worker, connected = 0,
                 updated_at = excluded.updated_at",
        )
        .bind(holder.account)
        .bind(holder.folder)
        .bind(holder.worker)
        .bind(now)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The worker logged in and selected its folder; `mode` says how it waits for mail.
    pub async fn status_connected(
        &self,
        holder: Holder<'_>,
        mode: WatchMode,
        now: i64,
    ) -> Result<(), StoreError> {
        let set = "connected = 1, mode = $3, connected_at = $4";
        self.update_status(holder, set, mode.as_str().to_string(), now).await
    }

    /// How the worker now notices new mail on its connection: written when it gives up
    /// IDLE for polling, and when IDLE tried again works (see `app::worker::wait`), so
    /// `status` says what it does, not what the server's capabilities promised at
    /// connection. Like every write below, only the holder's own row is written: a worker
    /// that lost its folder (its lease) to another process must not say how the new
    /// holder waits, nor that it disconnected or failed.
    pub async fn status_mode(&self, holder: Holder<'_>, mode: WatchMode, now: i64) -> Result<(), StoreError> {
        self.update_status(holder, "mode = $3", mode.as_str().to_string(), now).await
    }

    /// How many messages wait to be read (written as a pass starts and as it goes).
    pub async fn status_backlog(
        &self,
        holder: Holder<'_>,
        backlog: usize,
        now: i64,
    ) -> Result<(), StoreError> {
        let backlog = i64::try_from(backlog).unwrap_or(i64::MAX);
        self.update_status(holder, "backlog = $3", backlog, now).await
    }

    /// A pass read everything there was: nothing waits.
    pub async fn status_pass(&self, holder: Holder<'_>, now: i64) -> Result<(), StoreError> {
        self.update_status(holder, "backlog = 0, last_pass_at = $3", now, now).await
    }

    /// A pass or a connection failed with `error` (kept as the last error; a later pass
    /// that succeeds does not clear it, `last_pass_at` says it recovered). The row is
    /// there: [`Store::status_connecting`] wrote it before the connection.
    pub async fn status_error(&self, holder: Holder<'_>, error: &str, now: i64) -> Result<(), StoreError> {
        let error = self.dialect().text(error).into_owned();
        let set = "connected = 0, last_error = $3, last_error_at = $4";
        self.update_status(holder, set, error, now).await
    }

    /// The worker logged out (shutdown, or the end of a `--once` pass).
    pub async fn status_disconnected(&self, holder: Holder<'_>, now: i64) -> Result<(), StoreError> {
        self.update_status(holder, "connected = 0", now, now).await
    }

    /// Sets `set` on the folder's row only while `holder.worker` is the one that last connected
    /// to it (or is connecting): the check every write of a connection goes through.
    async fn update_status<V>(
        &self,
        holder: Holder<'_>,
        set: &'static str,
        value: V,
        now: i64,
    ) -> Result<(), StoreError>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        V: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        V: Send,
    {
        // `set` is one of the fixed clauses above, never text from outside; it may read
        // `value` as $3 and `now` as $4 (or leave `value` unused).
        let sql = format!(
            "UPDATE folder_status SET {set}, updated_at = $4
             WHERE account = $1 AND folder = $2 AND worker = $5"
        );
        on!(self.pool(), db => sqlx::query(&sql)
            .bind(holder.account)
            .bind(holder.folder)
            .bind(value)
            .bind(now)
            .bind(holder.worker)
            .execute(db)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Every folder's status, by account and folder, with its cursor and the threats
    /// moved from it since `today_from` (the start of the day). The moves are counted in
    /// one query over the time index alone: counted per folder row by row, SQLite took
    /// the account index and read every detection of the account (1.7 s on 1,000,000).
    pub async fn folder_states(&self, today_from: i64) -> Result<Vec<FolderState>, StoreError> {
        let sql = "SELECT s.account, s.folder, s.worker, s.connected, s.mode, s.connected_at, s.last_pass_at,
                    s.backlog, s.last_error, s.last_error_at, s.updated_at, c.uidvalidity, c.last_uid
             FROM folder_status s LEFT JOIN cursors c ON c.account = s.account AND c.folder = s.folder
             ORDER BY s.account, s.folder";
        let rows: Vec<Row> = on!(self.pool(), db => sqlx::query_as(sql).fetch_all(db).await)?;
        let moved = format!(
            "SELECT account, folder, COUNT(*) FROM detections {}
             WHERE detected_at >= $1 AND action IN ({}) GROUP BY account, folder",
            self.dialect().indexed_by("detections_by_time"),
            Action::sql_list(Action::is_in_junk)
        );
        let moved: Vec<(String, String, i64)> =
            on!(self.pool(), db => sqlx::query_as(&moved).bind(today_from).fetch_all(db).await)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let count =
                    moved.iter().find(|(a, f, _)| *a == row.account && *f == row.folder).map_or(0, |m| m.2);
                FolderState {
                    moved_today: u32::try_from(count).unwrap_or(u32::MAX),
                    ..FolderState::from(row)
                }
            })
            .collect())
    }
}

impl From<Row> for FolderState {
    fn from(row: Row) -> Self {
        let cursor = match (row.uidvalidity, row.last_uid) {
            (Some(validity), Some(uid)) => {
                Some((u32::try_from(validity).unwrap_or(0), u32::try_from(uid).unwrap_or(0)))
            }
            _ => None,
        };
        FolderState {
            account: row.account,
            folder: row.folder,
            worker: row.worker,
            connected: row.connected == 1,
            mode: WatchMode::parse(&row.mode),
            connected_at: row.connected_at,
            last_pass_at: row.last_pass_at,
            backlog: u32::try_from(row.backlog).unwrap_or(u32::MAX),
            last_error: row.last_error,
            last_error_at: row.last_error_at,
            updated_at: row.updated_at,
            cursor,
            moved_today: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_backends::on_both;
    use crate::store::{Action, NewDetection};

    /// The test account's INBOX as `worker` holds it.
    fn held(worker: &str) -> Holder<'_> {
        Holder { account: "a", folder: "INBOX", worker }
    }

    on_both! {
    async fn a_folder_goes_from_connected_through_passes_and_errors_to_disconnected(store) {
        assert!(store.folder_states(0).await.expect("read").is_empty());
        store.status_connecting(held("host:1"), 100).await.expect("write");
        store.status_connected(held("host:1"), WatchMode::Idle, 100).await.expect("write");
        store.status_backlog(held("host:1"), 42, 101).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!(
            (state.connected, state.mode, state.backlog, state.last_pass_at),
            (true, Some(WatchMode::Idle), 42, None)
        );
        store.status_mode(held("host:1"), WatchMode::Polling, 102).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!((state.connected, state.mode), (true, Some(WatchMode::Polling)), "IDLE given up");
        store.status_pass(held("host:1"), 102).await.expect("write");
        store.status_error(held("host:1"), "connection lost", 103).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!((state.connected, state.backlog, state.last_pass_at), (false, 0, Some(102)));
        assert_eq!(
            (state.last_error.as_str(), state.last_error_at, state.updated_at),
            ("connection lost", Some(103), 103)
        );
        store.status_connecting(held("host:2"), 104).await.expect("write");
        store.status_connected(held("host:2"), WatchMode::Polling, 104).await.expect("write");
        store.status_disconnected(held("host:2"), 105).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!(
            (state.connected, state.mode, state.worker.as_str()),
            (false, Some(WatchMode::Polling), "host:2")
        );
        assert_eq!(state.last_error, "connection lost", "the last error stays until another one");
    }
    }

    on_both! {
    /// A worker that lost its folder to another process (its lease taken over) and gives
    /// IDLE up, or takes it up again, late: the new holder's row keeps its own mode.
    async fn only_the_worker_holding_the_folder_writes_its_mode(store) {
        store.status_connecting(held("old:1"), 100).await.expect("write");
        store.status_connected(held("old:1"), WatchMode::Idle, 100).await.expect("write");
        store.status_connecting(held("new:2"), 101).await.expect("write");
        store.status_connected(held("new:2"), WatchMode::Idle, 101).await.expect("write");
        store.status_mode(held("old:1"), WatchMode::Polling, 102).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!((state.worker.as_str(), state.mode), ("new:2", Some(WatchMode::Idle)), "not overwritten");
        assert_eq!(state.updated_at, 101);
        store.status_mode(held("new:2"), WatchMode::Polling, 103).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!((state.mode, state.updated_at), (Some(WatchMode::Polling), 103), "the holder's own write");
    }
    }

    on_both! {
    /// The same for every other write of a connection: a worker that lost its folder
    /// reports late that it connected, its backlog, a pass, its end (`LeaseLost`, or a
    /// clean stop), and the new holder's row says none of it.
    async fn only_the_worker_holding_the_folder_writes_its_status(store) {
        store.status_connecting(held("old:1"), 100).await.expect("write");
        store.status_connected(held("old:1"), WatchMode::Idle, 100).await.expect("write");
        store.status_backlog(held("old:1"), 5, 101).await.expect("write");
        store.status_connecting(held("new:2"), 102).await.expect("write");
        store.status_connected(held("new:2"), WatchMode::Idle, 103).await.expect("write");
        store.status_pass(held("new:2"), 104).await.expect("write");
        let holders = store.folder_states(0).await.expect("read").remove(0);
        store.status_connected(held("old:1"), WatchMode::Polling, 105).await.expect("write");
        store.status_backlog(held("old:1"), 7, 105).await.expect("write");
        store.status_pass(held("old:1"), 106).await.expect("write");
        store.status_error(held("old:1"), "the lease is no longer this worker's", 107).await.expect("write");
        store.status_disconnected(held("old:1"), 108).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!(state, holders, "the late worker changed nothing of the holder's row");
        assert_eq!(
            (state.worker.as_str(), state.connected, state.backlog, state.last_pass_at),
            ("new:2", true, 0, Some(104))
        );
        assert_eq!((state.last_error.as_str(), state.updated_at), ("", 104));
        store.status_backlog(held("new:2"), 3, 109).await.expect("write");
        store.status_error(held("new:2"), "connection lost", 110).await.expect("write");
        let state = store.folder_states(0).await.expect("read").remove(0);
        assert_eq!((state.connected, state.backlog, state.last_error.as_str()), (false, 3, "connection lost"));
    }
    }

    on_both! {
    /// A process that starts again (a new process id) and fails before it connected: its
    /// error is still shown, since it took the row as it began to connect, as it would on
    /// a folder it never watched before.
    async fn a_worker_failing_before_it_connected_records_its_error(store) {
        store.status_connecting(held("host:1"), 100).await.expect("write");
        store.status_connected(held("host:1"), WatchMode::Idle, 100).await.expect("write");
        for folder in ["INBOX", "Work"] {
            let holder = Holder { account: "a", folder, worker: "host:2" };
            store.status_connecting(holder, 102).await.expect("write");
            store.status_error(holder, "login refused", 103).await.expect("write");
        }
        let states = store.folder_states(0).await.expect("read");
        let shown = |s: &FolderState| (s.folder.clone(), s.worker.clone(), s.connected, s.mode, s.last_error.clone());
        assert_eq!(
            states.iter().map(shown).collect::<Vec<_>>(),
            [
                ("INBOX".into(), "host:2".into(), false, Some(WatchMode::Idle), "login refused".into()),
                ("Work".into(), "host:2".into(), false, None, "login refused".into()),
            ],
            "the mode stays the last one known; a folder never watched before has a row too"
        );
    }
    }

    on_both! {
    async fn moved_today_counts_this_folders_moves_since_the_day_began(store) {
        store.status_connecting(held("h:1"), 1).await.expect("write");
        store.status_connected(held("h:1"), WatchMode::Idle, 1).await.expect("write");
        let rows = [
            (1, Action::Moved, 1_000),
            (2, Action::Copied, 1_001),
            (3, Action::Nothing, 1_002),
            (4, Action::Moved, 10),
        ];
        for (uid, action, at) in rows {
            let detection = NewDetection {
                account: "a".into(),
                folder: "INBOX".into(),
                uid,
                action,
                message_key: format!("<{uid}>"),
                ..NewDetection::default()
            };
            store.record_batch("a", &[detection], 1, "2026-11-28", at).await.expect("record");
        }
        store
            .save_cursor("a", "INBOX", crate::store::Cursor { uidvalidity: 7, last_uid: 4 }, 2)
            .await
            .expect("cursor");
        let state = store.folder_states(500).await.expect("read").remove(0);
        assert_eq!(
            state.moved_today, 2,
            "moved and copied since 500; not the suspicious one, not yesterday's"
        );
        assert_eq!(state.cursor, Some((7, 4)));
    }
    }
}
