-- Twin of the other backend's 0023_exchange_sealed_rows.sql.
-- Collected rows sealed at rest (crates/exchange/src/repo/seal.rs): `row_key` now holds the
-- blind index of the key (HMAC-SM3, 32 hex characters), `data` the SM4-GCM sealed document
-- (clear key and values inside), `digest` a keyed HMAC-SM3 of the values. The columns keep
-- their names and types; only what they hold changes.
--
-- There is no clean upgrade in SQL: sealing needs the node's key ring, which the database
-- never sees. Rows collected under 0018–0022 (in clear) are therefore dropped here, and the
-- resources' mounted state reset; providers load them again (a full load), the demo reloads
-- its rows. A push's pending deletions were kept in clear keys: they are dropped too (the
-- loads that held them are finished or are resumed without them).
DELETE FROM exchange_rows;
UPDATE exchange_resources SET row_count = 0, last_loaded_at = NULL;
UPDATE exchange_loads SET delete_keys = '[]' WHERE delete_keys <> '[]';
