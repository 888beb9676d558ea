-- The detections table again, with its vocabularies checked: a value outside them can no
-- longer be written, so every row reads back as the enums in src/store/vocab.rs (a test
-- there keeps these lists and the enums in step). Every column, row and index is kept;
-- the columns stay in their order (digest last, as 0004 added it).
--
-- action: what was done with the message, written as planned before a move or flag and
-- finished afterwards, so a crash in between is reconciled on restart:
--   planned        a threat to move to Junk, not yet confirmed moved (unfinished)
--   moved          moved to Junk (destination)
--   copied         copied to Junk and the original marked \Deleted (no MOVE, no UIDPLUS)
--   copy-made      copied to Junk, the original not yet removed (unfinished)
--   flag-planned   suspicious mail to flag with the keyword, not yet confirmed (unfinished)
--   flagged        flagged with the keyword (destination)
--   dry-run        a threat found in a dry run: left in place, never counts as handled
--   none           suspicious mail only recorded
--   gone           another client took the message away before it was acted on
--   trusted-sender from a trusted sender: recorded, never moved
--   restored       moved back out of Junk by `restore`: never moved again
--   unreadable     the server would not hand it over, or it is not mail
-- verdict: threat | suspicious | unreadable (clean mail is not recorded)
-- category: extortion | phishing | malware | other
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
                     'flagged', 'dry-run', 'none', 'gone', 'trusted-sender', 'restored', 'unreadable')),
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
