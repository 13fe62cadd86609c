-- Cases (办件): applications, process data, clocks, the inbox and ratings (好差评).
-- Twin of migrations/postgres/0007_cases.sql: same tables, columns and indexes.
-- Dates are 'YYYY-MM-DD' text; timestamps RFC 3339 UTC text with 6 fractional digits.

-- One row per application (办件). Personal data is sealed (SM4-GCM, `vault`) with a blind
-- index for lookups; the form is sealed whole (it may hold ID numbers of other people).
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    -- 办件编号 (STANDARDS §5.4): 实施编码 + YYYYMMDD (Asia/Shanghai) + 6-digit daily sequence.
    case_no TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items(id),
    item_code TEXT NOT NULL,
    -- The published item version applied for: its form, checklist, limits and workflow.
    item_version BIGINT NOT NULL,
    item_name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    division_code TEXT NOT NULL,
    -- 办件类型代码 (A.6): 1 即办件, 2 承诺件.
    case_type TEXT NOT NULL,
    -- 申报来源 = 办理形式代码 (A.5): 1 窗口, 2 电脑端, 3 移动端, 4 快递.
    channel TEXT NOT NULL,
    -- 申请人类型 (platform variant): 1 自然人, 2 企业法人 …
    applicant_type TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    -- 证件类型 (GA/T 2000.156): 111 居民身份证, 001 统一社会信用代码.
    applicant_cert_type TEXT NOT NULL,
    applicant_cert_enc TEXT NOT NULL,
    applicant_cert_idx TEXT NOT NULL,
    applicant_cert_mask TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone_enc TEXT NOT NULL,
    contact_phone_idx TEXT NOT NULL,
    contact_phone_mask TEXT NOT NULL,
    -- The registered person who owns the case (filed it, or was identified at the window).
    person_id BIGINT REFERENCES people(id),
    -- The enterprise applied for, when filed acting for one.
    org_id BIGINT REFERENCES organisations(id),
    submitted_by TEXT NOT NULL,
    form_enc TEXT NOT NULL,
    -- The workflow instance (yiwang-workflow JSON, form fields left out), once accepted.
    flow TEXT,
    status TEXT NOT NULL,
    -- Supplements were requested before acceptance (一次性告知: only once).
    notice_given BOOLEAN NOT NULL DEFAULT FALSE,
    submitted_at TEXT NOT NULL,
    accepted_at TEXT,
    accept_date TEXT,
    promised_days BIGINT,
    statutory_days BIGINT,
    extension_days BIGINT NOT NULL DEFAULT 0,
    promised_due TEXT,
    statutory_due TEXT,
    -- none, yellow (at risk) or red (overdue); kept current by the sweep and every transition.
    warning TEXT NOT NULL DEFAULT 'none',
    decision TEXT,
    decision_opinion TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    -- 办结结果代码 (STANDARDS §5.3 BJJGDM).
    result_code TEXT,
    concluded_at TEXT,
    delivery_method TEXT,
    delivery_ref TEXT NOT NULL DEFAULT '',
    delivered_at TEXT,
    -- What the public progress query shows: milestones without personal data (JSON).
    milestones TEXT NOT NULL DEFAULT '[]',
    -- '<actor label>|<Idempotency-Key>' of the submission.
    idem_key TEXT,
    revision BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_cases_case_no ON cases(case_no);
CREATE UNIQUE INDEX ux_cases_idem_key ON cases(idem_key);
CREATE INDEX ix_cases_department ON cases(department_id, status);
CREATE INDEX ix_cases_person ON cases(person_id);
CREATE INDEX ix_cases_org ON cases(org_id);
CREATE INDEX ix_cases_status ON cases(status, warning);
CREATE INDEX ix_cases_submitted ON cases(submitted_at);

-- Daily case-number sequences, one row per item and day.
CREATE TABLE case_sequences (
    prefix TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);

-- Process data (办件过程数据): every transition, append-only, written in the same transaction
-- as the state change.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    department_id BIGINT,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    step_code TEXT NOT NULL DEFAULT '',
    step_name TEXT NOT NULL DEFAULT '',
    opinion TEXT NOT NULL DEFAULT '',
    -- Details (JSON): attachments (SM3 of files), supplement lists, workflow event details.
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX ux_case_events_seq ON case_events(case_id, seq);
CREATE INDEX ix_case_events_at ON case_events(at);

-- Files linked to checklist entries (content-addressed by SM3 in the file store).
CREATE TABLE case_materials (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    entry_key TEXT NOT NULL,
    entry_name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- 'application', 'supplement' or 'window'.
    source TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
CREATE INDEX ix_case_materials_case ON case_materials(case_id);

-- Periods that stop or extend the clock: special procedures (特别程序, A.7: 1 延长审批,
-- 2 其他) and waits for the applicant's supplements during handling.
CREATE TABLE case_pauses (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    -- 'special' or 'supplement'.
    kind TEXT NOT NULL,
    special_type TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    expected_days BIGINT NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    start_date TEXT NOT NULL,
    started_by TEXT NOT NULL,
    ended_at TEXT,
    end_date TEXT,
    ended_by TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    opinion TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_case_pauses_case ON case_pauses(case_id);

-- The open work of each case (who may act now), kept with every transition: the staff inbox.
CREATE TABLE case_tasks (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    step_code TEXT NOT NULL,
    step_name TEXT NOT NULL,
    -- A named officer, or NULL while the step waits in a pool (role in department).
    officer_id BIGINT,
    department_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    since TEXT NOT NULL
);
CREATE INDEX ix_case_tasks_case ON case_tasks(case_id);
CREATE INDEX ix_case_tasks_officer ON case_tasks(officer_id);
CREATE INDEX ix_case_tasks_pool ON case_tasks(department_id, role);

-- 好差评 ratings. `level` is the one internal scale: 5 非常满意 … 1 非常不满意 (the stars);
-- the GB/T 39046 A.8 code (1 = 非常满意) and the interface code are translated at the edges.
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    -- The evaluated service (一事一评): apply 申报, supplement 补正, conclude 办结.
    service TEXT NOT NULL,
    -- 1 首次评价, 2 追评.
    assess_number BIGINT NOT NULL,
    level BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    indicators TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    -- 评价渠道 pf (interface code).
    channel TEXT NOT NULL,
    person_id BIGINT,
    rated_at TEXT NOT NULL,
    -- Set when an appeal shows the rating was mistaken or malicious (申诉复核).
    excluded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX ux_ratings_once ON ratings(case_id, service, assess_number);

-- The follow-up of a bad rating (差评): verification, rectification, reply; or an appeal.
CREATE TABLE rating_followups (
    id INTEGER PRIMARY KEY,
    rating_id BIGINT NOT NULL REFERENCES ratings(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    department_id BIGINT NOT NULL,
    -- open, verified, rectified, closed (replied), appealed, excluded.
    status TEXT NOT NULL,
    due_date TEXT NOT NULL,
    verification TEXT NOT NULL DEFAULT '',
    verified_at TEXT,
    rectification TEXT NOT NULL DEFAULT '',
    rectified_at TEXT,
    reply TEXT NOT NULL DEFAULT '',
    replied_at TEXT,
    appeal_reason TEXT NOT NULL DEFAULT '',
    appeal_from TEXT NOT NULL DEFAULT '',
    appealed_at TEXT,
    appeal_note TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    revision BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_rating_followups_rating ON rating_followups(rating_id);
CREATE INDEX ix_rating_followups_department ON rating_followups(department_id, status);

-- Process data is append-only.
CREATE TRIGGER tr_case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case events are append-only');
END;

CREATE TRIGGER tr_case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case events are append-only');
END;
