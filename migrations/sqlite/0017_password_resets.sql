-- Twin of the other backend's 0017_password_resets.sql.
-- Account recovery (找回账号): one-time password-reset codes the identity officer issues after
-- checking identity (a citizen at a window, or a member of staff; never an administrator of
-- 三员分立). Only the SM3 hash of a code is kept; a code expires and is used once.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    account_kind TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    code_hash TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX ix_password_resets_account ON password_resets(account_kind, account_id);
