-- Twin of the other backend's 0032_credit.sql.
-- Credit red and black lists (信用红黑名单) for joint reward and punishment (联合奖惩;
-- crates/supervision/src/credit). One row per listing of one subject (an enterprise by its
-- USCC, a person by their ID number): the number is sealed, found by its blind index, shown
-- masked. The supervision domain's credit repo is the only reader and writer of this table.
CREATE TABLE credit_entries (
    id INTEGER PRIMARY KEY,
    list_kind TEXT NOT NULL,              -- red (守信激励) | black (失信惩戒)
    subject_kind TEXT NOT NULL,           -- enterprise | person
    subject_idx TEXT NOT NULL,            -- blind index of the USCC or ID number
    subject_enc TEXT NOT NULL,            -- the USCC or ID number, sealed
    subject_mask TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    basis TEXT NOT NULL,                  -- 认定依据
    measures TEXT NOT NULL,               -- 惩戒或激励措施
    facilitation TEXT NOT NULL DEFAULT '', -- red lists: comma-separated codes (tolerant_acceptance, priority, fewer_checks)
    authority TEXT NOT NULL,              -- 认定部门
    valid_from TEXT NOT NULL,
    valid_to TEXT,                        -- NULL: until revoked
    source TEXT NOT NULL,                 -- import | exchange:<resource code>
    status TEXT NOT NULL,                 -- active | revoked
    revoked_reason TEXT NOT NULL DEFAULT '',
    revoked_by TEXT,
    revoked_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (list_kind, subject_idx, authority, valid_from)
);
CREATE INDEX credit_entries_subject ON credit_entries (subject_idx, status);
CREATE INDEX credit_entries_list ON credit_entries (list_kind, status, id);
