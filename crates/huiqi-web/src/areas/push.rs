//! 免申即享 push lists (article 5): for one measure of the latest matching run, the enterprises
//! that benefit with amount and reason; a county user gets its own county only, a unit only
//! measures it pushes. The page shows the total (户数, 金额合计), one page of the list (50, 100
//! or 200 rows: huiqi-app's `paging`, shared with the 企业库) in the order asked for (amount
//! descending unless another is chosen); the .xlsx export is the whole list as filtered and sorted.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use huiqi_app::accounts::Role;
use huiqi_app::matching::{
    PushFilter, PushPage, PushSlice, PushSort, latest_run, push_page, push_title,
};
use huiqi_app::paging::{PAGE_SIZES, Paging};
use huiqi_rules::MeasureId;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api;
use crate::auth::Viewer;
use crate::error::{Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{Area, Link, Route, STAFF};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "推送名单",
    routes: &[
        Route::get("/push", STAFF, "推送名单", || get(page)),
        Route::get("/push.xlsx", STAFF, "推送名单导出（.xlsx）", || {
            get(export)
        }),
        Route::get("/api/v1/push", STAFF, "推送名单（JSON）", || get(api)),
    ],
    links: &[Link {
        label: "推送名单",
        href: "/push",
        rule: STAFF,
    }],
};

/// Rows the API returns unless `limit` asks for another number (at most `API_MAX_ROWS`).
const API_ROWS: usize = 200;
const API_MAX_ROWS: usize = 10_000;

/// A push list request.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    /// A benefit of the measure table (default `six_taxes_relief`).
    #[param(value_type = Option<String>)]
    pub measure: String,
    /// A jurisdiction id (a county user always gets its own).
    #[param(value_type = Option<String>)]
    pub county: String,
    /// API only: rows to return, 1 to 10,000 (default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    pub limit: String,
    /// `amount_desc` (default) | `amount_asc` | `uscc` | `name` | `county`.
    #[param(value_type = Option<String>)]
    pub sort: String,
    /// The page (web page only), from 1.
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: usize,
    /// Rows per page (web page only): 50, 100 (default) or 200.
    #[param(value_type = Option<u32>)]
    pub per_page: usize,
}

/// The sort asked for, or a Chinese error listing the choices.
fn sort_of(q: &PushQuery) -> Result<PushSort, WebError> {
    match q.sort.trim() {
        "" => Ok(PushSort::default()),
        x => PushSort::parse(x).ok_or_else(|| {
            let ids: Vec<&str> = PushSort::ALL.iter().map(|s| s.as_str()).collect();
            WebError::bad_request(
                "bad_sort",
                format!("排序“{x}”无效；可选：{}，或留空", ids.join("、")),
            )
        }),
    }
}

struct Loaded {
    filter: PushFilter,
    sort: PushSort,
    run: Option<i64>,
    page: PushPage,
    message: String,
}

/// The push list the viewer may see: the rows `offset..offset + limit` in the order asked for
/// (all when `limit` is `None`), with the count and total of the whole list.
async fn load(
    s: &WebState,
    v: &Viewer,
    q: &PushQuery,
    offset: usize,
    limit: Option<usize>,
) -> Result<Loaded, WebError> {
    let sort = sort_of(q)?;
    // The default is 六税两费 where the viewer may see it, else the first measure a unit pushes.
    let offered = huiqi_app::matching::push_measures_for(&v.role);
    let measure = match q.measure.trim() {
        "" if offered.contains(&MeasureId::SixTaxesRelief) || offered.is_empty() => {
            MeasureId::SixTaxesRelief.as_str()
        }
        "" => offered[0].as_str(),
        m => m,
    };
    let county = v.role.county().unwrap_or(q.county.as_str());
    let filter = PushFilter::parse(&s.read().pack, measure, Some(county), v.role.unit())?;
    let Some(run) = latest_run(&s.read().store).await? else {
        return Ok(Loaded {
            filter,
            sort,
            run: None,
            page: PushPage {
                count: 0,
                total: Decimal::ZERO,
                rows: Vec::new(),
            },
            message: "还没有匹配批次：请先运行 huiqi match --db。".into(),
        });
    };
    let page = push_page(
        &s.read().store,
        &s.read().rules,
        &s.read().pack,
        &run,
        &filter,
        PushSlice {
            sort,
            offset,
            limit,
        },
    )
    .await?;
    let title = filter.measure.title();
    let message = match &v.role {
        // Which case applies: the unit pushes nothing, not this measure, or nobody qualifies.
        Role::Unit(u) if offered.is_empty() => format!(
            "{}不负责推送免申即享措施（{}），因此名单为空。",
            unit_name(s, u),
            huiqi_app::matching::push_units_sentence(&s.read().pack)
        ),
        Role::Unit(u) if !offered.contains(&filter.measure) => format!(
            "{}不负责推送“{title}”，因此名单为空；本单位推送：{}。",
            unit_name(s, u),
            offered
                .iter()
                .map(|m| format!("“{}”", m.title()))
                .collect::<Vec<_>>()
                .join("、")
        ),
        _ if page.count == 0 => format!(
            "最新匹配批次中{}没有符合“{title}”条件的企业。",
            filter
                .county
                .as_deref()
                .map_or("全市".to_string(), |c| s.read().jurisdiction_name(c))
        ),
        _ => String::new(),
    };
    Ok(Loaded {
        filter,
        sort,
        run: Some(run.id),
        page,
        message,
    })
}

fn unit_name(s: &WebState, u: &str) -> String {
    s.read()
        .pack
        .unit(u)
        .map_or(u.to_string(), |x| x.name.clone())
}

struct RowView {
    uscc: String,
    name: String,
    /// 联系人 and 联系电话, as on file.
    contact: String,
    county: String,
    amount: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "push.html")]
struct PushPageView {
    nav: Nav,
    measures: Vec<(String, String)>,
    measure: String,
    measure_title: &'static str,
    county: String,
    county_fixed: bool,
    counties: Vec<(String, String)>,
    run: String,
    count_text: String,
    total: huiqi_domain::numbers::Large,
    rows: Vec<RowView>,
    message: String,
    export_query: String,
    /// The filter without sort, page or size (for the sort links), with its sort (for the size
    /// choice), the choices of sort and size, and the paging links.
    filter_query: String,
    sort: String,
    sorts: Vec<(&'static str, &'static str)>,
    per_page: usize,
    page_sizes: Vec<usize>,
    /// `第 1–100 户`, when the list has more than one page.
    shown: String,
    pager: crate::page::Pager,
}

async fn page(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<PushQuery>,
) -> Result<Response, WebError> {
    let per_page = huiqi_app::paging::per_page(q.per_page)?;
    // The count first (a page past the end shows the last one).
    let count = load(&s, &v, &q, 0, Some(0)).await?.page.count;
    let paging = Paging::new(count, q.page.clamp(1, u32::MAX as usize), per_page);
    let l = load(&s, &v, &q, paging.offset(), Some(per_page)).await?;
    let county = l.filter.county.clone().unwrap_or_default();
    let measure = l.filter.measure.as_str().to_string();
    let filter_query =
        serde_urlencoded::to_string([("measure", measure.as_str()), ("county", county.as_str())])
            .unwrap_or_default();
    let sort = l.sort.as_str();
    let pager = crate::page::Pager::new(
        &format!("/push?{filter_query}&sort={sort}&per_page={per_page}"),
        paging.page,
        paging.pages,
    );
    let n = |x: usize| huiqi_domain::numbers::count(x as i64);
    let shown = if paging.pages > 1 {
        format!(
            "第 {}–{} 户（第 {}/{} 页）",
            n(paging.offset() + 1),
            n(paging.offset() + l.page.rows.len()),
            paging.page,
            paging.pages
        )
    } else {
        String::new()
    };
    render(PushPageView {
        export_query: format!("{filter_query}&sort={sort}"),
        filter_query,
        sort: sort.to_string(),
        sorts: PushSort::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        per_page,
        page_sizes: PAGE_SIZES.to_vec(),
        shown,
        pager,
        nav: Nav::of(&s, &v),
        measures: huiqi_app::matching::push_measures_for(&v.role)
            .into_iter()
            .map(|m| (m.as_str().to_string(), m.title().to_string()))
            .collect(),
        county_fixed: v.role.county().is_some(),
        counties: s.read().jurisdictions(),
        run: l.run.map_or("—".into(), |r| r.to_string()),
        count_text: huiqi_domain::numbers::count(l.page.count as i64),
        total: huiqi_domain::numbers::large(l.page.total),
        rows: l
            .page
            .rows
            .iter()
            .map(|r| RowView {
                uscc: r.uscc.clone(),
                name: r.name.clone(),
                contact: [r.contact_person.as_str(), r.contact_phone.as_str()]
                    .iter()
                    .filter(|x| !x.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
                county: r.county_name.clone(),
                amount: huiqi_domain::numbers::amount(r.amount),
                reason: r.reason.clone(),
            })
            .collect(),
        message: l.message,
        measure_title: l.filter.measure.short_title(),
        measure,
        county,
    })
}

async fn export(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<PushQuery>,
) -> Result<Response, WebError> {
    let l = load(&s, &v, &q, 0, None).await?;
    let title = match huiqi_app::matching::pick_run(&s.read().store, l.run).await {
        Ok(run) => push_title(&s.read().pack, &run, &l.filter),
        Err(_) => format!("推送名单：{}（尚无匹配批次）", l.filter.measure.title()),
    };
    let year = match huiqi_app::matching::pick_run(&s.read().store, l.run).await {
        Ok(run) => run.year.to_string(),
        Err(_) => "无批次".to_string(),
    };
    let name = push_file_name(
        &l.filter.measure,
        &l.filter
            .county
            .as_deref()
            .map_or("全市".to_string(), |c| s.read().jurisdiction_name(c)),
        &year,
    );
    let bytes = huiqi_app::matching::push_xlsx(l.page.rows, title).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        bytes,
    )
        .into_response())
}

/// The export's Chinese file name: `推送名单-六税两费-金安区-2024.xlsx` (the measure's short
/// name, the place, the run's tax year).
pub fn push_file_name(m: &MeasureId, place: &str, year: &str) -> String {
    format!("推送名单-{}-{place}-{year}.xlsx", m.short_title())
}

/// A Content-Disposition for a Chinese file name: an ASCII fallback and the UTF-8 name
/// (RFC 6266 / RFC 5987).
pub fn attachment(name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}")
}

/// The push list as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/push",
    params(PushQuery),
    responses(
        (status = 200, description = "最新匹配批次中该措施的推送名单：前 limit 户及全名单的户数与合计", body = api::PushList),
        (status = 400, description = api::BAD_REQUEST, body = api::ErrorBody),
        (status = 401, description = api::UNAUTHENTICATED, body = api::ErrorBody),
        (status = 403, description = api::FORBIDDEN, body = api::ErrorBody),
    )
)]
pub(crate) async fn api(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<PushQuery>,
) -> Result<Response, WebError> {
    let limit = match q.limit.trim() {
        "" => API_ROWS,
        x => match x.parse::<usize>() {
            Ok(n) if (1..=API_MAX_ROWS).contains(&n) => n,
            _ => {
                return Err(WebError::bad_request(
                    "bad_limit",
                    format!(
                        "limit“{x}”无效：应为 1 到 {API_MAX_ROWS} 的整数（全部名单请用 /push.xlsx 导出）"
                    ),
                ));
            }
        },
    };
    let l = load(&s, &v, &q, 0, Some(limit)).await?;
    Ok(Json(api::PushList {
        measure: l.filter.measure.as_str().to_string(),
        run: l.run,
        message: l.message,
        count: l.page.count as u64,
        total: l.page.total.to_string(),
        rows: l
            .page
            .rows
            .into_iter()
            .map(|r| api::PushItem {
                uscc: r.uscc,
                name: r.name,
                contact_person: r.contact_person,
                contact_phone: r.contact_phone,
                county: r.county,
                industry: r.industry,
                amount: r.amount.to_string(),
                reason: r.reason,
            })
            .collect(),
    })
    .into_response())
}
