-- Twin of the other backend's 0022_exchange_calls.sql.
-- The data API's call log (数据调用记录): one row per call of a consumer on a resource under a
-- grant (who, what for, which case, which fields, how many rows), and the data subjects each
-- call read (the blind index — HMAC-SM3 of the key ring — of the row's ID number or USCC, never
-- the number itself) so that a citizen or an enterprise can see who used their data (用数记录).
CREATE TABLE exchange_calls (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    consumer_department_id BIGINT NOT NULL,
    provider_department_id BIGINT NOT NULL,
    resource_id BIGINT NOT NULL,
    resource_code TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    grant_id BIGINT NOT NULL,
    actor TEXT NOT NULL,                  -- staff:<username> or client:<token id>
    kind TEXT NOT NULL,                   -- lookup (by key) or query (filters and paging)
    purpose TEXT NOT NULL,
    case_number TEXT NOT NULL,
    fields TEXT NOT NULL,                 -- JSON array of the field names answered
    row_count BIGINT NOT NULL
);
CREATE INDEX ix_exchange_calls_provider ON exchange_calls(provider_department_id, id);
CREATE INDEX ix_exchange_calls_consumer ON exchange_calls(consumer_department_id, id);
CREATE INDEX ix_exchange_calls_case ON exchange_calls(case_number);

CREATE TABLE exchange_call_subjects (
    subject_idx TEXT NOT NULL,
    call_id BIGINT NOT NULL,
    PRIMARY KEY (subject_idx, call_id)
) WITHOUT ROWID;
