-- Daily X Agent: the initial schema (Postgres). migrations/sqlite/0001_initial.sql is the same
-- schema in SQLite's dialect; keep the two in step. Times are Unix milliseconds (UTC), the
-- unit the WIT contract uses, so both backends compare and order them the same way.

-- One per pipeline execution; also the job queue (claimed with a lease).
CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    trigger          TEXT NOT NULL,                 -- cli | api | schedule
    status           TEXT NOT NULL,                 -- queued | running | succeeded | failed
    run_date         TEXT NOT NULL,                 -- YYYY-MM-DD in the operator's timezone
    context          JSONB NOT NULL,                -- the run-context every stage is given
    next_step        BIGINT NOT NULL DEFAULT 0,    -- first unfinished step
    claims           BIGINT NOT NULL DEFAULT 0,    -- times a process took the lease
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    duration_ms      BIGINT,
    last_error       TEXT,
    draft_id         TEXT,
    scheduled_slot   TEXT UNIQUE                    -- the scheduler's slot, one run per slot
);
CREATE INDEX runs_claimable ON runs (status, created_at);

-- One per run that produced a post.
CREATE TABLE drafts (
    id             TEXT PRIMARY KEY,
    run_id         TEXT NOT NULL UNIQUE REFERENCES runs (id),
    status         TEXT NOT NULL,
    format         TEXT NOT NULL,                   -- single | thread
    content_hash   TEXT NOT NULL,                   -- sha256 of the tweets as they are now
    verdict        TEXT NOT NULL,                   -- pass | warn | fail
    policy_report  JSONB NOT NULL,
    critique       JSONB,
    notification   JSONB,
    model_used     TEXT NOT NULL,
    approved_hash  TEXT,                            -- sha256 of the exact text approved
    approved_by    TEXT,
    approved_at    BIGINT,
    version        BIGINT NOT NULL DEFAULT 1,      -- bumped on every write (optimistic locking)
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    last_error     TEXT
);
CREATE INDEX drafts_status ON drafts (status, created_at);

-- The tweets of a draft, in order.
CREATE TABLE thread_posts (
    draft_id        TEXT NOT NULL REFERENCES drafts (id),
    position        BIGINT NOT NULL,
    text            TEXT NOT NULL,
    material_ids    JSONB NOT NULL,
    weighted_length BIGINT NOT NULL,
    PRIMARY KEY (draft_id, position)
);

-- One per step of a run: what went in, what came out, and which component did it.
CREATE TABLE agent_logs (
    id                TEXT PRIMARY KEY,
    run_id            TEXT NOT NULL REFERENCES runs (id),
    step              BIGINT NOT NULL,
    stage             TEXT NOT NULL,
    component_name    TEXT NOT NULL,
    component_version TEXT,
    component_digest  TEXT,
    status            TEXT NOT NULL,                -- succeeded | failed
    input             JSONB NOT NULL,
    output            JSONB,
    summary           TEXT NOT NULL,
    warnings          JSONB NOT NULL,
    error             TEXT,
    model_used        TEXT,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    fuel_used         BIGINT,
    attempts          BIGINT NOT NULL,
    started_at        BIGINT NOT NULL,
    finished_at       BIGINT NOT NULL,
    duration_us       BIGINT NOT NULL,
    worker            TEXT NOT NULL,
    UNIQUE (run_id, step)
);

-- Every capability use and denial by a component during a run.
CREATE TABLE capability_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           TEXT REFERENCES runs (id),
    step             BIGINT,
    component_name   TEXT NOT NULL,
    component_digest TEXT NOT NULL,
    capability       TEXT NOT NULL,
    target           TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    detail           TEXT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX capability_events_run ON capability_events (run_id, step);

-- Every component version ever loaded.
CREATE TABLE components (
    name            TEXT NOT NULL,
    digest          TEXT NOT NULL,
    version         TEXT NOT NULL,
    world           TEXT NOT NULL,
    first_loaded_at BIGINT NOT NULL,
    last_loaded_at  BIGINT NOT NULL,
    PRIMARY KEY (name, digest)
);

-- Material ids already collected, so nothing is collected twice across runs.
CREATE TABLE collected_materials (
    material_id  TEXT PRIMARY KEY,
    run_id       TEXT NOT NULL REFERENCES runs (id),
    kind         TEXT NOT NULL,
    source       TEXT NOT NULL,
    collected_at BIGINT NOT NULL
);
CREATE INDEX collected_materials_run ON collected_materials (run_id);

-- Single-use links in notifications (approve / skip / edit); only the hash is stored.
CREATE TABLE action_tokens (
    token_hash   TEXT PRIMARY KEY,
    draft_id     TEXT NOT NULL REFERENCES drafts (id),
    action       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX action_tokens_draft ON action_tokens (draft_id);

-- One per publish of a draft: the lock and idempotency record written before any call to X.
CREATE TABLE publish_attempts (
    id               TEXT PRIMARY KEY,
    draft_id         TEXT NOT NULL REFERENCES drafts (id),
    idempotency_key  TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL,                 -- in_progress | unconfirmed | succeeded | failed
    dry_run          BOOLEAN NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    started_at       BIGINT NOT NULL,
    finished_at      BIGINT,
    error            TEXT
);
CREATE INDEX publish_attempts_draft ON publish_attempts (draft_id);

-- Tweets as published (or as they would have been, in dry-run), one per thread position.
CREATE TABLE posts (
    id         TEXT PRIMARY KEY,
    draft_id   TEXT NOT NULL REFERENCES drafts (id),
    position   BIGINT NOT NULL,
    x_post_id  TEXT,
    text       TEXT NOT NULL,
    payload    JSONB NOT NULL,
    dry_run    BOOLEAN NOT NULL,
    posted_at  BIGINT NOT NULL,
    UNIQUE (draft_id, position)
);

CREATE TABLE auth_users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,                    -- argon2 PHC string
    role          TEXT NOT NULL,                    -- admin | reviewer
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL
);

CREATE TABLE auth_sessions (
    id_hash         TEXT PRIMARY KEY,               -- sha256 of the session id; the id is never stored
    user_id         TEXT NOT NULL REFERENCES auth_users (id),
    csrf_token_hash TEXT NOT NULL,
    ip              TEXT,
    user_agent      TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE audit_logs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    user_id     TEXT,
    action      TEXT NOT NULL,
    draft_id    TEXT,
    before_hash TEXT,
    after_hash  TEXT,
    ip          TEXT,
    detail      JSONB NOT NULL
);
CREATE INDEX audit_logs_draft ON audit_logs (draft_id);

-- Runtime configuration (schedule, blocked terms, feature flags), editable while running.
CREATE TABLE app_config (
    key        TEXT PRIMARY KEY,
    value      JSONB NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);

-- Style profiles derived by the Style stage, newest last.
CREATE TABLE style_profiles (
    id           TEXT PRIMARY KEY,
    persona_id   TEXT NOT NULL,
    run_id       TEXT REFERENCES runs (id),
    profile      JSONB NOT NULL,
    source_posts BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX style_profiles_persona ON style_profiles (persona_id, created_at);

CREATE TABLE weekly_reports (
    id         TEXT PRIMARY KEY,
    week_start TEXT NOT NULL UNIQUE,
    report     JSONB NOT NULL,
    created_at BIGINT NOT NULL
);
