-- Twin of the other backend's 0019_exchange_catalog.sql.
-- The resource catalog's work (编目): who did what to which version (registered, edited, started
-- a new version, submitted, approved, rejected with a note, retired), and the demand list
-- (需求清单): what a department needs that nobody provides yet.
CREATE TABLE exchange_resource_history (
    id INTEGER PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES exchange_resources(id),
    version BIGINT NOT NULL,
    action TEXT NOT NULL,                 -- create, edit, new_version, submit, approve, reject, retire, import
    note TEXT NOT NULL DEFAULT '',        -- the reviewer's note, the retirement's reason
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_exchange_resource_history ON exchange_resource_history(resource_id, id);

CREATE TABLE exchange_demands (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL,        -- the department that needs the data (org domain's id)
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    fields TEXT NOT NULL,                 -- JSON array of the data items wanted
    purpose TEXT NOT NULL,
    basis TEXT NOT NULL,
    status TEXT NOT NULL,                 -- open, claimed, provided, declined
    provider_department_id BIGINT,        -- the department that claimed it
    resource_code TEXT,                   -- the resource that serves it (前段码/后段码)
    reason TEXT NOT NULL DEFAULT '',      -- why it was declined
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX ix_exchange_demands_status ON exchange_demands(status, id);
