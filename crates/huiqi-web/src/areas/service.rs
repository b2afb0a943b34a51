//! 为企服务 (article 17; article 5's 前台综合受理): the enterprise raises, follows, confirms, reopens
//! and rates its problems on its own page; units and counties work their queue; the working group
//! sees the pool, the 清单's rates and the 通报, keeps the routing table and the channels' API keys;
//! 千名干部联万企 (visits and coverage); and the Open311 GeoReport v2 endpoints beside the native API.
//! Who may do what is decided in `huiqi_app::service`.

use askama::Template;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, NaiveTime, Utc};
use huiqi_app::accounts::Role;
use huiqi_app::assess::today;
use huiqi_app::service::{
    self as app, ActionInput, Channel, GroupBy, Intake, Origin, ProblemView, PublicFilter,
    QueueQuery, RateRow,
};
use huiqi_service::{Action, State as PState};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, Viewer};
use crate::error::{Form, Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{ADMIN, Area, Link, Route, Rule, SIGNED_IN, STAFF};
use crate::state::{Shared, WebState};

/// The largest upload of a problem (five attachments of 10 MB and the form).
pub const MAX_PROBLEM_UPLOAD: usize = crate::upload::body_limit(app::MAX_ATTACHMENTS);

pub const AREA: Area = Area {
    name: "为企服务",
    routes: &[
        Route::get(
            "/service",
            SIGNED_IN,
            "为企服务：企业的问题、单位和县区的待办、工作专班的问题池",
            || get(queue),
        ),
        Route::post(
            "/service/problems",
            SIGNED_IN,
            "提交或登记一个问题（可附材料）",
            || post(raise).layer(DefaultBodyLimit::max(MAX_PROBLEM_UPLOAD)),
        ),
        Route::get(
            "/service/problems/{id}",
            SIGNED_IN,
            "一个问题的详情与办理记录",
            || get(detail),
        ),
        Route::get(
            "/service/problems/{id}/files/{file}",
            SIGNED_IN,
            "下载问题的附件（能看到该问题的才能下载）",
            || get(attachment),
        ),
        Route::post(
            "/service/problems/{id}/act",
            SIGNED_IN,
            "办理：交办、签收、转办、答复、确认、重办、评价等",
            || post(act),
        ),
        Route::get(
            "/service/stats",
            STAFF,
            "清单：办结率、解决率、按时办结率、满意率等",
            || get(stats),
        ),
        Route::get(
            "/service.xlsx",
            STAFF,
            "问题清单与办理统计（.xlsx）",
            || get(export),
        ),
        Route::post("/service/routes", ADMIN, "调整交办表", || {
            post(set_route)
        }),
        Route::post(
            "/service/keys",
            ADMIN,
            "为渠道创建接口密钥",
            || post(create_key),
        ),
        Route::get(
            "/service/visits",
            STAFF,
            "千名干部联万企：走访与覆盖率",
            || get(visits),
        ),
        Route::post(
            "/service/visits",
            STAFF,
            "登记走访（可同时登记问题）",
            || post(add_visit),
        ),
        Route::post(
            "/service/visits/assign",
            STAFF,
            "批量安排联企干部（上传 .xlsx/.csv）",
            || {
                post(assign_upload).layer(DefaultBodyLimit::max(
                    huiqi_app::imports::MAX_FILE_BYTES + 64 * 1024,
                ))
            },
        ),
        Route::get(
            "/service/visits/assign-template.xlsx",
            STAFF,
            "联企干部安排模板（.xlsx）",
            || get(assign_template),
        ),
        Route::get(
            "/api/v1/service/problems",
            SIGNED_IN,
            "问题清单（JSON，按角色与范围）",
            || get(queue_api),
        ),
        Route::get(
            "/api/v1/service/stats",
            STAFF,
            "办理统计（JSON）",
            || get(stats_api),
        ),
        Route::get(
            "/open311/v2/services.json",
            Rule::Public,
            "Open311 GeoReport v2：服务（问题类别）列表",
            || get(o311_services),
        ),
        Route::get(
            "/open311/v2/services/{code}",
            Rule::Public,
            "Open311 GeoReport v2：服务定义（{code}.json）",
            || get(o311_service),
        ),
        Route::post(
            "/open311/v2/requests.json",
            Rule::Public,
            "Open311 GeoReport v2：提交问题（需渠道的 api_key）",
            || post(o311_post),
        ),
        Route::get(
            "/open311/v2/requests.json",
            Rule::Public,
            "Open311 GeoReport v2：公开问题列表（默认近 90 天）",
            || get(o311_requests),
        ),
        Route::get(
            "/open311/v2/requests/{id}",
            Rule::Public,
            "Open311 GeoReport v2：一个公开问题（{id}.json）",
            || get(o311_request),
        ),
    ],
    links: &[
        Link {
            label: "为企服务",
            href: "/service",
            rule: SIGNED_IN,
        },
        Link {
            label: "服务清单",
            href: "/service/stats",
            rule: STAFF,
        },
    ],
};

fn is_staff(r: &Role) -> bool {
    matches!(r, Role::Admin | Role::Unit(_) | Role::County(_))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct QueueQ {
    /// `all`: closed ones too (default: open only for staff, all for an enterprise).
    show: String,
    state: String,
    category: String,
    county: String,
    page: i64,
    done: String,
}

struct Row {
    p: ProblemView,
    colour: &'static str,
    due_label: &'static str,
}

fn row(p: ProblemView) -> Row {
    let (colour, due_label) = match p.due {
        Some(d) => (d.as_str(), d.label()),
        None => ("none", ""),
    };
    Row {
        p,
        colour,
        due_label,
    }
}

#[derive(Template)]
#[template(path = "service.html")]
struct QueuePage {
    nav: Nav,
    role: &'static str,
    title: String,
    rows: Vec<Row>,
    total: String,
    page: i64,
    pages: i64,
    query: String,
    show_all: bool,
    red: usize,
    yellow: usize,
    done: String,
    categories: Vec<(String, String, u32)>,
    counties: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    state: String,
    category: String,
    county: String,
    /// The enterprise's own registered name (enterprise role).
    own: String,
    routing: Vec<(String, String, String, String)>,
    units: Vec<(String, String)>,
}

async fn load_queue(
    s: &WebState,
    v: &Viewer,
    q: &QueueQ,
    per_page: i64,
) -> Result<app::Queue, WebError> {
    // 视为解决 is due before anyone looks at the queue.
    // A write on a GET: on the primary (s.app), whatever this request reads from.
    app::auto_resolve(&s.app, today(), Utc::now()).await?;
    let enterprise = matches!(v.role, Role::Enterprise(_));
    let state = match q.state.trim() {
        "" => None,
        x => Some(PState::parse(x).ok_or_else(|| {
            WebError::bad_request(
                "bad_state",
                format!("状态“{x}”无效：可选 {}", PState::ids()),
            )
        })?),
    };
    let qq = QueueQuery {
        open_only: !enterprise && q.show != "all" && state.is_none(),
        state,
        category: Some(q.category.trim().to_string()).filter(|c| !c.is_empty()),
        county: Some(q.county.trim().to_string()).filter(|c| !c.is_empty()),
        page: q.page.max(1),
        per_page,
    };
    Ok(app::queue(s.read(), &v.role, &qq, today()).await?)
}

async fn queue(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<QueueQ>,
) -> Result<Response, WebError> {
    let list = load_queue(&s, &v, &q, 50).await?;
    let cfg = app::config(s.read())?;
    let title = match &v.role {
        Role::Admin => "问题池（工作专班）".to_string(),
        Role::Unit(u) => format!(
            "{}的待办",
            s.read()
                .pack
                .unit(u)
                .map_or(u.as_str(), |x| x.name.as_str())
        ),
        Role::County(c) => format!("{}的问题", s.read().jurisdiction_name(c)),
        Role::Enterprise(_) => "我的问题".to_string(),
        Role::Anonymous => String::new(),
    };
    let own = match &v.role {
        Role::Enterprise(u) => app::enterprise_name(s.read(), u.as_str()).await?,
        _ => String::new(),
    };
    let pages = ((list.total + 49) / 50).max(1);
    let query = format!(
        "show={}&state={}&category={}&county={}",
        q.show.trim(),
        q.state.trim(),
        q.category.trim(),
        q.county.trim()
    );
    let routing = if v.role == Role::Admin {
        app::routing_table(s.read()).await?
    } else {
        Vec::new()
    };
    render(QueuePage {
        nav: Nav::of(&s, &v),
        role: v.role.name(),
        title,
        total: huiqi_domain::numbers::count(list.total),
        page: list.page,
        pages,
        query,
        show_all: q.show == "all",
        red: list.red,
        yellow: list.yellow,
        rows: list.rows.into_iter().map(row).collect(),
        done: q.done.clone(),
        categories: cfg
            .categories
            .iter()
            .map(|c| (c.id.clone(), c.name.clone(), c.limit_workdays))
            .collect(),
        counties: s.read().jurisdictions(),
        states: PState::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        state: q.state.trim().to_string(),
        category: q.category.trim().to_string(),
        county: q.county.trim().to_string(),
        own,
        routing,
        units: s
            .app
            .pack
            .units
            .iter()
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect(),
    })
}

/// The problems the viewer may see (open ones for officials), as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/service/problems",
    responses(
        (status = 200, description = "问题清单（按角色与范围：单位为交办给它的，县区为本辖区的，企业为本企业的）", body = crate::api::ServiceQueue),
        (status = 400, description = crate::api::BAD_REQUEST, body = crate::api::ErrorBody),
        (status = 401, description = crate::api::UNAUTHENTICATED, body = crate::api::ErrorBody),
        (status = 403, description = crate::api::FORBIDDEN, body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn queue_api(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<QueueQ>,
) -> Result<Response, WebError> {
    let list = load_queue(&s, &v, &q, 100).await?;
    Ok(Json(crate::api::ServiceQueue::from(list)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RaiseForm {
    uscc: String,
    enterprise_name: String,
    county: String,
    category: String,
    title: String,
    description: String,
    contact_name: String,
    contact_phone: String,
    public: String,
    channel: String,
    source_ref: String,
}

async fn raise(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let up = crate::upload::read(
        mp,
        &format!(
            "附件合计超过上限，未保存：每个附件不超过 10 MB，最多 {} 个。",
            app::MAX_ATTACHMENTS
        ),
    )
    .await?;
    if !auth::csrf_ok(&v, up.csrf()) {
        return Err(WebError::csrf());
    }
    let f: RaiseForm = up.form()?;
    let channel = f.channel;
    let mut input = Intake {
        uscc: f.uscc,
        enterprise_name: f.enterprise_name,
        county: f.county,
        category: f.category,
        title: f.title,
        description: f.description,
        contact_name: f.contact_name,
        contact_phone: f.contact_phone,
        public: f.public == "1" || f.public == "on",
        source_ref: f.source_ref,
        attachments: up.files,
    };
    let channel = match &v.role {
        Role::Enterprise(u) => {
            input.uscc = u.as_str().to_string();
            Channel::EnterprisePage
        }
        _ => Channel::parse(channel.trim()).unwrap_or(Channel::FrontDesk),
    };
    let by = format!("{}（{}）", v.display_name, v.role.name());
    let out = app::intake(
        s.read(),
        &Origin::Viewer(v.role.clone(), channel),
        &by,
        &input,
        today(),
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/service/problems/{}?done=raised", out.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DetailQ {
    done: String,
    /// How many rows an upload kept (`done=assign`).
    n: u64,
}

#[derive(Template)]
#[template(path = "service_problem.html")]
struct DetailPage {
    nav: Nav,
    d: app::ProblemDetail,
    colour: &'static str,
    due_label: &'static str,
    staff: bool,
    enterprise: bool,
    actions: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    files: Vec<crate::upload::FileLink>,
    done: String,
}

async fn attachment(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    Ok(crate::upload::download(
        app::attachment(s.read(), &v.role, id, file).await?,
    ))
}

async fn detail(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
    Query(q): Query<DetailQ>,
) -> Result<Response, WebError> {
    let d = app::problem(s.read(), &v.role, id, today()).await?;
    let (colour, due_label) = match d.problem.due {
        Some(x) => (x.as_str(), x.label()),
        None => ("none", ""),
    };
    render(DetailPage {
        nav: Nav::of(&s, &v),
        colour,
        due_label,
        staff: is_staff(&v.role),
        enterprise: matches!(v.role, Role::Enterprise(_)),
        actions: d.actions.iter().map(|a| (a.as_str(), a.label())).collect(),
        units: s
            .app
            .pack
            .units
            .iter()
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect(),
        files: d
            .attachments
            .iter()
            .map(|m| crate::upload::FileLink::of(&format!("/service/problems/{id}/files"), m))
            .collect(),
        d,
        done: q.done,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActForm {
    csrf: Option<String>,
    action: String,
    note: String,
    target: String,
    rating: String,
    days: String,
    original: String,
}

async fn act(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let action = Action::parse(f.action.trim()).ok_or_else(|| {
        WebError::bad_request("bad_action", format!("操作“{}”无效", f.action.trim()))
    })?;
    let num = |x: &str, what: &str| -> Result<Option<i64>, WebError> {
        match x.trim() {
            "" => Ok(None),
            t => t
                .parse::<i64>()
                .map(Some)
                .map_err(|_| WebError::bad_request("bad_number", format!("{what}“{t}”不是整数"))),
        }
    };
    let input = ActionInput {
        note: f.note,
        target: f.target,
        rating: num(&f.rating, "评分")?.map(|r| r.clamp(0, 255) as u8),
        extension_workdays: num(&f.days, "延期工作日")?.map(|d| d.clamp(0, 10_000) as u32),
        original: num(&f.original, "原问题编号")?,
    };
    let by = format!("{}（{}）", v.display_name, v.role.name());
    app::act(
        s.read(),
        &v.role,
        &by,
        id,
        action,
        &input,
        today(),
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/service/problems/{id}?done={}", action.as_str())).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StatsQ {
    by: String,
    year: i32,
}

#[derive(Template)]
#[template(path = "service_stats.html")]
struct StatsPage {
    nav: Nav,
    by: String,
    year: i32,
    rows: Vec<RateRow>,
    bulletin: Option<app::Bulletin>,
    open_total: String,
    is_admin: bool,
    /// 临期 and 逾期 problems (the reminder and the escalation to the unit's head and the
    /// working group), the most urgent first.
    alerts: Vec<Row>,
    overdue: String,
    due_soon: String,
    remind_until: NaiveDate,
}

async fn load_stats(
    s: &WebState,
    v: &Viewer,
    q: &StatsQ,
) -> Result<(GroupBy, i32, Vec<RateRow>), WebError> {
    let by = app::group_by(q.by.trim())?;
    let year = if q.year == 0 { today().year() } else { q.year };
    if !(2000..=2100).contains(&year) {
        return Err(WebError::bad_request(
            "bad_year",
            format!("年度 {year} 无效"),
        ));
    }
    // A write on a GET: on the primary (s.app), whatever this request reads from.
    app::auto_resolve(&s.app, today(), Utc::now()).await?;
    Ok((
        by,
        year,
        app::rates(s.read(), &v.role, by, year, today()).await?,
    ))
}

async fn stats(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<StatsQ>,
) -> Result<Response, WebError> {
    let (_, year, rows) = load_stats(&s, &v, &q).await?;
    let bulletin = if v.role == Role::Admin {
        Some(app::bulletin(s.read(), &v.role, today()).await?)
    } else {
        None
    };
    let open = app::queue(
        s.read(),
        &v.role,
        &QueueQuery {
            open_only: true,
            per_page: 1,
            ..Default::default()
        },
        today(),
    )
    .await?;
    let alerts = app::alerts(s.read(), &v.role, today(), 50).await?;
    render(StatsPage {
        nav: Nav::of(&s, &v),
        by: if q.by.trim().is_empty() {
            "unit".into()
        } else {
            q.by.trim().to_string()
        },
        year,
        rows,
        bulletin,
        open_total: huiqi_domain::numbers::count(open.total),
        is_admin: v.role == Role::Admin,
        overdue: huiqi_domain::numbers::count(alerts.overdue),
        due_soon: huiqi_domain::numbers::count(alerts.due_soon),
        remind_until: alerts.remind_until,
        alerts: alerts.rows.into_iter().map(row).collect(),
    })
}

/// The 清单's rates (办结率, 解决率, on time, satisfaction …) of a year, as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/service/stats",
    responses(
        (status = 200, description = "办理统计：每行一个单位（县区、类别或月份），含受理、办结、解决、按时、评价等计数与比率，最后一行为合计", body = crate::api::ServiceStats),
        (status = 400, description = crate::api::BAD_REQUEST, body = crate::api::ErrorBody),
        (status = 401, description = crate::api::UNAUTHENTICATED, body = crate::api::ErrorBody),
        (status = 403, description = crate::api::FORBIDDEN, body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn stats_api(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<StatsQ>,
) -> Result<Response, WebError> {
    let (_, year, rows) = load_stats(&s, &v, &q).await?;
    Ok(Json(crate::api::ServiceStats {
        year,
        rows: rows.into_iter().map(Into::into).collect(),
    })
    .into_response())
}

async fn export(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<StatsQ>,
) -> Result<Response, WebError> {
    let (_, year, rows) = load_stats(&s, &v, &q).await?;
    let open = app::queue(
        s.read(),
        &v.role,
        &QueueQuery {
            open_only: true,
            per_page: 500,
            ..Default::default()
        },
        today(),
    )
    .await?;
    let bytes = app::xlsx(
        &format!("为企服务问题清单（在办 {} 个）", open.total),
        today(),
        &open.rows,
        &rows,
    )?;
    let _ = year;
    Ok(crate::upload::xlsx(
        &format!("为企服务问题清单-{}.xlsx", today()),
        bytes,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RouteForm {
    csrf: Option<String>,
    category: String,
    county: String,
    handler: String,
}

async fn set_route(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<RouteForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let by = format!("{}（{}）", v.display_name, v.role.name());
    app::set_route(
        s.read(),
        &v.role,
        &by,
        &f.category,
        &f.county,
        &f.handler,
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to("/service?done=route#routing").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KeyForm {
    csrf: Option<String>,
    channel: String,
    name: String,
}

#[derive(Template)]
#[template(path = "service_key.html")]
struct KeyPage {
    nav: Nav,
    channel: String,
    key: String,
}

async fn create_key(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<KeyForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let by = format!("{}（{}）", v.display_name, v.role.name());
    let key = app::create_api_key(s.read(), &v.role, &by, &f.channel, &f.name, Utc::now()).await?;
    render(KeyPage {
        nav: Nav::of(&s, &v),
        channel: f.channel.trim().to_string(),
        key,
    })
}

#[derive(Template)]
#[template(path = "service_visits.html")]
struct VisitsPage {
    nav: Nav,
    from: NaiveDate,
    to: NaiveDate,
    coverage: Vec<(String, String, String, String, String)>,
    total: (String, String, String),
    visits: Vec<(NaiveDate, String, String, String, String)>,
    can_coverage: bool,
    categories: Vec<(String, String)>,
    done: String,
    /// After an assignment upload: how many links were kept (with 千分位).
    assigned: String,
}

async fn visits(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<DetailQ>,
) -> Result<Response, WebError> {
    let t = today();
    let can_coverage = matches!(v.role, Role::Admin | Role::County(_));
    let (from, to, cov) = if can_coverage {
        app::coverage(s.read(), &v.role, t).await?
    } else {
        (t, t, Vec::new())
    };
    let (mut a, mut b) = (0i64, 0i64);
    let coverage = cov
        .iter()
        .map(|c| {
            a += c.assigned;
            b += c.visited;
            (
                c.official.clone(),
                s.read().jurisdiction_name(&c.county),
                huiqi_domain::numbers::count(c.assigned),
                huiqi_domain::numbers::count(c.visited),
                pct(c.visited, c.assigned),
            )
        })
        .collect();
    let first = NaiveDate::from_ymd_opt(t.year() - 1, t.month(), 1).unwrap_or(t);
    let visits = app::visit_log(s.read(), &v.role, first, t, 100)
        .await?
        .into_iter()
        .map(|x| {
            (
                x.visited_on,
                x.official,
                s.read().jurisdiction_name(&x.county),
                x.uscc,
                x.discussed,
            )
        })
        .collect();
    let cfg = app::config(s.read())?;
    render(VisitsPage {
        nav: Nav::of(&s, &v),
        from,
        to,
        coverage,
        total: (
            huiqi_domain::numbers::count(a),
            huiqi_domain::numbers::count(b),
            pct(b, a),
        ),
        visits,
        can_coverage,
        categories: cfg
            .categories
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
        done: q.done,
        assigned: huiqi_domain::text::thousands(q.n),
    })
}

fn pct(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        let tenths = (n * 1000 + d / 2) / d;
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VisitForm {
    csrf: Option<String>,
    official: String,
    uscc: String,
    visited_on: String,
    discussed: String,
    category: String,
    title: String,
    description: String,
    public: String,
}

async fn add_visit(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<VisitForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let on: NaiveDate = f.visited_on.trim().parse().map_err(|_| {
        WebError::bad_request(
            "bad_date",
            format!("走访日期“{}”无效：请写 YYYY-MM-DD", f.visited_on.trim()),
        )
    })?;
    let problems = if f.category.trim().is_empty() {
        vec![]
    } else {
        vec![Intake {
            category: f.category,
            title: f.title,
            description: f.description,
            public: f.public == "1" || f.public == "on",
            ..Default::default()
        }]
    };
    let by = format!("{}（{}）", v.display_name, v.role.name());
    app::log_visit(
        s.read(),
        &v.role,
        &by,
        &f.official,
        &f.uscc,
        on,
        &f.discussed,
        &problems,
        today(),
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to("/service/visits?done=visit").into_response())
}

/// The upload of 千名干部联万企's assignments: the working group for any county, a county for its
/// own; every row is checked by huiqi-ingest's bounded reader and nothing is kept if one is bad.
async fn assign_upload(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let too_large = format!(
        "文件超过 {} MB，未安排任何联企关系：请拆分后分批上传。",
        huiqi_app::imports::MAX_FILE_BYTES / 1024 / 1024
    );
    let mut up = crate::upload::read(mp, &too_large).await?;
    if !auth::csrf_ok(&v, up.csrf()) {
        return Err(WebError::csrf());
    }
    let Some((file_name, bytes)) = up.files.pop() else {
        return Err(WebError::bad_request(
            "no_file",
            "未选择文件：请选择联企干部名单（.xlsx、.xls 或 .csv）后再上传。",
        ));
    };
    let file = huiqi_app::imports::open_upload(file_name, bytes).await?;
    let by = format!("{}（{}）", v.display_name, v.role.name());
    let n = app::assign_file(s.read(), &v.role, &by, &file, today()).await?;
    Ok(Redirect::to(&format!("/service/visits?done=assign&n={n}")).into_response())
}

async fn assign_template(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    let bytes = app::assign_template(s.read(), &v.role)?;
    Ok(crate::upload::xlsx("联企干部名单模板.xlsx", bytes))
}

// ---- Open311 GeoReport v2 -------------------------------------------------------------------

/// An Open311 error: `[{"code": status, "description": "…"}]` with that status.
fn o311_error(status: StatusCode, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!([{"code": status.as_u16(), "description": description.into()}])),
    )
        .into_response()
}

fn o311_app_error(e: huiqi_app::AppError) -> Response {
    let status = match &e {
        huiqi_app::AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        huiqi_app::AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ if e.is_input() => StatusCode::BAD_REQUEST,
        _ => {
            tracing::error!(detail = %e, "Open311 内部错误");
            return o311_error(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误");
        }
    };
    o311_error(status, e.to_string())
}

fn strip_json(s: &str) -> Option<&str> {
    s.strip_suffix(".json")
}

async fn o311_services(State(s): State<Shared>) -> Response {
    match app::config(s.read()) {
        Ok(cfg) => Json(
            cfg.categories
                .iter()
                .map(|c| {
                    json!({
                        "service_code": c.id,
                        "service_name": c.name,
                        "description": format!("{}（办理时限 {} 个工作日：{}）", c.name, c.limit_workdays, c.limit_basis),
                        "metadata": true,
                        "type": "realtime",
                        "keywords": "为企服务,小微企业",
                        "group": "为企服务",
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => o311_app_error(e),
    }
}

async fn o311_service(State(s): State<Shared>, Path(code): Path<String>) -> Response {
    let Some(code) = strip_json(&code) else {
        return o311_error(
            StatusCode::NOT_FOUND,
            "只提供 JSON 格式：请求 services/{service_code}.json",
        );
    };
    let cfg = match app::config(s.read()) {
        Ok(c) => c,
        Err(e) => return o311_app_error(e),
    };
    let Some(c) = cfg.category(code) else {
        return o311_error(StatusCode::NOT_FOUND, format!("没有服务 {code}"));
    };
    let counties: Vec<Value> = s
        .app
        .pack
        .jurisdictions
        .iter()
        .map(|j| json!({"key": j.id, "name": j.name}))
        .collect();
    Json(json!({
        "service_code": c.id,
        "attributes": [
            {"variable": true, "code": "uscc", "datatype": "string", "required": true,
             "datatype_description": "18 位统一社会信用代码", "order": 1, "description": "企业统一社会信用代码"},
            {"variable": true, "code": "title", "datatype": "string", "required": false,
             "datatype_description": "不超过 60 字", "order": 2, "description": "问题标题（缺省取描述前 30 字）"},
            {"variable": true, "code": "enterprise_name", "datatype": "string", "required": false,
             "datatype_description": "企业不在企业库中时必填", "order": 3, "description": "企业名称"},
            {"variable": true, "code": "county", "datatype": "singlevaluelist", "required": false,
             "datatype_description": "企业不在企业库中时必填", "order": 4, "description": "所在县区", "values": counties},
            {"variable": true, "code": "public", "datatype": "singlevaluelist", "required": false,
             "datatype_description": "缺省不公开", "order": 5, "description": "是否公开（公开查询不含联系人和电话）",
             "values": [{"key": "true", "name": "公开"}, {"key": "false", "name": "不公开"}]},
            {"variable": true, "code": "source_ref", "datatype": "string", "required": false,
             "datatype_description": "如 12345 工单号", "order": 6, "description": "渠道记录编号"}
        ]
    }))
    .into_response()
}

async fn o311_post(State(s): State<Shared>, body: axum::body::Bytes) -> Response {
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(p) => p,
        Err(e) => {
            return o311_error(
                StatusCode::BAD_REQUEST,
                format!("请求体须为 application/x-www-form-urlencoded：{e}"),
            );
        }
    };
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let key = get("api_key");
    if key.trim().is_empty() {
        return o311_error(
            StatusCode::FORBIDDEN,
            "缺少 api_key：提交问题须使用工作专班为渠道创建的密钥",
        );
    }
    let channel = match app::api_channel(s.read(), &key).await {
        Ok(c) => c,
        Err(e) => return o311_app_error(e),
    };
    let code = get("service_code");
    if code.trim().is_empty() {
        return o311_error(StatusCode::BAD_REQUEST, "缺少 service_code");
    }
    let description = get("description");
    let mut title = get("attribute[title]");
    if title.trim().is_empty() {
        title = description.chars().take(30).collect();
    }
    let name = [get("last_name"), get("first_name")].concat();
    let input = Intake {
        uscc: get("attribute[uscc]"),
        enterprise_name: get("attribute[enterprise_name]"),
        county: get("attribute[county]"),
        category: code,
        title,
        description,
        contact_name: name,
        contact_phone: get("phone"),
        public: get("attribute[public]") == "true",
        attachments: Vec::new(),
        source_ref: get("attribute[source_ref]"),
    };
    match app::intake(s.read(), &Origin::ApiKey(channel.clone()), &format!("接口:{channel}"), &input, today(), Utc::now()).await {
        Ok(out) => Json(json!([{
            "service_request_id": out.id.to_string(),
            "service_notice": format!("已受理，承办：{}，办理期限 {}（{}）", out.handler_name, out.deadline, out.limit_basis),
            "account_id": Value::Null,
        }]))
        .into_response(),
        Err(e) => o311_app_error(e),
    }
}

/// A day's end in China as an ISO 8601 time with offset (+08:00).
fn iso_day(d: NaiveDate, end: bool) -> String {
    let t = if end {
        NaiveTime::from_hms_opt(17, 30, 0)
    } else {
        NaiveTime::from_hms_opt(9, 0, 0)
    }
    .unwrap_or_default();
    format!("{}T{}+08:00", d, t.format("%H:%M:%S"))
}

fn o311_view(s: &WebState, p: &ProblemView) -> Value {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let closed = !p.state.is_open();
    // The public view: the category, the text, the office, the dates and the state; never the
    // enterprise's code or name, a contact person or a phone number.
    json!({
        "service_request_id": p.id.to_string(),
        "status": if closed { "closed" } else { "open" },
        "status_notes": p.state_label,
        "service_name": p.category_name,
        "service_code": p.category,
        "description": p.description,
        "agency_responsible": p.handler_name,
        "service_notice": format!("办理期限 {} 个工作日", p.limit_workdays + p.extension_workdays),
        "requested_datetime": p.received_at.with_timezone(&china).to_rfc3339(),
        "updated_datetime": p.updated_at.with_timezone(&china).to_rfc3339(),
        "expected_datetime": iso_day(p.deadline, true),
        "address": s.read().jurisdiction_name(&p.county),
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": Value::Null,
        "long": Value::Null,
        "media_url": Value::Null,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct O311Q {
    service_request_id: String,
    service_code: String,
    start_date: String,
    end_date: String,
    status: String,
}

fn parse_dt(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let china = chrono::FixedOffset::east_opt(8 * 3600)?;
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&china).date_naive())
        .or_else(|| s.get(..10).and_then(|d| d.parse().ok()))
}

async fn o311_requests(State(s): State<Shared>, Query(q): Query<O311Q>) -> Response {
    let t = today();
    let mut f = PublicFilter {
        category: Some(q.service_code.trim().to_string()).filter(|c| !c.is_empty()),
        ..Default::default()
    };
    for id in q
        .service_request_id
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
    {
        match id.parse::<i64>() {
            Ok(n) => f.ids.push(n),
            Err(_) => {
                return o311_error(
                    StatusCode::BAD_REQUEST,
                    format!("service_request_id “{id}” 无效"),
                );
            }
        }
    }
    for (name, text, slot) in [
        ("start_date", q.start_date.trim(), &mut f.from),
        ("end_date", q.end_date.trim(), &mut f.to),
    ] {
        if !text.is_empty() {
            match parse_dt(text) {
                Some(d) => *slot = Some(d),
                None => {
                    return o311_error(
                        StatusCode::BAD_REQUEST,
                        format!("{name} “{text}” 不是 ISO 8601 时间"),
                    );
                }
            }
        }
    }
    // Without dates: the last 90 days, as the standard says.
    if f.ids.is_empty() && f.from.is_none() && f.to.is_none() {
        f.from = Some(t - chrono::Days::new(90));
    }
    let status = q.status.trim();
    if !matches!(status, "" | "open" | "closed") {
        return o311_error(StatusCode::BAD_REQUEST, "status 只能是 open 或 closed");
    }
    match app::public_requests(s.read(), &f, t).await {
        Ok(rows) => Json(
            rows.iter()
                .map(|p| o311_view(&s, p))
                .filter(|r| status.is_empty() || r["status"] == status)
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => o311_app_error(e),
    }
}

async fn o311_request(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(id) = strip_json(&id).and_then(|i| i.parse::<i64>().ok()) else {
        return o311_error(
            StatusCode::NOT_FOUND,
            "请求 requests/{service_request_id}.json",
        );
    };
    let f = PublicFilter {
        ids: vec![id],
        ..Default::default()
    };
    match app::public_requests(s.read(), &f, today()).await {
        Ok(rows) if !rows.is_empty() => {
            Json(rows.iter().map(|p| o311_view(&s, p)).collect::<Vec<_>>()).into_response()
        }
        Ok(_) => o311_error(StatusCode::NOT_FOUND, format!("没有公开的问题 {id}")),
        Err(e) => o311_app_error(e),
    }
}
