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

/// The search row of an enterprise with its size class in the latest matching run.
const ROW_SELECT: &str = "SELECT e.uscc, e.name, e.county, e.industry, e.kind, m.size_class FROM enterprises e \
     LEFT JOIN match_results m ON m.run_id = (SELECT MAX(id) FROM match_runs) AND m.uscc = e.uscc";

fn enterprise_row<R: sqlx::Row>(r: &R) -> Result<EnterpriseRow, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database>,
{
    Ok(EnterpriseRow {
        uscc: r.try_get(0)?,
        name: r.try_get(1)?,
        county: r.try_get(2)?,
        industry: r.try_get(3)?,
        kind: r.try_get(4)?,
        size_class: r
            .try_get::<Option<String>, _>(5)?
            .and_then(|c| SIZE_CLASS_IDS.into_iter().find(|x| *x == c)),
    })
}

/// The size classes a matching run stores.
const SIZE_CLASS_IDS: [&str; 4] = ["large", "medium", "small", "micro"];

/// Filters of the registry search; an empty string means no filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnterpriseFilter<'a> {
    /// Name or USCC fragment, or a whole USCC.
    pub query: &'a str,
    /// Jurisdiction id.
    pub county: &'a str,
    /// Industry code prefix (a GB/T 4754 section letter or code).
    pub industry: &'a str,
    /// `enterprise` or `individual_business`.
    pub kind: &'a str,
    /// `large`, `medium`, `small` or `micro`: the size class of the latest matching run.
    pub size_class: &'a str,
}

/// One row of the registry search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseRow {
    pub uscc: String,
    pub name: String,
    pub county: String,
    pub industry: String,
    pub kind: String,
    /// The size class in the latest matching run (`None`: no run has classified it); a static
    /// string, so that an index of a million rows holds no allocation for it.
    pub size_class: Option<&'static str>,
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

    /// Registry search: an 18-character query is looked up as a USCC, anything else matches a
    /// fragment of the name or USCC; empty filters match everything. The size class is the one
    /// the latest matching run computed (an enterprise no run has classified has none and is
    /// left out by a size filter). Ordered by USCC.
    pub async fn search_enterprises(
        &self,
        f: &EnterpriseFilter<'_>,
        limit: i64,
    ) -> Result<Vec<EnterpriseRow>, StoreError> {
        let q = f.query.trim();
        let exact = q.len() == 18 && q.chars().all(|c| c.is_ascii_alphanumeric());
        let pattern = format!("%{}%", q.replace(['%', '_', '\\'], ""));
        let matching = if exact {
            "e.uscc = $1"
        } else {
            "($1 = '%%' OR e.name LIKE $1 OR e.uscc LIKE $1)"
        };
        let sql = format!(
            "{ROW_SELECT} WHERE {matching} AND ($2 = '' OR e.county = $2) \
             AND ($3 = '' OR e.industry LIKE $3 || '%') AND ($4 = '' OR e.kind = $4) \
             AND ($5 = '' OR m.size_class = $5) ORDER BY e.uscc LIMIT $6"
        );
        let first = if exact {
            q.to_ascii_uppercase()
        } else {
            pattern
        };
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&first)
                .bind(f.county)
                .bind(f.industry)
                .bind(f.kind)
                .bind(f.size_class)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(enterprise_row)
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The county of an enterprise, if it is registered.
    pub async fn county_of(&self, uscc: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT county FROM enterprises WHERE uscc = $1").bind(uscc).fetch_optional(pool).await?)
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

/// Where one column group of an enterprise's facts came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSource {
    /// The column group: `market` (the `enterprises` row), `tax`, `hr`, `stats`, `finance`.
    pub group: String,
    /// The import's source (`facts` when a whole fact sheet was imported).
    pub source: String,
    pub file_name: String,
    pub imported_at: DateTime<Utc>,
}

impl Store {
    /// The import behind each column group of an enterprise (its registration row, and its
    /// facts of `year`); a group no department has reported is absent.
    pub async fn fact_sources(&self, uscc: &str, year: i32) -> Result<Vec<FactSource>, StoreError> {
        let mut sql = String::from(
            "SELECT 'market', i.source, i.file_name, i.imported_at FROM enterprises e \
             JOIN imports i ON i.id = e.import_id WHERE e.uscc = $1",
        );
        for group in ["tax", "hr", "stats", "finance"] {
            sql.push_str(&format!(
                " UNION ALL SELECT '{group}', i.source, i.file_name, i.imported_at FROM enterprise_facts f \
                 JOIN imports i ON i.id = f.{group}_import_id WHERE f.uscc = $1 AND f.year = $2"
            ));
        }
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(uscc).bind(year).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(FactSource { group: r.try_get(0)?, source: r.try_get(1)?, file_name: r.try_get(2)?, imported_at: r.try_get(3)? })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }
}

impl Store {
    /// Every enterprise's search row, by USCC (for an in-memory name index).
    pub async fn all_enterprise_rows(&self) -> Result<Vec<EnterpriseRow>, StoreError> {
        // Streamed row by row, so the driver's rows are never all held at once.
        dispatch!(self, pool => {
            use futures_util::TryStreamExt;
            let mut out = Vec::new();
            let sql = format!("{ROW_SELECT} ORDER BY e.uscc");
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch(pool);
            while let Some(r) = rows.try_next().await? {
                out.push(enterprise_row(&r)?);
            }
            Ok(out)
        })
    }

    /// The latest import and matching run ids (0 when none): a search row changes only through
    /// an import (name, county, …) or a new run (size class).
    pub async fn search_version(&self) -> Result<(i64, i64), StoreError> {
        dispatch!(self, pool => {
            let (i, r): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT MAX(id) FROM imports), (SELECT MAX(id) FROM match_runs)",
            )
            .fetch_one(pool)
            .await?;
            Ok((i.unwrap_or(0), r.unwrap_or(0)))
        })
    }

    /// The latest import id (0 when none): names change only through imports.
    pub async fn latest_import_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM imports").fetch_one(pool).await?;
            Ok(id.unwrap_or(0))
        })
    }
}
