//! 日常调度 (articles 16 and 19): the target × jurisdiction matrix (红/黄/绿), completion against
//! time progress per target with ECharts charts, the county ranking in full, the status trend
//! month by month, a unit's tasks, the month picker (months with data), the 调度表 as .xlsx, and
//! reporting a month's value from the browser with 附件 files. A county user sees only its own
//! jurisdiction's rows and place, a unit only its targets; who may report or download what is
//! decided by huiqi-app on the server.

use askama::Template;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use huiqi_app::progress::{
    self as app, Dashboard, RANKING_FIGURE, RANKING_HOW, ReportInput, check_report, pct, rank_text,
    reportable_jurisdictions, reportable_targets, scope_of, trend_counts, unit_tasks,
    visible_ranking, visible_rows,
};
use huiqi_domain::numbers;
use huiqi_progress::Status;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api;
use crate::auth::{self, Viewer};
use crate::error::{Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{Area, Link, Route, STAFF};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "日常调度",
    routes: &[
        Route::get("/dashboard", STAFF, "日常调度", || get(page)),
        Route::get(
            "/dashboard.xlsx",
            STAFF,
            "调度表导出（.xlsx，该月，范围同页面）",
            || get(export),
        ),
        Route::post(
            "/dashboard/report",
            STAFF,
            "报送完成值（可附附件）",
            || post(submit).layer(DefaultBodyLimit::max(MAX_REPORT_UPLOAD)),
        ),
        Route::get(
            "/dashboard/files/{id}",
            STAFF,
            "报送附件（本辖区或本单位指标的）",
            || get(file),
        ),
        Route::get("/api/v1/dashboard", STAFF, "调度表（JSON）", || {
            get(api)
        }),
    ],
    links: &[Link {
        label: "日常调度",
        href: "/dashboard",
        rule: STAFF,
    }],
};

/// The largest body of a report form: its files and the form.
pub const MAX_REPORT_UPLOAD: usize = crate::upload::body_limit(app::MAX_REPORT_FILES);

/// The month asked for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    /// `YYYY-MM` (default: the latest month with reports, else with registry figures).
    pub period: String,
    /// Set after a report was saved (the page says so).
    pub reported: Option<String>,
}

/// No period asked, nothing reported in two years and no registry figure.
const NO_REPORTS: &str = "还没有任何调度数据：没有报送，企业库也没有新登记、认定或培训记录（可用 huiqi progress report 或 seed-demo 载入）。";

async fn load(s: &WebState, q: &DashboardQuery) -> Result<Option<Dashboard>, WebError> {
    let period = Some(q.period.as_str()).filter(|p| !p.trim().is_empty());
    Ok(app::dashboard(&s.read().store, &s.read().pack, s.read().at, period).await?)
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

/// One cell of the matrix: the completion, the value with its unit, the colour, the reason.
struct CellView {
    completion: String,
    actual: String,
    status: &'static str,
    status_class: &'static str,
    reason: String,
}

struct MatrixRowView {
    indicator: String,
    unit: String,
    cells: Vec<Option<CellView>>,
}

/// A report's 附件 as the page lists it.
struct ReportFileView {
    indicator: String,
    jurisdiction: String,
    file: crate::upload::FileLink,
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Green => "green",
        Status::Yellow => "yellow",
        Status::Red => "red",
    }
}

struct TaskRow {
    article: u8,
    title: String,
    units: String,
    basis: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    period: String,
    scope_name: String,
    message: String,
    rows: Vec<RowView>,
    /// The months with data, newest first: (value, selected).
    periods: Vec<(String, bool)>,
    /// The matrix (empty for a county user: its own rows are the table below).
    matrix_columns: Vec<String>,
    matrix: Vec<MatrixRowView>,
    /// (rank as `第 N 名 / 共 M 名`, jurisdiction, figure).
    ranking: Vec<(String, String, String)>,
    ranking_figure: &'static str,
    /// (class, label, meaning) of each colour.
    legend: Vec<(&'static str, &'static str, String)>,
    ranking_how: &'static str,
    /// Why some targets are not on the report form (computed by the registry).
    computed_note: String,
    report_files: Vec<ReportFileView>,
    max_files: usize,
    max_mb: usize,
    file_types: String,
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
    /// (href, label) of the push lists the viewer works with, or why there is none.
    push_links: Vec<(String, String)>,
    push_note: String,
    /// 为企服务 this year in the viewer's scope.
    service: Option<ServicePanel>,
}

/// The 为企服务 panel, formatted: counts with 千分位, rates as percentages or “暂无数据”.
struct ServicePanel {
    year: i32,
    scope: String,
    received: String,
    done: String,
    resolved: String,
    on_time: String,
    satisfied: String,
    open: String,
    overdue: String,
    has_overdue: bool,
}

impl ServicePanel {
    fn of(p: huiqi_app::service::Panel) -> ServicePanel {
        let n = huiqi_domain::numbers::count;
        ServicePanel {
            year: p.year,
            scope: p.scope,
            received: n(p.counts.received),
            done: p.rates.done.percent(),
            resolved: p.rates.resolved.percent(),
            on_time: p.rates.on_time.percent(),
            satisfied: p.rates.satisfied.percent(),
            open: n(p.counts.open),
            overdue: n(p.counts.overdue),
            has_overdue: p.counts.overdue > 0,
        }
    }
}

/// A fraction as a chart's percentage number (rounded once, like the table's).
fn percent(d: Decimal) -> String {
    (d * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_string()
}

async fn page(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let pack = &s.read().pack;
    let dashboard = load(&s, &q).await?;
    let month = dashboard.as_ref().map(|d| d.period);
    let (period, periods, message, rows, ranking, trend) = match dashboard {
        Some(d) => (
            d.period.to_string(),
            d.periods,
            String::new(),
            d.rows,
            d.ranking,
            d.trend,
        ),
        None => (
            String::new(),
            Vec::new(),
            NO_REPORTS.to_string(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    let mine = visible_rows(pack, &v.role, &rows);
    let trend = trend_counts(pack, &v.role, &trend);
    let trend_chart = serde_json::json!({
        "labels": trend.iter().map(|(m, _)| m.to_string()).collect::<Vec<_>>(),
        "green": trend.iter().map(|(_, n)| n[0]).collect::<Vec<_>>(),
        "yellow": trend.iter().map(|(_, n)| n[1]).collect::<Vec<_>>(),
        "red": trend.iter().map(|(_, n)| n[2]).collect::<Vec<_>>(),
    })
    .to_string();
    let indicator = |id: &str| {
        pack.target(id)
            .map_or(id.to_string(), |t| t.indicator.clone())
    };
    let chart = serde_json::json!({
        "labels": mine.iter().map(|r| indicator(&r.target)).collect::<Vec<_>>(),
        "completion": mine.iter().map(|r| r.completion.map(percent)).collect::<Vec<_>>(),
        "time": mine.iter().map(|r| r.time_progress.map(percent)).collect::<Vec<_>>(),
    })
    .to_string();
    let shown = visible_ranking(&v.role, &ranking);
    let rank_chart = serde_json::json!({
        "labels": shown.iter().map(|r| s.read().jurisdiction_name(&r.jurisdiction)).collect::<Vec<_>>(),
        "scores": shown.iter().map(|r| percent(r.score)).collect::<Vec<_>>(),
        "name": format!("{RANKING_FIGURE} %"),
    })
    .to_string();
    let unit_of = |id: &str| pack.target(id).map_or("", |t| t.unit().symbol());
    let views = mine
        .iter()
        .map(|r| RowView {
            indicator: indicator(&r.target),
            target_value: numbers::with_unit(r.target_value, unit_of(&r.target)),
            actual: r.actual.map_or("未报送".into(), |a| {
                numbers::with_unit(a, unit_of(&r.target))
            }),
            completion: pct(r.completion),
            time_progress: pct(r.time_progress),
            status: r.status.label(),
            status_class: status_class(r.status),
            reason: r.reason.clone(),
        })
        .collect();
    let of = pack.jurisdictions.len();
    let ranking = shown
        .iter()
        .map(|r| {
            (
                rank_text(r.rank, of),
                s.read().jurisdiction_name(&r.jurisdiction),
                pct(Some(r.score)),
            )
        })
        .collect();
    let (columns, matrix) = if v.role.county().is_some() {
        (Vec::new(), Vec::new())
    } else {
        let (columns, m) = app::matrix(pack, &v.role, &rows);
        (
            columns.into_iter().map(|(_, name)| name).collect(),
            m.into_iter()
                .map(|r| MatrixRowView {
                    cells: r
                        .cells
                        .iter()
                        .map(|c| {
                            c.map(|c| CellView {
                                completion: pct(c.completion),
                                actual: c
                                    .actual
                                    .map_or("未报送".into(), |a| numbers::with_unit(a, &r.unit)),
                                status: c.status.label(),
                                status_class: status_class(c.status),
                                reason: c.reason.clone(),
                            })
                        })
                        .collect(),
                    indicator: r.indicator,
                    unit: r.unit,
                })
                .collect(),
        )
    };
    let report_files = match month {
        Some(m) => app::report_files(&s.read().store, pack, &v.role, m)
            .await?
            .into_iter()
            .flat_map(|((t, j), files)| {
                let indicator = indicator(&t);
                let jurisdiction = s.read().jurisdiction_name(&j);
                files.into_iter().map(move |f| ReportFileView {
                    indicator: indicator.clone(),
                    jurisdiction: jurisdiction.clone(),
                    file: crate::upload::FileLink::of("/dashboard/files", &f),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let (push_links, push_note) = push_links(&s, &v);
    render(DashboardPage {
        nav: Nav::of(&s, &v),
        periods: periods
            .iter()
            .map(|m| (m.to_string(), m.to_string() == period))
            .collect(),
        matrix_columns: columns,
        matrix,
        ranking_figure: RANKING_FIGURE,
        legend: app::status_legend(&huiqi_progress::Settings::default())
            .into_iter()
            .map(|(st, text)| (status_class(st), st.label(), text))
            .collect(),
        ranking_how: RANKING_HOW,
        computed_note: app::computed_note(pack, &v.role).unwrap_or_default(),
        report_files,
        max_files: app::MAX_REPORT_FILES,
        max_mb: huiqi_app::files::MAX_BYTES / 1_048_576,
        file_types: huiqi_app::files::TYPES
            .iter()
            .map(|(e, _)| *e)
            .collect::<Vec<_>>()
            .join("、"),
        period,
        scope_name: s.read().jurisdiction_name(&scope_of(&v.role)),
        message,
        rows: views,
        ranking,
        chart,
        rank_chart,
        trend_chart,
        unit_name: v.role.unit().map_or_else(String::new, |u| {
            pack.unit(u).map_or(u.to_string(), |x| x.name.clone())
        }),
        tasks: unit_tasks(pack, &v.role)
            .into_iter()
            .map(|t| TaskRow {
                article: t.article,
                title: t.title,
                units: t.units,
                basis: t.basis,
            })
            .collect(),
        report_targets: reportable_targets(pack, &v.role),
        report_jurisdictions: reportable_jurisdictions(pack, &v.role),
        reported: q.reported.is_some(),
        service: huiqi_app::service::panel(s.read(), &v.role, huiqi_app::assess::today())
            .await?
            .map(ServicePanel::of),
        push_links,
        push_note,
    })
}

/// The push lists one click away from the dashboard: a county's own list, a unit's lists of the
/// measures it pushes (or why it has none), the working group's list of the city.
fn push_links(s: &WebState, v: &Viewer) -> (Vec<(String, String)>, String) {
    use huiqi_app::accounts::Role;
    match &v.role {
        Role::Unit(u) => {
            let measures = huiqi_app::matching::push_measures_for(&v.role);
            if measures.is_empty() {
                let name = s
                    .read()
                    .pack
                    .unit(u)
                    .map_or(u.as_str(), |x| x.name.as_str());
                return (
                    Vec::new(),
                    format!(
                        "{name}不负责推送免申即享措施（{}）。",
                        huiqi_app::matching::push_units_sentence(&s.read().pack)
                    ),
                );
            }
            (
                measures
                    .into_iter()
                    .map(|m| {
                        (
                            format!("/push?measure={}", m.as_str()),
                            format!("推送名单：{}", m.title()),
                        )
                    })
                    .collect(),
                String::new(),
            )
        }
        Role::County(c) => (
            vec![(
                "/push".to_string(),
                format!("{}企业的免申即享推送名单", s.read().jurisdiction_name(c)),
            )],
            String::new(),
        ),
        _ => (
            vec![("/push".to_string(), "全市免申即享推送名单".to_string())],
            String::new(),
        ),
    }
}

/// The 调度表's month, for the API.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DashboardApiQuery {
    /// `YYYY-MM` (default: the latest month with reports, else with registry figures).
    #[param(value_type = Option<String>, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: String,
}

/// The 调度表 as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/dashboard",
    params(DashboardApiQuery),
    responses(
        (status = 200, description = "该月调度表（本角色可见的行）、排名、红黄绿趋势与本单位任务", body = api::Dashboard),
        (status = 400, description = api::BAD_REQUEST, body = api::ErrorBody),
        (status = 401, description = api::UNAUTHENTICATED, body = api::ErrorBody),
        (status = 403, description = api::FORBIDDEN, body = api::ErrorBody),
        (status = 404, description = "还没有任何调度数据：没有报送，也没有企业库数据（JSON：error、code）", body = api::ErrorBody),
    )
)]
pub(crate) async fn api(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<DashboardApiQuery>,
) -> Result<Response, WebError> {
    let pack = &s.read().pack;
    let q = DashboardQuery {
        period: q.period,
        reported: None,
    };
    let Some(d) = load(&s, &q).await? else {
        return Err(WebError::not_found("no_reports", NO_REPORTS));
    };
    let rows = visible_rows(pack, &v.role, &d.rows)
        .into_iter()
        .map(|r| api::DashboardRow {
            target: r.target.clone(),
            jurisdiction: r.jurisdiction.clone(),
            target_value: r.target_value.to_string(),
            actual: r.actual.map(|x| x.to_string()),
            completion: r.completion.map(|x| huiqi_progress::r4(x).to_string()),
            time_progress: r.time_progress.map(|x| huiqi_progress::r4(x).to_string()),
            status: r.status.label().to_string(),
            reason: r.reason.clone(),
        })
        .collect();
    let ranking = visible_ranking(&v.role, &d.ranking)
        .iter()
        .map(|r| api::RankItem {
            rank: r.rank as u64,
            jurisdiction: r.jurisdiction.clone(),
            score: r.score.to_string(),
        })
        .collect();
    let trend = trend_counts(pack, &v.role, &d.trend)
        .into_iter()
        .map(|(m, n)| api::TrendItem {
            period: m.to_string(),
            green: n[0] as u64,
            yellow: n[1] as u64,
            red: n[2] as u64,
        })
        .collect();
    let tasks = unit_tasks(pack, &v.role)
        .into_iter()
        .map(|t| api::UnitTask {
            article: t.article,
            title: t.title,
            units: t.units,
            legal_basis: t.basis,
        })
        .collect();
    Ok(Json(api::Dashboard {
        period: d.period.to_string(),
        rows,
        ranking,
        trend,
        tasks,
    })
    .into_response())
}

/// The report form's text fields (its files are the parts named `file`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportForm {
    target: String,
    jurisdiction: String,
    period: String,
    value: String,
    note: String,
}

async fn submit(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let up = crate::upload::read(
        mp,
        &format!(
            "附件超过上限，未报送：每个不超过 {} MB，最多 {} 个。",
            huiqi_app::files::MAX_BYTES / 1_048_576,
            app::MAX_REPORT_FILES
        ),
    )
    .await?;
    if !auth::csrf_ok(&v, up.csrf()) {
        return Err(WebError::csrf());
    }
    let f: ReportForm = up.form()?;
    let input = ReportInput {
        target: f.target,
        jurisdiction: f.jurisdiction,
        period: f.period,
        value: f.value,
        note: f.note,
        attachment: String::new(),
    };
    let reporter = format!("{}（{}）", v.display_name, v.role.name());
    let report = check_report(&s.read().pack, &v.role, &reporter, &input)?;
    let files = app::check_report_files(&up.files)?;
    let period = report.period.clone();
    app::save_report_with_files(&s.read().store, report, &files).await?;
    Ok(Redirect::to(&format!("/dashboard?period={period}&reported=1")).into_response())
}

/// The 调度表 of the month shown, as the viewer sees it, as an .xlsx download.
async fn export(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<DashboardApiQuery>,
) -> Result<Response, WebError> {
    let q = DashboardQuery {
        period: q.period,
        reported: None,
    };
    let Some(d) = load(&s, &q).await? else {
        return Err(WebError::not_found("no_reports", NO_REPORTS));
    };
    let pack = &s.read().pack;
    let rows = app::downloadable_rows(pack, &v.role, &d.rows);
    let ranking = visible_ranking(&v.role, &d.ranking);
    let scope = match v.role.unit() {
        Some(u) => pack.unit(u).map_or(u.to_string(), |x| x.name.clone()),
        None => s.read().jurisdiction_name(&scope_of(&v.role)),
    };
    let bytes = app::xlsx(pack, d.period, &scope, &rows, &ranking)?;
    Ok(crate::upload::xlsx(&app::xlsx_file_name(d.period), bytes))
}

/// A report's 附件, if the viewer may see the report.
async fn file(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(crate::upload::download(
        app::report_file(&s.read().store, &s.read().pack, &v.role, id).await?,
    ))
}
