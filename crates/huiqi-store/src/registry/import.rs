//! The import transaction: chunks of validated records in, only new or changed rows written, a
//! history row per changed value; all or nothing.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use huiqi_domain::registry::{Column, Group, RowError, StorageType, Value};
use sqlx::Row;
use tokio::sync::mpsc;

use super::plan::{Plan, chunks_of, history_sql};
use super::{ImportCounts, ImportMeta, ImportOutcome, Incoming, MAX_BINDS, get_value};
use crate::copy::CopyText;
use crate::{Store, StoreError};

/// Appends one value to an arguments buffer as the column's storage type (a NULL needs the right
/// type for PostgreSQL). Building the buffer directly spares moving the whole `Query` once per
/// value (30 million times in a 1M-row import).
macro_rules! add_value {
    ($args:expr, $v:expr, $ty:expr) => {
        match ($v, $ty) {
            (Value::Int(i), _) => sqlx::Arguments::add(&mut $args, *i),
            (Value::Bool(b), _) => sqlx::Arguments::add(&mut $args, *b),
            (Value::Text(s), _) => sqlx::Arguments::add(&mut $args, s.as_str()),
            (Value::Date(d), _) => sqlx::Arguments::add(&mut $args, *d),
            (Value::Null, StorageType::Int) => sqlx::Arguments::add(&mut $args, None::<i64>),
            (Value::Null, StorageType::Bool) => sqlx::Arguments::add(&mut $args, None::<bool>),
            (Value::Null, StorageType::Text) => sqlx::Arguments::add(&mut $args, None::<&str>),
            (Value::Null, StorageType::Date) => sqlx::Arguments::add(&mut $args, None::<NaiveDate>),
        }
        .map_err(sqlx::Error::Encode)?
    };
}

/// [`dispatch!`] that also names the driver's arguments type.
macro_rules! dispatch_args {
    ($store:expr, $pool:ident, $args:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => {
                type $args = sqlx::sqlite::SqliteArguments;
                $body
            }
            Store::Postgres($pool) => {
                type $args = sqlx::postgres::PgArguments;
                $body
            }
        }
    };
}

/// Bulk-load settings of the import's own connection, outside its transaction.
trait BulkMode {
    fn enter_bulk(&mut self) -> impl std::future::Future<Output = ()> + Send;
    fn leave_bulk(&mut self) -> impl std::future::Future<Output = ()> + Send;
}

impl BulkMode for sqlx::SqliteConnection {
    /// Foreign-key checks off: the import guarantees its references by construction (the
    /// enterprise row is written before its facts in the same transaction, or was looked up; the
    /// import id is its own), and the tests run `PRAGMA foreign_key_check` after imports. The
    /// journal mode is left as it is (WAL): switching it needs the file to itself, and a second
    /// command or the server opening the file meanwhile would fail at once with "database is
    /// locked" instead of waiting (issue 12, many hands at once).
    async fn enter_bulk(&mut self) {
        let _ = sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *self)
            .await;
    }
    async fn leave_bulk(&mut self) {
        let _ = sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *self)
            .await;
    }
}

impl BulkMode for sqlx::PgConnection {
    async fn enter_bulk(&mut self) {}
    async fn leave_bulk(&mut self) {}
}

/// Adds `rows` (day, county, change) to `registration_counts` (both databases).
fn registration_upsert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
        .collect();
    format!(
        "INSERT INTO registration_counts (registered_on, county, n) VALUES {} \
         ON CONFLICT (registered_on, county) DO UPDATE SET n = registration_counts.n + excluded.n",
        values.join(", ")
    )
}

impl Store {
    /// Imports a stream of validated rows in one transaction (see the module doc). The caller sends
    /// [`Incoming::Rows`] chunks and then [`Incoming::End`]; if the channel closes without `End`
    /// (the reader failed) the import is rolled back.
    pub async fn import(
        &self,
        meta: &ImportMeta,
        mut rx: mpsc::Receiver<Incoming>,
    ) -> Result<ImportOutcome, StoreError> {
        let plan = Plan::new(meta.source, meta.year, self.backend());
        let enterprise_groups: Vec<Group> = plan
            .groups
            .iter()
            .map(|(g, _)| *g)
            .filter(|g| g.is_enterprise())
            .collect();
        let fact_groups: Vec<Group> = plan
            .groups
            .iter()
            .map(|(g, _)| *g)
            .filter(|g| !g.is_enterprise())
            .collect();
        let ent_per_stmt = Plan::rows_per_upsert(&enterprise_groups);
        let facts_per_stmt = Plan::rows_per_upsert(&fact_groups);
        let lookup_chunk = 900;

        dispatch_args!(self, pool, Args => {
            let mut conn = pool.acquire().await?;
            // This connection leaves the pool after the import (its pragmas may have changed).
            conn.close_on_drop();
            conn.enter_bulk().await;
            let result: Result<ImportOutcome, StoreError> = async {
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let import_id: i64 = sqlx::query_scalar(
                    "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, \
                     rows_total, rows_new, rows_updated, rows_unchanged) \
                     VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0) RETURNING id",
                )
                .bind(meta.source.as_str())
                .bind(meta.year)
                .bind(meta.file_name.as_str())
                .bind(meta.file_sha256.as_str())
                .bind(Utc::now())
                .fetch_one(&mut *tx)
                .await?;
                // The facts snapshots describe the registry before this import (snapshot.rs).
                sqlx::query("DELETE FROM fact_snapshots").execute(&mut *tx).await?;
                // An empty registry has nothing to compare with: skip the look-ups (the bulk-load case).
                let registry_empty: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM enterprises LIMIT 1) t")
                        .fetch_one(&mut *tx)
                        .await?;
                let registry_empty = registry_empty == 0;
                // PostgreSQL into an empty registry: the foreign keys of the two tables are
                // checked once, after the load, instead of by a trigger per row (at 1M rows that
                // was half the import: 30 s against 13 s + 2 s to check them afterwards).
                // Dropped and re-added in this transaction, so a refused or failed import rolls
                // back to the constraints as they were; the tables are locked until it ends.
                let deferred_keys: Vec<(String, String, String)> = if registry_empty && !plan.anonymous {
                    let keys: Vec<(String, String, String)> = sqlx::query_as(
                        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
                         FROM pg_constraint WHERE contype = 'f' \
                         AND conrelid IN ('enterprises'::regclass, 'enterprise_facts'::regclass) \
                         ORDER BY 1, 2",
                    )
                    .fetch_all(&mut *tx)
                    .await?;
                    for (table, name, _) in &keys {
                        let sql = format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\"");
                        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                    }
                    keys
                } else {
                    Vec::new()
                };

                let mut counts = ImportCounts::default();
                let mut registrations: HashMap<(NaiveDate, String), i64> = HashMap::new();
                let mut errors: Vec<RowError> = Vec::new();
                let mut valid = false;
                let empty = HashMap::new();
                while let Some(msg) = rx.recv().await {
                    let rows = match msg {
                        Incoming::Rows(rows) => rows,
                        Incoming::End { valid: v } => {
                            valid = v;
                            break;
                        }
                    };
                    let mut existing = HashMap::new();
                    for part in chunks_of(&rows, lookup_chunk) {
                        if !registry_empty {
                            let sql = plan.lookup_sql(part.len());
                            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                            if plan.has_yearly_group() {
                                q = q.bind(plan.year);
                            }
                            for r in part {
                                q = q.bind(r.uscc.as_str());
                            }
                            if plan.anonymous {
                                // SQLite: the whole part as one JSON text (see lookup_sql).
                                let json: String = q.fetch_one(&mut *tx).await?.try_get(0)?;
                                plan.read_lookup_json(&json, &mut existing)?;
                            } else {
                                for row in q.fetch_all(&mut *tx).await? {
                                    let uscc: String = row.try_get(0)?;
                                    let mut vals = Vec::with_capacity(plan.lookup_columns.len());
                                    for (i, (_, ty)) in plan.lookup_columns.iter().enumerate() {
                                        vals.push(get_value!(row, i + 1, *ty));
                                    }
                                    existing.insert(uscc, vals);
                                }
                            }
                        }
                    }
                    {
                        let existing = if registry_empty { &empty } else { &existing };
                        let mut writes = plan.diff(&rows, existing, import_id, &mut counts, &mut errors);
                        for (key, n) in writes.registrations.drain() {
                            *registrations.entry(key).or_default() += n;
                        }
                        // Key order: consecutive inserts land on neighbouring index pages (hot in
                        // the CPU cache) instead of random ones.
                        writes.enterprise_rows.sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
                        writes.fact_rows.sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
                        if !errors.is_empty() {
                            continue; // keep reading to name every bad row, write nothing more
                        }
                        for (groups, rows, per) in [
                            (&enterprise_groups, &writes.enterprise_rows, ent_per_stmt),
                            (&fact_groups, &writes.fact_rows, facts_per_stmt),
                        ] {
                            if groups.is_empty() || rows.is_empty() {
                                continue;
                            }
                            // PostgreSQL into an empty registry: every row is new, so the chunk
                            // goes in as one COPY (no conflict to resolve, no parameters to bind).
                            if registry_empty && !plan.anonymous {
                                let sql = plan.copy_sql(groups);
                                let line = |data: &mut Vec<u8>, rec: &&huiqi_domain::registry::Record| {
                                    plan.push_copy_row(data, groups, import_id, rec)
                                };
                                if CopyText::copy_rows(&mut *tx, &sql, rows, line).await? {
                                    continue;
                                }
                            }
                            for batch in chunks_of(rows, per) {
                                let sql = plan.upsert_sql(groups, import_id, batch.len(), !registry_empty);
                                let mut args = Args::default();
                                let per_row = 1 + groups.iter().map(|g| g.columns().len()).sum::<usize>();
                                sqlx::Arguments::reserve(&mut args, batch.len() * per_row, batch.len() * per_row * 16);
                                for rec in batch {
                                    sqlx::Arguments::add(&mut args, rec.uscc.as_str())
                                        .map_err(sqlx::Error::Encode)?;
                                    for (g, offset) in &plan.groups {
                                        if !groups.contains(g) {
                                            continue;
                                        }
                                        let cols: &[Column] = g.columns();
                                        for (c, v) in cols.iter().zip(&rec.values[*offset..]) {
                                            add_value!(args, v, c.ty.storage());
                                        }
                                    }
                                }
                                sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                        for batch in chunks_of(&writes.history, MAX_BINDS / 7) {
                            let mut q = sqlx::query(sqlx::AssertSqlSafe(history_sql(batch.len(), plan.anonymous)));
                            for h in batch {
                                q = q
                                    .bind(h.uscc.as_str())
                                    .bind(h.year)
                                    .bind(h.field.as_str())
                                    .bind(h.old_value.as_deref())
                                    .bind(h.old_import_id)
                                    .bind(h.new_value.as_deref())
                                    .bind(h.new_import_id);
                            }
                            q.execute(&mut *tx).await?;
                        }
                    }
                }
                if !valid {
                    tx.rollback().await?;
                    return Ok(ImportOutcome::InvalidInput);
                }
                if !errors.is_empty() {
                    tx.rollback().await?;
                    return Ok(ImportOutcome::Rejected(errors));
                }
                if counts.new == 0 && counts.updated == 0 {
                    tx.rollback().await?;
                    return Ok(ImportOutcome::Unchanged { counts });
                }
                for (table, name, definition) in &deferred_keys {
                    let sql = format!("ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}");
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
                // The per-day registration counts follow the rows this import wrote, in its
                // transaction (migration 0120): changed days only, not a recount of the registry
                // (which took 1.6 s at 1M enterprises on SQLite, with no index to help).
                let mut changed_days: Vec<((NaiveDate, String), i64)> =
                    registrations.into_iter().filter(|(_, n)| *n != 0).collect();
                changed_days.sort_unstable();
                for batch in chunks_of(&changed_days, 200) {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(registration_upsert_sql(batch.len())));
                    for ((day, county), n) in batch {
                        q = q.bind(*day).bind(county.as_str()).bind(*n);
                    }
                    q.execute(&mut *tx).await?;
                }
                if changed_days.iter().any(|(_, n)| *n < 0) {
                    sqlx::query("DELETE FROM registration_counts WHERE n = 0")
                        .execute(&mut *tx)
                        .await?;
                    // A count below 0 would mean the table and the registry had parted: refuse
                    // (the transaction rolls back) rather than show a wrong figure. No CHECK
                    // constraint: SQLite checks the proposed row (-1) before resolving the conflict.
                    let negative: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM registration_counts WHERE n < 0",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    if negative > 0 {
                        return Err(StoreError::Invalid(format!(
                            "按日登记数（registration_counts）与企业库不一致：{negative} 个计数小于 0；\
                             本次导入已撤销，未写入任何数据"
                        )));
                    }
                }
                if registry_empty && !plan.anonymous {
                    // PostgreSQL after the bulk load: statistics for the planner now, not when
                    // autovacuum gets round to the tables (ANALYZE counts this transaction's rows).
                    sqlx::query("ANALYZE enterprises, enterprise_facts")
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "UPDATE imports SET rows_total = $1, rows_new = $2, rows_updated = $3, \
                     rows_unchanged = $4 WHERE id = $5",
                )
                .bind(counts.total as i64)
                .bind(counts.new as i64)
                .bind(counts.updated as i64)
                .bind(counts.unchanged as i64)
                .bind(import_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(ImportOutcome::Committed { id: import_id, counts })
            }
            .await;
            conn.leave_bulk().await;
            result
        })
    }
}
