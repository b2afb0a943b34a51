//! 为企服务 storage (migration `0400_service`): the problem pool (`service_problems`, each problem's
//! current state) written together with its events (`service_events`, append-only), attachments,
//! the working group's routing changes, the channels' API keys, and 千名干部联万企 (assignments and
//! visits). What a state or an action means is decided in `huiqi-service`; the 清单's counts are
//! added up here in SQL so that a million problems are counted without being read.

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_service::State;
use huiqi_service::rates::Counts;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::funds::SerialTx;
use crate::{Store, StoreError, dispatch};

/// The largest attachment kept (bytes): the shared store's limit.
pub use crate::files::MAX_FILE_BYTES as MAX_ATTACHMENT_BYTES;
/// An attachment of a problem (kept in the shared file store) and its description (`owner_id`
/// is the problem's id).
pub use crate::files::{FileMeta, NewFile as NewAttachment};

/// A problem as taken in (already routed, with its deadline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    pub uscc: String,
    pub enterprise_name: String,
    pub registered: bool,
    pub county: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub public: bool,
    pub received_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub handler: String,
    /// `Received`, or `Dispatched` when the front desk dispatches at once.
    pub state: State,
    pub limit_workdays: i64,
    pub deadline: NaiveDate,
    pub duplicate_of: Option<i64>,
    pub source_ref: String,
    pub attachments: Vec<NewAttachment>,
    pub by_user: String,
    pub by_role: String,
    /// The note of the intake event.
    pub note: String,
}

/// A stored problem (its current state).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProblemRow {
    pub id: i64,
    pub uscc: String,
    pub enterprise_name: String,
    pub registered: bool,
    pub county: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub public: bool,
    pub received_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub handler: String,
    #[sqlx(try_from = "String")]
    pub state: StateText,
    pub limit_workdays: i64,
    pub extension_workdays: i64,
    pub deadline: NaiveDate,
    pub transfers: i64,
    pub duplicate_of: Option<i64>,
    pub done_on: Option<NaiveDate>,
    pub done_on_time: Option<bool>,
    pub done_workdays: Option<i64>,
    pub last_done_on: Option<NaiveDate>,
    pub resolved: bool,
    pub reopened: bool,
    pub rating: Option<i64>,
    pub reply: String,
    pub source_ref: String,
    pub updated_at: DateTime<Utc>,
}

/// A state read from the database (refused if unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateText(pub State);

impl TryFrom<String> for StateText {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self, StoreError> {
        State::parse(&s)
            .map(StateText)
            .ok_or_else(|| StoreError::Invalid(format!("问题记录中有无法识别的状态“{s}”")))
    }
}

impl ProblemRow {
    pub fn state(&self) -> State {
        self.state.0
    }
}

/// One change of a problem.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub problem_id: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    pub handler_from: String,
    pub handler_to: String,
    pub by_user: String,
    pub by_role: String,
    pub on_day: NaiveDate,
    pub at: DateTime<Utc>,
}

/// A change to apply to a problem, with its event. `None` fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    pub action: String,
    pub to: Option<State>,
    pub note: String,
    pub handler: Option<String>,
    pub transfers: Option<i64>,
    pub extension_workdays: Option<i64>,
    pub deadline: Option<NaiveDate>,
    /// The first 办结: (day, on time, working days).
    pub first_done: Option<(NaiveDate, bool, i64)>,
    pub last_done_on: Option<NaiveDate>,
    pub resolved: Option<bool>,
    pub reopened: Option<bool>,
    pub rating: Option<i64>,
    pub reply: Option<String>,
    pub duplicate_of: Option<i64>,
    pub by_user: String,
    pub by_role: String,
    pub on_day: NaiveDate,
    pub at: DateTime<Utc>,
}

/// Which problems to list; every `None` matches all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProblemFilter {
    pub handler: Option<String>,
    pub county: Option<String>,
    pub uscc: Option<String>,
    pub category: Option<String>,
    pub state: Option<State>,
    /// Only open problems (received … working group).
    pub open_only: bool,
    /// Only problems marked public.
    pub public_only: bool,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    /// Only problems whose deadline is on or before this day (临期 and 逾期 lists).
    pub deadline_to: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

/// The dimension of the 清单's rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Handler,
    County,
    Category,
    Month,
    /// One row for everything.
    All,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Handler => "handler",
            GroupBy::County => "county",
            GroupBy::Category => "category",
            GroupBy::Month => "received_month",
            GroupBy::All => "CAST('all' AS TEXT)",
        }
    }
}

/// A channel's API key (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub channel: String,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// A visit of 千名干部联万企.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub official: String,
    pub uscc: String,
    pub county: String,
    pub visited_on: NaiveDate,
    pub discussed: String,
    pub logged_by: String,
}

/// Coverage of one official: enterprises assigned, and visited between two days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub official: String,
    pub county: String,
    pub assigned: i64,
    pub visited: i64,
}

/// An assignment to make (or end, `active = false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssignment {
    pub official: String,
    pub post: String,
    pub county: String,
    pub uscc: String,
    pub active: bool,
}

const OPEN_STATES: &str =
    "'received', 'dispatched', 'in_progress', 'waiting_enterprise', 'working_group'";

/// The problems the 清单 counts (a duplicate is counted once, as the problem it is linked to).
const COUNTED: &str = "state <> 'duplicate'";

const COUNT_COLUMNS: &str =
    "received, done, resolved, done_on_time, done_workdays, reopened, rated, rating_sum, satisfied";

/// The group of the counts table a problem belongs to, and what it adds there (the counters that
/// do not depend on the day; the same definition as [`Store::service_counts_scan`]'s SQL).
fn contribution(p: &ProblemRow) -> ((String, String, String, String), Counts) {
    let key = (
        p.handler.clone(),
        p.county.clone(),
        p.category.clone(),
        p.received_on.format("%Y-%m").to_string(),
    );
    if p.state() == State::Duplicate {
        return (key, Counts::default());
    }
    let b = |x: bool| i64::from(x);
    (
        key,
        Counts {
            received: 1,
            done: b(p.done_on.is_some()),
            resolved: b(p.resolved),
            done_on_time: b(p.done_on_time == Some(true)),
            done_workdays: p.done_workdays.unwrap_or(0),
            reopened: b(p.reopened),
            rated: b(p.rating.is_some()),
            rating_sum: p.rating.unwrap_or(0),
            satisfied: b(p.rating.is_some_and(|r| r >= 4)),
            open: 0,
            overdue: 0,
        },
    )
}

/// What a change of a problem (from `before` to `after`; `None` before its intake) does to the
/// counts table: the rows to add to (a negative count takes away).
fn count_deltas(
    before: Option<&ProblemRow>,
    after: &ProblemRow,
) -> Vec<((String, String, String, String), Counts)> {
    let (k1, c1) = contribution(after);
    let Some(before) = before else {
        return vec![(k1, c1)];
    };
    let (k0, c0) = contribution(before);
    let zero = Counts::default();
    let out = if k0 == k1 {
        vec![(k1, c1.minus(&c0))]
    } else {
        vec![(k0, zero.minus(&c0)), (k1, c1)]
    };
    out.into_iter().filter(|(_, c)| *c != zero).collect()
}

const UPSERT_COUNTS: &str = "INSERT INTO service_counts (handler, county, category, received_month, received, done, \
     resolved, done_on_time, done_workdays, reopened, rated, rating_sum, satisfied) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT (handler, county, category, received_month) DO UPDATE SET \
     received = service_counts.received + excluded.received, done = service_counts.done + excluded.done, \
     resolved = service_counts.resolved + excluded.resolved, \
     done_on_time = service_counts.done_on_time + excluded.done_on_time, \
     done_workdays = service_counts.done_workdays + excluded.done_workdays, \
     reopened = service_counts.reopened + excluded.reopened, rated = service_counts.rated + excluded.rated, \
     rating_sum = service_counts.rating_sum + excluded.rating_sum, \
     satisfied = service_counts.satisfied + excluded.satisfied";

const PROBLEM_COLUMNS: &str = "id, uscc, enterprise_name, registered, county, category, title, description, channel, \
     contact_name, contact_phone, public, received_on, received_at, handler, state, limit_workdays, extension_workdays, \
     deadline, transfers, duplicate_of, done_on, done_on_time, done_workdays, last_done_on, resolved, reopened, rating, \
     reply, source_ref, updated_at";

/// Adds a change's deltas to the counts table, inside the change's transaction.
macro_rules! apply_counts {
    ($tx:expr, $deltas:expr) => {
        for ((handler, county, category, month), c) in $deltas {
            sqlx::query(UPSERT_COUNTS)
                .bind(handler)
                .bind(county)
                .bind(category)
                .bind(month)
                .bind(c.received)
                .bind(c.done)
                .bind(c.resolved)
                .bind(c.done_on_time)
                .bind(c.done_workdays)
                .bind(c.reopened)
                .bind(c.rated)
                .bind(c.rating_sum)
                .bind(c.satisfied)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

/// The problem `id` as it stands inside a transaction.
macro_rules! problem_in {
    ($tx:expr, $id:expr) => {
        sqlx::query_as::<_, ProblemRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {PROBLEM_COLUMNS} FROM service_problems WHERE id = $1"
        )))
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?
    };
}

fn sha_hex(b: &[u8]) -> String {
    format!("{:x}", Sha256::digest(b))
}

impl Store {
    /// A problem's attachments, in the order given.
    pub async fn service_attachments(&self, problem_id: i64) -> Result<Vec<FileMeta>, StoreError> {
        crate::files::metas(
            self,
            "SELECT id, problem_id, file_name, content_type, size_bytes, sha256 \
             FROM service_attachments WHERE problem_id = $1 ORDER BY id",
            problem_id,
        )
        .await
    }

    /// One attachment with its bytes.
    pub async fn service_attachment(
        &self,
        id: i64,
    ) -> Result<Option<(FileMeta, Vec<u8>)>, StoreError> {
        crate::files::meta_and_bytes(
            self,
            "SELECT id, problem_id, file_name, content_type, size_bytes, sha256 \
             FROM service_attachments WHERE id = $1",
            id,
        )
        .await
    }

    /// Takes a problem in: the problem, its attachments and its first event, in one transaction.
    pub async fn service_insert(&self, p: &NewProblem) -> Result<i64, StoreError> {
        for a in &p.attachments {
            crate::files::check_new("附件", a)?;
        }
        let month = p.received_on.format("%Y-%m").to_string();
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO service_problems (uscc, enterprise_name, registered, county, category, title, description, \
                 channel, contact_name, contact_phone, public, received_on, received_month, received_at, handler, state, \
                 limit_workdays, deadline, duplicate_of, source_ref, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $14) \
                 RETURNING id",
            )
            .bind(&p.uscc)
            .bind(&p.enterprise_name)
            .bind(p.registered)
            .bind(&p.county)
            .bind(&p.category)
            .bind(&p.title)
            .bind(&p.description)
            .bind(&p.channel)
            .bind(&p.contact_name)
            .bind(&p.contact_phone)
            .bind(p.public)
            .bind(p.received_on)
            .bind(&month)
            .bind(p.received_at)
            .bind(&p.handler)
            .bind(p.state.as_str())
            .bind(p.limit_workdays)
            .bind(p.deadline)
            .bind(p.duplicate_of)
            .bind(&p.source_ref)
            .fetch_one(&mut *tx)
            .await?;
            for a in &p.attachments {
                let sha = crate::files::put_file!(tx, a);
                sqlx::query(
                    "INSERT INTO service_attachments (problem_id, file_name, content_type, size_bytes, sha256) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.bytes.len() as i64)
                .bind(sha)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO service_events (problem_id, action, from_state, to_state, note, handler_from, handler_to, \
                 by_user, by_role, on_day, at) VALUES ($1, 'intake', NULL, $2, $3, '', $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(p.state.as_str())
            .bind(&p.note)
            .bind(&p.handler)
            .bind(&p.by_user)
            .bind(&p.by_role)
            .bind(p.received_on)
            .bind(p.received_at)
            .execute(&mut *tx)
            .await?;
            let after = problem_in!(tx, id)
                .ok_or_else(|| StoreError::Invalid(format!("问题 {id} 写入后未能读出")))?;
            apply_counts!(tx, count_deltas(None, &after));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Applies a change if the problem is still in state `from` (another writer may have moved it:
    /// then nothing is written and the error says so); the event is written in the same transaction.
    pub async fn service_apply(&self, id: i64, from: State, c: &Change) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let Some(before) = problem_in!(tx, id) else {
                return Err(StoreError::Invalid(format!("没有编号为 {id} 的问题")));
            };
            let state = before.state().as_str().to_string();
            let handler = before.handler.clone();
            if state != from.as_str() {
                return Err(StoreError::Invalid(format!(
                    "问题 {id} 的状态已变为“{}”，请刷新后再操作",
                    before.state().label()
                )));
            }
            let to = c.to.unwrap_or(from);
            let (first_on, first_on_time, first_days) = match c.first_done {
                Some((d, t, n)) => (Some(d), Some(t), Some(n)),
                None => (None, None, None),
            };
            sqlx::query(
                "UPDATE service_problems SET state = $2, \
                 handler = COALESCE($3, handler), transfers = COALESCE($4, transfers), \
                 extension_workdays = COALESCE($5, extension_workdays), deadline = COALESCE($6, deadline), \
                 done_on = COALESCE(done_on, $7), done_on_time = COALESCE(done_on_time, $8), \
                 done_workdays = COALESCE(done_workdays, $9), last_done_on = COALESCE($10, last_done_on), \
                 resolved = COALESCE($11, resolved), reopened = COALESCE($12, reopened), \
                 rating = COALESCE($13, rating), reply = COALESCE($14, reply), \
                 duplicate_of = COALESCE($15, duplicate_of), updated_at = $16 WHERE id = $1",
            )
            .bind(id)
            .bind(to.as_str())
            .bind(c.handler.as_deref())
            .bind(c.transfers)
            .bind(c.extension_workdays)
            .bind(c.deadline)
            .bind(first_on)
            .bind(first_on_time)
            .bind(first_days)
            .bind(c.last_done_on)
            .bind(c.resolved)
            .bind(c.reopened)
            .bind(c.rating)
            .bind(c.reply.as_deref())
            .bind(c.duplicate_of)
            .bind(c.at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO service_events (problem_id, action, from_state, to_state, note, handler_from, handler_to, \
                 by_user, by_role, on_day, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(&c.action)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(&c.note)
            .bind(&handler)
            .bind(c.handler.as_deref().unwrap_or(&handler))
            .bind(&c.by_user)
            .bind(&c.by_role)
            .bind(c.on_day)
            .bind(c.at)
            .execute(&mut *tx)
            .await?;
            let after = problem_in!(tx, id)
                .ok_or_else(|| StoreError::Invalid(format!("没有编号为 {id} 的问题")))?;
            apply_counts!(tx, count_deltas(Some(&before), &after));
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn service_problem(&self, id: i64) -> Result<Option<ProblemRow>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as::<_, ProblemRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {PROBLEM_COLUMNS} FROM service_problems WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn service_events(&self, id: i64) -> Result<Vec<EventRow>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as::<_, EventRow>(
                "SELECT id, problem_id, action, from_state, to_state, note, handler_from, handler_to, by_user, by_role, \
                 on_day, at FROM service_events WHERE problem_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Problems matching a filter, the most urgent first (open: earliest deadline; else newest),
    /// with the total count.
    pub async fn service_list(
        &self,
        f: &ProblemFilter,
    ) -> Result<(Vec<ProblemRow>, i64), StoreError> {
        let open = if f.open_only {
            format!("state IN ({OPEN_STATES})")
        } else {
            "TRUE".to_string()
        };
        let order = if f.open_only {
            "deadline, id"
        } else {
            "received_on DESC, id DESC"
        };
        let filter = format!(
            "WHERE ($1 IS NULL OR handler = $1) AND ($2 IS NULL OR county = $2) AND ($3 IS NULL OR uscc = $3) \
             AND ($4 IS NULL OR category = $4) AND ($5 IS NULL OR state = $5) AND {open} \
             AND ($6 = FALSE OR public = TRUE) AND ($7 IS NULL OR received_on >= $7) AND ($8 IS NULL OR received_on <= $8) \
             AND ($9 IS NULL OR deadline <= $9)"
        );
        let limit = if f.limit <= 0 { 100 } else { f.limit };
        dispatch!(self, pool => {
            let rows = sqlx::query_as::<_, ProblemRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {PROBLEM_COLUMNS} FROM service_problems {filter} ORDER BY {order} LIMIT $10 OFFSET $11"
            )))
            .bind(f.handler.as_deref())
            .bind(f.county.as_deref())
            .bind(f.uscc.as_deref())
            .bind(f.category.as_deref())
            .bind(f.state.map(State::as_str))
            .bind(f.public_only)
            .bind(f.received_from)
            .bind(f.received_to)
            .bind(f.deadline_to)
            .bind(limit)
            .bind(f.offset.max(0))
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM service_problems {filter}"
            )))
            .bind(f.handler.as_deref())
            .bind(f.county.as_deref())
            .bind(f.uscc.as_deref())
            .bind(f.category.as_deref())
            .bind(f.state.map(State::as_str))
            .bind(f.public_only)
            .bind(f.received_from)
            .bind(f.received_to)
            .bind(f.deadline_to)
            .fetch_one(pool)
            .await?;
            Ok((rows, total))
        })
    }

    /// The 清单's counts by a dimension, over problems received in the months `[from_month,
    /// to_month]` (`YYYY-MM`, optionally of one county or handler), in the order of the keys;
    /// `today` decides what is overdue. Duplicates are not counted. Read from the counts table
    /// `service_counts` (migration 0410, kept with every change), the open and overdue problems
    /// from the `(state, deadline)` index: no scan of the problems.
    pub async fn service_counts(
        &self,
        by: GroupBy,
        from_month: &str,
        to_month: &str,
        county: Option<&str>,
        handler: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<(String, Counts)>, StoreError> {
        let key = by.column();
        let sum = |c: &str| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)");
        let counted = format!(
            "SELECT {key} AS k, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM service_counts \
             WHERE received_month >= $1 AND received_month <= $2 AND ($3 IS NULL OR county = $3) \
             AND ($4 IS NULL OR handler = $4) GROUP BY {key}",
            sum("received"),
            sum("done"),
            sum("resolved"),
            sum("done_on_time"),
            sum("done_workdays"),
            sum("reopened"),
            sum("rated"),
            sum("rating_sum"),
            sum("satisfied"),
        );
        let open = format!(
            "SELECT {key} AS k, COUNT(*), {} FROM service_problems \
             WHERE state IN ({OPEN_STATES}) AND received_month >= $1 AND received_month <= $2 \
             AND ($3 IS NULL OR county = $3) AND ($4 IS NULL OR handler = $4) GROUP BY {key}",
            sum("CASE WHEN deadline < $5 THEN 1 ELSE 0 END"),
        );
        let mut out: std::collections::BTreeMap<String, Counts> = Default::default();
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(counted))
                .bind(from_month)
                .bind(to_month)
                .bind(county)
                .bind(handler)
                .fetch_all(pool)
                .await?;
            for r in &rows {
                let c = Counts {
                    received: r.try_get(1)?,
                    done: r.try_get(2)?,
                    resolved: r.try_get(3)?,
                    done_on_time: r.try_get(4)?,
                    done_workdays: r.try_get(5)?,
                    reopened: r.try_get(6)?,
                    rated: r.try_get(7)?,
                    rating_sum: r.try_get(8)?,
                    satisfied: r.try_get(9)?,
                    open: 0,
                    overdue: 0,
                };
                out.entry(r.try_get::<String, _>(0)?).or_default().add(&c);
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(open))
                .bind(from_month)
                .bind(to_month)
                .bind(county)
                .bind(handler)
                .bind(today)
                .fetch_all(pool)
                .await?;
            for r in &rows {
                let e = out.entry(r.try_get::<String, _>(0)?).or_default();
                e.open += r.try_get::<i64, _>(1)?;
                e.overdue += r.try_get::<i64, _>(2)?;
            }
        });
        // A group whose problems all became duplicates keeps a row of zeros: not a group.
        out.retain(|_, c| c.received > 0);
        if by == GroupBy::All && out.is_empty() {
            out.insert("all".into(), Counts::default());
        }
        Ok(out.into_iter().collect())
    }

    /// The same figures as [`Store::service_counts`], added up by scanning the problems: the
    /// definition the counts table must equal (tests, the benchmark's comparison).
    #[doc(hidden)]
    pub async fn service_counts_scan(
        &self,
        by: GroupBy,
        from_month: &str,
        to_month: &str,
        county: Option<&str>,
        handler: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<(String, Counts)>, StoreError> {
        let key = by.column();
        let sum = |e: &str| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)");
        let sql = format!(
            "SELECT {key} AS k, COUNT(*) AS received, \
             {done}, {resolved}, {on_time}, {days}, {reopened}, {rated}, {rating_sum}, {satisfied}, {open}, {overdue} \
             FROM service_problems WHERE {counted} AND received_month >= $1 AND received_month <= $2 \
             AND ($3 IS NULL OR county = $3) AND ($4 IS NULL OR handler = $4) {group}",
            counted = COUNTED,
            group = if by == GroupBy::All {
                String::new()
            } else {
                format!("GROUP BY {key}")
            },
            done = sum("CASE WHEN done_on IS NOT NULL THEN 1 ELSE 0 END"),
            resolved = sum("CASE WHEN resolved THEN 1 ELSE 0 END"),
            on_time = sum("CASE WHEN done_on_time THEN 1 ELSE 0 END"),
            days = sum("done_workdays"),
            reopened = sum("CASE WHEN reopened THEN 1 ELSE 0 END"),
            rated = sum("CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END"),
            rating_sum = sum("rating"),
            satisfied = sum("CASE WHEN rating >= 4 THEN 1 ELSE 0 END"),
            open = sum(&format!(
                "CASE WHEN state IN ({OPEN_STATES}) THEN 1 ELSE 0 END"
            )),
            overdue = sum(&format!(
                "CASE WHEN state IN ({OPEN_STATES}) AND deadline < $5 THEN 1 ELSE 0 END"
            )),
        );
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from_month)
                .bind(to_month)
                .bind(county)
                .bind(handler)
                .bind(today)
                .fetch_all(pool)
                .await?;
            let mut out = rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>(0)?,
                        Counts {
                            received: r.try_get(1)?,
                            done: r.try_get(2)?,
                            resolved: r.try_get(3)?,
                            done_on_time: r.try_get(4)?,
                            done_workdays: r.try_get(5)?,
                            reopened: r.try_get(6)?,
                            rated: r.try_get(7)?,
                            rating_sum: r.try_get(8)?,
                            satisfied: r.try_get(9)?,
                            open: r.try_get(10)?,
                            overdue: r.try_get(11)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(out)
        })
    }

    /// Rebuilds the counts table from the problems (after a bulk fill; or to repair by hand).
    pub async fn service_counts_rebuild(&self) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            sqlx::query("DELETE FROM service_counts").execute(&mut *tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO service_counts (handler, county, category, received_month, {COUNT_COLUMNS}) \
                 SELECT handler, county, category, received_month, COUNT(*), \
                 SUM(CASE WHEN done_on IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN resolved THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN done_on_time THEN 1 ELSE 0 END), COALESCE(SUM(done_workdays), 0), \
                 SUM(CASE WHEN reopened THEN 1 ELSE 0 END), SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END), \
                 COALESCE(SUM(rating), 0), SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) \
                 FROM service_problems WHERE {COUNTED} GROUP BY handler, county, category, received_month"
            )))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Open problems of an enterprise and category received on or after `since` (duplicate candidates).
    pub async fn service_open_of(
        &self,
        uscc: &str,
        category: &str,
        since: NaiveDate,
    ) -> Result<Vec<ProblemRow>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as::<_, ProblemRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {PROBLEM_COLUMNS} FROM service_problems WHERE uscc = $1 AND category = $2 AND received_on >= $3 \
                 AND state IN ({OPEN_STATES}) ORDER BY id"
            )))
            .bind(uscc)
            .bind(category)
            .bind(since)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Replied problems whose latest 办结 is on or before `cutoff` (to be 视为解决).
    pub async fn service_replied_before(
        &self,
        cutoff: NaiveDate,
    ) -> Result<Vec<ProblemRow>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as::<_, ProblemRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {PROBLEM_COLUMNS} FROM service_problems WHERE state = 'replied' AND last_done_on <= $1 ORDER BY id"
            )))
            .bind(cutoff)
            .fetch_all(pool)
            .await?)
        })
    }

    /// An enterprise's name and county in the registry, if registered.
    pub async fn service_enterprise(
        &self,
        uscc: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as("SELECT name, county FROM enterprises WHERE uscc = $1")
                .bind(uscc)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The working group's routing changes, oldest first (the latest per category × county counts).
    pub async fn service_routes(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as("SELECT category, county, handler FROM service_routes ORDER BY id")
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn service_add_route(
        &self,
        category: &str,
        county: &str,
        handler: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("INSERT INTO service_routes (category, county, handler, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(category).bind(county).bind(handler).bind(by).bind(at)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// Keeps a channel's API key (its SHA-256 only); returns the key's id.
    pub async fn service_add_api_key(
        &self,
        channel: &str,
        name: &str,
        key: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar(
                "INSERT INTO service_api_keys (channel, name, key_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(channel).bind(name).bind(sha_hex(key.as_bytes())).bind(by).bind(at)
            .fetch_one(pool).await?)
        })
    }

    /// The channel of a valid (not revoked) API key.
    pub async fn service_api_key(&self, key: &str) -> Result<Option<ApiKeyRow>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as::<_, ApiKeyRow>(
                "SELECT id, channel, name, created_by, created_at, revoked FROM service_api_keys \
                 WHERE key_sha256 = $1 AND revoked = FALSE",
            )
            .bind(sha_hex(key.as_bytes()))
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Keeps assignments of 千名干部联万企 in one transaction.
    pub async fn service_assign(
        &self,
        rows: &[NewAssignment],
        on: NaiveDate,
        by: &str,
    ) -> Result<usize, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            for a in rows {
                sqlx::query(
                    "INSERT INTO service_assignments (official, post, county, uscc, active, changed_on, changed_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&a.official).bind(&a.post).bind(&a.county).bind(&a.uscc).bind(a.active).bind(on).bind(by)
                .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(rows.len())
        })
    }

    /// Logs a visit; returns its id.
    #[allow(clippy::too_many_arguments)] // one column each of a visit row
    pub async fn service_add_visit(
        &self,
        official: &str,
        uscc: &str,
        county: &str,
        visited_on: NaiveDate,
        discussed: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar(
                "INSERT INTO service_visits (official, uscc, county, visited_on, discussed, logged_by, logged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(official).bind(uscc).bind(county).bind(visited_on).bind(discussed).bind(by).bind(at)
            .fetch_one(pool).await?)
        })
    }

    /// Visits between two days (optionally of one county), newest first.
    pub async fn service_visits(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        county: Option<&str>,
        limit: i64,
    ) -> Result<Vec<VisitRow>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_as::<_, VisitRow>(
                "SELECT id, official, uscc, county, visited_on, discussed, logged_by FROM service_visits \
                 WHERE visited_on >= $1 AND visited_on <= $2 AND ($3 IS NULL OR county = $3) \
                 ORDER BY visited_on DESC, id DESC LIMIT $4",
            )
            .bind(from).bind(to).bind(county).bind(limit)
            .fetch_all(pool).await?)
        })
    }

    /// Coverage per official: enterprises assigned now (the latest row per official × enterprise is
    /// active) and how many of them were visited by that official between two days.
    pub async fn service_coverage(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        county: Option<&str>,
    ) -> Result<Vec<Coverage>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "WITH latest AS ( \
                   SELECT a.official, a.county, a.uscc, a.active FROM service_assignments a \
                   WHERE a.id = (SELECT MAX(b.id) FROM service_assignments b WHERE b.official = a.official AND b.uscc = a.uscc)) \
                 SELECT l.official, MIN(l.county), COUNT(*), \
                   CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM service_visits v WHERE v.official = l.official \
                     AND v.uscc = l.uscc AND v.visited_on >= $1 AND v.visited_on <= $2) THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM latest l WHERE l.active = TRUE AND ($3 IS NULL OR l.county = $3) \
                 GROUP BY l.official ORDER BY l.official",
            )
            .bind(from).bind(to).bind(county)
            .fetch_all(pool).await?;
            rows.iter().map(|r| Ok(Coverage {
                official: r.try_get(0)?,
                county: r.try_get(1)?,
                assigned: r.try_get(2)?,
                visited: r.try_get(3)?,
            })).collect()
        })
    }
}

// ---- the benchmark's synthetic pool (scripts/bench-service.sh, `huiqi service bench`) ----------

const BENCH_HANDLERS: [&str; 16] = [
    "unit:market_regulation",
    "unit:tax",
    "unit:development_reform",
    "unit:economy_it",
    "unit:commerce",
    "unit:housing_construction",
    "unit:local_finance",
    "unit:science_tech",
    "unit:nfra_luan",
    "unit:hr_social_security",
    "unit:finance",
    "unit:data_resources",
    "unit:natural_resources",
    "unit:pboc_luan",
    "county:341502",
    "county:341503",
];

fn bench_fill_sql(n: u64, pg: bool) -> String {
    let units = BENCH_HANDLERS
        .iter()
        .map(|u| format!("'{u}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let counties = "'341502','341503','341504','341522','341523','341524','341525','luan-etdz'";
    let cats = "'policy_consult','financing','employment','land_plant','approval','late_payment','market_expansion','other'";
    let (series, pick, day, month, b, ts) = if pg {
        (
            format!("SELECT g AS i FROM generate_series(1, {n}) g"),
            "(ARRAY[{}])[1 + (i % {})]",
            "(DATE '2025-01-01' + ((i * 7919) % 365)::int)",
            "to_char(DATE '2025-01-01' + ((i * 7919) % 365)::int, 'YYYY-MM')",
            ("TRUE", "FALSE"),
            "now()",
        )
    } else {
        (
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s"
            ),
            "json_extract('[{}]', '$[' || (i % {}) || ']')",
            "date('2025-01-01', '+' || ((i * 7919) % 365) || ' days')",
            "strftime('%Y-%m', date('2025-01-01', '+' || ((i * 7919) % 365) || ' days'))",
            ("1", "0"),
            "'2025-06-01T00:00:00Z'",
        )
    };
    let arr = |list: &str, len: usize| {
        if pg {
            pick.replacen("{}", list, 1)
                .replacen("{}", &len.to_string(), 1)
        } else {
            pick.replacen("{}", &list.replace('\'', "\""), 1)
                .replacen("{}", &len.to_string(), 1)
        }
    };
    let (t, f) = b;
    format!(
        "INSERT INTO service_problems (uscc, enterprise_name, registered, county, category, title, description, channel, \
         public, received_on, received_month, received_at, handler, state, limit_workdays, deadline, done_on, done_on_time, \
         done_workdays, last_done_on, resolved, reopened, rating, updated_at) \
         SELECT '91341500MA' || substr('00000000' || i, -8, 8), '企业' || i, {t}, {county}, {cat}, '问题' || i, '描述' || i, 'hotline', \
         CASE WHEN i % 3 = 0 THEN {t} ELSE {f} END, {day}, {month}, {ts}, {unit}, \
         CASE WHEN i % 33 = 0 THEN 'in_progress' WHEN i % 50 = 1 THEN 'replied' ELSE 'resolved' END, 5, {day}, \
         CASE WHEN i % 33 = 0 THEN NULL ELSE {day} END, CASE WHEN i % 33 = 0 THEN NULL WHEN i % 10 = 0 THEN {f} ELSE {t} END, \
         CASE WHEN i % 33 = 0 THEN NULL ELSE i % 7 END, CASE WHEN i % 33 = 0 THEN NULL ELSE {day} END, \
         CASE WHEN i % 33 = 0 OR i % 50 = 1 THEN {f} ELSE {t} END, CASE WHEN i % 40 = 0 THEN {t} ELSE {f} END, \
         CASE WHEN i % 5 = 0 THEN 1 + (i % 5) + (i % 2) ELSE NULL END, {ts} FROM ({series}) q",
        county = arr(counties, 8),
        cat = arr(cats, 8),
        unit = arr(&units, BENCH_HANDLERS.len()),
    )
    .replace("1 + (i % 5) + (i % 2)", "CASE WHEN 1 + (i % 5) + (i % 2) > 5 THEN 5 ELSE 1 + (i % 5) + (i % 2) END")
}

impl Store {
    /// Fills `service_problems` with `n` synthetic problems in one statement (a recursive CTE on
    /// SQLite, generate_series on PostgreSQL): 16 handlers, 8 counties, 8 categories, received over
    /// 2025, 3% still open, one in five rated; then ANALYZE. For the benchmark only.
    #[doc(hidden)]
    pub async fn service_bench_fill(&self, n: u64) -> Result<u64, StoreError> {
        let pg = matches!(self, Store::Postgres(_));
        let sql = bench_fill_sql(n, pg);
        let rows = dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?.rows_affected();
            sqlx::query(if pg { "ANALYZE service_problems" } else { "ANALYZE" }).execute(pool).await?;
            rows
        });
        self.service_counts_rebuild().await?;
        Ok(rows)
    }
}
