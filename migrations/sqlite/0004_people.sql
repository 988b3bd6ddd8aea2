-- People and privileges: when each person last signed in, and single-use links (invitations and
-- password resets) stored only as hashes of their tokens.

ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;

CREATE TABLE user_links (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL CHECK (kind IN ('invitation', 'password_reset')),
    -- SHA-256 (hex) of the token in the link; the token itself is shown once to whoever creates the link.
    token_hash   TEXT    NOT NULL UNIQUE,
    -- Invitations: who is invited, as what. Password resets: the user whose password is reset.
    email        TEXT    NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    is_admin     INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    -- Set when the link is used; a used link never works again.
    used_at      TEXT
);
