-- The secret weekly reports are sealed with (an HMAC in their X-Scamguard-Report header),
-- made once per database: the scanner leaves a message alone only when the seal verifies
-- under it, so a report whose APPEND answer was lost is still recognised, and a forged
-- one is not. One row; never shown or exported.
CREATE TABLE report_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
