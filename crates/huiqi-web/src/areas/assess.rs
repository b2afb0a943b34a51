//! 督办与考核 (articles 16–19): the supervision board (task × unit × jurisdiction, coloured; the
//! viewer's own lines for a county or a unit) with the report form and evidence upload, 督办单 and
//! their replies; the assessment table with its computation and its publication; the
//! incentive-fund ledger per county and its use report; the public page of published cases and
//! the published assessment. Who may do what is decided in `huiqi_app::assess`/`funds`.

use askama::Template;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use huiqi_app::accounts::Role;
use huiqi_app::assess::{self as app, OrderInput, ReportFilter, ReportInput, TaskRow};
use huiqi_app::funds::{self, Details};
use huiqi_assess::funds::Purpose;
use huiqi_assess::money::{from_fen, grouped, yuan};
use huiqi_assess::orders::OrderState;
use huiqi_assess::supervision::{Colour, ReportStatus};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api;
use crate::auth::{self, Viewer};
use crate::error::{Form, Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{ADMIN, Area, Link, Route, Rule, STAFF};
use crate::state::{Shared, WebState};

/// The largest evidence upload (the file and the form around it).
pub const MAX_EVIDENCE_UPLOAD: usize = crate::upload::body_limit(app::MAX_EVIDENCE_FILES);

pub const AREA: Area = Area {
    name: "督办与考核",
    routes: &[
        Route::get(
            "/supervision",
            STAFF,
            "督办：任务 × 责任单位 × 辖区（三色）",
            || get(board),
        ),
        Route::get(
            "/supervision.xlsx",
            STAFF,
            "督办表导出（.xlsx）",
            || get(board_xlsx),
        ),
        Route::get("/api/v1/supervision", STAFF, "督办表（JSON）", || {
            get(board_api)
        }),
        Route::post(
            "/supervision/report",
            STAFF,
            "报送任务进展（可附佐证材料）",
            || post(report).layer(DefaultBodyLimit::max(MAX_EVIDENCE_UPLOAD)),
        ),
        Route::get(
            "/supervision/files/{id}",
            Rule::Public,
            "佐证材料（本辖区、本单位或已发布的）",
            || get(file),
        ),
        Route::post("/supervision/orders", ADMIN, "发出督办单", || {
            post(order)
        }),
        Route::post(
            "/supervision/orders/{id}",
            STAFF,
            "督办单：答复、办结、退回重办、撤回",
            || post(order_action),
        ),
        Route::post(
            "/supervision/reports/{id}/publish",
            ADMIN,
            "发布或撤回典型案例、经验做法",
            || post(publish_report),
        ),
        Route::get("/assessment", STAFF, "考核结果及计算过程", || {
            get(assessment)
        }),
        Route::get(
            "/assessment.xlsx",
            STAFF,
            "考核结果导出（.xlsx）",
            || get(assessment_xlsx),
        ),
        Route::get(
            "/api/v1/assessment",
            STAFF,
            "考核结果（JSON）",
            || get(assessment_api),
        ),
        Route::post("/assessment/publish", ADMIN, "发布考核结果", || {
            post(publish_assessment)
        }),
        Route::get("/funds", STAFF, "奖补资金台账", || get(ledger)),
        Route::post(
            "/funds/entries",
            STAFF,
            "奖补资金记账（入账、支出、冲销、自筹支持）",
            || post(entry),
        ),
        Route::get(
            "/funds/report.xlsx",
            STAFF,
            "资金使用报告（.xlsx）",
            || get(use_report),
        ),
        Route::get(
            "/open",
            Rule::Public,
            "公开：典型案例、经验做法与考核结果",
            || get(open),
        ),
    ],
    links: &[
        Link {
            label: "督办",
            href: "/supervision",
            rule: STAFF,
        },
        Link {
            label: "考核",
            href: "/assessment",
            rule: Rule::Roles(&[
                huiqi_app::accounts::RoleKind::Admin,
                huiqi_app::accounts::RoleKind::County,
            ]),
        },
        Link {
            label: "奖补资金",
            href: "/funds",
            rule: Rule::Roles(&[
                huiqi_app::accounts::RoleKind::Admin,
                huiqi_app::accounts::RoleKind::County,
            ]),
        },
        Link {
            label: "典型案例与考核公示",
            href: "/open",
            rule: Rule::Public,
        },
    ],
};

/// Rows per page of the board.
const PAGE: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    /// `YYYY-MM` (default: last month).
    pub period: String,
    /// A jurisdiction id (the working group and units may filter).
    pub jurisdiction: String,
    /// `green`, `yellow`, `red`, `pending`.
    pub colour: String,
    /// 1-based page.
    pub page: usize,
    /// Set after a report or an order was saved.
    pub done: String,
    /// Prefills the 督办单 form: `task|unit|jurisdiction` and the period.
    pub order_line: String,
    pub order_period: String,
}

fn month_of(q: &BoardQuery) -> String {
    if q.period.trim().is_empty() {
        huiqi_progress::Month::of(app::today()).prev().to_string()
    } else {
        q.period.trim().to_string()
    }
}

async fn load(s: &WebState, v: &Viewer, q: &BoardQuery) -> Result<Vec<TaskRow>, WebError> {
    let j = Some(q.jurisdiction.trim()).filter(|j| !j.is_empty());
    let mut rows = app::tasks(s.read(), &v.role, &month_of(q), app::today(), j).await?;
    if let Some(c) = Colour::parse(q.colour.trim()) {
        rows.retain(|r| r.colour == c);
    }
    Ok(rows)
}

struct OrderView {
    id: i64,
    line: String,
    period: String,
    requirement: String,
    state: &'static str,
    awaiting: bool,
    replied: bool,
    due: String,
    history: Vec<String>,
}

struct ReportView {
    id: i64,
    line: String,
    period: String,
    kind: &'static str,
    status: &'static str,
    title: String,
    progress: String,
    reported_on: String,
    reporter: String,
    files: Vec<(i64, String)>,
    publishable: bool,
    published: bool,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct BoardPage {
    nav: Nav,
    is_admin: bool,
    period: String,
    jurisdiction: String,
    colour: String,
    jurisdictions: Vec<(String, String)>,
    counts: Vec<(&'static str, &'static str, usize)>,
    total: usize,
    rows: Vec<TaskRow>,
    page: usize,
    pages: usize,
    query: String,
    done: String,
    /// (value, label) of the lines the viewer may report on: `task|unit|jurisdiction`.
    lines: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    orders: Vec<OrderView>,
    reports: Vec<ReportView>,
    order_line: String,
    order_period: String,
}

fn line_label(s: &WebState, task: &str, unit: &Option<String>, j: &str) -> String {
    let pack = &s.read().pack;
    let title = pack
        .tasks
        .iter()
        .find(|t| t.id == task)
        .map_or(task.to_string(), |t| {
            format!("第{}条 {}", t.article, t.title)
        });
    let line = huiqi_assess::supervision::Line {
        task: task.to_string(),
        unit: unit.clone(),
        jurisdiction: j.to_string(),
    };
    format!(
        "{title} · {} · {}",
        app::unit_name(pack, &line),
        s.read().jurisdiction_name(j)
    )
}

async fn board(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, WebError> {
    let all = load(&s, &v, &q).await?;
    let counts = app::colour_counts(&all)
        .iter()
        .map(|(c, n)| (c.as_str(), c.label(), *n))
        .collect();
    let pages = all.len().div_ceil(PAGE).max(1);
    let page = q.page.clamp(1, pages);
    let total = all.len();
    let rows: Vec<TaskRow> = all.into_iter().skip((page - 1) * PAGE).take(PAGE).collect();
    let is_admin = v.role == Role::Admin;
    // What the viewer may report on: its lines (all of them, whatever the filter).
    let cfg = app::config(&s.read().pack)?;
    let lines = cfg
        .lines(&s.read().pack)
        .into_iter()
        .filter(|l| app::may_report(&v.role, l))
        .map(|l| {
            (
                format!(
                    "{}|{}|{}",
                    l.task,
                    l.unit.clone().unwrap_or_default(),
                    l.jurisdiction
                ),
                line_label(&s, &l.task, &l.unit, &l.jurisdiction),
            )
        })
        .collect();
    let orders = app::orders(s.read(), &v.role)
        .await?
        .into_iter()
        .take(50)
        .map(|o| OrderView {
            id: o.id,
            line: line_label(&s, &o.task, &o.unit, &o.jurisdiction),
            period: o.period.clone(),
            requirement: o.requirement.clone(),
            state: o.state.label(),
            awaiting: o.state.awaiting_reply(),
            replied: o.state == OrderState::Replied,
            due: o.due_on.to_string(),
            history: o
                .events
                .iter()
                .map(|e| {
                    format!(
                        "{} {}：{}{}",
                        e.on,
                        e.by,
                        e.to.label(),
                        if e.note.is_empty() {
                            String::new()
                        } else {
                            format!("（{}）", e.note)
                        }
                    )
                })
                .collect(),
        })
        .collect();
    let reports = app::reports(s.read(), &v.role, ReportFilter::default())
        .await?
        .into_iter()
        .take(30)
        .map(|r| ReportView {
            id: r.id,
            line: line_label(&s, &r.task, &r.unit, &r.jurisdiction),
            period: r.period.clone(),
            kind: r.kind.label(),
            status: r.status.label(),
            title: r.title.clone(),
            progress: r.progress.clone(),
            reported_on: r.reported_on.to_string(),
            reporter: r.reporter.clone(),
            files: r
                .files
                .iter()
                .map(|f| (f.id, f.file_name.clone()))
                .collect(),
            publishable: r.kind != huiqi_assess::supervision::ReportKind::Progress,
            published: r.published,
        })
        .collect();
    let period = month_of(&q);
    let query = format!(
        "period={}&jurisdiction={}&colour={}",
        period,
        q.jurisdiction.trim(),
        q.colour.trim()
    );
    render(BoardPage {
        nav: Nav::of(&s, &v),
        is_admin,
        period,
        jurisdiction: q.jurisdiction.trim().to_string(),
        colour: q.colour.trim().to_string(),
        jurisdictions: match &v.role {
            Role::County(_) => Vec::new(),
            _ => s.read().jurisdictions(),
        },
        counts,
        total,
        rows,
        page,
        pages,
        query,
        done: q.done.clone(),
        lines,
        statuses: ReportStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        orders,
        reports,
        order_line: q.order_line.clone(),
        order_period: q.order_period.clone(),
    })
}

async fn board_xlsx(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, WebError> {
    let rows = load(&s, &v, &q).await?;
    let title = format!(
        "督办表（{} 所在报告期，截至 {}）",
        month_of(&q),
        app::today()
    );
    xlsx("supervision.xlsx", app::tasks_xlsx(&title, &rows)?)
}

fn xlsx(name: &'static str, bytes: Vec<u8>) -> Result<Response, WebError> {
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                match name {
                    "assessment.xlsx" => "attachment; filename=\"assessment.xlsx\"",
                    "funds.xlsx" => "attachment; filename=\"funds.xlsx\"",
                    _ => "attachment; filename=\"supervision.xlsx\"",
                },
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The supervision board's query, for the API.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SupervisionQuery {
    /// `YYYY-MM` (default: last month): the lines of the period of their cycle containing it.
    #[param(value_type = Option<String>, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: String,
    /// A jurisdiction id (the working group and units may filter).
    #[param(value_type = Option<String>)]
    pub jurisdiction: String,
    /// `green`, `yellow`, `red`, `pending`.
    #[param(value_type = Option<String>)]
    pub colour: String,
}

/// The supervision board as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/supervision",
    params(SupervisionQuery),
    responses(
        (status = 200, description = "督办表：本角色可见的每条督办线及其颜色和理由", body = api::Supervision),
        (status = 400, description = api::BAD_REQUEST, body = api::ErrorBody),
        (status = 401, description = api::UNAUTHENTICATED, body = api::ErrorBody),
        (status = 403, description = api::FORBIDDEN, body = api::ErrorBody),
    )
)]
pub(crate) async fn board_api(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<SupervisionQuery>,
) -> Result<Response, WebError> {
    let q = BoardQuery {
        period: q.period,
        jurisdiction: q.jurisdiction,
        colour: q.colour,
        ..BoardQuery::default()
    };
    let rows = load(&s, &v, &q).await?;
    Ok(Json(api::Supervision {
        period: month_of(&q),
        rows: rows
            .into_iter()
            .map(|r| api::SupervisionRow {
                task: r.task,
                title: r.title,
                article: r.article,
                unit: r.unit,
                unit_name: r.unit_name,
                jurisdiction: r.jurisdiction,
                jurisdiction_name: r.jurisdiction_name,
                period: r.period,
                period_label: r.period_label,
                status: r.status.map(|x| x.as_str().to_string()),
                status_label: r.status_label,
                last_report: r.last_report.map(|d| d.to_string()),
                due: r.due.to_string(),
                colour: r.colour.as_str().to_string(),
                reason: r.reason,
                open_orders: r.open_orders,
                figures: r.figures.map(|f| {
                    serde_json::to_value(f)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
            })
            .collect(),
    })
    .into_response())
}

/// The board's query showing a reporting period (its last month), for the page after a form.
fn board_of(period: &str) -> String {
    huiqi_assess::supervision::CyclePeriod::parse(period)
        .map(|p| format!("period={}&", huiqi_progress::Month::of(p.end())))
        .unwrap_or_default()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportForm {
    line: String,
    period: String,
    kind: String,
    status: String,
    title: String,
    progress: String,
    measures: String,
    figures: String,
}

async fn report(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let up = crate::upload::read(
        mp,
        &format!(
            "佐证材料超过上限，未保存：每份不超过 {} MB，最多 {} 份。",
            app::MAX_EVIDENCE_BYTES / 1024 / 1024,
            app::MAX_EVIDENCE_FILES
        ),
    )
    .await?;
    if !auth::csrf_ok(&v, up.csrf()) {
        return Err(WebError::csrf());
    }
    let f: ReportForm = up.form()?;
    let line = f.line;
    let mut input = ReportInput {
        period: f.period,
        kind: f.kind,
        status: f.status,
        title: f.title,
        progress: f.progress,
        measures: f.measures,
        figures: f.figures,
        files: up.files,
        ..ReportInput::default()
    };
    let mut parts = line.splitn(3, '|');
    input.task = parts.next().unwrap_or("").to_string();
    input.unit = parts.next().unwrap_or("").to_string();
    input.jurisdiction = parts.next().unwrap_or("").to_string();
    let reporter = format!("{}（{}）", v.display_name, v.role.name());
    let back = board_of(&input.period);
    app::report(s.read(), &v.role, &reporter, input, app::today()).await?;
    Ok(Redirect::to(&format!("/supervision?{back}done=report#reported")).into_response())
}

async fn file(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(crate::upload::download(
        app::evidence(s.read(), &v.role, id).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OrderForm {
    csrf: Option<String>,
    line: String,
    period: String,
    requirement: String,
    due: String,
}

fn date(s: &str, what: &str) -> Result<Option<NaiveDate>, WebError> {
    match s.trim() {
        "" => Ok(None),
        d => d.parse().map(Some).map_err(|_| {
            WebError::bad_request(
                "bad_date",
                format!("{what}“{d}”不是日期：请写成 YYYY-MM-DD"),
            )
        }),
    }
}

async fn order(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<OrderForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let mut parts = f.line.splitn(3, '|');
    let input = OrderInput {
        task: parts.next().unwrap_or("").to_string(),
        unit: parts.next().unwrap_or("").to_string(),
        jurisdiction: parts.next().unwrap_or("").to_string(),
        period: f.period,
        requirement: f.requirement,
        due: date(&f.due, "答复期限")?,
    };
    let back = board_of(&input.period);
    app::issue_order(s.read(), &v.role, &v.display_name, input, app::today()).await?;
    Ok(Redirect::to(&format!("/supervision?{back}done=order#orders")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActionForm {
    csrf: Option<String>,
    action: String,
    note: String,
    due: String,
}

async fn order_action(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let due = date(&f.due, "新的答复期限")?;
    app::act_on_order(
        s.read(),
        &v.role,
        &v.display_name,
        id,
        &f.action,
        &f.note,
        due,
        app::today(),
    )
    .await?;
    Ok(Redirect::to("/supervision?done=order#orders").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PublishForm {
    csrf: Option<String>,
    /// `1` to publish, anything else to take back.
    publish: String,
    year: String,
}

async fn publish_report(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    app::publish_report(s.read(), &v.role, &v.display_name, id, f.publish == "1").await?;
    Ok(Redirect::to("/supervision?done=publish#reports").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    pub year: String,
    pub jurisdiction: String,
    pub done: String,
}

fn year_of(q: &str) -> Result<i32, WebError> {
    match q.trim() {
        "" => Ok(app::default_year(app::today())),
        y => y
            .parse()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                WebError::bad_request(
                    "bad_year",
                    format!("年度“{y}”无效：请写 2000 到 2100 之间的四位年份，如 2023"),
                )
            }),
    }
}

struct AssessRow {
    rank: usize,
    name: String,
    score: String,
    band: String,
    award: String,
    points: Vec<String>,
    score_how: String,
    award_how: String,
    lines: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    nav: Nav,
    is_admin: bool,
    year: i32,
    title: String,
    version: String,
    indicators: Vec<String>,
    rows: Vec<AssessRow>,
    pool: String,
    awarded: String,
    unallocated: String,
    remainder: String,
    published: String,
    done: String,
}

fn assess_rows(s: &WebState, a: &huiqi_assess::compute::Assessment) -> Vec<AssessRow> {
    a.rows
        .iter()
        .map(|r| AssessRow {
            rank: r.rank,
            name: s.read().jurisdiction_name(&r.jurisdiction),
            score: grouped(r.score, 2),
            band: r.band.clone(),
            award: yuan(r.award),
            points: r
                .indicators
                .iter()
                .map(|i| i.points.map_or("不计入".into(), |p| grouped(p, 2)))
                .collect(),
            score_how: r.score_how.clone(),
            award_how: r.award_how.clone(),
            lines: r
                .indicators
                .iter()
                .map(|i| (i.name.clone(), i.how.clone()))
                .collect(),
        })
        .collect()
}

async fn assessment(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(&q.year)?;
    let a = app::assessment(s.read(), &v.role, year, None, app::today()).await?;
    let published = match app::published_assessment(s.read(), year).await? {
        Some((row, _)) => format!(
            "已于 {} 发布（考核方案 {} 版）",
            (row.computed_at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M"),
            row.scheme_version
        ),
        None => "尚未发布".into(),
    };
    render(AssessmentPage {
        nav: Nav::of(&s, &v),
        is_admin: v.role == Role::Admin,
        year,
        title: a.scheme_title.clone(),
        version: a.scheme_version.clone(),
        indicators: a
            .rows
            .first()
            .map(|r| {
                r.indicators
                    .iter()
                    .map(|i| format!("{}（{} 分）", i.name, i.weight))
                    .collect()
            })
            .unwrap_or_default(),
        rows: assess_rows(&s, &a),
        pool: yuan(a.pool),
        awarded: yuan(a.awarded_total),
        unallocated: yuan(a.unallocated),
        remainder: a.remainder_rule.clone(),
        published,
        done: q.done.clone(),
    })
}

async fn assessment_xlsx(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(&q.year)?;
    let a = app::assessment(s.read(), &v.role, year, None, app::today()).await?;
    xlsx(
        "assessment.xlsx",
        app::assessment_xlsx(&s.read().pack, &a, None)?,
    )
}

/// The assessment's year, for the API.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    /// The assessed year (default: the last year).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: String,
}

/// The assessment as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/assessment",
    params(AssessmentQuery),
    responses(
        (status = 200, description = "该年度考核：得分、排名、等次、奖补及每项指标的计算过程（县区只得到本辖区）", body = api::Assessment),
        (status = 400, description = api::BAD_REQUEST, body = api::ErrorBody),
        (status = 401, description = api::UNAUTHENTICATED, body = api::ErrorBody),
        (status = 403, description = api::FORBIDDEN, body = api::ErrorBody),
        (status = 404, description = "政策包中没有该年度的考核方案（JSON：error、code）", body = api::ErrorBody),
    )
)]
pub(crate) async fn assessment_api(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, WebError> {
    let year = year_of(&q.year)?;
    let a = app::assessment(s.read(), &v.role, year, None, app::today()).await?;
    Ok(Json(api::Assessment::from(a)).into_response())
}

async fn publish_assessment(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<PublishForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let year = year_of(&f.year)?;
    app::publish_assessment(s.read(), &v.role, &v.display_name, year, app::today()).await?;
    Ok(Redirect::to(&format!("/assessment?year={year}&done=published")).into_response())
}

struct EntryView {
    id: i64,
    name: String,
    seq: i64,
    date: String,
    kind: &'static str,
    amount: String,
    purpose: &'static str,
    project: String,
    document: String,
    reverses: String,
    balance: String,
    reversible: bool,
}

struct BalanceView {
    id: String,
    name: String,
    awarded: String,
    spent: String,
    balance: String,
    own: String,
    by_purpose: Vec<String>,
}

#[derive(Template)]
#[template(path = "funds.html")]
struct FundsPage {
    nav: Nav,
    is_admin: bool,
    year: i32,
    purposes: Vec<(&'static str, &'static str)>,
    balances: Vec<BalanceView>,
    totals: (String, String, String, String),
    entries: Vec<EntryView>,
    jurisdictions: Vec<(String, String)>,
    done: String,
}

async fn ledger(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(&q.year)?;
    let balances = funds::balance(s.read(), &v.role, year).await?;
    if balances.is_empty() {
        return Err(WebError::forbidden("奖补资金台账只对工作专班和县区开放"));
    }
    let j = Some(q.jurisdiction.trim()).filter(|j| !j.is_empty());
    let entries = funds::ledger(s.read(), &v.role, Some(year), j).await?;
    let reversed: Vec<i64> = entries.iter().filter_map(|e| e.reverses).collect();
    let sum = |f: &dyn Fn(&funds::BalanceRow) -> Decimal| yuan(balances.iter().map(f).sum());
    render(FundsPage {
        nav: Nav::of(&s, &v),
        is_admin: v.role == Role::Admin,
        year,
        purposes: Purpose::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        totals: (
            sum(&|b| b.awarded),
            sum(&|b| b.spent),
            sum(&|b| b.balance),
            sum(&|b| b.own_funded),
        ),
        balances: balances
            .iter()
            .map(|b| BalanceView {
                id: b.jurisdiction.clone(),
                name: b.jurisdiction_name.clone(),
                awarded: yuan(b.awarded),
                spent: yuan(b.spent),
                balance: yuan(b.balance),
                own: yuan(b.own_funded),
                by_purpose: b.by_purpose.iter().map(|d| yuan(*d)).collect(),
            })
            .collect(),
        entries: entries
            .iter()
            .map(|e| EntryView {
                id: e.id,
                name: s.read().jurisdiction_name(&e.jurisdiction),
                seq: e.seq,
                date: e.date.to_string(),
                kind: e.kind.label(),
                amount: yuan(from_fen(e.amount_fen)),
                purpose: e.purpose.map_or("", Purpose::label),
                project: e.project.clone(),
                document: e.document_no.clone(),
                reverses: e
                    .reverses
                    .and_then(|r| entries.iter().find(|x| x.id == r))
                    .map_or(String::new(), |x| format!("冲销第 {} 笔", x.seq)),
                balance: yuan(from_fen(e.balance_after_fen)),
                reversible: e.kind != huiqi_assess::funds::EntryKind::Reversal
                    && !reversed.contains(&e.id)
                    && (v.role == Role::Admin || e.kind != huiqi_assess::funds::EntryKind::Award),
            })
            .collect(),
        jurisdictions: balances
            .iter()
            .map(|b| (b.jurisdiction.clone(), b.jurisdiction_name.clone()))
            .collect(),
        done: q.done.clone(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EntryForm {
    csrf: Option<String>,
    /// `spend`, `award`, `own` or `reverse`.
    kind: String,
    year: String,
    jurisdiction: String,
    date: String,
    amount: String,
    purpose: String,
    project: String,
    recipient: String,
    document: String,
    entry: String,
    reason: String,
}

async fn entry(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<EntryForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let year = year_of(&f.year)?;
    let day = date(&f.date, "日期")?.unwrap_or_else(app::today);
    let amount = || -> Result<Decimal, WebError> {
        f.amount
            .trim()
            .replace(',', "")
            .parse::<Decimal>()
            .map_err(|_| {
                WebError::bad_request(
                    "bad_amount",
                    format!(
                        "金额“{}”不是数字：请以元为单位填写，如 120000 或 3500.50",
                        huiqi_domain::text::quote(f.amount.trim())
                    ),
                )
            })
    };
    let details = Details {
        project: f.project.clone(),
        recipient: f.recipient.clone(),
        document_no: f.document.clone(),
        attachment: None,
        assessment_id: None,
    };
    let by = v.display_name.clone();
    match f.kind.as_str() {
        "award" => {
            funds::award(
                s.read(),
                &v.role,
                &by,
                &f.jurisdiction,
                year,
                day,
                amount()?,
                details,
            )
            .await?;
        }
        "spend" => {
            funds::spend(
                s.read(),
                &v.role,
                &by,
                &f.jurisdiction,
                year,
                day,
                amount()?,
                &f.purpose,
                details,
            )
            .await?;
        }
        "own" => {
            let purpose = Some(f.purpose.as_str()).filter(|p| !p.is_empty());
            funds::own_support(
                s.read(),
                &v.role,
                &by,
                &f.jurisdiction,
                year,
                day,
                amount()?,
                purpose,
                details,
            )
            .await?;
        }
        "reverse" => {
            let id = f.entry.trim().parse::<i64>().map_err(|_| {
                WebError::bad_request("bad_entry", format!("分录编号“{}”无效", f.entry.trim()))
            })?;
            funds::reverse(s.read(), &v.role, &by, id, day, &f.reason).await?;
        }
        other => {
            return Err(WebError::bad_request(
                "bad_kind",
                format!(
                    "记账类型“{other}”无效：只能是 award（入账）、spend（支出）、own（自筹支持）、reverse（冲销）"
                ),
            ));
        }
    }
    Ok(Redirect::to(&format!("/funds?year={year}&done=1#entries")).into_response())
}

async fn use_report(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(&q.year)?;
    let j = match (&v.role, q.jurisdiction.trim()) {
        (Role::County(c), "") => c.clone(),
        (_, j) => j.to_string(),
    };
    let (_, bytes) = funds::use_report(s.read(), &v.role, year, &j).await?;
    xlsx("funds.xlsx", bytes)
}

struct CaseView {
    kind: &'static str,
    title: String,
    place: String,
    text: String,
    date: String,
    files: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "open.html")]
struct OpenPage {
    nav: Nav,
    cases: Vec<CaseView>,
    year: i32,
    assessment: Option<(String, String, Vec<AssessRow>, String)>,
}

async fn open(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(&q.year)?;
    let cases = app::published_cases(s.read())
        .await?
        .into_iter()
        .map(|r| CaseView {
            kind: r.kind.label(),
            title: r.title.clone(),
            place: s.read().jurisdiction_name(&r.jurisdiction),
            text: r.progress.clone(),
            date: r.reported_on.to_string(),
            files: r
                .files
                .iter()
                .map(|f| (f.id, f.file_name.clone()))
                .collect(),
        })
        .collect();
    let assessment = app::published_assessment(s.read(), year)
        .await?
        .map(|(row, a)| {
            let mut rows = assess_rows(&s, &a);
            // The public sees the result, not the internal computation.
            for r in &mut rows {
                r.lines.clear();
            }
            (
                a.scheme_title.clone(),
                (row.computed_at + chrono::Duration::hours(8))
                    .format("%Y-%m-%d")
                    .to_string(),
                rows,
                yuan(a.awarded_total),
            )
        });
    render(OpenPage {
        nav: Nav::of(&s, &v),
        cases,
        year,
        assessment,
    })
}
