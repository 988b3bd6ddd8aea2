-- Credential care: expiring secrets and where they were last used; apps that can be suspended, have
-- their tokens revoked all at once, their own access-token lifetime and a list of allowed addresses.
-- Timestamps stay RFC 3339 text in UTC, as everywhere else.

-- NULL: never expires. From this moment on the token endpoint refuses the secret like a wrong one.
ALTER TABLE app_secrets ADD COLUMN expires_at TEXT;
-- The client address of the request that last got a token with this secret (written with last_used_at).
ALTER TABLE app_secrets ADD COLUMN last_used_addr TEXT;

-- NULL: active. Set: the token endpoint refuses the app and its tokens introspect as inactive; its
-- configuration and secrets are kept, and clearing it (Resume) restores everything.
ALTER TABLE apps ADD COLUMN suspended_at TEXT;
-- Revoke all tokens: every access token issued to the app before this moment is inactive.
ALTER TABLE apps ADD COLUMN tokens_not_before TEXT;
-- NULL: the server's FRONTDESK_TOKEN_LIFETIME_SECONDS. Otherwise 60 up to that maximum (checked by the
-- application, since the maximum is configuration).
ALTER TABLE apps ADD COLUMN token_lifetime_seconds INTEGER CHECK (token_lifetime_seconds >= 60);
-- Addresses and CIDR ranges (IPv4 and IPv6) the app may request tokens from, one per line, normalised
-- by the application; '' allows every address.
ALTER TABLE apps ADD COLUMN allowed_addresses TEXT NOT NULL DEFAULT '';

-- The Activity page and its exports filter by date and read newest first.
CREATE INDEX audit_log_by_at ON audit_log (at, id);
