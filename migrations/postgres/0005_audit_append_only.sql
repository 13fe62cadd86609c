-- The audit log is append-only for the application: rows can be inserted, never changed or
-- removed. (Someone with the database's owner rights can drop these triggers; that is what the
-- SM3 hash chain and `yiwang audit verify` are for.) Twin of the SQLite migration.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER tr_audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER tr_audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
