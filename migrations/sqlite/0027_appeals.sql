-- Twin of the other backend's 0027_appeals.sql.
-- Appeals, the 12345 hotline and grids (12345 诉求 / 随手拍 / 网格化; crates/appeals,
-- docs/appeals.md). One work order (工单) per appeal whatever its channel; its events are the
-- flow record (派单/转办/退单/延期/督办/回访…); grids are polygons kept as GeoJSON with their
-- bounding box, loaded into an R-tree in memory for routing. The appeals domain's repo is the
-- only reader and writer of these tables.

-- 事项分类: a hierarchical topic code owned by a department (承办单位 when no grid applies).
-- Open311: code → service_code, the parent's name → group.
CREATE TABLE appeal_categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,            -- e.g. CG0101
    name TEXT NOT NULL,
    parent_code TEXT,                     -- NULL for a top-level group
    department_id BIGINT REFERENCES departments(id),
    specialty TEXT,                       -- a professional grid specialty that handles it (e.g. city_management), or NULL
    description TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '',    -- comma-separated
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- 知识库: common answers, searched by the operator and the citizen.
CREATE TABLE appeal_knowledge (
    id INTEGER PRIMARY KEY,
    category_code TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    department_id BIGINT REFERENCES departments(id), -- who vouches for the answer
    active BOOLEAN NOT NULL DEFAULT TRUE,
    used BIGINT NOT NULL DEFAULT 0,       -- times an operator answered with it
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Working-day limits per appeal type (configurable; Guangdong's by default).
CREATE TABLE appeal_time_limits (
    appeal_type TEXT PRIMARY KEY,
    days BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- 网格: unit grids (one per community) and professional grids (a specialty's area).
CREATE TABLE grids (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                   -- unit | professional
    specialty TEXT,                       -- professional grids: city_management, environment, …
    division TEXT NOT NULL,               -- GB/T 2260 (or 9/12-digit statistical) code
    department_id BIGINT REFERENCES departments(id), -- the street office or department answering for it
    geometry TEXT NOT NULL,               -- GeoJSON Polygon or MultiPolygon, WGS 84
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    area_m2 REAL NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    import_id BIGINT,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_grids_kind ON grids(kind, active);

-- Grid workers (网格员) assigned to a grid; the first (lowest position) gets routed orders.
CREATE TABLE grid_workers (
    grid_id BIGINT NOT NULL REFERENCES grids(id),
    user_id BIGINT NOT NULL REFERENCES staff_accounts(id),
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grid_id, user_id)
);
CREATE INDEX ix_grid_workers_user ON grid_workers(user_id);

-- One GeoJSON import: its counts and the validation report (JSON).
CREATE TABLE grid_imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    digest TEXT NOT NULL,                 -- SM3 of the file
    grids BIGINT NOT NULL,
    report TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

-- Api keys of outside apps for Open311 GeoReport v2 POST (issued by the security
-- administrator). Only the SM3 of the key is kept.
CREATE TABLE open311_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,             -- the first characters, to tell keys apart
    issued_by TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);

-- 工单.
CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    appeal_no TEXT NOT NULL UNIQUE,       -- 工单编号: division (6) + YYYYMMDD + 6-digit daily sequence
    token TEXT NOT NULL UNIQUE,           -- Open311 token (random), answered by tokens/{token}
    channel TEXT NOT NULL,                -- model::Channel
    appeal_type TEXT NOT NULL,            -- model::AppealType
    category_code TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    division TEXT NOT NULL,               -- 发生地点的行政区划
    lon REAL,
    lat REAL,
    -- 诉求人: name in clear (empty when anonymous), phone sealed with its blind index and mask.
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone_enc TEXT NOT NULL DEFAULT '',
    contact_phone_idx TEXT NOT NULL DEFAULT '',
    contact_phone_mask TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    confidential BOOLEAN NOT NULL DEFAULT FALSE, -- 保密: the handler does not see who appealed
    person_id BIGINT REFERENCES people(id),      -- the signed-in citizen, if any
    open311_key_id BIGINT REFERENCES open311_keys(id),
    media_url TEXT NOT NULL DEFAULT '',   -- Open311 media_url given by the client
    complained_unit TEXT NOT NULL DEFAULT '', -- 被投诉单位/被投诉人 (complaints only)
    status TEXT NOT NULL,                 -- model::Status
    grid_id BIGINT REFERENCES grids(id),
    department_id BIGINT REFERENCES departments(id), -- 承办单位
    assignee_id BIGINT REFERENCES staff_accounts(id),         -- 承办人 (the grid worker, or who signed)
    received_by TEXT NOT NULL,            -- actor label of intake
    received_at TEXT NOT NULL,
    dispatched_at TEXT,
    signed_at TEXT,
    due_at TEXT NOT NULL,            -- 承诺时限 (end of the last working day, Asia/Shanghai)
    limit_days BIGINT NOT NULL,
    extended_days BIGINT NOT NULL DEFAULT 0, -- 延期时限 granted
    extension_pending BOOLEAN NOT NULL DEFAULT FALSE,
    reply TEXT NOT NULL DEFAULT '',       -- 答复 (反馈信息) to the citizen
    replied_at TEXT,
    closed_at TEXT,                  -- when it became concluded (办结)
    satisfaction BIGINT,                  -- 1–5 (回访)
    resolved BOOLEAN,                     -- 是否解决 (回访)
    visited_at TEXT,
    reopen_count BIGINT NOT NULL DEFAULT 0,
    supervise_count BIGINT NOT NULL DEFAULT 0,
    merged_into BIGINT REFERENCES appeals(id),
    revision BIGINT NOT NULL DEFAULT 1,   -- compare-and-set of concurrent actions
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_appeals_status ON appeals(status, due_at);
CREATE INDEX ix_appeals_dept ON appeals(department_id, status);
CREATE INDEX ix_appeals_assignee ON appeals(assignee_id, status);
CREATE INDEX ix_appeals_grid ON appeals(grid_id, received_at);
CREATE INDEX ix_appeals_person ON appeals(person_id, received_at);
CREATE INDEX ix_appeals_phone ON appeals(contact_phone_idx);
CREATE INDEX ix_appeals_near ON appeals(category_code, received_at, lat, lon);
CREATE INDEX ix_appeals_received ON appeals(received_at);

-- Daily sequences of appeal numbers, one row per division and day.
CREATE TABLE appeal_sequences (
    division TEXT NOT NULL,
    day TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (division, day)
);

-- The flow record: every action with who, to whom, why.
CREATE TABLE appeal_events (
    id INTEGER PRIMARY KEY,
    appeal_id BIGINT NOT NULL REFERENCES appeals(id),
    kind TEXT NOT NULL,                   -- create, close_direct, lifecycle::Action codes, link
    actor TEXT NOT NULL,                  -- actor label
    from_status TEXT,
    to_status TEXT,
    to_grid_id BIGINT REFERENCES grids(id),
    to_department_id BIGINT REFERENCES departments(id),
    to_user_id BIGINT REFERENCES staff_accounts(id),
    text TEXT NOT NULL DEFAULT '',        -- reason, opinion, handling note, reply, 督办内容
    data TEXT NOT NULL DEFAULT '{}',      -- JSON: level, days, decision, satisfaction, other order…
    at TEXT NOT NULL
);
CREATE INDEX ix_appeal_events_appeal ON appeal_events(appeal_id, id);
CREATE INDEX ix_appeal_events_kind ON appeal_events(kind, at);

-- Photos (随手拍 and handling records), content-addressed in the file store.
CREATE TABLE appeal_photos (
    id INTEGER PRIMARY KEY,
    appeal_id BIGINT NOT NULL REFERENCES appeals(id),
    event_id BIGINT REFERENCES appeal_events(id), -- NULL: filed with the appeal
    digest TEXT NOT NULL,                 -- SM3 hex
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    name TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX ix_appeal_photos_appeal ON appeal_photos(appeal_id);

-- Duplicates linked (关联) by the dispatcher; merges are `appeals.merged_into`.
CREATE TABLE appeal_links (
    appeal_id BIGINT NOT NULL REFERENCES appeals(id),
    other_id BIGINT NOT NULL REFERENCES appeals(id),
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (appeal_id, other_id)
);
