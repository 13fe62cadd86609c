-- Identity hardening (issue 11).
-- Twin of migrations/postgres/0013_identity_hardening.sql. Timestamps RFC 3339 text.

-- An enterprise account is bound to a verified person: the registrant was found to be the
-- legal representative on record (`register`), or a window clerk saw the business licence
-- (`window`). Until then (verified_at NULL) the account acts for nothing: no licence, no case.
-- Every binding made before this migration is demoted to unverified.
ALTER TABLE organisations ADD COLUMN verified_at TEXT;
ALTER TABLE organisations ADD COLUMN verified_via TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN verified_by TEXT NOT NULL DEFAULT '';

-- Changes to administrator accounts (三员分立) wait for another administrator's confirmation
-- (two-person rule): `roles` (payload: the new comma-separated roles) or `active`
-- (payload: 'true' / 'false').
CREATE TABLE admin_changes (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES staff_accounts(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES staff_accounts(id),
    requested_role TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES staff_accounts(id),
    decided_at TEXT
);
CREATE UNIQUE INDEX ux_admin_changes_pending ON admin_changes(account_id) WHERE status = 'pending';
CREATE INDEX ix_admin_changes_status ON admin_changes(status, id);
