-- Several instances on one database: when each signing key starts to sign, and failure counts that
-- every instance shares (sign-in throttling, client-authentication limits).

-- A key is published as soon as it is stored and signs from this moment on, so that every resource
-- server has had the chance to fetch it from the JWKS before it meets a token it signed. Keys made
-- before this column existed signed from their creation.
ALTER TABLE signing_keys ADD COLUMN activates_at TEXT NOT NULL DEFAULT '';
UPDATE signing_keys SET activates_at = created_at;

CREATE TABLE attempt_counts (
    -- SHA-256 (hex) of what is counted, e.g. a typed email or a client ID with its purpose: bounded in
    -- size, and no typed email is kept.
    key          TEXT   PRIMARY KEY,
    -- Attempts since window_start (Unix seconds); a count older than its window starts again from one.
    count        BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    -- Unix seconds until which the key is refused; 0 when it is not locked.
    locked_until BIGINT NOT NULL DEFAULT 0
);

-- Rate limits on client authentication, in the manner of GCRA (as the in-process limiter, `governor`):
-- per key, the theoretical arrival time in Unix milliseconds; an attempt is allowed while it is at most
-- the burst ahead of now. Every instance spends from the same rows.
CREATE TABLE rate_limits (
    key     TEXT   PRIMARY KEY,
    tat_ms  BIGINT NOT NULL,
    -- Whether the last attempt was allowed (1) or refused (0), for the statement that spends.
    allowed BIGINT NOT NULL
);
