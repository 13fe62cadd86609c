-- Foundation: organisation, service-item catalog, staff accounts and sessions, audit log.
-- Twin of migrations/postgres/0001_foundation.sql: same tables, columns and indexes.
-- Timestamps are RFC 3339 UTC text with 6 fractional digits (written by the application).

-- Organisation (机构) --------------------------------------------------------------------------
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL DEFAULT '',
    division_code TEXT NOT NULL,
    parent_id BIGINT REFERENCES departments(id),
    kind TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_departments_uscc ON departments(uscc);
CREATE INDEX ix_departments_division ON departments(division_code);
CREATE INDEX ix_departments_parent ON departments(parent_id);

CREATE TABLE halls (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    division_code TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_halls_name ON halls(division_code, name);

CREATE TABLE hall_windows (
    id INTEGER PRIMARY KEY,
    hall_id BIGINT NOT NULL REFERENCES halls(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE UNIQUE INDEX ux_hall_windows_number ON hall_windows(hall_id, number);

-- Service-item catalog (事项管理) -------------------------------------------------------------
-- Basic directory (基本目录): the elements every level shares (三级四同).
CREATE TABLE basic_items (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    item_type TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    parent_code TEXT NOT NULL DEFAULT '',
    levels TEXT NOT NULL DEFAULT '',
    statutory_limit BIGINT,
    statutory_unit TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_basic_items_code ON basic_items(code);

-- Implementation items (实施清单): one per (basic item, implementing department, division).
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    basic_item_id BIGINT NOT NULL REFERENCES basic_items(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    division_code TEXT NOT NULL,
    status TEXT NOT NULL,
    published_version BIGINT,
    latest_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_items_code ON items(code);
CREATE UNIQUE INDEX ux_items_claim ON items(basic_item_id, department_id, division_code);
CREATE INDEX ix_items_department ON items(department_id, status);
CREATE INDEX ix_items_division ON items(division_code, status);

-- Every version of an implementation item. A published version is never updated again
-- (the application refuses; the trigger below makes the database refuse too).
CREATE TABLE item_versions (
    id INTEGER PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES items(id),
    version_no BIGINT NOT NULL,
    status TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    name TEXT NOT NULL,
    elements TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by TEXT,
    submitted_by_user BIGINT,
    reviewed_at TEXT,
    reviewed_by TEXT,
    review_note TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    retired_at TEXT
);
CREATE UNIQUE INDEX ux_item_versions_no ON item_versions(item_id, version_no);
CREATE UNIQUE INDEX ux_item_versions_open ON item_versions(item_id) WHERE status IN ('draft', 'submitted');
CREATE INDEX ix_item_versions_status ON item_versions(status);

CREATE TRIGGER tr_item_versions_frozen
BEFORE UPDATE OF name, elements, version_no, item_id ON item_versions
FOR EACH ROW WHEN OLD.status NOT IN ('draft')
BEGIN
    SELECT RAISE(ABORT, 'published item versions are immutable');
END;

-- Who did what to an item (创建、认领、修改、提交、审核、发布、退回、下线).
CREATE TABLE item_history (
    id INTEGER PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES items(id),
    version_no BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_user_id BIGINT,
    at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_item_history_item ON item_history(item_id, id);

-- The published catalog as searched and filtered: one row per item with a published version,
-- derived in the same transaction that publishes or retires.
CREATE TABLE catalog_entries (
    item_id BIGINT PRIMARY KEY REFERENCES items(id),
    version_no BIGINT NOT NULL,
    code TEXT NOT NULL,
    basic_code TEXT NOT NULL,
    name TEXT NOT NULL,
    item_type TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    department_name TEXT NOT NULL,
    division_code TEXT NOT NULL,
    case_type TEXT NOT NULL,
    online_level BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    cross_scope TEXT NOT NULL,
    promised_limit BIGINT NOT NULL,
    promised_unit TEXT NOT NULL,
    statutory_limit BIGINT NOT NULL,
    statutory_unit TEXT NOT NULL,
    licence_free BOOLEAN NOT NULL,
    search_text TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX ix_catalog_entries_division ON catalog_entries(division_code);
CREATE INDEX ix_catalog_entries_department ON catalog_entries(department_id);
CREATE INDEX ix_catalog_entries_name ON catalog_entries(name);

-- Multi-valued elements as filterable tags: kind is object / ptheme / etheme / form / depth.
CREATE TABLE catalog_tags (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items(id),
    PRIMARY KEY (kind, code, item_id)
) WITHOUT ROWID;
CREATE INDEX ix_catalog_tags_item ON catalog_tags(item_id);

-- Character n-gram index (1- and 2-grams) so that two-character Chinese queries work on both
-- databases (FTS5 trigram and pg_trgm need three characters).
CREATE TABLE catalog_grams (
    gram TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items(id),
    PRIMARY KEY (gram, item_id)
) WITHOUT ROWID;
CREATE INDEX ix_catalog_grams_item ON catalog_grams(item_id);

-- Staff accounts and sessions ------------------------------------------------------------------
CREATE TABLE staff_accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_sign_in_at TEXT
);
CREATE UNIQUE INDEX ux_staff_accounts_username ON staff_accounts(username);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_kind TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_sessions_account ON sessions(account_kind, account_id);

-- Audit log: append-only, each entry chained to the previous one by an SM3 hash. -----------
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    acting_for TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX ix_audit_log_action ON audit_log(action, seq);
CREATE INDEX ix_audit_log_actor ON audit_log(actor, seq);

-- The chain head; updating it serialises appenders on both databases.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
