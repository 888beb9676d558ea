-- When a weekly report's delivery was claimed (or last confirmed just before its APPEND),
-- by the database's clock: a claim younger than the APPEND can take is in flight and left
-- alone; only an older one is taken over as abandoned (its outcome looked for in INBOX).
-- Rows from before this column are old (0): abandoned.
ALTER TABLE deliveries ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;
