-- The audit log is append-only for the application: rows can be inserted, never changed or
-- removed. (Someone with the database's owner rights can drop these triggers; that is what the
-- SM3 hash chain and `yiwang audit verify` are for.) Twin of the PostgreSQL migration.
CREATE TRIGGER tr_audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER tr_audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
