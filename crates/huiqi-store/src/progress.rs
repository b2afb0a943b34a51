//! 日常调度 storage (migration `0100_progress`): allocations with history and monthly
//! reports. Values are exact decimals stored as BIGINT ten-thousandths. And the SQL of every
//! [`Figure`] the registry counts per county (registrations, the lists of `lists.rs`, the finance
//! columns of `enterprise_facts`); which target each figure serves, and how that reads in
//! Chinese, is huiqi-progress's `computed` vocabulary.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_domain::figures::Figure;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sqlx::Row;

use crate::files::{FileMeta, NewFile};
use crate::{Store, StoreError, dispatch};

/// A report as entered (or seeded).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub target: String,
    pub jurisdiction: String,
    /// `YYYY-MM`
    pub period: String,
    pub value: Decimal,
    pub note: String,
    pub attachment: Option<String>,
    pub reporter: String,
    pub reported_at: DateTime<Utc>,
}

/// An allocation change.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationRow {
    pub target: String,
    pub jurisdiction: String,
    pub value: Decimal,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub note: String,
}

/// A value as ten-thousandths; more than four decimals, or too large, is refused.
pub fn to_e4(v: Decimal) -> Result<i64, StoreError> {
    let scaled = v
        .checked_mul(Decimal::from(10_000))
        .ok_or_else(|| StoreError::Invalid(format!("{v} 超出范围")))?;
    if scaled.fract() != Decimal::ZERO {
        return Err(StoreError::Invalid(format!("{v} 的小数超过 4 位")));
    }
    scaled
        .to_i64()
        .ok_or_else(|| StoreError::Invalid(format!("{v} 超出范围")))
}

fn from_e4(v: i64) -> Decimal {
    Decimal::new(v, 4).normalize()
}

impl Store {
    /// Records reports in one transaction.
    pub async fn add_reports(&self, reports: &[ReportRow]) -> Result<(), StoreError> {
        let values: Vec<i64> = reports
            .iter()
            .map(|r| to_e4(r.value))
            .collect::<Result<_, _>>()?;
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            for (r, v) in reports.iter().zip(values) {
                sqlx::query(
                    "INSERT INTO progress_reports (target, jurisdiction, period, value_e4, note, attachment, \
                     reporter, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&r.target)
                .bind(&r.jurisdiction)
                .bind(&r.period)
                .bind(v)
                .bind(&r.note)
                .bind(&r.attachment)
                .bind(&r.reporter)
                .bind(r.reported_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records one report with its 附件 files (kept once in the shared file store) in one
    /// transaction; returns the report's id.
    pub async fn add_report_with_files(
        &self,
        r: &ReportRow,
        files: &[NewFile],
    ) -> Result<i64, StoreError> {
        let v = to_e4(r.value)?;
        for f in files {
            crate::files::check_new("附件", f)?;
        }
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO progress_reports (target, jurisdiction, period, value_e4, note, attachment, \
                 reporter, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&r.target)
            .bind(&r.jurisdiction)
            .bind(&r.period)
            .bind(v)
            .bind(&r.note)
            .bind(&r.attachment)
            .bind(&r.reporter)
            .bind(r.reported_at)
            .fetch_one(&mut *tx)
            .await?;
            for f in files {
                let sha = crate::files::put_file!(tx, f);
                sqlx::query(
                    "INSERT INTO progress_report_files (report_id, file_name, content_type, size_bytes, sha256) \
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
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The files of the latest report per (target, jurisdiction) of a period (keys without
    /// files are absent).
    pub async fn report_files_for(
        &self,
        period: &str,
    ) -> Result<BTreeMap<(String, String), Vec<FileMeta>>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT f.id, f.report_id, f.file_name, f.content_type, f.size_bytes, f.sha256, r.target, r.jurisdiction \
                 FROM progress_report_files f JOIN progress_reports r ON r.id = f.report_id \
                 WHERE r.period = $1 AND r.id = (SELECT MAX(l.id) FROM progress_reports l \
                 WHERE l.period = r.period AND l.target = r.target AND l.jurisdiction = r.jurisdiction) \
                 ORDER BY f.id",
            )
            .bind(period)
            .fetch_all(pool)
            .await?;
            let mut out: BTreeMap<(String, String), Vec<FileMeta>> = BTreeMap::new();
            for r in &rows {
                let m = FileMeta {
                    id: r.try_get(0)?,
                    owner_id: r.try_get(1)?,
                    file_name: r.try_get(2)?,
                    content_type: r.try_get(3)?,
                    size_bytes: r.try_get(4)?,
                    sha256: r.try_get(5)?,
                };
                out.entry((r.try_get(6)?, r.try_get(7)?)).or_default().push(m);
            }
            Ok(out)
        })
    }

    /// A report's file with its bytes and the report's (target, jurisdiction), for the scope
    /// check before a download.
    pub async fn progress_report_file(
        &self,
        id: i64,
    ) -> Result<Option<(FileMeta, Vec<u8>, (String, String))>, StoreError> {
        let owner: Option<(String, String)> = dispatch!(self, pool => {
            sqlx::query_as(
                "SELECT r.target, r.jurisdiction FROM progress_report_files f \
                 JOIN progress_reports r ON r.id = f.report_id WHERE f.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        let Some(owner) = owner else {
            return Ok(None);
        };
        let found = crate::files::meta_and_bytes(
            self,
            "SELECT id, report_id, file_name, content_type, size_bytes, sha256 \
             FROM progress_report_files WHERE id = $1",
            id,
        )
        .await?;
        Ok(found.map(|(m, b)| (m, b, owner)))
    }

    /// The periods (`YYYY-MM`) that have reports, in order.
    pub async fn report_periods(&self) -> Result<Vec<String>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT DISTINCT period FROM progress_reports ORDER BY period")
                .fetch_all(pool)
                .await?)
        })
    }

    /// Whether the registry has a dated figure from `from` to `to` (a registration, a
    /// certification or a training session): key probes on registrations
    /// (`registration_counts`) and sessions (`training_sessions_held_on`), whatever the
    /// registry's size; the certification lists (thousands of rows, indexed by kind first) are
    /// scanned until a match.
    pub async fn registry_has_dates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<bool, StoreError> {
        dispatch!(self, pool => {
            let found: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM registration_counts WHERE registered_on >= $1 AND registered_on <= $2) \
                 OR EXISTS (SELECT 1 FROM certifications WHERE certified_on >= $3 AND certified_on <= $4) \
                 OR EXISTS (SELECT 1 FROM training_sessions WHERE held_on >= $5 AND held_on <= $6)",
            )
            .bind(from)
            .bind(to)
            .bind(from)
            .bind(to)
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await?;
            Ok(found)
        })
    }

    /// The latest report per (target, jurisdiction) for a period.
    pub async fn reports_for(
        &self,
        period: &str,
    ) -> Result<BTreeMap<(String, String), ReportRow>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT target, jurisdiction, period, value_e4, note, attachment, reporter, reported_at \
                 FROM progress_reports WHERE period = $1 ORDER BY id",
            )
            .bind(period)
            .fetch_all(pool)
            .await?;
            let mut out = BTreeMap::new();
            for r in &rows {
                let row = ReportRow {
                    target: r.try_get(0)?,
                    jurisdiction: r.try_get(1)?,
                    period: r.try_get(2)?,
                    value: from_e4(r.try_get(3)?),
                    note: r.try_get(4)?,
                    attachment: r.try_get(5)?,
                    reporter: r.try_get(6)?,
                    reported_at: r.try_get(7)?,
                };
                out.insert((row.target.clone(), row.jurisdiction.clone()), row);
            }
            Ok(out)
        })
    }

    /// Records a new share of a city target for a jurisdiction (earlier ones stay as history).
    pub async fn add_allocation(&self, a: &AllocationRow) -> Result<(), StoreError> {
        let v = to_e4(a.value)?;
        dispatch!(self, pool => {
            sqlx::query(
                "INSERT INTO progress_allocations (target, jurisdiction, value_e4, changed_at, changed_by, note) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&a.target)
            .bind(&a.jurisdiction)
            .bind(v)
            .bind(a.changed_at)
            .bind(&a.changed_by)
            .bind(&a.note)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Every allocation change, oldest first.
    pub async fn allocation_history(&self) -> Result<Vec<AllocationRow>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT target, jurisdiction, value_e4, changed_at, changed_by, note FROM progress_allocations ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AllocationRow {
                        target: r.try_get(0)?,
                        jurisdiction: r.try_get(1)?,
                        value: from_e4(r.try_get(2)?),
                        changed_at: r.try_get(3)?,
                        changed_by: r.try_get(4)?,
                        note: r.try_get(5)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The current share per (target, jurisdiction): the latest change.
    pub async fn allocations(&self) -> Result<BTreeMap<(String, String), Decimal>, StoreError> {
        Ok(self
            .allocation_history()
            .await?
            .into_iter()
            .map(|a| ((a.target, a.jurisdiction), a.value))
            .collect())
    }
}

/// The window of a [`Figure`]: two dates (inclusive), or two years for the yearly figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Dates(NaiveDate, NaiveDate),
    Years(i32, i32),
}

/// The SQL of each figure (per county; `$1`..`$2` the window, `$3` the certification kind).
struct FigureSql;

impl FigureSql {
    /// Per county: `SELECT county, n` for the window `$1`..`$2` (dates, or years for the finance
    /// figures; `$3`: the certification kind).
    fn by_county(figure: Figure) -> &'static str {
        match figure {
            // From the per-day counts the imports keep (migration 0120), not the registry itself.
            Figure::Registrations => {
                "SELECT county, CAST(SUM(n) AS BIGINT) FROM registration_counts \
                 WHERE registered_on >= $1 AND registered_on <= $2 GROUP BY county"
            }
            Figure::Certifications(_) => {
                "SELECT e.county, COUNT(*) FROM certifications c JOIN enterprises e ON e.uscc = c.uscc \
                 WHERE c.certified_on >= $1 AND c.certified_on <= $2 AND c.kind = $3 GROUP BY e.county"
            }
            Figure::TrainingSessions => {
                "SELECT county, COUNT(*) FROM training_sessions WHERE held_on >= $1 AND held_on <= $2 \
                 GROUP BY county"
            }
            Figure::Trainees => {
                "SELECT county, CAST(COALESCE(SUM(attendees), 0) AS BIGINT) FROM training_sessions \
                 WHERE held_on >= $1 AND held_on <= $2 GROUP BY county"
            }
            // The finance figures count 小微企业 only: small and micro by the size class of the
            // latest matching run of the facts' year (an enterprise no run classified is not counted).
            Figure::NewLoans => {
                "SELECT e.county, CAST(COALESCE(SUM(f.new_loans), 0) AS BIGINT) FROM enterprise_facts f \
                 JOIN enterprises e ON e.uscc = f.uscc \
                 JOIN match_results r ON r.uscc = f.uscc \
                 AND r.run_id = (SELECT MAX(m.id) FROM match_runs m WHERE m.year = f.year) \
                 WHERE f.year >= $1 AND f.year <= $2 AND f.finance_import_id IS NOT NULL \
                 AND r.size_class IN ('small', 'micro') GROUP BY e.county"
            }
            Figure::FirstLoanAccounts => {
                "SELECT e.county, COUNT(*) FROM enterprise_facts f JOIN enterprises e ON e.uscc = f.uscc \
                 JOIN match_results r ON r.uscc = f.uscc \
                 AND r.run_id = (SELECT MAX(m.id) FROM match_runs m WHERE m.year = f.year) \
                 WHERE f.year >= $1 AND f.year <= $2 AND f.finance_import_id IS NOT NULL AND f.first_loan \
                 AND r.size_class IN ('small', 'micro') GROUP BY e.county"
            }
            Figure::FirstLoanAmount => {
                "SELECT e.county, CAST(COALESCE(SUM(f.new_loans), 0) AS BIGINT) FROM enterprise_facts f \
                 JOIN enterprises e ON e.uscc = f.uscc \
                 JOIN match_results r ON r.uscc = f.uscc \
                 AND r.run_id = (SELECT MAX(m.id) FROM match_runs m WHERE m.year = f.year) \
                 WHERE f.year >= $1 AND f.year <= $2 AND f.finance_import_id IS NOT NULL AND f.first_loan \
                 AND r.size_class IN ('small', 'micro') GROUP BY e.county"
            }
        }
    }

    /// Whether the registry has any data for the figure in `$1`..`$2` (the whole year(s)): one row
    /// `('any', n)`.
    fn has_data(figure: Figure) -> &'static str {
        match figure {
            Figure::Registrations => {
                "SELECT 'any', COUNT(*) FROM (SELECT 1 FROM registration_counts WHERE registered_on >= $1 \
                 AND registered_on <= $2 LIMIT 1) t"
            }
            Figure::Certifications(_) => {
                "SELECT 'any', COUNT(*) FROM (SELECT 1 FROM certifications WHERE certified_on >= $1 \
                 AND certified_on <= $2 AND kind = $3 LIMIT 1) t"
            }
            Figure::TrainingSessions | Figure::Trainees => {
                "SELECT 'any', COUNT(*) FROM (SELECT 1 FROM training_sessions WHERE held_on >= $1 \
                 AND held_on <= $2 LIMIT 1) t"
            }
            Figure::NewLoans | Figure::FirstLoanAccounts | Figure::FirstLoanAmount => {
                "SELECT 'any', COUNT(*) FROM (SELECT 1 FROM enterprise_facts WHERE year >= $1 AND year <= $2 \
                 AND finance_import_id IS NOT NULL LIMIT 1) t"
            }
        }
    }
}

/// A window bound both drivers bind: a date or a year.
trait Bound:
    Copy
    + Send
    + for<'q> sqlx::Encode<'q, sqlx::Sqlite>
    + sqlx::Type<sqlx::Sqlite>
    + for<'q> sqlx::Encode<'q, sqlx::Postgres>
    + sqlx::Type<sqlx::Postgres>
{
}

impl<T> Bound for T where
    T: Copy
        + Send
        + for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
{
}

impl Store {
    /// A figure per county (county → count, or fen for the money figures) in a window; a county
    /// without any is absent.
    pub async fn figure_by_county(
        &self,
        figure: Figure,
        window: Window,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        self.figure_rows(figure, FigureSql::by_county(figure), window)
            .await
    }

    /// Whether the registry has any data for the figure in the window (for the finance figures:
    /// any finance row of those years, even with nothing lent).
    pub async fn figure_has_data(
        &self,
        figure: Figure,
        window: Window,
    ) -> Result<bool, StoreError> {
        let rows = self
            .figure_rows(figure, FigureSql::has_data(figure), window)
            .await?;
        Ok(rows.values().any(|n| *n > 0))
    }

    async fn figure_rows(
        &self,
        figure: Figure,
        sql: &'static str,
        window: Window,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        match window {
            Window::Dates(from, to) => self.figure_query(figure, sql, from, to).await,
            Window::Years(from, to) => self.figure_query(figure, sql, from, to).await,
        }
    }

    /// Runs one of the figure's queries for the window `from`..`to`: county (or any text) →
    /// number.
    async fn figure_query<T: Bound>(
        &self,
        figure: Figure,
        sql: &'static str,
        from: T,
        to: T,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        let kind = match figure {
            Figure::Certifications(k) => Some(k.as_str()),
            _ => None,
        };
        dispatch!(self, pool => {
            let mut q = sqlx::query(sql).bind(from).bind(to);
            if let Some(k) = kind {
                q = q.bind(k);
            }
            let rows = q.fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<BTreeMap<_, _>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }
}
