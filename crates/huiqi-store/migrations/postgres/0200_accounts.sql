-- Accounts of the web platform (issue 6). Passwords are argon2id PHC strings; a session is a random
-- token in the user's cookie and only its SHA-256 here, so a copy of the database opens no session.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'unit', 'county', 'enterprise')),
    -- unit id, jurisdiction id or uscc; empty for admin
    scope         TEXT    NOT NULL DEFAULT '',
    display_name  TEXT    NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_sha256 TEXT    PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    csrf_token   TEXT    NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
