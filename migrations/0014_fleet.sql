-- The fleet: accounts kept in the database (beside the configuration file's), the
-- processes that watch them, and which of those holds which account.
--
-- On SQLite one process holds every account (the file's lock says so); `fleet_workers`
-- and `leases` are written by workers sharing a PostgreSQL database only, and exist here
-- so both backends have one schema.

-- An account added with `scamguard accounts add`: `settings` is the account's table as
-- the configuration file writes it (TOML), with a reference to its secret (password_env,
-- password_file or password_command), never the secret itself.
CREATE TABLE accounts (
    name     TEXT    NOT NULL PRIMARY KEY,
    settings TEXT    NOT NULL,
    enabled  INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    added_at INTEGER NOT NULL
) STRICT;

-- Each running `scamguard run` of the fleet: host:pid:nonce, and when it last said it
-- lives (by the database's clock, unix seconds).
CREATE TABLE fleet_workers (
    worker       TEXT    NOT NULL PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
) STRICT;

-- Who watches an account, until when (the database's clock): a lease not renewed by
-- `expires_at` may be taken by another worker.
CREATE TABLE leases (
    account     TEXT    NOT NULL PRIMARY KEY,
    worker      TEXT    NOT NULL,
    acquired_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX leases_by_worker ON leases (worker);
