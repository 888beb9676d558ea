//! Where a folder's reading starts, decided from the saved cursor, the folder's state and
//! the account's `initial_scan`. Pure, so `run` and `check` say the same thing.

use crate::config::InitialScan;
use crate::imap::FolderStatus;
use crate::store::Cursor;

/// How reading a folder begins on this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPlan {
    /// The cursor to read above.
    pub cursor: Cursor,
    /// Also read the messages at or below the cursor that arrived in the last N days
    /// (by internal date: `SEARCH SINCE`), once.
    pub since_days: Option<u32>,
    /// Whether the cursor differs from the saved one and must be saved.
    pub is_new: bool,
    /// What happens, in words, for logs and `check`.
    pub description: String,
}

/// Decides where reading starts. `rescan` is `run --rescan`'s period in days.
pub fn plan(
    saved: Option<Cursor>,
    folder: FolderStatus,
    initial_scan: InitialScan,
    rescan: Option<u32>,
) -> StartPlan {
    let newest = folder.uid_next.saturating_sub(1);
    let fresh = |last_uid| Cursor { uidvalidity: folder.uidvalidity, last_uid };
    let (cursor, mut since_days, is_new, mut description) = match saved {
        Some(cursor) if cursor.uidvalidity == folder.uidvalidity => {
            let waiting = newest.saturating_sub(cursor.last_uid);
            (cursor, None, false, format!("continues after UID {} (up to {waiting} newer)", cursor.last_uid))
        }
        Some(old) => (
            fresh(0),
            None,
            true,
            format!(
                "UIDVALIDITY changed from {} to {}: reads the whole folder again (handled mail is recognised)",
                old.uidvalidity, folder.uidvalidity
            ),
        ),
        None => match initial_scan {
            InitialScan::New => {
                (fresh(newest), None, true, "first run: reads mail arriving from now on".into())
            }
            InitialScan::All => (
                fresh(0),
                None,
                true,
                format!("first run: reads all {} messages, then new mail", folder.exists),
            ),
            InitialScan::Days(days) => (
                fresh(newest),
                Some(days),
                true,
                format!("first run: reads mail received in the last {days} days, then new mail"),
            ),
        },
    };
    if let Some(days) = rescan {
        since_days = Some(since_days.map_or(days, |d| d.max(days)));
        description.push_str(&format!("; rescans mail received in the last {days} days"));
    }
    StartPlan { cursor, since_days, is_new, description }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOLDER: FolderStatus = FolderStatus { uidvalidity: 9, uid_next: 101, exists: 80 };

    #[test]
    fn a_saved_cursor_is_kept_and_says_how_much_waits() {
        let saved = Cursor { uidvalidity: 9, last_uid: 90 };
        let plan = plan(Some(saved), FOLDER, InitialScan::Days(30), None);
        assert_eq!((plan.cursor, plan.since_days, plan.is_new), (saved, None, false));
        assert!(plan.description.contains("after UID 90") && plan.description.contains("10 newer"));
    }

    #[test]
    fn a_first_run_starts_where_initial_scan_says() {
        let new = plan(None, FOLDER, InitialScan::New, None);
        assert_eq!((new.cursor.last_uid, new.since_days, new.is_new), (100, None, true));
        let all = plan(None, FOLDER, InitialScan::All, None);
        assert_eq!((all.cursor.last_uid, all.since_days), (0, None));
        // By date, not by UID: the cursor goes to the newest message and the period is
        // read by SEARCH SINCE.
        let days = plan(None, FOLDER, InitialScan::Days(30), None);
        assert_eq!((days.cursor.last_uid, days.since_days), (100, Some(30)));
    }

    #[test]
    fn a_new_uidvalidity_reads_everything_and_a_rescan_adds_a_period() {
        let renumbered = plan(Some(Cursor { uidvalidity: 8, last_uid: 500 }), FOLDER, InitialScan::New, None);
        assert_eq!((renumbered.cursor, renumbered.is_new), (Cursor { uidvalidity: 9, last_uid: 0 }, true));
        let saved = Cursor { uidvalidity: 9, last_uid: 90 };
        let rescan = plan(Some(saved), FOLDER, InitialScan::New, Some(7));
        assert_eq!((rescan.cursor, rescan.since_days), (saved, Some(7)));
        assert!(rescan.description.contains("rescans mail received in the last 7 days"));
        let both = plan(None, FOLDER, InitialScan::Days(3), Some(7));
        assert_eq!(both.since_days, Some(7), "the longer period wins");
    }
}
