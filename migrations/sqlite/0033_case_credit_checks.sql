-- Twin of the other backend's 0033_case_credit_checks.sql.
-- The credit checks of a case's applicant (信用核查, crates/cases/src/service/credit.rs): at
-- pre-check (the clerk opens the case before acceptance) and at acceptance, what the red and
-- black lists held about the applicant then (no entry, red with its facilitations, black with
-- its basis and measures), the clerk's acknowledgement of a black-list hit, and the materials
-- a red-listed applicant may hand in later (容缺受理, supplements due). Owned by the cases domain.
CREATE TABLE case_credit_checks (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    stage TEXT NOT NULL,                  -- precheck | accept
    result TEXT NOT NULL,                 -- none | red | black | unavailable
    entries TEXT NOT NULL DEFAULT '[]',   -- JSON: the entries found (list, basis, measures, facilitation, authority, validity)
    checked_by TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    acknowledged_by TEXT,                 -- the clerk who saw a black-list hit's basis and measures
    acknowledged_at TEXT,
    supplements_due TEXT NOT NULL DEFAULT '[]' -- JSON: materials tolerated at acceptance (容缺受理)
);
CREATE INDEX case_credit_checks_case ON case_credit_checks (case_id, id);
