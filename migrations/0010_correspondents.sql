-- Known correspondents: per account, the addresses the user wrote to, read from the To, Cc
-- and Bcc headers of the account's Sent folder (lower-cased). `first_seen` and `last_seen`
-- are when scamguard read a sent message naming the address (unix seconds), `count` how
-- many such messages it read. Bounded per account: the least recently seen go first.
CREATE TABLE correspondents (
    account    TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    count      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (account, address)
) STRICT;

CREATE INDEX correspondents_by_age ON correspondents (account, last_seen);

-- Where reading each account's Sent folder got to: the folder (as the server names it),
-- its UIDVALIDITY, the highest UID read and the UIDNEXT STATUS gave then (unchanged
-- UIDNEXT: nothing was sent since, so nothing is fetched).
CREATE TABLE sent_cursor (
    account     TEXT    NOT NULL PRIMARY KEY,
    folder      TEXT    NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL,
    uid_next    INTEGER NOT NULL
) STRICT;
