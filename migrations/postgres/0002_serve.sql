-- The server: per-call publish bookkeeping, notification deliveries, named leases (which host
-- runs the scheduler), and the audit of who did what.

-- One row per call to X for one thread position. The idempotency key is draft/position/try, so
-- two publishers racing for the same position collide on it and one of them stops.
ALTER TABLE publish_attempts ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
ALTER TABLE publish_attempts ADD COLUMN try_number BIGINT NOT NULL DEFAULT 1;
ALTER TABLE publish_attempts ADD COLUMN x_post_id TEXT;
ALTER TABLE publish_attempts ADD COLUMN request TEXT;
CREATE INDEX publish_attempts_position ON publish_attempts (draft_id, position);

-- Each delivery of a draft's notification over one channel.
CREATE TABLE notification_deliveries (
    id          TEXT PRIMARY KEY,
    draft_id    TEXT NOT NULL REFERENCES drafts (id),
    channel     TEXT NOT NULL,                     -- smtp | sendgrid | twilio_whatsapp
    status      TEXT NOT NULL,                     -- sent | failed
    attempts    BIGINT NOT NULL,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX notification_deliveries_draft ON notification_deliveries (draft_id);

-- Named leases: the holder of `scheduler` is the only host that schedules runs.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- A regeneration writes about the same materials as the run it regenerates.
ALTER TABLE runs ADD COLUMN regenerates TEXT;
