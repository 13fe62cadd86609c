-- Twin of the other backend's 0020_exchange_collect.sql.
-- Collection (归集): loads of a resource's rows by file (CSV, XLSX, JSON lines) or by API push,
-- run as resumable jobs (a runner holds a lease; chunks commit with the checkpoint
-- `processed_rows`), with a quality report per load (counts per rule and sample problems).
CREATE TABLE exchange_loads (
    id INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES exchange_resources(id),
    resource_version BIGINT NOT NULL,     -- the published version whose items were checked
    department_id BIGINT NOT NULL,        -- the provider (org domain's id; never joined)
    kind TEXT NOT NULL,                   -- file, push
    format TEXT NOT NULL,                 -- csv, xlsx, jsonl, push
    encoding TEXT,                        -- utf-8 or gb18030 once a CSV was read
    file_name TEXT NOT NULL,
    file_sha TEXT NOT NULL,               -- SM3 of the file
    file_path TEXT,                       -- command line: the local file read in place
    file_size BIGINT NOT NULL,
    mode TEXT NOT NULL,                   -- good (load the good rows) or all (reject the file)
    full_load BOOLEAN NOT NULL,           -- close current keys absent from the file
    delete_keys TEXT NOT NULL DEFAULT '[]', -- push: keys to close once the rows are loaded (JSON array)
    status TEXT NOT NULL,                 -- queued, checking, loading, done, rejected, failed
    load_at TEXT NOT NULL,                -- the validity time of the rows it writes
    total_rows BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0, -- checkpoint: data rows committed
    good_rows BIGINT NOT NULL DEFAULT 0,
    bad_rows BIGINT NOT NULL DEFAULT 0,
    inserted_rows BIGINT NOT NULL DEFAULT 0,
    changed_rows BIGINT NOT NULL DEFAULT 0,
    unchanged_rows BIGINT NOT NULL DEFAULT 0,
    closed_rows BIGINT NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}',    -- problems per rule (JSON object)
    runner TEXT,
    lease_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX ix_exchange_loads_resource ON exchange_loads(resource_id, id);
CREATE INDEX ix_exchange_loads_status ON exchange_loads(status);

-- Sample problems of a load (at most a few per rule; the counts are on the load).
CREATE TABLE exchange_load_issues (
    load_id BIGINT NOT NULL REFERENCES exchange_loads(id),
    seq BIGINT NOT NULL,
    line BIGINT NOT NULL,                 -- file line as the user sees it (push: item number)
    item TEXT NOT NULL,                   -- 信息项名称 (empty: the whole row)
    value TEXT NOT NULL,                  -- masked when the item is personal
    rule TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL,
    PRIMARY KEY (load_id, seq)
);

-- The uploaded file (or a push's rows as JSON lines) in 1 MiB chunks until the load ends, so
-- any node can resume it (the file store keeps application materials of accepted types only).
CREATE TABLE exchange_load_chunks (
    load_id BIGINT NOT NULL REFERENCES exchange_loads(id),
    seq BIGINT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (load_id, seq)
);
