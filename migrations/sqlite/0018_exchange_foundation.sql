-- Twin of the other backend's 0018_exchange_foundation.sql.
-- Data sharing and exchange (数据共享交换), the foundation every exchange module builds on: the
-- resource catalog (政务信息资源目录: a resource per code and provider, versions like the service
-- catalog's — a published version never changes) and the collected rows (归集数据).
CREATE TABLE exchange_resources (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,            -- 前段码/后段码, e.g. 101001/000001
    classification TEXT NOT NULL,         -- 类/项/目/细目 digits (前段码)
    department_id BIGINT NOT NULL,        -- 信息资源提供方 (org domain's id; never joined)
    published_version BIGINT,
    last_loaded_at TEXT,                 -- when a load (归集) last changed or confirmed its rows
    row_count BIGINT NOT NULL DEFAULT 0,  -- current rows after that load             -- the version the catalog shows; NULL until first published
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX ix_exchange_resources_department ON exchange_resources(department_id);

CREATE TABLE exchange_resource_versions (
    id INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES exchange_resources(id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL,                 -- draft, submitted, published, superseded, retired
    name TEXT NOT NULL,
    meta TEXT NOT NULL,                   -- ResourceMeta as JSON (items with their quality rules)
    share_type TEXT NOT NULL,             -- copied out of meta for lists and filters
    update_cycle TEXT NOT NULL,
    publish_date TEXT,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    published_at TEXT,
    published_by TEXT,
    UNIQUE (resource_id, version)
);
CREATE INDEX ix_exchange_resource_versions_status ON exchange_resource_versions(status);

CREATE TRIGGER tr_exchange_resource_versions_frozen
BEFORE UPDATE OF name, meta, share_type, update_cycle, version, resource_id ON exchange_resource_versions
FOR EACH ROW WHEN OLD.status NOT IN ('draft')
BEGIN
    SELECT RAISE(ABORT, 'published resource versions are immutable');
END;

-- Collected rows: one row per (resource, key, validity interval); the values are one JSON
-- object keyed by the items' field names (a document per row, not entity-attribute-value).
-- History: a changed row closes the old one (valid_to) and opens a new one; a deleted key only
-- closes. Clustered on the key (WITHOUT ROWID): one B-tree serves "current", "as of" and history.
CREATE TABLE exchange_rows (
    resource_id BIGINT NOT NULL,
    row_key TEXT NOT NULL,                -- key items' values joined by U+001F
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    load_id BIGINT NOT NULL,              -- the load (归集批次) that wrote it
    digest TEXT NOT NULL,                 -- SM3 of the canonical JSON, to skip unchanged rows
    data TEXT NOT NULL,
    PRIMARY KEY (resource_id, row_key, valid_from)
) WITHOUT ROWID;

-- Sharing grants (授权): a consumer department may read these fields of a resource during a
-- period. Written when a request is granted (at once for unconditional resources), revoked by
-- the provider or the administrator; the data API reads them on every call.
CREATE TABLE exchange_grants (
    id INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES exchange_resources(id),
    consumer_department_id BIGINT NOT NULL,
    request_id BIGINT,                    -- the sharing request it answers (NULL for grants made otherwise)
    fields TEXT NOT NULL,                 -- JSON array of item field names
    purpose TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    rate_per_minute BIGINT NOT NULL,      -- calls per minute the consumer may make under it
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_exchange_grants_consumer ON exchange_grants(consumer_department_id, resource_id);
CREATE INDEX ix_exchange_grants_resource ON exchange_grants(resource_id);
