//! The words the `detections` table is written in: what was done with a message
//! ([`Action`]), the verdict recorded ([`Verdict`]) and its kind (the engine's
//! [`Category`]).
//!
//! Each is stored as TEXT, spelt as it always was, so databases written before these
//! enums read unchanged; migrations 0007 and 0008 hold the same lists as CHECK
//! constraints, and a test below keeps the two in step.

use std::fmt;

use serde::Serialize;

use crate::detect::{self, Category};

/// What was done (or is still to be done) with a detected message.
///
/// A move or flag is recorded as planned before it is sent to the server and finished
/// afterwards, so a crash in between leaves a row that says what is still to do (see
/// [`Action::is_unfinished`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
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

    /// Whether the message of a row with this action, turning up again in a watched
    /// folder, was taken out of Junk by the user: scamguard put it there, or the user did
    /// (a report they take back, as after a slip of the mouse).
    pub fn can_be_released(self) -> bool {
        self.is_in_junk() || self == Action::Reported
    }

    /// Whether scamguard sent (or is sending) the message to Junk itself: a new arrival in
    /// Junk with its key is no report.
    pub fn puts_it_in_junk(self) -> bool {
        self.is_in_junk() || matches!(self, Action::Planned | Action::CopyMade)
    }

    /// The actions `keep` picks, as an SQL list for `action IN (..)`: `'moved', 'copied'`.
    /// The words are the enum's own, never text from outside.
    pub(super) fn sql_list(keep: fn(Action) -> bool) -> String {
        let quoted: Vec<String> =
            Action::ALL.iter().copied().filter(|a| keep(*a)).map(|a| format!("'{}'", a.as_str())).collect();
        quoted.join(", ")
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict a row records: the classifier's label, or that the message could not be
/// read. Clean mail is never recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
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

/// Stores a type as TEXT in either backend and reads it back through `$decode` (text to
/// `Result<$type, BoxDynError>`): a value that does not decode is a decode error of its
/// column, never a panic or a default.
macro_rules! text_column {
    ($type:ty, $decode:expr) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $type
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $type
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<DB>>::decode(value)?;
                let decode: fn(&str) -> Result<$type, sqlx::error::BoxDynError> = $decode;
                decode(text)
            }
        }
    };
}
pub(super) use text_column;

/// A vocabulary (`ALL`, `as_str`) stored as its words: written as `as_str` spells them,
/// read back by the same spelling, a word outside `ALL` being an error.
macro_rules! word_column {
    ($type:ident, $what:literal) => {
        $crate::store::vocab::text_column!($type, |text: &str| {
            let word = $type::ALL.into_iter().find(|w| w.as_str() == text);
            Ok(word.ok_or_else(|| format!(concat!("unknown ", $what, " {:?}"), text))?)
        });

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $type
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }
    };
}
pub(super) use word_column;

word_column!(Action, "action");
word_column!(Verdict, "verdict");
text_column!(CategoryColumn, |text: &str| {
    let category = CATEGORIES.into_iter().find(|c| c.as_str() == text);
    Ok(CategoryColumn(category.ok_or_else(|| format!("unknown category {text:?}"))?))
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dialect::Dialect;
    use crate::store::on;
    use crate::store::test_backends::on_both;

    /// The quoted list inside `CHECK (column IN (...))` of the table's SQL.
    fn checked_values(table_sql: &str, column: &str) -> Vec<String> {
        let start = table_sql.find(&format!("CHECK ({column} IN (")).expect("a CHECK on the column");
        let rest = table_sql.get(start..).unwrap_or_default();
        let list = rest.split_once("IN (").and_then(|(_, l)| l.split_once(')')).map(|(l, _)| l).unwrap_or("");
        list.split(',').map(|v| v.trim().trim_matches('\'').to_string()).collect()
    }

    /// The table's SQL as the database keeps it (SQLite), or as the schema migration
    /// wrote it (PostgreSQL, which keeps its CHECKs in another spelling).
    async fn detections_sql(store: &crate::store::Store) -> String {
        match store.dialect() {
            Dialect::Sqlite => {
                let sql = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'detections'";
                on!(store.pool(), db => sqlx::query_scalar(sql).fetch_one(db).await).expect("schema")
            }
            Dialect::Postgres => {
                let path = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres/0001_schema.sql");
                std::fs::read_to_string(path).expect("schema")
            }
        }
    }

    on_both! {
    /// The spelling is the one in the database: serde, sqlx and `as_str` agree, and the
    /// CHECK constraints of the schema list exactly the enums' values.
    async fn the_enums_and_the_schema_list_the_same_values(store) {
        let sql = detections_sql(&store).await;
        let names = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(checked_values(&sql, "action"), names(&Action::ALL.map(Action::as_str)));
        assert_eq!(checked_values(&sql, "verdict"), names(&Verdict::ALL.map(Verdict::as_str)));
        assert_eq!(checked_values(&sql, "category"), names(&CATEGORIES.map(Category::as_str)));
        for action in Action::ALL {
            assert_eq!(serde_json::to_value(action).expect("json"), action.as_str());
            let read: Action =
                on!(store.pool(), db => sqlx::query_scalar("SELECT $1").bind(action).fetch_one(db).await).expect("sql");
            let text: String =
                on!(store.pool(), db => sqlx::query_scalar("SELECT $1").bind(action).fetch_one(db).await).expect("sql");
            assert_eq!((read, text.as_str()), (action, action.as_str()));
        }
        for verdict in Verdict::ALL {
            assert_eq!(serde_json::to_value(verdict).expect("json"), verdict.as_str());
        }
        for category in CATEGORIES {
            assert_eq!(serde_json::to_value(category).expect("json"), category.as_str());
            let read: CategoryColumn =
                on!(store.pool(), db => sqlx::query_scalar("SELECT $1").bind(category.as_str()).fetch_one(db).await)
                    .expect("sql");
            assert_eq!(Category::from(read), category);
        }
        let unknown = on!(store.pool(), db => sqlx::query_scalar::<_, CategoryColumn>("SELECT 'spam'").fetch_one(db).await);
        assert!(unknown.is_err(), "a word outside the vocabulary is an error");
    }
    }

    #[test]
    fn crash_recovery_finishes_planned_moves_flags_and_copies_only() {
        let unfinished: Vec<Action> = Action::ALL.into_iter().filter(|a| a.is_unfinished()).collect();
        assert_eq!(unfinished, [Action::Planned, Action::CopyMade, Action::FlagPlanned]);
        assert_eq!(Action::sql_list(Action::is_unfinished), "'planned', 'copy-made', 'flag-planned'");
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
        assert_eq!(Action::sql_list(Action::is_release), "'restored', 'released'");
        assert_eq!(Action::sql_list(Action::is_in_junk), "'moved', 'copied'");
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
