//! 日常调度 reporting from the browser (issue 7: “each responsible unit or county enters its
//! actual value per target, with a note and an attachment name”). Who may report what is decided
//! here, on the server: a county user for its own jurisdiction only, a unit only for the targets
//! it is responsible for (for any jurisdiction), the working group for any. Reports are
//! append-only (the latest counts), as with `huiqi progress report`.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use huiqi_progress::Month;
use huiqi_store::progress::ReportRow;
use rust_decimal::Decimal;

use crate::auth::{self, Role, Viewer};
use crate::{AppState, Shared, internal, page_error};

/// The targets (id, indicator) a viewer may report, in pack order.
pub fn reportable_targets(s: &AppState, v: &Viewer) -> Vec<(String, String)> {
    s.pack
        .targets
        .iter()
        .filter(|t| match &v.role {
            Role::Admin | Role::County(_) => true,
            Role::Unit(u) => t.units.iter().any(|x| x == u),
            _ => false,
        })
        .map(|t| (t.id.clone(), t.indicator.clone()))
        .collect()
}

/// The jurisdictions (id, name) a viewer may report for.
pub fn reportable_jurisdictions(s: &AppState, v: &Viewer) -> Vec<(String, String)> {
    s.pack
        .jurisdictions
        .iter()
        .filter(|j| match &v.role {
            Role::County(c) => &j.id == c,
            Role::Admin | Role::Unit(_) => true,
            _ => false,
        })
        .map(|j| (j.id.clone(), j.name.clone()))
        .collect()
}

/// Checks a submitted report; the error says in Chinese which field is wrong and why.
fn check(
    s: &AppState,
    v: &Viewer,
    f: &HashMap<String, String>,
) -> Result<ReportRow, (StatusCode, String)> {
    let get = |k: &str| f.get(k).map(|x| x.trim().to_string()).unwrap_or_default();
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let (target, jurisdiction) = (get("target"), get("jurisdiction"));
    if s.pack.targets.iter().all(|t| t.id != target) {
        return Err(bad(format!("指标“{target}”不存在。")));
    }
    if s.pack.jurisdiction(&jurisdiction).is_none() {
        return Err(bad(format!("辖区“{jurisdiction}”不存在。")));
    }
    if !reportable_targets(s, v).iter().any(|(id, _)| *id == target) {
        return Err((
            StatusCode::FORBIDDEN,
            "本单位不是该指标的责任单位，不能报送。".into(),
        ));
    }
    if !reportable_jurisdictions(s, v)
        .iter()
        .any(|(id, _)| *id == jurisdiction)
    {
        return Err((StatusCode::FORBIDDEN, "只能报送本辖区的完成值。".into()));
    }
    let period = Month::parse(&get("period")).map_err(|e| bad(format!("报送月份：{e}")))?;
    let text = get("value");
    let value: Decimal = text
        .parse()
        .map_err(|_| bad(format!("完成值“{text}”不是数字。")))?;
    if value.is_sign_negative() {
        return Err(bad(format!("完成值不能为负：{text}。")));
    }
    if value.scale() > 4 {
        return Err(bad(format!("完成值“{text}”最多四位小数。")));
    }
    let note = get("note");
    if note.chars().count() > 500 {
        return Err(bad("说明不能超过 500 字。".into()));
    }
    let attachment = get("attachment");
    if attachment.chars().count() > 200 {
        return Err(bad("附件名称不能超过 200 字。".into()));
    }
    Ok(ReportRow {
        target,
        jurisdiction,
        period: period.to_string(),
        value,
        note,
        attachment: (!attachment.is_empty()).then_some(attachment),
        reporter: format!("{}（{}）", v.display_name, v.role.name()),
        reported_at: Utc::now(),
    })
}

pub async fn submit(
    State(s): State<Shared>,
    axum::Extension(v): axum::Extension<Viewer>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !auth::csrf_ok(&v, f.get("csrf").map(String::as_str)) {
        return page_error(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试。",
        );
    }
    let report = match check(&s, &v, &f) {
        Ok(r) => r,
        Err((status, m)) => return page_error(status, &m),
    };
    let period = report.period.clone();
    if let Err(e) = s.store.add_reports(&[report]).await {
        return internal(&e.to_string());
    }
    Redirect::to(&format!("/dashboard?period={period}&reported=1")).into_response()
}
