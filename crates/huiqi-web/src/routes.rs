//! Routes as rows: every area module declares its routes ([`Route`]: method, path, access rule,
//! handler) and its header links; the router is built from those rows only, so no route exists
//! without a rule, and [`guard`] enforces the rule before any handler runs. HEAD is served
//! wherever GET is; a method a path does not take is a 405 with `Allow`.
//!
//! Each request runs in a `request` span (method, path, request id, user, status, latency); the
//! request id (`x-request-id`, made here unless a proxy sent one) is returned to the client.
//!
//! Every response carries the security headers ([`SECURITY_HEADERS`]: a strict CSP with no inline
//! script or style, `nosniff`, no framing, `Referrer-Policy: same-origin`) and, unless a handler
//! set its own (the vendored scripts are cacheable), `Cache-Control: no-store`, so no page with
//! tax data or phone numbers stays in a browser's or proxy's cache; behind TLS also HSTS.

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use huiqi_app::accounts::{Role, RoleKind};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::WebError;
use crate::state::Shared;

/// The methods a route can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }
}

/// Who may call a route. Scope within a role (county, unit, enterprise) is checked by the use
/// case on the server (`huiqi_app::accounts::can_see`, and each area's own filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Public,
    /// Signed in with one of these roles.
    Roles(&'static [RoleKind]),
}

impl Rule {
    /// Whether a viewer with `role` may call a route with this rule.
    pub fn admits(self, role: &Role) -> bool {
        match self {
            Rule::Public => true,
            Rule::Roles(kinds) => role.kind().is_some_and(|k| kinds.contains(&k)),
        }
    }
}

/// The working group.
pub const ADMIN: Rule = Rule::Roles(&[RoleKind::Admin]);
/// The officials: working group, responsible units, counties.
pub const STAFF: Rule = Rule::Roles(&[RoleKind::Admin, RoleKind::Unit, RoleKind::County]);
/// Anyone signed in.
pub const SIGNED_IN: Rule = Rule::Roles(&[
    RoleKind::Admin,
    RoleKind::Unit,
    RoleKind::County,
    RoleKind::Enterprise,
]);
/// Enterprises only.
pub const ENTERPRISE: Rule = Rule::Roles(&[RoleKind::Enterprise]);

/// One route: method, path (axum syntax, `{param}`), who may call it, and its handler.
#[derive(Clone, Copy)]
pub struct Route {
    pub method: Verb,
    pub path: &'static str,
    pub rule: Rule,
    /// What it does, in Chinese (the API document lists it).
    pub summary: &'static str,
    pub handler: fn() -> MethodRouter<Shared>,
}

impl Route {
    pub const fn get(
        path: &'static str,
        rule: Rule,
        summary: &'static str,
        handler: fn() -> MethodRouter<Shared>,
    ) -> Route {
        Route {
            method: Verb::Get,
            path,
            rule,
            summary,
            handler,
        }
    }

    pub const fn post(
        path: &'static str,
        rule: Rule,
        summary: &'static str,
        handler: fn() -> MethodRouter<Shared>,
    ) -> Route {
        Route {
            method: Verb::Post,
            path,
            rule,
            summary,
            handler,
        }
    }
}

/// A link of the header: shown to the viewers `rule` admits.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub label: &'static str,
    pub href: &'static str,
    pub rule: Rule,
}

/// An area of the platform: its routes and its header links.
pub struct Area {
    pub name: &'static str,
    pub routes: &'static [Route],
    pub links: &'static [Link],
}

/// Every route of every area, in area order.
pub fn routes() -> impl Iterator<Item = &'static Route> {
    crate::AREAS.iter().flat_map(|a| a.routes.iter())
}

/// The route of a method and a matched path (HEAD is GET's).
fn route_of(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    routes().find(|r| r.method.as_str() == method && r.path == path)
}

/// The methods a path takes, for `Allow`.
fn allowed(path: &str) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for r in routes().filter(|r| r.path == path) {
        methods.push(r.method.as_str());
        if r.method == Verb::Get {
            methods.push("HEAD");
        }
    }
    methods.join(", ")
}

/// The Content-Security-Policy of every response: scripts, styles, images and requests only from
/// this site (no inline script, no inline style, no `eval`), no plugins, forms post only here,
/// and no page may be framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The security headers set on every response (replacing any a handler set).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    // For browsers older than CSP's frame-ancestors.
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
];

/// HSTS behind TLS: a year, this host only (subdomains may be other systems of the city).
pub const HSTS: &str = "max-age=31536000";

/// The router of every area's routes, with the guard, the error rendering, the request span,
/// the request id and the security headers.
pub fn router(state: Shared) -> Router {
    let behind_tls = state.behind_tls;
    let mut router = Router::new();
    for r in routes() {
        router = router.route(r.path, (r.handler)());
    }
    let router: Router = router
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .fallback(|| async { WebError::not_found("not_found", "页面不存在。") })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::error::render_errors,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        request_id = %id,
                        user = tracing::field::Empty,
                        status = tracing::field::Empty,
                        latency_ms = tracing::field::Empty,
                    )
                })
                .on_request(())
                .on_response(|resp: &Response, latency: Duration, span: &tracing::Span| {
                    span.record("status", resp.status().as_u16());
                    span.record("latency_ms", latency.as_millis() as u64);
                    tracing::info!(parent: span, "已响应");
                })
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::x_request_id(NewRequestId))
        .with_state(state);
    let mut router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    if behind_tls {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    router
}

/// A request id: 16 random hex digits.
#[derive(Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = huiqi_app::accounts::random_hex(8).ok()?;
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Enforces the route's rule and CSRF's origin check before any handler runs, and records the
/// viewer on the request span.
async fn guard(
    State(state): State<Shared>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(path) = matched.as_ref().map(MatchedPath::as_str) else {
        return WebError::not_found("not_found", "页面不存在。").into_response();
    };
    let Some(route) = route_of(req.method(), path) else {
        // The path exists (it matched) but not with this method.
        return WebError::method_not_allowed(allowed(path)).into_response();
    };
    if crate::auth::cross_site(req.method(), req.headers()) {
        return WebError::forbidden("拒绝跨站提交的请求。").into_response();
    }
    let viewer = match crate::auth::viewer(&state.app.store, req.headers(), state.behind_tls).await
    {
        Ok(v) => v,
        Err(e) => return WebError::internal(e).into_response(),
    };
    if let Some(id) = viewer.user_id {
        tracing::Span::current().record("user", id);
    }
    if let Rule::Roles(_) = route.rule {
        if viewer.role == Role::Anonymous {
            return WebError::unauthenticated().into_response();
        }
        if !route.rule.admits(&viewer.role) {
            return WebError::forbidden("您的账号无权访问此页面。").into_response();
        }
    }
    req.extensions_mut().insert(viewer);
    // Where this request reads (see `state`): a GET reads a replica unless the client has just
    // written; a POST reads and writes the primary, and marks the client as having written.
    let read_from = if route.method == Verb::Get && !wrote_recently(req.headers()) {
        state.next_replica()
    } else {
        None
    };
    let mut resp = crate::state::READ_FROM
        .scope(read_from, next.run(req))
        .await;
    if route.method == Verb::Post
        && !state.replicas.is_empty()
        && (resp.status().is_success() || resp.status().is_redirection())
    {
        let cookie = format!(
            "{}=1; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            crate::state::WROTE_COOKIE,
            crate::state::READ_YOUR_WRITES_SECS,
            if state.behind_tls { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Whether the request carries the cookie of a client that wrote a moment ago.
fn wrote_recently(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .any(|kv| {
            kv.trim()
                .strip_prefix(crate::state::WROTE_COOKIE)
                .is_some_and(|v| v.starts_with('='))
        })
}
