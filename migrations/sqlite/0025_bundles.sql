-- Twin of the other backend's 0025_bundles.sql.
-- "One thing" bundles (一件事一次办): a bundle per code, its definitions as versions reviewed
-- like items' (a published version never changes). `doc` is one version's definition as JSON
-- (`yiwang_bundles::Bundle`); the bundles domain's repo is the only reader and writer.
CREATE TABLE bundles (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,            -- e.g. open-restaurant
    name TEXT NOT NULL,                   -- of the latest version, for lists
    theme TEXT NOT NULL,                  -- 主题, of the latest version
    status TEXT NOT NULL,                 -- draft (never published), published, retired
    published_version BIGINT,             -- the version offered; NULL before the first publication and after retirement
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE bundle_versions (
    id INTEGER PRIMARY KEY,
    bundle_id BIGINT NOT NULL REFERENCES bundles(id),
    version_no BIGINT NOT NULL,
    status TEXT NOT NULL,                 -- draft, submitted, published, rejected, superseded, retired
    doc TEXT NOT NULL,                    -- the definition as JSON
    revision BIGINT NOT NULL DEFAULT 1,   -- compare-and-set of a draft's edits
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_by TEXT,
    submitted_by_user BIGINT,             -- the submitter's account: a reviewer may not approve their own
    submitted_at TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_opinion TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    retire_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (bundle_id, version_no)
);
CREATE INDEX ix_bundle_versions_status ON bundle_versions(status);

CREATE TRIGGER tr_bundle_versions_frozen
BEFORE UPDATE OF doc, version_no, bundle_id ON bundle_versions
FOR EACH ROW WHEN OLD.status IN ('published', 'superseded', 'retired')
BEGIN
    SELECT RAISE(ABORT, 'published bundle versions are immutable');
END;
