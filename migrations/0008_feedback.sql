-- Feedback from the mailbox (issue 15): two new actions, so the detections table is built
-- again as 0007 built it (SQLite cannot widen a CHECK in place). Every column, row and
-- index is kept; the columns stay in their order.
--
-- New actions (see src/store/vocab.rs):
--   released   moved to Junk by scamguard, then taken back out by the user (it came back to
--              a watched folder, same key and content): a false positive, never moved
--              again; `destination` is the folder it came back to
--   reported   put into Junk by the user (or the server's own filter), not by scamguard: a
--              threat scamguard missed; `folder` is the Junk folder, the row's verdict is
--              threat and its category the classifier's likeliest unwanted kind
-- The other actions, verdicts and categories are those of 0007.
CREATE TABLE detections_typed (
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
    verdict      TEXT    NOT NULL CHECK (verdict IN ('threat', 'suspicious', 'unreadable')),
    category     TEXT    NOT NULL CHECK (category IN ('extortion', 'phishing', 'malware', 'other')),
    signals      TEXT    NOT NULL,
    -- JSON with a "version" (rows without one are version 1): src/store/evidence.rs.
    evidence     TEXT    NOT NULL DEFAULT '{}',
    action       TEXT    NOT NULL CHECK (action IN ('planned', 'moved', 'copied', 'copy-made', 'flag-planned',
                     'flagged', 'dry-run', 'none', 'gone', 'trusted-sender', 'restored', 'unreadable',
                     'released', 'reported')),
    destination  TEXT    NOT NULL DEFAULT '',
    detected_at  INTEGER NOT NULL,
    acted_at     INTEGER,
    -- The SHA-256 of the bytes fetched (see 0004_digests.sql).
    digest       TEXT    NOT NULL DEFAULT '',
    UNIQUE (account, folder, uidvalidity, uid)
) STRICT;

INSERT INTO detections_typed (id, account, folder, uidvalidity, uid, message_id, message_key, from_addr, to_addr,
        subject, date, size, score, verdict, category, signals, evidence, action, destination, detected_at,
        acted_at, digest)
    SELECT id, account, folder, uidvalidity, uid, message_id, message_key, from_addr, to_addr, subject, date,
        size, score, verdict, category, signals, evidence, action, destination, detected_at, acted_at, digest
    FROM detections;

DROP TABLE detections;
ALTER TABLE detections_typed RENAME TO detections;

CREATE INDEX detections_by_key ON detections (account, message_key);
CREATE INDEX detections_by_time ON detections (detected_at);
CREATE INDEX detections_by_identity ON detections (account, message_key, digest);

-- How far each account's Junk folder has been looked at for reports: every UID below
-- `uid_next` (under `uidvalidity`) was seen. Started at the folder's UIDNEXT the first time
-- (what is in Junk already is no report), and again when its UIDVALIDITY changes.
CREATE TABLE junk_cursors (
    account     TEXT    NOT NULL,
    -- The Junk folder's name (UTF-8), as `destination` spells it.
    folder      TEXT    NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid_next    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account, folder)
) STRICT;
