//! 清欠 (article 14): complaint registration (by the creditor, or by an official on its behalf),
//! the cases with their steps to 销号 and their time limits, the payer league table, and the
//! public 31 March disclosure with its .xlsx export. Who sees and does what is decided in
//! `huiqi_app::arrears` (the working group and 市经信局 all; a supervising unit its payers'; a county
//! its county's; an enterprise its own complaints; the public the disclosure only).

use askama::Template;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use huiqi_app::accounts::{Role, RoleKind};
use huiqi_app::arrears::{self as app, CaseView, ComplaintInput, StepInput};
use huiqi_arrears::PayerKind;
use huiqi_arrears::league::GroupBy;
use huiqi_arrears::money::yuan;
use huiqi_arrears::workflow::CaseState;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::auth::{self, Viewer};
use crate::error::{Query, WebError};
use crate::page::{Nav, render};
use crate::routes::{Area, Link, Route, Rule, SIGNED_IN, STAFF};
use crate::state::Shared;

pub const AREA: Area = Area {
    name: "清欠",
    routes: &[
        Route::get(
            "/arrears",
            SIGNED_IN,
            "清欠：投诉案件（本人、本单位、本辖区或全部）",
            || get(list),
        ),
        Route::get(
            "/arrears.xlsx",
            SIGNED_IN,
            "投诉案件导出（.xlsx，按当前筛选，范围同列表）",
            || get(list_xlsx),
        ),
        Route::get(
            "/arrears/new",
            SIGNED_IN,
            "登记拖欠账款投诉",
            || get(new_form),
        ),
        Route::post(
            "/arrears/complaints",
            SIGNED_IN,
            "提交拖欠账款投诉（可附证据材料）",
            || post(register).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        ),
        Route::get(
            "/arrears/cases/{id}",
            SIGNED_IN,
            "投诉案件：步骤、期限、逾期利息",
            || get(case),
        ),
        Route::post(
            "/arrears/cases/{id}/steps",
            STAFF,
            "案件办理：核实、受理、交办、劝告指导、约谈、主动执法、清偿、销号（可附证据材料）",
            || post(step).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        ),
        Route::get(
            "/arrears/cases/{id}/files/{file}",
            SIGNED_IN,
            "下载投诉的证据材料（能看到该案件的才能下载）",
            || get(evidence),
        ),
        Route::get(
            "/arrears/league",
            STAFF,
            "付款方排行（付款天数分档、逾期利息）",
            || get(league),
        ),
        Route::get(
            "/arrears/league.xlsx",
            STAFF,
            "付款方排行导出（.xlsx）",
            || get(league_xlsx),
        ),
        Route::get(
            "/arrears/disclosure",
            Rule::Public,
            "公开：机关、事业单位逾期未支付中小企业款项年度披露",
            || get(disclosure),
        ),
        Route::get(
            "/arrears/disclosure.xlsx",
            Rule::Public,
            "年度披露导出（.xlsx）",
            || get(disclosure_xlsx),
        ),
        Route::get(
            "/api/v1/arrears/disclosure",
            Rule::Public,
            "年度披露（JSON）",
            || get(disclosure_api),
        ),
    ],
    links: &[
        Link {
            label: "清欠",
            href: "/arrears",
            rule: SIGNED_IN,
        },
        Link {
            label: "拖欠披露",
            href: "/arrears/disclosure",
            rule: Rule::Public,
        },
    ],
};

/// Cases per page.
const PAGE: usize = 50;

/// The largest complaint or step form: its evidence files and the form.
pub const MAX_UPLOAD: usize = crate::upload::body_limit(app::MAX_EVIDENCE_FILES);

fn too_large() -> String {
    format!(
        "证据材料超过上限，未保存：每份不超过 10 MB，最多 {} 份。",
        app::MAX_EVIDENCE_FILES
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    /// A state id to filter on; `escalated` for the overdue ones.
    state: String,
    page: usize,
    done: String,
}

struct CaseLine {
    id: i64,
    creditor: String,
    debtor: String,
    kind: &'static str,
    county: String,
    state: &'static str,
    outstanding: String,
    interest: String,
    due: String,
    registered_on: String,
    deadline: String,
    escalated: String,
}

fn line(c: &CaseView) -> CaseLine {
    let deadline = match (&c.deadlines, c.state) {
        (Some(d), CaseState::Complained | CaseState::Verified | CaseState::Accepted) => {
            format!("交办 {}", d.hand_on_by)
        }
        (Some(d), s) if s.is_handling() => d
            .handle_by
            .map_or_else(String::new, |b| format!("办结 {b}")),
        _ => String::new(),
    };
    CaseLine {
        id: c.id,
        creditor: c.creditor_name.clone(),
        debtor: c.debtor_name.clone(),
        kind: c.debtor_kind.label(),
        county: c.county.clone(),
        state: c.state.label(),
        outstanding: yuan(c.outstanding),
        interest: yuan(c.interest),
        due: c.due.due.map_or("无法计算".into(), |d| d.to_string()),
        registered_on: c.registered_on.to_string(),
        deadline,
        escalated: c.escalated.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "arrears.html")]
struct ListPage {
    nav: Nav,
    is_enterprise: bool,
    is_staff: bool,
    states: Vec<(&'static str, &'static str, usize)>,
    state: String,
    escalated: usize,
    rows: Vec<CaseLine>,
    total: usize,
    total_outstanding: String,
    total_interest: String,
    page: usize,
    pages: usize,
    done: String,
}

async fn list(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let all = app::cases(s.read(), &v.role, app_today()).await?;
    let states = CaseState::ALL
        .iter()
        .map(|st| {
            (
                st.as_str(),
                st.label(),
                all.iter().filter(|c| c.state == *st).count(),
            )
        })
        .collect();
    let escalated = all.iter().filter(|c| c.escalated.is_some()).count();
    let wanted = q.state.trim();
    let chosen = chosen(&all, wanted);
    let total = chosen.len();
    let total_outstanding = yuan(chosen.iter().map(|c| c.outstanding).sum::<Decimal>());
    let total_interest = yuan(chosen.iter().map(|c| c.interest).sum::<Decimal>());
    let pages = total.div_ceil(PAGE).max(1);
    let page = q.page.clamp(1, pages);
    let rows = chosen
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(line)
        .collect();
    render(ListPage {
        nav: Nav::of(&s, &v),
        is_enterprise: matches!(v.role, Role::Enterprise(_)),
        is_staff: matches!(
            v.role.kind(),
            Some(RoleKind::Admin | RoleKind::Unit | RoleKind::County)
        ),
        states,
        state: wanted.to_string(),
        escalated,
        rows,
        total,
        total_outstanding,
        total_interest,
        page,
        pages,
        done: q.done.clone(),
    })
}

/// The cases of a list filter: all, the escalated ones, or those in one state.
fn chosen<'a>(all: &'a [CaseView], wanted: &str) -> Vec<&'a CaseView> {
    all.iter()
        .filter(|c| match wanted {
            "" => true,
            "escalated" => c.escalated.is_some(),
            st => c.state.as_str() == st,
        })
        .collect()
}

/// The list's filter in words (for the export's title).
fn filter_label(wanted: &str) -> String {
    match wanted {
        "" => "全部".into(),
        "escalated" => "逾期上报工作专班".into(),
        st => CaseState::parse(st).map_or_else(|| st.to_string(), |s| s.label().to_string()),
    }
}

async fn list_xlsx(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let today = app_today();
    let all = app::cases(s.read(), &v.role, today).await?;
    let wanted = q.state.trim();
    let rows = chosen(&all, wanted);
    let label = filter_label(wanted);
    let bytes = app::cases_xlsx(&rows, &label, today)?;
    Ok(crate::upload::xlsx(
        &format!("拖欠账款投诉案件-{label}-{today}.xlsx"),
        bytes,
    ))
}

fn app_today() -> chrono::NaiveDate {
    huiqi_app::assess::today()
}

#[derive(Template)]
#[template(path = "arrears_new.html")]
struct NewPage {
    nav: Nav,
    creditor_uscc: String,
    creditor_name: String,
    fixed_creditor: bool,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    jurisdictions: Vec<(String, String)>,
    today: String,
    max_files: usize,
}

async fn new_form(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
) -> Result<Response, WebError> {
    let (creditor_uscc, creditor_name, fixed) = match &v.role {
        Role::Enterprise(u) => (u.as_str().to_string(), v.display_name.clone(), true),
        _ => (String::new(), String::new(), false),
    };
    let jurisdictions = match &v.role {
        Role::County(c) => vec![(c.clone(), s.read().jurisdiction_name(c))],
        _ => s.read().jurisdictions(),
    };
    let units = match &v.role {
        Role::Unit(u) if !app::sees_all(&s.read().pack, &v.role) => {
            vec![(u.clone(), app::unit_name(&s.read().pack, u))]
        }
        _ => std::iter::once((String::new(), "（无）".to_string()))
            .chain(
                s.read()
                    .pack
                    .units
                    .iter()
                    .map(|u| (u.id.clone(), u.name.clone())),
            )
            .collect(),
    };
    render(NewPage {
        nav: Nav::of(&s, &v),
        creditor_uscc,
        creditor_name,
        fixed_creditor: fixed,
        kinds: PayerKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        units,
        jurisdictions,
        today: app_today().to_string(),
        max_files: app::MAX_EVIDENCE_FILES,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ComplaintForm {
    creditor_uscc: String,
    creditor_name: String,
    debtor_name: String,
    debtor_uscc: String,
    debtor_kind: String,
    supervising_unit: String,
    county: String,
    contract_no: String,
    contract_date: String,
    amount: String,
    delivered: String,
    accepted: String,
    acceptance_days: String,
    agreed_days: String,
    agreed_rate: String,
    settled: String,
    third_party: String,
    paid_on_1: String,
    paid_1: String,
    paid_on_2: String,
    paid_2: String,
    paid_on_3: String,
    paid_3: String,
    outstanding: String,
    description: String,
    registered_on: String,
}

async fn register(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let up = crate::upload::read(mp, &too_large()).await?;
    if !auth::csrf_ok(&v, up.csrf()) {
        return Err(WebError::csrf());
    }
    let f: ComplaintForm = up.form()?;
    let input = ComplaintInput {
        creditor_uscc: f.creditor_uscc,
        creditor_name: f.creditor_name,
        debtor_name: f.debtor_name,
        debtor_uscc: f.debtor_uscc,
        debtor_kind: f.debtor_kind,
        supervising_unit: f.supervising_unit,
        county: f.county,
        contract_no: f.contract_no,
        contract_date: f.contract_date,
        amount: f.amount,
        delivered: f.delivered,
        accepted: f.accepted,
        acceptance_days: f.acceptance_days,
        agreed_days: f.agreed_days,
        agreed_rate: f.agreed_rate,
        settled: f.settled,
        third_party: f.third_party == "1",
        payments: vec![
            (f.paid_on_1, f.paid_1),
            (f.paid_on_2, f.paid_2),
            (f.paid_on_3, f.paid_3),
        ],
        outstanding: f.outstanding,
        description: f.description,
        registered_on: f.registered_on,
        files: up.files,
    };
    let id = app::register(s.read(), &v.role, &input, &v.display_name, app_today()).await?;
    Ok(Redirect::to(&format!("/arrears/cases/{id}?done=registered")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CaseQuery {
    done: String,
}

#[derive(Template)]
#[template(path = "arrears_case.html")]
struct CasePage {
    nav: Nav,
    c: CaseLine,
    contract_no: String,
    amount: String,
    paid: String,
    supervising_unit: String,
    regulation: String,
    due_reason: String,
    due_trace: Vec<String>,
    flags: Vec<(bool, String, String)>,
    deadline_trace: Vec<String>,
    steps: Vec<(String, &'static str, String, String)>,
    next: Vec<(&'static str, &'static str)>,
    can_act: bool,
    done: String,
    today: String,
    /// The evidence files and the step each came with.
    files: Vec<(crate::upload::FileLink, String)>,
    max_files: usize,
}

async fn case(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, WebError> {
    let view = app::case(s.read(), &v.role, id, app_today()).await?;
    let files = view
        .files
        .iter()
        .map(|(m, seq)| {
            let step = usize::try_from(*seq - 1)
                .ok()
                .and_then(|i| view.steps.get(i))
                .map_or_else(String::new, |st| format!("{} {}", st.on, st.state.label()));
            (
                crate::upload::FileLink::of(&format!("/arrears/cases/{id}/files"), m),
                step,
            )
        })
        .collect();
    let steps = view
        .steps
        .iter()
        .map(|st| {
            let mut note = st.note.clone();
            if let (Some(u), Some(d)) = (st.undisputed, st.disputed) {
                note = format!("{note}（无争议 {} 元，有争议 {} 元）", yuan(u), yuan(d));
            }
            (st.on.to_string(), st.state.label(), st.unit.clone(), note)
        })
        .collect();
    render(CasePage {
        nav: Nav::of(&s, &v),
        c: line(&view),
        contract_no: view.contract_no.clone(),
        amount: yuan(view.amount),
        paid: yuan(view.paid),
        supervising_unit: view.supervising_unit.clone(),
        regulation: view.due.regulation.clone(),
        due_reason: view.due.reason.clone(),
        due_trace: view.due.trace.clone(),
        flags: view
            .due
            .flags
            .iter()
            .map(|f| (f.forbidden, f.text.clone(), f.reference.clone()))
            .collect(),
        deadline_trace: view
            .deadlines
            .as_ref()
            .map(|d| d.trace.clone())
            .unwrap_or_default(),
        steps,
        next: view.next.iter().map(|n| (n.as_str(), n.label())).collect(),
        can_act: matches!(
            v.role.kind(),
            Some(RoleKind::Admin | RoleKind::Unit | RoleKind::County)
        ),
        done: q.done.clone(),
        today: app_today().to_string(),
        files,
        max_files: app::MAX_EVIDENCE_FILES,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StepForm {
    to: String,
    on: String,
    note: String,
    undisputed: String,
    disputed: String,
}

async fn step(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let up = crate::upload::read(mp, &too_large()).await?;
    if !auth::csrf_ok(&v, up.csrf()) {
        return Err(WebError::csrf());
    }
    let f: StepForm = up.form()?;
    let input = StepInput {
        to: f.to,
        on: f.on,
        note: f.note,
        undisputed: f.undisputed,
        disputed: f.disputed,
        files: up.files,
    };
    app::step(s.read(), &v.role, id, &input, &v.display_name, app_today()).await?;
    Ok(Redirect::to(&format!("/arrears/cases/{id}?done=step#steps")).into_response())
}

async fn evidence(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    Ok(crate::upload::download(
        app::evidence(s.read(), &v.role, id, file).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LeagueQuery {
    by: String,
}

struct LeagueLineView {
    name: String,
    contracts: u32,
    average_days: String,
    shares: Vec<String>,
    late_share: String,
    overdue: String,
    interest: String,
}

#[derive(Template)]
#[template(path = "arrears_league.html")]
struct LeaguePage {
    nav: Nav,
    by: &'static str,
    by_label: &'static str,
    groups: Vec<(&'static str, &'static str)>,
    buckets: Vec<&'static str>,
    rows: Vec<LeagueLineView>,
    total_contracts: u32,
    total_overdue: String,
    total_interest: String,
    trend: Vec<(String, u32, String, String, String)>,
    as_of: String,
}

fn group_of(q: &LeagueQuery) -> Result<GroupBy, WebError> {
    if q.by.trim().is_empty() {
        return Ok(GroupBy::Payer);
    }
    GroupBy::parse(q.by.trim()).ok_or_else(|| {
        WebError::bad_request(
            "bad_group",
            format!("分组“{}”无法识别：可选 {}", q.by.trim(), GroupBy::ids()),
        )
    })
}

async fn league_xlsx(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<LeagueQuery>,
) -> Result<Response, WebError> {
    let today = app_today();
    let l = app::league_table(s.read(), &v.role, group_of(&q)?, today).await?;
    Ok(crate::upload::xlsx(
        &format!("付款方排行-按{}-{today}.xlsx", l.by.label()),
        app::league_xlsx(&l)?,
    ))
}

async fn league(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<LeagueQuery>,
) -> Result<Response, WebError> {
    let by = group_of(&q)?;
    let today = app_today();
    let l = app::league_table(s.read(), &v.role, by, today).await?;
    let pct = |d: Decimal| format!("{d}%");
    let rows: Vec<LeagueLineView> = l
        .rows
        .iter()
        .map(|r| LeagueLineView {
            name: r.name.clone(),
            contracts: r.row.contracts,
            average_days: r.row.average_days.map_or("—".into(), |d| d.to_string()),
            shares: (0..4)
                .map(|b| {
                    format!(
                        "{} ／ {}",
                        pct(r.row.bucket_share_count[b]),
                        pct(r.row.bucket_share_value[b])
                    )
                })
                .collect(),
            late_share: pct(r.row.late_share_count),
            overdue: yuan(r.row.overdue_now),
            interest: yuan(r.row.interest),
        })
        .collect();
    render(LeaguePage {
        nav: Nav::of(&s, &v),
        by: by.as_str(),
        by_label: by.label(),
        groups: GroupBy::ALL
            .iter()
            .map(|g| (g.as_str(), g.label()))
            .collect(),
        buckets: l.buckets.clone(),
        total_contracts: l.rows.iter().map(|r| r.row.contracts).sum(),
        total_overdue: yuan(l.rows.iter().map(|r| r.row.overdue_now).sum::<Decimal>()),
        total_interest: yuan(l.rows.iter().map(|r| r.row.interest).sum::<Decimal>()),
        rows,
        trend: l
            .trend
            .iter()
            .map(|t| {
                (
                    t.quarter.replace("-Q", " 年第 ") + " 季度",
                    t.paid_count,
                    t.average_days.map_or("—".into(), |d| d.to_string()),
                    pct(t.within_30),
                    pct(t.late_share),
                )
            })
            .collect(),
        as_of: today.to_string(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct YearQuery {
    year: String,
}

fn year_of(q: &YearQuery) -> Result<i32, WebError> {
    match q.year.trim() {
        "" => Ok(app_today().year() - 1),
        y => y.parse().map_err(|_| {
            WebError::bad_request("bad_year", format!("年度“{y}”无效：请写四位年份，如 2024"))
        }),
    }
}

struct DisclosureLineView {
    payer: String,
    kind: &'static str,
    unit: String,
    county: String,
    count: u32,
    amount: String,
    unpaid: String,
}

#[derive(Template)]
#[template(path = "arrears_disclosure.html")]
struct DisclosurePage {
    nav: Nav,
    year: i32,
    publish_by: String,
    basis: String,
    rows: Vec<DisclosureLineView>,
    total_count: u32,
    total_amount: String,
    total_unpaid: String,
    payers_overdue: usize,
}

async fn disclosure(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let d = app::disclosure(s.read(), year_of(&q)?).await?;
    render(DisclosurePage {
        nav: Nav::of(&s, &v),
        year: d.year,
        publish_by: d.publish_by.to_string(),
        basis: d.basis.clone(),
        payers_overdue: d.rows.iter().filter(|r| r.row.overdue_count > 0).count(),
        rows: d
            .rows
            .iter()
            .map(|l| DisclosureLineView {
                payer: l.row.payer_name.clone(),
                kind: l.kind_label,
                unit: l.supervising_unit_name.clone(),
                county: l.county_name.clone(),
                count: l.row.overdue_count,
                amount: yuan(l.row.overdue_amount),
                unpaid: yuan(l.row.unpaid_at_year_end),
            })
            .collect(),
        total_count: d.total_count,
        total_amount: yuan(d.total_amount),
        total_unpaid: yuan(d.total_unpaid),
    })
}

async fn disclosure_xlsx(
    State(s): State<Shared>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let d = app::disclosure(s.read(), year_of(&q)?).await?;
    let bytes = app::disclosure_xlsx(&d, app_today())?;
    Ok(crate::upload::xlsx(
        &format!("清欠披露-{}.xlsx", d.year),
        bytes,
    ))
}

/// The 31 March disclosure of the 机关、事业单位 payers of a year, as JSON (public).
#[utoipa::path(
    get,
    path = "/api/v1/arrears/disclosure",
    responses(
        (status = 200, description = "年度披露：各机关、事业单位付款方的逾期合同数与金额及合计", body = crate::api::Disclosure),
        (status = 400, description = crate::api::BAD_REQUEST, body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn disclosure_api(
    State(s): State<Shared>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let d = app::disclosure(s.read(), year_of(&q)?).await?;
    Ok(Json(crate::api::Disclosure::from(d)).into_response())
}
