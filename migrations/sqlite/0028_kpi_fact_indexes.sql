-- Twin of the other backend's 0028_kpi_fact_indexes.sql.
-- Indexes the domains' facts (指标事实, each domain's kpi_facts) read by: one Asia/Shanghai day
-- at a time, a range on the instant that dates each member, grouped by department in SQL
-- (crates/store/src/facts.rs). Submissions (ix_cases_submitted, ix_bundle_cases_submitted)
-- and appeals (ix_appeals_received) already had theirs.
CREATE INDEX ix_cases_concluded ON cases(concluded_at);
CREATE INDEX ix_ratings_rated ON ratings(rated_at);
CREATE INDEX ix_bundle_cases_concluded ON bundle_cases(concluded_at);
-- A bundle application's lead part (the lowest seq) gives its department.
CREATE INDEX ix_bundle_parts_seq ON bundle_parts(bundle_case_id, seq);
CREATE INDEX ix_licence_events_action_at ON licence_events(action, at);
CREATE INDEX ix_exchange_calls_at ON exchange_calls(at);
CREATE INDEX ix_exchange_requests_decided ON exchange_requests(decided_at);
