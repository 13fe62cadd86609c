-- Twin of the other backend's 0034_inspection.sql. SQLite: dates YYYY-MM-DD text, timestamps RFC 3339 text.
-- Random inspection (双随机、一公开; crates/supervision/src/inspection, docs/inspection-draw.md):
-- the inspection item list (抽查事项清单), the two rosters (名录库: entities and inspectors),
-- declared conflicts (回避), plans, frozen draws and results per entity. Only the inspection
-- repo reads and writes these tables.

-- 抽查事项清单: only listed items with a legal basis may be inspected.
CREATE TABLE inspection_items (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    legal_basis TEXT NOT NULL,
    object_type TEXT NOT NULL,            -- e.g. 企业, 个体工商户, 食品经营者
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- 检查对象名录库: market entities keyed by USCC.
CREATE TABLE inspection_entities (
    id INTEGER PRIMARY KEY,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    stratum TEXT NOT NULL,                -- 分层 code (e.g. risk class A/B/C or an industry)
    industry TEXT NOT NULL DEFAULT '',
    division TEXT NOT NULL,               -- GB/T 2260 code of the registered address
    risk_flags TEXT NOT NULL DEFAULT '',  -- comma-separated (经营异常, 投诉多 …)
    active BOOLEAN NOT NULL DEFAULT TRUE,
    source TEXT NOT NULL,                 -- import:<file> | register
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_inspection_entities_stratum ON inspection_entities(stratum);

-- 执法检查人员名录库: staff holding a law-enforcement certificate (执法证号).
CREATE TABLE inspection_inspectors (
    id INTEGER PRIMARY KEY,
    staff_id BIGINT NOT NULL UNIQUE REFERENCES staff_accounts(id),
    name TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    item_codes TEXT NOT NULL DEFAULT '',  -- comma-separated qualified item codes
    division TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TEXT NOT NULL
);

-- 回避: an inspector with an interest in an entity.
CREATE TABLE inspection_conflicts (
    id INTEGER PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff_accounts(id),
    uscc TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (staff_id, uscc)
);

-- 抽查计划: items, the population filter, quotas per stratum, team size, the public entropy.
CREATE TABLE inspection_plans (
    id INTEGER PRIMARY KEY,
    plan_no TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    item_codes TEXT NOT NULL,             -- comma-separated
    filter TEXT NOT NULL,                 -- JSON {division, strata, industry}
    quotas TEXT NOT NULL,                 -- JSON {"default": quota|null, "strata": {code: quota}}
    team_size BIGINT NOT NULL,
    entropy_source TEXT NOT NULL,         -- how the public entropy is obtained (announced before)
    deadline TEXT NOT NULL,               -- inspections end by this day
    status TEXT NOT NULL,                 -- draft | drawn | finished | published
    finished_on TEXT,                     -- the inspection's end: publication due 20 working days later
    published_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A frozen draw (名单固化): the published inputs and the outcome. One per plan.
CREATE TABLE inspection_draws (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL UNIQUE REFERENCES inspection_plans(id),
    algorithm TEXT NOT NULL,
    input TEXT NOT NULL,                  -- JSON DrawInput, exactly as re-run
    population_hash TEXT NOT NULL,
    inspectors_hash TEXT NOT NULL,
    seed TEXT NOT NULL,
    outcome TEXT NOT NULL,                -- JSON DrawOutcome
    drawn_by TEXT NOT NULL,
    drawn_at TEXT NOT NULL
);

-- Results per drawn entity (谁检查、谁录入、谁公开).
CREATE TABLE inspection_results (
    id INTEGER PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES inspection_draws(id),
    position BIGINT NOT NULL,             -- draw order
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    stratum TEXT NOT NULL,
    inspectors TEXT NOT NULL,             -- JSON [staff id]
    result_code TEXT,                     -- NULL until recorded
    inspected_on TEXT,
    notes TEXT NOT NULL DEFAULT '',
    recorded_by TEXT,
    recorded_at TEXT,
    UNIQUE (draw_id, uscc)
);
