//! 梯队培育 (articles 1, 6, 11): per county the candidate lists (小升规, 个转企, 科技型, 创新型,
//! 专精特新) with each enterprise's gap and a link to its 一企一档, their export, and the parks table
//! with grades. A county account sees only its own jurisdiction (decided by huiqi-app on the server).

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use huiqi_app::cultivate as app;
use huiqi_cultivate::CandidateKind;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{Area, Link, Route, STAFF};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "梯队培育",
    routes: &[
        Route::get("/cultivate", STAFF, "培育候选名单", || get(page)),
        Route::get(
            "/cultivate/export",
            STAFF,
            "导出候选名单（xlsx）",
            || get(export),
        ),
        Route::get("/parks", STAFF, "小微企业园评价", || get(parks)),
    ],
    links: &[
        Link {
            label: "梯队培育",
            href: "/cultivate",
            rule: STAFF,
        },
        Link {
            label: "小微企业园",
            href: "/parks",
            rule: STAFF,
        },
    ],
};

/// Rows per page of a candidate list.
const PAGE: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// `above_scale` (default), `ind_to_ent`, `tech_sme`, `innovative_sme`, `zjtx`.
    pub kind: String,
    /// Jurisdiction id (empty: all the viewer may see).
    pub county: String,
    /// Data year (default: the year of the platform's date).
    pub year: Option<i32>,
    /// 1-based.
    pub page: Option<usize>,
}

impl ListQuery {
    fn kind(&self) -> Result<CandidateKind, WebError> {
        if self.kind.is_empty() {
            return Ok(CandidateKind::AboveScale);
        }
        CandidateKind::parse(&self.kind).ok_or_else(|| {
            WebError::bad_request(
                "bad_kind",
                format!("没有名单“{}”；可选：{}", self.kind, CandidateKind::ids()),
            )
        })
    }
}

async fn load(s: &WebState, v: &Viewer, q: &ListQuery) -> Result<app::CandidateList, WebError> {
    let kind = q.kind()?;
    let asked = Some(q.county.as_str()).filter(|c| !c.is_empty());
    let county = app::scope_county(&v.role, asked)?;
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&s.read().at));
    Ok(app::candidates(s.read(), kind, year, county.as_deref()).await?)
}

struct RowView {
    uscc: String,
    name: String,
    county: String,
    industry: String,
    revenue: String,
    /// 门槛 (元) or 合格线 (分).
    line: String,
    /// 差距 (元) or 差 (分).
    gap: String,
    /// The line used, the conditions met, or what is missing.
    why: Vec<String>,
}

#[derive(Template)]
#[template(path = "cultivate.html")]
struct ListPage {
    nav: Nav,
    kinds: Vec<(&'static str, &'static str)>,
    kind: &'static str,
    kind_label: &'static str,
    year: i32,
    county: String,
    fixed_county: String,
    counties: Vec<(String, String)>,
    notes: Vec<String>,
    by_county: Vec<(String, String)>,
    /// Candidates vs this year's targets: the targets' headers, a row per county (name,
    /// candidates, per target “candidates / share”), and the whole list's row.
    target_headers: Vec<String>,
    target_rows: Vec<(String, String, Vec<String>)>,
    target_total: Option<(String, Vec<String>)>,
    total: String,
    gap_total: String,
    line_header: &'static str,
    gap_header: &'static str,
    rows: Vec<RowView>,
    page: usize,
    pages: usize,
    export: String,
    prev: String,
    next: String,
}

fn money(d: rust_decimal::Decimal) -> String {
    huiqi_assess::money::grouped(d, 2)
}

fn count(n: usize) -> String {
    huiqi_domain::text::thousands(n as u64)
}

/// “candidates / target” of one target (the target a whole number of 家/户).
fn target_cell(candidates: usize, target: rust_decimal::Decimal) -> String {
    format!(
        "{} / {}",
        count(candidates),
        huiqi_assess::money::grouped(target, if target.fract().is_zero() { 0 } else { 2 })
    )
}

async fn page(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let list = load(&s, &v, &q).await?;
    let pages = list.rows.len().div_ceil(PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let money_list = list.kind == CandidateKind::AboveScale;
    let gap_total: rust_decimal::Decimal = list.rows.iter().filter_map(|r| r.gap).sum();
    let rows = list
        .rows
        .iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|r| RowView {
            uscc: r.uscc.clone(),
            name: r.name.clone(),
            county: r.county_name.clone(),
            industry: r.industry.clone(),
            revenue: money(r.revenue),
            line: match (r.threshold, r.pass_score) {
                (Some(t), _) => money(t),
                (_, Some(l)) => format!("{l} 分"),
                _ => "—".into(),
            },
            gap: match (r.gap, r.points_short) {
                (Some(g), _) => money(g),
                (_, Some(0)) => "已达线".into(),
                (_, Some(p)) => format!("{p} 分"),
                _ => "—".into(),
            },
            why: r
                .line
                .iter()
                .cloned()
                .chain(r.reasons.iter().cloned())
                .chain(r.missing.iter().take(4).cloned())
                .collect(),
        })
        .collect();
    let county = list.county.clone().unwrap_or_default();
    let link = |p: usize| {
        format!(
            "/cultivate?kind={}&county={}&year={}&page={p}",
            list.kind.as_str(),
            county,
            list.year
        )
    };
    render(ListPage {
        nav: Nav::of(&s, &v),
        kinds: CandidateKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        kind: list.kind.as_str(),
        kind_label: list.kind_label,
        year: list.year,
        fixed_county: v
            .role
            .county()
            .map_or_else(String::new, |c| s.read().jurisdiction_name(c)),
        counties: s.read().jurisdictions(),
        notes: list.notes.clone(),
        by_county: list
            .by_county
            .iter()
            .map(|c| (c.county_name.clone(), count(c.candidates)))
            .collect(),
        target_headers: list
            .by_county
            .first()
            .map(|c| {
                c.targets
                    .iter()
                    .map(|t| format!("{}（{}）", t.indicator, t.unit))
                    .collect()
            })
            .unwrap_or_default(),
        target_rows: list
            .by_county
            .iter()
            .filter(|c| !c.targets.is_empty())
            .map(|c| {
                (
                    c.county_name.clone(),
                    count(c.candidates),
                    c.targets
                        .iter()
                        .map(|t| target_cell(t.candidates, t.share))
                        .collect(),
                )
            })
            .collect(),
        target_total: (list.by_county.len() > 1)
            .then(|| list.by_county.first())
            .flatten()
            .filter(|c| !c.targets.is_empty())
            .map(|first| {
                (
                    count(list.by_county.iter().map(|c| c.candidates).sum()),
                    (0..first.targets.len())
                        .map(|k| {
                            target_cell(
                                list.by_county.iter().map(|c| c.targets[k].candidates).sum(),
                                first.targets[k].city,
                            )
                        })
                        .collect(),
                )
            }),
        total: count(list.rows.len()),
        gap_total: if money_list {
            money(gap_total)
        } else {
            String::new()
        },
        line_header: if money_list {
            "门槛（元）"
        } else {
            "合格线"
        },
        gap_header: if money_list {
            "差距（元）"
        } else {
            "差距"
        },
        rows,
        page,
        pages,
        export: format!(
            "/cultivate/export?kind={}&county={}&year={}",
            list.kind.as_str(),
            county,
            list.year
        ),
        prev: if page > 1 {
            link(page - 1)
        } else {
            String::new()
        },
        next: if page < pages {
            link(page + 1)
        } else {
            String::new()
        },
        county,
    })
}

async fn export(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let list = load(&s, &v, &q).await?;
    let bytes = app::candidates_xlsx(&list)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"candidates.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ParksQuery {
    pub year: Option<i32>,
}

struct ParkView {
    rank: String,
    park: String,
    county: String,
    score: String,
    grade: String,
    how: String,
}

#[derive(Template)]
#[template(path = "parks.html")]
struct ParksPage {
    nav: Nav,
    year: i32,
    document: String,
    fixed_county: String,
    rows: Vec<ParkView>,
    grades: Vec<(String, usize)>,
}

async fn parks(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<ParksQuery>,
) -> Result<Response, WebError> {
    let county = app::scope_county(&v.role, None)?;
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&s.read().at));
    let (scheme, rows) = app::grade_parks(s.read(), year, county.as_deref()).await?;
    let mut grades: Vec<(String, usize)> = scheme
        .grades
        .iter()
        .map(|g| {
            (
                g.grade.clone(),
                rows.iter().filter(|r| r.grade == g.grade).count(),
            )
        })
        .collect();
    grades.push((
        "过渡期".into(),
        rows.iter().filter(|r| r.rank.is_none()).count(),
    ));
    render(ParksPage {
        nav: Nav::of(&s, &v),
        year,
        document: scheme.document.clone(),
        fixed_county: v
            .role
            .county()
            .map_or_else(String::new, |c| s.read().jurisdiction_name(c)),
        rows: rows
            .iter()
            .map(|r| ParkView {
                rank: r.rank.map_or("—".into(), |k| k.to_string()),
                park: r.park.clone(),
                county: s.read().jurisdiction_name(&r.county),
                score: r.score.to_string(),
                grade: r.grade.clone(),
                how: r.computation.join("；"),
            })
            .collect(),
        grades,
    })
}
