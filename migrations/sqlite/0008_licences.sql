-- Electronic licences (电子证照): types, seal keys, licences, their events and use grants.
-- Twin of migrations/postgres/0008_licences.sql. Dates 'YYYY-MM-DD' text; timestamps RFC 3339 text.

-- Licence types (证照类型, STANDARDS §7.2): code = the defining body's USCC + 3 characters.
CREATE TABLE licence_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    definer_name TEXT NOT NULL,
    -- 'person' or 'org'.
    holder_type TEXT NOT NULL,
    -- 照面信息: the face fields as a form definition (JSON, catalog form model).
    face_schema TEXT NOT NULL,
    -- Years a licence stays valid (0: no expiry).
    validity_years BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_licence_types_name ON licence_types(name);

-- SM2 seal keys of issuing departments; private keys sealed (SM4) under the node's key ring.
-- Retired keys stay for verification.
CREATE TABLE seal_keys (
    id INTEGER PRIMARY KEY,
    key_id TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    -- 04 || x || y, hex.
    public_key TEXT NOT NULL,
    private_enc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE UNIQUE INDEX ux_seal_keys_key_id ON seal_keys(key_id);
CREATE INDEX ix_seal_keys_department ON seal_keys(department_id);

-- Issued licences. The holder's number is sealed; the face fields (without it) are JSON.
CREATE TABLE licences (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL,
    type_code TEXT NOT NULL REFERENCES licence_types(code),
    number TEXT NOT NULL,
    holder_type TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_code_enc TEXT NOT NULL,
    holder_code_idx TEXT NOT NULL,
    holder_code_mask TEXT NOT NULL,
    issuer_department_id BIGINT NOT NULL REFERENCES departments(id),
    issuer_name TEXT NOT NULL,
    issuer_uscc TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    face TEXT NOT NULL,
    -- valid, suspended or revoked (expiry is computed from valid_to).
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    -- The licence this one renews or replaces.
    previous_identifier TEXT,
    case_no TEXT,
    seal_key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    sealed_at TEXT NOT NULL,
    revision BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_licences_identifier ON licences(identifier);
CREATE INDEX ix_licences_holder ON licences(holder_code_idx);
CREATE INDEX ix_licences_type ON licences(type_code);

-- Licence lifecycle and use (用证记录): append-only.
CREATE TABLE licence_events (
    id INTEGER PRIMARY KEY,
    licence_id BIGINT NOT NULL REFERENCES licences(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    -- issued, suspended, reinstated, revoked, replaced, authorised, viewed, verified.
    action TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    case_no TEXT,
    department_id BIGINT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_licence_events_licence ON licence_events(licence_id);

-- 用证授权: the holder lets one department use one licence for one case, until a time.
CREATE TABLE licence_grants (
    id INTEGER PRIMARY KEY,
    licence_id BIGINT NOT NULL REFERENCES licences(id),
    case_no TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    entry_key TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX ix_licence_grants_case ON licence_grants(case_no);
