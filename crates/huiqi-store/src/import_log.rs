//! The log of every import attempt (migration `0830_import_log`): committed, unchanged and refused
//! ones, from the web (the account's username) or the command line (命令行). A line is written in
//! its own transaction after the import has committed or rolled back, so a refused import is
//! logged without a single row of it written.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Store, StoreError, dispatch};

/// How an import attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOutcome {
    Committed,
    /// Every row equal to what the registry holds: nothing written.
    Unchanged,
    /// Bad rows: nothing written.
    Refused,
}

impl LogOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LogOutcome::Committed => "committed",
            LogOutcome::Unchanged => "unchanged",
            LogOutcome::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<LogOutcome> {
        [
            LogOutcome::Committed,
            LogOutcome::Unchanged,
            LogOutcome::Refused,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One import attempt to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogLine<'a> {
    /// The account's username, or 命令行.
    pub actor: &'a str,
    /// The source or list id (`facts`, `market`, …, `certifications`, `trainings`).
    pub source: &'a str,
    pub year: Option<i32>,
    pub file_name: &'a str,
    pub outcome: LogOutcome,
    /// The `imports` / `list_imports` row of a committed import.
    pub import_id: Option<i64>,
    pub rows_read: i64,
    pub rows_new: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    /// The errors found (every one counted, not only those listed).
    pub rows_refused: i64,
}

/// A logged import attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Empty for the imports made before the log existed.
    pub actor: String,
    pub source: String,
    pub year: Option<i32>,
    pub file_name: String,
    /// `committed`, `unchanged` or `refused` ([`LogOutcome::parse`]).
    pub outcome: String,
    pub import_id: Option<i64>,
    pub rows_read: i64,
    pub rows_new: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub rows_refused: i64,
}

impl Store {
    /// Logs an import attempt (its own transaction); returns the line's id.
    pub async fn log_import(&self, l: &NewLogLine<'_>) -> Result<i64, StoreError> {
        let now = Utc::now();
        dispatch!(self, pool => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO import_log (at, actor, source, year, file_name, outcome, import_id, \
                 rows_read, rows_new, rows_updated, rows_unchanged, rows_refused) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(now)
            .bind(l.actor)
            .bind(l.source)
            .bind(l.year)
            .bind(l.file_name)
            .bind(l.outcome.as_str())
            .bind(l.import_id)
            .bind(l.rows_read)
            .bind(l.rows_new)
            .bind(l.rows_updated)
            .bind(l.rows_unchanged)
            .bind(l.rows_refused)
            .fetch_one(pool)
            .await?;
            Ok(id)
        })
    }

    /// A page of the log, newest first, and how many lines there are in all.
    pub async fn import_log(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<LogLine>, i64), StoreError> {
        dispatch!(self, pool => {
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_log")
                .fetch_one(pool)
                .await?;
            let rows = sqlx::query(
                "SELECT id, at, actor, source, year, file_name, outcome, import_id, rows_read, \
                 rows_new, rows_updated, rows_unchanged, rows_refused FROM import_log \
                 ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let lines = rows
                .iter()
                .map(|r| {
                    Ok(LogLine {
                        id: r.try_get(0)?,
                        at: r.try_get(1)?,
                        actor: r.try_get(2)?,
                        source: r.try_get(3)?,
                        year: r.try_get(4)?,
                        file_name: r.try_get(5)?,
                        outcome: r.try_get(6)?,
                        import_id: r.try_get(7)?,
                        rows_read: r.try_get(8)?,
                        rows_new: r.try_get(9)?,
                        rows_updated: r.try_get(10)?,
                        rows_unchanged: r.try_get(11)?,
                        rows_refused: r.try_get(12)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok((lines, total))
        })
    }
}
