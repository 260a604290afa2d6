-- The event log: what happened, in order, for the live feed (/events over SSE, resumable by id),
-- /api/recent, /api/feed and `dailyx events export`. Written by every host process; the id
-- orders them across hosts.
CREATE TABLE events (
    id      BIGSERIAL PRIMARY KEY,
    -- run.started, step.finished, draft.created, component.activated, capability.denied, ...
    kind    TEXT NOT NULL,
    -- What it is about: a run id, a draft id, a component name.
    subject TEXT NOT NULL,
    -- The host process that wrote it.
    node    TEXT NOT NULL,
    -- Details (JSON object). Never a secret.
    payload JSONB NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX events_by_kind ON events (kind, id);
