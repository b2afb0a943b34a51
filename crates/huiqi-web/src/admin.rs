//! The working group's pages: accounts, and department file upload into the registry. An upload
//! is read and checked in full first (huiqi-ingest); a file with any bad row is shown back as a
//! table of row errors and nothing is imported; a clean file goes through `Store::import` in one
//! transaction. The lists beside the registry (认定名单, 创业培训台账) upload the same way through
//! `Store::import_list`.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use huiqi_domain::lists::ListSource;
use huiqi_domain::registry::{RowError, Source};
use huiqi_ingest::{Counties, InputFile, read_list, read_records};
use huiqi_store::lists::ListMeta;
use huiqi_store::registry::{ImportMeta, ImportOutcome, Incoming};

use crate::auth::{self, Viewer};
use crate::{Nav, Shared, internal, nav, page_error, render};

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<(String, String, String, String, bool)>,
}

pub async fn users(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    match s.store.list_users().await {
        Ok(users) => render(UsersPage {
            nav: nav(&s, &v),
            users,
        }),
        Err(e) => internal(&e.to_string()),
    }
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

const SOURCES: [Source; 6] = [
    Source::Facts,
    Source::Market,
    Source::Tax,
    Source::Hr,
    Source::Stats,
    Source::Finance,
];

const LISTS: [ListSource; 2] = [ListSource::Certifications, ListSource::Trainings];

async fn import_page(
    s: &Shared,
    v: &Viewer,
    status: StatusCode,
    message: String,
    errors: Vec<RowError>,
) -> Response {
    let history = match s.store.imports().await {
        Ok(h) => h
            .into_iter()
            .rev()
            .take(20)
            .map(|r| {
                let year = r.year.map_or("—".to_string(), |y| y.to_string());
                let source =
                    Source::parse(&r.source).map_or(r.source.clone(), |s| s.label().to_string());
                (r.id, source, year, r.file_name, r.rows_total)
            })
            .collect(),
        Err(e) => return internal(&e.to_string()),
    };
    let page = ImportPage {
        nav: nav(s, v),
        sources: SOURCES
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .chain(LISTS.iter().map(|l| (l.as_str(), l.label())))
            .collect(),
        message,
        errors,
        history,
    };
    (status, render(page)).into_response()
}

use axum::response::IntoResponse;

pub async fn import_form(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
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

async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| format!("上传内容无法读取：{e}"))?
    {
        match field.name().unwrap_or("") {
            "csrf" => u.csrf = Some(field.text().await.map_err(|e| e.to_string())?),
            "source" => u.source = field.text().await.map_err(|e| e.to_string())?,
            "year" => {
                u.year = field
                    .text()
                    .await
                    .map_err(|e| e.to_string())?
                    .trim()
                    .to_string()
            }
            "file" => {
                u.file_name = field.file_name().unwrap_or("").to_string();
                u.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| format!("文件无法读取：{e}"))?
                    .to_vec();
            }
            _ => {}
        }
    }
    Ok(u)
}

pub async fn import_submit(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // Not a multipart form at all: no token can be in it.
    let Ok(mp) = mp else {
        return page_error(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试。",
        );
    };
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return import_page(&s, &v, StatusCode::BAD_REQUEST, e, Vec::new()).await,
    };
    if !auth::csrf_ok(&v, up.csrf.as_deref()) {
        return page_error(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试。",
        );
    }
    let fail = |msg: String| import_page(&s, &v, StatusCode::BAD_REQUEST, msg, Vec::new());
    if let Some(list) = ListSource::parse(&up.source) {
        return import_list(&s, &v, list, up).await;
    }
    let Some(source) = Source::parse(&up.source) else {
        return fail(format!("数据来源“{}”无效。", up.source)).await;
    };
    let year = match (source.is_yearly(), up.year.as_str()) {
        (true, "") => return fail(format!("{}数据按年度导入：请填写年度。", source.label())).await,
        (true, y) => match y.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => return fail(format!("年度“{y}”不合理：请填写四位年份，如 2024。")).await,
        },
        (false, _) => None,
    };
    let ext = match extension(&up) {
        Ok(e) => e,
        Err(m) => return fail(m).await,
    };
    let pack = s.pack.clone();
    // Read and check the whole file on a blocking thread, keeping every valid record.
    let checked = tokio::task::spawn_blocking(
        move || -> Result<(InputFile, Vec<_>, huiqi_ingest::Issues), String> {
            let (_dir, file) = uploaded_file(&up, &ext)?;
            let counties = Counties::from_pack(&pack);
            let mut records = Vec::new();
            let report = read_records(&file, source, &counties, 16_384, |chunk| {
                records.extend(chunk);
                true
            })
            .map_err(|e| e.to_string())?;
            Ok((file, records, report.errors))
        },
    )
    .await;
    let (file, records, errors) = match checked {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return fail(format!("文件无法读取：{e}")).await,
        Err(e) => return internal(&e.to_string()),
    };
    if !errors.is_empty() {
        let msg = format!(
            "文件“{}”有 {} 处错误，未导入任何数据。请改正后重新上传：",
            file.file_name,
            errors.total()
        );
        let errors = errors.into_listed();
        return import_page(&s, &v, StatusCode::UNPROCESSABLE_ENTITY, msg, errors).await;
    }
    let meta = ImportMeta {
        source,
        year,
        file_name: file.file_name.clone(),
        file_sha256: file.sha256.clone(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let sender = tokio::spawn(async move {
        if !records.is_empty() && tx.send(Incoming::Rows(records)).await.is_err() {
            return;
        }
        let _ = tx.send(Incoming::End { valid: true }).await;
    });
    let outcome = s.store.import(&meta, rx).await;
    let _ = sender.await;
    outcome_page(&s, &v, &meta.file_name, source.label(), outcome).await
}

/// The extension of an uploaded file, if it is one huiqi reads.
fn extension(up: &Upload) -> Result<String, String> {
    if up.bytes.is_empty() {
        return Err("请选择要上传的文件（.xlsx 或 .csv）。".into());
    }
    let ext = std::path::Path::new(&up.file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ["csv", "xlsx", "xls"].contains(&ext.as_str()) {
        Ok(ext)
    } else {
        Err(format!(
            "文件“{}”的类型不支持：请上传 .xlsx 或 .csv 文件。",
            up.file_name
        ))
    }
}

/// The upload written to a temporary file (kept while the returned directory lives) and opened
/// under the name the user gave it.
fn uploaded_file(up: &Upload, ext: &str) -> Result<(tempfile::TempDir, InputFile), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join(format!("upload.{ext}"));
    std::fs::write(&path, &up.bytes).map_err(|e| e.to_string())?;
    let mut file = InputFile::open(&path).map_err(|e| e.to_string())?;
    file.file_name = up.file_name.clone();
    Ok((dir, file))
}

/// The page after an import was tried: what was written, or every refused row.
async fn outcome_page(
    s: &Shared,
    v: &Viewer,
    file_name: &str,
    label: &str,
    outcome: Result<ImportOutcome, huiqi_store::StoreError>,
) -> Response {
    match outcome {
        Ok(ImportOutcome::Committed { id, counts }) => {
            let msg = format!(
                "已导入“{file_name}”（{label}，导入号 {id}）：共 {} 行，新增 {}，更新 {}，未变 {}。",
                counts.total, counts.new, counts.updated, counts.unchanged
            );
            import_page(s, v, StatusCode::OK, msg, Vec::new()).await
        }
        Ok(ImportOutcome::Unchanged { counts }) => {
            let msg = format!(
                "“{file_name}”的 {} 行与库中的数据完全相同，未作任何更改。",
                counts.total
            );
            import_page(s, v, StatusCode::OK, msg, Vec::new()).await
        }
        Ok(ImportOutcome::Rejected(errors)) => {
            let msg = format!(
                "文件“{file_name}”有 {} 处错误，未导入任何数据：",
                errors.len()
            );
            import_page(s, v, StatusCode::UNPROCESSABLE_ENTITY, msg, errors).await
        }
        Ok(ImportOutcome::InvalidInput) => {
            let msg = "文件未能完整读取，未导入任何数据。".to_string();
            import_page(s, v, StatusCode::BAD_REQUEST, msg, Vec::new()).await
        }
        Err(e) => internal(&e.to_string()),
    }
}

/// Upload of a 认定名单 or 创业培训台账: read and checked in full, then one transaction.
async fn import_list(s: &Shared, v: &Viewer, list: ListSource, up: Upload) -> Response {
    let ext = match extension(&up) {
        Ok(e) => e,
        Err(m) => return import_page(s, v, StatusCode::BAD_REQUEST, m, Vec::new()).await,
    };
    let pack = s.pack.clone();
    let read = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let (_dir, file) = uploaded_file(&up, &ext)?;
        let read =
            read_list(&file, list, &Counties::from_pack(&pack)).map_err(|e| e.to_string())?;
        Ok((file, read))
    })
    .await;
    let (file, read) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            let msg = format!("文件无法读取：{e}");
            return import_page(s, v, StatusCode::BAD_REQUEST, msg, Vec::new()).await;
        }
        Err(e) => return internal(&e.to_string()),
    };
    if !read.report.errors.is_empty() {
        let msg = format!(
            "文件“{}”有 {} 处错误，未导入任何数据。请改正后重新上传：",
            file.file_name,
            read.report.errors.total()
        );
        return import_page(
            s,
            v,
            StatusCode::UNPROCESSABLE_ENTITY,
            msg,
            read.report.errors.into_listed(),
        )
        .await;
    }
    let meta = ListMeta {
        file_name: file.file_name.clone(),
        file_sha256: file.sha256.clone(),
        uscc_header: read.headers.first().cloned().unwrap_or_default(),
    };
    let outcome = s.store.import_list(&meta, &read.rows).await;
    outcome_page(s, v, &meta.file_name, list.label(), outcome).await
}
