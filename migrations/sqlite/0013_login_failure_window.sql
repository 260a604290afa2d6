-- Failed logins count within a window that starts at the first failure (Unix ms): stale
-- failures, and those before a lock ran out, do not add up to a new lock.
ALTER TABLE auth_users ADD COLUMN failures_since INTEGER;
