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

/// A `fund_entries` row as the database has it.
#[derive(sqlx::FromRow)]
struct RawEntry {
    id: i64,
    jurisdiction: String,
    year: i32,
    seq: i64,
    kind: String,
    entry_date: NaiveDate,
    amount_fen: i64,
    purpose: Option<String>,
    project: String,
    recipient: String,
    document_no: String,
    attachment: Option<String>,
    reverses: Option<i64>,
    reversed_kind: Option<String>,
    assessment_id: Option<i64>,
    balance_after_fen: i64,
    note: String,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Invalid(format!("资金记录中有无法识别的{what}“{v}”"))
}

fn purpose(p: Option<String>) -> Result<Option<Purpose>, StoreError> {
    p.map(|p| Purpose::parse(&p).ok_or_else(|| bad("用途", &p)))
        .transpose()
}

impl TryFrom<RawEntry> for FundEntryRow {
    type Error = StoreError;
    fn try_from(r: RawEntry) -> Result<Self, StoreError> {
        let kind = |k: String| EntryKind::parse(&k).ok_or_else(|| bad("类型", &k));
        Ok(FundEntryRow {
            id: r.id,
            jurisdiction: r.jurisdiction,
            year: r.year,
            seq: r.seq,
            kind: kind(r.kind)?,
            date: r.entry_date,
            amount_fen: r.amount_fen,
            purpose: purpose(r.purpose)?,
            project: r.project,
            recipient: r.recipient,
            document_no: r.document_no,
            attachment: r.attachment,
            reverses: r.reverses,
            reversed_kind: r.reversed_kind.map(kind).transpose()?,
            assessment_id: r.assessment_id,
            balance_after_fen: r.balance_after_fen,
            note: r.note,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

const OWN_COLUMNS: &str = "id, jurisdiction, year, entry_date, amount_fen, purpose, project, recipient, document_no, \
     attachment, reverses, note, recorded_by, recorded_at";

/// A `fund_own_support` row as the database has it.
#[derive(sqlx::FromRow)]
struct RawOwn {
    id: i64,
    jurisdiction: String,
    year: i32,
    entry_date: NaiveDate,
    amount_fen: i64,
    purpose: Option<String>,
    project: String,
    recipient: String,
    document_no: String,
    attachment: Option<String>,
    reverses: Option<i64>,
    note: String,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

impl TryFrom<RawOwn> for OwnSupportRow {
    type Error = StoreError;
    fn try_from(r: RawOwn) -> Result<Self, StoreError> {
        Ok(OwnSupportRow {
            id: r.id,
            jurisdiction: r.jurisdiction,
            year: r.year,
            date: r.entry_date,
            amount_fen: r.amount_fen,
            purpose: purpose(r.purpose)?,
            project: r.project,
            recipient: r.recipient,
            document_no: r.document_no,
            attachment: r.attachment,
            reverses: r.reverses,
            note: r.note,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

fn rows<R, T: TryFrom<R, Error = StoreError>>(raw: Vec<R>) -> Result<Vec<T>, StoreError> {
    raw.into_iter().map(T::try_from).collect()
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
            let existing: Vec<FundEntryRow> = rows(
                sqlx::query_as::<_, RawEntry>(sqlx::AssertSqlSafe(format!(
                    "SELECT {ENTRY_COLUMNS} FROM fund_entries WHERE jurisdiction = $1 AND year = $2 ORDER BY seq"
                )))
                .bind(&jurisdiction)
                .bind(year)
                .fetch_all(&mut *tx)
                .await?,
            )?;
            let entries: Vec<Entry> = existing.iter().map(FundEntryRow::entry).collect();
            let accepted = funds::check(&jurisdiction, year, &entries, &request)?;
            let seq = existing.last().map_or(1, |e| e.seq + 1);
            let row = sqlx::query_as::<_, RawEntry>(sqlx::AssertSqlSafe(format!(
                "INSERT INTO fund_entries (jurisdiction, year, seq, kind, entry_date, amount_fen, purpose, project, \
                 recipient, document_no, attachment, reverses, reversed_kind, assessment_id, balance_after_fen, note, \
                 recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                 RETURNING {ENTRY_COLUMNS}"
            )))
            .bind(&jurisdiction)
            .bind(year)
            .bind(seq)
            .bind(accepted.kind.as_str())
            .bind(accepted.date)
            .bind(accepted.amount_fen)
            .bind(accepted.purpose.map(Purpose::as_str))
            .bind(&d.project)
            .bind(&d.recipient)
            .bind(&d.document_no)
            .bind(&d.attachment)
            .bind(accepted.reverses)
            .bind(accepted.reversed_kind.map(EntryKind::as_str))
            .bind(d.assessment_id)
            .bind(accepted.balance_after_fen)
            .bind(&d.note)
            .bind(&d.recorded_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let stored = FundEntryRow::try_from(row)?;
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
            rows(
                sqlx::query_as::<_, RawEntry>(sqlx::AssertSqlSafe(format!(
                    "SELECT {ENTRY_COLUMNS} FROM fund_entries \
                     WHERE ($1 IS NULL OR year = $1) AND ($2 IS NULL OR jurisdiction = $2) \
                     ORDER BY jurisdiction, year, seq"
                )))
                .bind(year)
                .bind(jurisdiction)
                .fetch_all(pool)
                .await?,
            )
        })
    }

    /// One entry by id.
    pub async fn fund_entry(&self, id: i64) -> Result<Option<FundEntryRow>, StoreError> {
        dispatch!(self, pool => {
            sqlx::query_as::<_, RawEntry>(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS} FROM fund_entries WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(FundEntryRow::try_from)
            .transpose()
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
        let new = OwnWrite::Add {
            jurisdiction,
            year,
            amount_fen,
            purpose,
        };
        self.own_support_write(new, date, details).await
    }

    /// Reverses an own-funded support entry (the reason goes in the note).
    pub async fn own_support_reverse(
        &self,
        entry: i64,
        date: NaiveDate,
        reason: &str,
        recorded_by: &str,
    ) -> Result<OwnSupportRow, StoreError> {
        let details = FundDetails {
            note: reason.to_string(),
            recorded_by: recorded_by.to_string(),
            ..FundDetails::default()
        };
        self.own_support_write(OwnWrite::Reverse { entry, reason }, date, &details)
            .await
    }

    async fn own_support_write(
        &self,
        write: OwnWrite<'_>,
        date: NaiveDate,
        d: &FundDetails,
    ) -> Result<OwnSupportRow, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_ledger().await?;
            // (jurisdiction, year, amount, purpose, reverses, project, recipient, document)
            let (j, year, amount_fen, purpose, reverses, project, recipient, document) = match write {
                OwnWrite::Add { jurisdiction, year, amount_fen, purpose } => (
                    jurisdiction.to_string(), year, amount_fen, purpose, None,
                    d.project.clone(), d.recipient.clone(), d.document_no.clone(),
                ),
                OwnWrite::Reverse { entry, reason } => {
                    let found: Vec<OwnSupportRow> = rows(
                        sqlx::query_as::<_, RawOwn>(sqlx::AssertSqlSafe(format!(
                            "SELECT {OWN_COLUMNS} FROM fund_own_support WHERE id = $1 OR reverses = $1 ORDER BY id"
                        )))
                        .bind(entry)
                        .fetch_all(&mut *tx)
                        .await?,
                    )?;
                    let entries: Vec<OwnEntry> = found.iter().map(OwnSupportRow::entry).collect();
                    funds::check_own_reversal(&entries, entry, reason)?;
                    let t = found.into_iter().find(|r| r.id == entry).expect("checked above");
                    (t.jurisdiction, t.year, t.amount_fen, t.purpose, Some(entry), t.project, t.recipient, t.document_no)
                }
            };
            let row = sqlx::query_as::<_, RawOwn>(sqlx::AssertSqlSafe(format!(
                "INSERT INTO fund_own_support (jurisdiction, year, entry_date, amount_fen, purpose, project, recipient, \
                 document_no, attachment, reverses, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {OWN_COLUMNS}"
            )))
            .bind(&j)
            .bind(year)
            .bind(date)
            .bind(amount_fen)
            .bind(purpose.map(Purpose::as_str))
            .bind(&project)
            .bind(&recipient)
            .bind(&document)
            .bind(&d.attachment)
            .bind(reverses)
            .bind(&d.note)
            .bind(&d.recorded_by)
            .bind(Utc::now())
            .fetch_one(&mut *tx)
            .await?;
            let stored = OwnSupportRow::try_from(row)?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Own-funded support entries, optionally of one year and one jurisdiction.
    pub async fn own_support(
        &self,
        year: Option<i32>,
        jurisdiction: Option<&str>,
    ) -> Result<Vec<OwnSupportRow>, StoreError> {
        dispatch!(self, pool => {
            rows(
                sqlx::query_as::<_, RawOwn>(sqlx::AssertSqlSafe(format!(
                    "SELECT {OWN_COLUMNS} FROM fund_own_support \
                     WHERE ($1 IS NULL OR year = $1) AND ($2 IS NULL OR jurisdiction = $2) ORDER BY id"
                )))
                .bind(year)
                .bind(jurisdiction)
                .fetch_all(pool)
                .await?,
            )
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

/// What to write to `fund_own_support`.
enum OwnWrite<'a> {
    Add {
        jurisdiction: &'a str,
        year: i32,
        amount_fen: i64,
        purpose: Option<Purpose>,
    },
    Reverse {
        entry: i64,
        reason: &'a str,
    },
}
