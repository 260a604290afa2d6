-- Metrics collected for published posts (snapshots over time: the newest per post is current).
CREATE TABLE post_metrics (
    id           TEXT PRIMARY KEY,
    provider     TEXT NOT NULL,                -- x
    remote_id    TEXT NOT NULL,
    draft_id     TEXT NOT NULL REFERENCES drafts (id),
    position     BIGINT NOT NULL,
    impressions  BIGINT NOT NULL,
    likes        BIGINT NOT NULL,
    reposts      BIGINT NOT NULL,
    replies      BIGINT NOT NULL,
    quotes       BIGINT NOT NULL,
    bookmarks    BIGINT NOT NULL,
    collected_at BIGINT NOT NULL
);
CREATE INDEX post_metrics_post ON post_metrics (provider, remote_id, collected_at);

-- weekly_reports exists since 0001 (id, week_start unique, report, created_at); who built
-- a report is new.
-- The report is stored and read as the JSON text the host writes (same SQL on both backends).
ALTER TABLE weekly_reports ALTER COLUMN report TYPE TEXT USING report::text;
ALTER TABLE weekly_reports ADD COLUMN created_by TEXT;
