-- The identity server: keys that sign access tokens, and tokens revoked before they expire.

CREATE TABLE signing_keys (
    id           INTEGER PRIMARY KEY,
    -- RFC 7638 thumbprint of the public key; the JWT header's `kid`.
    kid          TEXT    NOT NULL UNIQUE,
    -- PKCS#8 DER of the RSA private key, base64. Whoever reads the database can sign tokens: protect the file.
    private_key  TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    -- Set when a newer key takes over; the key stays published until its last token has expired.
    retired_at   TEXT
);

-- Only tokens revoked early are recorded; rows can go once the token would have expired anyway.
CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
