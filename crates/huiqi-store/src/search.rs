//! The registry search (企业库): by name or USCC fragment, county, industry, kind and the size class
//! of the latest matching run; the rows of every enterprise for an in-memory index; and the
//! version (latest import and run) that tells such an index whether it is current.

use huiqi_domain::SizeClass;

use crate::{Store, StoreError, dispatch};

/// The search row of an enterprise with its size class in the latest matching run.
const ROW_SELECT: &str = "SELECT e.uscc, e.name, e.county, e.industry, e.kind, m.size_class, \
     CAST(e.registered_on AS TEXT) FROM enterprises e \
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
        registered_on: r.try_get(6)?,
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
    /// The registration date (`YYYY-MM-DD`), when the market regulator gave one.
    pub registered_on: Option<String>,
}

/// The orders a registry search may be sorted by (a whitelist: the SQL is chosen here, never
/// taken from the request). Ties go by USCC, so a page is the same every time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EnterpriseSort {
    /// By USCC.
    #[default]
    Uscc,
    /// By name (code point order on both databases, as in memory).
    Name,
    /// Newest registration first; no date last.
    RegisteredDesc,
    /// By jurisdiction id.
    County,
}

impl EnterpriseSort {
    pub const ALL: [EnterpriseSort; 4] = [
        EnterpriseSort::Uscc,
        EnterpriseSort::Name,
        EnterpriseSort::RegisteredDesc,
        EnterpriseSort::County,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseSort::Uscc => "uscc",
            EnterpriseSort::Name => "name",
            EnterpriseSort::RegisteredDesc => "registered",
            EnterpriseSort::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<EnterpriseSort> {
        EnterpriseSort::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            EnterpriseSort::Uscc => "统一社会信用代码",
            EnterpriseSort::Name => "名称",
            EnterpriseSort::RegisteredDesc => "成立日期（新的在前）",
            EnterpriseSort::County => "辖区",
        }
    }

    /// Compares two rows the way the SQL orders them.
    pub fn compare(self, a: &EnterpriseRow, b: &EnterpriseRow) -> std::cmp::Ordering {
        let first = match self {
            EnterpriseSort::Uscc => std::cmp::Ordering::Equal,
            EnterpriseSort::Name => a.name.cmp(&b.name),
            // None last, newest first.
            EnterpriseSort::RegisteredDesc => match (&a.registered_on, &b.registered_on) {
                (Some(x), Some(y)) => y.cmp(x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
            EnterpriseSort::County => a.county.cmp(&b.county),
        };
        first.then_with(|| a.uscc.cmp(&b.uscc))
    }

    fn order_by(self, backend: crate::Backend) -> &'static str {
        // Byte (code point) order on both, so the database and the in-memory index agree.
        let pg = backend == crate::Backend::Postgres;
        match (self, pg) {
            (EnterpriseSort::Uscc, _) => "e.uscc",
            (EnterpriseSort::Name, false) => "e.name, e.uscc",
            (EnterpriseSort::Name, true) => "e.name COLLATE \"C\", e.uscc",
            (EnterpriseSort::RegisteredDesc, _) => {
                "e.registered_on IS NULL, e.registered_on DESC, e.uscc"
            }
            (EnterpriseSort::County, false) => "e.county, e.uscc",
            (EnterpriseSort::County, true) => "e.county COLLATE \"C\", e.uscc",
        }
    }
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
        Ok(self
            .search_enterprises_page(f, EnterpriseSort::Uscc, 0, limit)
            .await?
            .1)
    }

    /// One page of the registry search (see [`Store::search_enterprises`]) in the given order,
    /// with the number of all matching enterprises.
    pub async fn search_enterprises_page(
        &self,
        f: &EnterpriseFilter<'_>,
        sort: EnterpriseSort,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<EnterpriseRow>), StoreError> {
        let q = f.query.trim();
        let exact = q.len() == 18 && q.chars().all(|c| c.is_ascii_alphanumeric());
        let pattern = format!("%{}%", q.replace(['%', '_', '\\'], ""));
        let matching = if exact {
            "e.uscc = $1"
        } else {
            "($1 = '%%' OR e.name LIKE $1 OR e.uscc LIKE $1)"
        };
        let filter = format!(
            "WHERE {matching} AND ($2 = '' OR e.county = $2) \
             AND ($3 = '' OR e.industry LIKE $3 || '%') AND ($4 = '' OR e.kind = $4) \
             AND ($5 = '' OR m.size_class = $5)"
        );
        let sql = format!(
            "{ROW_SELECT} {filter} ORDER BY {} LIMIT $6 OFFSET $7",
            sort.order_by(self.backend())
        );
        let count = format!(
            "SELECT COUNT(*) FROM enterprises e LEFT JOIN match_results m \
             ON m.run_id = (SELECT MAX(id) FROM match_runs) AND m.uscc = e.uscc {filter}"
        );
        let first = if exact {
            q.to_ascii_uppercase()
        } else {
            pattern
        };
        let size = f.size_class.map_or("", SizeClass::as_str);
        dispatch!(self, pool => {
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
                .bind(&first)
                .bind(f.county)
                .bind(f.industry)
                .bind(f.kind)
                .bind(size)
                .fetch_one(pool)
                .await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&first)
                .bind(f.county)
                .bind(f.industry)
                .bind(f.kind)
                .bind(size)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let rows = rows.iter()
                .map(enterprise_row)
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok((total, rows))
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
