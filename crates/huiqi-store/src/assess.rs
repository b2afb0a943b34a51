//! 督办与考核 storage (migration `0600_assess`): task reports with evidence files and the
//! publication of 典型案例/经验做法, 督办单 with their events, and stored assessments with their
//! publication. Append-only (triggers refuse UPDATE and DELETE); the latest row counts.
//! What the rows mean (colours, states, scores) is decided in `huiqi-assess`.

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_assess::orders::{self, OrderAction, OrderState};
use huiqi_assess::supervision::{ReportKind, ReportStatus};
use sqlx::Row;

use crate::funds::SerialTx;
use crate::{Store, StoreError, dispatch};

/// The largest evidence file kept (bytes): the shared store's limit.
pub use crate::files::MAX_FILE_BYTES as MAX_EVIDENCE_BYTES;
/// An evidence file to keep with a report, and its description (`owner_id` is the report's id).
pub use crate::files::{FileMeta, NewFile};

/// A report as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaskReport {
    pub task: String,
    /// `None`: the jurisdiction's government itself.
    pub unit: Option<String>,
    pub jurisdiction: String,
    /// `2023-Q3`, `2023-09`, `2023-H1`, `2023`.
    pub period: String,
    pub kind: ReportKind,
    pub status: ReportStatus,
    /// The title of a case or practice.
    pub title: String,
    pub progress: String,
    pub measures: String,
    pub figures: String,
    pub reporter: String,
    /// The day of the report in China.
    pub reported_on: NaiveDate,
    pub reported_at: DateTime<Utc>,
    pub files: Vec<NewFile>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskReportRow {
    pub id: i64,
    pub task: String,
    pub unit: Option<String>,
    pub jurisdiction: String,
    pub period: String,
    pub kind: ReportKind,
    pub status: ReportStatus,
    pub title: String,
    pub progress: String,
    pub measures: String,
    pub figures: String,
    pub reporter: String,
    pub reported_on: NaiveDate,
    pub reported_at: DateTime<Utc>,
    pub files: Vec<FileMeta>,
    /// The latest publication decision (cases and practices only).
    pub published: bool,
}

/// Which reports to read; every `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub jurisdiction: Option<String>,
    pub task: Option<String>,
    /// `Some(None)`: the jurisdictions' own lines; `Some(Some(u))`: unit `u`'s lines.
    pub unit: Option<Option<String>>,
    pub period: Option<String>,
    /// Periods of this year (`2023`, `2023-…`).
    pub year: Option<i32>,
    pub kind: Option<ReportKind>,
}

/// A 督办单 to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub task: String,
    pub unit: Option<String>,
    pub jurisdiction: String,
    pub period: String,
    pub requirement: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub issued_by: String,
}

/// One change of a 督办单 (the first is its issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub seq: i64,
    /// `issue`, or an [`OrderAction`] id.
    pub action: String,
    pub from: Option<OrderState>,
    pub to: OrderState,
    pub note: String,
    /// The reply date in force after this event.
    pub due_on: NaiveDate,
    pub by: String,
    pub on: NaiveDate,
    pub at: DateTime<Utc>,
}

/// A stored 督办单 with its history; its state and due date are those of the last event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: i64,
    pub task: String,
    pub unit: Option<String>,
    pub jurisdiction: String,
    pub period: String,
    pub requirement: String,
    pub issued_on: NaiveDate,
    pub issued_by: String,
    pub state: OrderState,
    pub due_on: NaiveDate,
    pub events: Vec<OrderEvent>,
}

/// An assessment to keep as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessment {
    pub year: i32,
    pub scheme_id: String,
    pub scheme_version: String,
    /// SHA-256 of the scheme file's text, hex.
    pub scheme_sha256: String,
    pub pool_fen: i64,
    /// JSON of the computed assessment.
    pub result: String,
    pub computed_by: String,
}

/// A stored assessment and whether it is published now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRow {
    pub id: i64,
    pub year: i32,
    pub scheme_id: String,
    pub scheme_version: String,
    pub scheme_sha256: String,
    pub pool_fen: i64,
    pub result: String,
    pub computed_by: String,
    pub computed_at: DateTime<Utc>,
    pub published: bool,
}

fn unit_col(unit: &Option<String>) -> &str {
    unit.as_deref().unwrap_or("")
}

fn unit_of(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Invalid(format!("督办记录中有无法识别的{what}“{v}”"))
}

fn state(s: &str) -> Result<OrderState, StoreError> {
    OrderState::parse(s).ok_or_else(|| bad("状态", s))
}

const REPORT_COLUMNS: &str = "r.id, r.task, r.unit, r.jurisdiction, r.period, r.kind, r.status, r.title, r.progress, \
     r.measures, r.figures, r.reporter, r.reported_on, r.reported_at, \
     COALESCE((SELECT p.published FROM task_report_publications p WHERE p.report_id = r.id ORDER BY p.id DESC LIMIT 1), FALSE)";

impl Store {
    /// Keeps a report and its evidence files in one transaction; returns its id.
    pub async fn add_task_report(&self, r: &NewTaskReport) -> Result<i64, StoreError> {
        let ids = self.add_task_reports(std::slice::from_ref(r)).await?;
        Ok(ids[0])
    }

    /// Keeps reports and their evidence files in one transaction (all or none); returns their ids.
    pub async fn add_task_reports(
        &self,
        reports: &[NewTaskReport],
    ) -> Result<Vec<i64>, StoreError> {
        for r in reports {
            if r.progress.trim().is_empty() {
                return Err(StoreError::Invalid("工作进展不能为空".into()));
            }
            for f in &r.files {
                crate::files::check_new("佐证材料", f)?;
            }
        }
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(reports.len());
            for r in reports {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO task_reports (task, unit, jurisdiction, period, kind, status, title, progress, measures, \
                     figures, reporter, reported_on, reported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(&r.task)
                .bind(unit_col(&r.unit))
                .bind(&r.jurisdiction)
                .bind(&r.period)
                .bind(r.kind.as_str())
                .bind(r.status.as_str())
                .bind(&r.title)
                .bind(&r.progress)
                .bind(&r.measures)
                .bind(&r.figures)
                .bind(&r.reporter)
                .bind(r.reported_on)
                .bind(r.reported_at)
                .fetch_one(&mut *tx)
                .await?;
                for f in &r.files {
                    let sha = crate::files::put_file!(tx, f);
                    sqlx::query(
                        "INSERT INTO task_report_files (report_id, file_name, content_type, size_bytes, sha256) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(&f.file_name)
                    .bind(&f.content_type)
                    .bind(f.bytes.len() as i64)
                    .bind(sha)
                    .execute(&mut *tx)
                    .await?;
                }
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// Reports matching a filter, oldest first, with their files' descriptions.
    pub async fn task_reports(&self, f: &ReportFilter) -> Result<Vec<TaskReportRow>, StoreError> {
        let year_like = f.year.map(|y| format!("{y}%"));
        let (unit_any, unit) = match &f.unit {
            None => (true, String::new()),
            Some(u) => (false, unit_col(u).to_string()),
        };
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {REPORT_COLUMNS} FROM task_reports r \
                 WHERE ($1 IS NULL OR r.jurisdiction = $1) AND ($2 IS NULL OR r.task = $2) \
                 AND ($3 OR r.unit = $4) AND ($5 IS NULL OR r.period = $5) \
                 AND ($6 IS NULL OR r.period LIKE $6) AND ($7 IS NULL OR r.kind = $7) ORDER BY r.id"
            )))
            .bind(f.jurisdiction.as_deref())
            .bind(f.task.as_deref())
            .bind(unit_any)
            .bind(&unit)
            .bind(f.period.as_deref())
            .bind(year_like.as_deref())
            .bind(f.kind.map(ReportKind::as_str))
            .fetch_all(pool)
            .await?;
            let files = sqlx::query(
                "SELECT f.id, f.report_id, f.file_name, f.content_type, f.size_bytes, f.sha256 \
                 FROM task_report_files f ORDER BY f.id",
            )
            .fetch_all(pool)
            .await?;
            let mut by_report: std::collections::BTreeMap<i64, Vec<FileMeta>> = Default::default();
            for r in &files {
                let m = FileMeta {
                    id: r.try_get(0)?,
                    owner_id: r.try_get(1)?,
                    file_name: r.try_get(2)?,
                    content_type: r.try_get(3)?,
                    size_bytes: r.try_get(4)?,
                    sha256: r.try_get(5)?,
                };
                by_report.entry(m.owner_id).or_default().push(m);
            }
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get(5)?;
                    let status: String = r.try_get(6)?;
                    let id: i64 = r.try_get(0)?;
                    Ok(TaskReportRow {
                        id,
                        task: r.try_get(1)?,
                        unit: unit_of(r.try_get(2)?),
                        jurisdiction: r.try_get(3)?,
                        period: r.try_get(4)?,
                        kind: ReportKind::parse(&kind).ok_or_else(|| bad("报送类型", &kind))?,
                        status: ReportStatus::parse(&status).ok_or_else(|| bad("报送状态", &status))?,
                        title: r.try_get(7)?,
                        progress: r.try_get(8)?,
                        measures: r.try_get(9)?,
                        figures: r.try_get(10)?,
                        reporter: r.try_get(11)?,
                        reported_on: r.try_get(12)?,
                        reported_at: r.try_get(13)?,
                        files: by_report.remove(&id).unwrap_or_default(),
                        published: r.try_get(14)?,
                    })
                })
                .collect()
        })
    }

    /// An evidence file with its bytes (kept in the shared file store).
    pub async fn task_report_file(
        &self,
        id: i64,
    ) -> Result<Option<(FileMeta, Vec<u8>)>, StoreError> {
        crate::files::meta_and_bytes(
            self,
            "SELECT id, report_id, file_name, content_type, size_bytes, sha256 \
             FROM task_report_files WHERE id = $1",
            id,
        )
        .await
    }

    /// Publishes a case or practice on the public page, or takes it back (article 18).
    pub async fn set_report_published(
        &self,
        report_id: i64,
        published: bool,
        by: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM task_reports WHERE id = $1")
                .bind(report_id)
                .fetch_optional(pool)
                .await?;
            match kind.as_deref() {
                None => return Err(StoreError::Invalid(format!("没有编号为 {report_id} 的报送"))),
                Some("progress") => {
                    return Err(StoreError::Invalid(format!(
                        "报送 {report_id} 是进展报告：只有典型案例和经验做法可以发布（第18条）"
                    )));
                }
                Some(_) => {}
            }
            sqlx::query(
                "INSERT INTO task_report_publications (report_id, published, changed_by, changed_at, note) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(report_id)
            .bind(published)
            .bind(by)
            .bind(Utc::now())
            .bind(note)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Sends a 督办单: the order and its first event in one transaction.
    pub async fn issue_order(&self, o: &NewOrder) -> Result<i64, StoreError> {
        orders::check_issue(o.issued_on, o.due_on, &o.requirement)?;
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO supervision_orders (task, unit, jurisdiction, period, requirement, issued_on, issued_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&o.task)
            .bind(unit_col(&o.unit))
            .bind(&o.jurisdiction)
            .bind(&o.period)
            .bind(&o.requirement)
            .bind(o.issued_on)
            .bind(&o.issued_by)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO supervision_order_events (order_id, seq, action, from_state, to_state, note, due_on, \
                 by_user, on_date, at) VALUES ($1, 1, 'issue', NULL, 'issued', $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(&o.requirement)
            .bind(o.due_on)
            .bind(&o.issued_by)
            .bind(o.issued_on)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Acts on a 督办单 (reply, close, return with a new due date, withdraw); refused if its state
    /// does not allow it. Two people acting at once: the second is refused (the next step number
    /// is unique), and nothing of it is written.
    pub async fn order_action(
        &self,
        order_id: i64,
        action: OrderAction,
        note: &str,
        new_due: Option<NaiveDate>,
        by: &str,
        on: NaiveDate,
    ) -> Result<OrderState, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let last = sqlx::query(
                "SELECT seq, to_state, due_on FROM supervision_order_events WHERE order_id = $1 \
                 ORDER BY seq DESC LIMIT 1",
            )
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(last) = last else {
                return Err(StoreError::Invalid(format!("没有编号为 {order_id} 的督办单")));
            };
            let seq: i64 = last.try_get(0)?;
            let from = state(&last.try_get::<String, _>(1)?)?;
            let due: NaiveDate = last.try_get(2)?;
            let to = orders::check_action(from, action, on, note, new_due)?;
            let inserted = sqlx::query(
                "INSERT INTO supervision_order_events (order_id, seq, action, from_state, to_state, note, due_on, \
                 by_user, on_date, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(order_id)
            .bind(seq + 1)
            .bind(action.as_str())
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(note)
            .bind(new_due.unwrap_or(due))
            .bind(by)
            .bind(on)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::Invalid(format!(
                        "督办单 {order_id} 刚被他人处理过：请刷新后查看其当前状态再操作"
                    )));
                }
                other => {
                    other?;
                }
            }
            tx.commit().await?;
            Ok(to)
        })
    }

    /// 督办单 with their histories, optionally of one jurisdiction, oldest first.
    pub async fn orders(&self, jurisdiction: Option<&str>) -> Result<Vec<OrderRow>, StoreError> {
        dispatch!(self, pool => {
            let heads = sqlx::query(
                "SELECT id, task, unit, jurisdiction, period, requirement, issued_on, issued_by \
                 FROM supervision_orders WHERE ($1 IS NULL OR jurisdiction = $1) ORDER BY id",
            )
            .bind(jurisdiction)
            .fetch_all(pool)
            .await?;
            let events = sqlx::query(
                "SELECT e.order_id, e.seq, e.action, e.from_state, e.to_state, e.note, e.due_on, e.by_user, \
                 e.on_date, e.at FROM supervision_order_events e JOIN supervision_orders o ON o.id = e.order_id \
                 WHERE ($1 IS NULL OR o.jurisdiction = $1) ORDER BY e.order_id, e.seq",
            )
            .bind(jurisdiction)
            .fetch_all(pool)
            .await?;
            let mut by_order: std::collections::BTreeMap<i64, Vec<OrderEvent>> = Default::default();
            for e in &events {
                let from: Option<String> = e.try_get(3)?;
                by_order.entry(e.try_get(0)?).or_default().push(OrderEvent {
                    seq: e.try_get(1)?,
                    action: e.try_get(2)?,
                    from: from.as_deref().map(state).transpose()?,
                    to: state(&e.try_get::<String, _>(4)?)?,
                    note: e.try_get(5)?,
                    due_on: e.try_get(6)?,
                    by: e.try_get(7)?,
                    on: e.try_get(8)?,
                    at: e.try_get(9)?,
                });
            }
            heads
                .iter()
                .map(|h| {
                    let id: i64 = h.try_get(0)?;
                    let events = by_order.remove(&id).unwrap_or_default();
                    let last = events
                        .last()
                        .ok_or_else(|| StoreError::Invalid(format!("督办单 {id} 没有任何记录")))?;
                    Ok(OrderRow {
                        id,
                        task: h.try_get(1)?,
                        unit: unit_of(h.try_get(2)?),
                        jurisdiction: h.try_get(3)?,
                        period: h.try_get(4)?,
                        requirement: h.try_get(5)?,
                        issued_on: h.try_get(6)?,
                        issued_by: h.try_get(7)?,
                        state: last.to,
                        due_on: last.due_on,
                        events,
                    })
                })
                .collect()
        })
    }

    /// Keeps a computed assessment as shown.
    pub async fn save_assessment(&self, a: &NewAssessment) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assessments (year, scheme_id, scheme_version, scheme_sha256, pool_fen, result, \
                 computed_by, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(a.year)
            .bind(&a.scheme_id)
            .bind(&a.scheme_version)
            .bind(&a.scheme_sha256)
            .bind(a.pool_fen)
            .bind(&a.result)
            .bind(&a.computed_by)
            .bind(Utc::now())
            .fetch_one(pool)
            .await?;
            Ok(id)
        })
    }

    /// Stored assessments of a year (or all), oldest first.
    pub async fn assessments(&self, year: Option<i32>) -> Result<Vec<AssessmentRow>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT a.id, a.year, a.scheme_id, a.scheme_version, a.scheme_sha256, a.pool_fen, a.result, \
                 a.computed_by, a.computed_at, \
                 COALESCE((SELECT p.published FROM assessment_publications p WHERE p.assessment_id = a.id \
                 ORDER BY p.id DESC LIMIT 1), FALSE) \
                 FROM assessments a WHERE ($1 IS NULL OR a.year = $1) ORDER BY a.id",
            )
            .bind(year)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AssessmentRow {
                        id: r.try_get(0)?,
                        year: r.try_get(1)?,
                        scheme_id: r.try_get(2)?,
                        scheme_version: r.try_get(3)?,
                        scheme_sha256: r.try_get(4)?,
                        pool_fen: r.try_get(5)?,
                        result: r.try_get(6)?,
                        computed_by: r.try_get(7)?,
                        computed_at: r.try_get(8)?,
                        published: r.try_get(9)?,
                    })
                })
                .collect()
        })
    }

    /// Publishes a stored assessment (or takes it back).
    pub async fn set_assessment_published(
        &self,
        id: i64,
        published: bool,
        by: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM assessments WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            if exists.is_none() {
                return Err(StoreError::Invalid(format!("没有编号为 {id} 的考核结果")));
            }
            sqlx::query(
                "INSERT INTO assessment_publications (assessment_id, published, changed_by, changed_at, note) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(published)
            .bind(by)
            .bind(Utc::now())
            .bind(note)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The latest published assessment of a year, if any.
    pub async fn published_assessment(
        &self,
        year: i32,
    ) -> Result<Option<AssessmentRow>, StoreError> {
        Ok(self
            .assessments(Some(year))
            .await?
            .into_iter()
            .rev()
            .find(|a| a.published))
    }
}
