-- Store apps acting for people: consents, the grants made from them, authorization codes and refresh
-- tokens. Codes and refresh tokens are stored only as SHA-256 hex digests of what the app holds.

-- A stable, opaque subject (`sub`) for every person: ids of SQLite's users table can be reused after a
-- deletion, and a relying party must never see one person's `sub` given to another.
ALTER TABLE users ADD COLUMN subject TEXT;
UPDATE users SET subject = lower(hex(randomblob(16)));
CREATE TRIGGER users_subject AFTER INSERT ON users WHEN NEW.subject IS NULL
BEGIN
    UPDATE users SET subject = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE UNIQUE INDEX users_by_subject ON users (subject);

-- What a person authorized an app to do for the account: asked once, remembered per person and app; a
-- request for more scopes asks again. Disconnecting the app deletes every consent it has.
CREATE TABLE consents (
    app_id     INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Space-separated, in catalog order.
    scopes     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (app_id, user_id)
);

-- One code exchange and everything issued from it: the access tokens (their `jti` names the grant) and
-- the family of refresh tokens. Revoking the grant (refresh-token reuse, a second use of the code,
-- revocation, Disconnect) ends all of them at once.
CREATE TABLE grants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,
    -- When the person signed in (the id_token's auth_time).
    auth_time  TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    -- The absolute end of the refresh-token family.
    expires_at TEXT    NOT NULL,
    revoked_at TEXT
);
CREATE INDEX grants_by_app ON grants (app_id, revoked_at);

-- Single use, minutes long. `used_at` set by the one exchange that wins; a second exchange finds it set
-- and revokes `grant_id`.
CREATE TABLE authorization_codes (
    code_hash      TEXT    PRIMARY KEY,
    app_id         INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes         TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    -- Whether the authorization request named redirect_uri (then the exchange must name it too).
    redirect_uri_sent INTEGER NOT NULL CHECK (redirect_uri_sent IN (0, 1)),
    nonce          TEXT,
    -- PKCE S256 challenge; NULL when the request sent none.
    code_challenge TEXT,
    auth_time      TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    used_at        TEXT,
    grant_id       INTEGER REFERENCES grants (id) ON DELETE SET NULL
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- One-time refresh tokens: each refresh uses one and issues the next in the same family (grant).
CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,
    grant_id   INTEGER NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    -- Sliding: the earlier of created_at + the sliding lifetime and the grant's absolute end.
    expires_at TEXT    NOT NULL,
    used_at    TEXT
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
