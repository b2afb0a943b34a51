//! The import transaction: chunks of validated records in, only new or changed rows written, a
//! history row per changed value; all or nothing.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use huiqi_domain::registry::{Column, Group, Record, RowError, StorageType, Value};
use sqlx::Row;
use tokio::sync::mpsc;

use super::diff::ChunkWrites;
use super::plan::{Plan, chunks_of, history_sql};
use super::{
    HistoryEntry, ImportCounts, ImportMeta, ImportOutcome, Incoming, MAX_BINDS, get_value,
};
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

/// Writes history rows (one per changed value) in multi-row INSERTs, in the import's transaction.
macro_rules! write_history {
    ($tx:ident, $history:expr, $anonymous:expr) => {
        for batch in chunks_of($history, MAX_BINDS / 7) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(history_sql(batch.len(), $anonymous)));
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
            q.execute(&mut *$tx).await?;
        }
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

/// Bulk-load settings of the import's own connection, outside its transaction, and its bulk
/// path into an empty registry.
trait BulkMode {
    fn enter_bulk(&mut self) -> impl std::future::Future<Output = ()> + Send;
    fn leave_bulk(&mut self) -> impl std::future::Future<Output = ()> + Send;
    /// The rows the registry holds for `rows`' codes ([`Plan::lookup_sql`], `per_query` codes at
    /// a time): SQLite appends them to `encoded` (`sqlite_raw::encoded`, stepped through its C
    /// API; read by [`Plan::read_lookup_encoded`] on the comparing thread), PostgreSQL puts them
    /// in `existing` (code → look-up columns).
    fn lookup(
        &mut self,
        plan: &Plan,
        rows: &[Record],
        per_query: usize,
        existing: &mut HashMap<String, Vec<Value>>,
        encoded: &mut Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;
    /// Writes one table's rows of a [`Prepared`] chunk, the table of `groups`: SQLite's
    /// multi-row INSERTs ([`Plan::upsert_sql`]), PostgreSQL's COPY ([`Plan::copy_sql`]).
    fn load(
        &mut self,
        plan: &Plan,
        groups: &[Group],
        import_id: i64,
        data: &[u8],
    ) -> impl std::future::Future<Output = Result<(), sqlx::Error>> + Send;
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
    async fn lookup(
        &mut self,
        plan: &Plan,
        rows: &[Record],
        per_query: usize,
        _: &mut HashMap<String, Vec<Value>>,
        encoded: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        let mut codes = Vec::with_capacity(rows.len() * 27);
        for r in rows {
            crate::sqlite_raw::encoded::push_text(&mut codes, r.uscc.as_str());
        }
        let sql_for = |n: usize| plan.lookup_sql(n);
        crate::sqlite_raw::run_encoded(self, sql_for, &codes, per_query, encoded).await?;
        Ok(())
    }
    /// Multi-row INSERTs bound and stepped through SQLite's C API.
    async fn load(
        &mut self,
        plan: &Plan,
        groups: &[Group],
        import_id: i64,
        data: &[u8],
    ) -> Result<(), sqlx::Error> {
        let per_row = 1 + groups.iter().map(|g| g.columns().len()).sum::<usize>();
        let sql_for = |n: usize| plan.upsert_sql(groups, import_id, n / per_row, false);
        let per_query = per_row * Plan::rows_per_upsert(groups);
        crate::sqlite_raw::run_encoded(self, sql_for, data, per_query, &mut Vec::new()).await
    }
}

impl BulkMode for sqlx::PgConnection {
    async fn enter_bulk(&mut self) {}
    async fn leave_bulk(&mut self) {}
    async fn lookup(
        &mut self,
        plan: &Plan,
        rows: &[Record],
        per_query: usize,
        existing: &mut HashMap<String, Vec<Value>>,
        _: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        for part in chunks_of(rows, per_query) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(plan.lookup_sql(part.len())));
            if plan.has_yearly_group() {
                q = q.bind(plan.year);
            }
            for r in part {
                q = q.bind(r.uscc.as_str());
            }
            for row in q.fetch_all(&mut *self).await? {
                let uscc: String = row.try_get(0)?;
                let mut vals = Vec::with_capacity(plan.lookup_columns.len());
                for (i, (_, ty)) in plan.lookup_columns.iter().enumerate() {
                    vals.push(get_value!(row, i + 1, *ty));
                }
                existing.insert(uscc, vals);
            }
        }
        Ok(())
    }
    async fn load(
        &mut self,
        plan: &Plan,
        groups: &[Group],
        _: i64,
        data: &[u8],
    ) -> Result<(), sqlx::Error> {
        CopyText::copy_bytes(self, &plan.copy_sql(groups), data)
            .await
            .map(|_| ())
    }
}

/// Adds the changes (day, county, change) to `registration_counts`, in the import's transaction.
trait AddRegistrations {
    fn add_registrations(
        &mut self,
        changes: &[((NaiveDate, String), i64)],
    ) -> impl std::future::Future<Output = Result<(), sqlx::Error>> + Send;
}

/// The upsert that adds to a day's count (both databases); `values` supplies the rows.
fn registration_upsert_sql(values: &str) -> String {
    format!(
        "INSERT INTO registration_counts (registered_on, county, n) {values} \
         ON CONFLICT (registered_on, county) DO UPDATE SET n = registration_counts.n + excluded.n"
    )
}

impl AddRegistrations for sqlx::SqliteConnection {
    /// Multi-row upserts of 200 rows (statements run in-process: no round trip to save).
    async fn add_registrations(
        &mut self,
        changes: &[((NaiveDate, String), i64)],
    ) -> Result<(), sqlx::Error> {
        for batch in chunks_of(changes, 200) {
            let values: Vec<&str> = vec!["(?, ?, ?)"; batch.len()];
            let sql = registration_upsert_sql(&format!("VALUES {}", values.join(", ")));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for ((day, county), n) in batch {
                q = q.bind(*day).bind(county.as_str()).bind(*n);
            }
            q.execute(&mut *self).await?;
        }
        Ok(())
    }
}

impl AddRegistrations for sqlx::PgConnection {
    /// One statement over three arrays: a first import of 1M enterprises changes about 70,000
    /// day × county counts, which as upserts of 200 rows took 0.75 s of round trips.
    async fn add_registrations(
        &mut self,
        changes: &[((NaiveDate, String), i64)],
    ) -> Result<(), sqlx::Error> {
        let days: Vec<NaiveDate> = changes.iter().map(|((d, _), _)| *d).collect();
        let counties: Vec<&str> = changes.iter().map(|((_, c), _)| c.as_str()).collect();
        let ns: Vec<i64> = changes.iter().map(|(_, n)| *n).collect();
        sqlx::query(sqlx::AssertSqlSafe(registration_upsert_sql(
            "SELECT * FROM UNNEST($1::date[], $2::text[], $3::bigint[])",
        )))
        .bind(days)
        .bind(counties)
        .bind(ns)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
}

/// The keys, indexes and foreign keys of `enterprises` and `enterprise_facts` (and the foreign
/// keys of other tables pointing at them) while a PostgreSQL bulk load goes on without them (on
/// SQLite, their indexes): the statements that put them back, in order (keys, then indexes, then
/// foreign keys). Read from the catalogue, so a migration that adds an index or a key is covered
/// without a change here.
#[derive(Default)]
struct DeferredSchema {
    /// Settings for the transaction before the rebuild (PostgreSQL: room for the sorts).
    settings: Vec<&'static str>,
    restore: Vec<String>,
    /// The loaded tables' single-column foreign keys to `imports`, by table. Checked together
    /// (below), not by one scan each.
    import_refs: Vec<(String, Vec<ImportRef>)>,
}

/// A foreign key to `imports`: (its name, its column, its definition).
type ImportRef = (String, String, String);

impl DeferredSchema {
    /// Drops them (in the caller's transaction) and remembers how to put them back. On SQLite
    /// (`sqlite`), the two tables' indexes (their keys are unique indexes since migration 0840;
    /// SQLite enforces no foreign key during an import, see [`BulkMode`]).
    async fn drop<'c, DB: sqlx::Database>(
        tx: &mut sqlx::Transaction<'c, DB>,
        sqlite: bool,
    ) -> Result<Self, StoreError>
    where
        for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
        <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
        (String, String, String, String, Option<String>, bool): for<'r> sqlx::FromRow<'r, DB::Row>,
        (String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
    {
        if sqlite {
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ('enterprises', 'enterprise_facts') ORDER BY name",
            )
            .fetch_all(&mut **tx)
            .await?;
            for (name, _) in &indexes {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                    .execute(&mut **tx)
                    .await?;
            }
            return Ok(DeferredSchema {
                restore: indexes.into_iter().map(|(_, sql)| sql).collect(),
                ..DeferredSchema::default()
            });
        }
        const TABLES: &str = "('enterprises'::regclass, 'enterprise_facts'::regclass)";
        // Foreign keys first (a key cannot be dropped while one points at it), then keys. The
        // fifth column names a loaded table's one-column foreign key to `imports`; the last is
        // true for a foreign key between the two loaded tables.
        let constraints: Vec<(String, String, String, String, Option<String>, bool)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid), contype::text, \
                   CASE WHEN contype = 'f' AND confrelid = 'imports'::regclass AND conrelid IN {TABLES} \
                     AND cardinality(conkey) = 1 THEN (SELECT attname::text FROM pg_attribute \
                       WHERE attrelid = conrelid AND attnum = conkey[1]) END, \
                   contype = 'f' AND conrelid IN {TABLES} AND confrelid IN {TABLES} \
                 FROM pg_constraint \
                 WHERE (contype IN ('p', 'u') AND conrelid IN {TABLES}) \
                    OR (contype = 'f' AND (conrelid IN {TABLES} OR confrelid IN {TABLES})) \
                 ORDER BY contype = 'f' DESC, 1, 2"
            )))
            .fetch_all(&mut **tx)
            .await?;
        // Indexes of their own (not a key's).
        let indexes: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
             WHERE i.indrelid IN {TABLES} AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
               WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) \
             ORDER BY 1"
        )))
        .fetch_all(&mut **tx)
        .await?;
        let mut drops = Vec::new();
        let (mut keys, mut foreign) = (Vec::new(), Vec::new());
        let mut import_refs: Vec<(String, Vec<ImportRef>)> = Vec::new();
        for (table, name, definition, kind, import_column, between_loaded) in constraints {
            drops.push(format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""));
            if let Some(column) = import_column {
                match import_refs.iter_mut().find(|(t, _)| *t == table) {
                    Some((_, refs)) => refs.push((name, column, definition)),
                    None => import_refs.push((table, vec![(name, column, definition)])),
                }
                continue;
            }
            let mut add = format!("ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}");
            if between_loaded {
                // The facts' code to `enterprises`: true by construction, as SQLite's import
                // trusts it (`BulkMode`): the bulk load writes each record's enterprise row and its
                // facts row from the same record, into tables that were empty. Checking it again
                // was a join of the two tables (0.5 s of 6.9 s at 1M rows).
                add = format!("{} NOT VALID", add.trim_end_matches(" NOT VALID"));
            }
            if kind == "f" {
                foreign.push(add)
            } else {
                keys.push(add)
            }
        }
        for (name, _) in &indexes {
            drops.push(format!("DROP INDEX {name}"));
        }
        for sql in drops {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await?;
        }
        let mut restore = keys;
        restore.extend(indexes.into_iter().map(|(_, definition)| definition));
        restore.extend(foreign);
        Ok(DeferredSchema {
            settings: vec!["SET LOCAL maintenance_work_mem = '256MB'"],
            restore,
            import_refs,
        })
    }

    /// Puts them back: each key and index built once by sorting the loaded rows (with room for the
    /// sort), each foreign key checked once by a join; the foreign keys to `imports` (five on
    /// `enterprise_facts`, each a scan of the table when PostgreSQL validates it: 1.6 s at 1M) are
    /// checked by one scan per table that every value is this import's id, which its own row in
    /// `imports` holds, and are then added `NOT VALID`: enforced for every later write, marked in
    /// the catalogue as not checked by PostgreSQL itself (`ALTER TABLE … VALIDATE CONSTRAINT`
    /// does that at any time).
    async fn restore<'c, DB: sqlx::Database>(
        &self,
        tx: &mut sqlx::Transaction<'c, DB>,
        import_id: i64,
    ) -> Result<(), StoreError>
    where
        for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
        <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
        i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        if self.restore.is_empty() && self.import_refs.is_empty() {
            return Ok(());
        }
        for sql in &self.settings {
            sqlx::query(*sql).execute(&mut **tx).await?;
        }
        for sql in &self.restore {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut **tx)
                .await?;
        }
        for (table, refs) in &self.import_refs {
            let others: Vec<String> = refs
                .iter()
                .map(|(_, column, _)| format!("{column} <> $1"))
                .collect();
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {}", others.join(" OR "));
            let wrong: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(import_id)
                .fetch_one(&mut **tx)
                .await?;
            if wrong > 0 {
                return Err(StoreError::Invalid(format!(
                    "批量导入后核对来源导入号：{table} 有 {wrong} 行的导入号不是本次导入（{import_id}）；\
                     本次导入已撤销，未写入任何数据"
                )));
            }
            for (name, _, definition) in refs {
                let definition = definition.trim_end_matches(" NOT VALID");
                let sql =
                    format!("ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition} NOT VALID");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}

/// One chunk of a load into an empty registry, ready to send ([`BulkMode::load`]), per table
/// (`enterprises`, `enterprise_facts`; empty where the chunk writes nothing): on PostgreSQL as
/// COPY text, on SQLite as `sqlite_raw::encoded` values; with its history rows (none when the
/// registry was empty, but written if any).
struct Prepared {
    rows: [Vec<u8>; 2],
    history: Vec<HistoryEntry>,
}

/// One chunk compared with what the registry holds (the row-by-row path): its counts, bad rows and
/// registration changes, and its upserts with their arguments and history rows (none after a bad
/// row).
struct Compared<A> {
    counts: ImportCounts,
    errors: Vec<RowError>,
    registrations: HashMap<(NaiveDate, String), i64>,
    statements: Vec<(String, A)>,
    history: Vec<HistoryEntry>,
}

/// What [`prepare_bulk`] learnt from the rows, as the row-by-row loop keeps it.
#[derive(Default)]
struct BulkEnd {
    counts: ImportCounts,
    registrations: HashMap<(NaiveDate, String), i64>,
    errors: Vec<RowError>,
    valid: bool,
}

/// The CPU side of a load into an empty registry, on a thread of its own: each chunk compared
/// (with nothing: every row is new), sorted by code and prepared by `prepare` (COPY text or
/// INSERTs with their arguments), and handed to the connection, which sends one chunk while this
/// thread prepares the next. In one task the two took turns: at 1M rows into PostgreSQL the server
/// was busy 40% of the load, huiqi's writer 40%, a core idle; into SQLite its worker thread 60%
/// (perf, 2026-12-01). After the first bad row nothing more is prepared, but every row is still
/// compared, to name every bad one.
fn prepare_bulk<C>(
    plan: &Plan,
    mut rx: mpsc::Receiver<Incoming>,
    import_id: i64,
    out: mpsc::Sender<Result<C, sqlx::Error>>,
    prepare: impl Fn(&mut ChunkWrites<'_>) -> Result<C, sqlx::Error>,
) -> BulkEnd {
    let empty = HashMap::new();
    let mut end = BulkEnd::default();
    while let Some(msg) = rx.blocking_recv() {
        let rows = match msg {
            Incoming::Rows(rows) => rows,
            Incoming::End { valid } => {
                end.valid = valid;
                break;
            }
        };
        let mut writes = plan.diff(&rows, &empty, import_id, &mut end.counts, &mut end.errors);
        for (key, n) in writes.registrations.drain() {
            *end.registrations.entry(key).or_default() += n;
        }
        if !end.errors.is_empty() {
            continue;
        }
        // In code order: SQLite's inserts land on neighbouring index pages (hot in the CPU
        // cache); PostgreSQL builds its keys after the load by sorting, and runs already in order
        // sort faster (at 1M rows, 1.0–1.35 s per key against 2.0–2.2 s in random order).
        writes
            .enterprise_rows
            .sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
        writes
            .fact_rows
            .sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
        let prepared = prepare(&mut writes);
        let failed = prepared.is_err();
        // Stop after a chunk that could not be prepared (the connection returns its error) or when
        // the connection has failed (it returns its own).
        if out.blocking_send(prepared).is_err() || failed {
            break;
        }
    }
    end
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
        let plan = Arc::new(Plan::new(meta.source, meta.year, self.backend()));
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
                // PostgreSQL into an empty registry: the two tables' keys, indexes and foreign keys
                // (and the foreign keys pointing at them) are dropped before the load and built
                // once after it, instead of being kept up row by row. At 1M rows the import took
                // 32 s with every key kept (a trigger per row for each foreign key) and 15 s with the
                // foreign keys re-added afterwards; the same rows in SQL by hand, 22.6 s with the
                // indexes kept against 10.5 s with them built after the load. Dropped and re-added
                // in this transaction, so a refused or failed import rolls back to the schema as it
                // was; the tables are locked until it ends. SQLite likewise drops the two tables'
                // indexes, its keys among them (migration 0840), and builds them after the load.
                let deferred = if registry_empty {
                    DeferredSchema::drop(&mut tx, plan.anonymous).await?
                } else {
                    DeferredSchema::default()
                };

                // The multi-row upserts of `rows` for `groups` (plain INSERTs when `update` is
                // false), each with its arguments, built directly (sparing moving the whole
                // `Query` once per value: 30 million times in a 1M-row import).
                let upserts = {
                    let plan = Arc::clone(&plan);
                    move |groups: &[Group],
                          rows: &[&Record],
                          update: bool|
                          -> Result<Vec<(String, Args)>, sqlx::Error> {
                        let per_row = 1 + groups.iter().map(|g| g.columns().len()).sum::<usize>();
                        let mut statements = Vec::new();
                        for batch in chunks_of(rows, Plan::rows_per_upsert(groups)) {
                            let sql = plan.upsert_sql(groups, import_id, batch.len(), update);
                            let mut args = Args::default();
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
                            statements.push((sql, args));
                        }
                        Ok(statements)
                    }
                };

                let mut counts = ImportCounts::default();
                let mut registrations: HashMap<(NaiveDate, String), i64> = HashMap::new();
                let mut errors: Vec<RowError> = Vec::new();
                let mut valid = false;
                if registry_empty {
                    // Into an empty registry every row is new (nothing to look up or conflict
                    // with): the rows are prepared on a thread of their own (`prepare_bulk`) while
                    // this connection sends the chunk before. PostgreSQL gets each chunk as one
                    // COPY per table; SQLite as multi-row INSERTs (`BulkMode::load`).
                    let (chunks_tx, mut chunks_rx) = mpsc::channel::<Result<Prepared, sqlx::Error>>(2);
                    let prepare = {
                        let plan = Arc::clone(&plan);
                        let groups = [enterprise_groups.clone(), fact_groups.clone()];
                        move |writes: &mut ChunkWrites<'_>| -> Result<Prepared, sqlx::Error> {
                            let mut p = Prepared {
                                rows: Default::default(),
                                history: std::mem::take(&mut writes.history),
                            };
                            for (i, rows) in [&writes.enterprise_rows, &writes.fact_rows].into_iter().enumerate() {
                                let groups = &groups[i];
                                if groups.is_empty() || rows.is_empty() {
                                    continue;
                                }
                                let data = &mut p.rows[i];
                                data.reserve(rows.len() * 256);
                                for rec in rows.iter() {
                                    if plan.anonymous {
                                        plan.push_encoded_row(data, groups, rec);
                                    } else {
                                        plan.push_copy_row(data, groups, import_id, rec);
                                    }
                                }
                            }
                            Ok(p)
                        }
                    };
                    let encoder = {
                        let plan = Arc::clone(&plan);
                        tokio::task::spawn_blocking(move || prepare_bulk(&plan, rx, import_id, chunks_tx, prepare))
                    };
                    let tables = [&enterprise_groups, &fact_groups];
                    while let Some(chunk) = chunks_rx.recv().await {
                        let chunk = chunk?;
                        for (groups, data) in tables.iter().zip(&chunk.rows) {
                            if !groups.is_empty() && !data.is_empty() {
                                BulkMode::load(&mut *tx, &plan, groups, import_id, data).await?;
                            }
                        }
                        write_history!(tx, &chunk.history, plan.anonymous);
                    }
                    let end = encoder.await.map_err(|e| {
                        StoreError::Invalid(format!(
                            "导入的准备线程异常结束（{e}）；本次导入已撤销，未写入任何数据"
                        ))
                    })?;
                    (counts, registrations, errors, valid) =
                        (end.counts, end.registrations, end.errors, end.valid);
                } else {
                    // A registry that holds rows: each chunk's rows are looked up, compared (on a
                    // thread of their own, `compare`) and the new or changed ones upserted. The
                    // comparison of one chunk runs while the next chunk is looked up: a file's codes
                    // are unique (the reader refuses a second row of a code), so no look-up depends
                    // on an earlier chunk's writes. In one task the two took turns (at 1M unchanged
                    // rows on SQLite its worker was busy 60% of the time, perf, 2026-12-01).
                    let compare = {
                        let plan = Arc::clone(&plan);
                        let groups = [enterprise_groups.clone(), fact_groups.clone()];
                        let upserts = upserts.clone();
                        move |rows: Vec<Record>,
                              mut existing: HashMap<String, Vec<Value>>,
                              encoded: Vec<u8>|
                              -> Result<Compared<Args>, StoreError> {
                            plan.read_lookup_encoded(&encoded, &mut existing)?;
                            let mut c = Compared {
                                counts: ImportCounts::default(),
                                errors: Vec::new(),
                                registrations: HashMap::new(),
                                statements: Vec::new(),
                                history: Vec::new(),
                            };
                            let mut writes = plan.diff(&rows, &existing, import_id, &mut c.counts, &mut c.errors);
                            c.registrations = std::mem::take(&mut writes.registrations);
                            if !c.errors.is_empty() {
                                return Ok(c);
                            }
                            // Key order: consecutive upserts land on neighbouring index pages (hot
                            // in the CPU cache) instead of random ones.
                            writes.enterprise_rows.sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
                            writes.fact_rows.sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
                            for (i, rows) in [&writes.enterprise_rows, &writes.fact_rows].into_iter().enumerate() {
                                if !groups[i].is_empty() && !rows.is_empty() {
                                    c.statements.extend(upserts(&groups[i], rows, true)?);
                                }
                            }
                            c.history = writes.history;
                            Ok(c)
                        }
                    };
                    let mut pending: Option<tokio::task::JoinHandle<Result<Compared<Args>, StoreError>>> = None;
                    loop {
                        let rows = match rx.recv().await {
                            Some(Incoming::Rows(rows)) => Some(rows),
                            Some(Incoming::End { valid: v }) => {
                                valid = v;
                                None
                            }
                            None => None,
                        };
                        let looked_up = match rows {
                            Some(rows) => {
                                let mut existing = HashMap::new();
                                let mut encoded: Vec<u8> = Vec::new();
                                // SQLite's rows are read by `compare`, so that the next chunk's
                                // look-up follows at once.
                                BulkMode::lookup(&mut *tx, &plan, &rows, lookup_chunk, &mut existing, &mut encoded).await?;
                                Some((rows, existing, encoded))
                            }
                            None => None,
                        };
                        if let Some(compared) = pending.take() {
                            let c = compared.await.map_err(|e| {
                                StoreError::Invalid(format!(
                                    "导入的比对线程异常结束（{e}）；本次导入已撤销，未写入任何数据"
                                ))
                            })??;
                            counts.total += c.counts.total;
                            counts.new += c.counts.new;
                            counts.updated += c.counts.updated;
                            counts.unchanged += c.counts.unchanged;
                            counts.changed_values += c.counts.changed_values;
                            errors.extend(c.errors);
                            for (key, n) in c.registrations {
                                *registrations.entry(key).or_default() += n;
                            }
                            // After a bad row nothing more is written; every row is still read
                            // and compared, to name every bad one.
                            if errors.is_empty() {
                                for (sql, args) in c.statements {
                                    sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                                        .execute(&mut *tx)
                                        .await?;
                                }
                                write_history!(tx, &c.history, plan.anonymous);
                            }
                        }
                        let Some((rows, existing, encoded)) = looked_up else {
                            break;
                        };
                        let compare = compare.clone();
                        pending = Some(tokio::task::spawn_blocking(move || compare(rows, existing, encoded)));
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
                deferred.restore(&mut tx, import_id).await?;
                // The per-day registration counts follow the rows this import wrote, in its
                // transaction (migration 0120): changed days only, not a recount of the registry
                // (which took 1.6 s at 1M enterprises on SQLite, with no index to help).
                let mut changed_days: Vec<((NaiveDate, String), i64)> =
                    registrations.into_iter().filter(|(_, n)| *n != 0).collect();
                changed_days.sort_unstable();
                AddRegistrations::add_registrations(&mut *tx, &changed_days).await?;
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
