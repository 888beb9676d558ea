-- Where each watched folder was read up to. A new UIDVALIDITY means the server renumbered
-- the folder; the cursor then starts again and messages are recognised by message_key.
CREATE TABLE cursors (
    account     TEXT    NOT NULL,
    folder      TEXT    NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account, folder)
) STRICT;

-- One row per classified message that was not clean. `action` is written as 'planned'
-- before a move and finished afterwards, so a crash in between is reconciled on restart:
--   planned | moved | copied | flag-planned | flagged | dry-run | none | gone
CREATE TABLE detections (
    id           INTEGER PRIMARY KEY,
    account      TEXT    NOT NULL,
    folder       TEXT    NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    message_id   TEXT    NOT NULL DEFAULT '',
    -- Message-ID, or a digest of the headers when there is none: the identity that
    -- survives UIDVALIDITY changes and moves between folders.
    message_key  TEXT    NOT NULL,
    from_addr    TEXT    NOT NULL DEFAULT '',
    to_addr      TEXT    NOT NULL DEFAULT '',
    subject      TEXT    NOT NULL DEFAULT '',
    date         TEXT    NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    score        REAL    NOT NULL,
    verdict      TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    signals      TEXT    NOT NULL,
    evidence     TEXT    NOT NULL DEFAULT '{}',
    action       TEXT    NOT NULL,
    destination  TEXT    NOT NULL DEFAULT '',
    detected_at  INTEGER NOT NULL,
    acted_at     INTEGER,
    UNIQUE (account, folder, uidvalidity, uid)
) STRICT;

CREATE INDEX detections_by_key ON detections (account, message_key);
CREATE INDEX detections_by_time ON detections (detected_at);

-- Every scanned message counts here, clean ones too, so reports can say how much mail
-- was looked at.
CREATE TABLE daily_counts (
    account    TEXT    NOT NULL,
    day        TEXT    NOT NULL,
    scanned    INTEGER NOT NULL DEFAULT 0,
    threats    INTEGER NOT NULL DEFAULT 0,
    suspicious INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, day)
) STRICT;
