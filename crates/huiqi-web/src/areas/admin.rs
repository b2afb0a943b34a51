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
        Route::post("/admin/users/new", ADMIN, "新建账号", || {
            post(users_create)
        }),
        Route::get("/admin/import", ADMIN, "数据导入", || get(import_form)),
        Route::get(
            "/admin/import/template",
            ADMIN,
            "下载导入模板（.xlsx，中文表头）",
            || get(import_template),
        ),
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
    /// The choices of the new-account form: roles, units and jurisdictions (id, name).
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    counties: Vec<(String, String)>,
    /// What the new-account form held when it was refused (to fill it again).
    draft: CreateForm,
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
    users_page_with(
        s,
        v,
        status,
        (message, ok, password),
        page,
        CreateForm::default(),
    )
    .await
}

async fn users_page_with(
    s: &WebState,
    v: &Viewer,
    status: StatusCode,
    (message, ok, password): (String, bool, Option<String>),
    page: i64,
    draft: CreateForm,
) -> Result<Response, WebError> {
    let draft = draft.capped();
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
            role: huiqi_app::accounts::RoleKind::parse_any(&a.role)
                .map_or(a.role, |k| k.label().to_string()),
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
        roles: [
            accounts::RoleKind::Admin,
            accounts::RoleKind::Unit,
            accounts::RoleKind::County,
            accounts::RoleKind::Enterprise,
        ]
        .into_iter()
        .map(|k| (k.as_str(), k.label()))
        .collect(),
        units: s
            .app
            .pack
            .units
            .iter()
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect(),
        counties: s
            .app
            .pack
            .jurisdictions
            .iter()
            .map(|j| (j.id.clone(), j.name.clone()))
            .collect(),
        draft,
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

/// The new-account form: the scope comes from the field of the role chosen (a unit, a
/// jurisdiction, or an enterprise's 统一社会信用代码).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct CreateForm {
    csrf: Option<String>,
    username: String,
    display_name: String,
    role: String,
    unit: String,
    county: String,
    uscc: String,
}

impl CreateForm {
    /// The form as it is shown again after a refusal: what was typed, each field cut to the
    /// longest a name may be, so a 50 KB value is not echoed back whole.
    fn capped(self) -> Self {
        let cap = |v: String| -> String {
            v.chars()
                .take(huiqi_domain::limits::NAME_MAX_CHARS)
                .collect()
        };
        CreateForm {
            csrf: None,
            username: cap(self.username),
            display_name: cap(self.display_name),
            role: cap(self.role),
            unit: cap(self.unit),
            county: cap(self.county),
            uscc: cap(self.uscc),
        }
    }
}

/// Checks the new-account form (every message in Chinese, naming the field) and the role with
/// its scope.
fn checked_role(s: &WebState, f: &CreateForm) -> Result<accounts::Role, String> {
    use accounts::RoleKind;
    if f.username.trim().is_empty() {
        return Err("请填写用户名。".into());
    }
    if f.display_name.trim().is_empty() {
        return Err("请填写显示名称（如单位或姓名）。".into());
    }
    let Some(kind) = RoleKind::parse(f.role.trim()) else {
        return Err("请选择角色：工作专班、责任单位、县区或企业。".into());
    };
    let scope = match kind {
        RoleKind::Admin => "",
        RoleKind::Unit => match f.unit.trim() {
            "" => return Err("角色为责任单位时，请选择责任单位。".into()),
            u if s.read().pack.unit(u).is_none() => {
                return Err(format!("责任单位“{}”不在政策包中。", cut(u)));
            }
            u => u,
        },
        RoleKind::County => match f.county.trim() {
            "" => return Err("角色为县区时，请选择县区。".into()),
            c if s.read().pack.jurisdiction(c).is_none() => {
                return Err(format!("县区“{}”不在政策包中。", cut(c)));
            }
            c => c,
        },
        RoleKind::Enterprise => match f.uscc.trim() {
            "" => return Err("角色为企业时，请填写该企业的统一社会信用代码。".into()),
            u => match huiqi_domain::Uscc::parse(u) {
                Ok(_) => u,
                Err(e) => return Err(format!("统一社会信用代码“{}”无效：{e}", cut(u))),
            },
        },
    };
    accounts::Role::checked(&s.read().pack, kind, scope).map_err(|e| e.to_string())
}

/// A new account from the accounts page (huiqi-app's `create_account`, as `huiqi users add`),
/// with the signed-in admin as the actor of its audit line; the generated password is shown this
/// once. An existing username is refused (its password is reset from the list instead).
async fn users_create(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    if !auth::csrf_ok(&v, f.csrf.as_deref()) {
        return Err(WebError::csrf());
    }
    match create_checked(&s, &v, &f).await? {
        Ok((message, password)) => {
            users_page(&s, &v, StatusCode::OK, (message, true, Some(password)), 1).await
        }
        Err(message) => {
            users_page_with(
                &s,
                &v,
                StatusCode::BAD_REQUEST,
                (message, false, None),
                1,
                f,
            )
            .await
        }
    }
}

/// Creates the account of the form: what to say and the password, or why not.
async fn create_checked(
    s: &WebState,
    v: &Viewer,
    f: &CreateForm,
) -> Result<Result<(String, String), String>, WebError> {
    let role = match checked_role(s, f) {
        Ok(r) => r,
        Err(m) => return Ok(Err(m)),
    };
    let username = f.username.trim();
    let taken = list_accounts(&s.read().store)
        .await?
        .iter()
        .any(|a| a.username == username);
    if taken {
        return Ok(Err(format!(
            "用户名“{}”已被使用：请换一个；如需重设该账号的密码，请在下面的列表中操作。",
            cut(username)
        )));
    }
    let created = accounts::create_account(
        &s.app.store,
        username,
        role,
        &f.display_name,
        None,
        &v.username,
    )
    .await;
    match created {
        Ok(a) => {
            let kind = a.role.kind().map_or("", accounts::RoleKind::label);
            let m = format!(
                "账号 {}（{kind}，{}）已新建，已记入变更记录。",
                a.username, a.display_name
            );
            Ok(Ok((m, a.password)))
        }
        Err(e @ huiqi_app::AppError::Invalid { .. }) => Ok(Err(e.to_string())),
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
    history: Vec<imports::LogRow>,
    history_total: i64,
    page: i64,
    pages: i64,
}

/// Import log lines per page.
const LOG_PAGE: i64 = 20;

/// The import page with a message (and the rows refused, if any) under `status`, the log at
/// `page`.
async fn import_page(
    s: &WebState,
    v: &Viewer,
    status: StatusCode,
    (message, errors): (String, Vec<RowError>),
    page: i64,
) -> Result<Response, WebError> {
    let (_, total) = imports::log_page(&s.read().store, 1, 0).await?;
    let pages = ((total + LOG_PAGE - 1) / LOG_PAGE).max(1);
    let page = page.clamp(1, pages);
    let (lines, history_total) =
        imports::log_page(&s.read().store, LOG_PAGE, (page - 1) * LOG_PAGE).await?;
    let page = render(ImportPage {
        nav: Nav::of(s, v),
        sources: ImportKind::all()
            .into_iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        message,
        errors,
        history: lines.into_iter().map(imports::LogRow::from).collect(),
        history_total,
        page,
        pages,
    })?;
    Ok((status, page).into_response())
}

async fn import_form(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<UsersQuery>,
) -> Result<Response, WebError> {
    import_page(
        &s,
        &v,
        StatusCode::OK,
        (String::new(), Vec::new()),
        q.page.unwrap_or(1),
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct TemplateQuery {
    source: String,
}

/// The Excel template of one source or list: the header row in Chinese and a sheet explaining
/// every column.
async fn import_template(
    State(s): State<Shared>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, WebError> {
    let Some(kind) = ImportKind::parse(q.source.trim()) else {
        return Err(WebError::bad_request(
            "bad_source",
            format!("数据来源“{}”无效。", cut(&q.source)),
        ));
    };
    let (name, bytes) = imports::template_download(&s.read().pack, kind)?;
    Ok(crate::upload::xlsx(&name, bytes))
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
    crate::upload::multipart_error(
        e,
        &format!(
            "文件超过 {} MB，未导入任何数据：请拆分后分批上传。",
            MAX_FILE_BYTES / 1024 / 1024
        ),
    )
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
    let bad = |m: String| import_page(&s, &v, StatusCode::BAD_REQUEST, (m, Vec::new()), 1);
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
    let file_name = up.file_name.clone();
    let file = match imports::open_upload(up.file_name, up.bytes).await {
        Ok(x) => x,
        Err(e) if e.is_input() => {
            // Not even opened (a broken .xlsx, too large): in the import log as refused too.
            imports::log_unreadable(&s.read().store, kind, year, &file_name, &v.username).await?;
            return bad(e.to_string()).await;
        }
        Err(e) => return Err(e.into()),
    };
    let report = match imports::import_file(
        &s.read().store,
        &s.read().pack,
        kind,
        year,
        file,
        &v.username,
        |_| {},
    )
    .await
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
    import_page(&s, &v, status, (message, errors), 1).await
}
