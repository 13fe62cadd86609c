-- The working-day calendar: years of the official holiday arrangement imported by a system
-- administrator (the years 2004–2026 are embedded in the binary and not stored here).
-- Twin of migrations/sqlite/0006_calendar.sql: same table, columns and index.
-- Dates are DATE; timestamps TIMESTAMPTZ (written by the application).
-- (Numbered 0006: 0004 and 0005 are taken by migrations developed at the same time; sqlx
-- applies the files in version order and does not mind gaps.)

-- One row per date that departs from the Monday–Friday week in an imported year. A year is
-- imported whole: its rows are replaced together, in one transaction.
CREATE TABLE calendar_days (
    date DATE PRIMARY KEY,
    -- The year of `date`, kept as a column so both databases select by it without functions.
    year BIGINT NOT NULL,
    -- 'holiday' (a day off) or 'workday' (a Saturday or Sunday that is a working day, 调休上班).
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    occasion_zh TEXT NOT NULL,
    occasion_en TEXT NOT NULL,
    -- Where the arrangement comes from, e.g. the State Council notice or the file imported.
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_calendar_days_year ON calendar_days(year);
