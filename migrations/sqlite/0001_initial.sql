-- The first schema: people, the apps they register, the apps' scopes and secrets, and an audit trail.
-- Kept to portable SQL (TEXT / INTEGER, no SQLite-only types) so a PostgreSQL backend can share it.
-- Timestamps are RFC 3339 strings in UTC so they sort and compare as text on every backend.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Stored lower-cased: one person, one row, whatever case they type at sign-in.
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    -- argon2id PHC string; never the password itself.
    password_hash TEXT    NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at    TEXT    NOT NULL
);

-- AUTOINCREMENT: ids of deleted apps and secrets are never reused, so a token naming a deleted secret can
-- never come back to life through a new row with the same id.
CREATE TABLE apps (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- {ACCOUNT_CODE}-SP-{CLIENT_CODE}; what programs send as client_id.
    client_id    TEXT    NOT NULL UNIQUE,
    account_code TEXT    NOT NULL,
    client_code  TEXT    NOT NULL,
    client_name  TEXT    NOT NULL,
    -- Lower-cased "client name + client ID", written by the application (Unicode-aware, which SQL's
    -- lower() is not), so the list's search is one LIKE on one column.
    search_text  TEXT    NOT NULL DEFAULT '',
    pii_mode     TEXT    NOT NULL CHECK (pii_mode IN ('Retrieve', 'DontRetrieve')),
    created_at   TEXT    NOT NULL,
    -- Kept when the user is gone: who created an app is history, not a live link.
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The client code is unique per account; this constraint is what makes concurrent creations safe.
    UNIQUE (account_code, client_code)
);

CREATE TABLE app_scopes (
    app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    scope  TEXT    NOT NULL,
    PRIMARY KEY (app_id, scope)
);

CREATE TABLE app_secrets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    description TEXT    NOT NULL,
    -- The first characters of the secret are its public identifier (like a key id): the token endpoint
    -- finds the one row to verify by it, instead of running argon2 against every secret of the app.
    lookup_id   TEXT    NOT NULL,
    -- argon2id PHC string of the whole secret; the secret itself is shown once and never stored.
    secret_hash TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    last_used_at TEXT
);
CREATE UNIQUE INDEX app_secrets_by_lookup ON app_secrets (app_id, lookup_id);

-- Append-only history. Holds names and emails as text (not foreign keys) so it outlives what it describes.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    INTEGER,
    actor_email TEXT,
    source_addr TEXT,
    action      TEXT    NOT NULL,
    client_id   TEXT,
    -- JSON object with the change; never secret material.
    details     TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_client ON audit_log (client_id, id);
