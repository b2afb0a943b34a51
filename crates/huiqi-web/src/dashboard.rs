//! 日常调度 dashboard: completion against time progress per target (huiqi-progress) with
//! ECharts charts, and the county ranking. A county user sees only its own jurisdiction's rows
//! and its own place in the ranking.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use chrono::Datelike;
use huiqi_policy::Pack;
use huiqi_progress::{Computed, Month, ProgressRow, Settings};
use huiqi_store::{Store, StoreError};
use rust_decimal::Decimal;

use crate::auth::{Role, Viewer};
use crate::{AppState, Nav, Shared, internal, nav, render};

struct Loaded {
    period: Month,
    rows: Vec<ProgressRow>,
    ranking: Vec<huiqi_progress::Rank>,
    /// The table of every month of the period's year up to the period.
    trend: Vec<(Month, Vec<ProgressRow>)>,
}

/// The latest month with reports, looking back two years from the platform's date.
async fn latest_period(s: &AppState) -> Result<Option<Month>, Response> {
    let mut m = Month::parse(&format!("{:04}-{:02}", s.at.year(), s.at.month()))
        .map_err(|e| internal(&e))?;
    for _ in 0..24 {
        let reports = s
            .store
            .reports_for(&m.to_string())
            .await
            .map_err(|e| internal(&e.to_string()))?;
        if !reports.is_empty() {
            return Ok(Some(m));
        }
        m = Month::parse(&if m.month == 1 {
            format!("{:04}-12", m.year - 1)
        } else {
            format!("{:04}-{:02}", m.year, m.month - 1)
        })
        .map_err(|e| internal(&e))?;
    }
    Ok(None)
}

/// The 调度表 of a month (the dashboard's and `huiqi progress`'s): the jurisdictions' `shares`
/// (`Store::allocations`), the latest reports, and the targets the registry computes where it has
/// the data (`huiqi_store::progress::COMPUTED_TARGETS`; each computed row's reason says how).
pub async fn progress_rows(
    store: &Store,
    pack: &Pack,
    at: Month,
    shares: &BTreeMap<(String, String), Decimal>,
    settings: &Settings,
) -> Result<Vec<ProgressRow>, StoreError> {
    let reported: BTreeMap<(String, String), Decimal> = store
        .reports_for(&at.to_string())
        .await?
        .into_iter()
        .map(|(k, r)| (k, r.value))
        .collect();
    let computed = store
        .computed_actuals(settings.start.year, at.last_day())
        .await?;
    let computed: Vec<Computed<'_>> = computed
        .iter()
        .map(|c| Computed {
            target: c.target,
            by_jurisdiction: &c.by_county,
            how: &c.how,
        })
        .collect();
    Ok(huiqi_progress::table_with_computed(
        pack, at, shares, &reported, &computed, settings,
    ))
}

async fn load(
    s: &AppState,
    params: &HashMap<String, String>,
) -> Result<Result<Loaded, String>, Response> {
    let period = match params.get("period").filter(|p| !p.is_empty()) {
        Some(p) => match Month::parse(p) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        },
        None => match latest_period(s).await? {
            Some(m) => m,
            None => {
                return Ok(Err(
                    "还没有任何报送数据（可用 huiqi progress report 或 seed-demo 载入）。".into(),
                ));
            }
        },
    };
    let shares = s
        .store
        .allocations()
        .await
        .map_err(|e| internal(&e.to_string()))?;
    let settings = Settings::default();
    let rows = table_for(s, period, &shares, &settings).await?;
    let ranking = huiqi_progress::rank_overall(&rows, &settings);
    let mut trend = Vec::new();
    for month in 1..=period.month {
        let m =
            Month::parse(&format!("{:04}-{month:02}", period.year)).map_err(|e| internal(&e))?;
        let rows = if m == period {
            rows.clone()
        } else {
            table_for(s, m, &shares, &settings).await?
        };
        trend.push((m, rows));
    }
    Ok(Ok(Loaded {
        period,
        rows,
        ranking,
        trend,
    }))
}

/// The 调度表 of one month (see [`progress_rows`]).
async fn table_for(
    s: &AppState,
    period: Month,
    shares: &BTreeMap<(String, String), Decimal>,
    settings: &Settings,
) -> Result<Vec<ProgressRow>, Response> {
    progress_rows(&s.store, &s.pack, period, shares, settings)
        .await
        .map_err(|e| internal(&e.to_string()))
}

fn pct(d: Option<Decimal>) -> String {
    d.map_or("—".into(), |d| {
        format!("{}%", (d * Decimal::ONE_HUNDRED).round_dp(1))
    })
}

struct RowView {
    indicator: String,
    target_value: String,
    actual: String,
    completion: String,
    time_progress: String,
    status: &'static str,
    status_class: &'static str,
    reason: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    period: String,
    scope_name: String,
    message: String,
    rows: Vec<RowView>,
    ranking: Vec<(usize, String, String)>,
    chart: String,
    rank_chart: String,
    trend_chart: String,
    /// For a unit: its name and its tasks.
    unit_name: String,
    tasks: Vec<TaskRow>,
    /// The report form: what the viewer may report, and whether a report was just saved.
    report_targets: Vec<(String, String)>,
    report_jurisdictions: Vec<(String, String)>,
    reported: bool,
}

/// The jurisdiction whose rows the viewer sees: its own for a county user, else the city row.
fn scope_of(v: &Viewer) -> String {
    match &v.role {
        Role::County(c) => c.clone(),
        _ => "city".into(),
    }
}

fn jname(s: &AppState, id: &str) -> String {
    if id == "city" {
        "全市".into()
    } else {
        s.pack
            .jurisdiction(id)
            .map_or(id.to_string(), |j| j.name.clone())
    }
}

/// The rows the viewer sees: its jurisdiction's (the city's unless a county user), and for a
/// unit only the targets it is responsible for.
fn visible_rows<'a>(s: &AppState, v: &Viewer, rows: &'a [ProgressRow]) -> Vec<&'a ProgressRow> {
    let scope = scope_of(v);
    let unit = match &v.role {
        Role::Unit(u) => Some(u.as_str()),
        _ => None,
    };
    rows.iter()
        .filter(|r| r.jurisdiction == scope)
        .filter(|r| {
            unit.is_none_or(|u| {
                s.pack
                    .targets
                    .iter()
                    .any(|t| t.id == r.target && t.units.iter().any(|x| x == u))
            })
        })
        .collect()
}

/// Per month of the year so far, how many of the viewer's rows are green, yellow and red.
fn trend_counts(
    s: &AppState,
    v: &Viewer,
    trend: &[(Month, Vec<ProgressRow>)],
) -> Vec<(String, [usize; 3])> {
    trend
        .iter()
        .map(|(m, rows)| {
            let mut n = [0; 3];
            for r in visible_rows(s, v, rows) {
                n[match r.status {
                    huiqi_progress::Status::Green => 0,
                    huiqi_progress::Status::Yellow => 1,
                    huiqi_progress::Status::Red => 2,
                }] += 1;
            }
            (m.to_string(), n)
        })
        .collect()
}

/// The tasks a unit carries (named in its 责任单位 clause, or addressed to 各地各部门), with
/// every unit named and the legal basis; nothing for other roles.
fn unit_tasks(s: &AppState, v: &Viewer) -> Vec<TaskRow> {
    let Role::Unit(u) = &v.role else {
        return Vec::new();
    };
    s.pack
        .tasks
        .iter()
        .filter(|t| t.all_units || t.units.iter().any(|x| x == u))
        .map(|t| TaskRow {
            article: t.article,
            title: t.title.clone(),
            units: if t.all_units {
                "各地各部门".into()
            } else {
                t.units
                    .iter()
                    .map(|x| s.pack.unit(x).map_or(x.clone(), |x| x.name.clone()))
                    .collect::<Vec<_>>()
                    .join("、")
            },
            basis: t
                .legal_basis
                .iter()
                .map(|b| format!("{}《{}》", b.document, b.title))
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect()
}

struct TaskRow {
    article: u8,
    title: String,
    /// Every unit the text names for it (the text designates no lead unit).
    units: String,
    basis: String,
}

fn visible_ranking<'a>(
    v: &Viewer,
    ranking: &'a [huiqi_progress::Rank],
) -> Vec<&'a huiqi_progress::Rank> {
    match &v.role {
        Role::County(c) => ranking.iter().filter(|r| &r.jurisdiction == c).collect(),
        _ => ranking.iter().collect(),
    }
}

pub async fn page(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let scope = scope_of(&v);
    let loaded = match load(&s, &params).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (period, message, rows, ranking, trend) = match loaded {
        Ok(l) => (
            l.period.to_string(),
            String::new(),
            l.rows,
            l.ranking,
            l.trend,
        ),
        Err(m) => (
            params.get("period").cloned().unwrap_or_default(),
            m,
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    let mine = visible_rows(&s, &v, &rows);
    let trend = trend_counts(&s, &v, &trend);
    let trend_chart = serde_json::json!({
        "labels": trend.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>(),
        "green": trend.iter().map(|(_, n)| n[0]).collect::<Vec<_>>(),
        "yellow": trend.iter().map(|(_, n)| n[1]).collect::<Vec<_>>(),
        "red": trend.iter().map(|(_, n)| n[2]).collect::<Vec<_>>(),
    })
    .to_string();
    let unit_name = match &v.role {
        Role::Unit(u) => s.pack.unit(u).map_or(u.clone(), |x| x.name.clone()),
        _ => String::new(),
    };
    let indicator = |id: &str| {
        s.pack
            .targets
            .iter()
            .find(|t| t.id == id)
            .map_or(id.to_string(), |t| t.indicator.clone())
    };
    let chart = serde_json::json!({
        "labels": mine.iter().map(|r| indicator(&r.target)).collect::<Vec<_>>(),
        "completion": mine.iter().map(|r| r.completion.map(|c| (c * Decimal::ONE_HUNDRED).round_dp(1).to_string())).collect::<Vec<_>>(),
        "time": mine.iter().map(|r| r.time_progress.map(|c| (c * Decimal::ONE_HUNDRED).round_dp(1).to_string())).collect::<Vec<_>>(),
    })
    .to_string();
    let shown = visible_ranking(&v, &ranking);
    let rank_chart = serde_json::json!({
        "labels": shown.iter().map(|r| jname(&s, &r.jurisdiction)).collect::<Vec<_>>(),
        "scores": shown.iter().map(|r| (r.score * Decimal::ONE_HUNDRED).round_dp(1).to_string()).collect::<Vec<_>>(),
    })
    .to_string();
    let views = mine
        .iter()
        .map(|r| RowView {
            indicator: indicator(&r.target),
            target_value: r.target_value.normalize().to_string(),
            actual: r
                .actual
                .map_or("未报送".into(), |a| a.normalize().to_string()),
            completion: pct(r.completion),
            time_progress: pct(r.time_progress),
            status: r.status.label(),
            status_class: match r.status {
                huiqi_progress::Status::Green => "green",
                huiqi_progress::Status::Yellow => "yellow",
                huiqi_progress::Status::Red => "red",
            },
            reason: r.reason.clone(),
        })
        .collect();
    let ranking = shown
        .iter()
        .map(|r| {
            (
                r.rank,
                jname(&s, &r.jurisdiction),
                format!("{}", (r.score * Decimal::ONE_HUNDRED).round_dp(1)),
            )
        })
        .collect();
    render(DashboardPage {
        nav: nav(&s, &v),
        period,
        scope_name: jname(&s, &scope),
        message,
        rows: views,
        ranking,
        chart,
        rank_chart,
        trend_chart,
        unit_name,
        tasks: unit_tasks(&s, &v),
        report_targets: crate::report::reportable_targets(&s, &v),
        report_jurisdictions: crate::report::reportable_jurisdictions(&s, &v),
        reported: params.contains_key("reported"),
    })
}

pub async fn api(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match load(&s, &params).await {
        Err(r) => r,
        Ok(Err(m)) => (
            axum::http::StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": m})),
        )
            .into_response(),
        Ok(Ok(l)) => {
            let rows: Vec<_> = visible_rows(&s, &v, &l.rows)
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "target": r.target, "jurisdiction": r.jurisdiction, "target_value": r.target_value,
                        "actual": r.actual, "completion": r.completion, "time_progress": r.time_progress,
                        "status": r.status.label(), "reason": r.reason,
                    })
                })
                .collect();
            let ranking: Vec<_> = visible_ranking(&v, &l.ranking)
                .iter()
                .map(|r| serde_json::json!({"rank": r.rank, "jurisdiction": r.jurisdiction, "score": r.score}))
                .collect();
            let trend: Vec<_> = trend_counts(&s, &v, &l.trend)
                .into_iter()
                .map(|(m, n)| serde_json::json!({"period": m, "green": n[0], "yellow": n[1], "red": n[2]}))
                .collect();
            let tasks: Vec<_> = unit_tasks(&s, &v)
                .into_iter()
                .map(|t| serde_json::json!({"article": t.article, "title": t.title, "units": t.units, "legal_basis": t.basis}))
                .collect();
            Json(serde_json::json!({"period": l.period.to_string(), "rows": rows, "ranking": ranking, "trend": trend, "tasks": tasks})).into_response()
        }
    }
}
