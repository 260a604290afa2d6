-- A dead node is announced once (by whichever host notices first): node.dead, then node.recovered
-- if it heartbeats again.
ALTER TABLE nodes ADD COLUMN dead_reported_at BIGINT;
