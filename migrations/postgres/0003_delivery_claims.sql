-- When a weekly report's delivery was claimed (see migrations/0015_delivery_claims.sql),
-- by the server's clock.
ALTER TABLE deliveries ADD COLUMN claimed_at BIGINT NOT NULL DEFAULT 0;
