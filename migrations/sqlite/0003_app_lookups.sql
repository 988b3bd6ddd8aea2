-- The Connected apps list sorts by name or creation date within an account and pages through thousands
-- of apps. search_text rides along in both indexes so a search filters on the index while walking it in
-- order, and reads a table row only for the apps that match.
CREATE INDEX apps_by_account_created ON apps (account_code, created_at, id, search_text);
CREATE INDEX apps_by_account_name ON apps (account_code, client_name, id, search_text);
-- The audit trail is read per app (audit_log_by_client) and per user, newest first.
CREATE INDEX audit_log_by_actor ON audit_log (actor_email, id);
