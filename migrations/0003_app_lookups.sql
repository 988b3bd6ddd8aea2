-- The Connected apps list sorts by name or creation date within an account and pages through thousands
-- of apps; the audit trail is read per app and per user, newest first.
CREATE INDEX apps_by_account_created ON apps (account_code, created_at, id);
CREATE INDEX apps_by_account_name ON apps (account_code, client_name, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_email, id);
