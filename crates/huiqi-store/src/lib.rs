//! huiqi's database. One codebase for two databases: an embedded SQLite file by default (a demo or a
//! small city needs nothing else) and PostgreSQL in production, chosen by the URL in
//! `HUIQI_DATABASE_URL`.
//!
//! Architecture invariant: the only crate that knows SQL. Queries are checked at run time (no
//! `query!` macros, so the build never needs a database); every module's tests run on both databases
//! (see `testing`, behind the `testing` feature that only tests turn on). Money is integer fen in the database and `Decimal` 元 outside it.
//!
//! Adding a table: a module here, the same migration in `migrations/sqlite/` and
//! `migrations/postgres/` (numbering: `0001_`–`0099_` registry, `0100_` progress, `0200_` web
//! accounts), and tests through `testing::each_db`. See ARCHITECTURE.md.
// No unsafe code but the bulk paths' calls into SQLite's C API (`sqlite_raw`, its invariants
// written at its top).
#![deny(unsafe_code)]

pub mod accounts;
pub mod arrears;
pub mod assess;
mod copy;
pub mod cultivate;
pub mod dossier;
pub mod files;
pub mod funds;
pub mod import_log;
pub mod lists;
pub mod matching;
pub mod progress;
pub mod registry;
pub mod search;
pub mod service;
pub mod snapshot;
#[allow(unsafe_code)]
mod sqlite_raw;
#[cfg(feature = "testing")]
pub mod testing;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The environment variable that names the database.
pub const DATABASE_URL_VAR: &str = "HUIQI_DATABASE_URL";
/// The database used when `HUIQI_DATABASE_URL` is not set: a SQLite file under the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/huiqi.sqlite";
/// The environment variable that names the read replicas (streaming replicas of the PostgreSQL
/// primary), comma-separated; the web's page and API reads go to them (see [`Store::connect_replica`]).
pub const DATABASE_REPLICA_URL_VAR: &str = "HUIQI_DATABASE_REPLICA_URL";

/// Runs `$body` with `$pool` bound to the concrete pool of either database. The body is compiled
/// once per driver, so one text of runtime-checked SQL serves both (write it in the common subset:
/// `$1` placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`).
macro_rules! dispatch {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite($pool) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}
#[allow(unused_imports)] // used by the table modules
pub(crate) use dispatch;

/// Errors of the database layer. Messages are Chinese; the URL's password never appears.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库地址无效：{0}（HUIQI_DATABASE_URL 应以 sqlite: 或 postgres: 开头）")]
    BadUrl(String),
    #[error("无法创建数据库目录 {path}：{source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("数据库错误：{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A request the store cannot answer as asked (the message says why, in Chinese).
    #[error("{0}")]
    Invalid(String),
    /// Refused by the rules of 督办与考核 (huiqi-assess); nothing was written.
    #[error(transparent)]
    Refused(#[from] huiqi_assess::Error),
}

impl From<huiqi_assess::funds::FundsError> for StoreError {
    fn from(e: huiqi_assess::funds::FundsError) -> Self {
        StoreError::Refused(e.into())
    }
}

impl From<huiqi_assess::orders::OrderError> for StoreError {
    fn from(e: huiqi_assess::orders::OrderError) -> Self {
        StoreError::Refused(e.into())
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to the registry database.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How long a SQLite connection waits for another writer: `HUIQI_BUSY_TIMEOUT_SECS`, or 300 s.
fn busy_timeout() -> Duration {
    std::env::var("HUIQI_BUSY_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(300))
}

/// `HUIQI_DATABASE_URL`, or the default SQLite file.
pub fn database_url_from_env() -> String {
    std::env::var(DATABASE_URL_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// The replica URLs of `HUIQI_DATABASE_REPLICA_URL` (comma-separated; empty entries ignored).
pub fn replica_urls_from_env() -> Vec<String> {
    replica_urls(&std::env::var(DATABASE_REPLICA_URL_VAR).unwrap_or_default())
}

/// The URLs of a comma-separated list, trimmed, empty entries left out.
pub fn replica_urls(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The URL with its password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens a pool for `url` (`sqlite:PATH`, `sqlite::memory:`, `postgres://…` or `postgresql://…`).
    /// A SQLite file and its folder are created if missing; SQLite runs in WAL mode with
    /// `synchronous=NORMAL` (atomic and consistent after a crash; the last commits may be lost on
    /// power failure) and foreign keys on.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(redact_url(url)))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Another command or the server may hold the write lock (an import of a million
                // rows holds it for about a minute): wait for it rather than fail.
                .busy_timeout(busy_timeout())
                // Up to 256 MiB of page cache per connection (allocated only as pages are used):
                // a 1M-row import's working set stays in memory instead of spilling.
                .pragma("cache_size", "-262144")
                // Temporary b-trees and statement journals in memory, not in temp files.
                .pragma("temp_store", "memory");
            let file = opts.get_filename();
            if file != Path::new(":memory:")
                && let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(redact_url(url)))?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(redact_url(url)))
        }
    }

    /// Opens a read-only pool on a replica of the database (a PostgreSQL streaming replica in
    /// production): every transaction is read-only (PostgreSQL `default_transaction_read_only`,
    /// SQLite opened read-only), so a write sent there by mistake fails at once instead of
    /// landing in a database the primary does not know. No migration: a replica has the
    /// primary's schema.
    pub async fn connect_replica(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(redact_url(url)))?
                .read_only(true)
                .busy_timeout(busy_timeout())
                .pragma("temp_store", "memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(redact_url(url)))?
                .options([("default_transaction_read_only", "on")]);
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(redact_url(url)))
        }
    }

    /// Connects to `HUIQI_DATABASE_URL` (or the default SQLite file).
    pub async fn connect_from_env() -> Result<Store, StoreError> {
        Store::connect(&database_url_from_env()).await
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every migration not yet applied (the ones embedded in the binary at build time).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            // Two commands opening a new SQLite file at once both start the same migration; the
            // second waits for the write lock (busy timeout) and then finds the table made. Each
            // migration is its own transaction, so a retry sees what the first one applied and has
            // nothing left to do. (PostgreSQL: sqlx takes an advisory lock itself.)
            Store::Sqlite(pool) => {
                let mut attempt = 0;
                loop {
                    match sqlx::migrate!("./migrations/sqlite").run(pool).await {
                        Ok(()) => break,
                        Err(_) if attempt < 5 => {
                            attempt += 1;
                            tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Applies the migrations up to and including version `last` (for tests of a migration's
    /// treatment of data written under the schema before it).
    pub async fn migrate_until(&self, last: i64) -> Result<(), StoreError> {
        fn upto(mut m: sqlx::migrate::Migrator, last: i64) -> sqlx::migrate::Migrator {
            m.migrations = m
                .migrations
                .iter()
                .filter(|x| x.version <= last)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            m
        }
        match self {
            Store::Sqlite(pool) => {
                upto(sqlx::migrate!("./migrations/sqlite"), last)
                    .run(pool)
                    .await?
            }
            Store::Postgres(pool) => {
                upto(sqlx::migrate!("./migrations/postgres"), last)
                    .run(pool)
                    .await?
            }
        }
        Ok(())
    }

    /// The migrations applied so far, as `(version, description)`.
    pub async fn applied_migrations(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = dispatch!(self, pool => {
            sqlx::query_as(
                "SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        dispatch!(self, pool => pool.close().await)
    }
}
