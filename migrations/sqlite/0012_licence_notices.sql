-- Notices to licence holders (证照变更通知): issued, suspended, reinstated, revoked, renewed,
-- expiring (within 30 days) and expired. Written in the transaction of the change (or by the
-- expiry sweep); the holder sees them in the wallet until they mark them read.
-- Twin of migrations/postgres/0012_licence_notices.sql. Timestamps RFC 3339 text.
CREATE TABLE licence_notices (
    id INTEGER PRIMARY KEY,
    -- The holder's blind index (licences.holder_code_idx): a person or an enterprise.
    holder_code_idx TEXT NOT NULL,
    licence_id BIGINT NOT NULL REFERENCES licences(id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX ix_licence_notices_holder ON licence_notices(holder_code_idx, id);
-- The sweep tells a holder about an expiry once.
CREATE UNIQUE INDEX ux_licence_notices_expiry ON licence_notices(licence_id, kind)
    WHERE kind IN ('expiring', 'expired');
CREATE INDEX ix_licences_valid_to ON licences(valid_to);
