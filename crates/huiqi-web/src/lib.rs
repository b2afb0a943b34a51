//! The web platform: server-rendered Simplified Chinese pages (askama, compiled and escaped
//! at build time), one auth boundary (`auth`), and one table of routes with their access
//! rules (`ROUTES`): the router is built from that table, so no route exists without a
//! rule, and a guard enforces the rule before any handler runs. Scope (county, enterprise)
//! is checked on the server by `can_see`.
//!
//! Architecture invariant: the only crate that knows HTTP; no SQL here (the store does it).
#![forbid(unsafe_code)]

mod admin;
mod analysis;
pub mod auth;
mod dashboard;
pub mod names;
pub mod population;
mod push;
mod report;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Form, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::NaiveDate;
use huiqi_policy::Pack;
use huiqi_rules::Rules;
use huiqi_store::Store;
use rust_decimal::Decimal;

use auth::{Role, Viewer};
pub use dashboard::progress_rows;

/// Shared by every request.
pub struct AppState {
    pub store: Store,
    pub pack: Pack,
    pub rules: Rules,
    /// The date whose parameters and year the enterprise pages use.
    pub at: NaiveDate,
    /// Mark cookies Secure (behind TLS).
    pub secure_cookies: bool,
    /// The name-fragment index of the registry search (`names`); `Default::default()` starts empty.
    pub names: Arc<names::NameIndex>,
    /// Failed logins per client address (`auth::LoginLimiter`).
    pub limiter: auth::LoginLimiter,
    /// The registry's facts of one year, kept for the what-if (`population`).
    pub population: population::PopulationCache,
}

pub type Shared = Arc<AppState>;

/// Who may call a route. Scope within a role is checked by the handler (`can_see`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Public,
    /// Logged in with one of these roles.
    Roles(&'static [&'static str]),
}

const ADMIN: &[&str] = &["admin"];
const STAFF: &[&str] = &["admin", "unit", "county"];
const EVERYONE_LOGGED_IN: &[&str] = &["admin", "unit", "county", "enterprise"];

/// Every route with its access rule. The router is built from this table only.
pub const ROUTES: &[(&str, &str, Rule)] = &[
    ("GET", "/", Rule::Public),
    ("GET", "/healthz", Rule::Public),
    ("GET", "/assets/site.css", Rule::Public),
    ("GET", "/assets/htmx.min.js", Rule::Public),
    ("GET", "/assets/echarts.min.js", Rule::Public),
    ("GET", "/api/v1/openapi.json", Rule::Public),
    ("GET", "/policy", Rule::Public),
    ("GET", "/login", Rule::Public),
    ("POST", "/login", Rule::Public),
    ("POST", "/logout", Rule::Roles(EVERYONE_LOGGED_IN)),
    ("GET", "/me", Rule::Roles(&["enterprise"])),
    ("GET", "/enterprises", Rule::Roles(STAFF)),
    (
        "GET",
        "/enterprises/{uscc}",
        Rule::Roles(EVERYONE_LOGGED_IN),
    ),
    ("GET", "/dashboard", Rule::Roles(STAFF)),
    ("POST", "/dashboard/report", Rule::Roles(STAFF)),
    ("GET", "/push", Rule::Roles(STAFF)),
    ("GET", "/push.xlsx", Rule::Roles(STAFF)),
    ("GET", "/api/v1/push", Rule::Roles(STAFF)),
    ("GET", "/api/v1/dashboard", Rule::Roles(STAFF)),
    ("GET", "/admin/runs", Rule::Roles(ADMIN)),
    ("GET", "/admin/whatif", Rule::Roles(ADMIN)),
    ("POST", "/admin/whatif", Rule::Roles(ADMIN)),
    ("GET", "/admin/users", Rule::Roles(ADMIN)),
    ("GET", "/admin/import", Rule::Roles(ADMIN)),
    ("POST", "/admin/import", Rule::Roles(ADMIN)),
    ("GET", "/api/v1/policy/targets", Rule::Public),
    ("GET", "/api/v1/enterprises", Rule::Roles(STAFF)),
    (
        "GET",
        "/api/v1/enterprises/{uscc}/benefits",
        Rule::Roles(EVERYONE_LOGGED_IN),
    ),
];

fn handler(method: &str, path: &str) -> MethodRouter<Shared> {
    match (method, path) {
        ("GET", "/") => get(index),
        ("GET", "/healthz") => get(healthz),
        ("GET", "/assets/site.css") => get(css),
        ("GET", "/assets/htmx.min.js") => {
            get(|| async { js(include_bytes!("../assets/vendor/htmx.min.js")) })
        }
        ("GET", "/assets/echarts.min.js") => {
            get(|| async { js(include_bytes!("../assets/vendor/echarts.min.js")) })
        }
        ("GET", "/api/v1/openapi.json") => get(openapi),
        ("GET", "/policy") => get(policy),
        ("GET", "/login") => get(login_page),
        ("POST", "/login") => post(login_submit),
        ("POST", "/logout") => post(logout),
        ("GET", "/me") => get(me),
        ("GET", "/enterprises") => get(enterprises),
        ("GET", "/enterprises/{uscc}") => get(enterprise),
        ("GET", "/dashboard") => get(dashboard::page),
        ("POST", "/dashboard/report") => post(report::submit),
        ("GET", "/push") => get(push::page),
        ("GET", "/push.xlsx") => get(push::export),
        ("GET", "/api/v1/push") => get(push::api),
        ("GET", "/api/v1/dashboard") => get(dashboard::api),
        ("GET", "/admin/runs") => get(analysis::runs),
        ("GET", "/admin/whatif") => get(analysis::whatif_form),
        ("POST", "/admin/whatif") => post(analysis::whatif_submit),
        ("GET", "/admin/users") => get(admin::users),
        ("GET", "/admin/import") => get(admin::import_form),
        ("POST", "/admin/import") => {
            post(admin::import_submit).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        }
        ("GET", "/api/v1/policy/targets") => get(api_targets),
        ("GET", "/api/v1/enterprises") => get(api_enterprises),
        ("GET", "/api/v1/enterprises/{uscc}/benefits") => get(api_benefits),
        _ => panic!("route {method} {path} is in ROUTES but has no handler"),
    }
}

/// The largest department file the import page accepts.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The application.
pub fn app(state: Shared) -> Router {
    let mut router = Router::new();
    for (method, path, _) in ROUTES {
        router = router.route(path, handler(method, path));
    }
    router
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .fallback(|| async { page_error(StatusCode::NOT_FOUND, "页面不存在。") })
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(addr: &str, state: Shared) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    state.names.refresh(state.store.clone());
    eprintln!("惠企平台已启动：http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

fn rule_of(method: &Method, path: &str) -> Option<Rule> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|r| r.2)
}

/// Enforces the route's rule and CSRF before any handler runs.
async fn guard(
    State(state): State<Shared>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(rule) = matched
        .as_ref()
        .and_then(|m| rule_of(req.method(), m.as_str()))
    else {
        // Deny by default: a route without a rule is never served.
        return page_error(StatusCode::FORBIDDEN, "该页面没有访问规则。");
    };
    if auth::cross_site(req.method(), req.headers()) {
        return page_error(StatusCode::FORBIDDEN, "拒绝跨站提交的请求。");
    }
    let viewer = auth::viewer(&state.store, req.headers()).await;
    if let Rule::Roles(roles) = rule {
        let api = req.uri().path().starts_with("/api/");
        if viewer.role == Role::Anonymous {
            return if api {
                (
                    StatusCode::UNAUTHORIZED,
                    Json(serde_json::json!({"error": "请先登录"})),
                )
                    .into_response()
            } else {
                Redirect::to("/login").into_response()
            };
        }
        if !roles.contains(&viewer.role.name()) {
            return page_error(StatusCode::FORBIDDEN, "您的账号无权访问此页面。");
        }
    }
    req.extensions_mut().insert(viewer);
    next.run(req).await
}

/// Whether the viewer may see this enterprise (server-side scope check).
pub async fn can_see(state: &AppState, viewer: &Viewer, uscc: &str) -> Result<bool, Response> {
    Ok(match &viewer.role {
        Role::Admin | Role::Unit(_) => true,
        Role::Enterprise(own) => own == uscc,
        Role::County(county) => {
            let of = state
                .store
                .county_of(uscc)
                .await
                .map_err(|e| internal(&e.to_string()))?;
            of.as_deref() == Some(county.as_str())
        }
        Role::Anonymous => false,
    })
}

fn internal(detail: &str) -> Response {
    eprintln!("内部错误：{detail}");
    page_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "服务器内部错误，请稍后再试。",
    )
}

/// What every page's header needs.
pub struct Nav {
    pub role: &'static str,
    pub display_name: String,
    pub csrf: String,
    pub pack_version: String,
}

fn nav(state: &AppState, v: &Viewer) -> Nav {
    Nav {
        role: v.role.name(),
        display_name: v.display_name.clone(),
        csrf: v.csrf.clone().unwrap_or_default(),
        pack_version: format!(
            "{}，{}",
            state.pack.manifest.version,
            state.pack.manifest.status.label()
        ),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    status: String,
    message: String,
}

fn page_error(status: StatusCode, message: &str) -> Response {
    let nav = Nav {
        role: "anonymous",
        display_name: String::new(),
        csrf: String::new(),
        pack_version: String::new(),
    };
    let page = ErrorPage {
        nav,
        status: status.as_u16().to_string(),
        message: message.to_string(),
    };
    (
        status,
        Html(page.render().unwrap_or_else(|_| message.to_string())),
    )
        .into_response()
}

fn render<T: Template>(t: T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(&e.to_string()),
    }
}

/// 200 once the server answers; the second line says whether the name index of the registry
/// search is built (until then name searches go to the database).
async fn healthz(State(s): State<Shared>) -> String {
    match s.names.built_at() {
        Some(_) => "ok\nnames: ready\n".into(),
        None => "ok\nnames: building\n".into(),
    }
}

fn js(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

/// The OpenAPI document of `/api/v1`, built from `ROUTES` so it lists exactly the API routes
/// that exist, each with who may call it.
pub fn openapi_document() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for (method, path, rule) in ROUTES
        .iter()
        .filter(|r| r.1.starts_with("/api/v1/") && r.1 != "/api/v1/openapi.json")
    {
        let access = match rule {
            Rule::Public => "公开".to_string(),
            Rule::Roles(roles) => format!("登录，角色：{}", roles.join("、")),
        };
        let params: Vec<serde_json::Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| serde_json::json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let op = serde_json::json!({
            "summary": access,
            "parameters": params,
            "responses": {
                "200": {"description": "成功", "content": {"application/json": {}}},
                "401": {"description": "未登录"},
                "403": {"description": "无权访问或不在管辖范围内"},
            },
        });
        let entry = paths
            .entry(path.to_string())
            .or_insert_with(|| serde_json::json!({}));
        entry[method.to_ascii_lowercase()] = op;
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "惠企平台 API", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": auth::COOKIE}}},
        "paths": paths,
    })
}

async fn openapi() -> Response {
    Json(openapi_document()).into_response()
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/site.css"),
    )
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    nav: Nav,
    articles: usize,
    targets: usize,
    units: usize,
    jurisdictions: usize,
}

async fn index(State(s): State<Shared>, axum::Extension(v): axum::Extension<Viewer>) -> Response {
    render(IndexPage {
        nav: nav(&s, &v),
        articles: s.pack.articles.len(),
        targets: s.pack.targets.len(),
        units: s.pack.units.len(),
        jurisdictions: s.pack.jurisdictions.len(),
    })
}

struct TargetView {
    article: u8,
    indicator: String,
    value: String,
    period: String,
    units: String,
}

struct TaskView {
    title: String,
    units: String,
    basis: Vec<String>,
}

struct ArticleView {
    number: u8,
    title: String,
    text: String,
    tasks: Vec<TaskView>,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    nav: Nav,
    q: String,
    targets: Vec<TargetView>,
    articles: Vec<ArticleView>,
}

async fn policy(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let q = params
        .get("q")
        .map(|q| q.trim().to_string())
        .unwrap_or_default();
    let hit = |text: &str| q.is_empty() || text.contains(q.as_str());
    let pack = &s.pack;
    let targets = pack
        .targets
        .iter()
        .filter(|t| hit(&t.indicator) || hit(&t.quote))
        .map(|t| TargetView {
            article: t.article(),
            indicator: t.indicator.clone(),
            value: format!("{} {}{}", t.comparison.symbol(), t.value, t.unit().symbol()),
            period: t.period.label(),
            units: pack.unit_names(&t.units),
        })
        .collect();
    let articles = pack
        .articles
        .iter()
        .map(|a| {
            let tasks: Vec<TaskView> = pack
                .tasks_of(a.number)
                .map(|t| TaskView {
                    title: t.title.clone(),
                    units: if t.all_units {
                        "各地各部门".into()
                    } else {
                        pack.unit_names(&t.units)
                    },
                    basis: t
                        .legal_basis
                        .iter()
                        .map(|b| format!("{}《{}》", b.document, b.title))
                        .collect(),
                })
                .collect();
            (a, tasks)
        })
        .filter(|(a, tasks)| {
            hit(&a.text)
                || hit(&a.title)
                || tasks
                    .iter()
                    .any(|t| hit(&t.title) || t.basis.iter().any(|b| hit(b)))
        })
        .map(|(a, tasks)| ArticleView {
            number: a.number,
            title: a.title.clone(),
            text: a.text.clone(),
            tasks,
        })
        .collect();
    render(PolicyPage {
        nav: nav(&s, &v),
        q,
        targets,
        articles,
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    error: String,
}

async fn login_page(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    render(LoginPage {
        nav: nav(&s, &v),
        error: String::new(),
    })
}

#[derive(serde::Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    extensions: axum::http::Extensions,
    Form(f): Form<LoginForm>,
) -> Response {
    // The peer address, when the server was started with it (`serve` always is).
    let ip = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if ip.is_some_and(|ip| s.limiter.blocked(ip)) {
        let page = LoginPage {
            nav: nav(&s, &v),
            error: format!(
                "本机地址登录失败次数过多（{} 分钟内 {} 次），请 {} 分钟后再试；如忘记密码请联系工作专班重置。",
                s.limiter.window.as_secs() / 60,
                s.limiter.max,
                s.limiter.window.as_secs() / 60
            ),
        };
        return (StatusCode::TOO_MANY_REQUESTS, render(page)).into_response();
    }
    let result = auth::login(&s.store, f.username.trim(), &f.password).await;
    if let (Err(auth::LoginError::Wrong | auth::LoginError::Locked), Some(ip)) = (&result, ip) {
        s.limiter.failed(ip);
    }
    match result {
        Ok(token) => {
            let mut resp = Redirect::to("/").into_response();
            if let Ok(c) = HeaderValue::from_str(&auth::session_cookie(&token, s.secure_cookies)) {
                resp.headers_mut().insert(header::SET_COOKIE, c);
            }
            resp
        }
        Err(e) => {
            let (status, error) = match e {
                auth::LoginError::Wrong => {
                    (StatusCode::UNAUTHORIZED, "用户名或密码错误。".to_string())
                }
                auth::LoginError::Locked => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "密码连续错误 {} 次，账号已锁定 {} 分钟，请稍后再试。",
                        auth::MAX_FAILED,
                        auth::LOCK_MINUTES
                    ),
                ),
                auth::LoginError::Store(d) => return internal(&d),
            };
            let page = LoginPage {
                nav: nav(&s, &v),
                error,
            };
            (status, render(page)).into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return page_error(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试。",
        );
    }
    if let Some(hash) = &v.token_sha256
        && let Err(e) = s.store.delete_session(hash).await
    {
        return internal(&e.to_string());
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(c) = HeaderValue::from_str(&auth::clear_cookie()) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

struct FactView {
    label: String,
    value: String,
    source: String,
    date: String,
}

struct BenefitView {
    title: String,
    amount: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct EnterprisePage {
    nav: Nav,
    heading: String,
    /// 大/中/小/微 by the rules crate (工信部联企业〔2011〕300号).
    size_class: String,
    uscc: String,
    name: String,
    county: String,
    industry: String,
    kind: String,
    year: i32,
    benefits: Vec<BenefitView>,
    total: String,
    facts: Vec<FactView>,
}

/// An enterprise's benefits as JSON rows: measure, title, amount, reason.
#[derive(serde::Serialize)]
struct BenefitJson {
    measure: String,
    title: String,
    amount: Decimal,
    reason: String,
}

async fn benefits(
    state: &AppState,
    uscc: &str,
) -> Result<Option<(huiqi_domain::Facts, Vec<BenefitJson>, Decimal, &'static str)>, Response> {
    let found = huiqi_match::benefits_of(&state.store, &state.rules, uscc, state.at)
        .await
        .map_err(|e| internal(&e.to_string()))?;
    let Some((facts, out, trace)) = found else {
        return Ok(None);
    };
    let mut rows = Vec::new();
    for (measure, amount) in out.amounts() {
        if measure == "total_relief" || amount <= Decimal::ZERO {
            continue;
        }
        rows.push(BenefitJson {
            measure: measure.to_string(),
            title: state.rules.measure(measure).title.clone(),
            amount,
            reason: huiqi_match::reason(&trace, measure),
        });
    }
    if out.small_low_profit {
        rows.insert(
            0,
            BenefitJson {
                measure: "small_low_profit".into(),
                title: state.rules.measure("small_low_profit").title.clone(),
                amount: Decimal::ZERO,
                reason: huiqi_match::reason(&trace, "small_low_profit"),
            },
        );
    }
    Ok(Some((
        facts,
        rows,
        out.total_relief,
        out.size_class.label(),
    )))
}

async fn enterprise_page(state: &AppState, v: &Viewer, uscc: &str, heading: &str) -> Response {
    let (facts, rows, total, size_class) = match benefits(state, uscc).await {
        Ok(Some(x)) => x,
        Ok(None) => return page_error(StatusCode::NOT_FOUND, "企业库中没有该企业本年度的数据。"),
        Err(r) => return r,
    };
    let county = state
        .pack
        .jurisdiction(&facts.county)
        .map_or(facts.county.clone(), |j| j.name.clone());
    let kind = match facts.kind {
        huiqi_domain::EntityKind::Enterprise => "企业",
        huiqi_domain::EntityKind::IndividualBusiness => "个体工商户",
    };
    let year = chrono::Datelike::year(&state.at);
    let sources = match state.store.fact_sources(uscc, year).await {
        Ok(s) => s,
        Err(e) => return internal(&e.to_string()),
    };
    // Each fact with the department that reported it and when (the import behind its group).
    let source_of = |group: &str| -> (String, String) {
        let dept = match group {
            "market" => "市场监管",
            "tax" => "税务",
            "hr" => "人社",
            "stats" => "统计",
            _ => "金融",
        };
        match sources.iter().find(|s| s.group == group) {
            Some(s) => {
                let via = huiqi_domain::registry::Source::parse(&s.source)
                    .map_or(s.source.clone(), |x| x.label().to_string());
                (
                    format!("{dept}（{via}，{}）", s.file_name),
                    s.imported_at.format("%Y-%m-%d").to_string(),
                )
            }
            None => (format!("{dept}（尚未报送）"), "—".into()),
        }
    };
    let fact = |label: &str, value: String, group: &str| {
        let (dept, date) = source_of(group);
        FactView {
            label: label.to_string(),
            value,
            source: dept,
            date,
        }
    };
    let contact = match state.store.contact_of(uscc).await {
        Ok(c) => c,
        Err(e) => return internal(&e.to_string()),
    };
    let fact_rows = vec![
        fact(
            "联系人",
            contact.person.unwrap_or_else(|| "—".into()),
            "market",
        ),
        fact(
            "联系电话",
            contact.phone.unwrap_or_else(|| "—".into()),
            "market",
        ),
        fact("从业人数", facts.employees.to_string(), "hr"),
        fact("营业收入（元）", facts.revenue.to_string(), "tax"),
        fact("资产总额（元）", facts.total_assets.to_string(), "tax"),
        fact(
            "应纳税所得额（元）",
            facts.taxable_income.to_string(),
            "tax",
        ),
        fact(
            "增值税小规模纳税人",
            if facts.vat_small_scale { "是" } else { "否" }.to_string(),
            "tax",
        ),
        fact(
            "成立日期",
            facts.registered_on.map_or("—".into(), |d| d.to_string()),
            "market",
        ),
    ];
    render(EnterprisePage {
        nav: nav(state, v),
        heading: heading.to_string(),
        size_class: size_class.to_string(),
        uscc: facts.uscc.clone(),
        name: facts.name.clone(),
        county,
        industry: facts.industry.clone(),
        kind: kind.into(),
        year,
        benefits: rows
            .into_iter()
            .map(|b| BenefitView {
                title: b.title,
                amount: if b.measure == "small_low_profit" {
                    "—".into()
                } else {
                    format!("{:.2}", b.amount)
                },
                reason: b.reason,
            })
            .collect(),
        total: format!("{total:.2}"),
        facts: fact_rows,
    })
}

async fn me(State(s): State<Shared>, axum::Extension(v): axum::Extension<Viewer>) -> Response {
    let Role::Enterprise(uscc) = v.role.clone() else {
        return page_error(StatusCode::FORBIDDEN, "仅企业用户可用。");
    };
    enterprise_page(&s, &v, &uscc, "我的惠企政策").await
}

async fn enterprise(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Path(uscc): Path<String>,
) -> Response {
    match can_see(&s, &v, &uscc).await {
        Ok(true) => enterprise_page(&s, &v, &uscc, "一企一档").await,
        Ok(false) => page_error(StatusCode::FORBIDDEN, "该企业不在您的管辖范围内。"),
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct EnterprisesPage {
    nav: Nav,
    f: SearchForm,
    sizes: [(&'static str, &'static str); 4],
    /// Set for a county user: the county is fixed.
    fixed_county: String,
    counties: Vec<(String, String)>,
    rows: Vec<EnterpriseView>,
}

struct EnterpriseView {
    uscc: String,
    name: String,
    county: String,
    industry: String,
    kind: &'static str,
    size_class: &'static str,
}

/// The registry search form as the viewer sent it (a county user's county forced).
struct SearchForm {
    q: String,
    county: String,
    industry: String,
    kind: String,
    size_class: String,
}

/// The size classes a search can filter on (as stored by a matching run), with their labels.
const SIZE_CLASSES: [(&str, &str); 4] = [
    ("large", "大型"),
    ("medium", "中型"),
    ("small", "小型"),
    ("micro", "微型"),
];

fn size_label(id: Option<&str>) -> &'static str {
    SIZE_CLASSES
        .iter()
        .find(|(k, _)| Some(*k) == id)
        .map_or("—", |(_, l)| l)
}

/// How many rows the registry search shows.
const SEARCH_LIMIT: i64 = 100;

fn kind_label(kind: &str) -> &'static str {
    if kind == "individual_business" {
        "个体工商户"
    } else {
        "企业"
    }
}

/// The registry search of a viewer: a county user's county is forced whatever the query says.
async fn search(
    s: &AppState,
    v: &Viewer,
    params: &HashMap<String, String>,
) -> Result<(SearchForm, Vec<EnterpriseView>), Response> {
    let get = |k: &str| {
        params
            .get(k)
            .map(|x| x.trim().to_string())
            .unwrap_or_default()
    };
    let f = SearchForm {
        q: get("q"),
        county: match &v.role {
            Role::County(c) => c.clone(),
            _ => get("county"),
        },
        // Section letters are upper case (the database's LIKE would not care; the index does).
        industry: get("industry").to_ascii_uppercase(),
        kind: get("kind"),
        size_class: get("size"),
    };
    if !f.size_class.is_empty() && !SIZE_CLASSES.iter().any(|(k, _)| *k == f.size_class) {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "企业规模“{}”无效；可选：large（大型）、medium（中型）、small（小型）、micro（微型），或留空",
                f.size_class
            ),
        ));
    }
    let filter = huiqi_store::accounts::EnterpriseFilter {
        query: &f.q,
        county: &f.county,
        industry: &f.industry,
        kind: &f.kind,
        size_class: &f.size_class,
    };
    let rows = match s
        .names
        .search(&s.store, &filter, SEARCH_LIMIT as usize)
        .await
    {
        Some(rows) => rows,
        None => s
            .store
            .search_enterprises(&filter, SEARCH_LIMIT)
            .await
            .map_err(|e| internal(&e.to_string()))?,
    };
    let rows = rows
        .into_iter()
        .map(|r| EnterpriseView {
            county: s
                .pack
                .jurisdiction(&r.county)
                .map_or(r.county.clone(), |j| j.name.clone()),
            kind: kind_label(&r.kind),
            size_class: size_label(r.size_class),
            uscc: r.uscc,
            name: r.name,
            industry: r.industry,
        })
        .collect();
    Ok((f, rows))
}

async fn enterprises(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (f, rows) = match search(&s, &v, &params).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fixed_county = match &v.role {
        Role::County(c) => s.pack.jurisdiction(c).map_or(c.clone(), |j| j.name.clone()),
        _ => String::new(),
    };
    let counties = s
        .pack
        .jurisdictions
        .iter()
        .map(|j| (j.id.clone(), j.name.clone()))
        .collect();
    render(EnterprisesPage {
        nav: nav(&s, &v),
        f,
        sizes: SIZE_CLASSES,
        fixed_county,
        counties,
        rows,
    })
}

async fn api_enterprises(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match search(&s, &v, &params).await {
        Ok((_, rows)) => Json(
            rows.iter()
                .map(|r| serde_json::json!({"uscc": r.uscc, "name": r.name, "county": r.county, "industry": r.industry, "kind": r.kind, "size_class": r.size_class}))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(r) => r,
    }
}

async fn api_targets(State(s): State<Shared>) -> Response {
    let rows: Vec<serde_json::Value> = s
        .pack
        .targets
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id, "article": t.article(), "indicator": t.indicator, "value": t.value.to_string(),
                "unit": t.unit().symbol(), "period": t.period.kind(), "units": t.units,
            })
        })
        .collect();
    Json(rows).into_response()
}

async fn api_benefits(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Path(uscc): Path<String>,
) -> Response {
    match can_see(&s, &v, &uscc).await {
        Ok(true) => {}
        Ok(false) => {
            return (
                StatusCode::FORBIDDEN,
                Json(serde_json::json!({"error": "该企业不在您的管辖范围内"})),
            )
                .into_response();
        }
        Err(r) => return r,
    }
    match benefits(&s, &uscc).await {
        Ok(Some((_, rows, total, size_class))) => Json(
            serde_json::json!({"uscc": uscc, "at": s.at, "benefits": rows, "total_relief": total, "size_class": size_class}),
        )
        .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "企业库中没有该企业本年度的数据"})),
        )
            .into_response(),
        Err(r) => r,
    }
}

/// Opens the platform's state on a database (migrating it) with the built-in policy and rules.
pub async fn open_state(url: &str, at: NaiveDate, secure_cookies: bool) -> Result<Shared, String> {
    let store = Store::connect(url)
        .await
        .map_err(|e| format!("无法连接数据库：{e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| format!("数据库迁移失败：{e}"))?;
    let pack =
        huiqi_policy::builtin::default_pack().map_err(|e| format!("内置政策包无法加载：{e}"))?;
    Ok(Arc::new(AppState {
        store,
        pack,
        rules: Rules::builtin(),
        at,
        secure_cookies,
        names: Default::default(),
        limiter: Default::default(),
        population: Default::default(),
    }))
}

/// One account created by `create_account` / `demo_accounts`, with its password in clear
/// (shown once to whoever created it, never stored).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub role: String,
    pub scope: String,
    pub display_name: String,
}

/// Creates (or resets) an account with a fresh random password.
pub async fn create_account(
    store: &Store,
    username: &str,
    role: &str,
    scope: &str,
    display_name: &str,
) -> Result<NewAccount, String> {
    if !["admin", "unit", "county", "enterprise"].contains(&role) {
        return Err(format!(
            "角色“{role}”无效：应为 admin、unit、county 或 enterprise"
        ));
    }
    if role != "admin" && scope.is_empty() {
        return Err(format!(
            "角色 {role} 需要范围（部门编号、辖区编号或统一社会信用代码）"
        ));
    }
    let password = auth::random_password();
    let hash = auth::hash_password(password.clone()).await;
    store
        .upsert_user(username, &hash, role, scope, display_name)
        .await
        .map_err(|e| e.to_string())?;
    Ok(NewAccount {
        username: username.into(),
        password,
        role: role.into(),
        scope: scope.into(),
        display_name: display_name.into(),
    })
}

/// One account per role for the demo: the working group, the first responsible unit, the
/// county of the first enterprise in the registry, and that enterprise.
pub async fn demo_accounts(state: &AppState) -> Result<Vec<NewAccount>, String> {
    // The enterprise: the first (by USCC) with at least one benefit, so its page shows something.
    let first = state
        .store
        .search_enterprises(&huiqi_store::accounts::EnterpriseFilter::default(), 500)
        .await
        .map_err(|e| e.to_string())?;
    if first.is_empty() {
        return Err("企业库为空：请先导入企业".into());
    }
    let mut chosen = None;
    for e in &first {
        if let Ok(Some((_, rows, _, _))) = benefits(state, &e.uscc).await
            && rows.iter().any(|b| b.amount > Decimal::ZERO)
        {
            chosen = Some(e.clone());
            break;
        }
    }
    let e = chosen.unwrap_or_else(|| first[0].clone());
    let (uscc, name, county) = (e.uscc, e.name, e.county);
    let unit = state
        .pack
        .unit("economy_it")
        .or(state.pack.units.first())
        .ok_or("政策包没有责任单位")?;
    let county_name = state
        .pack
        .jurisdiction(&county)
        .map_or(county.clone(), |j| j.name.clone());
    let mut out = vec![create_account(&state.store, "admin", "admin", "", "工作专班").await?];
    out.push(create_account(&state.store, "unit", "unit", &unit.id, &unit.name).await?);
    out.push(create_account(&state.store, "county", "county", &county, &county_name).await?);
    out.push(create_account(&state.store, "enterprise", "enterprise", &uscc, &name).await?);
    Ok(out)
}
