-- Metrics collected for published posts (snapshots over time: the newest per post is current).
CREATE TABLE post_metrics (
    id           TEXT PRIMARY KEY,
    provider     TEXT NOT NULL,                -- x
    remote_id    TEXT NOT NULL,
    draft_id     TEXT NOT NULL REFERENCES drafts (id),
    position     INTEGER NOT NULL,
    impressions  INTEGER NOT NULL,
    likes        INTEGER NOT NULL,
    reposts      INTEGER NOT NULL,
    replies      INTEGER NOT NULL,
    quotes       INTEGER NOT NULL,
    bookmarks    INTEGER NOT NULL,
    collected_at INTEGER NOT NULL
);
CREATE INDEX post_metrics_post ON post_metrics (provider, remote_id, collected_at);

-- weekly_reports exists since 0001 (id, week_start unique, report, created_at); who built
-- a report is new.
ALTER TABLE weekly_reports ADD COLUMN created_by TEXT;
