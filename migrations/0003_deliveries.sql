-- Weekly reports put into a mailbox: one row per account and week, written before the
-- APPEND, so restarts, downtime or two processes never deliver a week twice.
CREATE TABLE deliveries (
    account      TEXT    NOT NULL,
    week         TEXT    NOT NULL,
    state        TEXT    NOT NULL,   -- sending | delivered
    -- The report's own Message-ID (with an unguessable token), so the scanner leaves the
    -- delivered report alone.
    message_key  TEXT    NOT NULL DEFAULT '',
    delivered_at INTEGER,
    PRIMARY KEY (account, week)
) STRICT;
