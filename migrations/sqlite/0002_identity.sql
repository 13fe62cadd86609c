-- Identity: natural persons (自然人), legal persons (法人) and their agents (经办人), sign-in
-- failure tracking for lockout, API tokens of department systems.
-- Twin of migrations/postgres/0002_identity.sql: same tables, columns and indexes.
-- ID and phone numbers are stored only SM4-encrypted (`*_enc`, see crates/vault) and found by a
-- keyed blind index (`*_idx`); never in clear.

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_number_idx TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_idx TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_sign_in_at TEXT
);
CREATE UNIQUE INDEX ux_people_id_number ON people(id_number_idx);
CREATE UNIQUE INDEX ux_people_phone ON people(phone_idx);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    admin_person_id BIGINT NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_organisations_uscc ON organisations(uscc);
CREATE INDEX ix_organisations_admin ON organisations(admin_person_id);

CREATE TABLE org_agents (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    scopes TEXT NOT NULL,
    granted_by BIGINT NOT NULL REFERENCES people(id),
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by BIGINT REFERENCES people(id)
);
CREATE INDEX ix_org_agents_org ON org_agents(org_id);
CREATE INDEX ix_org_agents_person ON org_agents(person_id);

-- The legal person a session acts for (NULL: the person acts for themself).
ALTER TABLE sessions ADD COLUMN acting_for_org BIGINT;

-- Failed sign-ins per login key (a keyed hash of the login, so it reveals nothing and works the
-- same for accounts that do not exist).
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY,
    login_key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_sign_in_failures_key ON sign_in_failures(login_key, at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    token_hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE UNIQUE INDEX ux_api_tokens_hash ON api_tokens(token_hash);
CREATE INDEX ix_api_tokens_department ON api_tokens(department_id);
