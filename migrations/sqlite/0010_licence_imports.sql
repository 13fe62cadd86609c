-- Bulk import (归集) of electronic licences issued elsewhere: one job per uploaded file, its
-- bytes in chunks until the job ends, its row problems; imported licences name their job.
-- Twin of migrations/postgres/0010_licence_imports.sql. Timestamps RFC 3339 text.

CREATE TABLE licence_imports (
    id INTEGER PRIMARY KEY,
    type_code TEXT NOT NULL REFERENCES licence_types(code),
    -- The importing (issuing) department: its seal signs every licence of the file.
    department_id BIGINT NOT NULL REFERENCES departments(id),
    -- 'csv' or 'xlsx'; the CSV encoding ('utf-8' or 'gb18030') once detected.
    format TEXT NOT NULL,
    encoding TEXT,
    file_name TEXT NOT NULL DEFAULT '',
    -- SM3 of the uploaded bytes (hex) and their length.
    file_sha TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    -- queued, checking, sealing, done, rejected (row errors: nothing written) or failed.
    status TEXT NOT NULL,
    total_rows BIGINT NOT NULL DEFAULT 0,
    -- Data rows (in file order) whose batch has committed; a resumed job skips them.
    processed_rows BIGINT NOT NULL DEFAULT 0,
    imported_rows BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    warning_count BIGINT NOT NULL DEFAULT 0,
    -- Rows without an identifier get serials serial_first, serial_first + 1, … in file order
    -- (reserved once from licence_sequences, so a resumed job assigns the same identifiers).
    generated_rows BIGINT NOT NULL DEFAULT 0,
    serial_year BIGINT,
    serial_first BIGINT,
    -- Why a job failed (an internal problem, not a row error).
    message TEXT NOT NULL DEFAULT '',
    -- The process working on the job and until when its claim holds (renewed per batch).
    runner TEXT,
    lease_until TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    revision BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX ix_licence_imports_status ON licence_imports(status);
CREATE INDEX ix_licence_imports_department ON licence_imports(department_id);

-- The uploaded file, 1 MiB per chunk, deleted when the job ends (the SM3 stays on the job).
CREATE TABLE licence_import_chunks (
    import_id BIGINT NOT NULL REFERENCES licence_imports(id),
    seq BIGINT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- Row problems of a job: level 'error' (the job is rejected) or 'warning' (imported anyway,
-- e.g. a foreign identifier whose check character differs).
CREATE TABLE licence_import_errors (
    id INTEGER PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES licence_imports(id),
    line BIGINT NOT NULL,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    level TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL
);
CREATE INDEX ix_licence_import_errors_job ON licence_import_errors(import_id, line);

-- Where a licence came from: 'issued' here, or 'imported' by a job (and its line in the file).
ALTER TABLE licences ADD COLUMN source TEXT NOT NULL DEFAULT 'issued';
ALTER TABLE licences ADD COLUMN import_id BIGINT;
ALTER TABLE licences ADD COLUMN import_line BIGINT;
-- A line of a job is imported at most once, whatever happens to the process.
CREATE UNIQUE INDEX ux_licences_import_line ON licences(import_id, import_line) WHERE import_id IS NOT NULL;
-- Duplicate licence numbers of a type are refused on import. This index also serves lookups by
-- type alone, so the single-column one of 0008 goes (one index less to keep per licence).
CREATE INDEX ix_licences_type_number ON licences(type_code, number);
DROP INDEX ix_licences_type;
