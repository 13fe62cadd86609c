-- A licence import job counts the runs that took it (a runner taking the lease adds one), so
-- a job whose file crashes the process every time is marked failed after a few attempts
-- instead of being resumed at every start (a crash loop).
-- Twin of migrations/postgres/0014_import_attempts.sql.

ALTER TABLE licence_imports ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
