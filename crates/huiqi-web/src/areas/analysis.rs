//! The working group's analysis: matching runs and the comparison of two runs, and the what-if
//! (政策沙盘, never writes) with its results as tables and an ECharts chart.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use huiqi_app::matching::compare_runs;
use huiqi_app::whatif::{parse_changes, whatif_cached};
use huiqi_domain::numbers;
use huiqi_match::from_fen;
use huiqi_match::whatif::Delta;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Form, Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{ADMIN, Area, Link, Route};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "匹配批次与政策沙盘",
    routes: &[
        Route::get("/admin/runs", ADMIN, "匹配批次与比较", || get(runs)),
        Route::get("/admin/whatif", ADMIN, "政策沙盘", || get(whatif_form)),
        Route::post("/admin/whatif", ADMIN, "政策沙盘计算", || {
            post(whatif_submit)
        }),
    ],
    links: &[
        Link {
            label: "匹配批次",
            href: "/admin/runs",
            rule: ADMIN,
        },
        Link {
            label: "政策沙盘",
            href: "/admin/whatif",
            rule: ADMIN,
        },
    ],
};

struct RunView {
    id: i64,
    started: String,
    at: String,
    enterprises: String,
    total: String,
}

struct DiffView {
    uscc: String,
    measure: String,
    change: &'static str,
    old: String,
    new: String,
}

#[derive(Template)]
#[template(path = "admin_runs.html")]
struct RunsPage {
    nav: Nav,
    runs: Vec<RunView>,
    old: String,
    new: String,
    message: String,
    parameter_changes: Vec<(String, String, String)>,
    diff_count: usize,
    diffs: Vec<DiffView>,
}

/// Diffs shown on the page.
const DIFF_ROWS: usize = 200;

/// Two runs to compare (both or neither).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunsQuery {
    pub old: String,
    pub new: String,
}

async fn runs(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<RunsQuery>,
) -> Result<Response, WebError> {
    let all = huiqi_app::matching::runs(&s.app.store).await?;
    let mut page = RunsPage {
        nav: Nav::of(&s, &v),
        runs: all
            .iter()
            .rev()
            .map(|r| RunView {
                id: r.id,
                started: r.started_at.format("%Y-%m-%d %H:%M").to_string(),
                at: r.at.to_string(),
                enterprises: numbers::count(r.enterprises),
                total: numbers::amount(from_fen(r.total_fen)),
            })
            .collect(),
        old: q.old.clone(),
        new: q.new.clone(),
        message: String::new(),
        parameter_changes: Vec::new(),
        diff_count: 0,
        diffs: Vec::new(),
    };
    if q.old.is_empty() && q.new.is_empty() {
        return render(page);
    }
    let (Ok(o), Ok(n)) = (q.old.trim().parse::<i64>(), q.new.trim().parse::<i64>()) else {
        page.message = "请填写两个批次编号（整数）。".into();
        return Ok((StatusCode::BAD_REQUEST, render(page)?).into_response());
    };
    match compare_runs(&s.app.store, o, n).await {
        Ok(c) => {
            page.parameter_changes = c.parameter_changes;
            page.diff_count = c.diffs.len();
            page.diffs = c
                .diffs
                .iter()
                .take(DIFF_ROWS)
                .map(|d| DiffView {
                    uscc: d.uscc.clone(),
                    measure: d.measure.title().to_string(),
                    change: d.change.label(),
                    old: numbers::amount(d.old),
                    new: numbers::amount(d.new),
                })
                .collect();
            render(page)
        }
        Err(e) if e.is_input() => {
            page.message = e.to_string();
            Ok((StatusCode::BAD_REQUEST, render(page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

struct DeltaView {
    label: String,
    before_n: String,
    after_n: String,
    before: String,
    after: String,
    change: String,
}

fn delta_view(d: &Delta) -> DeltaView {
    DeltaView {
        label: d.label.clone(),
        before_n: numbers::count(d.beneficiaries_before as i64),
        after_n: numbers::count(d.beneficiaries_after as i64),
        before: numbers::amount(d.cost_before),
        after: numbers::amount(d.cost_after),
        change: {
            let c = d.cost_change();
            if c > Decimal::ZERO {
                format!("+{}", numbers::amount(c))
            } else {
                numbers::amount(c)
            }
        },
    }
}

#[derive(Template)]
#[template(path = "admin_whatif.html")]
struct WhatIfPage {
    nav: Nav,
    at: String,
    changes: String,
    message: String,
    done: bool,
    enterprises: usize,
    total: Option<DeltaView>,
    measures: Vec<DeltaView>,
    by_county: Vec<DeltaView>,
    chart: String,
}

fn empty_page(
    s: &WebState,
    v: &Viewer,
    at: String,
    changes: String,
    message: String,
) -> WhatIfPage {
    WhatIfPage {
        nav: Nav::of(s, v),
        at,
        changes,
        message,
        done: false,
        enterprises: 0,
        total: None,
        measures: Vec::new(),
        by_county: Vec::new(),
        chart: String::new(),
    }
}

async fn whatif_form(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    render(empty_page(
        &s,
        &v,
        s.app.at.to_string(),
        "startup.annual_limit=24000".into(),
        String::new(),
    ))
}

/// The sandbox form: a date and parameter changes, one per line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WhatIfForm {
    csrf: Option<String>,
    at: String,
    changes: String,
}

async fn whatif_submit(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<WhatIfForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let bad = |msg: String| -> Result<Response, WebError> {
        let page = render(empty_page(&s, &v, f.at.clone(), f.changes.clone(), msg))?;
        Ok((StatusCode::BAD_REQUEST, page).into_response())
    };
    let Ok(at) = f.at.trim().parse::<chrono::NaiveDate>() else {
        return bad(format!("日期“{}”无效：请写成 YYYY-MM-DD。", f.at));
    };
    let changes = match parse_changes(&s.app.rules, f.changes.lines()) {
        Ok(c) => c,
        Err(e) => return bad(e.to_string()),
    };
    let report = match whatif_cached(&s.app, at, changes).await {
        Ok(r) => r,
        Err(e) if e.is_input() => return bad(e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let wan = |d: Decimal| (d / Decimal::from(10_000)).round_dp(2).to_string();
    let chart = serde_json::json!({
        "labels": report.by_county.iter().map(|d| d.label.clone()).collect::<Vec<_>>(),
        "before": report.by_county.iter().map(|d| wan(d.cost_before)).collect::<Vec<_>>(),
        "after": report.by_county.iter().map(|d| wan(d.cost_after)).collect::<Vec<_>>(),
    })
    .to_string();
    let mut page = empty_page(&s, &v, f.at.clone(), f.changes.clone(), String::new());
    page.done = true;
    page.enterprises = report.enterprises;
    page.total = Some(delta_view(&report.total));
    page.measures = report.measures.iter().map(delta_view).collect();
    page.by_county = report.by_county.iter().map(delta_view).collect();
    page.chart = chart;
    render(page)
}
