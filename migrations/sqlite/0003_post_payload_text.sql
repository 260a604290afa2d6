-- posts.payload is the exact request body sent to X. It has always been TEXT here; this
-- migration keeps the two dialects' histories in step (Postgres had JSONB).
SELECT 1;
