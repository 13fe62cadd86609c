-- Serial numbers of licences per issuing department and year (the 流水号 of GB/T 36904),
-- allocated atomically (INSERT … ON CONFLICT … RETURNING), never reused.
-- Twin of the other backend's 0009_licence_sequences.sql.
CREATE TABLE licence_sequences (
    prefix TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);
