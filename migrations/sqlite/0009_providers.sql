-- Publishing to the provider components (Mastodon, Bluesky, a Facebook Page, Instagram, a
-- webhook; X through its component when so configured). The same discipline as the X
-- publisher's tables: an attempt with a lease is written before every call, the post row
-- (unique per draft, provider and position) with the attempt's success after it, so each post
-- happens exactly once per provider, and an attempt whose outcome is unknown is reconciled
-- before anything is sent again.
CREATE TABLE provider_attempts (
    id               TEXT PRIMARY KEY,
    draft_id         TEXT NOT NULL REFERENCES drafts (id),
    provider         TEXT NOT NULL,
    position         INTEGER NOT NULL,
    try_number       INTEGER NOT NULL,
    -- draft/provider/position/try: a racing publisher's insert fails on it.
    attempt_key      TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL,                 -- in_progress | unconfirmed | succeeded | failed
    simulated        BOOLEAN NOT NULL,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    error            TEXT,
    remote_id        TEXT,
    -- The post as handed to the provider (JSON, media as digests).
    request          TEXT NOT NULL
);
CREATE INDEX provider_attempts_position ON provider_attempts (draft_id, provider, position);

CREATE TABLE provider_posts (
    id          TEXT PRIMARY KEY,
    draft_id    TEXT NOT NULL REFERENCES drafts (id),
    provider    TEXT NOT NULL,
    position    INTEGER NOT NULL,
    remote_id   TEXT,
    url         TEXT,
    text        TEXT NOT NULL,
    request     TEXT NOT NULL,
    simulated   BOOLEAN NOT NULL,
    posted_at   INTEGER NOT NULL,
    UNIQUE (draft_id, provider, position)
);
CREATE INDEX provider_posts_budget ON provider_posts (provider, posted_at);

-- Where each draft's delivery to each provider stands.
CREATE TABLE provider_deliveries (
    draft_id     TEXT NOT NULL REFERENCES drafts (id),
    provider     TEXT NOT NULL,
    -- pending | delivered | simulated | waiting (circuit open, budget spent) | failed
    status       TEXT NOT NULL,
    detail       TEXT,
    next_try_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (draft_id, provider)
);
