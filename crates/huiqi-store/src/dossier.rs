//! 一企一档: everything the registry holds about one enterprise, read for its file — its facts of
//! every year with the import behind each department's group, its certifications, the grants
//! recorded for it and its result in every matching run.

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_domain::registry::{Column, Group, Value};
use sqlx::Row;

use crate::registry::get_value;
use crate::{Store, StoreError, dispatch};

/// The groups of `enterprise_facts`, in the order the file shows them.
pub const FACT_GROUPS: [Group; 5] = [
    Group::Tax,
    Group::Hr,
    Group::Stats,
    Group::Finance,
    Group::Tech,
];

/// One department's group of facts of one year, with the import that delivered it (`None`:
/// not reported).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupValues {
    pub group: Group,
    pub import_id: Option<i64>,
    pub values: Vec<(&'static Column, Value)>,
}

/// An enterprise's facts of one year, by department.
#[derive(Debug, Clone, PartialEq)]
pub struct YearFacts {
    pub year: i32,
    pub groups: Vec<GroupValues>,
}

/// A certification of the enterprise with the list file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationOf {
    pub kind: String,
    pub certified_on: NaiveDate,
    pub certificate_no: Option<String>,
    pub file_name: String,
    pub imported_at: DateTime<Utc>,
}

/// A recorded grant of the enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantOf {
    pub measure: String,
    pub amount_fen: i64,
    pub granted_on: NaiveDate,
    pub file_name: String,
}

/// The enterprise in one matching run: its size class and each measure it benefited from
/// (amount in fen, 1 for a flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResultOf {
    pub run_id: i64,
    pub size_class: String,
    pub benefits: Vec<(String, i64)>,
}

/// The registration row (市场监管) of an enterprise, with its import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub county: String,
    pub industry: String,
    pub registered_on: Option<NaiveDate>,
    pub status: String,
    pub import_id: i64,
}

impl Store {
    /// The enterprise's registration row, if the registry knows it.
    pub async fn registration_of(&self, uscc: &str) -> Result<Option<Registration>, StoreError> {
        dispatch!(self, pool => {
            let row = sqlx::query(
                "SELECT uscc, name, kind, county, industry, registered_on, status, import_id                  FROM enterprises WHERE uscc = $1",
            )
            .bind(uscc)
            .fetch_optional(pool)
            .await?;
            row.map(|r| -> Result<Registration, sqlx::Error> {
                Ok(Registration {
                    uscc: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    county: r.try_get(3)?,
                    industry: r.try_get(4)?,
                    registered_on: r.try_get(5)?,
                    status: r.try_get(6)?,
                    import_id: r.try_get(7)?,
                })
            })
            .transpose()
            .map_err(StoreError::from)
        })
    }

    /// Every year of the enterprise's facts, newest first, each department's group with its
    /// values and import.
    pub async fn facts_by_year(&self, uscc: &str) -> Result<Vec<YearFacts>, StoreError> {
        let mut cols = vec!["year".to_string()];
        for g in FACT_GROUPS {
            cols.push(g.import_column().to_string());
            cols.extend(g.columns().iter().map(|c| c.db.to_string()));
        }
        let sql = format!(
            "SELECT {} FROM enterprise_facts WHERE uscc = $1 ORDER BY year DESC",
            cols.join(", ")
        );
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(uscc).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut i = 1;
                let mut groups = Vec::new();
                for g in FACT_GROUPS {
                    let import_id: Option<i64> = r.try_get(i)?;
                    i += 1;
                    let mut values = Vec::new();
                    for c in g.columns() {
                        values.push((c, get_value!(r, i, c.ty.storage())));
                        i += 1;
                    }
                    groups.push(GroupValues { group: g, import_id, values });
                }
                out.push(YearFacts { year: r.try_get(0)?, groups });
            }
            Ok(out)
        })
    }

    /// The enterprise's certifications, oldest first, with their list file.
    pub async fn certifications_of(&self, uscc: &str) -> Result<Vec<CertificationOf>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT c.kind, c.certified_on, c.certificate_no, i.file_name, i.imported_at \
                 FROM certifications c JOIN list_imports i ON i.id = c.import_id \
                 WHERE c.uscc = $1 ORDER BY c.certified_on, c.kind",
            )
            .bind(uscc)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(CertificationOf {
                        kind: r.try_get(0)?,
                        certified_on: r.try_get(1)?,
                        certificate_no: r.try_get(2)?,
                        file_name: r.try_get(3)?,
                        imported_at: r.try_get(4)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The grants recorded for the enterprise, newest first.
    pub async fn grants_of(&self, uscc: &str) -> Result<Vec<GrantOf>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT measure, amount_fen, granted_on, file_name FROM grants \
                 WHERE uscc = $1 ORDER BY granted_on DESC, measure",
            )
            .bind(uscc)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(GrantOf {
                        measure: r.try_get(0)?,
                        amount_fen: r.try_get(1)?,
                        granted_on: r.try_get(2)?,
                        file_name: r.try_get(3)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The enterprise's result in every matching run that included it, oldest run first.
    pub async fn run_results_of(&self, uscc: &str) -> Result<Vec<RunResultOf>, StoreError> {
        dispatch!(self, pool => {
            let runs = sqlx::query(
                "SELECT run_id, size_class FROM match_results WHERE uscc = $1 ORDER BY run_id",
            )
            .bind(uscc)
            .fetch_all(pool)
            .await?;
            let benefits = sqlx::query(
                "SELECT run_id, measure, amount_fen FROM match_benefits WHERE uscc = $1 \
                 ORDER BY run_id, measure",
            )
            .bind(uscc)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(runs.len());
            for r in &runs {
                out.push(RunResultOf {
                    run_id: r.try_get(0)?,
                    size_class: r.try_get(1)?,
                    benefits: Vec::new(),
                });
            }
            for b in &benefits {
                let run_id: i64 = b.try_get(0)?;
                if let Some(o) = out.iter_mut().find(|o| o.run_id == run_id) {
                    o.benefits.push((b.try_get(1)?, b.try_get(2)?));
                }
            }
            Ok(out)
        })
    }
}
