-- Twin of migrations/sqlite/0004_catalog_generation.sql.
-- The generation of the published catalog: one row, bumped in the same transaction as every
-- change to catalog_entries, catalog_tags and catalog_grams (crates/catalog/src/repo.rs,
-- `index` and `unindex`). Each server process keeps an in-memory search index of the published
-- catalog and rebuilds it when this number differs from the one the index was built at.
CREATE TABLE catalog_generation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO catalog_generation (id, generation) VALUES (1, 0);
