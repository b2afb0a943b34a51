//! The public part: the home page, the policy list (政策清单), signing in and out, health, the
//! assets, the API's targets and the API document.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use huiqi_app::accounts::{self, LoginError};
use serde::Deserialize;

use crate::api;
use crate::auth::{self, Viewer};
use crate::error::{Form, Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{Area, Link, Route, Rule, SIGNED_IN};
use crate::state::Shared;

pub const AREA: Area = Area {
    name: "首页与政策清单",
    routes: &[
        Route::get("/", Rule::Public, "首页", || get(index)),
        Route::get("/healthz", Rule::Public, "健康检查", || get(healthz)),
        Route::get("/assets/site.css", Rule::Public, "样式", || get(css)),
        Route::get("/favicon.ico", Rule::Public, "网站图标", || {
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "image/x-icon"),
                        (header::CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    include_bytes!("../../assets/favicon.ico").as_slice(),
                )
            })
        }),
        Route::get("/assets/htmx.min.js", Rule::Public, "htmx", || {
            get(|| async { js(include_bytes!("../../assets/vendor/htmx.min.js")) })
        }),
        Route::get("/assets/echarts.min.js", Rule::Public, "ECharts", || {
            get(|| async { js(include_bytes!("../../assets/vendor/echarts.min.js")) })
        }),
        Route::get("/assets/charts.js", Rule::Public, "图表脚本", || {
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("../../assets/charts.js"),
                )
            })
        }),
        Route::get("/api/v1/openapi.json", Rule::Public, "API 文档", || {
            get(openapi)
        }),
        Route::get("/policy", Rule::Public, "政策清单", || get(policy)),
        Route::get("/login", Rule::Public, "登录页", || get(login_page)),
        Route::post("/login", Rule::Public, "登录", || post(login_submit)),
        Route::post("/logout", SIGNED_IN, "退出", || post(logout)),
        Route::get(
            "/api/v1/policy/targets",
            Rule::Public,
            "全部数值目标",
            || get(api_targets),
        ),
    ],
    links: &[Link {
        label: "政策清单",
        href: "/policy",
        rule: Rule::Public,
    }],
};

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    nav: Nav,
    articles: usize,
    targets: usize,
    units: usize,
    jurisdictions: usize,
}

async fn index(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    let pack = &s.read().pack;
    render(IndexPage {
        nav: Nav::of(&s, &v),
        articles: pack.articles.len(),
        targets: pack.targets.len(),
        units: pack.units.len(),
        jurisdictions: pack.jurisdictions.len(),
    })
}

/// 200 once the server answers; the second line says whether the name index of the registry
/// search is built (until then name searches go to the database).
async fn healthz(State(s): State<Shared>) -> String {
    match s.read().names.built_at() {
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

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/site.css"),
    )
}

async fn openapi() -> Response {
    Json(crate::api::document_json()).into_response()
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

/// The policy list's search.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyQuery {
    /// Text to find in targets, articles, tasks and their legal basis.
    pub q: String,
}

async fn policy(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(params): Query<PolicyQuery>,
) -> Result<Response, WebError> {
    let q = params.q.trim().to_string();
    huiqi_domain::limits::check_search(&q).map_err(|e| WebError::bad_request("bad_query", e.0))?;
    let hit = |text: &str| q.is_empty() || text.contains(q.as_str());
    let pack = &s.read().pack;
    let targets = pack
        .targets
        .iter()
        .filter(|t| hit(&t.indicator) || hit(&t.quote))
        .map(|t| TargetView {
            article: t.article(),
            indicator: t.indicator.clone(),
            value: format!(
                "{} {}",
                t.comparison.symbol(),
                huiqi_domain::numbers::with_unit(t.value, t.unit().symbol())
            ),
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
                    basis: t.legal_basis.iter().map(|b| b.citation()).collect(),
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
        nav: Nav::of(&s, &v),
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
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    render(LoginPage {
        nav: Nav::of(&s, &v),
        error: String::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    extensions: axum::http::Extensions,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    // The peer address, when the server was started with it (`serve` always is).
    let ip = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let page = |status: StatusCode, error: String| -> Result<Response, WebError> {
        let page = render(LoginPage {
            nav: Nav::of(&s, &v),
            error,
        })?;
        Ok((status, page).into_response())
    };
    if ip.is_some_and(|ip| s.limiter.blocked(ip)) {
        let minutes = s.limiter.window.as_secs() / 60;
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "本机地址登录失败次数过多（{minutes} 分钟内 {} 次），请 {minutes} 分钟后再试；如忘记密码请联系工作专班重置。",
                s.limiter.max
            ),
        );
    }
    let result = accounts::login(&s.read().store, f.username.trim(), &f.password).await;
    if let (Err(LoginError::Refused), Some(ip)) = (&result, ip) {
        s.limiter.failed(ip);
    }
    match result {
        Ok(token) => {
            // Each role lands where its work is.
            let to = match accounts::session_of(&s.read().store, &token).await? {
                Some(session) => crate::page::landing(&session.role),
                None => "/",
            };
            let mut resp = Redirect::to(to).into_response();
            if let Ok(c) = HeaderValue::from_str(&auth::session_cookie(&token, s.behind_tls)) {
                resp.headers_mut().insert(header::SET_COOKIE, c);
            }
            Ok(resp)
        }
        // An unknown name, a wrong password, a throttled or disabled account: one answer.
        Err(e @ LoginError::Refused) => page(StatusCode::UNAUTHORIZED, e.to_string()),
        Err(LoginError::App(e)) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    if let Some(hash) = &v.token_sha256 {
        accounts::logout(&s.read().store, hash).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(c) = HeaderValue::from_str(&auth::clear_cookie(s.behind_tls)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// Every numeric target of the policy.
#[utoipa::path(
    get,
    path = "/api/v1/policy/targets",
    responses(
        (status = 200, description = "政策的全部数值目标", body = Vec<api::TargetItem>),
    )
)]
pub(crate) async fn api_targets(State(s): State<Shared>) -> Response {
    let rows: Vec<api::TargetItem> = s
        .app
        .pack
        .targets
        .iter()
        .map(|t| api::TargetItem {
            id: t.id.clone(),
            article: t.article(),
            indicator: t.indicator.clone(),
            value: t.value.to_string(),
            unit: t.unit().symbol().to_string(),
            period: t.period.kind().to_string(),
            units: t.units.clone(),
        })
        .collect();
    Json(rows).into_response()
}
