//! The registry counted: enterprises by county × kind × size class (工信部联企业〔2011〕300号, by
//! the rules engine; 个体工商户 参照执行 per its 第六条), for `huiqi db stats`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use huiqi_domain::{EntityKind, Facts, SizeClass};
use huiqi_policy::Pack;
use huiqi_rules::{Engine, Rules};
use huiqi_store::Store;
use huiqi_store::registry::RegistryCounts;
use rust_decimal::Decimal;

use crate::AppError;

/// One line of the count: a county and a kind, the enterprises per size class, and those
/// without facts for the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeCount {
    pub county: String,
    pub kind: String,
    /// Large, medium, small, micro (as [`SIZE_ORDER`]).
    pub by_class: [i64; 4],
    pub without_facts: i64,
}

/// The classes of a [`SizeCount`], largest first.
pub const SIZE_ORDER: [SizeClass; 4] = [
    SizeClass::Large,
    SizeClass::Medium,
    SizeClass::Small,
    SizeClass::Micro,
];

/// The registry's overall counts, the years with facts (newest first) and, for `year` (default:
/// the newest), the size classes by county and kind in the pack's order of counties.
pub struct Stats {
    pub counts: RegistryCounts,
    pub years: Vec<i32>,
    pub year: Option<i32>,
    pub by_size: Vec<SizeCount>,
    /// Without any year of facts: enterprises by county and kind.
    pub by_kind: Vec<(String, String, i64)>,
}

pub async fn stats(store: &Store, pack: &Pack, year: Option<i32>) -> Result<Stats, AppError> {
    let counts = store.registry_counts().await?;
    let years = store.fact_years().await?;
    let year = year.or(years.first().copied());
    let (mut by_size, mut by_kind) = (Vec::new(), Vec::new());
    match year {
        Some(y) => {
            let at = NaiveDate::from_ymd_opt(y, 12, 31)
                .ok_or_else(|| AppError::invalid("bad_year", format!("年度 {y} 无效")))?;
            let engine = Engine::new(&Rules::builtin(), at);
            let mut cells: BTreeMap<(String, String), SizeCount> = BTreeMap::new();
            for e in store.size_inputs(y).await? {
                let cell = cells
                    .entry((e.county.clone(), e.kind.clone()))
                    .or_insert_with(|| SizeCount {
                        county: e.county.clone(),
                        kind: e.kind.clone(),
                        by_class: [0; 4],
                        without_facts: 0,
                    });
                match (e.employees_x100, e.revenue, e.total_assets) {
                    (None, None, None) => cell.without_facts += 1,
                    (x, r, a) => {
                        let facts = Facts {
                            kind: EntityKind::parse(&e.kind).unwrap_or_default(),
                            industry: e.industry.clone(),
                            employees: Decimal::new(x.unwrap_or(0), 2),
                            revenue: Decimal::new(r.unwrap_or(0), 2),
                            total_assets: Decimal::new(a.unwrap_or(0), 2),
                            ..Facts::default()
                        };
                        let class = engine.evaluate(&facts).size_class;
                        let i = SIZE_ORDER.iter().position(|c| *c == class).unwrap_or(3);
                        cell.by_class[i] += 1;
                    }
                }
            }
            by_size = cells.into_values().collect();
            let order = |c: &str| {
                pack.jurisdictions
                    .iter()
                    .position(|j| j.id == c)
                    .unwrap_or(usize::MAX)
            };
            by_size.sort_by(|a, b| {
                (order(&a.county), &a.county, &a.kind).cmp(&(order(&b.county), &b.county, &b.kind))
            });
        }
        None => {
            by_kind = store
                .count_by_county_kind()
                .await?
                .into_iter()
                .map(|c| (c.county, c.kind, c.count))
                .collect();
        }
    }
    Ok(Stats {
        counts,
        years,
        year,
        by_size,
        by_kind,
    })
}

/// Reads a year's facts once so that its snapshot is written (`huiqi db snapshot`): run after an
/// import, the next matching run or what-if reads the snapshot instead of joining the registry's
/// tables. `year`: the latest year with facts when not given. Says so when nothing could be
/// kept (no facts that year, or an import committed meanwhile).
pub async fn prepare_snapshot(
    store: &Store,
    year: Option<i32>,
) -> Result<huiqi_store::snapshot::SnapshotInfo, AppError> {
    let year = match year {
        Some(y) => y,
        None => *store.fact_years().await?.first().ok_or_else(|| {
            AppError::invalid("no_facts", "企业库还没有年度事实：请先导入，再生成快照")
        })?,
    };
    let enterprises = store
        .for_each_facts_batch(year, huiqi_match::BATCH, |_| {})
        .await?;
    let latest = store.latest_import_id().await?;
    store
        .fact_snapshots()
        .await?
        .into_iter()
        .find(|s| s.year == year && s.import_watermark == latest)
        .ok_or_else(|| {
            AppError::invalid(
                "no_snapshot",
                if enterprises == 0 {
                    format!("{year} 年度没有在营企业的事实，无需快照")
                } else {
                    format!("{year} 年度的快照未能写入：读取期间有新的导入或其他命令占用数据库，请稍后再运行")
                },
            )
        })
}
