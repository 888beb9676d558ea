-- What each account learned from its user (crates/engine/src/detect/personal.rs; read and
-- written by src/store/personal.rs).
--
-- personal_layers: one row per account once it has learned anything. `layer` is the
-- learned token weights in their versioned byte form (empty after a reset); `generation`
-- grows with every change, so a running service sees cheaply that it must load the layer
-- again (the row is never deleted, so the number never goes back).
CREATE TABLE personal_layers (
    account    TEXT    PRIMARY KEY,
    layer      BLOB    NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT;

-- near_copies: the digests of the mails the user released or reported, in their
-- versioned byte form, oldest first by id; at most 1,000 per account (the oldest dropped).
CREATE TABLE near_copies (
    id         INTEGER PRIMARY KEY,
    account    TEXT    NOT NULL,
    digest     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX near_copies_by_account ON near_copies (account, id);
