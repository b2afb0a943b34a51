//! The enterprise registry: importing a departmental file in one transaction, keeping the old value
//! of every changed value in `value_history`, and reading the registry back.
//!
//! An import arrives as a stream of validated chunks ([`Incoming`]) so that a 1,000,000-row file is
//! never held in memory whole and reading overlaps writing. Everything happens in one transaction:
//! if the reader reports an invalid file, a row names an enterprise the registry does not know, or
//! the process dies, nothing of the import remains. Only rows that changed are written; history rows
//! only for values that changed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_domain::registry::{Column, Group, Record, RowError, Source, StorageType, Value};
use sqlx::Row;
use tokio::sync::mpsc;

use crate::{Backend, Store, StoreError, dispatch};

/// What is being imported.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub source: Source,
    /// The year of yearly sources (all but `market`).
    pub year: Option<i32>,
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub file_sha256: String,
}

/// A message from the file reader to [`Store::import`].
#[derive(Debug)]
pub enum Incoming {
    Rows(Vec<Record>),
    /// The reader finished; `valid` is false when any row was bad (then nothing is imported).
    End {
        valid: bool,
    },
}

/// Counts of one import, by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub total: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Values whose old value went to `value_history`.
    pub changed_values: u64,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Committed as import `id`.
    Committed { id: i64, counts: ImportCounts },
    /// Every row equals what the registry holds: nothing was written (not even an `imports` row).
    Unchanged { counts: ImportCounts },
    /// The reader found bad rows: rolled back, nothing imported.
    InvalidInput,
    /// Rows the database refuses (an enterprise not in the registry): rolled back.
    Rejected(Vec<RowError>),
}

/// An `imports` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub source: String,
    pub year: Option<i32>,
    pub file_name: String,
    pub file_sha256: String,
    pub imported_at: DateTime<Utc>,
    pub rows_total: i64,
    pub rows_new: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
}

/// A `value_history` row: the value `old_value` (from import `old_import_id`) was replaced by
/// `new_value` in import `new_import_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub uscc: String,
    pub year: Option<i32>,
    pub field: String,
    pub old_value: Option<String>,
    pub old_import_id: Option<i64>,
    pub new_value: Option<String>,
    pub new_import_id: i64,
}

/// Row counts of the registry tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryCounts {
    pub imports: i64,
    pub enterprises: i64,
    pub enterprise_facts: i64,
    pub value_history: i64,
}

/// One cell of `huiqi db stats`: how many enterprises of a county and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyKindCount {
    pub county: String,
    pub kind: String,
    pub count: i64,
}

/// What the size class needs of one enterprise in one year (amounts in fen, headcount in hundredths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeInputs {
    pub uscc: String,
    pub county: String,
    pub kind: String,
    pub industry: String,
    pub employees_x100: Option<i64>,
    pub revenue: Option<i64>,
    pub total_assets: Option<i64>,
}

// SQLite's default bind limit is 32,766 (PostgreSQL's 65,535): keep every statement under it.
const MAX_BINDS: usize = 30_000;

/// The SQL of one import, computed once from its source.
struct Plan {
    /// SQLite gets `?` placeholders: sqlx's SQLite binder looks every `$N` up by name, which is
    /// linear in the number of parameters (`sqlite3_bind_parameter_name`), so a 25,000-parameter
    /// statement with `$N` costs O(n²); anonymous `?` are bound in order at O(1).
    anonymous: bool,
    year: Option<i32>,
    /// (group, offset of its first value in `Record::values`)
    groups: Vec<(Group, usize)>,
    /// The columns read back for comparison, in order, each with its storage type: per group, its
    /// columns then its import column.
    lookup_columns: Vec<(String, StorageType)>,
    /// The group holding the row's key for new/updated: the yearly groups, or `enterprises`.
    primary: Group,
}

fn groups_of(source: Source) -> Vec<(Group, usize)> {
    let mut offset = 0;
    source
        .groups()
        .iter()
        .map(|g| {
            let at = offset;
            offset += g.columns().len();
            (*g, at)
        })
        .collect()
}

impl Plan {
    fn new(source: Source, year: Option<i32>, backend: Backend) -> Plan {
        let groups = groups_of(source);
        let mut lookup_columns = Vec::new();
        for (g, _) in &groups {
            let alias = if g.is_enterprise() { "e" } else { "f" };
            for c in g.columns() {
                lookup_columns.push((format!("{alias}.{}", c.db), c.ty.storage()));
            }
            lookup_columns.push((format!("{alias}.{}", g.import_column()), StorageType::Int));
        }
        let primary = groups
            .iter()
            .map(|(g, _)| *g)
            .find(|g| !g.is_enterprise())
            .unwrap_or(groups[0].0);
        Plan {
            anonymous: backend == Backend::Sqlite,
            year,
            groups,
            lookup_columns,
            primary,
        }
    }

    fn has_enterprise_group(&self) -> bool {
        self.groups.iter().any(|(g, _)| g.is_enterprise())
    }

    fn has_yearly_group(&self) -> bool {
        self.groups.iter().any(|(g, _)| !g.is_enterprise())
    }

    /// `SELECT e.uscc, … FROM enterprises e [LEFT JOIN enterprise_facts f …] WHERE e.uscc IN (…)`.
    /// On SQLite the rows come back as one JSON array (`json_group_array(json_array(…))`): sqlx's
    /// SQLite worker hands every row to the async side separately and copies every value, which
    /// made re-importing 1M unchanged rows take 25 s.
    fn lookup_sql(&self, n: usize) -> String {
        let cols: Vec<&str> = self
            .lookup_columns
            .iter()
            .map(|(c, _)| c.as_str())
            .collect();
        let mut sql = if self.anonymous {
            format!(
                "SELECT json_group_array(json_array(e.uscc, {})) FROM enterprises e",
                cols.join(", ")
            )
        } else {
            format!("SELECT e.uscc, {} FROM enterprises e", cols.join(", "))
        };
        let mut first = 1;
        if self.has_yearly_group() {
            sql.push_str(" LEFT JOIN enterprise_facts f ON f.uscc = e.uscc AND f.year = ");
            push_placeholder(&mut sql, self.anonymous, 1);
            first = 2;
        }
        sql.push_str(" WHERE e.uscc IN (");
        push_placeholders(&mut sql, self.anonymous, first, n);
        sql.push(')');
        sql
    }

    /// Reads the JSON of a SQLite look-up into `existing` (uscc → lookup columns).
    fn read_lookup_json(
        &self,
        json: &str,
        existing: &mut HashMap<String, Vec<Value>>,
    ) -> Result<(), StoreError> {
        let bad = |what: String| StoreError::Sqlx(sqlx::Error::Decode(what.into()));
        let rows: Vec<Vec<serde_json::Value>> =
            serde_json::from_str(json).map_err(|e| bad(format!("look-up JSON: {e}")))?;
        for row in rows {
            let mut it = row.into_iter();
            let Some(serde_json::Value::String(uscc)) = it.next() else {
                return Err(bad("look-up row without uscc".into()));
            };
            let mut vals = Vec::with_capacity(self.lookup_columns.len());
            for ((name, ty), v) in self.lookup_columns.iter().zip(it) {
                let value = match (ty, v) {
                    (_, serde_json::Value::Null) => Value::Null,
                    (StorageType::Int, serde_json::Value::Number(n)) => {
                        Value::Int(n.as_i64().ok_or_else(|| bad(format!("{name}: {n}")))?)
                    }
                    (StorageType::Bool, serde_json::Value::Number(n)) => {
                        Value::Bool(n.as_i64().ok_or_else(|| bad(format!("{name}: {n}")))? != 0)
                    }
                    (StorageType::Text, serde_json::Value::String(t)) => Value::Text(t),
                    (StorageType::Date, serde_json::Value::String(t)) => Value::Date(
                        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                            .map_err(|e| bad(format!("{name}: {t}: {e}")))?,
                    ),
                    (_, other) => return Err(bad(format!("{name}: {other}"))),
                };
                vals.push(value);
            }
            if vals.len() != self.lookup_columns.len() {
                return Err(bad("look-up row too short".into()));
            }
            existing.insert(uscc, vals);
        }
        Ok(())
    }

    /// The multi-row upsert of `rows` rows into the table of `groups` (all of one table).
    /// With `upsert` false (the registry was empty: every row is new) a plain INSERT, which spares
    /// SQLite the conflict probe of every row.
    fn upsert_sql(&self, groups: &[Group], import_id: i64, rows: usize, upsert: bool) -> String {
        let enterprise = groups[0].is_enterprise();
        let (table, key) = if enterprise {
            ("enterprises", "uscc")
        } else {
            ("enterprise_facts", "uscc, year")
        };
        let mut cols: Vec<&str> = vec!["uscc"];
        if !enterprise {
            cols.push("year");
        }
        let mut updates = Vec::new();
        for g in groups {
            for c in g.columns() {
                cols.push(c.db);
                updates.push(format!("{0} = excluded.{0}", c.db));
            }
            cols.push(g.import_column());
            updates.push(format!("{0} = excluded.{0}", g.import_column()));
        }
        let year = self.year.unwrap_or_default();
        // SQLite: OR ROLLBACK, so that a failing row ends the whole transaction (which the import
        // does anyway) and SQLite needs no statement journal for these multi-row statements; with
        // the default ABORT it copies every page a statement touches into a statement journal first
        // (measured: most of the time of a 1M-row import).
        let verb = if self.anonymous {
            "INSERT OR ROLLBACK INTO"
        } else {
            "INSERT INTO"
        };
        let mut sql = format!("{verb} {table} ({}) VALUES ", cols.join(", "));
        let mut p = 1;
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            // uscc, then year and the import id as literals (integers of ours, not user text)
            sql.push('(');
            push_placeholder(&mut sql, self.anonymous, p);
            p += 1;
            if !enterprise {
                sql.push_str(&format!(", {year}"));
            }
            for g in groups {
                for _ in g.columns() {
                    sql.push_str(", ");
                    push_placeholder(&mut sql, self.anonymous, p);
                    p += 1;
                }
                sql.push_str(&format!(", {import_id}"));
            }
            sql.push(')');
        }
        if upsert {
            sql.push_str(&format!(
                " ON CONFLICT ({key}) DO UPDATE SET {}",
                updates.join(", ")
            ));
        }
        sql
    }

    fn rows_per_upsert(groups: &[Group]) -> usize {
        let per_row = 1 + groups.iter().map(|g| g.columns().len()).sum::<usize>();
        (MAX_BINDS / per_row).clamp(1, 1000)
    }
}

/// Appends placeholder number `n`: `?` (SQLite, bound in order) or `$n` (PostgreSQL).
fn push_placeholder(sql: &mut String, anonymous: bool, n: usize) {
    if anonymous {
        sql.push('?');
    } else {
        sql.push('$');
        sql.push_str(&n.to_string());
    }
}

fn push_placeholders(sql: &mut String, anonymous: bool, first: usize, n: usize) {
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        push_placeholder(sql, anonymous, first + i);
    }
}

/// What an import changes in one chunk.
#[derive(Default)]
struct ChunkWrites<'a> {
    /// Records whose enterprise group is new or changed.
    enterprise_rows: Vec<&'a Record>,
    /// Records whose yearly groups are new or changed.
    fact_rows: Vec<&'a Record>,
    history: Vec<HistoryEntry>,
}

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

/// Reads column `i` of `row` as a [`Value`] of storage type `ty`.
macro_rules! get_value {
    ($row:expr, $i:expr, $ty:expr) => {
        match $ty {
            StorageType::Int => $row
                .try_get::<Option<i64>, _>($i)?
                .map_or(Value::Null, Value::Int),
            StorageType::Bool => $row
                .try_get::<Option<bool>, _>($i)?
                .map_or(Value::Null, Value::Bool),
            StorageType::Text => $row
                .try_get::<Option<String>, _>($i)?
                .map_or(Value::Null, Value::Text),
            StorageType::Date => $row
                .try_get::<Option<NaiveDate>, _>($i)?
                .map_or(Value::Null, Value::Date),
        }
    };
}

impl Plan {
    /// Compares a chunk with what the registry holds (`existing`: uscc → lookup columns; absent =
    /// enterprise unknown) and decides what to write. Unknown enterprises of sources that cannot
    /// create them become row errors.
    fn diff<'a>(
        &self,
        rows: &'a [Record],
        existing: &HashMap<String, Vec<Value>>,
        import_id: i64,
        counts: &mut ImportCounts,
        errors: &mut Vec<RowError>,
    ) -> ChunkWrites<'a> {
        let mut w = ChunkWrites::default();
        for rec in rows {
            counts.total += 1;
            let old = existing.get(rec.uscc.as_str());
            if old.is_none() && !self.has_enterprise_group() {
                errors.push(RowError {
                    row: rec.row,
                    column: None,
                    message: format!(
                        "统一社会信用代码 {} 不在企业库中：请先导入该企业的登记信息（huiqi import --source market 或 --source facts）",
                        rec.uscc
                    ),
                });
                continue;
            }
            let mut record_changed = false;
            let mut primary_new = false;
            let mut enterprise_write = false;
            let mut facts_write = false;
            let mut at = 0; // offset in the lookup row
            for (g, offset) in &self.groups {
                let cols = g.columns();
                let new_vals = &rec.values[*offset..*offset + cols.len()];
                let (old_vals, old_import) = match old {
                    Some(o) => {
                        let vals = &o[at..at + cols.len()];
                        let imp = match &o[at + cols.len()] {
                            Value::Int(i) => Some(*i),
                            _ => None,
                        };
                        (Some(vals), imp)
                    }
                    None => (None, None),
                };
                at += cols.len() + 1;
                let year = if g.is_enterprise() { None } else { self.year };
                let group_changed = match (old_vals, old_import) {
                    (Some(old_vals), Some(old_import)) => {
                        let mut changed = false;
                        for ((c, new), oldv) in cols.iter().zip(new_vals).zip(old_vals) {
                            if new != oldv {
                                changed = true;
                                w.history.push(HistoryEntry {
                                    uscc: rec.uscc.to_string(),
                                    year,
                                    field: c.name.to_owned(),
                                    old_value: oldv.canonical(),
                                    old_import_id: Some(old_import),
                                    new_value: new.canonical(),
                                    new_import_id: import_id,
                                });
                            }
                        }
                        changed
                    }
                    // Never delivered by this department before: new values, nothing overwritten.
                    _ => {
                        if *g == self.primary {
                            primary_new = true;
                        }
                        true
                    }
                };
                if group_changed {
                    record_changed = true;
                    if g.is_enterprise() {
                        enterprise_write = true;
                    } else {
                        facts_write = true;
                    }
                }
            }
            if enterprise_write {
                w.enterprise_rows.push(rec);
            }
            if facts_write {
                w.fact_rows.push(rec);
            }
            if primary_new {
                counts.new += 1;
            } else if record_changed {
                counts.updated += 1;
            } else {
                counts.unchanged += 1;
            }
        }
        counts.changed_values += w.history.len() as u64;
        w
    }
}

/// Bulk-load settings of the import's own connection, outside its transaction.
trait BulkMode {
    fn enter_bulk(&mut self) -> impl std::future::Future<Output = ()> + Send;
    fn leave_bulk(&mut self) -> impl std::future::Future<Output = ()> + Send;
}

impl BulkMode for sqlx::SqliteConnection {
    /// Foreign-key checks off: the import guarantees its references by construction (the
    /// enterprise row is written before its facts in the same transaction, or was looked up; the
    /// import id is its own), and the tests run `PRAGMA foreign_key_check` after imports. Rollback
    /// journal instead of WAL: a page new to the file is written once instead of twice (WAL, then
    /// checkpoint); the transaction stays atomic across a crash (a hot journal is rolled back on
    /// the next open). If another connection keeps the file in WAL mode, the switch is refused
    /// and the import simply runs in WAL.
    async fn enter_bulk(&mut self) {
        let _ = sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *self)
            .await;
        let _ = sqlx::query("PRAGMA journal_mode = DELETE")
            .execute(&mut *self)
            .await;
    }
    async fn leave_bulk(&mut self) {
        let _ = sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&mut *self)
            .await;
        let _ = sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *self)
            .await;
    }
}

impl BulkMode for sqlx::PgConnection {
    async fn enter_bulk(&mut self) {}
    async fn leave_bulk(&mut self) {}
}

/// `items` in slices of at most `n`.
fn chunks_of<T>(items: &[T], n: usize) -> std::slice::Chunks<'_, T> {
    items.chunks(n.max(1))
}

const HISTORY_INSERT: &str = "INSERT INTO value_history (uscc, year, field, old_value, old_import_id, new_value, new_import_id) VALUES ";

fn history_sql(rows: usize, anonymous: bool) -> String {
    let mut sql = String::from(HISTORY_INSERT);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        push_placeholders(&mut sql, anonymous, r * 7 + 1, 7);
        sql.push(')');
    }
    sql
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
                // An empty registry has nothing to compare with: skip the look-ups (the bulk-load case).
                let registry_empty: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM enterprises LIMIT 1) t")
                        .fetch_one(&mut *tx)
                        .await?;
                let registry_empty = registry_empty == 0;

                let mut counts = ImportCounts::default();
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
                            if groups.is_empty() {
                                continue;
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

    /// Rows whose foreign keys point nowhere (`PRAGMA foreign_key_check` on SQLite, where imports
    /// run with the checks off; PostgreSQL always enforces them, so 0 there).
    pub async fn foreign_key_violations(&self) -> Result<usize, StoreError> {
        match self {
            Store::Sqlite(pool) => Ok(sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(pool)
                .await?
                .len()),
            Store::Postgres(_) => Ok(0),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_sql_binds_values_and_inlines_ids() {
        let plan = Plan::new(Source::Hr, Some(2024), Backend::Postgres);
        let sql = plan.upsert_sql(&[Group::Hr], 7, 2, true);
        assert_eq!(
            sql,
            "INSERT INTO enterprise_facts (uscc, year, employees_x100, founder_group, hr_import_id) \
             VALUES ($1, 2024, $2, $3, 7), ($4, 2024, $5, $6, 7) ON CONFLICT (uscc, year) DO UPDATE \
             SET employees_x100 = excluded.employees_x100, founder_group = excluded.founder_group, \
             hr_import_id = excluded.hr_import_id"
        );
        let plan = Plan::new(Source::Market, None, Backend::Postgres);
        assert!(
            plan.lookup_sql(2)
                .ends_with("FROM enterprises e WHERE e.uscc IN ($1, $2)")
        );
        let plan = Plan::new(Source::Facts, Some(2024), Backend::Postgres);
        assert!(
            plan.lookup_sql(1)
                .contains("f.year = $1 WHERE e.uscc IN ($2)")
        );
    }

    #[test]
    fn statements_stay_under_the_bind_limit() {
        for s in Source::ALL {
            let plan = Plan::new(s, Some(2024), Backend::Sqlite);
            for (g, _) in &plan.groups {
                let per_row = 1 + g.columns().len();
                assert!(Plan::rows_per_upsert(&[*g]) * per_row <= MAX_BINDS);
            }
        }
    }
}
