-- Upgrade review: an administrator's confirmation of a new component version that asks for more
-- (grants, limits) than the version it replaces. Bound to the exact bytes and the exact entry.
CREATE TABLE component_confirmations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    -- sha256 of the confirmed manifest entry's signed form.
    form_digest  TEXT NOT NULL,
    -- What it widened, as shown to the administrator (JSON list of changes).
    changes      TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    at           INTEGER NOT NULL,
    UNIQUE (name, digest, form_digest)
);

-- Eval gate reports: every run of a stage's golden set against a new version, passed or not.
CREATE TABLE component_evals (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL,
    version  TEXT NOT NULL,
    digest   TEXT NOT NULL,
    passed   BOOLEAN NOT NULL,
    -- The whole report (JSON): cases, failures, the tweets produced.
    report   TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX component_evals_by_name ON component_evals (name, id);
