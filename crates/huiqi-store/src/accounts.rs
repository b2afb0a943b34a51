//! Accounts of the web platform (migration `0200_accounts`): users with role and scope,
//! failed-login counting and lockout, and sessions stored by the SHA-256 of their token.

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
    pub locked_until: Option<DateTime<Utc>>,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

const USER_COLUMNS: &str = "u.id, u.username, u.password_hash, u.role, u.scope, u.display_name, u.failed_logins, u.locked_until";

fn user_from<R: Row>(r: &R) -> Result<User, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
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
    })
}

impl Store {
    /// Creates a user, or replaces the password, role and scope of an existing one.
    pub async fn upsert_user(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        scope: &str,
        display_name: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query(
                "INSERT INTO users (username, password_hash, role, scope, display_name, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO UPDATE SET \
                 password_hash = excluded.password_hash, role = excluded.role, scope = excluded.scope, \
                 display_name = excluded.display_name, failed_logins = 0, locked_until = NULL",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role)
            .bind(scope)
            .bind(display_name)
            .bind(Utc::now())
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1");
        dispatch!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(username).fetch_optional(pool).await?;
            Ok(row.map(|r| user_from(&r)).transpose()?)
        })
    }

    /// Records a failed login; at `limit` failures the account locks until `lock_until`.
    pub async fn record_failed_login(
        &self,
        id: i64,
        limit: i32,
        lock_until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query(
                "UPDATE users SET failed_logins = failed_logins + 1, \
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END WHERE id = $1",
            )
            .bind(id)
            .bind(limit)
            .bind(lock_until)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    pub async fn reset_failed_logins(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1").bind(id).execute(pool).await?;
            Ok(())
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
             WHERE s.token_sha256 = $1 AND s.expires_at > $2"
        );
        dispatch!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(token_sha256).bind(Utc::now()).fetch_optional(pool).await?;
            Ok(row
                .map(|r| -> Result<Session, sqlx::Error> { Ok(Session { user: user_from(&r)?, csrf_token: r.try_get(8)? }) })
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
    /// Every account (without password hashes), by username: (username, role, scope, display
    /// name, locked).
    pub async fn list_users(
        &self,
    ) -> Result<Vec<(String, String, String, String, bool)>, StoreError> {
        let now = Utc::now();
        dispatch!(self, pool => {
            let rows = sqlx::query("SELECT username, role, scope, display_name, locked_until FROM users ORDER BY username")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let locked: Option<DateTime<Utc>> = r.try_get(4)?;
                    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, locked.is_some_and(|t| t > now)))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }
}
