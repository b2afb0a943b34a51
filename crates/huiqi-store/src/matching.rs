//! 免申即享 (issue 5): the registry's facts as the rules read them (also as they were at an
//! earlier import, through `value_history`), matching runs and their results, and benefits
//! actually granted (migrations `0300_matching`, `0310_match_benefits`).
//!
//! A run's results are stored without naming any measure in the schema: `match_results` holds
//! one row per enterprise (size class, county), `match_benefits` one row per enterprise and
//! measure it benefits from (amount in fen, 1 for a flag). The caller says which measure ids a
//! [`ResultRow`]'s values are, so adding a measure to the rules needs no migration.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use huiqi_domain::registry::{Source, StorageType};
use huiqi_domain::{EntityKind, Facts, FounderGroup};
use rust_decimal::Decimal;
use sqlx::Row;

use crate::snapshot::{COLUMNS, Cell, CellKind, PartReader, Parts};
use crate::sqlite_raw::off_runtime;
use crate::{Store, StoreError, dispatch};

/// The facts columns of one enterprise-year, in the order `facts_sql` selects them.
const FACTS_SQL: &str = "SELECT e.uscc, e.name, e.kind, e.county, e.industry, e.registered_on, \
    f.employees_x100, f.revenue, f.total_assets, f.taxable_income, f.restricted_industry, \
    f.business_income, f.other_iit_relief, f.vat_small_scale, f.vat_sales_q1, f.vat_sales_q2, \
    f.vat_sales_q3, f.vat_sales_q4, f.resource_tax, f.urban_maintenance_tax, f.property_tax, \
    f.land_use_tax, f.stamp_duty, f.farmland_occupation_tax, f.education_surcharge, \
    f.local_education_surcharge, f.vat_due, f.iit_due, f.founder_group, f.rd_expense \
    FROM enterprises e JOIN enterprise_facts f ON f.uscc = e.uscc AND f.year = $1 \
    WHERE e.status = 'active'";

/// The orders a push list may be sorted by (a whitelist: the SQL is chosen here, never taken
/// from the request). Ties go by USCC, so a page is the same every time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PushSort {
    /// The largest amount first (the default: whom to reach first).
    #[default]
    AmountDesc,
    /// The smallest amount first.
    AmountAsc,
    /// By USCC.
    Uscc,
    /// By name (code point order on both databases).
    Name,
    /// By jurisdiction id (as the run saw the enterprise).
    County,
}

impl PushSort {
    pub const ALL: [PushSort; 5] = [
        PushSort::AmountDesc,
        PushSort::AmountAsc,
        PushSort::Uscc,
        PushSort::Name,
        PushSort::County,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PushSort::AmountDesc => "amount_desc",
            PushSort::AmountAsc => "amount_asc",
            PushSort::Uscc => "uscc",
            PushSort::Name => "name",
            PushSort::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<PushSort> {
        PushSort::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PushSort::AmountDesc => "金额（大的在前）",
            PushSort::AmountAsc => "金额（小的在前）",
            PushSort::Uscc => "统一社会信用代码",
            PushSort::Name => "企业名称",
            PushSort::County => "辖区",
        }
    }

    fn order_by(self, backend: crate::Backend) -> &'static str {
        let pg = backend == crate::Backend::Postgres;
        match (self, pg) {
            (PushSort::AmountDesc, _) => "b.amount_fen DESC, b.uscc",
            (PushSort::AmountAsc, _) => "b.amount_fen, b.uscc",
            (PushSort::Uscc, _) => "b.uscc",
            (PushSort::Name, false) => "e.name, b.uscc",
            (PushSort::Name, true) => "e.name COLLATE \"C\", b.uscc",
            (PushSort::County, _) => "b.county, b.uscc",
        }
    }
}

/// One stored result: an enterprise's outcome in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub uscc: String,
    /// The enterprise's county when the run read it.
    pub county: String,
    pub size_class: String,
    /// One value per measure id the caller names (`save_run`, `run_results`), in that order: the
    /// amount in fen, 1 for a flag that holds, 0 when the enterprise does not benefit.
    pub values: Vec<i64>,
}

/// A matching run as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub at: NaiveDate,
    pub year: i32,
    pub pack_id: String,
    pub pack_version: String,
    /// JSON of the parameter values used.
    pub parameters: String,
    pub enterprises: i64,
    pub total_fen: i64,
    /// The latest import the run read (`None` for runs stored before it was recorded).
    pub import_watermark: Option<i64>,
}

/// A benefit actually granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub uscc: String,
    pub measure: String,
    pub amount_fen: i64,
    pub granted_on: NaiveDate,
}

/// How the departments reach an enterprise (市场监管's 联系人 and 联系电话), for push lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub person: Option<String>,
    pub phone: Option<String>,
}

/// PostgreSQL's partitions of a run (migration 0850): each table, with its primary key.
const RUN_PARTITIONS: [(&str, &str); 2] = [
    ("match_results", "(run_id, uscc)"),
    ("match_benefits", "(run_id, measure, county, uscc)"),
];

/// A run's rows written on SQLite: one prepared INSERT per row stepped through SQLite's C API
/// (`sqlite_raw`). Through sqlx's worker, which copies every bound value into each multi-row
/// statement, storing 1M results took 6.3 s against 4.9 s (SQLite's own `INSERT … SELECT` of the
/// same rows: 4.0 s). PostgreSQL COPYs instead ([`RunWriter::write`]).
async fn insert_results_raw(
    conn: &mut sqlx::SqliteConnection,
    run_id: i64,
    measures: &[&str],
    results: &[ResultRow],
) -> Result<(), StoreError> {
    use crate::sqlite_raw::Statement;
    let mut handle = conn.lock_handle().await?;
    off_runtime(|| -> Result<(), sqlx::Error> {
        let mut stmt = Statement::prepare(
            &mut handle,
            "INSERT INTO match_results (run_id, uscc, county, size_class) VALUES (?1, ?2, ?3, ?4)",
        )?;
        stmt.bind_int(1, run_id)?;
        for r in results {
            stmt.bind_text(2, &r.uscc)?;
            stmt.bind_text(3, &r.county)?;
            stmt.bind_text(4, &r.size_class)?;
            stmt.execute()?;
        }
        drop(stmt);
        let mut stmt = Statement::prepare(
            &mut handle,
            "INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        stmt.bind_int(1, run_id)?;
        for (measure, r, value) in benefit_rows(measures, results) {
            stmt.bind_text(2, measure)?;
            stmt.bind_text(3, &r.county)?;
            stmt.bind_text(4, &r.uscc)?;
            stmt.bind_int(5, value)?;
            stmt.execute()?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A run being stored ([`Store::begin_run`]): its open transaction.
pub struct RunWriter {
    tx: RunTx,
    id: i64,
    measures: Vec<String>,
}

/// `$body` with `$tx` bound to the run's transaction, whichever the database (as `dispatch!`).
macro_rules! on_run_tx {
    ($run_tx:expr, $tx:ident => $body:expr) => {
        match $run_tx {
            RunTx::Sqlite($tx) => $body,
            RunTx::Postgres($tx) => $body,
        }
    };
}

enum RunTx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl From<sqlx::Transaction<'static, sqlx::Sqlite>> for RunTx {
    fn from(tx: sqlx::Transaction<'static, sqlx::Sqlite>) -> Self {
        RunTx::Sqlite(tx)
    }
}

impl From<sqlx::Transaction<'static, sqlx::Postgres>> for RunTx {
    fn from(tx: sqlx::Transaction<'static, sqlx::Postgres>) -> Self {
        RunTx::Postgres(tx)
    }
}

impl RunWriter {
    /// Writes some of the run's results (each with one value per measure given to `begin_run`).
    /// SQLite steps one prepared INSERT per row through its C API (`sqlite_raw`); PostgreSQL
    /// COPYs into the run's partitions.
    pub async fn write(&mut self, results: &[ResultRow]) -> Result<(), StoreError> {
        let measures: Vec<&str> = self.measures.iter().map(String::as_str).collect();
        if let Some(r) = results.iter().find(|r| r.values.len() != measures.len()) {
            return Err(StoreError::Invalid(format!(
                "{} 的结果有 {} 个值，应为 {} 个",
                r.uscc,
                r.values.len(),
                measures.len()
            )));
        }
        match &mut self.tx {
            RunTx::Sqlite(tx) => {
                insert_results_raw(tx, self.id, &measures, results).await?;
            }
            RunTx::Postgres(tx) => {
                use crate::copy::{CopyText, push_int, push_text};
                let id = self.id;
                let run_literal = id.to_string();
                let run_bytes = run_literal.as_bytes();
                CopyText::copy_rows(
                    &mut **tx,
                    &format!(
                        "COPY match_results_run_{id} (run_id, uscc, county, size_class) FROM STDIN"
                    ),
                    results,
                    |data: &mut Vec<u8>, r: &ResultRow| {
                        data.extend_from_slice(run_bytes);
                        for v in [&r.uscc, &r.county, &r.size_class] {
                            data.push(b'\t');
                            push_text(data, v);
                        }
                        data.push(b'\n');
                    },
                )
                .await?;
                CopyText::copy_rows(
                    &mut **tx,
                    &format!(
                        "COPY match_benefits_run_{id} (run_id, measure, county, uscc, amount_fen) FROM STDIN"
                    ),
                    &benefit_rows(&measures, results),
                    |data: &mut Vec<u8>, (m, r, v): &(&str, &ResultRow, i64)| {
                        data.extend_from_slice(run_bytes);
                        for t in [*m, r.county.as_str(), r.uscc.as_str()] {
                            data.push(b'\t');
                            push_text(data, t);
                        }
                        data.push(b'\t');
                        push_int(data, *v);
                        data.push(b'\n');
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Stores nothing: the run's transaction is rolled back (and, on SQLite, the write lock
    /// released) now rather than when the writer is dropped.
    pub async fn abandon(self) -> Result<(), StoreError> {
        on_run_tx!(self.tx, tx => tx.rollback().await?);
        Ok(())
    }

    /// Sets the run's count of enterprises and its total, and commits; returns the run id.
    pub async fn finish(self, enterprises: i64, total_fen: i64) -> Result<i64, StoreError> {
        let id = self.id;
        let partitioned = matches!(self.tx, RunTx::Postgres(_));
        on_run_tx!(self.tx, tx => {
            let mut tx = tx;
            sqlx::query("UPDATE match_runs SET enterprises = $1, total_fen = $2 WHERE id = $3")
                .bind(enterprises)
                .bind(total_fen)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if partitioned {
                for (table, key) in RUN_PARTITIONS {
                    for sql in [
                        format!(
                            "ALTER TABLE {table}_run_{id} ADD CONSTRAINT {table}_run_{id}_pkey PRIMARY KEY {key}"
                        ),
                        format!(
                            "ALTER TABLE {table} ATTACH PARTITION {table}_run_{id} FOR VALUES FROM ({id}) TO ({id} + 1)"
                        ),
                    ] {
                        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                    }
                }
                // Statistics of this run's partitions, for the push lists' plans. (ANALYZE of
                // the partitioned tables would sample every earlier run's partition again.)
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ANALYZE match_results_run_{id}, match_benefits_run_{id}"
                )))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(id)
    }
}

/// The facts of one snapshot part, checked against the row count it was written with.
fn decode_part(
    kinds: [CellKind; COLUMNS],
    part: i32,
    data: &[u8],
    rows: i64,
) -> Result<Vec<Facts>, StoreError> {
    let mut reader = PartReader::new(kinds, data).map_err(|e| corrupt(part, e.0))?;
    if reader.len() as i64 != rows {
        return Err(corrupt(part, "行数与记录不符"));
    }
    let mut out = Vec::with_capacity(reader.len());
    while let Some(cells) = reader.next_row().map_err(|e| corrupt(part, e.0))? {
        out.push(facts_from(&SnapRow(&cells))?);
    }
    Ok(out)
}

/// A snapshot part that cannot be read as written.
fn corrupt(part: i32, why: &str) -> StoreError {
    StoreError::Invalid(format!(
        "事实快照第 {} 段已损坏（{why}），已删除；请再运行一次，届时将从登记库重新读取",
        part + 1
    ))
}

fn dec(fen: Option<i64>) -> Decimal {
    Decimal::new(fen.unwrap_or(0), 2)
}

/// The column of `FACTS_SQL` at `i` without its table alias: huiqi-domain's `FACT_COLUMNS`, in
/// the same order, with the headcount stored in hundredths.
fn fact_column(i: usize) -> &'static str {
    match huiqi_domain::FACT_COLUMNS[i] {
        "employees" => "employees_x100",
        c => c,
    }
}

/// One row of `FACTS_SQL`, read column by column: a driver row, or (SQLite bulk reads) the row
/// as a JSON array.
trait FactColumns {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, i: usize) -> Result<Option<i64>, sqlx::Error>;
    fn flag(&self, i: usize) -> Result<Option<bool>, sqlx::Error>;
    fn date(&self, i: usize) -> Result<Option<NaiveDate>, sqlx::Error>;
    /// Column `i` as text lent to `f`: no copy where the row can lend it.
    fn with_text<T>(&self, i: usize, f: impl FnOnce(Option<&str>) -> T) -> Result<T, sqlx::Error> {
        Ok(f(self.text(i)?.as_deref()))
    }
}

struct DriverRow<'r, R>(&'r R);

impl<R> FactColumns for DriverRow<'_, R>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<bool>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<NaiveDate>: sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database>,
    i64: sqlx::Type<R::Database>,
    bool: sqlx::Type<R::Database>,
    NaiveDate: sqlx::Type<R::Database>,
{
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        self.0.try_get(i)
    }
    fn int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        self.0.try_get(i)
    }
    fn flag(&self, i: usize) -> Result<Option<bool>, sqlx::Error> {
        self.0.try_get(i)
    }
    fn date(&self, i: usize) -> Result<Option<NaiveDate>, sqlx::Error> {
        self.0.try_get(i)
    }
}

struct JsonRow<'r>(&'r [serde_json::Value]);

impl JsonRow<'_> {
    fn get(&self, i: usize) -> Result<&serde_json::Value, sqlx::Error> {
        self.0
            .get(i)
            .ok_or_else(|| sqlx::Error::ColumnIndexOutOfBounds {
                index: i,
                len: self.0.len(),
            })
    }
    fn bad(i: usize, v: &serde_json::Value) -> sqlx::Error {
        sqlx::Error::Decode(format!("列 {} 的值 {v} 类型不符", fact_column(i)).into())
    }
}

impl FactColumns for JsonRow<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        match self.get(i)? {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(t) => Ok(Some(t.clone())),
            v => Err(Self::bad(i, v)),
        }
    }
    fn int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self.get(i)? {
            serde_json::Value::Null => Ok(None),
            v => v.as_i64().map(Some).ok_or_else(|| Self::bad(i, v)),
        }
    }
    fn flag(&self, i: usize) -> Result<Option<bool>, sqlx::Error> {
        Ok(self.int(i)?.map(|v| v != 0))
    }
    fn date(&self, i: usize) -> Result<Option<NaiveDate>, sqlx::Error> {
        self.text(i)?
            .map(|t| {
                t.parse::<NaiveDate>()
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))
            })
            .transpose()
    }
}

impl FactColumns for crate::sqlite_raw::RawRow<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        crate::sqlite_raw::RawRow::text(self, i)
    }
    fn int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        crate::sqlite_raw::RawRow::int(self, i)
    }
    fn flag(&self, i: usize) -> Result<Option<bool>, sqlx::Error> {
        Ok(self.int(i)?.map(|v| v != 0))
    }
    fn date(&self, i: usize) -> Result<Option<NaiveDate>, sqlx::Error> {
        crate::sqlite_raw::RawRow::date(self, i)
    }
    fn with_text<T>(&self, i: usize, f: impl FnOnce(Option<&str>) -> T) -> Result<T, sqlx::Error> {
        self.with_str(i, f)
    }
}

/// A row of a facts snapshot (`snapshot.rs`): the cells the join returned.
struct SnapRow<'r, 'a>(&'r [Cell<'a>; COLUMNS]);

impl SnapRow<'_, '_> {
    fn cell(&self, i: usize) -> Result<Cell<'_>, sqlx::Error> {
        self.0
            .get(i)
            .copied()
            .ok_or_else(|| sqlx::Error::ColumnIndexOutOfBounds {
                index: i,
                len: COLUMNS,
            })
    }
    fn bad(i: usize) -> sqlx::Error {
        sqlx::Error::Decode(format!("快照中列 {} 的类型不符", fact_column(i)).into())
    }
}

impl FactColumns for SnapRow<'_, '_> {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Text(t) => Ok(Some(t.to_owned())),
            _ => Err(Self::bad(i)),
        }
    }
    fn int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(v)),
            _ => Err(Self::bad(i)),
        }
    }
    fn flag(&self, i: usize) -> Result<Option<bool>, sqlx::Error> {
        Ok(self.int(i)?.map(|v| v != 0))
    }
    fn date(&self, i: usize) -> Result<Option<NaiveDate>, sqlx::Error> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Date(d) => Ok(Some(d)),
            _ => Err(Self::bad(i)),
        }
    }
    fn with_text<T>(&self, i: usize, f: impl FnOnce(Option<&str>) -> T) -> Result<T, sqlx::Error> {
        match self.cell(i)? {
            Cell::Null => Ok(f(None)),
            Cell::Text(t) => Ok(f(Some(t))),
            _ => Err(Self::bad(i)),
        }
    }
}

/// How a facts snapshot keeps each column of `FACTS_SQL`.
fn cell_kinds() -> [CellKind; COLUMNS] {
    std::array::from_fn(|i| match i {
        0..=4 => CellKind::Text,
        5 => CellKind::Date,
        _ => match fact_storage(i) {
            StorageType::Int => CellKind::Int,
            StorageType::Bool => CellKind::Bool,
            StorageType::Text => CellKind::Text,
            StorageType::Date => CellKind::Date,
        },
    })
}

/// Adds one enterprise's facts to the snapshot being built while it can still be kept: past
/// `snapshot::MAX_BYTES` (or a value it cannot hold) the parts are dropped and no more are built.
fn keep_for_snapshot(parts: &mut Parts, keep: &mut bool, facts: &Facts) {
    if !*keep {
        return;
    }
    *keep =
        push_snapshot_facts(parts, facts).is_some() && parts.bytes() <= crate::snapshot::MAX_BYTES;
    if !*keep {
        *parts = Parts::new(cell_kinds());
    }
}

/// Adds one enterprise's facts, as just read from the join, to a snapshot being built: each
/// column of `FACTS_SQL` as `facts_from` reads it back (amounts in fen, kinds by their ids).
/// `None` (the snapshot is not kept) for an amount that is not whole fen, which the registry
/// cannot hold.
fn push_snapshot_facts(parts: &mut Parts, f: &Facts) -> Option<()> {
    let m = |d: Decimal| -> Option<Cell<'static>> {
        if d.scale() > 2 {
            return None; // never rounded
        }
        let mut d = d;
        d.rescale(2);
        i64::try_from(d.mantissa()).ok().map(Cell::Int)
    };
    let b = |v: bool| Cell::Int(i64::from(v));
    // FACT_COLUMNS order (`FACTS_SQL`).
    let cells: [Cell<'_>; COLUMNS] = [
        Cell::Text(&f.uscc),
        Cell::Text(&f.name),
        Cell::Text(f.kind.as_str()),
        Cell::Text(&f.county),
        Cell::Text(&f.industry),
        f.registered_on.map_or(Cell::Null, Cell::Date),
        m(f.employees)?,
        m(f.revenue)?,
        m(f.total_assets)?,
        m(f.taxable_income)?,
        b(f.restricted_industry),
        m(f.business_income)?,
        m(f.other_iit_relief)?,
        b(f.vat_small_scale),
        m(f.vat_sales_q1)?,
        m(f.vat_sales_q2)?,
        m(f.vat_sales_q3)?,
        m(f.vat_sales_q4)?,
        m(f.resource_tax)?,
        m(f.urban_maintenance_tax)?,
        m(f.property_tax)?,
        m(f.land_use_tax)?,
        m(f.stamp_duty)?,
        m(f.farmland_occupation_tax)?,
        m(f.education_surcharge)?,
        m(f.local_education_surcharge)?,
        m(f.vat_due)?,
        m(f.iit_due)?,
        Cell::Text(f.founder_group.as_str()),
        m(f.rd_expense)?,
    ];
    let mut row = parts.row();
    for c in cells {
        row.cell(c);
    }
    row.finish();
    Some(())
}

fn facts_from_row<R>(r: &R) -> Result<Facts, sqlx::Error>
where
    for<'r> DriverRow<'r, R>: FactColumns,
{
    facts_from(&DriverRow(r))
}

fn facts_from(r: &impl FactColumns) -> Result<Facts, sqlx::Error> {
    let required = |i: usize| -> Result<String, sqlx::Error> {
        r.text(i)?
            .ok_or_else(|| sqlx::Error::Decode(format!("列 {} 不应为空", fact_column(i)).into()))
    };
    let kind = r.with_text(2, |t| t.map(|t| EntityKind::parse(t).unwrap_or_default()))?;
    let kind =
        kind.ok_or_else(|| sqlx::Error::Decode(format!("列 {} 不应为空", fact_column(2)).into()))?;
    let founder_group = r.with_text(28, |t| t.and_then(FounderGroup::parse).unwrap_or_default())?;
    let m = |i: usize| -> Result<Decimal, sqlx::Error> { Ok(dec(r.int(i)?)) };
    let b = |i: usize| -> Result<bool, sqlx::Error> { Ok(r.flag(i)?.unwrap_or(false)) };
    let facts = Facts {
        uscc: required(0)?,
        name: required(1)?,
        kind,
        county: required(3)?,
        industry: required(4)?,
        registered_on: r.date(5)?,
        employees: m(6)?,
        revenue: m(7)?,
        total_assets: m(8)?,
        taxable_income: m(9)?,
        restricted_industry: b(10)?,
        business_income: m(11)?,
        other_iit_relief: m(12)?,
        vat_small_scale: b(13)?,
        vat_sales_q1: m(14)?,
        vat_sales_q2: m(15)?,
        vat_sales_q3: m(16)?,
        vat_sales_q4: m(17)?,
        resource_tax: m(18)?,
        urban_maintenance_tax: m(19)?,
        property_tax: m(20)?,
        land_use_tax: m(21)?,
        stamp_duty: m(22)?,
        farmland_occupation_tax: m(23)?,
        education_surcharge: m(24)?,
        local_education_surcharge: m(25)?,
        vat_due: m(26)?,
        iit_due: m(27)?,
        founder_group,
        rd_expense: m(29)?,
    };
    // Every import checks the ranges; a database written before they existed may hold more,
    // which the rules must not see (huiqi_domain::limits).
    facts.check_ranges().map_err(|e| {
        sqlx::Error::Decode(
            format!("企业 {} 的数据超出范围：{e}；请重新导入更正", facts.uscc).into(),
        )
    })?;
    Ok(facts)
}

/// `$first, $first+1, …` (`n` placeholders) for an `IN (…)` list.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `FACTS_SQL` for `n` given enterprises (`$2`…) of any status, by uscc (`$1`: the year).
fn facts_of_sql(n: usize) -> String {
    FACTS_SQL.replace(
        "WHERE e.status = 'active'",
        &format!("WHERE e.uscc IN ({}) ORDER BY e.uscc", placeholders(2, n)),
    )
}

/// The benefit rows of a run: per measure, the enterprises with a positive value in key order
/// (county, uscc), so that every row written appends to `match_benefits`' primary key.
fn benefit_rows<'r>(
    measures: &[&'r str],
    results: &'r [ResultRow],
) -> Vec<(&'r str, &'r ResultRow, i64)> {
    let mut rows = Vec::new();
    for (i, m) in measures.iter().enumerate() {
        let start = rows.len();
        rows.extend(
            results
                .iter()
                .filter(|r| r.values[i] > 0)
                .map(|r| (*m, r, r.values[i])),
        );
        rows[start..].sort_by(|a, b| (&a.1.county, &a.1.uscc).cmp(&(&b.1.county, &b.1.uscc)));
    }
    rows
}

/// A measure id as an SQL literal: ours, but checked (lower-case letters, digits, `_`).
fn measure_literal(id: &str) -> Result<String, StoreError> {
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(format!("'{id}'"))
    } else {
        Err(StoreError::Invalid(format!("措施 id “{id}” 无效")))
    }
}

/// The storage type of each column of `FACTS_SQL` (`FACT_COLUMNS` order).
fn fact_storage(i: usize) -> StorageType {
    let name = huiqi_domain::FACT_COLUMNS[i];
    Source::Facts
        .columns()
        .find(|c| c.name == name)
        .map_or(StorageType::Text, |c| c.ty.storage())
}

/// A column of a driver row as the JSON value the SQLite bulk read would give.
fn json_cell(r: &impl FactColumns, i: usize) -> Result<serde_json::Value, sqlx::Error> {
    use serde_json::Value as J;
    Ok(match fact_storage(i) {
        StorageType::Int => r.int(i)?.map_or(J::Null, J::from),
        StorageType::Bool => r.flag(i)?.map_or(J::Null, |b| J::from(i64::from(b))),
        StorageType::Text => r.text(i)?.map_or(J::Null, J::from),
        StorageType::Date => r.date(i)?.map_or(J::Null, |d| J::from(d.to_string())),
    })
}

/// A value of `value_history` (its canonical text) as the JSON cell of column `i`.
fn json_of_canonical(i: usize, text: Option<&str>) -> serde_json::Value {
    use serde_json::Value as J;
    let Some(t) = text else { return J::Null };
    match fact_storage(i) {
        StorageType::Int => t.parse::<i64>().map_or(J::Null, J::from),
        StorageType::Bool => J::from(i64::from(t == "true")),
        StorageType::Text | StorageType::Date => J::from(t),
    }
}

impl Store {
    /// Streams the facts of every active enterprise for `year`, ordered by uscc, in batches of
    /// at most `batch`. From the year's snapshot when it is current (`snapshot.rs`); otherwise
    /// from the join, and then the snapshot is written for the next reader (best effort).
    pub async fn for_each_facts_batch<F>(
        &self,
        year: i32,
        batch: usize,
        each: F,
    ) -> Result<usize, StoreError>
    where
        F: FnMut(Vec<Facts>),
    {
        self.read_facts_batches(year, batch, each, true).await
    }

    /// [`Store::for_each_facts_batch`] for a reader that holds SQLite's write lock elsewhere
    /// meanwhile (a matching run stored while it reads, `RunWriter`): a damaged snapshot is
    /// refused (`StoreError::Invalid`) but not deleted, which would wait for that lock; the
    /// caller deletes it ([`Store::delete_fact_snapshot`]) once it has let the lock go.
    pub async fn for_each_facts_batch_keeping_damage<F>(
        &self,
        year: i32,
        batch: usize,
        each: F,
    ) -> Result<usize, StoreError>
    where
        F: FnMut(Vec<Facts>),
    {
        self.read_facts_batches(year, batch, each, false).await
    }

    async fn read_facts_batches<F>(
        &self,
        year: i32,
        batch: usize,
        mut each: F,
        delete_damaged: bool,
    ) -> Result<usize, StoreError>
    where
        F: FnMut(Vec<Facts>),
    {
        let batch = batch.max(1);
        if let Some(count) = self
            .facts_from_snapshot(year, batch, &mut each, delete_damaged)
            .await?
        {
            return Ok(count);
        }
        let watermark = self.latest_import_id().await?;
        let mut parts = Parts::new(cell_kinds());
        let mut encodable = true;
        let mut count = 0;
        match self {
            Store::Sqlite(pool) => {
                // One statement stepped through SQLite's C API (crate::sqlite_raw): the rows are
                // read straight from SQLite's buffers, not sent one by one from sqlx's worker.
                // The loop blocks; on a multi-thread runtime the other tasks move off this thread.
                let sql = format!("{FACTS_SQL} ORDER BY e.uscc");
                let mut conn = pool.acquire().await?;
                let mut handle = conn.lock_handle().await?;
                let read = || -> Result<usize, sqlx::Error> {
                    let mut stmt = crate::sqlite_raw::Statement::prepare(&mut handle, &sql)?;
                    stmt.bind_int(1, i64::from(year))?;
                    let mut count = 0;
                    let mut buf = Vec::with_capacity(batch);
                    while let Some(row) = stmt.next()? {
                        let facts = facts_from(&row)?;
                        keep_for_snapshot(&mut parts, &mut encodable, &facts);
                        buf.push(facts);
                        if buf.len() == batch {
                            count += buf.len();
                            each(std::mem::replace(&mut buf, Vec::with_capacity(batch)));
                        }
                    }
                    count += buf.len();
                    if !buf.is_empty() {
                        each(buf);
                    }
                    Ok(count)
                };
                count = off_runtime(read)?;
            }
            Store::Postgres(pool) => {
                let sql = format!("{FACTS_SQL} ORDER BY e.uscc");
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(year)
                    .fetch(pool);
                let mut buf = Vec::with_capacity(batch);
                while let Some(r) = rows.try_next().await? {
                    let facts = facts_from_row(&r)?;
                    keep_for_snapshot(&mut parts, &mut encodable, &facts);
                    buf.push(facts);
                    if buf.len() == batch {
                        count += buf.len();
                        each(std::mem::replace(&mut buf, Vec::with_capacity(batch)));
                    }
                }
                count += buf.len();
                if !buf.is_empty() {
                    each(buf);
                }
            }
        }
        // Kept only if no import committed while the join was read (then the rows are the
        // registry as of `watermark`); a failure to write costs the next reader time, nothing else.
        if count > 0 && encodable && self.latest_import_id().await? == watermark {
            let _ = self
                .write_fact_snapshot(year, watermark, &parts.finish())
                .await;
        }
        Ok(count)
    }

    /// The facts of `year` from its current snapshot, in batches; `None` when there is none.
    /// Parts are decoded a few at a time on every core. A damaged snapshot is deleted (the next
    /// read rebuilds it; left to the caller unless `delete_damaged`) and the read refused.
    async fn facts_from_snapshot<F>(
        &self,
        year: i32,
        batch: usize,
        each: &mut F,
        delete_damaged: bool,
    ) -> Result<Option<usize>, StoreError>
    where
        F: FnMut(Vec<Facts>),
    {
        use rayon::prelude::*;
        const WINDOW: usize = 4;
        let kinds = cell_kinds();
        let mut count = 0;
        let mut seen = 0i32;
        let mut expected = None;
        let read: Result<(), StoreError> = async {
            dispatch!(self, pool => {
                let mut rows = sqlx::query(crate::snapshot::READ_SQL).bind(year).fetch(pool);
                let mut window: Vec<(i32, Vec<u8>, i64)> = Vec::with_capacity(WINDOW);
                loop {
                    let next = rows.try_next().await?;
                    let end = next.is_none();
                    if let Some(r) = next {
                        let (part, parts, row_count): (i32, i32, i64) =
                            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                        if part != seen || *expected.get_or_insert(parts) != parts {
                            return Err(corrupt(part, "分段不连续"));
                        }
                        seen += 1;
                        window.push((part, r.try_get(3)?, row_count));
                    }
                    if window.len() == WINDOW || (end && !window.is_empty()) {
                        let decoded: Vec<Result<Vec<Facts>, StoreError>> = off_runtime(|| {
                            window
                                .par_iter()
                                .map(|(part, data, rows)| decode_part(kinds, *part, data, *rows))
                                .collect()
                        });
                        window.clear();
                        for facts in decoded {
                            let mut facts = facts?;
                            count += facts.len();
                            // A part is one batch when it fits (no copy), else it is cut.
                            while facts.len() > batch {
                                let rest = facts.split_off(batch);
                                each(std::mem::replace(&mut facts, rest));
                            }
                            if !facts.is_empty() {
                                each(facts);
                            }
                        }
                    }
                    if end {
                        break;
                    }
                }
                Ok(())
            })
        }
        .await;
        match read {
            Ok(()) if expected.is_none() => Ok(None),
            Ok(()) if expected != Some(seen) => {
                if delete_damaged {
                    self.delete_fact_snapshot(year).await?;
                }
                Err(corrupt(seen, "缺少分段"))
            }
            Ok(()) => Ok(Some(count)),
            Err(e @ StoreError::Invalid(_)) => {
                if delete_damaged {
                    self.delete_fact_snapshot(year).await?;
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The facts for `year` of the given enterprises (any status), in uscc order; an enterprise
    /// without facts that year is left out.
    pub async fn facts_of_many(
        &self,
        usccs: &[String],
        year: i32,
    ) -> Result<Vec<Facts>, StoreError> {
        let mut out = Vec::with_capacity(usccs.len());
        for chunk in usccs.chunks(500) {
            let sql = facts_of_sql(chunk.len());
            dispatch!(self, pool => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(year);
                for u in chunk {
                    q = q.bind(u);
                }
                for r in q.fetch_all(pool).await? {
                    out.push(facts_from_row(&r)?);
                }
            });
        }
        out.sort_by(|a, b| a.uscc.cmp(&b.uscc));
        Ok(out)
    }

    /// The enterprises of a run that benefit from one measure, optionally of one county (as the
    /// run saw it): how many, their total (fen; for a flag, the count), and the rows
    /// `offset..offset + limit` (all when `limit` is `None`) in the order of `sort` with their
    /// values. Filtered by the primary key of `match_benefits`, so a page of a large run does not
    /// read the run.
    pub async fn push_candidates(
        &self,
        run_id: i64,
        measure: &str,
        county: &str,
        sort: PushSort,
        offset: i64,
        limit: Option<i64>,
    ) -> Result<(Vec<(String, i64)>, i64, i64), StoreError> {
        let filter = if county.is_empty() {
            "WHERE b.run_id = $1 AND b.measure = $2 AND $3 = ''"
        } else {
            "WHERE b.run_id = $1 AND b.measure = $2 AND b.county = $3"
        };
        // PostgreSQL's SUM of BIGINT is NUMERIC: cast back.
        let totals = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(b.amount_fen), 0) AS BIGINT) FROM match_benefits b {filter}"
        );
        let rows = format!(
            "SELECT b.uscc, b.amount_fen FROM match_benefits b LEFT JOIN enterprises e ON e.uscc = b.uscc \
             {filter} ORDER BY {} LIMIT $4 OFFSET $5",
            sort.order_by(self.backend())
        );
        let limit = limit.unwrap_or(i64::MAX);
        dispatch!(self, pool => {
            let (count, total): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(totals.as_str()))
                .bind(run_id)
                .bind(measure)
                .bind(county)
                .fetch_one(pool)
                .await?;
            let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(rows.as_str()))
                .bind(run_id)
                .bind(measure)
                .bind(county)
                .bind(limit)
                .bind(offset.max(0))
                .fetch_all(pool)
                .await?;
            Ok((rows, count, total))
        })
    }

    /// The facts for `year` of the given enterprises as they were when import `watermark` was
    /// the latest: today's facts with every value a later import changed set back to its value
    /// before that import (`value_history`). `None`: today's facts. A column group a department
    /// delivered for the first time after the watermark has no history and keeps its value.
    pub async fn facts_as_of(
        &self,
        usccs: &[String],
        year: i32,
        watermark: Option<i64>,
    ) -> Result<Vec<Facts>, StoreError> {
        let mut facts = self.facts_of_many(usccs, year).await?;
        let Some(watermark) = watermark else {
            return Ok(facts);
        };
        let changed = self.values_before(usccs, year, watermark).await?;
        if changed.is_empty() {
            return Ok(facts);
        }
        let mut keys: Vec<String> = changed.keys().cloned().collect();
        keys.sort();
        let mut rows = self.fact_cells_of_many(&keys, year).await?;
        for (uscc, row) in &mut rows {
            for (i, old) in &changed[uscc.as_str()] {
                row[*i] = json_of_canonical(*i, old.as_deref());
            }
        }
        let rolled: std::collections::HashMap<String, Facts> = rows
            .iter()
            .map(|(u, row)| Ok((u.clone(), facts_from(&JsonRow(row))?)))
            .collect::<Result<_, sqlx::Error>>()?;
        for f in &mut facts {
            if let Some(old) = rolled.get(&f.uscc) {
                *f = old.clone();
            }
        }
        Ok(facts)
    }

    /// Per enterprise, the fact columns (their `FACTS_SQL` position) that an import after
    /// `watermark` changed, each with its value before the first such change.
    async fn values_before(
        &self,
        usccs: &[String],
        year: i32,
        watermark: i64,
    ) -> Result<std::collections::HashMap<String, Vec<(usize, Option<String>)>>, StoreError> {
        let mut out: std::collections::HashMap<String, Vec<(usize, Option<String>)>> =
            std::collections::HashMap::new();
        for chunk in usccs.chunks(500) {
            let list = placeholders(3, chunk.len());
            let sql = format!(
                "SELECT uscc, field, old_value FROM value_history WHERE new_import_id > $1 \
                 AND (year IS NULL OR year = $2) AND uscc IN ({list}) ORDER BY id"
            );
            let rows: Vec<(String, String, Option<String>)> = dispatch!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(watermark).bind(year);
                for u in chunk {
                    q = q.bind(u);
                }
                q.fetch_all(pool).await?
            });
            for (uscc, field, old) in rows {
                let Some(i) = huiqi_domain::FACT_COLUMNS.iter().position(|c| *c == field) else {
                    continue;
                };
                let cols = out.entry(uscc).or_default();
                // The earliest change after the watermark holds the value at the watermark.
                if !cols.iter().any(|(c, _)| *c == i) {
                    cols.push((i, old));
                }
            }
        }
        Ok(out)
    }

    /// The `FACTS_SQL` cells of the given enterprises (any status) as JSON values, by uscc.
    async fn fact_cells_of_many(
        &self,
        usccs: &[String],
        year: i32,
    ) -> Result<Vec<(String, Vec<serde_json::Value>)>, StoreError> {
        let mut out = Vec::with_capacity(usccs.len());
        for chunk in usccs.chunks(500) {
            let sql = facts_of_sql(chunk.len());
            dispatch!(self, pool => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(year);
                for u in chunk {
                    q = q.bind(u);
                }
                for r in q.fetch_all(pool).await? {
                    let row = DriverRow(&r);
                    let cells = (0..huiqi_domain::FACT_COLUMNS.len())
                        .map(|i| json_cell(&row, i))
                        .collect::<Result<Vec<_>, _>>()?;
                    let uscc = cells[0].as_str().unwrap_or_default().to_string();
                    out.push((uscc, cells));
                }
            });
        }
        Ok(out)
    }

    /// The facts of one enterprise for `year` (any status), if it has any.
    pub async fn facts_of(&self, uscc: &str, year: i32) -> Result<Option<Facts>, StoreError> {
        let sql = FACTS_SQL.replace("WHERE e.status = 'active'", "WHERE e.uscc = $2");
        dispatch!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(year).bind(uscc).fetch_optional(pool).await?;
            Ok(row.map(|r| facts_from_row(&r)).transpose()?)
        })
    }

    /// Records a run and all its results in one transaction; returns the run id. `measures` are
    /// the ids of each result's `values`, in order; a value of 0 stores nothing.
    pub async fn save_run(
        &self,
        run: &Run,
        measures: &[&str],
        results: &[ResultRow],
    ) -> Result<i64, StoreError> {
        let mut writer = self.begin_run(run, measures).await?;
        writer.write(results).await?;
        writer.finish(run.enterprises, run.total_fen).await
    }

    /// Starts storing a run, in a transaction of its own: its row in `match_runs` (with the count
    /// and total given for now; [`RunWriter::finish`] sets the final ones) and, on PostgreSQL, its
    /// partitions (migration 0850). Its results are then written chunk by chunk
    /// ([`RunWriter::write`]), for instance while the next chunk is evaluated. Nothing is seen by
    /// others until `finish`; a writer dropped unfinished stores nothing.
    ///
    /// On SQLite the writer holds the database's write lock from here on: no import or other
    /// write lands until it finishes or is dropped.
    pub async fn begin_run(&self, run: &Run, measures: &[&str]) -> Result<RunWriter, StoreError> {
        for m in measures {
            measure_literal(m)?;
        }
        let measures: Vec<String> = measures.iter().map(|m| m.to_string()).collect();
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO match_runs (started_at, at_date, year, pack_id, pack_version, parameters, \
                 enterprises, total_fen, import_watermark) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id",
            )
            .bind(run.started_at)
            .bind(run.at)
            .bind(run.year)
            .bind(&run.pack_id)
            .bind(&run.pack_version)
            .bind(&run.parameters)
            .bind(run.enterprises)
            .bind(run.total_fen)
            .bind(run.import_watermark)
            .fetch_one(&mut *tx)
            .await?;
            if self.backend() == crate::Backend::Postgres {
                // PostgreSQL: the run's rows go into partitions of its own (migration 0850),
                // COPYed unindexed; `finish` builds each primary key once by sorting, and
                // attaching checks the foreign key to match_runs in one query. Into the shared
                // tables, COPY kept both keys and the foreign key row by row: 13.9 s against
                // about 3 s for 1M enterprises.
                for (table, _) in RUN_PARTITIONS {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "CREATE TABLE {table}_run_{id} (LIKE {table}, \
                         CONSTRAINT {table}_run_{id}_range CHECK (run_id >= {id} AND run_id < {id} + 1))"
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            Ok(RunWriter { tx: tx.into(), id, measures })
        })
    }

    /// All runs, newest first.
    pub async fn runs(&self) -> Result<Vec<Run>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, started_at, at_date, year, pack_id, pack_version, parameters, enterprises, \
                 total_fen, import_watermark FROM match_runs ORDER BY id DESC",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Run {
                        id: r.try_get(0)?,
                        started_at: r.try_get(1)?,
                        at: r.try_get(2)?,
                        year: r.try_get(3)?,
                        pack_id: r.try_get(4)?,
                        pack_version: r.try_get(5)?,
                        parameters: r.try_get(6)?,
                        enterprises: r.try_get(7)?,
                        total_fen: r.try_get(8)?,
                        import_watermark: r.try_get(9)?,
                    })
                })
                .collect()
        })
    }

    /// The results of a run, ordered by uscc, with one value per id of `measures` (0 for a
    /// measure the run did not store, e.g. one added since).
    pub async fn run_results(
        &self,
        run_id: i64,
        measures: &[&str],
    ) -> Result<Vec<ResultRow>, StoreError> {
        // (uscc, county, size class) per enterprise; (measure, uscc, value) per benefit.
        type Results = Vec<(String, String, String)>;
        type Benefits = Vec<(String, String, i64)>;
        let (results, benefits): (Results, Benefits) = dispatch!(self, pool => {
            let results = sqlx::query_as(
                "SELECT uscc, county, size_class FROM match_results WHERE run_id = $1 ORDER BY uscc",
            )
            .bind(run_id)
            .fetch_all(pool)
            .await?;
            let benefits = sqlx::query_as(
                "SELECT measure, uscc, amount_fen FROM match_benefits WHERE run_id = $1",
            )
            .bind(run_id)
            .fetch_all(pool)
            .await?;
            (results, benefits)
        });
        let mut rows: Vec<ResultRow> = results
            .into_iter()
            .map(|(uscc, county, size_class)| ResultRow {
                uscc,
                county,
                size_class,
                values: vec![0; measures.len()],
            })
            .collect();
        for (measure, uscc, fen) in benefits {
            let (Some(m), Ok(r)) = (
                measures.iter().position(|x| *x == measure),
                rows.binary_search_by(|r| r.uscc.as_str().cmp(uscc.as_str())),
            ) else {
                continue;
            };
            rows[r].values[m] = fen;
        }
        Ok(rows)
    }

    /// The contacts on file of the given enterprises, by uscc (one without a contact is absent).
    pub async fn contacts_of(
        &self,
        usccs: &[String],
    ) -> Result<std::collections::HashMap<String, Contact>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for chunk in usccs.chunks(500) {
            let list = placeholders(1, chunk.len());
            let sql = format!(
                "SELECT uscc, contact_person, contact_phone FROM enterprises WHERE uscc IN ({list}) \
                 AND (contact_person IS NOT NULL OR contact_phone IS NOT NULL)"
            );
            dispatch!(self, pool => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for u in chunk {
                    q = q.bind(u);
                }
                for r in q.fetch_all(pool).await? {
                    out.insert(r.try_get(0)?, Contact { person: r.try_get(1)?, phone: r.try_get(2)? });
                }
            });
        }
        Ok(out)
    }

    /// The contact of one enterprise (empty when it is not registered or has none on file).
    pub async fn contact_of(&self, uscc: &str) -> Result<Contact, StoreError> {
        dispatch!(self, pool => {
            let row = sqlx::query("SELECT contact_person, contact_phone FROM enterprises WHERE uscc = $1")
                .bind(uscc)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Contact { person: r.try_get(0)?, phone: r.try_get(1)? },
                None => Contact::default(),
            })
        })
    }

    /// Records granted benefits (all or nothing); a grant already recorded is left as it is.
    /// Returns how many were new.
    pub async fn add_grants(&self, grants: &[Grant], file_name: &str) -> Result<usize, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut new = 0;
            for g in grants {
                let done = sqlx::query(
                    "INSERT INTO grants (uscc, measure, amount_fen, granted_on, file_name) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (uscc, measure, granted_on) DO NOTHING",
                )
                .bind(&g.uscc)
                .bind(&g.measure)
                .bind(g.amount_fen)
                .bind(g.granted_on)
                .bind(file_name)
                .execute(&mut *tx)
                .await?;
                new += done.rows_affected() as usize;
            }
            tx.commit().await?;
            Ok(new)
        })
    }

    /// Grants whose date falls in `year`, ordered by uscc and measure.
    pub async fn grants_of_year(&self, year: i32) -> Result<Vec<Grant>, StoreError> {
        let (from, to) = (
            NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year"),
            NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year"),
        );
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT uscc, measure, amount_fen, granted_on FROM grants \
                 WHERE granted_on >= $1 AND granted_on <= $2 ORDER BY uscc, measure, granted_on",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Grant {
                        uscc: r.try_get(0)?,
                        measure: r.try_get(1)?,
                        amount_fen: r.try_get(2)?,
                        granted_on: r.try_get(3)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }
}
