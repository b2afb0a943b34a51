//! The incentive-fund ledger of article 19 (migration `0600_assess`): `fund_entries` (awards,
//! spending, reversals; one account per jurisdiction and award year) and `fund_own_support`
//! (own-funded support, kept apart). Append-only: triggers refuse UPDATE and DELETE.
//!
//! An entry is appended in one transaction that first takes the ledger's write lock (SQLite:
//! `BEGIN IMMEDIATE`; PostgreSQL: `LOCK TABLE … SHARE ROW EXCLUSIVE`), then reads the account,
//! asks [`huiqi_assess::funds::check`] and writes the entry with its sequence number and the
//! balance after it. Two spends at once are thus decided one after the other; the database also
//! refuses a negative balance and a second entry with the same sequence number. A refused entry
//! writes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_assess::funds::{self, Entry, EntryKind, OwnEntry, Purpose, Request, Totals};
use sqlx::Row;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::{Store, StoreError, dispatch};

/// A stored ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundEntryRow {
    pub id: i64,
    pub jurisdiction: String,
    pub year: i32,
    pub seq: i64,
    pub kind: EntryKind,
    pub date: NaiveDate,
    pub amount_fen: i64,
    pub purpose: Option<Purpose>,
    pub project: String,
    pub recipient: String,
    pub document_no: String,
    pub attachment: Option<String>,
    pub reverses: Option<i64>,
    pub reversed_kind: Option<EntryKind>,
    pub assessment_id: Option<i64>,
    pub balance_after_fen: i64,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl FundEntryRow {
    /// The entry as the ledger rules see it.
    pub fn entry(&self) -> Entry {
        Entry {
            id: self.id,
            kind: self.kind,
            date: self.date,
            amount_fen: self.amount_fen,
            purpose: self.purpose,
            reverses: self.reverses,
            reversed_kind: self.reversed_kind,
        }
    }
}

/// What goes with an entry besides its amount: where the money went and who recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundDetails {
    pub project: String,
    pub recipient: String,
    pub document_no: String,
    pub attachment: Option<String>,
    pub note: String,
    /// The stored assessment an award comes from.
    pub assessment_id: Option<i64>,
    pub recorded_by: String,
}

/// A stored own-funded support entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnSupportRow {
    pub id: i64,
    pub jurisdiction: String,
    pub year: i32,
    pub date: NaiveDate,
    pub amount_fen: i64,
    pub purpose: Option<Purpose>,
    pub project: String,
    pub recipient: String,
    pub document_no: String,
    pub attachment: Option<String>,
    pub reverses: Option<i64>,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl OwnSupportRow {
    pub fn entry(&self) -> OwnEntry {
        OwnEntry {
            id: self.id,
            amount_fen: self.amount_fen,
            reverses: self.reverses,
        }
    }
}

/// Transactions that write one after the other.
pub(crate) trait SerialTx {
    type Db: sqlx::Database;
    /// SQLite: the write lock from the start (`BEGIN IMMEDIATE`), so a second writer waits
    /// (busy_timeout) and then reads what the first wrote, instead of failing when it upgrades
    /// from reading. PostgreSQL: a plain transaction (unique keys decide between two writers).
    async fn begin_serial(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
    /// As `begin_serial`, and on PostgreSQL the ledger tables locked against other writers (not
    /// readers) until the end of the transaction.
    async fn begin_ledger(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl SerialTx for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_serial(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
    async fn begin_ledger(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_serial().await
    }
}

impl SerialTx for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_serial(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
    async fn begin_ledger(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("LOCK TABLE fund_entries, fund_own_support IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

const ENTRY_COLUMNS: &str = "id, jurisdiction, year, seq, kind, entry_date, amount_fen, purpose, project, recipient, \
     document_no, attachment, reverses, reversed_kind, assessment_id, balance_after_fen, note, recorded_by, recorded_at";

fn entry_row<R>(r: &R) -> Result<FundEntryRow, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database>,
    for<'a> NaiveDate: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get(4)?;
    let purpose: Option<String> = r.try_get(7)?;
    let reversed_kind: Option<String> = r.try_get(13)?;
    let bad =
        |what: &str, v: &str| StoreError::Invalid(format!("资金分录中有无法识别的{what}“{v}”"));
    Ok(FundEntryRow {
        id: r.try_get(0)?,
        jurisdiction: r.try_get(1)?,
        year: r.try_get(2)?,
        seq: r.try_get(3)?,
        kind: EntryKind::parse(&kind).ok_or_else(|| bad("类型", &kind))?,
        date: r.try_get(5)?,
        amount_fen: r.try_get(6)?,
        purpose: purpose
            .map(|p| Purpose::parse(&p).map_err(|_| bad("用途", &p)))
            .transpose()?,
        project: r.try_get(8)?,
        recipient: r.try_get(9)?,
        document_no: r.try_get(10)?,
        attachment: r.try_get(11)?,
        reverses: r.try_get(12)?,
        reversed_kind: reversed_kind
            .map(|k| EntryKind::parse(&k).ok_or_else(|| bad("类型", &k)))
            .transpose()?,
        assessment_id: r.try_get(14)?,
        balance_after_fen: r.try_get(15)?,
        note: r.try_get(16)?,
        recorded_by: r.try_get(17)?,
        recorded_at: r.try_get(18)?,
    })
}

const OWN_COLUMNS: &str = "id, jurisdiction, year, entry_date, amount_fen, purpose, project, recipient, document_no, \
     attachment, reverses, note, recorded_by, recorded_at";

fn own_row<R>(r: &R) -> Result<OwnSupportRow, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database>,
    for<'a> NaiveDate: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let purpose: Option<String> = r.try_get(5)?;
    Ok(OwnSupportRow {
        id: r.try_get(0)?,
        jurisdiction: r.try_get(1)?,
        year: r.try_get(2)?,
        date: r.try_get(3)?,
        amount_fen: r.try_get(4)?,
        purpose: purpose
            .map(|p| {
                Purpose::parse(&p).map_err(|_| {
                    StoreError::Invalid(format!("自筹支持记录中有无法识别的用途“{p}”"))
                })
            })
            .transpose()?,
        project: r.try_get(6)?,
        recipient: r.try_get(7)?,
        document_no: r.try_get(8)?,
        attachment: r.try_get(9)?,
        reverses: r.try_get(10)?,
        note: r.try_get(11)?,
        recorded_by: r.try_get(12)?,
        recorded_at: r.try_get(13)?,
    })
}

impl Store {
    /// Credits a jurisdiction's award for a year (one per year until reversed).
    pub async fn fund_award(
        &self,
        jurisdiction: &str,
        year: i32,
        date: NaiveDate,
        amount_fen: i64,
        details: &FundDetails,
    ) -> Result<FundEntryRow, StoreError> {
        let request = Request::Award { date, amount_fen };
        self.fund_append(Some((jurisdiction, year)), request, details)
            .await
    }

    /// Spends from a jurisdiction's award of a year on one of article 19's purposes; refused
    /// beyond the balance.
    pub async fn fund_spend(
        &self,
        jurisdiction: &str,
        year: i32,
        date: NaiveDate,
        amount_fen: i64,
        purpose: Purpose,
        details: &FundDetails,
    ) -> Result<FundEntryRow, StoreError> {
        let request = Request::Spend {
            date,
            amount_fen,
            purpose,
        };
        self.fund_append(Some((jurisdiction, year)), request, details)
            .await
    }

    /// Reverses an entry (the only correction); the reason goes in the note.
    pub async fn fund_reverse(
        &self,
        entry: i64,
        date: NaiveDate,
        reason: &str,
        recorded_by: &str,
    ) -> Result<FundEntryRow, StoreError> {
        let request = Request::Reversal {
            date,
            entry,
            reason: reason.to_string(),
        };
        let details = FundDetails {
            note: reason.to_string(),
            recorded_by: recorded_by.to_string(),
            ..FundDetails::default()
        };
        self.fund_append(None, request, &details).await
    }

    /// Appends one entry under the ledger lock. `account` is `None` for a reversal (the account is
    /// that of the entry reversed).
    async fn fund_append(
        &self,
        account: Option<(&str, i32)>,
        request: Request,
        d: &FundDetails,
    ) -> Result<FundEntryRow, StoreError> {
        let now = Utc::now();
        dispatch!(self, pool => {
            let mut tx = pool.begin_ledger().await?;
            let (jurisdiction, year) = match (account, &request) {
                (Some((j, y)), _) => (j.to_string(), y),
                (None, Request::Reversal { entry, .. }) => {
                    let row = sqlx::query("SELECT jurisdiction, year FROM fund_entries WHERE id = $1")
                        .bind(*entry)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else {
                        return Err(funds::FundsError::NoSuchEntry(*entry).into());
                    };
                    (row.try_get::<String, _>(0)?, row.try_get::<i32, _>(1)?)
                }
                (None, _) => {
                    return Err(StoreError::Invalid("记账请求缺少辖区和年度".into()));
                }
            };
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS} FROM fund_entries WHERE jurisdiction = $1 AND year = $2 ORDER BY seq"
            )))
            .bind(&jurisdiction)
            .bind(year)
            .fetch_all(&mut *tx)
            .await?;
            let existing = rows.iter().map(entry_row).collect::<Result<Vec<_>, _>>()?;
            let entries: Vec<Entry> = existing.iter().map(FundEntryRow::entry).collect();
            let accepted = funds::check(&jurisdiction, year, &entries, &request)?;
            let seq = existing.last().map_or(1, |e| e.seq + 1);
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO fund_entries (jurisdiction, year, seq, kind, entry_date, amount_fen, purpose, project, \
                 recipient, document_no, attachment, reverses, reversed_kind, assessment_id, balance_after_fen, note, \
                 recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                 RETURNING {ENTRY_COLUMNS}"
            )))
            .bind(&jurisdiction)
            .bind(year)
            .bind(seq)
            .bind(accepted.kind.id())
            .bind(accepted.date)
            .bind(accepted.amount_fen)
            .bind(accepted.purpose.map(Purpose::id))
            .bind(&d.project)
            .bind(&d.recipient)
            .bind(&d.document_no)
            .bind(&d.attachment)
            .bind(accepted.reverses)
            .bind(accepted.reversed_kind.map(EntryKind::id))
            .bind(d.assessment_id)
            .bind(accepted.balance_after_fen)
            .bind(&d.note)
            .bind(&d.recorded_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let stored = entry_row(&row)?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Ledger entries, optionally of one award year and one jurisdiction, in order of accounts
    /// (jurisdiction, year) and sequence.
    pub async fn fund_entries(
        &self,
        year: Option<i32>,
        jurisdiction: Option<&str>,
    ) -> Result<Vec<FundEntryRow>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS} FROM fund_entries \
                 WHERE ($1 IS NULL OR year = $1) AND ($2 IS NULL OR jurisdiction = $2) \
                 ORDER BY jurisdiction, year, seq"
            )))
            .bind(year)
            .bind(jurisdiction)
            .fetch_all(pool)
            .await?;
            rows.iter().map(entry_row).collect()
        })
    }

    /// One entry by id.
    pub async fn fund_entry(&self, id: i64) -> Result<Option<FundEntryRow>, StoreError> {
        dispatch!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS} FROM fund_entries WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(entry_row).transpose()
        })
    }

    /// Each jurisdiction's totals for an award year (only jurisdictions with entries).
    pub async fn fund_totals(&self, year: i32) -> Result<BTreeMap<String, Totals>, StoreError> {
        let mut by: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for e in self.fund_entries(Some(year), None).await? {
            by.entry(e.jurisdiction.clone())
                .or_default()
                .push(e.entry());
        }
        Ok(by
            .into_iter()
            .map(|(j, entries)| (j, funds::totals(&entries)))
            .collect())
    }

    /// Records own-funded support (apart from the award ledger).
    #[allow(clippy::too_many_arguments)]
    pub async fn own_support_add(
        &self,
        jurisdiction: &str,
        year: i32,
        date: NaiveDate,
        amount_fen: i64,
        purpose: Option<Purpose>,
        details: &FundDetails,
    ) -> Result<OwnSupportRow, StoreError> {
        funds::check_own(amount_fen, &details.project)?;
        self.own_support_insert(jurisdiction, year, date, amount_fen, purpose, None, details)
            .await
    }

    /// Reverses an own-funded support entry.
    pub async fn own_support_reverse(
        &self,
        entry: i64,
        date: NaiveDate,
        reason: &str,
        recorded_by: &str,
    ) -> Result<OwnSupportRow, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_ledger().await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {OWN_COLUMNS} FROM fund_own_support WHERE id = $1 OR reverses = $1 ORDER BY id"
            )))
            .bind(entry)
            .fetch_all(&mut *tx)
            .await?;
            let rows = rows.iter().map(own_row).collect::<Result<Vec<_>, _>>()?;
            let entries: Vec<OwnEntry> = rows.iter().map(OwnSupportRow::entry).collect();
            funds::check_own_reversal(&entries, entry, reason)?;
            let target = rows.iter().find(|r| r.id == entry).expect("checked above");
            let details = FundDetails {
                project: target.project.clone(),
                recipient: target.recipient.clone(),
                document_no: target.document_no.clone(),
                note: reason.to_string(),
                recorded_by: recorded_by.to_string(),
                ..FundDetails::default()
            };
            let row = insert_own(&mut tx, &target.jurisdiction, target.year, date, target.amount_fen, target.purpose, Some(entry), &details).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn own_support_insert(
        &self,
        jurisdiction: &str,
        year: i32,
        date: NaiveDate,
        amount_fen: i64,
        purpose: Option<Purpose>,
        reverses: Option<i64>,
        d: &FundDetails,
    ) -> Result<OwnSupportRow, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let row = insert_own(&mut tx, jurisdiction, year, date, amount_fen, purpose, reverses, d).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Own-funded support entries, optionally of one year and one jurisdiction.
    pub async fn own_support(
        &self,
        year: Option<i32>,
        jurisdiction: Option<&str>,
    ) -> Result<Vec<OwnSupportRow>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {OWN_COLUMNS} FROM fund_own_support \
                 WHERE ($1 IS NULL OR year = $1) AND ($2 IS NULL OR jurisdiction = $2) ORDER BY id"
            )))
            .bind(year)
            .bind(jurisdiction)
            .fetch_all(pool)
            .await?;
            rows.iter().map(own_row).collect()
        })
    }

    /// Own-funded support per jurisdiction for a year, net of reversals, in fen.
    pub async fn own_support_totals(&self, year: i32) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut by: BTreeMap<String, Vec<OwnEntry>> = BTreeMap::new();
        for r in self.own_support(Some(year), None).await? {
            by.entry(r.jurisdiction.clone())
                .or_default()
                .push(r.entry());
        }
        Ok(by
            .into_iter()
            .map(|(j, e)| (j, funds::own_total(&e)))
            .collect())
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_own<DB>(
    tx: &mut sqlx::Transaction<'static, DB>,
    jurisdiction: &str,
    year: i32,
    date: NaiveDate,
    amount_fen: i64,
    purpose: Option<Purpose>,
    reverses: Option<i64>,
    d: &FundDetails,
) -> Result<OwnSupportRow, StoreError>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> NaiveDate: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DB::Row: Row<Database = DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'a> i64: sqlx::Decode<'a, DB>,
    for<'a> i32: sqlx::Decode<'a, DB>,
    for<'a> String: sqlx::Decode<'a, DB>,
    for<'a> Option<String>: sqlx::Decode<'a, DB>,
    for<'a> Option<i64>: sqlx::Decode<'a, DB>,
    for<'a> NaiveDate: sqlx::Decode<'a, DB>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, DB>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO fund_own_support (jurisdiction, year, entry_date, amount_fen, purpose, project, recipient, \
         document_no, attachment, reverses, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {OWN_COLUMNS}"
    )))
    .bind(jurisdiction)
    .bind(year)
    .bind(date)
    .bind(amount_fen)
    .bind(purpose.map(Purpose::id))
    .bind(d.project.clone())
    .bind(d.recipient.clone())
    .bind(d.document_no.clone())
    .bind(d.attachment.clone())
    .bind(reverses)
    .bind(d.note.clone())
    .bind(d.recorded_by.clone())
    .bind(Utc::now())
    .fetch_one(&mut **tx)
    .await?;
    own_row(&row)
}
