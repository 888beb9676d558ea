//! The SQL the two backends spell differently, in one place: every other statement of the
//! store is one text run on both (see the store's header).
//!
//! What the two share and the store relies on: `$N` parameters (SQLite reads `$N` as the
//! N-th argument, as PostgreSQL does), `INSERT .. ON CONFLICT (key) DO UPDATE / DO
//! NOTHING` with `excluded.` and `RETURNING`, `VALUES` rows in a `WITH`, `CAST(.. AS
//! BIGINT)`. Columns named on the right of an upsert's `SET` are qualified with the
//! table: PostgreSQL finds a bare `count` ambiguous between the row and `excluded`.
//!
//! Text from a mail or a server may hold a NUL, which SQLite stores and PostgreSQL refuses
//! in TEXT: [`Dialect::text`] makes such text storable, so a hostile subject cannot make
//! a batch unrecordable (and its folder stuck) on PostgreSQL.

use std::borrow::Cow;

/// Which SQL dialect a store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// What a write transaction begins with.
    ///
    /// SQLite: `BEGIN IMMEDIATE` takes the write lock at once (under the busy timeout),
    /// so the transaction never has to upgrade a stale read snapshot, which SQLite refuses
    /// at once with "database is locked" (SQLITE_BUSY_SNAPSHOT). One writer at a time.
    ///
    /// PostgreSQL: `BEGIN` at READ COMMITTED, its default. Writers run side by side and
    /// meet only on the rows they share: an upsert on a key two transactions write waits
    /// for the first to commit, then updates (or does nothing), never fails or doubles;
    /// an `UPDATE .. WHERE action IN (..)` re-checks its condition on the row as the
    /// first writer left it. Every exactly-once write of the store is one such statement
    /// (see README "Guarantees"), so no stronger isolation, and no retry loop for
    /// serialisation failures, is needed.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// A hint that a query should walk `index` (`FROM detections {indexed_by}`). SQLite
    /// picked a worse index without it (see `status.rs` and `browse.rs`); PostgreSQL has
    /// no hints, and its planner weighs the index by the table's statistics.
    pub(crate) fn indexed_by(self, index: &str) -> String {
        match self {
            Dialect::Sqlite => format!("INDEXED BY {index}"),
            Dialect::Postgres => String::new(),
        }
    }

    /// `text` as this backend can store it: on PostgreSQL a NUL becomes U+FFFD (the
    /// replacement character, as for any byte that is not text); SQLite keeps it as it is.
    pub(crate) fn text(self, text: &str) -> Cow<'_, str> {
        match self {
            Dialect::Postgres if text.contains('\0') => Cow::Owned(text.replace('\0', "\u{FFFD}")),
            Dialect::Sqlite | Dialect::Postgres => Cow::Borrowed(text),
        }
    }

    /// The database's clock in unix seconds, as an SQL expression: leases are timed by it,
    /// so workers whose clocks differ agree on when one expires.
    pub(crate) fn now_seconds(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER)",
            Dialect::Postgres => "CAST(extract(epoch FROM now()) AS BIGINT)",
        }
    }

    /// What a subquery that picks rows to take ends with: PostgreSQL locks the rows it
    /// picks and skips those another worker is taking at the same moment; SQLite has one
    /// writer at a time and no row locks.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        }
    }

    /// Whether the text `haystack` contains the text `needle` (SQL expressions), matched
    /// literally: no `%` or `_` to escape, as `LIKE` would need.
    pub(crate) fn contains(self, haystack: &str, needle: &str) -> String {
        match self {
            Dialect::Sqlite => format!("instr({haystack}, {needle}) > 0"),
            Dialect::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        }
    }
}

/// `rows` rows of `width` parameters each, numbered from `$first`: `($3, $4), ($5, $6)`
/// for a `VALUES` list, or `$3, $4` (width 1, `bare`) for an `IN (..)` list. A batch's
/// list travels as parameters of one statement; batches are at most 1,000 messages
/// (`batch_size`), well under either backend's limit on parameters (32,766 and 65,535).
pub(crate) fn placeholders(first: usize, rows: usize, width: usize, bare: bool) -> String {
    let row = |r: usize| {
        let params: Vec<String> = (0..width).map(|c| format!("${}", first + r * width + c)).collect();
        if bare { params.join(", ") } else { format!("({})", params.join(", ")) }
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_lists_number_on_from_the_first() {
        assert_eq!(placeholders(3, 2, 2, false), "($3, $4), ($5, $6)");
        assert_eq!(placeholders(2, 3, 1, true), "$2, $3, $4");
        assert_eq!(placeholders(1, 0, 1, true), "");
    }

    #[test]
    fn each_dialect_spells_its_own_statements() {
        assert_eq!(Dialect::Sqlite.indexed_by("i"), "INDEXED BY i");
        assert_eq!(Dialect::Postgres.indexed_by("i"), "");
        assert_eq!(Dialect::Postgres.contains("lower(s)", "$6"), "strpos(lower(s), $6) > 0");
        assert_eq!(Dialect::Sqlite.begin_write(), "BEGIN IMMEDIATE");
        assert_eq!(Dialect::Postgres.text("a\0b"), "a\u{FFFD}b");
        assert_eq!(Dialect::Sqlite.text("a\0b"), "a\0b");
    }
}
