//! The working group's administration: accounts, and uploading a department's file or a list into
//! the registry. An upload goes through huiqi-app's one import pipeline: a file with any bad row
//! is shown back as a table of row errors (422) and nothing is imported.

use askama::Template;
use axum::Extension;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use huiqi_app::accounts::{AccountRow, list_accounts};
use huiqi_app::imports::{self, ImportKind, MAX_FILE_BYTES, Outcome};
use huiqi_domain::registry::RowError;

use crate::auth::{self, Viewer};
use crate::error::WebError;
use crate::page::{Nav, render};
use crate::routes::{ADMIN, Area, Link, Route};
use crate::state::{Shared, WebState};

pub const AREA: Area = Area {
    name: "数据导入与账号",
    routes: &[
        Route::get("/admin/users", ADMIN, "账号", || get(users)),
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

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<(String, String, String, String, bool)>,
}

async fn users(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    let users = list_accounts(&s.app.store)
        .await?
        .into_iter()
        .map(|a: AccountRow| (a.username, a.role, a.scope, a.display_name, a.locked))
        .collect();
    render(UsersPage {
        nav: Nav::of(&s, &v),
        users,
    })
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
    let history = imports::history(&s.app.store, 20)
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
        match imports::import_file(&s.app.store, &s.app.pack, kind, year, file, |_| {}).await {
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
