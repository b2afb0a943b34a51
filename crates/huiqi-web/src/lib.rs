//! The web platform: server-rendered Simplified Chinese pages (askama, compiled and escaped at
//! build time) and a JSON API under `/api/v1`, over huiqi-app's use cases.
//!
//! * `routes`: routes as rows (method, path, access rule, handler), declared by each area
//!   (`areas/*`) and registered in [`AREAS`]; the router is built from them only and a guard
//!   enforces the rule before any handler. Scope (county, unit, enterprise) is checked on the
//!   server by the use cases.
//! * `error`: the one error type ([`WebError`]): JSON on `/api/*`, an HTML page elsewhere.
//! * `auth`: the session cookie, the viewer, CSRF, the per-address login limit.
//! * `state`: what requests share ([`WebState`]: the app and the HTTP concerns).
//!
//! Architecture invariant: the only crate that knows HTTP; no SQL here, and no rule of a use case
//! (handlers parse, call huiqi-app, render).
#![forbid(unsafe_code)]

pub mod areas;
pub mod auth;
pub mod error;
pub mod page;
pub mod routes;
pub mod state;

use axum::Router;

pub use error::WebError;
pub use routes::{Area, Link, Route, Rule, Verb, routes};
pub use state::{Shared, WebState};

/// Every area of the platform, in the order of the header's links. A new area: its module in
/// `areas/` and one line here.
pub const AREAS: &[&Area] = &[
    &areas::home::AREA,
    &areas::enterprises::AREA,
    &areas::push::AREA,
    &areas::progress::AREA,
    &areas::assess::AREA,
    &areas::service::AREA,
    &areas::cultivate::AREA,
    &areas::arrears::AREA,
    &areas::analysis::AREA,
    &areas::admin::AREA,
];

/// The largest upload the import page accepts.
pub use areas::admin::MAX_UPLOAD_BYTES;

/// The application.
pub fn app(state: Shared) -> Router {
    routes::router(state)
}

/// Serves until the process is stopped.
pub async fn serve(addr: &str, state: Shared) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    state.app.names.refresh(state.app.store.clone());
    tracing::info!(address = %listener.local_addr()?, "惠企平台已启动");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

/// The OpenAPI document of `/api/v1`, built from the route rows so it lists exactly the API
/// routes that exist, each with who may call it.
pub fn openapi_document() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for r in routes().filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
    {
        let access = match r.rule {
            Rule::Public => "公开".to_string(),
            Rule::Roles(roles) => format!(
                "登录，角色：{}",
                roles
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        };
        let params: Vec<serde_json::Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| serde_json::json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let op = serde_json::json!({
            "summary": format!("{}（{access}）", r.summary),
            "parameters": params,
            "responses": {
                "200": {"description": "成功", "content": {"application/json": {}}},
                "400": {"description": "参数有误"},
                "401": {"description": "未登录"},
                "403": {"description": "无权访问或不在管辖范围内"},
            },
        });
        let entry = paths
            .entry(r.path.to_string())
            .or_insert_with(|| serde_json::json!({}));
        entry[r.method.as_str().to_ascii_lowercase()] = op;
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "惠企平台 API", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": auth::COOKIE}}},
        "paths": paths,
    })
}
