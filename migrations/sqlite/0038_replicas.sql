-- Twin of the other backend's 0038_replicas.sql.
-- Several `yiwang serve` processes (replicas) on one database (docs/replicas.md):
-- * `nodes`: each process registers itself and renews `last_seen` with a heartbeat; the live
--   ones (seen within 30 s) share the per-grant rate limits of the data API.
-- * `job_leases`: a periodic background job (deadline sweep, licence expiry notices, KPI
--   refresh, supervision scan, appeal redating) runs on the one node holding its lease; a lease
--   that lapses (its holder stopped renewing it) is taken by another node
--   (crates/store/src/cluster.rs holds the rule).
CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY,
    listen TEXT NOT NULL,
    version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX ix_nodes_last_seen ON nodes(last_seen);

CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    taken_at TEXT NOT NULL
);
