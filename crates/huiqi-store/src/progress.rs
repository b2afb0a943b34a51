//! 日常调度 storage (migration `0100_progress`): allocations with history and monthly
//! reports. Values are exact decimals stored as BIGINT ten-thousandths.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
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

    /// Enterprises registered between two dates (inclusive), per county, from the registry.
    pub async fn registrations_by_county(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT county, COUNT(*) FROM enterprises WHERE registered_on >= $1 AND registered_on <= $2 \
                 GROUP BY county",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<BTreeMap<_, _>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }
}
