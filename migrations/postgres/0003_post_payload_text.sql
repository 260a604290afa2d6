-- posts.payload is the exact request body sent to X. JSONB would re-order and re-space it
-- (and the store reads and writes it as text); keep it byte for byte.
ALTER TABLE posts ALTER COLUMN payload TYPE TEXT USING payload::text;
