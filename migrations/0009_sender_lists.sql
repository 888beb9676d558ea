-- The senders the user trusts or blocks, per account (`scamguard trust` / `block`,
-- `restore --trust-sender`). Replaces 0002's allowlist, whose trust followed the From
-- line alone: a spoof of a trusted address then stayed in INBOX. Trust now needs the
-- receiving server's authentication of the From; block needs none (moving a spoof is the
-- safe side). See src/app/senders.rs.
--
-- entry: an address (alice@example.org) or a domain (example.org, which covers its
--        subdomains), lower-cased, checked by the command that adds it
-- kind:  trust | block (src/store/senders.rs keeps the enum and this list in step); an
--        entry is on one list at a time: adding it to the other list moves it
CREATE TABLE sender_lists (
    account  TEXT    NOT NULL,
    entry    TEXT    NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('trust', 'block')),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (account, entry)
) STRICT;

-- Every address trusted before is trusted still, now behind authentication.
INSERT OR IGNORE INTO sender_lists (account, entry, kind, added_at)
    SELECT account, lower(trim(address)), 'trust', added_at FROM allowlist WHERE trim(address) <> '';

DROP TABLE allowlist;
