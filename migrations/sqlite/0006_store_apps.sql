-- Store apps: authorization-code clients, registered beside custom (client-credentials) apps in the same
-- table, so a client code stays unique across both kinds (UNIQUE (account_code, client_code)) and
-- secrets, scopes, audit and deletion work the same for both.

-- 'custom' apps get tokens with the client-credentials grant, 'store' apps with the authorization code.
ALTER TABLE apps ADD COLUMN kind TEXT NOT NULL DEFAULT 'custom' CHECK (kind IN ('custom', 'store'));
-- Shown on the consent screen; https only (checked by the application). NULL: no logo.
ALTER TABLE apps ADD COLUMN logo_url TEXT;
-- The authorization request must carry a PKCE code challenge.
ALTER TABLE apps ADD COLUMN require_pkce INTEGER NOT NULL DEFAULT 0 CHECK (require_pkce IN (0, 1));

-- Where a store app may send people back: after sign-in ('login', the OAuth redirect_uri) and after
-- sign-out ('logout'). Stored as typed (trimmed) and compared as exact strings, as OAuth 2.0 wants;
-- `position` keeps the order the developer wrote them in.
CREATE TABLE app_redirect_uris (
    app_id   INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    purpose  TEXT    NOT NULL CHECK (purpose IN ('login', 'logout')),
    uri      TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (app_id, purpose, uri)
);

-- The two lists (Connected apps: custom, My store apps: store) each read one kind: the list indexes of
-- 0003 gain the kind right after the account, so a page is still read from the index alone.
DROP INDEX apps_by_account_created;
DROP INDEX apps_by_account_name;
CREATE INDEX apps_by_account_created ON apps (account_code, kind, created_at, id, search_text);
CREATE INDEX apps_by_account_name ON apps (account_code, kind, client_name, id, search_text);
