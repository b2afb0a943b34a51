//! The working group's analysis: matching runs and the comparison of two runs, and the what-if
//! (政策沙盘, never writes) with its results as tables and an ECharts chart.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use huiqi_app::matching::compare_runs;
use huiqi_app::whatif::{change_label, params_in_force, pick_change, report_xlsx, whatif_cached};
use huiqi_domain::numbers;
use huiqi_match::from_fen;
use huiqi_match::whatif::{Delta, Mover};
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
    let all = huiqi_app::matching::runs(&s.read().store).await?;
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
    match compare_runs(&s.read().store, o, n).await {
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
    change_n: String,
    before: String,
    after: String,
    change: String,
}

fn delta_view(d: &Delta) -> DeltaView {
    DeltaView {
        label: d.label.clone(),
        before_n: numbers::count(d.beneficiaries_before as i64),
        after_n: numbers::count(d.beneficiaries_after as i64),
        change_n: {
            let c = d.beneficiaries_after as i64 - d.beneficiaries_before as i64;
            if c > 0 {
                format!("+{}", numbers::count(c))
            } else {
                numbers::count(c)
            }
        },
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

/// A parameter in the sandbox's list (all shown, none an internal id on screen).
struct ParamView {
    id: String,
    title: String,
    shown: String,
    from: String,
    reference: String,
    unverified: bool,
}

/// One gainer or loser.
struct MoverView {
    uscc: String,
    name: String,
    before: String,
    after: String,
    change: String,
}

#[derive(Template)]
#[template(path = "admin_whatif.html")]
struct WhatIfPage {
    nav: Nav,
    at: String,
    params: Vec<ParamView>,
    param: String,
    value: String,
    from: String,
    message: String,
    done: bool,
    change: String,
    enterprises: String,
    total: Option<DeltaView>,
    /// By measure, jurisdiction, industry section and size class.
    sections: Vec<SectionView>,
    /// The 20 biggest gainers, then losers.
    movers: Vec<MoversView>,
    chart: String,
}

/// One table of differences: its element id, heading and first column's header.
struct SectionView {
    id: &'static str,
    title: &'static str,
    head: &'static str,
    rows: Vec<DeltaView>,
}

struct MoversView {
    id: &'static str,
    title: &'static str,
    rows: Vec<MoverView>,
}

/// The sandbox form: the date whose parameters and facts apply, the parameter picked from those
/// in force, its new value (a rate in %) and the date it starts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WhatIfForm {
    csrf: Option<String>,
    at: String,
    param: String,
    value: String,
    from: String,
    /// `xlsx`: answer with the workbook instead of the page.
    export: String,
}

fn page_of(s: &WebState, v: &Viewer, f: &WhatIfForm, message: String) -> WhatIfPage {
    let at = f.at.trim().parse().unwrap_or(s.read().at);
    let params = params_in_force(&s.read().rules, at)
        .into_iter()
        .map(|p| ParamView {
            id: p.id,
            title: p.title,
            shown: p.shown,
            from: p.from.to_string(),
            reference: p.reference,
            unverified: p.unverified,
        })
        .collect();
    WhatIfPage {
        nav: Nav::of(s, v),
        at: f.at.clone(),
        params,
        param: f.param.clone(),
        value: f.value.clone(),
        from: f.from.clone(),
        message,
        done: false,
        change: String::new(),
        enterprises: String::new(),
        total: None,
        sections: Vec::new(),
        movers: Vec::new(),
        chart: String::new(),
    }
}

fn mover_view(m: &Mover) -> MoverView {
    let c = m.after - m.before;
    MoverView {
        uscc: m.uscc.clone(),
        name: m.name.clone(),
        before: numbers::amount(m.before),
        after: numbers::amount(m.after),
        change: if c > Decimal::ZERO {
            format!("+{}", numbers::amount(c))
        } else {
            numbers::amount(c)
        },
    }
}

async fn whatif_form(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    let f = WhatIfForm {
        at: s.read().at.to_string(),
        param: "startup.annual_limit".into(),
        value: "24000".into(),
        ..WhatIfForm::default()
    };
    render(page_of(&s, &v, &f, String::new()))
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
        let page = render(page_of(&s, &v, &f, msg))?;
        Ok((StatusCode::BAD_REQUEST, page).into_response())
    };
    let Ok(at) = f.at.trim().parse::<chrono::NaiveDate>() else {
        return bad(format!(
            "适用日期“{}”无效：请写成 YYYY-MM-DD。",
            huiqi_domain::text::quote(f.at.trim())
        ));
    };
    let change = match pick_change(&s.read().rules, at, &f.param, &f.value, &f.from) {
        Ok(c) => c,
        Err(e) => return bad(e.to_string()),
    };
    let Some(p) = params_in_force(&s.read().rules, at)
        .into_iter()
        .find(|p| p.id == change.param)
    else {
        return bad("请从列表中选择参数。".into());
    };
    let label = change_label(&p, &change);
    let report = match whatif_cached(s.read(), at, vec![change]).await {
        Ok(r) => r,
        Err(e) if e.is_input() => return bad(e.to_string()),
        Err(e) => return Err(e.into()),
    };
    if f.export == "xlsx" {
        let bytes = report_xlsx(&report, &label)?;
        return Ok(crate::upload::xlsx(
            &format!("政策沙盘-{}-{at}.xlsx", p.title),
            bytes,
        ));
    }
    // One chart: the change of each jurisdiction's total (万元); the before and after figures
    // are nearly equal and stay in the table.
    let wan = |d: Decimal| (d / Decimal::from(10_000)).round_dp(2).to_string();
    let chart = serde_json::json!({
        "labels": report.by_county.iter().map(|d| d.label.clone()).collect::<Vec<_>>(),
        "change": report.by_county.iter().map(|d| wan(d.cost_change())).collect::<Vec<_>>(),
    })
    .to_string();
    let mut page = page_of(&s, &v, &f, String::new());
    page.done = true;
    page.change = label;
    page.enterprises = numbers::count(report.enterprises as i64);
    page.total = Some(delta_view(&report.total));
    let section = |id, title, head, rows: &[Delta]| SectionView {
        id,
        title,
        head,
        rows: rows.iter().map(delta_view).collect(),
    };
    page.sections = vec![
        section("whatif-measures", "按措施", "措施", &report.measures),
        section("whatif-counties", "按辖区", "辖区", &report.by_county),
        section(
            "whatif-sections",
            "按行业门类",
            "行业门类",
            &report.by_section,
        ),
        section(
            "whatif-sizes",
            "按企业规模",
            "企业规模",
            &report.by_size_class,
        ),
    ];
    page.movers = vec![
        MoversView {
            id: "whatif-gainers",
            title: "受益增加最多的 20 户",
            rows: report.top_gainers.iter().map(mover_view).collect(),
        },
        MoversView {
            id: "whatif-losers",
            title: "受益减少最多的 20 户",
            rows: report.top_losers.iter().map(mover_view).collect(),
        },
    ];
    page.chart = chart;
    render(page)
}
