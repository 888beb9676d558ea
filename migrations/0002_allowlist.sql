-- Senders the user trusts (`scamguard restore --trust-sender`): their mail is classified
-- and recorded as usual but never moved.
CREATE TABLE allowlist (
    account  TEXT    NOT NULL,
    address  TEXT    NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (account, address)
) STRICT;
