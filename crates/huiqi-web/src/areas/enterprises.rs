//! The enterprise registry (企业库) and 一企一档: the search by scope, one enterprise's file with its
//! benefits and the facts on file (each with the department and import behind it), and the
//! enterprise's own page (我的惠企政策).

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use huiqi_app::accounts::{Role, can_see};
use huiqi_app::matching::{Benefits, benefits_of};
use huiqi_app::search::{
    EXPORT_LIMIT, EnterpriseRow, EnterpriseSort, PAGE_SIZES, Search, SearchPage, SearchQuery,
    registry_xlsx, search, search_all,
};
use huiqi_domain::registry::Source;
use huiqi_domain::{EntityKind, SizeClass, Uscc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api;
use crate::auth::Viewer;
use crate::error::{Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{Area, ENTERPRISE, Link, Route, SIGNED_IN, STAFF};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "企业库与一企一档",
    routes: &[
        Route::get("/me", ENTERPRISE, "我的惠企政策", || get(me)),
        Route::get("/enterprises", STAFF, "企业库", || get(enterprises)),
        Route::get(
            "/enterprises.xlsx",
            STAFF,
            "企业库导出（.xlsx，按当前筛选，范围同列表）",
            || get(enterprises_xlsx),
        ),
        Route::get("/enterprises/{uscc}", STAFF, "一企一档", || {
            get(super::enterprise_file::enterprise_file_page)
        }),
        Route::get(
            "/api/v1/enterprises",
            STAFF,
            "企业库查询（分页）",
            || get(api_enterprises),
        ),
        Route::get(
            "/api/v1/enterprises/{uscc}/benefits",
            SIGNED_IN,
            "一户企业可享受的政策、金额与理由",
            || get(api_benefits),
        ),
    ],
    links: &[
        Link {
            label: "我的惠企政策",
            href: "/me",
            rule: ENTERPRISE,
        },
        Link {
            label: "企业库",
            href: "/enterprises",
            rule: STAFF,
        },
    ],
};

/// A USCC from the path: parsed at the boundary.
pub(crate) fn uscc(text: &str) -> Result<Uscc, WebError> {
    Uscc::parse(text).map_err(|e| WebError::bad_request("bad_uscc", e.to_string()))
}

/// The enterprise's page, or 403 when it is outside the viewer's scope.
pub(crate) async fn visible(s: &WebState, v: &Viewer, uscc: &Uscc) -> Result<(), WebError> {
    if can_see(&s.read().store, &v.role, uscc).await? {
        Ok(())
    } else {
        Err(WebError::forbidden("该企业不在您的管辖范围内。"))
    }
}

async fn load(s: &WebState, uscc: &Uscc) -> Result<Benefits, WebError> {
    benefits_of(s.read(), uscc)
        .await?
        .ok_or_else(|| WebError::not_found("no_facts", "企业库中没有该企业本年度的数据。"))
}

/// One fact on file.
struct FactView {
    label: String,
    value: String,
}

/// The facts one department delivered, said once: department, file, 所属年度 and 数据导入日期.
struct SourceView {
    department: String,
    file: String,
    /// 所属年度 of yearly data; empty for the registration.
    year: String,
    imported_on: String,
    facts: Vec<FactView>,
}

/// One standard the enterprise was scored against (梯队培育).
pub(crate) struct StandingView {
    pub(crate) label: &'static str,
    pub(crate) version: String,
    pub(crate) score: u32,
    pub(crate) line: u32,
    pub(crate) status: String,
    pub(crate) missing: Vec<String>,
}

struct InputView {
    label: String,
    field: String,
    value: String,
}

struct BenefitView {
    title: String,
    /// With 千分位 and 元; empty for a flag.
    amount: String,
    inputs: Vec<InputView>,
    /// 申报时直接享受 / 在电子税务局勾选填报 / 向有关单位申请.
    obtain_mode: String,
    obtain_text: String,
    obtain_ref: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    nav: Nav,
    /// 大/中/小/微 by the rules crate (工信部联企业〔2011〕300号).
    size_class: String,
    uscc: String,
    name: String,
    county: String,
    industry: String,
    kind: String,
    /// 所属年度 of the data.
    year: i32,
    /// The date whose parameters apply.
    at: String,
    /// Which data and date the figures come from.
    basis: String,
    benefits: Vec<BenefitView>,
    total: String,
    sources: Vec<SourceView>,
    /// The 科技型/创新型/专精特新 standards: score, line, what is missing (enterprises only).
    standings: Vec<StandingView>,
}

/// The 科技型/创新型/专精特新 standings of an enterprise (none for an individual business).
pub(crate) async fn standings(
    s: &WebState,
    uscc: &Uscc,
    kind: EntityKind,
    year: i32,
) -> Result<Vec<StandingView>, WebError> {
    let standings = if kind == EntityKind::Enterprise {
        huiqi_app::cultivate::enterprise_standing(s.read(), uscc.as_str(), year)
            .await?
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(standings
        .into_iter()
        .map(|o| StandingView {
            label: o.standard.label(),
            status: if o.qualified {
                "已达到认定条件，可申报".to_string()
            } else if o.conditions_met && o.score + huiqi_cultivate::SCORE_WINDOW >= o.line {
                format!("接近：差 {} 分", o.gap().max(1))
            } else {
                "尚远".to_string()
            },
            version: o.version,
            score: o.score,
            line: o.line,
            missing: o.missing.into_iter().take(6).collect(),
        })
        .collect())
}

async fn me(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    let Role::Enterprise(uscc) = &v.role else {
        return Err(WebError::forbidden("仅企业用户可用。"));
    };
    let s = &*s;
    let b = load(s, uscc).await?;
    let facts = &b.facts;
    let year = chrono::Datelike::year(&b.at);
    let yuan = huiqi_domain::numbers::yuan;
    // Each department's facts under one line saying where they came from and when.
    let source = |group: &str, yearly: bool, facts: Vec<FactView>| -> SourceView {
        let dept =
            Source::parse(group).map_or_else(|| group.to_string(), |x| x.department().to_string());
        let year = if yearly {
            format!("{year} 年度")
        } else {
            String::new()
        };
        match b.sources.iter().find(|x| x.group == group) {
            Some(x) => SourceView {
                department: dept,
                file: format!(
                    "{}（{}）",
                    x.file_name,
                    Source::parse(&x.source)
                        .map_or_else(|| x.source.clone(), |y| y.label().to_string())
                ),
                year,
                imported_on: x.imported_at.format("%Y-%m-%d").to_string(),
                facts,
            },
            None => SourceView {
                department: dept,
                file: "尚未报送".into(),
                year,
                imported_on: "—".into(),
                facts,
            },
        }
    };
    let fact = |label: &str, value: String| FactView {
        label: label.to_string(),
        value,
    };
    let standings = standings(s, uscc, facts.kind, year).await?;
    let contact = b.contact.clone();
    let sources = vec![
        source(
            "market",
            false,
            vec![
                fact("联系人", contact.person.unwrap_or_else(|| "—".into())),
                fact("联系电话", contact.phone.unwrap_or_else(|| "—".into())),
                fact(
                    "成立日期",
                    facts.registered_on.map_or("—".into(), |d| d.to_string()),
                ),
            ],
        ),
        source(
            "hr",
            true,
            vec![fact(
                "从业人数",
                format!("{} 人", huiqi_domain::numbers::count_dec(facts.employees)),
            )],
        ),
        source(
            "tax",
            true,
            vec![
                fact("营业收入", yuan(facts.revenue)),
                fact("资产总额", yuan(facts.total_assets)),
                fact("应纳税所得额", yuan(facts.taxable_income)),
                fact(
                    "增值税小规模纳税人",
                    if facts.vat_small_scale { "是" } else { "否" }.to_string(),
                ),
            ],
        ),
    ];
    render(MePage {
        nav: Nav::of(s, &v),
        size_class: b.size_class.label().to_string(),
        uscc: facts.uscc.clone(),
        name: facts.name.clone(),
        county: s.read().jurisdiction_name(&facts.county),
        industry: format!(
            "{}（{}）",
            huiqi_domain::industry::display_name(&facts.industry),
            facts.industry
        ),
        kind: facts.kind.label().into(),
        year,
        at: b.at.to_string(),
        basis: b.basis.clone(),
        benefits: b
            .rows
            .iter()
            .map(|r| BenefitView {
                title: r.title.clone(),
                amount: if r.measure.is_money() {
                    yuan(r.amount)
                } else {
                    String::new()
                },
                inputs: r
                    .inputs
                    .iter()
                    .map(|i| InputView {
                        label: i.label.to_string(),
                        field: i.field.to_string(),
                        value: i.value.clone(),
                    })
                    .collect(),
                obtain_mode: r
                    .obtain
                    .as_ref()
                    .map_or_else(String::new, |o| o.mode().label().to_string()),
                obtain_text: r
                    .obtain
                    .as_ref()
                    .map_or_else(String::new, |o| o.text.clone()),
                obtain_ref: r
                    .obtain
                    .as_ref()
                    .map_or_else(String::new, |o| o.reference.clone()),
                reason: r.reason.clone(),
            })
            .collect(),
        total: yuan(b.total),
        sources,
        standings,
    })
}

/// The registry search's query string.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct EnterprisesQuery {
    /// A name fragment, a USCC or its fragment.
    #[param(value_type = Option<String>, max_length = 100)]
    pub q: String,
    /// A jurisdiction id (ignored for a county user: its own).
    #[param(value_type = Option<String>)]
    pub county: String,
    /// A GB/T 4754 section letter or code prefix.
    #[param(value_type = Option<String>, max_length = 5)]
    pub industry: String,
    /// `enterprise` | `individual_business`.
    #[param(value_type = Option<String>)]
    pub kind: String,
    /// `large` | `medium` | `small` | `micro` (the latest matching run's class).
    #[param(value_type = Option<String>)]
    pub size: String,
    /// `uscc` (default) | `name` | `registered` (newest first) | `county`.
    #[param(value_type = Option<String>)]
    pub sort: String,
    /// The page, from 1.
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: usize,
    /// Rows per page: 50, 100 (default) or 200.
    #[param(value_type = Option<u32>)]
    pub per_page: usize,
}

impl From<EnterprisesQuery> for SearchQuery {
    fn from(q: EnterprisesQuery) -> SearchQuery {
        SearchQuery {
            q: q.q,
            county: q.county,
            industry: q.industry,
            kind: q.kind,
            size: q.size,
            sort: q.sort,
            page: q.page,
            per_page: q.per_page,
        }
    }
}

struct EnterpriseView {
    uscc: String,
    name: String,
    county: String,
    industry: String,
    /// The division's (or section's) name, GB/T 4754-2017.
    industry_name: &'static str,
    kind: &'static str,
    size_class: &'static str,
    registered_on: String,
}

/// The search form as run (a county user's county forced).
struct SearchForm {
    q: String,
    county: String,
    industry: String,
    kind: String,
    size_class: String,
    sort: String,
    per_page: usize,
}

impl SearchForm {
    /// The filter as a query string (no page, no sort), for links that keep it.
    fn filter_query(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("county", self.county.as_str()),
            ("industry", self.industry.as_str()),
            ("kind", self.kind.as_str()),
            ("size", self.size_class.as_str()),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct EnterprisesPage {
    nav: Nav,
    f: SearchForm,
    sizes: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    sorts: Vec<(&'static str, &'static str)>,
    page_sizes: Vec<usize>,
    /// Set for a county user: the county is fixed.
    fixed_county: String,
    counties: Vec<(String, String)>,
    rows: Vec<EnterpriseView>,
    /// All matching enterprises, with 千分位.
    total: String,
    page: usize,
    pages: usize,
    /// The first and last row number shown (with 千分位).
    from: String,
    to: String,
    /// The filter and sort as a query string, for the paging links and the export.
    filter_query: String,
    sort_query: String,
    export_limit: String,
    /// The export would be cut at the cap.
    export_cut: bool,
    total_count: usize,
    pager: crate::page::Pager,
    /// `back=…`: this list (filter, sort, page) for the 一企一档 links, to come back to.
    back_param: String,
}

async fn run_search(
    s: &WebState,
    v: &Viewer,
    q: EnterprisesQuery,
) -> Result<(SearchForm, SearchPage, Vec<EnterpriseView>), WebError> {
    let mut p = search(s.read(), &v.role, &q.into()).await?;
    let rows = views(s, std::mem::take(&mut p.rows));
    Ok((form(&p.search, p.per_page), p, rows))
}

fn views(s: &WebState, rows: Vec<EnterpriseRow>) -> Vec<EnterpriseView> {
    rows.into_iter()
        .map(|r| EnterpriseView {
            county: s.read().jurisdiction_name(&r.county),
            kind: EntityKind::parse(&r.kind).map_or("—", EntityKind::label),
            size_class: r.size_class.map_or("—", SizeClass::label),
            industry_name: huiqi_domain::industry::display_name(&r.industry),
            registered_on: r.registered_on.unwrap_or_else(|| "—".into()),
            uscc: r.uscc,
            name: r.name,
            industry: r.industry,
        })
        .collect()
}

fn form(f: &Search, per_page: usize) -> SearchForm {
    SearchForm {
        q: f.q.clone(),
        county: f.county.clone(),
        industry: f.industry.clone(),
        kind: f.kind.map_or("", EntityKind::as_str).into(),
        size_class: f.size.map_or("", SizeClass::as_str).into(),
        sort: f.sort.as_str().into(),
        per_page,
    }
}

async fn enterprises(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<EnterprisesQuery>,
) -> Result<Response, WebError> {
    let (f, p, rows) = run_search(&s, &v, q).await?;
    let count = huiqi_domain::numbers::count;
    let first = (p.page - 1) * p.per_page;
    let filter_query = f.filter_query();
    let sort_query = format!("{filter_query}&sort={}", f.sort);
    let pager = crate::page::Pager::new(
        &format!("/enterprises?{sort_query}&per_page={}", f.per_page),
        p.page,
        p.pages,
    );
    let back_param = serde_urlencoded::to_string([(
        "back",
        format!(
            "/enterprises?{sort_query}&per_page={}&page={}",
            f.per_page, p.page
        ),
    )])
    .unwrap_or_default();
    render(EnterprisesPage {
        pager,
        back_param,
        nav: Nav::of(&s, &v),
        sizes: SizeClass::ALL
            .iter()
            .rev()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        kinds: EntityKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        sorts: EnterpriseSort::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        page_sizes: PAGE_SIZES.to_vec(),
        fixed_county: v
            .role
            .county()
            .map_or_else(String::new, |c| s.read().jurisdiction_name(c)),
        counties: s.read().jurisdictions(),
        total: count(p.total as i64),
        total_count: p.total,
        page: p.page,
        pages: p.pages,
        from: count((first + usize::from(!rows.is_empty())) as i64),
        to: count((first + rows.len()) as i64),
        filter_query,
        sort_query,
        export_limit: count(EXPORT_LIMIT as i64),
        export_cut: p.total > EXPORT_LIMIT,
        rows,
        f,
    })
}

/// The registry as filtered, as an .xlsx download (up to [`EXPORT_LIMIT`] rows; same scope as
/// the list: a county user's own county only).
async fn enterprises_xlsx(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<EnterprisesQuery>,
) -> Result<Response, WebError> {
    let (f, total, rows) = search_all(s.read(), &v.role, &q.into()).await?;
    let place = if f.county.is_empty() {
        "全市".to_string()
    } else {
        s.read().jurisdiction_name(&f.county)
    };
    let mut what = vec![place.clone()];
    if !f.q.is_empty() {
        what.push(format!("名称或代码含“{}”", f.q));
    }
    if !f.industry.is_empty() {
        what.push(format!(
            "行业 {}（{}）",
            f.industry,
            huiqi_domain::industry::display_name(&f.industry)
        ));
    }
    if let Some(k) = f.kind {
        what.push(k.label().to_string());
    }
    if let Some(c) = f.size {
        what.push(format!("{}型", c.label()));
    }
    let today = huiqi_app::assess::today();
    let bytes = registry_xlsx(s.read(), &rows, total, &what.join("，"), today)?;
    Ok(crate::upload::xlsx(
        &format!("企业库-{place}-{today}.xlsx"),
        bytes,
    ))
}

/// The registry search as JSON: one page (100 rows unless `per_page` says otherwise) of the
/// enterprises the viewer may see.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises",
    params(EnterprisesQuery),
    responses(
        (status = 200, description = "一页企业（默认按统一社会信用代码，每页 100 户）", body = Vec<api::EnterpriseItem>),
        (status = 400, description = api::BAD_REQUEST, body = api::ErrorBody),
        (status = 401, description = api::UNAUTHENTICATED, body = api::ErrorBody),
        (status = 403, description = api::FORBIDDEN, body = api::ErrorBody),
    )
)]
pub(crate) async fn api_enterprises(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<EnterprisesQuery>,
) -> Result<Response, WebError> {
    let (_, _, rows) = run_search(&s, &v, q).await?;
    let rows: Vec<api::EnterpriseItem> = rows
        .into_iter()
        .map(|r| api::EnterpriseItem {
            uscc: r.uscc,
            name: r.name,
            county: r.county,
            industry: r.industry,
            kind: r.kind.to_string(),
            size_class: r.size_class.to_string(),
        })
        .collect();
    Ok(Json(rows).into_response())
}

/// One enterprise's benefits as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/{uscc}/benefits",
    params(("uscc" = String, Path, description = "统一社会信用代码（18 位，GB 32100-2015）", min_length = 18, max_length = 18)),
    responses(
        (status = 200, description = "该企业可享受的政策、金额与理由", body = api::Benefits),
        (status = 400, description = api::BAD_REQUEST, body = api::ErrorBody),
        (status = 401, description = api::UNAUTHENTICATED, body = api::ErrorBody),
        (status = 403, description = api::FORBIDDEN, body = api::ErrorBody),
        (status = 404, description = api::NOT_FOUND, body = api::ErrorBody),
    )
)]
pub(crate) async fn api_benefits(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let uscc = uscc(&code)?;
    visible(&s, &v, &uscc).await?;
    let b = load(&s, &uscc).await?;
    Ok(Json(api::Benefits {
        uscc: uscc.as_str().to_string(),
        at: b.at.to_string(),
        basis: b.basis,
        benefits: b
            .rows
            .into_iter()
            .map(|r| api::BenefitItem {
                measure: r.measure.as_str().to_string(),
                title: r.title,
                amount: r.amount.to_string(),
                reason: r.reason,
            })
            .collect(),
        total_relief: b.total.to_string(),
        size_class: b.size_class.label().to_string(),
    })
    .into_response())
}
