//! The web platform: server-rendered Simplified Chinese pages (askama, compiled and escaped at
//! build time) and a JSON API under `/api/v1`, over huiqi-app's use cases.
//!
//! * `routes`: routes as rows (method, path, access rule, handler), declared by each area
//!   (`areas/*`) and registered in [`AREAS`]; the router is built from them only and a guard
//!   enforces the rule before any handler. Scope (county, unit, enterprise) is checked on the
//!   server by the use cases.
//! * `api`: the JSON API's answer types and its OpenAPI 3.1 document (utoipa).
//! * `error`: the one error type ([`WebError`]): JSON on `/api/*`, an HTML page elsewhere.
//! * `auth`: the session cookie, the viewer, CSRF, the per-address login limit.
//! * `state`: what requests share ([`WebState`]: the app and the HTTP concerns).
//!
//! Architecture invariant: the only crate that knows HTTP; no SQL here, and no rule of a use case
//! (handlers parse, call huiqi-app, render).
#![forbid(unsafe_code)]

pub mod api;
pub mod areas;
pub mod auth;
pub mod error;
pub mod page;
pub mod routes;
pub mod state;
pub mod upload;

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
    // The name index reads every enterprise: from a replica when there is one.
    let reader = state.replicas.first().unwrap_or(&state.app);
    state.app.names.refresh(reader.store.clone());
    tracing::info!(address = %listener.local_addr()?, "惠企平台已启动");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
