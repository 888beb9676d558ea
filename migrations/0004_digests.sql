-- The SHA-256 of the bytes fetched for each detection. A message is the same message
-- only when its key (Message-ID, or header digest) and this digest both match: a new
-- delivery that reuses a Message-ID is classified afresh, and only the exact message a
-- user released stays exempt. Rows from before this column have '' and match by key.
ALTER TABLE detections ADD COLUMN digest TEXT NOT NULL DEFAULT '';

CREATE INDEX detections_by_identity ON detections (account, message_key, digest);
