-- Twin of the other backend's 0021_exchange_sharing.sql.
-- Sharing requests (共享申请, 国发〔2016〕51号): a consumer department asks for fields of a
-- published resource for a purpose and a period. 不予共享 resources are refused at once with
-- their legal basis, 无条件共享 ones granted at once, 有条件共享 ones decided by the provider
-- within 10 working days (due_date, counted with the official calendar at submission).
-- States: submitted → granted | refused | withdrawn; a granted request's grant
-- (exchange_grants.request_id) is then revoked or expires by date.
CREATE TABLE exchange_requests (
    id INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES exchange_resources(id),
    resource_version BIGINT NOT NULL,     -- the published version the consumer saw
    provider_department_id BIGINT NOT NULL,
    consumer_department_id BIGINT NOT NULL,
    share_type TEXT NOT NULL,             -- the resource's sharing type when submitted
    fields TEXT NOT NULL,                 -- JSON array of item field names asked for
    purpose TEXT NOT NULL,                -- 用途
    scenario TEXT NOT NULL,               -- 应用场景
    legal_basis TEXT NOT NULL,
    service_items TEXT NOT NULL,          -- JSON array of 实施编码 the data serves
    period_from TEXT NOT NULL,            -- dates (China), inclusive
    period_to TEXT NOT NULL,
    state TEXT NOT NULL,                  -- submitted, granted, refused, withdrawn
    submitted_at TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    due_date TEXT NOT NULL,               -- the provider's reply is due by this date
    decided_at TEXT,
    decided_by TEXT,
    decision_days BIGINT,                 -- working days from submission to the decision
    reason TEXT NOT NULL DEFAULT '',      -- refusal reason (or the basis of a negative-list refusal), withdrawal note
    grant_id BIGINT,
    revision BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX ix_exchange_requests_provider ON exchange_requests(provider_department_id, state);
CREATE INDEX ix_exchange_requests_consumer ON exchange_requests(consumer_department_id, resource_id);
CREATE INDEX ix_exchange_requests_state ON exchange_requests(state, due_date);
