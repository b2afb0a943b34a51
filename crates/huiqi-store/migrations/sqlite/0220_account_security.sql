-- Account security (issue 12, item 5). Failed logins slow an account down instead of locking it:
-- `failed_logins` counts the failures since `last_failed_at` minus the forgetting window (the
-- counter restarts once the last failure is old enough, and on success), and `locked_until` is now
-- the earliest time of the next attempt (an exponential delay, capped). The working group can
-- disable an account; every change by the working group or the command line is an audit line.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_failed_at TEXT;

CREATE TABLE account_audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT    NOT NULL,
    -- who made the change: an account's username, or 命令行 for `huiqi users …`
    actor    TEXT    NOT NULL,
    username TEXT    NOT NULL,
    action   TEXT    NOT NULL CHECK (action IN ('create', 'update', 'reset_password', 'disable', 'enable', 'unlock')),
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX account_audit_username ON account_audit (username, id);
CREATE INDEX sessions_user ON sessions (user_id);
