//! 日常调度 storage (migration `0100_progress`): allocations with history and monthly
//! reports. Values are exact decimals stored as BIGINT ten-thousandths. [`COMPUTED_TARGETS`]: the
//! targets the registry computes where it has the data (registrations, the lists of `lists.rs`,
//! the finance columns of `enterprise_facts`), and how.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use huiqi_domain::lists::CertKind;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sqlx::Row;

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

/// A value as ten-thousandths; more than four decimals is refused.
pub fn to_e4(v: Decimal) -> Result<i64, String> {
    let scaled = v * Decimal::from(10_000);
    if scaled.fract() != Decimal::ZERO {
        return Err(format!("{v} 的小数超过 4 位"));
    }
    scaled.to_i64().ok_or_else(|| format!("{v} 超出范围"))
}

fn from_e4(v: i64) -> Decimal {
    Decimal::new(v, 4).normalize()
}

impl Store {
    /// Records reports in one transaction.
    pub async fn add_reports(&self, reports: &[ReportRow]) -> Result<(), StoreError> {
        let values: Vec<i64> = reports
            .iter()
            .map(|r| to_e4(r.value).map_err(|e| StoreError::Sqlx(sqlx::Error::Protocol(e))))
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
        let v = to_e4(a.value).map_err(|e| StoreError::Sqlx(sqlx::Error::Protocol(e)))?;
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

/// Where the registry finds the value of a target (see [`COMPUTED_TARGETS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Enterprises registered in the window (`enterprises.registered_on`, 市场监管).
    Registrations,
    /// Certifications of a kind dated in the window, by the enterprise's county (认定名单).
    Certifications(CertKind),
    /// Training sessions held in the window (创业培训台账).
    TrainingSessions,
    /// Attendees of those sessions.
    Trainees,
    /// 本年新增贷款 of the year(s), fen (金融).
    NewLoans,
    /// 首贷户 of the year(s) (金融).
    FirstLoanAccounts,
    /// 本年新增贷款 of the 首贷户 of the year(s), fen (金融).
    FirstLoanAmount,
}

/// A target whose value the registry computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComputedTarget {
    /// The target id of the policy pack.
    pub target: &'static str,
    pub figure: Figure,
    /// The target's unit (a test checks it against the pack): amounts are converted to it.
    pub unit: &'static str,
    /// Counted from the policy's first year (累计) instead of within the period's year.
    pub cumulative: bool,
}

const fn computed(
    target: &'static str,
    figure: Figure,
    unit: &'static str,
    cumulative: bool,
) -> ComputedTarget {
    ComputedTarget {
        target,
        figure,
        unit,
        cumulative,
    }
}

/// Every target the registry computes where it has the data, and from what.
pub const COMPUTED_TARGETS: [ComputedTarget; 9] = [
    computed("new_taxpaying_entities", Figure::Registrations, "户", false),
    computed(
        "new_tech_smes",
        Figure::Certifications(CertKind::TechSme),
        "家",
        false,
    ),
    computed(
        "new_innovative_smes",
        Figure::Certifications(CertKind::InnovativeSme),
        "户",
        false,
    ),
    computed(
        "new_provincial_zjtx",
        Figure::Certifications(CertKind::ProvincialZjtx),
        "户",
        false,
    ),
    computed("new_small_micro_loans", Figure::NewLoans, "亿元", false),
    computed("first_loan_accounts", Figure::FirstLoanAccounts, "户", true),
    computed("first_loan_amount", Figure::FirstLoanAmount, "亿元", true),
    computed(
        "entrepreneur_trainings",
        Figure::TrainingSessions,
        "场",
        false,
    ),
    computed("entrepreneur_trainees", Figure::Trainees, "人次", false),
];

/// A target's value per county as computed from the registry, and how (Chinese, for the reason).
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedActual {
    pub target: &'static str,
    /// County id → value in the target's unit (0 is not listed: a county without any is 0).
    pub by_county: BTreeMap<String, Decimal>,
    pub how: String,
}

/// The finance figures' caveat: the registry does not classify size in SQL.
const ALL_ENTERPRISES: &str = "含企业库全部登记主体，未按大中小微划型筛选";

impl Figure {
    /// Per county: `SELECT county, n` for the window `$1`..`$2` (dates, or years for the finance
    /// figures; `$3`: the certification kind).
    fn sql(self) -> &'static str {
        match self {
            Figure::Registrations => {
                "SELECT county, COUNT(*) FROM enterprises WHERE registered_on >= $1 AND registered_on <= $2 \
                 GROUP BY county"
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
            Figure::NewLoans => {
                "SELECT e.county, CAST(COALESCE(SUM(f.new_loans), 0) AS BIGINT) FROM enterprise_facts f \
                 JOIN enterprises e ON e.uscc = f.uscc WHERE f.year >= $1 AND f.year <= $2 \
                 AND f.finance_import_id IS NOT NULL GROUP BY e.county"
            }
            Figure::FirstLoanAccounts => {
                "SELECT e.county, COUNT(*) FROM enterprise_facts f JOIN enterprises e ON e.uscc = f.uscc \
                 WHERE f.year >= $1 AND f.year <= $2 AND f.finance_import_id IS NOT NULL AND f.first_loan \
                 GROUP BY e.county"
            }
            Figure::FirstLoanAmount => {
                "SELECT e.county, CAST(COALESCE(SUM(f.new_loans), 0) AS BIGINT) FROM enterprise_facts f \
                 JOIN enterprises e ON e.uscc = f.uscc WHERE f.year >= $1 AND f.year <= $2 \
                 AND f.finance_import_id IS NOT NULL AND f.first_loan GROUP BY e.county"
            }
        }
    }

    /// Whether the registry has any data for the figure in `$1`..`$2` (the whole year(s)): one row
    /// `('any', n)`.
    fn has_data_sql(self) -> &'static str {
        match self {
            Figure::Registrations => {
                "SELECT 'any', COUNT(*) FROM (SELECT 1 FROM enterprises WHERE registered_on >= $1 \
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

    fn is_yearly(self) -> bool {
        matches!(
            self,
            Figure::NewLoans | Figure::FirstLoanAccounts | Figure::FirstLoanAmount
        )
    }

    fn is_money(self) -> bool {
        matches!(self, Figure::NewLoans | Figure::FirstLoanAmount)
    }

    /// How the value was computed, for the reason of the 调度表 row.
    fn how(self, window: &str) -> String {
        match self {
            Figure::Registrations => {
                format!("企业库中 {window} 新登记的经营主体数（市场监管登记信息）")
            }
            Figure::Certifications(kind) => format!(
                "认定名单（certifications）中 {window} 认定的{}数，按企业在企业库中的所属辖区",
                kind.label()
            ),
            Figure::TrainingSessions => {
                format!("创业培训台账（trainings）中 {window} 举办的培训场次数")
            }
            Figure::Trainees => {
                format!("创业培训台账（trainings）中 {window} 各场培训参训人数之和")
            }
            Figure::NewLoans => format!(
                "金融部门数据（finance）中 {window}各企业“本年新增贷款”之和，折算为亿元（按辖区四舍五入到万元）；{ALL_ENTERPRISES}"
            ),
            Figure::FirstLoanAccounts => {
                format!("金融部门数据（finance）中 {window}标为首贷户的户数；{ALL_ENTERPRISES}")
            }
            Figure::FirstLoanAmount => format!(
                "金融部门数据（finance）中 {window}首贷户“本年新增贷款”之和，折算为亿元（按辖区四舍五入到万元）；{ALL_ENTERPRISES}"
            ),
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

/// fen → 亿元 (10^10 fen), to the 万元 (four decimals).
fn fen_to_yi(fen: i64) -> Decimal {
    Decimal::new(fen, 10).round_dp(4).normalize()
}

impl Store {
    /// Enterprises registered between two dates (inclusive), per county, from the registry.
    pub async fn registrations_by_county(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        self.figure_by_county(Figure::Registrations, from, to).await
    }

    /// Runs `sql` (one of the figure's queries) for the window `from`..`to`: county (or any text)
    /// → number.
    async fn figure_rows<T: Bound>(
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

    async fn figure_by_county<T: Bound>(
        &self,
        figure: Figure,
        from: T,
        to: T,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        self.figure_rows(figure, figure.sql(), from, to).await
    }

    async fn figure_has_data<T: Bound>(
        &self,
        figure: Figure,
        from: T,
        to: T,
    ) -> Result<bool, StoreError> {
        let rows = self
            .figure_rows(figure, figure.has_data_sql(), from, to)
            .await?;
        Ok(rows.values().any(|n| *n > 0))
    }

    /// The computed targets ([`COMPUTED_TARGETS`]) as of `to` (a month's end), where the registry
    /// has data for the target and year: dated lists count from 1 January of `to`'s year to `to`;
    /// the finance figures are yearly (the year of `to`, or from `start_year` for cumulative targets).
    pub async fn computed_actuals(
        &self,
        start_year: i32,
        to: NaiveDate,
    ) -> Result<Vec<ComputedActual>, StoreError> {
        let year = to.year();
        let (Some(jan1), Some(dec31)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for c in COMPUTED_TARGETS {
            let f = c.figure;
            let (values, window) = if f.is_yearly() {
                let first = if c.cumulative {
                    start_year.min(year)
                } else {
                    year
                };
                if !self.figure_has_data(f, first, year).await? {
                    continue;
                }
                let window = if first == year {
                    format!("{year} 年度")
                } else {
                    format!("{first}—{year} 年度")
                };
                (self.figure_by_county(f, first, year).await?, window)
            } else {
                if !self.figure_has_data(f, jan1, dec31).await? {
                    continue;
                }
                (
                    self.figure_by_county(f, jan1, to).await?,
                    format!("{jan1} 至 {to}"),
                )
            };
            let by_county = values
                .into_iter()
                .map(|(county, n)| {
                    let v = if f.is_money() {
                        fen_to_yi(n)
                    } else {
                        Decimal::from(n)
                    };
                    (county, v)
                })
                .collect();
            out.push(ComputedActual {
                target: c.target,
                by_county,
                how: f.how(&window),
            });
        }
        Ok(out)
    }
}
