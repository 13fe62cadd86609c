-- Annotated copies (加注件, STANDARDS §7.1/§7.3 JZJ*): a holder's copy of a licence for one
-- stated use, valid until a time, sealed by the issuing department's current seal key.
-- Twin of migrations/postgres/0011_licence_copies.sql. Timestamps RFC 3339 text.
-- (0010 is taken by a migration written at the same time; this one depends only on 0008.)
CREATE TABLE licence_copies (
    id INTEGER PRIMARY KEY,
    -- The copy code: random, unguessable (printed on the copy and in its QR code).
    code TEXT NOT NULL,
    licence_id BIGINT NOT NULL REFERENCES licences(id),
    -- 制作事由: the one use the copy is for; recipient: to whom it is given ('' when not said).
    purpose TEXT NOT NULL,
    recipient TEXT NOT NULL DEFAULT '',
    valid_until TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- SM2 over the canonical form of {identifier, licence signature, purpose, recipient,
    -- valid_until, code} by the issuing department's key.
    seal_key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_licence_copies_code ON licence_copies(code);
CREATE INDEX ix_licence_copies_licence ON licence_copies(licence_id);
