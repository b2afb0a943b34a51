//! 清欠 storage (migration `0500_arrears`): contracts with their payments, complaints and the
//! numbered steps of each complaint's case. Append-only (triggers refuse UPDATE and DELETE); a
//! case's state is its last step, and a step is checked by `huiqi_arrears::workflow` inside the
//! transaction that writes it. What the figures mean (due dates, interest, disclosure) is
//! huiqi-arrears's.

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_arrears::PayerKind;
use huiqi_arrears::workflow::{self, CaseState};
use rust_decimal::Decimal;
use sqlx::Row;

pub use crate::files::{FileMeta, NewFile};
use crate::funds::SerialTx;
use crate::{Store, StoreError, dispatch};

/// A contract as registered (its regulation, start and due date computed by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    pub creditor_uscc: String,
    pub creditor_name: String,
    pub debtor_name: String,
    pub debtor_uscc: String,
    pub debtor_kind: PayerKind,
    /// The supervising unit's id ('' when none).
    pub supervising_unit: String,
    pub county: String,
    pub contract_no: String,
    pub contract_date: NaiveDate,
    pub amount_fen: i64,
    pub delivered_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub acceptance_days: Option<u32>,
    pub agreed_days: Option<u32>,
    /// Percent a year.
    pub agreed_rate: Option<Decimal>,
    pub settled_on: Option<NaiveDate>,
    pub third_party_condition: bool,
    /// `728` or `802`.
    pub regulation: String,
    pub start_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub created_by: String,
}

/// A stored contract with its payments (date, fen), oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    pub id: i64,
    pub c: NewContract,
    pub created_at: DateTime<Utc>,
    pub payments: Vec<(NaiveDate, i64)>,
}

/// A complaint as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub outstanding_fen: i64,
    pub description: String,
    /// Registered by an official on the creditor's behalf.
    pub on_behalf: bool,
    pub registered_on: NaiveDate,
    pub registered_by: String,
    /// The unit recorded on the first step (投诉).
    pub unit: String,
    /// Evidence files given with the complaint (their types already checked).
    pub files: Vec<NewFile>,
}

/// A step to record on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    pub to: CaseState,
    pub on: NaiveDate,
    pub unit: String,
    pub note: String,
    /// 核实: the undisputed and the disputed parts.
    pub undisputed_fen: Option<i64>,
    pub disputed_fen: Option<i64>,
    /// 清偿: the payment that settles the debt, recorded with the step (same transaction).
    pub payment_fen: Option<i64>,
    pub by: String,
    /// Evidence files given with the step (their types already checked).
    pub files: Vec<NewFile>,
}

/// One stored step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub seq: i64,
    pub state: CaseState,
    pub on: NaiveDate,
    pub unit: String,
    pub note: String,
    pub undisputed_fen: Option<i64>,
    pub disputed_fen: Option<i64>,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A stored complaint with its contract and steps; its state is the last step's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintRow {
    pub id: i64,
    pub contract: ContractRow,
    pub outstanding_fen: i64,
    pub description: String,
    pub on_behalf: bool,
    pub registered_on: NaiveDate,
    pub registered_by: String,
    pub state: CaseState,
    pub steps: Vec<StepRow>,
}

/// Which contracts (and their complaints) to read; every `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArrearsFilter {
    pub county: Option<String>,
    pub supervising_unit: Option<String>,
    pub creditor_uscc: Option<String>,
    pub complaint_id: Option<i64>,
}

const CONTRACT_COLUMNS: &str = "c.id, c.creditor_uscc, c.creditor_name, c.debtor_name, c.debtor_uscc, c.debtor_kind, \
     c.supervising_unit, c.county, c.contract_no, c.contract_date, c.amount_fen, c.delivered_on, c.accepted_on, \
     c.acceptance_days, c.agreed_days, c.agreed_rate, c.settled_on, c.third_party_condition, c.regulation, \
     c.start_on, c.due_on, c.created_by, c.created_at";

const FILTER: &str = "($1 IS NULL OR c.county = $1) AND ($2 IS NULL OR c.supervising_unit = $2) \
     AND ($3 IS NULL OR c.creditor_uscc = $3)";

fn invalid(e: huiqi_arrears::Error) -> StoreError {
    StoreError::Invalid(e.to_string())
}

fn days_col(d: Option<u32>) -> Result<Option<i32>, StoreError> {
    d.map(|d| i32::try_from(d).map_err(|_| StoreError::Invalid(format!("天数 {d} 过大"))))
        .transpose()
}

/// Reads a contract row (the columns of `CONTRACT_COLUMNS`); a macro because it serves both drivers.
macro_rules! contract_of {
    ($r:expr) => {{
        let r = $r;
        let kind: String = r.try_get(5)?;
        let rate: Option<String> = r.try_get(15)?;
        let acc: Option<i32> = r.try_get(13)?;
        let agreed: Option<i32> = r.try_get(14)?;
        Ok::<ContractRow, StoreError>(ContractRow {
            id: r.try_get(0)?,
            c: NewContract {
                creditor_uscc: r.try_get(1)?,
                creditor_name: r.try_get(2)?,
                debtor_name: r.try_get(3)?,
                debtor_uscc: r.try_get(4)?,
                debtor_kind: PayerKind::parse(&kind).ok_or_else(|| {
                    StoreError::Invalid(format!("合同中有无法识别的付款方类型“{kind}”"))
                })?,
                supervising_unit: r.try_get(6)?,
                county: r.try_get(7)?,
                contract_no: r.try_get(8)?,
                contract_date: r.try_get(9)?,
                amount_fen: r.try_get(10)?,
                delivered_on: r.try_get(11)?,
                accepted_on: r.try_get(12)?,
                acceptance_days: acc.map(|d| d.max(0) as u32),
                agreed_days: agreed.map(|d| d.max(0) as u32),
                agreed_rate: rate
                    .map(|s| {
                        s.parse::<Decimal>().map_err(|_| {
                            StoreError::Invalid(format!("合同中有无法识别的利率“{s}”"))
                        })
                    })
                    .transpose()?,
                settled_on: r.try_get(16)?,
                third_party_condition: r.try_get(17)?,
                regulation: r.try_get(18)?,
                start_on: r.try_get(19)?,
                due_on: r.try_get(20)?,
                created_by: r.try_get(21)?,
            },
            created_at: r.try_get(22)?,
            payments: Vec::new(),
        })
    }};
}

/// Inserts a contract in a transaction; a contract already registered (same creditor, debtor and
/// number) is refused with a message.
macro_rules! insert_contract {
    ($tx:ident, $c:expr) => {{
        let c = $c;
        if c.amount_fen <= 0 {
            return Err(StoreError::Invalid("合同金额须大于 0".into()));
        }
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO arrears_contracts (creditor_uscc, creditor_name, debtor_name, debtor_uscc, debtor_kind, \
             supervising_unit, county, contract_no, contract_date, amount_fen, delivered_on, accepted_on, \
             acceptance_days, agreed_days, agreed_rate, settled_on, third_party_condition, regulation, start_on, \
             due_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id",
        )
        .bind(&c.creditor_uscc)
        .bind(&c.creditor_name)
        .bind(&c.debtor_name)
        .bind(&c.debtor_uscc)
        .bind(c.debtor_kind.as_str())
        .bind(&c.supervising_unit)
        .bind(&c.county)
        .bind(&c.contract_no)
        .bind(c.contract_date)
        .bind(c.amount_fen)
        .bind(c.delivered_on)
        .bind(c.accepted_on)
        .bind(days_col(c.acceptance_days)?)
        .bind(days_col(c.agreed_days)?)
        .bind(c.agreed_rate.map(|r| r.normalize().to_string()))
        .bind(c.settled_on)
        .bind(c.third_party_condition)
        .bind(&c.regulation)
        .bind(c.start_on)
        .bind(c.due_on)
        .bind(&c.created_by)
        .bind(Utc::now())
        .fetch_one(&mut *$tx)
        .await;
        match inserted {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Invalid(format!(
                    "合同 {} 已登记（债权人 {}、付款方 {}）：请在原合同上登记投诉或付款",
                    c.contract_no, c.creditor_uscc, c.debtor_uscc
                )));
            }
            other => other?,
        }
    }};
}

macro_rules! insert_payment {
    ($tx:ident, $contract:expr, $on:expr, $fen:expr, $by:expr) => {{
        if $fen <= 0 {
            return Err(StoreError::Invalid("付款金额须大于 0".into()));
        }
        sqlx::query(
            "INSERT INTO arrears_payments (contract_id, paid_on, amount_fen, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($contract)
        .bind($on)
        .bind($fen)
        .bind($by)
        .bind(Utc::now())
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Keeps a step's evidence files: the bytes in the shared store, a row each in `arrears_files`.
macro_rules! insert_files {
    ($tx:expr, $complaint_id:expr, $seq:expr, $files:expr, $by:expr) => {
        for f in $files {
            let sha = crate::files::put_file!($tx, f);
            sqlx::query(
                "INSERT INTO arrears_files (complaint_id, step_seq, file_name, content_type, size_bytes, sha256, \
                 by_user, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind($complaint_id)
            .bind($seq)
            .bind(&f.file_name)
            .bind(&f.content_type)
            .bind(f.bytes.len() as i64)
            .bind(sha)
            .bind($by)
            .bind(Utc::now())
            .execute(&mut *$tx)
            .await?;
        }
    };
}

fn check_files(files: &[NewFile]) -> Result<(), StoreError> {
    files
        .iter()
        .try_for_each(|f| crate::files::check_new("证据材料", f))
}

impl Store {
    /// A complaint's evidence files in the order given, each with the number of the step it came
    /// with (1: the complaint itself).
    pub async fn arrears_files(
        &self,
        complaint_id: i64,
    ) -> Result<Vec<(FileMeta, i64)>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<(i64, i64, String, String, i64, String, i64)> = sqlx::query_as(
                "SELECT id, complaint_id, file_name, content_type, size_bytes, sha256, step_seq \
                 FROM arrears_files WHERE complaint_id = $1 ORDER BY id",
            )
            .bind(complaint_id)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(a, b, c, d, e, f, seq)| (crate::files::meta_of((a, b, c, d, e, f)), seq))
                .collect())
        })
    }

    /// One evidence file with its bytes.
    pub async fn arrears_file(&self, id: i64) -> Result<Option<(FileMeta, Vec<u8>)>, StoreError> {
        crate::files::meta_and_bytes(
            self,
            "SELECT id, complaint_id, file_name, content_type, size_bytes, sha256 \
             FROM arrears_files WHERE id = $1",
            id,
        )
        .await
    }

    /// Registers a contract, its payments so far and a complaint about it, with the complaint's
    /// first step (投诉), in one transaction; returns (contract id, complaint id).
    pub async fn register_complaint(
        &self,
        c: &NewContract,
        payments: &[(NaiveDate, i64)],
        complaint: &NewComplaint,
    ) -> Result<(i64, i64), StoreError> {
        check_files(&complaint.files)?;
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let contract_id = insert_contract!(tx, c);
            for &(on, fen) in payments {
                insert_payment!(tx, contract_id, on, fen, &c.created_by);
            }
            let complaint_id: i64 = sqlx::query_scalar(
                "INSERT INTO arrears_complaints (contract_id, outstanding_fen, description, on_behalf, registered_on, \
                 registered_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(contract_id)
            .bind(complaint.outstanding_fen)
            .bind(&complaint.description)
            .bind(complaint.on_behalf)
            .bind(complaint.registered_on)
            .bind(&complaint.registered_by)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO arrears_case_steps (complaint_id, seq, state, on_date, unit, note, by_user, at) \
                 VALUES ($1, 1, 'complained', $2, $3, $4, $5, $6)",
            )
            .bind(complaint_id)
            .bind(complaint.registered_on)
            .bind(&complaint.unit)
            .bind(&complaint.description)
            .bind(&complaint.registered_by)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
            insert_files!(tx, complaint_id, 1_i64, &complaint.files, &complaint.registered_by);
            tx.commit().await?;
            Ok((contract_id, complaint_id))
        })
    }

    /// Registers contracts with their payments (no complaint): the payment records the league
    /// table and the disclosure are computed from. One transaction: all or none.
    pub async fn add_contracts(
        &self,
        contracts: &[(NewContract, Vec<(NaiveDate, i64)>)],
    ) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let mut ids = Vec::with_capacity(contracts.len());
            for (c, payments) in contracts {
                let id = insert_contract!(tx, c);
                for &(on, fen) in payments {
                    insert_payment!(tx, id, on, fen, &c.created_by);
                }
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// Records a payment on a contract.
    pub async fn add_arrears_payment(
        &self,
        contract_id: i64,
        on: NaiveDate,
        fen: i64,
        by: &str,
    ) -> Result<(), StoreError> {
        if fen <= 0 {
            return Err(StoreError::Invalid("付款金额须大于 0".into()));
        }
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let delivered: Option<NaiveDate> =
                sqlx::query_scalar("SELECT delivered_on FROM arrears_contracts WHERE id = $1")
                    .bind(contract_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(delivered) = delivered else {
                return Err(StoreError::Invalid(format!("没有编号为 {contract_id} 的合同")));
            };
            if on < delivered {
                return Err(StoreError::Invalid(format!(
                    "付款日 {on} 早于交付日 {delivered}：请核对付款日期"
                )));
            }
            insert_payment!(tx, contract_id, on, fen, by);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Moves a case one step; refused (nothing written) if its state does not allow it, the date
    /// is before the last step's, or someone else moved it at the same time.
    pub async fn case_step(&self, complaint_id: i64, s: &NewStep) -> Result<CaseState, StoreError> {
        for fen in [s.undisputed_fen, s.disputed_fen].into_iter().flatten() {
            if fen < 0 {
                return Err(StoreError::Invalid("核实金额不能为负数".into()));
            }
        }
        check_files(&s.files)?;
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let last = sqlx::query(
                "SELECT seq, state, on_date FROM arrears_case_steps WHERE complaint_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(complaint_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(last) = last else {
                return Err(StoreError::Invalid(format!("没有编号为 {complaint_id} 的投诉")));
            };
            let seq: i64 = last.try_get(0)?;
            let from_text: String = last.try_get(1)?;
            let from = CaseState::parse(&from_text)
                .ok_or_else(|| StoreError::Invalid(format!("投诉 {complaint_id} 的状态“{from_text}”无法识别")))?;
            let last_on: NaiveDate = last.try_get(2)?;
            workflow::check_step(
                from,
                last_on,
                &workflow::Step { to: s.to, on: s.on, unit: &s.unit, note: &s.note },
            )
            .map_err(invalid)?;
            let inserted = sqlx::query(
                "INSERT INTO arrears_case_steps (complaint_id, seq, state, on_date, unit, note, undisputed_fen, \
                 disputed_fen, by_user, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(complaint_id)
            .bind(seq + 1)
            .bind(s.to.as_str())
            .bind(s.on)
            .bind(&s.unit)
            .bind(&s.note)
            .bind(s.undisputed_fen)
            .bind(s.disputed_fen)
            .bind(&s.by)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::Invalid(format!(
                        "投诉 {complaint_id} 刚被他人处理过：请刷新后查看其当前状态再操作"
                    )));
                }
                other => {
                    other?;
                }
            }
            if let Some(fen) = s.payment_fen.filter(|f| *f > 0) {
                let contract_id: i64 =
                    sqlx::query_scalar("SELECT contract_id FROM arrears_complaints WHERE id = $1")
                        .bind(complaint_id)
                        .fetch_one(&mut *tx)
                        .await?;
                insert_payment!(tx, contract_id, s.on, fen, &s.by);
            }
            insert_files!(tx, complaint_id, seq + 1, &s.files, &s.by);
            tx.commit().await?;
            Ok(s.to)
        })
    }

    /// Contracts with their payments, oldest first.
    pub async fn arrears_contracts(
        &self,
        f: &ArrearsFilter,
    ) -> Result<Vec<ContractRow>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CONTRACT_COLUMNS} FROM arrears_contracts c WHERE {FILTER} ORDER BY c.id"
            )))
            .bind(f.county.as_deref())
            .bind(f.supervising_unit.as_deref())
            .bind(f.creditor_uscc.as_deref())
            .fetch_all(pool)
            .await?;
            let pays = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT p.contract_id, p.paid_on, p.amount_fen FROM arrears_payments p \
                 JOIN arrears_contracts c ON c.id = p.contract_id WHERE {FILTER} ORDER BY p.contract_id, p.paid_on, p.id"
            )))
            .bind(f.county.as_deref())
            .bind(f.supervising_unit.as_deref())
            .bind(f.creditor_uscc.as_deref())
            .fetch_all(pool)
            .await?;
            let mut by: std::collections::HashMap<i64, Vec<(NaiveDate, i64)>> = Default::default();
            for p in &pays {
                by.entry(p.try_get(0)?).or_default().push((p.try_get(1)?, p.try_get(2)?));
            }
            rows.iter()
                .map(|r| {
                    let mut c = contract_of!(r)?;
                    c.payments = by.remove(&c.id).unwrap_or_default();
                    Ok(c)
                })
                .collect()
        })
    }

    /// Complaints with their contracts and steps, newest first.
    pub async fn arrears_complaints(
        &self,
        f: &ArrearsFilter,
    ) -> Result<Vec<ComplaintRow>, StoreError> {
        let contracts = self.arrears_contracts(f).await?;
        let contracts: std::collections::HashMap<i64, ContractRow> =
            contracts.into_iter().map(|c| (c.id, c)).collect();
        dispatch!(self, pool => {
            let heads = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT k.id, k.contract_id, k.outstanding_fen, k.description, k.on_behalf, k.registered_on, \
                 k.registered_by FROM arrears_complaints k JOIN arrears_contracts c ON c.id = k.contract_id \
                 WHERE {FILTER} AND ($4 IS NULL OR k.id = $4) ORDER BY k.id DESC"
            )))
            .bind(f.county.as_deref())
            .bind(f.supervising_unit.as_deref())
            .bind(f.creditor_uscc.as_deref())
            .bind(f.complaint_id)
            .fetch_all(pool)
            .await?;
            let steps = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT s.complaint_id, s.seq, s.state, s.on_date, s.unit, s.note, s.undisputed_fen, s.disputed_fen, \
                 s.by_user, s.at FROM arrears_case_steps s JOIN arrears_complaints k ON k.id = s.complaint_id \
                 JOIN arrears_contracts c ON c.id = k.contract_id WHERE {FILTER} AND ($4 IS NULL OR k.id = $4) \
                 ORDER BY s.complaint_id, s.seq"
            )))
            .bind(f.county.as_deref())
            .bind(f.supervising_unit.as_deref())
            .bind(f.creditor_uscc.as_deref())
            .bind(f.complaint_id)
            .fetch_all(pool)
            .await?;
            let mut by: std::collections::HashMap<i64, Vec<StepRow>> = Default::default();
            for s in &steps {
                let state: String = s.try_get(2)?;
                by.entry(s.try_get(0)?).or_default().push(StepRow {
                    seq: s.try_get(1)?,
                    state: CaseState::parse(&state)
                        .ok_or_else(|| StoreError::Invalid(format!("无法识别的案件状态“{state}”")))?,
                    on: s.try_get(3)?,
                    unit: s.try_get(4)?,
                    note: s.try_get(5)?,
                    undisputed_fen: s.try_get(6)?,
                    disputed_fen: s.try_get(7)?,
                    by: s.try_get(8)?,
                    at: s.try_get(9)?,
                });
            }
            heads
                .iter()
                .map(|h| {
                    let id: i64 = h.try_get(0)?;
                    let contract_id: i64 = h.try_get(1)?;
                    let steps = by.remove(&id).unwrap_or_default();
                    let state = steps
                        .last()
                        .map(|s| s.state)
                        .ok_or_else(|| StoreError::Invalid(format!("投诉 {id} 没有任何步骤")))?;
                    let contract = contracts
                        .get(&contract_id)
                        .cloned()
                        .ok_or_else(|| StoreError::Invalid(format!("投诉 {id} 的合同 {contract_id} 不存在")))?;
                    Ok(ComplaintRow {
                        id,
                        contract,
                        outstanding_fen: h.try_get(2)?,
                        description: h.try_get(3)?,
                        on_behalf: h.try_get(4)?,
                        registered_on: h.try_get(5)?,
                        registered_by: h.try_get(6)?,
                        state,
                        steps,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
    }
}
