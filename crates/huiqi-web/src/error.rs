//! The web's one error type. A handler returns `Result<Response, WebError>`; the error carries a
//! status, a stable code and a Chinese message. [`render_errors`] (a layer around every route)
//! turns it into the response the client can read: on `/api/*` a JSON body
//! `{"error": "<中文>", "code": "<stable_code>"}`, elsewhere an HTML page with the signed-in header
//! and navigation. A 500 is logged with the request id, and the request id is shown to the user,
//! so that a report of it can be found in the log.
//!
//! Also here: the extractors handlers use for query strings and forms ([`Query`], [`Form`]), which
//! turn a malformed request into a 400 (or 413 when too large) instead of axum's plain-text
//! rejection.

use std::fmt::Display;

use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use huiqi_app::AppError;
use serde::de::DeserializeOwned;

use crate::page::Nav;
use crate::state::Shared;

/// An error answer: status, stable code, message in Chinese.
#[derive(Debug, Clone)]
pub struct WebError {
    pub status: StatusCode,
    /// Stable, for API clients (`bad_period`, `forbidden`, …).
    pub code: &'static str,
    pub message: String,
    /// The methods a path takes (for 405).
    allow: Option<String>,
    /// What went wrong inside (500 only): logged, never shown.
    detail: Option<String>,
}

/// The message of a refused form token.
pub const CSRF_MESSAGE: &str = "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试。";

impl WebError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> WebError {
        WebError {
            status,
            code,
            message: message.into(),
            allow: None,
            detail: None,
        }
    }

    /// 400: a parameter the request cannot have.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 on the API; a page sends the browser to the login form instead.
    pub fn unauthenticated() -> WebError {
        WebError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录")
    }

    /// 403: outside the viewer's role or scope.
    pub fn forbidden(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 403: a form without the session's CSRF token, or sent from another site.
    pub fn csrf() -> WebError {
        WebError::new(StatusCode::FORBIDDEN, "bad_csrf", CSRF_MESSAGE)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 405, with the methods the path takes.
    pub fn method_not_allowed(allow: String) -> WebError {
        let mut e = WebError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("该地址不支持此请求方法；可用：{allow}"),
        );
        e.allow = Some(allow);
        e
    }

    /// 413.
    pub fn too_large(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// 422: a file that was read but refused (its bad rows are shown by the page itself).
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 500: a fault of ours. `detail` goes to the log with the request id, not to the user.
    pub fn internal(detail: impl Display) -> WebError {
        let mut e = WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后再试。",
        );
        e.detail = Some(detail.to_string());
        e
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        match &e {
            AppError::Forbidden(m) => WebError::forbidden(m.clone()),
            AppError::NotFound { code, message } => WebError::not_found(code, message.clone()),
            _ if e.is_input() => WebError::bad_request(e.code(), e.to_string()),
            _ => WebError::internal(&e),
        }
    }
}

/// The error of a response, for [`render_errors`] to render.
#[derive(Clone)]
struct Pending(WebError);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            r.headers_mut().insert(header::ALLOW, allow);
        }
        r.extensions_mut().insert(Pending(self));
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    /// `403 无权访问`, `404 页面不存在`, …
    title: String,
    message: String,
}

/// A status with its Chinese name, for an error page's title.
fn status_title(status: StatusCode) -> String {
    let name = match status.as_u16() {
        400 => "请求有误",
        403 => "无权访问",
        404 => "页面不存在",
        405 => "请求方法不支持",
        413 => "内容过大",
        422 => "无法处理",
        429 => "请求过多",
        500..=599 => "服务器错误",
        _ => "出错了",
    };
    format!("{} {name}", status.as_u16())
}

/// Renders every [`WebError`] of a response: JSON on `/api/*`, an HTML page with the viewer's
/// header elsewhere; an unauthenticated page request goes to the login form. Logs a 500 with its
/// request id and shows that id.
pub async fn render_errors(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let headers = req.headers().clone();
    let mut resp = next.run(req).await;
    let Some(Pending(e)) = resp.extensions_mut().remove::<Pending>() else {
        return resp;
    };
    if e.status == StatusCode::UNAUTHORIZED && !api {
        return Redirect::to("/login").into_response();
    }
    let mut message = e.message.clone();
    if e.status.is_server_error() {
        tracing::error!(
            request_id = %request_id,
            detail = e.detail.as_deref().unwrap_or(""),
            "内部错误"
        );
        message = format!("{message}（请求编号：{request_id}）");
    }
    let mut out = if api {
        let mut body = serde_json::json!({"error": message, "code": e.code});
        if e.status.is_server_error() {
            body["request_id"] = request_id.into();
        }
        (e.status, Json(body)).into_response()
    } else {
        let nav = match crate::auth::viewer(&state.app.store, &headers, state.behind_tls).await {
            Ok(v) => Nav::of(&state, &v),
            Err(_) => Nav::anonymous(&state),
        };
        let page = ErrorPage {
            nav,
            title: status_title(e.status),
            message: message.clone(),
        };
        (e.status, Html(page.render().unwrap_or(message))).into_response()
    };
    for (k, v) in resp.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k, v.clone());
        }
    }
    out
}

/// A query string, parsed into `T`; a malformed one is a 400 naming the problem.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(t)) => Ok(Query(t)),
            Err(e) => Err(query_error(e)),
        }
    }
}

fn query_error(e: QueryRejection) -> WebError {
    WebError::bad_request(
        "bad_query",
        format!("查询参数有误：{}", rejection_zh(&e.body_text())),
    )
}

/// A urlencoded form, parsed into `T`; a malformed one is a 400, a too large one a 413.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(t)) => Ok(Form(t)),
            Err(e) => Err(form_error(e)),
        }
    }
}

fn form_error(e: FormRejection) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::too_large("提交的内容过大。")
    } else {
        WebError::bad_request(
            "bad_form",
            format!("表单内容有误：{}", rejection_zh(&e.body_text())),
        )
    }
}

/// axum's rejection of a query or form (“Failed to deserialize form body: duplicate field
/// `uscc`”) as Chinese: [`serde_zh`] of what follows axum's own words.
pub(crate) fn rejection_zh(text: &str) -> String {
    if text.contains("Content-Type") || text.contains("content type") {
        return "提交方式不对：须为表单（application/x-www-form-urlencoded）".into();
    }
    serde_zh(text.split_once(": ").map_or(text, |(_, d)| d))
}

/// serde's English about a form or query (`duplicate field `uscc``, `page: invalid digit found
/// in string`) as Chinese, naming the field when serde does.
pub(crate) fn serde_zh(detail: &str) -> String {
    let field = detail.split('`').nth(1).filter(|f| !f.is_empty());
    let what = if detail.starts_with("missing field") {
        "缺少字段"
    } else if detail.starts_with("duplicate field") {
        "字段重复"
    } else if detail.starts_with("unknown field") {
        "有不认识的字段"
    } else if detail.contains("invalid digit") || detail.contains("number") {
        "数字格式不对"
    } else if detail.contains("invalid") {
        "值的格式不对"
    } else {
        "无法解析"
    };
    match field {
        Some(f) => format!(
            "{what}“{}”，请检查后重新提交",
            f.chars().take(40).collect::<String>()
        ),
        None => format!("{what}，请检查后重新提交"),
    }
}

#[cfg(test)]
mod rejection_tests {
    use super::{rejection_zh, serde_zh};

    #[test]
    fn serde_rejections_read_as_chinese() {
        for (english, chinese) in [
            (
                "Failed to deserialize form body: duplicate field `uscc`",
                "字段重复“uscc”，请检查后重新提交",
            ),
            (
                "Failed to deserialize query string: missing field `period`",
                "缺少字段“period”，请检查后重新提交",
            ),
            (
                "Failed to deserialize query string: page: invalid digit found in string",
                "数字格式不对，请检查后重新提交",
            ),
            (
                "Form requests must have `Content-Type: application/x-www-form-urlencoded`",
                "提交方式不对：须为表单（application/x-www-form-urlencoded）",
            ),
        ] {
            assert_eq!(rejection_zh(english), chinese, "{english}");
        }
        // serde_urlencoded's own words (a multipart form's fields), with a colon inside.
        assert_eq!(
            serde_zh("invalid type: string \"x\", expected i32"),
            "值的格式不对，请检查后重新提交"
        );
    }
}
