-- Every component version ever activated, with who activated it and when, and the component's
-- bytes kept by digest (content-addressed), so any earlier version can be restored exactly.
CREATE TABLE component_blobs (
    digest    TEXT PRIMARY KEY,
    bytes     BLOB NOT NULL,
    stored_at INTEGER NOT NULL
);

CREATE TABLE component_activations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    digest      TEXT NOT NULL REFERENCES component_blobs(digest),
    world       TEXT NOT NULL,
    -- The manifest entry as its signature covers it (canonical JSON).
    signed_form TEXT NOT NULL,
    -- The `.sig` file's JSON; NULL when it loaded unsigned (development switch).
    signature   TEXT,
    -- `activate` (a new version loaded) or `rollback`.
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX component_activations_by_name ON component_activations (name, id);
