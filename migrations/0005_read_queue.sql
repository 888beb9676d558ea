-- Messages below a folder's cursor that are still to be read: the ones a first scan or a
-- rescan of a period found by date (SEARCH SINCE), and the ones a FETCH did not bring back
-- (the server refused it, or left them out of its answer). The cursor moves on past them;
-- every pass reads the queue first. `tries` counts the reads that failed; after a few a
-- message is recorded as unreadable, with the server's words in `reason`.
CREATE TABLE read_queue (
    account     TEXT    NOT NULL,
    folder      TEXT    NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    reason      TEXT    NOT NULL DEFAULT '',
    queued_at   INTEGER NOT NULL,
    PRIMARY KEY (account, folder, uidvalidity, uid)
) STRICT;
