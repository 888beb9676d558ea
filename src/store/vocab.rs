//! The words the `detections` table is written in: what was done with a message
//! ([`Action`]), the verdict recorded ([`Verdict`]) and its kind (the engine's
//! [`Category`]).
//!
//! Each is stored as TEXT, spelt as it always was, so databases written before these
//! enums read unchanged; migrations 0007 and 0008 hold the same lists as CHECK
//! constraints, and a test below keeps the two in step.

use std::fmt;

use serde::Serialize;
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};

use crate::detect::{self, Category};

/// What was done (or is still to be done) with a detected message.
///
/// A move or flag is recorded as planned before it is sent to the server and finished
/// afterwards, so a crash in between leaves a row that says what is still to do (see
/// [`Action::is_unfinished`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "kebab-case")]
#[sqlx(rename_all = "kebab-case")]
pub enum Action {
    /// A threat to be moved to Junk; not yet confirmed moved.
    Planned,
    /// Moved to Junk (`destination`).
    Moved,
    /// Copied to Junk and the original marked `\Deleted`: the server has neither MOVE nor
    /// UIDPLUS, so the original goes when the user's client expunges.
    Copied,
    /// Copied to Junk, the original not yet taken out of the folder.
    CopyMade,
    /// Suspicious mail to be flagged with the configured keyword; not yet confirmed.
    FlagPlanned,
    /// Flagged with the keyword (`destination`).
    Flagged,
    /// A threat found in a dry run: left in place, and never counts as handled.
    DryRun,
    /// Suspicious mail only recorded (no keyword configured, or a dry run).
    #[serde(rename = "none")]
    #[sqlx(rename = "none")]
    Nothing,
    /// Another client took the message away before it could be acted on.
    Gone,
    /// From a sender the user trusts: recorded, never moved or flagged.
    TrustedSender,
    /// Moved back out of Junk by `restore`: a false positive, never moved again.
    Restored,
    /// The server would not hand the message over, or it is not mail.
    Unreadable,
    /// Moved to Junk by scamguard, then taken back out by the user: it came back to a
    /// watched folder (same key and content). A false positive, like [`Action::Restored`],
    /// and never moved again; `destination` is the folder it came back to.
    Released,
    /// Put into Junk by the user (or by the server's own filter: the two cannot be told
    /// apart), not by scamguard: a threat it missed. The row's folder is Junk; nothing is
    /// ever done to the message.
    Reported,
}

impl Action {
    /// Every action, in the order of the migration's CHECK constraint.
    pub const ALL: [Action; 14] = [
        Action::Planned,
        Action::Moved,
        Action::Copied,
        Action::CopyMade,
        Action::FlagPlanned,
        Action::Flagged,
        Action::DryRun,
        Action::Nothing,
        Action::Gone,
        Action::TrustedSender,
        Action::Restored,
        Action::Unreadable,
        Action::Released,
        Action::Reported,
    ];

    /// As stored and shown: `copy-made`, `dry-run`, `none`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Planned => "planned",
            Action::Moved => "moved",
            Action::Copied => "copied",
            Action::CopyMade => "copy-made",
            Action::FlagPlanned => "flag-planned",
            Action::Flagged => "flagged",
            Action::DryRun => "dry-run",
            Action::Nothing => "none",
            Action::Gone => "gone",
            Action::TrustedSender => "trusted-sender",
            Action::Restored => "restored",
            Action::Unreadable => "unreadable",
            Action::Released => "released",
            Action::Reported => "reported",
        }
    }

    /// Whether the row still says something is to be done on the server: crash recovery
    /// (`Worker::reconcile`) finishes exactly these.
    pub fn is_unfinished(self) -> bool {
        match self {
            Action::Planned | Action::FlagPlanned | Action::CopyMade => true,
            Action::Moved
            | Action::Copied
            | Action::Flagged
            | Action::DryRun
            | Action::Nothing
            | Action::Gone
            | Action::TrustedSender
            | Action::Restored
            | Action::Unreadable
            | Action::Released
            | Action::Reported => false,
        }
    }

    /// Whether a row with this action means its message was dealt with, so the same
    /// message (same key and content) seen again is not judged again. Not for a dry run
    /// (it consumed nothing), a message found gone (it may come back: moved back by the
    /// user, or seen again after the folder was renumbered) or one that could not be read.
    /// A report settles its message too: it is recorded in Junk, where nothing is read
    /// but the new arrivals.
    pub fn settles_the_message(self) -> bool {
        !matches!(self, Action::DryRun | Action::Gone | Action::Unreadable)
    }

    /// Whether the message is in Junk by scamguard's doing, so `restore` can bring it back
    /// (and its coming back to a watched folder is a release). A reported message is in
    /// Junk too, by the user's doing: scamguard never takes it out.
    pub fn is_in_junk(self) -> bool {
        matches!(self, Action::Moved | Action::Copied)
    }

    /// Whether the user took the message back out of Junk: a false positive, never moved
    /// again, left out of the weekly report's evidence. `restore` and a drag by hand alike.
    pub fn is_release(self) -> bool {
        matches!(self, Action::Restored | Action::Released)
    }

    /// Whether scamguard sent (or is sending) the message to Junk itself: a new arrival in
    /// Junk with its key is no report.
    pub fn puts_it_in_junk(self) -> bool {
        self.is_in_junk() || matches!(self, Action::Planned | Action::CopyMade)
    }

    /// The unfinished actions as a JSON array, for SQL (`IN (SELECT value FROM json_each(?))`).
    pub(super) fn unfinished_json() -> String {
        Action::json_of(Action::is_unfinished)
    }

    /// The actions that settle their message (see [`Action::settles_the_message`]), as a
    /// JSON array for SQL.
    pub(super) fn settling_json() -> String {
        Action::json_of(Action::settles_the_message)
    }

    /// The releases (see [`Action::is_release`]), as a JSON array for SQL.
    pub(super) fn release_json() -> String {
        Action::json_of(Action::is_release)
    }

    /// The actions that put a message in Junk (see [`Action::puts_it_in_junk`]), as a JSON
    /// array for SQL.
    pub(super) fn into_junk_json() -> String {
        Action::json_of(Action::puts_it_in_junk)
    }

    /// The actions whose message scamguard took to Junk (see [`Action::is_in_junk`]), as a
    /// JSON array for SQL.
    pub(super) fn in_junk_json() -> String {
        Action::json_of(Action::is_in_junk)
    }

    fn json_of(keep: fn(Action) -> bool) -> String {
        let names: Vec<&str> = Action::ALL.iter().copied().filter(|a| keep(*a)).map(Action::as_str).collect();
        serde_json::Value::from(names).to_string()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict a row records: the classifier's label, or that the message could not be
/// read. Clean mail is never recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(rename_all = "lowercase")]
pub enum Verdict {
    Threat,
    Suspicious,
    /// See [`Action::Unreadable`].
    Unreadable,
}

impl Verdict {
    /// Every verdict, in the order of the migration's CHECK constraint.
    pub const ALL: [Verdict; 3] = [Verdict::Threat, Verdict::Suspicious, Verdict::Unreadable];

    /// The verdict recorded for a classifier label; `None` for clean mail.
    pub fn of(label: detect::Label) -> Option<Verdict> {
        match label {
            detect::Label::Clean => None,
            detect::Label::Suspicious => Some(Verdict::Suspicious),
            detect::Label::Threat => Some(Verdict::Threat),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Threat => "threat",
            Verdict::Suspicious => "suspicious",
            Verdict::Unreadable => "unreadable",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every [`Category`], in the order of the migration's CHECK constraint.
pub const CATEGORIES: [Category; 4] =
    [Category::Extortion, Category::Phishing, Category::Malware, Category::Other];

/// The `category` column, read as the engine's [`Category`] by its name: the engine knows
/// nothing of SQL, so its word is decoded here (and written as [`Category::as_str`]).
pub(super) struct CategoryColumn(Category);

impl From<CategoryColumn> for Category {
    fn from(column: CategoryColumn) -> Self {
        column.0
    }
}

impl sqlx::Type<Sqlite> for CategoryColumn {
    fn type_info() -> SqliteTypeInfo {
        <str as sqlx::Type<Sqlite>>::type_info()
    }
}

impl<'r> sqlx::Decode<'r, Sqlite> for CategoryColumn {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <&str as sqlx::Decode<Sqlite>>::decode(value)?;
        let category = CATEGORIES.into_iter().find(|c| c.as_str() == text);
        Ok(CategoryColumn(category.ok_or_else(|| format!("unknown category {text:?}"))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quoted list inside `CHECK (column IN (...))` of the table's SQL.
    fn checked_values(table_sql: &str, column: &str) -> Vec<String> {
        let start = table_sql.find(&format!("CHECK ({column} IN (")).expect("a CHECK on the column");
        let rest = table_sql.get(start..).unwrap_or_default();
        let list = rest.split_once("IN (").and_then(|(_, l)| l.split_once(')')).map(|(l, _)| l).unwrap_or("");
        list.split(',').map(|v| v.trim().trim_matches('\'').to_string()).collect()
    }

    /// The spelling is the one in the database: serde, sqlx and `as_str` agree, and the
    /// CHECK constraints of the schema list exactly the enums' values.
    #[tokio::test]
    async fn the_enums_and_the_schema_list_the_same_values() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = super::super::Store::open(&dir.path().join("v.db")).await.expect("opens");
        let sql: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'detections'")
                .fetch_one(store.pool())
                .await
                .expect("schema");
        let names = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(checked_values(&sql, "action"), names(&Action::ALL.map(Action::as_str)));
        assert_eq!(checked_values(&sql, "verdict"), names(&Verdict::ALL.map(Verdict::as_str)));
        assert_eq!(checked_values(&sql, "category"), names(&CATEGORIES.map(Category::as_str)));
        for action in Action::ALL {
            assert_eq!(serde_json::to_value(action).expect("json"), action.as_str());
            let read: Action =
                sqlx::query_scalar("SELECT ?1").bind(action).fetch_one(store.pool()).await.expect("sql");
            let text: String =
                sqlx::query_scalar("SELECT ?1").bind(action).fetch_one(store.pool()).await.expect("sql");
            assert_eq!((read, text.as_str()), (action, action.as_str()));
        }
        for verdict in Verdict::ALL {
            assert_eq!(serde_json::to_value(verdict).expect("json"), verdict.as_str());
        }
        for category in CATEGORIES {
            assert_eq!(serde_json::to_value(category).expect("json"), category.as_str());
            let read: CategoryColumn = sqlx::query_scalar("SELECT ?1")
                .bind(category.as_str())
                .fetch_one(store.pool())
                .await
                .expect("sql");
            assert_eq!(Category::from(read), category);
        }
        let unknown = sqlx::query_scalar::<_, CategoryColumn>("SELECT 'spam'").fetch_one(store.pool()).await;
        assert!(unknown.is_err(), "a word outside the vocabulary is an error");
    }

    #[test]
    fn crash_recovery_finishes_planned_moves_flags_and_copies_only() {
        let unfinished: Vec<Action> = Action::ALL.into_iter().filter(|a| a.is_unfinished()).collect();
        assert_eq!(unfinished, [Action::Planned, Action::CopyMade, Action::FlagPlanned]);
        assert_eq!(Action::unfinished_json(), r#"["planned","copy-made","flag-planned"]"#);
    }

    /// A release by hand and a `restore` are alike; neither, nor a report, is unfinished
    /// or in Junk by scamguard's doing; what scamguard is sending to Junk is no report.
    #[test]
    fn releases_and_reports_are_settled_and_never_acted_on() {
        let releases: Vec<Action> = Action::ALL.into_iter().filter(|a| a.is_release()).collect();
        assert_eq!(releases, [Action::Restored, Action::Released]);
        for action in [Action::Released, Action::Reported] {
            assert!(action.settles_the_message() && !action.is_unfinished() && !action.is_in_junk());
            assert!(!action.puts_it_in_junk(), "{action}");
        }
        let into_junk: Vec<Action> = Action::ALL.into_iter().filter(|a| a.puts_it_in_junk()).collect();
        assert_eq!(into_junk, [Action::Planned, Action::Moved, Action::Copied, Action::CopyMade]);
        assert_eq!(Action::release_json(), r#"["restored","released"]"#);
        assert_eq!(Action::in_junk_json(), r#"["moved","copied"]"#);
    }

    #[test]
    fn labels_map_to_verdicts_and_every_category_is_listed() {
        assert_eq!(Verdict::of(detect::Label::Clean), None);
        assert_eq!(Verdict::of(detect::Label::Threat), Some(Verdict::Threat));
        assert_eq!(Verdict::of(detect::Label::Suspicious), Some(Verdict::Suspicious));
        // A match, so that a new category does not compile until it is listed.
        let listed = |c: Category| match c {
            Category::Extortion | Category::Phishing | Category::Malware | Category::Other => {
                CATEGORIES.contains(&c)
            }
        };
        assert!(
            [Category::Extortion, Category::Phishing, Category::Malware, Category::Other]
                .into_iter()
                .all(listed)
        );
    }
}
