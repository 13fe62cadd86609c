-- Applications for "one thing" bundles (一件事一次办, crates/cases/src/bundle): the parent case
-- (`bundle_cases`), one row per part (`bundle_parts`: the part's case once started), the one
-- rating of the whole service. Definitions live in the bundles domain's tables (0025); an
-- application keeps the code, version and name it was filed under.
CREATE TABLE bundle_cases (
    id INTEGER PRIMARY KEY,
    -- 一件事申办编号: YJS + bundle code letters (upper-case) + YYYYMMDD + 6-digit sequence.
    bundle_no TEXT NOT NULL,
    bundle_id BIGINT NOT NULL,
    bundle_code TEXT NOT NULL,
    bundle_version BIGINT NOT NULL,
    bundle_name TEXT NOT NULL,
    -- As on cases: 1 自然人, 2 企业; 111 居民身份证, 001 统一社会信用代码.
    applicant_type TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_cert_type TEXT NOT NULL,
    applicant_cert_enc TEXT NOT NULL,
    applicant_cert_idx TEXT NOT NULL,
    applicant_cert_mask TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone_enc TEXT NOT NULL,
    person_id BIGINT REFERENCES people(id),
    org_id BIGINT REFERENCES organisations(id),
    submitted_by TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- The questionnaire's answers (JSON object, no personal data).
    answers TEXT NOT NULL,
    -- Sealed: the merged form and each waiting part's mapped item form.
    form_enc TEXT NOT NULL,
    -- What the application saves the applicant (yiwang_bundles::Savings as JSON).
    savings TEXT NOT NULL,
    -- handling, concluded, withdrawn.
    status TEXT NOT NULL,
    -- granted, partly, refused once concluded.
    outcome TEXT,
    promised_days BIGINT NOT NULL,
    promised_due TEXT,
    submitted_at TEXT NOT NULL,
    concluded_at TEXT,
    idem_key TEXT,
    idem_digest TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_bundle_cases_no ON bundle_cases(bundle_no);
CREATE UNIQUE INDEX ux_bundle_cases_idem_key ON bundle_cases(idem_key);
CREATE INDEX ix_bundle_cases_person ON bundle_cases(person_id);
CREATE INDEX ix_bundle_cases_org ON bundle_cases(org_id);
CREATE INDEX ix_bundle_cases_submitted ON bundle_cases(submitted_at);

CREATE TABLE bundle_parts (
    id INTEGER PRIMARY KEY,
    bundle_case_id BIGINT NOT NULL REFERENCES bundle_cases(id),
    seq BIGINT NOT NULL,
    part_key TEXT NOT NULL,
    item_code TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    -- waiting, started, concluded, withdrawn, cancelled.
    state TEXT NOT NULL,
    case_no TEXT,
    -- The parts it waits for (JSON array of keys).
    after_parts TEXT NOT NULL DEFAULT '[]',
    -- A waiting part's materials, attached when it starts (JSON; files by SM3, licences by
    -- identifier).
    pending TEXT NOT NULL DEFAULT '[]',
    reason_zh TEXT NOT NULL DEFAULT '',
    reason_en TEXT NOT NULL DEFAULT '',
    -- grant or refuse once the part's case concluded.
    decision TEXT,
    -- The licence a granted part issued, and (sealed) its values parts after it take.
    result_identifier TEXT,
    result_type TEXT NOT NULL DEFAULT '',
    result_enc TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT
);
CREATE UNIQUE INDEX ux_bundle_parts_key ON bundle_parts(bundle_case_id, part_key);
CREATE UNIQUE INDEX ux_bundle_parts_case_no ON bundle_parts(case_no);

CREATE TABLE bundle_ratings (
    bundle_case_id BIGINT PRIMARY KEY REFERENCES bundle_cases(id),
    score BIGINT NOT NULL,
    comment TEXT NOT NULL,
    rated_by TEXT NOT NULL,
    rated_at TEXT NOT NULL
);

-- The bundle application a case is a part of.
ALTER TABLE cases ADD COLUMN bundle_no TEXT;
CREATE INDEX ix_cases_bundle_no ON cases(bundle_no);
