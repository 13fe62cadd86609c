-- Twin of the other backend's 0031_staff_home_address.sql.
-- A member of staff's declared home address (回避申报), sealed (SM4-GCM, context
-- identity.staff_home_address) with a blind index of the normalised address
-- (yiwang_identity::kin) that electronic supervision compares with applicants' addresses.
ALTER TABLE staff_accounts ADD COLUMN home_address_enc TEXT;
ALTER TABLE staff_accounts ADD COLUMN home_address_idx TEXT;
