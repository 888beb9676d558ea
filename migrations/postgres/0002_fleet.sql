-- The fleet (see migrations/0014_fleet.sql for what each table holds): accounts kept in
-- the database, the workers sharing it, and the lease each holds on an account. Times in
-- unix seconds, written from the server's clock (`now()`), so workers whose clocks differ
-- agree on when a lease expires.
CREATE TABLE accounts (
    name     TEXT   NOT NULL PRIMARY KEY,
    settings TEXT   NOT NULL,
    enabled  BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    added_at BIGINT NOT NULL
);

CREATE TABLE fleet_workers (
    worker       TEXT   NOT NULL PRIMARY KEY,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

CREATE TABLE leases (
    account     TEXT   NOT NULL PRIMARY KEY,
    worker      TEXT   NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX leases_by_worker ON leases (worker);
