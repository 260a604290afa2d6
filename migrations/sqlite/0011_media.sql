-- Media made for a draft (its quote card, the card's speech, the card video): one of each kind
-- per draft. The bytes live in the data directory's media folder, named by the row's id.
CREATE TABLE media_assets (
    id          TEXT PRIMARY KEY,
    draft_id    TEXT NOT NULL REFERENCES drafts (id),
    kind        TEXT NOT NULL,                  -- image | audio | video
    mime        TEXT NOT NULL,
    file        TEXT NOT NULL,                  -- <id>.<ext> in the media folder
    sha256      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    -- Seconds of audio or video; NULL for images.
    duration_ms INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (draft_id, kind)
);
