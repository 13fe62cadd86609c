-- Twin of the other backend's 0015_oidc_sessions.sql.
-- Codes and access tokens of the OpenID Connect provider are bound to the staff session they
-- were signed in with: signing out (or the session's end) stops them at once.
-- Rows written before this migration have no session and stop working (codes live 60 s,
-- access tokens 10 min).
ALTER TABLE oidc_codes ADD COLUMN session_hash TEXT;
ALTER TABLE oidc_access_tokens ADD COLUMN session_hash TEXT;
