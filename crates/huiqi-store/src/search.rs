//! The registry search (企业库): by name or USCC fragment, county, industry, kind and the size class
//! of the latest matching run; the rows of every enterprise for an in-memory index; and the
//! version (latest import and run) that tells such an index whether it is current.

use huiqi_domain::SizeClass;

use crate::{Store, StoreError, dispatch};

/// The search row of an enterprise with its size class in the latest matching run.
const ROW_SELECT: &str = "SELECT e.uscc, e.name, e.county, e.industry, e.kind, m.size_class FROM enterprises e \
     LEFT JOIN match_results m ON m.run_id = (SELECT MAX(id) FROM match_runs) AND m.uscc = e.uscc";

fn enterprise_row<R: sqlx::Row>(r: &R) -> Result<EnterpriseRow, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database>,
{
    Ok(EnterpriseRow {
        uscc: r.try_get(0)?,
        name: r.try_get(1)?,
        county: r.try_get(2)?,
        industry: r.try_get(3)?,
        kind: r.try_get(4)?,
        size_class: r
            .try_get::<Option<String>, _>(5)?
            .and_then(|c| SizeClass::parse(&c)),
    })
}

/// Filters of the registry search; an empty string means no filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnterpriseFilter<'a> {
    /// Name or USCC fragment, or a whole USCC.
    pub query: &'a str,
    /// Jurisdiction id.
    pub county: &'a str,
    /// Industry code prefix (a GB/T 4754 section letter or code).
    pub industry: &'a str,
    /// `enterprise` or `individual_business`.
    pub kind: &'a str,
    /// The size class of the latest matching run.
    pub size_class: Option<SizeClass>,
}

/// One row of the registry search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseRow {
    pub uscc: String,
    pub name: String,
    pub county: String,
    pub industry: String,
    pub kind: String,
    /// The size class in the latest matching run (`None`: no run has classified it).
    pub size_class: Option<SizeClass>,
}

impl Store {
    /// Registry search: an 18-character query is looked up as a USCC, anything else matches a
    /// fragment of the name or USCC; empty filters match everything. The size class is the one
    /// the latest matching run computed (an enterprise no run has classified has none and is
    /// left out by a size filter). Ordered by USCC.
    pub async fn search_enterprises(
        &self,
        f: &EnterpriseFilter<'_>,
        limit: i64,
    ) -> Result<Vec<EnterpriseRow>, StoreError> {
        let q = f.query.trim();
        let exact = q.len() == 18 && q.chars().all(|c| c.is_ascii_alphanumeric());
        let pattern = format!("%{}%", q.replace(['%', '_', '\\'], ""));
        let matching = if exact {
            "e.uscc = $1"
        } else {
            "($1 = '%%' OR e.name LIKE $1 OR e.uscc LIKE $1)"
        };
        let sql = format!(
            "{ROW_SELECT} WHERE {matching} AND ($2 = '' OR e.county = $2) \
             AND ($3 = '' OR e.industry LIKE $3 || '%') AND ($4 = '' OR e.kind = $4) \
             AND ($5 = '' OR m.size_class = $5) ORDER BY e.uscc LIMIT $6"
        );
        let first = if exact {
            q.to_ascii_uppercase()
        } else {
            pattern
        };
        dispatch!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&first)
                .bind(f.county)
                .bind(f.industry)
                .bind(f.kind)
                .bind(f.size_class.map_or("", SizeClass::as_str))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(enterprise_row)
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The county of an enterprise, if it is registered.
    pub async fn county_of(&self, uscc: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT county FROM enterprises WHERE uscc = $1").bind(uscc).fetch_optional(pool).await?)
        })
    }
}

impl Store {
    /// Every enterprise's search row, by USCC (for an in-memory name index).
    pub async fn all_enterprise_rows(&self) -> Result<Vec<EnterpriseRow>, StoreError> {
        // Streamed row by row, so the driver's rows are never all held at once.
        dispatch!(self, pool => {
            use futures_util::TryStreamExt;
            let mut out = Vec::new();
            let sql = format!("{ROW_SELECT} ORDER BY e.uscc");
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch(pool);
            while let Some(r) = rows.try_next().await? {
                out.push(enterprise_row(&r)?);
            }
            Ok(out)
        })
    }

    /// The latest import and matching run ids (0 when none): a search row changes only through
    /// an import (name, county, …) or a new run (size class).
    pub async fn search_version(&self) -> Result<(i64, i64), StoreError> {
        dispatch!(self, pool => {
            let (i, r): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT MAX(id) FROM imports), (SELECT MAX(id) FROM match_runs)",
            )
            .fetch_one(pool)
            .await?;
            Ok((i.unwrap_or(0), r.unwrap_or(0)))
        })
    }

    /// The latest import id (0 when none): names change only through imports.
    pub async fn latest_import_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM imports").fetch_one(pool).await?;
            Ok(id.unwrap_or(0))
        })
    }
}
