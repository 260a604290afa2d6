-- Every host process that ran against this database: what it is and when it was last heard
-- from. A node that stops heartbeating is reported dead after the configured timeout.
CREATE TABLE nodes (
    id          TEXT PRIMARY KEY,
    hostname    TEXT NOT NULL,
    version     TEXT NOT NULL,
    -- JSON list: api, worker, scheduler, publisher.
    roles       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    -- This node's own view of itself at its last heartbeat (JSON: loops' idle times, ...).
    status      TEXT NOT NULL
);
