//! The working group's analysis pages: matching runs and the comparison of two runs
//! (huiqi-match), and the what-if form (a policy sandbox that never writes) with its results as
//! tables and an ECharts chart.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use huiqi_match::{Change, whatif::Delta};
use rust_decimal::Decimal;

use crate::auth::{self, Viewer};
use std::sync::Arc;

use crate::{Nav, Shared, internal, nav, page_error, render};

struct RunView {
    id: i64,
    started: String,
    at: String,
    enterprises: i64,
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

pub async fn runs(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let runs = match s.store.runs().await {
        Ok(r) => r,
        Err(e) => return internal(&e.to_string()),
    };
    let views = runs
        .iter()
        .rev()
        .map(|r| RunView {
            id: r.id,
            started: r.started_at.format("%Y-%m-%d %H:%M").to_string(),
            at: r.at.to_string(),
            enterprises: r.enterprises,
            total: format!("{:.2}", huiqi_match::from_fen(r.total_fen)),
        })
        .collect();
    let (old, new) = (
        p.get("old").cloned().unwrap_or_default(),
        p.get("new").cloned().unwrap_or_default(),
    );
    let mut page = RunsPage {
        nav: nav(&s, &v),
        runs: views,
        old: old.clone(),
        new: new.clone(),
        message: String::new(),
        parameter_changes: Vec::new(),
        diff_count: 0,
        diffs: Vec::new(),
    };
    if !old.is_empty() || !new.is_empty() {
        let (Ok(o), Ok(n)) = (old.trim().parse::<i64>(), new.trim().parse::<i64>()) else {
            page.message = "请填写两个批次编号（整数）。".into();
            return (StatusCode::BAD_REQUEST, render(page)).into_response();
        };
        match huiqi_match::compare_runs(&s.store, o, n).await {
            Ok(c) => {
                let label = |c: &str| match c {
                    "became_eligible" => "新符合",
                    "dropped_out" => "不再符合",
                    _ => "金额变化",
                };
                page.parameter_changes = c.parameter_changes;
                page.diff_count = c.diffs.len();
                page.diffs = c
                    .diffs
                    .iter()
                    .take(DIFF_ROWS)
                    .map(|d| DiffView {
                        uscc: d.uscc.clone(),
                        measure: s.rules.measure(&d.measure).title.clone(),
                        change: label(d.change),
                        old: format!("{:.2}", d.old),
                        new: format!("{:.2}", d.new),
                    })
                    .collect();
            }
            Err(huiqi_match::MatchError::Invalid(m)) => {
                page.message = m;
                return (StatusCode::BAD_REQUEST, render(page)).into_response();
            }
            Err(e) => return internal(&e.to_string()),
        }
    }
    render(page)
}

struct DeltaView {
    label: String,
    before_n: usize,
    after_n: usize,
    before: String,
    after: String,
    change: String,
}

fn delta_view(d: &Delta) -> DeltaView {
    DeltaView {
        label: d.label.clone(),
        before_n: d.beneficiaries_before,
        after_n: d.beneficiaries_after,
        before: format!("{:.2}", d.cost_before),
        after: format!("{:.2}", d.cost_after),
        change: format!("{:+.2}", d.cost_change()),
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

fn empty_page(s: &Shared, v: &Viewer, at: String, changes: String, message: String) -> WhatIfPage {
    WhatIfPage {
        nav: nav(s, v),
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

pub async fn whatif_form(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    render(empty_page(
        &s,
        &v,
        s.at.to_string(),
        "startup.annual_limit=24000".into(),
        String::new(),
    ))
}

#[derive(serde::Deserialize)]
#[serde(default)]
#[derive(Default)]
pub struct WhatIfForm {
    csrf: Option<String>,
    at: String,
    changes: String,
}

pub async fn whatif_submit(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Form(f): Form<WhatIfForm>,
) -> Response {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return page_error(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试。",
        );
    }
    let bad = |msg: String| {
        (
            StatusCode::BAD_REQUEST,
            render(empty_page(&s, &v, f.at.clone(), f.changes.clone(), msg)),
        )
            .into_response()
    };
    let Ok(at) = f.at.trim().parse::<chrono::NaiveDate>() else {
        return bad(format!("日期“{}”无效：请写成 YYYY-MM-DD。", f.at));
    };
    let mut changes = Vec::new();
    for (i, line) in f
        .changes
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        match Change::parse(line) {
            Ok(c) => changes.push(c),
            Err(e) => return bad(format!("第 {} 行“{line}”：{e}", i + 1)),
        }
    }
    if changes.is_empty() {
        return bad("请至少填写一项参数改动，如 startup.annual_limit=24000。".into());
    }
    // Fail fast on an unknown parameter, before the registry is read.
    if let Err(huiqi_match::MatchError::Invalid(m)) =
        huiqi_match::whatif::changed_rules(&s.rules, &changes)
    {
        return bad(m);
    }
    let facts = match s
        .population
        .facts(&s.store, chrono::Datelike::year(&at))
        .await
    {
        Ok(f) => f,
        Err(e) => return internal(&e.to_string()),
    };
    let state = Arc::clone(&s);
    let report = match tokio::task::spawn_blocking(move || {
        huiqi_match::whatif::whatif_on(&facts, &state.rules, &state.pack, at, changes)
    })
    .await
    {
        Ok(Ok(r)) => r,
        Ok(Err(huiqi_match::MatchError::Invalid(m))) => return bad(m),
        Ok(Err(e)) => return internal(&e.to_string()),
        Err(e) => return internal(&e.to_string()),
    };
    let chart = serde_json::json!({
        "labels": report.by_county.iter().map(|d| d.label.clone()).collect::<Vec<_>>(),
        "before": report.by_county.iter().map(|d| (d.cost_before / Decimal::from(10_000)).round_dp(2).to_string()).collect::<Vec<_>>(),
        "after": report.by_county.iter().map(|d| (d.cost_after / Decimal::from(10_000)).round_dp(2).to_string()).collect::<Vec<_>>(),
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
