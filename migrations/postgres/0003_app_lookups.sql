-- The Connected apps list sorts by name or creation date within an account; search_text rides along in
-- both indexes so a search filters on the index while walking it in order.
CREATE INDEX apps_by_account_created ON apps (account_code, created_at, id, search_text);
CREATE INDEX apps_by_account_name ON apps (account_code, client_name, id, search_text);
-- The audit trail is read per app (audit_log_by_client) and per user, newest first.
CREATE INDEX audit_log_by_actor ON audit_log (actor_email, id);
