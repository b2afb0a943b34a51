//! The working group's administration: accounts (list, disable, enable, unlock, reset a password,
//! the audit lines of every change), and uploading a department's file or a list into
//! the registry. An upload goes through huiqi-app's one import pipeline: a file with any bad row
//! is shown back as a table of row errors (422) and nothing is imported.

use askama::Template;
use axum::Extension;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use huiqi_app::accounts::{self, AdminAction, list_accounts};
use huiqi_app::imports::{self, ImportKind, MAX_FILE_BYTES, Outcome};
use huiqi_domain::registry::RowError;

use crate::auth::{self, Viewer};
use crate::error::{Form, Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{ADMIN, Area, Link, Route};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "数据导入与账号",
    routes: &[
        Route::get("/admin/users", ADMIN, "账号", || get(users)),
        Route::post(
            "/admin/users",
            ADMIN,
            "账号操作（停用、启用、解除限速、重设密码）",
            || post(users_change),
        ),
        Route::get("/admin/import", ADMIN, "数据导入", || get(import_form)),
        Route::post("/admin/import", ADMIN, "上传导入文件", || {
            post(import_submit).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        }),
    ],
    links: &[
        Link {
            label: "数据导入",
            href: "/admin/import",
            rule: ADMIN,
        },
        Link {
            label: "账号",
            href: "/admin/users",
            rule: ADMIN,
        },
    ],
};

/// The largest upload (the file and the form around it).
pub const MAX_UPLOAD_BYTES: usize = MAX_FILE_BYTES + 64 * 1024;

/// One account as the accounts page shows it.
struct AccountView {
    username: String,
    role: String,
    scope: String,
    display_name: String,
    status: &'static str,
    /// Throttled until (Beijing time), or empty.
    until: String,
    disabled: bool,
    failed: i32,
    sessions: i64,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    message: String,
    ok: bool,
    password: Option<String>,
    users: Vec<AccountView>,
    disabled: usize,
    throttled: usize,
    audit: Vec<accounts::AuditRow>,
    audit_total: i64,
    page: i64,
    pages: i64,
    free: i32,
    max_minutes: i64,
    forget_minutes: i64,
}

/// Audit lines per page.
const AUDIT_PAGE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct UsersQuery {
    page: Option<i64>,
}

async fn users_page(
    s: &WebState,
    v: &Viewer,
    status: StatusCode,
    (message, ok, password): (String, bool, Option<String>),
    page: i64,
) -> Result<Response, WebError> {
    let users: Vec<AccountView> = list_accounts(&s.read().store)
        .await?
        .into_iter()
        .map(|a| AccountView {
            status: a.status(),
            until: a.throttled_until.map_or(String::new(), |t| {
                (t + chrono::Duration::hours(8))
                    .format("%H:%M:%S")
                    .to_string()
            }),
            username: a.username,
            // The scope by name: the unit's or the jurisdiction's, 全市 for the working group.
            scope: match huiqi_app::accounts::RoleKind::parse_any(&a.role) {
                Some(huiqi_app::accounts::RoleKind::Admin) => "全市".to_string(),
                Some(huiqi_app::accounts::RoleKind::Unit) => s
                    .app
                    .pack
                    .unit(&a.scope)
                    .map_or(a.scope.clone(), |u| u.name.clone()),
                Some(huiqi_app::accounts::RoleKind::County) => s.read().jurisdiction_name(&a.scope),
                _ => a.scope,
            },
            role: a.role,
            display_name: a.display_name,
            disabled: a.disabled,
            failed: a.failed_logins,
            sessions: a.sessions,
        })
        .collect();
    let (_, total) = accounts::account_audit(&s.read().store, 1, 0).await?;
    let pages = ((total + AUDIT_PAGE - 1) / AUDIT_PAGE).max(1);
    let page = page.clamp(1, pages);
    let (audit, audit_total) =
        accounts::account_audit(&s.read().store, AUDIT_PAGE, (page - 1) * AUDIT_PAGE).await?;
    // Scopes by name, also in lines stored with the id.
    let audit: Vec<_> = audit
        .into_iter()
        .map(|mut l| {
            l.detail = accounts::detail_named(&s.read().pack, &l.detail);
            l
        })
        .collect();
    let page = render(UsersPage {
        nav: Nav::of(s, v),
        message,
        ok,
        password,
        disabled: users.iter().filter(|u| u.disabled).count(),
        throttled: users.iter().filter(|u| !u.until.is_empty()).count(),
        users,
        audit,
        audit_total,
        page,
        pages,
        free: accounts::FREE_ATTEMPTS,
        max_minutes: accounts::MAX_DELAY_SECS / 60,
        forget_minutes: accounts::FORGET_AFTER_MINUTES,
    })?;
    Ok((status, page).into_response())
}

async fn users(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<UsersQuery>,
) -> Result<Response, WebError> {
    users_page(
        &s,
        &v,
        StatusCode::OK,
        (String::new(), true, None),
        q.page.unwrap_or(1),
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ChangeForm {
    csrf: Option<String>,
    username: String,
    action: String,
}

/// One change to an account from the accounts page; the page again with what was done (and a
/// generated password, shown this once), or why not.
async fn users_change(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let action = match f.action.as_str() {
        "disable" => AdminAction::Disable,
        "enable" => AdminAction::Enable,
        "unlock" => AdminAction::Unlock,
        "reset_password" => AdminAction::ResetPassword(None),
        other => {
            let m = format!(
                "未知的操作“{}”：可选 停用、启用、解除限速、重设密码。",
                cut(other)
            );
            return users_page(&s, &v, StatusCode::BAD_REQUEST, (m, false, None), 1).await;
        }
    };
    // The actor of the audit line: the signed-in admin's account.
    match accounts::change_account(&s.read().store, &v.username, &f.username, action).await {
        Ok(done) => {
            let m = format!(
                "账号 {}：{}，已记入变更记录。",
                done.username,
                done.action.label()
            );
            users_page(&s, &v, StatusCode::OK, (m, true, done.password), 1).await
        }
        Err(e @ huiqi_app::AppError::NotFound { .. }) => {
            users_page(
                &s,
                &v,
                StatusCode::NOT_FOUND,
                (e.to_string(), false, None),
                1,
            )
            .await
        }
        Err(e @ huiqi_app::AppError::Invalid { .. }) => {
            users_page(
                &s,
                &v,
                StatusCode::BAD_REQUEST,
                (e.to_string(), false, None),
                1,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A value from a form cut to 40 characters for a message.
fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    nav: Nav,
    sources: Vec<(&'static str, &'static str)>,
    message: String,
    errors: Vec<RowError>,
    history: Vec<(i64, String, String, String, i64)>,
}

/// The import page with a message (and the rows refused, if any) under `status`.
async fn import_page(
    s: &WebState,
    v: &Viewer,
    status: StatusCode,
    message: String,
    errors: Vec<RowError>,
) -> Result<Response, WebError> {
    let history = imports::history(&s.read().store, 20)
        .await?
        .into_iter()
        .map(|r| {
            let year = r.year.map_or("—".to_string(), |y| y.to_string());
            (r.id, r.label, year, r.file_name, r.rows)
        })
        .collect();
    let page = render(ImportPage {
        nav: Nav::of(s, v),
        sources: ImportKind::all()
            .into_iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        message,
        errors,
        history,
    })?;
    Ok((status, page).into_response())
}

async fn import_form(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    import_page(&s, &v, StatusCode::OK, String::new(), Vec::new()).await
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    csrf: Option<String>,
    source: String,
    year: String,
    file_name: String,
    bytes: Vec<u8>,
}

fn multipart_error(e: MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::too_large(format!(
            "文件超过 {} MB，未导入任何数据：请拆分后分批上传。",
            MAX_FILE_BYTES / 1024 / 1024
        ))
    } else {
        WebError::bad_request("bad_upload", format!("上传内容无法读取：{}", e.body_text()))
    }
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, WebError> {
    let mut u = Upload::default();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "csrf" => u.csrf = Some(field.text().await.map_err(multipart_error)?),
            "source" => u.source = field.text().await.map_err(multipart_error)?,
            "year" => {
                u.year = field
                    .text()
                    .await
                    .map_err(multipart_error)?
                    .trim()
                    .to_string()
            }
            "file" => {
                u.file_name = field.file_name().unwrap_or("").to_string();
                u.bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(u)
}

async fn import_submit(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    // Not a multipart form at all: no token can be in it.
    let Ok(mp) = mp else {
        return Err(WebError::csrf());
    };
    let up = read_upload(mp).await?;
    if !auth::csrf_ok(&v, up.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    let bad = |m: String| import_page(&s, &v, StatusCode::BAD_REQUEST, m, Vec::new());
    let Some(kind) = ImportKind::parse(up.source.trim()) else {
        return bad(format!("数据来源“{}”无效。", up.source)).await;
    };
    let year = match up.year.as_str() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => return bad(format!("年度“{y}”不合理：请填写四位年份，如 2024。")).await,
        },
    };
    let year = match kind {
        // The lists take their year from each row's date: a year in the form is ignored.
        ImportKind::List(_) => None,
        ImportKind::Registry(_) => year,
    };
    if let Err(e) = kind.check_year(year) {
        return bad(e.to_string()).await;
    }
    let file = match imports::open_upload(up.file_name, up.bytes).await {
        Ok(x) => x,
        Err(e) if e.is_input() => return bad(e.to_string()).await,
        Err(e) => return Err(e.into()),
    };
    let report =
        match imports::import_file(&s.read().store, &s.read().pack, kind, year, file, |_| {}).await
        {
            Ok(r) => r,
            Err(e) if e.is_input() || matches!(e, huiqi_app::AppError::Ingest(_)) => {
                return bad(format!("文件无法读取：{e}")).await;
            }
            Err(e) => return Err(e.into()),
        };
    let status = match &report.outcome {
        Outcome::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let errors = report
        .refused()
        .map(<[RowError]>::to_vec)
        .unwrap_or_default();
    // The summary, then what reading skipped, converted or warns about, and how many bad rows
    // are not listed.
    let message = std::iter::once(report.summary())
        .chain(report.note_lines())
        .chain(report.unlisted())
        .collect::<Vec<_>>()
        .join(" ");
    import_page(&s, &v, status, message, errors).await
}
