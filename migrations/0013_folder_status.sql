-- What the worker watching each folder last said about itself, for `scamguard status`
-- (written by `run`, read by anyone, also while `run` runs). One row per account and
-- folder, overwritten: a status, not a log.
CREATE TABLE folder_status (
    account       TEXT    NOT NULL,
    folder        TEXT    NOT NULL,
    -- host:pid of the process that wrote the row.
    worker        TEXT    NOT NULL DEFAULT '',
    connected     INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1)),
    -- How new mail is noticed: 'idle' (IMAP IDLE) or 'polling'; '' before the first login.
    mode          TEXT    NOT NULL DEFAULT '' CHECK (mode IN ('', 'idle', 'polling')),
    connected_at  INTEGER,
    last_pass_at  INTEGER,
    -- Messages waiting to be read when the row was written.
    backlog       INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at INTEGER,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (account, folder)
) STRICT;
