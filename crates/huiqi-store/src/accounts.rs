//! Accounts of the web platform (migrations `0200_accounts`, `0220_account_security`): users with
//! role and scope, failed-login counting and throttling (the delay itself is huiqi-app's policy),
//! disabling, sessions stored by the SHA-256 of their token, and the audit lines of every change to
//! an account. A change and its audit line are written in one transaction, and a change that ends
//! the account's sessions deletes them in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Store, StoreError, dispatch};

/// A user as stored (the password hash never leaves the auth module's checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub scope: String,
    pub display_name: String,
    pub failed_logins: i32,
    /// Throttled: no login is accepted before this time.
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    /// The last failed login (the counter is forgotten some time after it).
    pub last_failed_at: Option<DateTime<Utc>>,
}

/// A change the working group (or the command line) makes to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange<'a> {
    /// Refuses every login and ends the account's sessions.
    Disable,
    Enable,
    /// Forgets the failed logins and the delay.
    Unlock,
    /// A new password hash: the failed logins are forgotten and the account's sessions end.
    SetPassword(&'a str),
}

/// One audit line: who changed which account how, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub username: String,
    /// The action's id (`create`, `update`, `reset_password`, `disable`, `enable`, `unlock`).
    pub action: String,
    pub detail: String,
}

/// An account as listed (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub username: String,
    pub role: String,
    pub scope: String,
    pub display_name: String,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    /// Live sessions.
    pub sessions: i64,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

const USER_COLUMNS: &str = "u.id, u.username, u.password_hash, u.role, u.scope, u.display_name, u.failed_logins, u.locked_until, u.disabled, u.last_failed_at";

fn user_from<R: Row>(r: &R) -> Result<User, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database>,
    DateTime<Utc>: sqlx::Type<R::Database>,
{
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        password_hash: r.try_get(2)?,
        role: r.try_get(3)?,
        scope: r.try_get(4)?,
        display_name: r.try_get(5)?,
        failed_logins: r.try_get(6)?,
        locked_until: r.try_get(7)?,
        disabled: r.try_get(8)?,
        last_failed_at: r.try_get(9)?,
    })
}

impl Store {
    /// Creates a user, or replaces the password, role, scope and name of an existing one (then
    /// its failed logins are forgotten and its sessions end), with an audit line (actor, detail),
    /// in one transaction. Returns whether the account existed before.
    pub async fn upsert_user(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        scope: &str,
        display_name: &str,
        (actor, detail): (&str, &str),
    ) -> Result<bool, StoreError> {
        let now = Utc::now();
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO users (username, password_hash, role, scope, display_name, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO UPDATE SET \
                 password_hash = excluded.password_hash, role = excluded.role, scope = excluded.scope, \
                 display_name = excluded.display_name, failed_logins = 0, locked_until = NULL, \
                 last_failed_at = NULL",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role)
            .bind(scope)
            .bind(display_name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if let Some(id) = existing {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO account_audit (at, actor, username, action, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(now)
                .bind(actor)
                .bind(username)
                .bind(if existing.is_some() { "update" } else { "create" })
                .bind(detail)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(existing.is_some())
        })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1");
        dispatch!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(username).fetch_optional(pool).await?;
            Ok(row.map(|r| user_from(&r)).transpose()?)
        })
    }

    /// Records a failed login of `username` at `now` and returns the account's count of failures
    /// and when it may next try (`None` when there is no such account; the statements run all
    /// the same, so an unknown name costs what a known one does). While the account is
    /// throttled (`locked_until` after `now`) nothing changes: attempts refused unchecked do not
    /// lengthen the delay. Otherwise the counter restarts at 1 when the last failure is before
    /// `forget_before`, else it grows by one, and the account is throttled until `now` plus
    /// `delay(count)` (not at all when that is `None`).
    pub async fn record_failed_login(
        &self,
        username: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
        delay: impl Fn(i32) -> Option<chrono::Duration>,
    ) -> Result<Option<(i32, Option<DateTime<Utc>>)>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<(i32, bool)> = sqlx::query_as(
                "UPDATE users SET \
                 failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until > $2 THEN failed_logins \
                   WHEN last_failed_at IS NULL OR last_failed_at < $3 THEN 1 ELSE failed_logins + 1 END, \
                 last_failed_at = CASE WHEN locked_until IS NOT NULL AND locked_until > $2 THEN last_failed_at ELSE $2 END \
                 WHERE username = $1 \
                 RETURNING failed_logins, (locked_until IS NOT NULL AND locked_until > $2)",
            )
            .bind(username)
            .bind(now)
            .bind(forget_before)
            .fetch_optional(&mut *tx)
            .await?;
            let out = match row {
                None => None,
                Some((count, true)) => {
                    let until: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT locked_until FROM users WHERE username = $1")
                        .bind(username)
                        .fetch_one(&mut *tx)
                        .await?;
                    Some((count, until))
                }
                Some((count, false)) => {
                    let until = delay(count).map(|d| now + d);
                    sqlx::query("UPDATE users SET locked_until = $2 WHERE username = $1")
                        .bind(username)
                        .bind(until)
                        .execute(&mut *tx)
                        .await?;
                    Some((count, until))
                }
            };
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Forgets the failed logins of an account (after a successful login).
    pub async fn reset_failed_logins(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_failed_at = NULL WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Applies a change to an account with its audit line (`action`, `detail`, by `actor`) in one
    /// transaction; disabling and a new password end the account's sessions in it too. `false`
    /// (and nothing written) when there is no such account.
    pub async fn change_account(
        &self,
        username: &str,
        change: AccountChange<'_>,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let now = Utc::now();
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let Some(id): Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(false);
            };
            let end_sessions = match change {
                AccountChange::Disable => {
                    sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1").bind(id).bind(true).execute(&mut *tx).await?;
                    true
                }
                AccountChange::Enable => {
                    sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1").bind(id).bind(false).execute(&mut *tx).await?;
                    false
                }
                AccountChange::Unlock => {
                    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_failed_at = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    false
                }
                AccountChange::SetPassword(hash) => {
                    sqlx::query(
                        "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, \
                         last_failed_at = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                    true
                }
            };
            if end_sessions {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO account_audit (at, actor, username, action, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(now)
                .bind(actor)
                .bind(username)
                .bind(action)
                .bind(detail)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The audit lines, newest first: `limit` of them from `offset`, and how many there are.
    pub async fn account_audit(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AuditLine>, i64), StoreError> {
        dispatch!(self, pool => {
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_audit").fetch_one(pool).await?;
            let rows = sqlx::query(
                "SELECT at, actor, username, action, detail FROM account_audit ORDER BY id DESC LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let lines = rows
                .iter()
                .map(|r| {
                    Ok(AuditLine {
                        at: r.try_get(0)?,
                        actor: r.try_get(1)?,
                        username: r.try_get(2)?,
                        action: r.try_get(3)?,
                        detail: r.try_get(4)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok((lines, total))
        })
    }

    /// Creates a session; sessions that have expired are deleted on the way (they are refused
    /// anyway, this keeps the table from growing with every login).
    pub async fn create_session(
        &self,
        token_sha256: &str,
        user_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(Utc::now()).execute(pool).await?;
            sqlx::query("INSERT INTO sessions (token_sha256, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_sha256)
                .bind(user_id)
                .bind(csrf)
                .bind(expires_at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The session of a token hash, if it exists and has not expired.
    pub async fn session(&self, token_sha256: &str) -> Result<Option<Session>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND NOT u.disabled"
        );
        dispatch!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(token_sha256).bind(Utc::now()).fetch_optional(pool).await?;
            Ok(row
                .map(|r| -> Result<Session, sqlx::Error> { Ok(Session { user: user_from(&r)?, csrf_token: r.try_get(10)? }) })
                .transpose()?)
        })
    }

    /// How many sessions are stored (expired or not).
    pub async fn session_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(pool).await?)
        })
    }

    pub async fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1").bind(token_sha256).execute(pool).await?;
            Ok(())
        })
    }
}

impl Store {
    /// Every account (without password hashes), by username, with its count of live sessions.
    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        let now = Utc::now();
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT u.username, u.role, u.scope, u.display_name, u.disabled, u.failed_logins, u.locked_until, \
                 (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1) \
                 FROM users u ORDER BY u.username",
            )
            .bind(now)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(UserRow {
                        username: r.try_get(0)?,
                        role: r.try_get(1)?,
                        scope: r.try_get(2)?,
                        display_name: r.try_get(3)?,
                        disabled: r.try_get(4)?,
                        failed_logins: r.try_get(5)?,
                        locked_until: r.try_get(6)?,
                        sessions: r.try_get(7)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }
}
