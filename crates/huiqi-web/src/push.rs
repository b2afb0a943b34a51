//! 免申即享 push lists (article 5): for one measure of the latest matching run, the eligible
//! enterprises with amount and reason; a county user gets its own county only, a unit only
//! measures it pushes. Export as .xlsx through huiqi-match's writer.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use huiqi_match::{PushFilter, PushPage as Page};
use rust_decimal::Decimal;

use crate::auth::{Role, Viewer};
use crate::{AppState, Nav, Shared, internal, nav, page_error, render};

/// Rows shown on the page (the export has them all).
const PAGE_ROWS: usize = 200;

/// The measures a push list can be made for.
fn measures(s: &AppState) -> Vec<(String, String)> {
    huiqi_rules::MEASURE_IDS
        .iter()
        .filter(|m| !matches!(**m, "size_class" | "small_low_profit" | "total_relief"))
        .map(|m| (m.to_string(), s.rules.measure(m).title.clone()))
        .collect()
}

/// Rows the API returns unless `limit` asks for another number (at most `API_MAX_ROWS`).
const API_ROWS: usize = 200;
const API_MAX_ROWS: usize = 10_000;

struct Loaded {
    measure: String,
    county: String,
    run: Option<i64>,
    page: Page,
    message: String,
}

/// The push list the viewer may see: the first `limit` rows (all when `None`), with the count
/// and total of the whole list.
async fn load(
    s: &AppState,
    v: &Viewer,
    params: &HashMap<String, String>,
    limit: Option<usize>,
) -> Result<Loaded, Response> {
    let all = measures(s);
    let measure = params
        .get("measure")
        .filter(|m| !m.is_empty())
        .cloned()
        .unwrap_or_else(|| "six_taxes_relief".into());
    if !all.iter().any(|(id, _)| *id == measure) {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            &format!("没有名为“{measure}”的措施。"),
        ));
    }
    let county = match &v.role {
        Role::County(c) => c.clone(),
        _ => params.get("county").cloned().unwrap_or_default(),
    };
    let unit = match &v.role {
        Role::Unit(u) => Some(u.clone()),
        _ => None,
    };
    let runs = s.store.runs().await.map_err(|e| internal(&e.to_string()))?;
    let Some(run) = runs.iter().max_by_key(|r| r.id) else {
        return Ok(Loaded {
            measure,
            county,
            run: None,
            page: Page {
                count: 0,
                total: Decimal::ZERO,
                rows: Vec::new(),
            },
            message: "还没有匹配批次：请先运行 huiqi match --db。".into(),
        });
    };
    let filter = PushFilter {
        measure: measure.clone(),
        county: (!county.is_empty()).then(|| county.clone()),
        unit,
    };
    let page = huiqi_match::push_page(&s.store, &s.rules, &s.pack, run, &filter, limit)
        .await
        .map_err(|e| match e {
            huiqi_match::MatchError::Invalid(m) => page_error(StatusCode::BAD_REQUEST, &m),
            other => internal(&other.to_string()),
        })?;
    let message = if page.count == 0 && matches!(v.role, Role::Unit(_)) {
        "本单位不负责推送这项措施，或没有符合条件的企业。".into()
    } else {
        String::new()
    };
    Ok(Loaded {
        measure,
        county,
        run: Some(run.id),
        page,
        message,
    })
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
struct PushPage {
    nav: Nav,
    measures: Vec<(String, String)>,
    measure: String,
    county: String,
    county_fixed: bool,
    counties: Vec<(String, String)>,
    run: String,
    count: usize,
    total: String,
    rows: Vec<RowView>,
    message: String,
    export_query: String,
}

pub async fn page(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = match load(&s, &v, &params, Some(PAGE_ROWS)).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let total = l.page.total;
    let export_query = format!("measure={}&county={}", l.measure, l.county);
    render(PushPage {
        nav: nav(&s, &v),
        measures: measures(&s),
        county_fixed: matches!(v.role, Role::County(_)),
        counties: s
            .pack
            .jurisdictions
            .iter()
            .map(|j| (j.id.clone(), j.name.clone()))
            .collect(),
        run: l.run.map_or("—".into(), |r| r.to_string()),
        count: l.page.count,
        total: format!("{total:.2}"),
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
                amount: format!("{:.2}", r.amount),
                reason: r.reason.clone(),
            })
            .collect(),
        message: l.message,
        measure: l.measure,
        county: l.county,
        export_query,
    })
}

pub async fn export(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let l = match load(&s, &v, &params, None).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let title = format!(
        "推送名单：{}（匹配批次 {}）",
        s.rules.measure(&l.measure).title,
        l.run.unwrap_or(0)
    );
    let written = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("push.xlsx");
        huiqi_match::export::push_xlsx(&l.page.rows, &title, &path).map_err(|e| e.to_string())?;
        std::fs::read(&path).map_err(|e| e.to_string())
    })
    .await;
    match written {
        Ok(Ok(bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"push.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => internal(&e),
        Err(e) => internal(&e.to_string()),
    }
}

pub async fn api(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let limit = match params.get("limit").filter(|x| !x.is_empty()) {
        None => API_ROWS,
        Some(x) => match x.parse::<usize>() {
            Ok(n) if (1..=API_MAX_ROWS).contains(&n) => n,
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(serde_json::json!({"error": format!("limit“{x}”无效：应为 1 到 {API_MAX_ROWS} 的整数（全部名单请用 /push.xlsx 导出）")})),
                )
                    .into_response();
            }
        },
    };
    match load(&s, &v, &params, Some(limit)).await {
        Ok(l) => Json(serde_json::json!({
            "measure": l.measure, "run": l.run, "message": l.message,
            "count": l.page.count, "total": l.page.total,
            "rows": l.page.rows.iter().map(|r| serde_json::json!({
                "uscc": r.uscc, "name": r.name, "contact_person": r.contact_person, "contact_phone": r.contact_phone,
                "county": r.county, "industry": r.industry,
                "amount": r.amount, "reason": r.reason,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(r) => r,
    }
}
