-- Data instead of materials (数据代替材料): a material an applicant did not hand in because a
-- base library holds the fact it would prove is recorded as a case material of source 'data'
-- (no file: sha '', size 0) with the fact's provenance as JSON — the library, the attribute,
-- the source resource's code and name, its data item and the time the value became valid —
-- never the value itself (personal data stays in the sealed form). '' for every other material.
ALTER TABLE case_materials ADD COLUMN provenance TEXT NOT NULL DEFAULT '';
