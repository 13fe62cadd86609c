-- Guards of the cases domain.
-- Twin of migrations/postgres/0016_case_guards.sql. Timestamps RFC 3339 text.

-- The public progress query's attempts, per key: `case:` or `source:` followed by a keyed hash
-- (HMAC-SM3 blind index) of the case number or the caller's address, so the table names
-- neither. Counted within a window by every server process; a successful query removes its own.
CREATE TABLE progress_attempts (
    id INTEGER PRIMARY KEY,
    throttle_key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_progress_attempts_key ON progress_attempts(throttle_key, at);
CREATE INDEX ix_progress_attempts_at ON progress_attempts(at);

-- The SM3 of what an application with an idempotency key asked for (item, form, materials,
-- channel): the same key with another body is refused instead of answering the first case.
-- Empty for cases filed before this column existed (their key answers as before).
ALTER TABLE cases ADD COLUMN idem_digest TEXT NOT NULL DEFAULT '';
