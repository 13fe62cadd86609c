-- Single sign-on for department systems: Yiwang as an OpenID Connect provider.
-- Twin of migrations/postgres/0003_oidc.sql: same tables, columns and indexes.
-- Timestamps are RFC 3339 UTC text with 6 fractional digits (written by the application).
-- (Numbered 0003: 0002 is taken by a migration developed at the same time; sqlx applies the
-- files in version order and does not mind the gap.)

-- A department system registered by a system administrator (接入系统).
CREATE TABLE oidc_clients (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    -- JSON array of the exact redirect addresses (compared byte for byte).
    redirect_uris TEXT NOT NULL,
    -- argon2id hash of the client secret (confidential clients); NULL for a public client.
    secret_hash TEXT,
    public_client BOOLEAN NOT NULL,
    -- Space-separated scopes the system may ask for (always includes `openid`).
    scopes TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deactivated_by TEXT,
    deactivated_at TEXT
);
CREATE INDEX ix_oidc_clients_department ON oidc_clients(department_id);

-- Authorization codes: only their SM3 hash is kept; valid 60 s and for one exchange.
CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oidc_clients(client_id),
    account_id BIGINT NOT NULL REFERENCES staff_accounts(id),
    redirect_uri TEXT NOT NULL,
    -- PKCE: BASE64URL(SHA-256(code_verifier)); only S256 is accepted.
    code_challenge TEXT NOT NULL,
    nonce TEXT,
    scope TEXT NOT NULL,
    auth_time TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX ix_oidc_codes_expires ON oidc_codes(expires_at);

-- Opaque access tokens (for userinfo), kept as SM3 hashes; revoked when their code is replayed.
CREATE TABLE oidc_access_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oidc_clients(client_id),
    account_id BIGINT NOT NULL REFERENCES staff_accounts(id),
    code_hash TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX ix_oidc_access_tokens_code ON oidc_access_tokens(code_hash);
CREATE INDEX ix_oidc_access_tokens_expires ON oidc_access_tokens(expires_at);

-- Token signing keys (ES256, P-256). Retired keys stay published in the JWKS.
-- TODO: private_key is PKCS#8 PEM in clear; encrypt it with the node key ring of the vault
-- crate once that is merged.
CREATE TABLE oidc_signing_keys (
    kid TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    active BOOLEAN NOT NULL
);
-- At most one active key per algorithm (two nodes generating the first key at once: one wins).
CREATE UNIQUE INDEX ux_oidc_signing_keys_active ON oidc_signing_keys(algorithm) WHERE active;
