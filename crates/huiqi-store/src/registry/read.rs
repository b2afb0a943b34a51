//! The registry read back: counts, imports, history, single values, the size-class inputs and
//! the provenance of an enterprise's facts.

use chrono::{DateTime, Utc};
use huiqi_domain::registry::{Column, Value};
use sqlx::Row;

use super::{CountyKindCount, HistoryEntry, ImportRecord, RegistryCounts, SizeInputs, get_value};
use crate::{Store, StoreError, dispatch};

impl Store {
    /// Row counts of the registry tables.
    pub async fn registry_counts(&self) -> Result<RegistryCounts, StoreError> {
        dispatch!(self, pool => {
            let row = sqlx::query(
                "SELECT (SELECT COUNT(*) FROM imports), (SELECT COUNT(*) FROM enterprises), \
                 (SELECT COUNT(*) FROM enterprise_facts), (SELECT COUNT(*) FROM value_history)",
            )
            .fetch_one(pool)
            .await?;
            Ok(RegistryCounts {
                imports: row.try_get(0)?,
                enterprises: row.try_get(1)?,
                enterprise_facts: row.try_get(2)?,
                value_history: row.try_get(3)?,
            })
        })
    }

    /// Rows whose foreign keys point nowhere: `PRAGMA foreign_key_check` on SQLite, where imports
    /// run with the checks off; on PostgreSQL, which checks every write, the rows under the foreign
    /// keys it has not validated itself (`NOT VALID`, as the bulk import re-adds some), each
    /// counted by a query of its own.
    pub async fn foreign_key_violations(&self) -> Result<usize, StoreError> {
        match self {
            Store::Sqlite(pool) => Ok(sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(pool)
                .await?
                .len()),
            Store::Postgres(pool) => {
                // (table, referenced table, its columns, theirs), names quoted for SQL.
                let keys: Vec<(String, String, Vec<String>, Vec<String>)> = sqlx::query_as(
                    "SELECT conrelid::regclass::text, confrelid::regclass::text, \
                       ARRAY(SELECT quote_ident(a.attname) FROM unnest(conkey) WITH ORDINALITY k(n, i) \
                         JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.n ORDER BY k.i), \
                       ARRAY(SELECT quote_ident(a.attname) FROM unnest(confkey) WITH ORDINALITY k(n, i) \
                         JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.n ORDER BY k.i) \
                     FROM pg_constraint WHERE contype = 'f' AND NOT convalidated \
                       AND connamespace = current_schema()::regnamespace",
                )
                .fetch_all(pool)
                .await?;
                let mut violations = 0;
                for (table, referenced, columns, their) in keys {
                    // MATCH SIMPLE: a row with a NULL in the key references nothing.
                    let present: Vec<String> = columns
                        .iter()
                        .map(|c| format!("c.{c} IS NOT NULL"))
                        .collect();
                    let same: Vec<String> = columns
                        .iter()
                        .zip(&their)
                        .map(|(c, r)| format!("r.{r} = c.{c}"))
                        .collect();
                    let sql = format!(
                        "SELECT COUNT(*) FROM {table} c WHERE {} AND NOT EXISTS \
                         (SELECT 1 FROM {referenced} r WHERE {})",
                        present.join(" AND "),
                        same.join(" AND ")
                    );
                    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(pool)
                        .await?;
                    violations += n as usize;
                }
                Ok(violations)
            }
        }
    }

    /// Every import, oldest first.
    pub async fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, source, year, file_name, file_sha256, imported_at, rows_total, \
                 rows_new, rows_updated, rows_unchanged FROM imports ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ImportRecord {
                        id: r.try_get(0)?,
                        source: r.try_get(1)?,
                        year: r.try_get(2)?,
                        file_name: r.try_get(3)?,
                        file_sha256: r.try_get(4)?,
                        imported_at: r.try_get(5)?,
                        rows_total: r.try_get(6)?,
                        rows_new: r.try_get(7)?,
                        rows_updated: r.try_get(8)?,
                        rows_unchanged: r.try_get(9)?,
                    })
                })
                .collect()
        })
    }

    /// The history of one enterprise, oldest first.
    pub async fn history_of(&self, uscc: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT uscc, year, field, old_value, old_import_id, new_value, new_import_id \
                 FROM value_history WHERE uscc = $1 ORDER BY id",
            )
            .bind(uscc)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(HistoryEntry {
                        uscc: r.try_get(0)?,
                        year: r.try_get(1)?,
                        field: r.try_get(2)?,
                        old_value: r.try_get(3)?,
                        old_import_id: r.try_get(4)?,
                        new_value: r.try_get(5)?,
                        new_import_id: r.try_get(6)?,
                    })
                })
                .collect()
        })
    }

    /// The current value of one registry column (`column` from the [`Source`] column lists, or
    /// an import column) of an enterprise, with `year` for the yearly columns. `None` if there is
    /// no such row.
    pub async fn value_of(
        &self,
        uscc: &str,
        year: Option<i32>,
        column: &Column,
    ) -> Result<Option<Value>, StoreError> {
        let ty = column.ty.storage();
        let sql = match year {
            None => format!("SELECT {} FROM enterprises WHERE uscc = $1", column.db),
            Some(_) => format!(
                "SELECT {} FROM enterprise_facts WHERE uscc = $1 AND year = $2",
                column.db
            ),
        };
        dispatch!(self, pool => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(uscc);
            if year.is_some() {
                q = q.bind(year);
            }
            let row = q.fetch_optional(pool).await?;
            match row {
                None => Ok(None),
                Some(row) => Ok(Some(get_value!(row, 0, ty))),
            }
        })
    }

    /// Enterprises by county and kind (all statuses), sorted.
    pub async fn count_by_county_kind(&self) -> Result<Vec<CountyKindCount>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT county, kind, COUNT(*) FROM enterprises GROUP BY county, kind \
                 ORDER BY county, kind",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(CountyKindCount {
                        county: r.try_get(0)?,
                        kind: r.try_get(1)?,
                        count: r.try_get(2)?,
                    })
                })
                .collect()
        })
    }

    /// The years that have facts, newest first.
    pub async fn fact_years(&self) -> Result<Vec<i32>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT DISTINCT year FROM enterprise_facts ORDER BY year DESC")
                .fetch_all(pool)
                .await?)
        })
    }

    /// For each enterprise: what its size class needs in `year` (facts absent = `None`).
    pub async fn size_inputs(&self, year: i32) -> Result<Vec<SizeInputs>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT e.uscc, e.county, e.kind, e.industry, f.employees_x100, f.revenue, \
                 f.total_assets FROM enterprises e \
                 LEFT JOIN enterprise_facts f ON f.uscc = e.uscc AND f.year = $1",
            )
            .bind(year)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(SizeInputs {
                        uscc: r.try_get(0)?,
                        county: r.try_get(1)?,
                        kind: r.try_get(2)?,
                        industry: r.try_get(3)?,
                        employees_x100: r.try_get(4)?,
                        revenue: r.try_get(5)?,
                        total_assets: r.try_get(6)?,
                    })
                })
                .collect()
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
