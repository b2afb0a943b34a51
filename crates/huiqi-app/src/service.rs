//! 为企服务 (article 17; article 5's 前台综合受理、后台分类审批): the use cases over the problem pool.
//!
//! - [`intake`]: a problem from the enterprise's own page, an official after a visit, the front
//!   desk (a phone or 12345 record typed in) or Open311; the enterprise checked against the registry
//!   (an unregistered business is accepted and flagged), attachments checked, duplicates linked,
//!   the handler from the routing table (the working group's changes first), the deadline from the
//!   working-day calendar;
//! - [`act`]: every action of the state machine (`huiqi_service::state`), by the actor the viewer is
//!   for that problem, each kept as an event; [`auto_resolve`] 视为解决 after the window;
//! - [`queue`] / [`problem`]: what a viewer may see (a unit what is dispatched to it, a county its
//!   county's, an enterprise its own, the working group everything);
//! - [`rates`] and [`bulletin`]: the 清单's rates per unit, county, category or month, and the 通报;
//! - the channels' API keys, 千名干部联万企 (assignments, visits, coverage), `.xlsx` exports and
//!   the figures for the assessment of article 19 ([`assess_inputs`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use huiqi_calendar::Calendar;
use huiqi_domain::Uscc;
use huiqi_domain::registry::{Column, FieldType, USCC_COLUMN, Value};
use huiqi_ingest::{Counties, InputFile};
use huiqi_service::limits::{self, Due};
use huiqi_service::rates::{Counts, Rates};
use huiqi_service::state::{self, Action, Actor, History, Input, Limits, State};
use huiqi_service::{Handler, Route, ServiceConfig, dup};
use huiqi_store::service::{
    Change, FileMeta, NewAssignment, NewProblem, ProblemFilter, ProblemRow,
};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::accounts::Role;
use crate::files::Download;
use crate::{App, AppError};

pub use huiqi_store::service::{Coverage, EventRow, GroupBy, VisitRow};

huiqi_domain::vocabulary! {
    /// Where a problem came in.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Channel {
        EnterprisePage = ("enterprise_page", "企业自主提交"),
        Visit = ("visit", "干部走访"),
        FrontDesk = ("front_desk", "前台受理"),
        Hotline = ("hotline", "12345热线"),
        Open311 = ("open311", "开放接口"),
    }
}

/// The largest number of attachments of a problem (their types: [`crate::files::TYPES`]).
pub const MAX_ATTACHMENTS: usize = 5;
/// The service data and the calendar.
pub fn config(app: &App) -> Result<ServiceConfig, AppError> {
    Ok(ServiceConfig::builtin(&app.pack)?)
}

fn calendar() -> Calendar {
    Calendar::builtin()
}

fn cal_err(e: huiqi_calendar::CalendarError) -> AppError {
    AppError::invalid("no_calendar", e.to_string())
}

/// A problem as submitted.
#[derive(Debug, Clone, Default)]
pub struct Intake {
    pub uscc: String,
    /// Needed only for a business not in the registry.
    pub enterprise_name: String,
    /// Needed only for a business not in the registry.
    pub county: String,
    /// Category id or Chinese name.
    pub category: String,
    pub title: String,
    pub description: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub public: bool,
    /// (file name, bytes)
    pub attachments: Vec<(String, Vec<u8>)>,
    /// The channel's record number (a 12345 ticket) if any.
    pub source_ref: String,
}

/// Who takes a problem in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A signed-in viewer, through the given channel.
    Viewer(Role, Channel),
    /// A channel's API key (Open311 POST): the channel's name.
    ApiKey(String),
}

/// What happened to a submitted problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeOutcome {
    pub id: i64,
    pub state: State,
    pub registered: bool,
    pub handler_name: String,
    pub deadline: NaiveDate,
    /// The open problem it was linked to, with the similarity.
    pub duplicate_of: Option<(i64, Decimal)>,
    pub limit_basis: String,
}

fn bad(code: &'static str, m: impl Into<String>) -> AppError {
    AppError::invalid(code, m)
}

fn text(field: &str, v: &str, max: usize) -> Result<String, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(bad("missing_field", format!("请填写{field}")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(bad(
            "too_long",
            format!("{field}最多 {max} 个字（现有 {n} 个）"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(bad(
            "bad_text",
            format!("{field}含有控制字符，请删除后再提交"),
        ));
    }
    Ok(v.to_string())
}

/// The routing changes of the working group, as routes.
async fn extra_routes(app: &App) -> Result<Vec<Route>, AppError> {
    Ok(app
        .store
        .service_routes()
        .await?
        .into_iter()
        .map(|(category, county, handler)| Route {
            category,
            county,
            handler,
        })
        .collect())
}

/// Takes a problem in. See the module documentation for the checks.
pub async fn intake(
    app: &App,
    origin: &Origin,
    by_user: &str,
    input: &Intake,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<IntakeOutcome, AppError> {
    let cfg = config(app)?;
    let cal = calendar();
    let (channel, by_role) = match origin {
        Origin::ApiKey(name) => (Channel::Open311, format!("接口:{name}")),
        Origin::Viewer(role, ch) => {
            let ok = match (role, ch) {
                (Role::Enterprise(_), Channel::EnterprisePage) => true,
                (Role::Admin, c) => *c != Channel::EnterprisePage && *c != Channel::Open311,
                (Role::County(_), Channel::Visit | Channel::FrontDesk | Channel::Hotline) => true,
                (Role::Unit(_), Channel::Visit) => true,
                _ => false,
            };
            if !ok {
                return Err(AppError::Forbidden(format!(
                    "当前账号不能以“{}”渠道登记问题",
                    ch.label()
                )));
            }
            (*ch, role.kind().map_or("", |k| k.as_str()).to_string())
        }
    };
    let uscc = Uscc::parse(input.uscc.trim()).map_err(|e| {
        bad(
            "bad_uscc",
            format!("统一社会信用代码“{}”无效：{e}", input.uscc.trim()),
        )
    })?;
    if let Origin::Viewer(Role::Enterprise(own), _) = origin
        && own != &uscc
    {
        return Err(AppError::Forbidden("企业只能为本企业提交问题".into()));
    }
    let category = cfg.category_any(&input.category).ok_or_else(|| {
        bad(
            "bad_category",
            format!(
                "问题类别“{}”不存在：可选 {}",
                input.category,
                cfg.categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )
    })?;
    let title = text("问题标题", &input.title, 60)?;
    let description = text("问题描述", &input.description, 2000)?;
    if input.contact_phone.chars().count() > 20 || input.contact_name.chars().count() > 20 {
        return Err(bad("too_long", "联系人和联系电话各最多 20 个字"));
    }
    let attachments = crate::files::check("附件", &input.attachments, MAX_ATTACHMENTS)?;
    let (name, county, registered) = match app.store.service_enterprise(uscc.as_str()).await? {
        Some((name, county)) => (name, county, true),
        None => {
            let county = input.county.trim();
            if app.pack.jurisdiction(county).is_none() {
                return Err(bad(
                    "bad_county",
                    format!(
                        "企业 {uscc} 不在企业库中：请选择所在县区（可选 {}）",
                        app.pack
                            .jurisdictions
                            .iter()
                            .map(|j| j.name.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ));
            }
            (
                text("企业名称", &input.enterprise_name, 100)?,
                county.to_string(),
                false,
            )
        }
    };
    if let Origin::Viewer(Role::County(c), _) = origin
        && c != &county
    {
        return Err(AppError::Forbidden(format!(
            "该企业属于{}，县区只能登记本辖区企业的问题",
            app.jurisdiction_name(&county)
        )));
    }
    // Duplicate: the same enterprise and category with a similar text within the window.
    let since = today - Days::new(cfg.rules.duplicate_days.into());
    let open = app
        .store
        .service_open_of(uscc.as_str(), &category.id, since)
        .await?;
    let cands: Vec<dup::Candidate> = open
        .iter()
        .map(|p| dup::Candidate {
            id: p.id,
            enterprise: &p.uscc,
            category: &p.category,
            received_on: p.received_on,
            description: &p.description,
            open: p.state().is_open(),
        })
        .collect();
    let duplicate = dup::find_duplicate(
        uscc.as_str(),
        &category.id,
        today,
        &description,
        &cands,
        cfg.rules.duplicate_days,
        cfg.rules.duplicate_similarity,
    );
    let handler = match duplicate {
        Some((orig, _)) => open
            .iter()
            .find(|p| p.id == orig)
            .map(|p| p.handler.clone())
            .unwrap_or_default(),
        None => cfg
            .route(&category.id, &county, &extra_routes(app).await?)
            .to_stored(),
    };
    // 前台综合受理: what the front desk, an official or the hotline takes in is classified and
    // dispatched at once; what an enterprise or an outside channel submits waits for the front
    // desk (received), already with the handler the routing table proposes.
    let state = match (duplicate, channel) {
        (Some(_), _) => State::Duplicate,
        (None, Channel::EnterprisePage | Channel::Open311) => State::Received,
        (None, _) => State::Dispatched,
    };
    let deadline = limits::deadline(&cal, today, category.limit_workdays, 0).map_err(cal_err)?;
    let note = match duplicate {
        Some((orig, s)) => format!("与问题 {orig} 相似（相似度 {s}），并入该问题，不重复计数"),
        None if !registered => "企业不在企业库中：已受理并标记待核实".into(),
        None => String::new(),
    };
    let id = app
        .store
        .service_insert(&NewProblem {
            uscc: uscc.as_str().to_string(),
            enterprise_name: name,
            registered,
            county,
            category: category.id.clone(),
            title,
            description,
            channel: channel.as_str().to_string(),
            contact_name: input.contact_name.trim().to_string(),
            contact_phone: input.contact_phone.trim().to_string(),
            public: input.public,
            received_on: today,
            received_at: now,
            handler: handler.clone(),
            state,
            limit_workdays: category.limit_workdays.into(),
            deadline,
            duplicate_of: duplicate.map(|d| d.0),
            source_ref: input.source_ref.trim().to_string(),
            attachments,
            by_user: by_user.to_string(),
            by_role,
            note,
        })
        .await?;
    Ok(IntakeOutcome {
        id,
        state,
        registered,
        handler_name: handler_name(app, &handler),
        deadline,
        duplicate_of: duplicate,
        limit_basis: category.limit_basis.clone(),
    })
}

/// The Chinese name of a stored handler.
pub fn handler_name(app: &App, stored: &str) -> String {
    Handler::from_stored(stored)
        .map(|h| h.name(&app.pack))
        .unwrap_or_else(|| "待分派".into())
}

/// The actor a viewer is for a problem, or `None` if the viewer may not act on it.
pub fn actor_of(role: &Role, p: &ProblemRow) -> Option<Actor> {
    match role {
        Role::Admin => Some(Actor::WorkingGroup),
        Role::Enterprise(u) if u.as_str() == p.uscc => Some(Actor::Enterprise),
        Role::Unit(u) if p.handler == format!("unit:{u}") => Some(Actor::Handler),
        Role::County(c) if p.handler == format!("county:{c}") => Some(Actor::Handler),
        _ => None,
    }
}

/// Whether a viewer may see a problem (the working group all; a unit what is dispatched to it; a
/// county its county's; an enterprise its own).
pub fn may_see(role: &Role, p: &ProblemRow) -> bool {
    match role {
        Role::Admin => true,
        Role::Enterprise(u) => u.as_str() == p.uscc,
        Role::Unit(u) => p.handler == format!("unit:{u}"),
        Role::County(c) => &p.county == c,
        Role::Anonymous => false,
    }
}

/// An action as entered.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub note: String,
    pub rating: Option<u8>,
    pub extension_workdays: Option<u32>,
    /// Dispatch/transfer: a unit id, `county` (the problem's county), or `unit:…`/`county:…`.
    pub target: String,
    /// Duplicate: the open problem it duplicates.
    pub original: Option<i64>,
}

fn resolve_target(app: &App, p: &ProblemRow, t: &str) -> Result<Option<String>, AppError> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let h = if t == "county" {
        Handler::County(p.county.clone())
    } else if let Some(h) = Handler::from_stored(t) {
        h
    } else {
        Handler::Unit(t.to_string())
    };
    let ok = match &h {
        Handler::Unit(u) => app.pack.unit(u).is_some(),
        Handler::County(c) => app.pack.jurisdiction(c).is_some(),
    };
    if !ok {
        return Err(bad(
            "bad_handler",
            format!("承办单位“{t}”不存在：请选择责任单位或县区"),
        ));
    }
    Ok(Some(h.to_stored()))
}

/// Takes an action on a problem as `role`; returns the new state.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    app: &App,
    role: &Role,
    by_user: &str,
    id: i64,
    action: Action,
    input: &ActionInput,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<State, AppError> {
    let cfg = config(app)?;
    let cal = calendar();
    let p = load_visible(app, role, id).await?;
    let actor = actor_of(role, &p).ok_or_else(|| {
        AppError::Forbidden(format!(
            "问题 {id} 当前由{}承办，你不能办理",
            handler_name(app, &p.handler)
        ))
    })?;
    let from = p.state();
    let since_done = match p.last_done_on {
        Some(d) => Some(limits::workdays_taken(&cal, d, today).map_err(cal_err)?),
        None => None,
    };
    let history = History {
        transfers: p.transfers as u32,
        reopened: p.reopened,
        extended: p.extension_workdays > 0,
        rated: p.rating.is_some(),
        workdays_since_done: since_done,
    };
    let target = resolve_target(app, &p, &input.target)?;
    if action == Action::Transfer && target.as_deref() == Some(p.handler.as_str()) {
        return Err(bad("same_handler", "不能转办给当前承办单位本身"));
    }
    if let Some(orig) = input.original {
        let o =
            app.store.service_problem(orig).await?.ok_or_else(|| {
                AppError::not_found("not_found", format!("没有编号为 {orig} 的问题"))
            })?;
        if o.uscc != p.uscc || !o.state().is_open() || o.id == p.id {
            return Err(bad(
                "bad_original",
                format!("问题 {orig} 不是同一企业的在办问题，不能并入"),
            ));
        }
    }
    let limits_: Limits = (&cfg.rules).into();
    let to = state::check(
        from,
        action,
        actor,
        &history,
        &Input {
            note: &input.note,
            rating: input.rating,
            extension_workdays: input.extension_workdays,
            has_target: target.is_some(),
            has_original: input.original.is_some(),
        },
        &limits_,
    )
    .map_err(|e| bad("refused", e.to_string()))?;
    let mut c = Change {
        action: action.as_str().to_string(),
        to: Some(to),
        note: input.note.trim().to_string(),
        by_user: by_user.to_string(),
        by_role: actor.as_str().to_string(),
        on_day: today,
        at: now,
        ..Change::default()
    };
    match action {
        Action::Dispatch => c.handler = target,
        Action::Transfer => {
            c.handler = target;
            c.transfers = Some(p.transfers + 1);
        }
        Action::Extend => {
            let n = input.extension_workdays.unwrap_or(0);
            c.extension_workdays = Some(n.into());
            c.deadline = Some(
                limits::deadline(&cal, p.received_on, p.limit_workdays as u32, n)
                    .map_err(cal_err)?,
            );
        }
        Action::Reply | Action::CloseUnresolvable | Action::CloseNotRemit => {
            let taken = limits::workdays_taken(&cal, p.received_on, today).map_err(cal_err)?;
            c.first_done = Some((today, today <= p.deadline, taken.into()));
            c.last_done_on = Some(today);
            c.reply = Some(input.note.trim().to_string());
        }
        Action::MarkDuplicate => c.duplicate_of = input.original,
        Action::Confirm | Action::AutoResolve => c.resolved = Some(true),
        Action::Reopen => {
            c.reopened = Some(true);
            c.resolved = Some(false);
            // A reopened problem gets a new time limit from today.
            c.deadline =
                Some(limits::deadline(&cal, today, p.limit_workdays as u32, 0).map_err(cal_err)?);
        }
        Action::Rate => c.rating = input.rating.map(i64::from),
        _ => {}
    }
    app.store.service_apply(id, from, &c).await?;
    Ok(to)
}

/// 视为解决: every replied problem whose enterprise has not answered within the confirmation
/// window. Returns how many.
pub async fn auto_resolve(
    app: &App,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let cfg = config(app)?;
    let cal = calendar();
    // Calendar days are at least as many as working days: a cheap first filter.
    let cutoff = today - Days::new(cfg.rules.confirm_workdays.into());
    let mut n = 0;
    for p in app.store.service_replied_before(cutoff).await? {
        let Some(done) = p.last_done_on else { continue };
        let since = limits::workdays_taken(&cal, done, today).map_err(cal_err)?;
        if since < cfg.rules.confirm_workdays {
            continue;
        }
        let c = Change {
            action: Action::AutoResolve.as_str().into(),
            to: Some(State::Resolved),
            note: format!("答复后 {since} 个工作日企业未确认，视为解决"),
            resolved: Some(true),
            by_user: "系统".into(),
            by_role: Actor::System.as_str().into(),
            on_day: today,
            at: now,
            ..Change::default()
        };
        app.store.service_apply(p.id, State::Replied, &c).await?;
        n += 1;
    }
    Ok(n)
}

async fn load_visible(app: &App, role: &Role, id: i64) -> Result<ProblemRow, AppError> {
    let p = app.store.service_problem(id).await?;
    match p {
        Some(p) if may_see(role, &p) => Ok(p),
        Some(_) => Err(AppError::Forbidden(format!("无权查看问题 {id}"))),
        None => Err(AppError::not_found(
            "not_found",
            format!("没有编号为 {id} 的问题"),
        )),
    }
}

/// A problem as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemView {
    pub id: i64,
    pub uscc: String,
    pub enterprise_name: String,
    pub registered: bool,
    pub county: String,
    pub county_name: String,
    pub category: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub channel_label: String,
    pub public: bool,
    pub received_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub handler: String,
    pub handler_name: String,
    pub state: State,
    pub state_label: String,
    pub deadline: NaiveDate,
    pub limit_workdays: i64,
    pub extension_workdays: i64,
    /// Open problems: the colour against the deadline today.
    pub due: Option<Due>,
    /// Working days since intake (open) or to the first 办结.
    pub age_workdays: Option<i64>,
    pub transfers: i64,
    pub duplicate_of: Option<i64>,
    pub done_on: Option<NaiveDate>,
    pub done_on_time: Option<bool>,
    pub resolved: bool,
    pub reopened: bool,
    pub rating: Option<i64>,
    pub reply: String,
}

fn view(
    app: &App,
    cfg: &ServiceConfig,
    cal: &Calendar,
    p: ProblemRow,
    today: NaiveDate,
) -> ProblemView {
    let state = p.state();
    let due = state
        .is_open()
        .then(|| limits::due_on(cal, p.deadline, today, cfg.rules.remind_workdays_before).ok())
        .flatten();
    let age = match p.done_workdays {
        Some(d) => Some(d),
        None if state.is_open() => limits::workdays_taken(cal, p.received_on, today)
            .ok()
            .map(i64::from),
        None => None,
    };
    ProblemView {
        id: p.id,
        county_name: app.jurisdiction_name(&p.county),
        category_name: cfg
            .category(&p.category)
            .map_or_else(|| p.category.clone(), |c| c.name.clone()),
        channel_label: Channel::parse(&p.channel)
            .map_or_else(|| p.channel.clone(), |c| c.label().to_string()),
        handler_name: handler_name(app, &p.handler),
        state_label: state.label().to_string(),
        state,
        due,
        age_workdays: age,
        uscc: p.uscc,
        enterprise_name: p.enterprise_name,
        registered: p.registered,
        county: p.county,
        category: p.category,
        title: p.title,
        description: p.description,
        channel: p.channel,
        public: p.public,
        received_on: p.received_on,
        received_at: p.received_at,
        updated_at: p.updated_at,
        handler: p.handler,
        deadline: p.deadline,
        limit_workdays: p.limit_workdays,
        extension_workdays: p.extension_workdays,
        transfers: p.transfers,
        duplicate_of: p.duplicate_of,
        done_on: p.done_on,
        done_on_time: p.done_on_time,
        resolved: p.resolved,
        reopened: p.reopened,
        rating: p.rating,
        reply: p.reply,
    }
}

/// One problem with its history, if the viewer may see it; with the actions the viewer may take now.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemDetail {
    pub problem: ProblemView,
    pub contact_name: String,
    pub contact_phone: String,
    pub events: Vec<EventView>,
    pub actions: Vec<Action>,
    pub limit_basis: String,
    /// How the deadline was counted (working days counted, days skipped, the notices).
    pub deadline_trace: String,
    /// The attachments given with the problem (download: [`attachment`]).
    #[serde(skip)]
    pub attachments: Vec<FileMeta>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub on_day: NaiveDate,
    pub action_label: String,
    pub from_label: String,
    pub to_label: String,
    pub note: String,
    pub by: String,
    pub handler_change: String,
}

pub async fn problem(
    app: &App,
    role: &Role,
    id: i64,
    today: NaiveDate,
) -> Result<ProblemDetail, AppError> {
    let cfg = config(app)?;
    let cal = calendar();
    let p = load_visible(app, role, id).await?;
    let actor = actor_of(role, &p);
    let actions = match actor {
        Some(a) => Action::ALL
            .iter()
            .copied()
            .filter(|x| {
                state::next(p.state(), *x).is_some()
                    && state::actors(*x).contains(&a)
                    && *x != Action::AutoResolve
            })
            .collect(),
        None => vec![],
    };
    let events = app
        .store
        .service_events(id)
        .await?
        .into_iter()
        .map(|e| EventView {
            on_day: e.on_day,
            action_label: if e.action == "intake" {
                "受理".into()
            } else {
                Action::parse(&e.action).map_or(e.action.clone(), |a| a.label().to_string())
            },
            from_label: e
                .from_state
                .as_deref()
                .and_then(State::parse)
                .map_or(String::new(), |s| s.label().to_string()),
            to_label: State::parse(&e.to_state).map_or(e.to_state.clone(), |s| s.label().into()),
            note: e.note,
            by: match (e.by_role.as_str(), role) {
                // An enterprise sees the office, not the official's account name.
                (_, Role::Enterprise(_)) => Actor::parse(&e.by_role)
                    .map_or_else(|| "受理窗口".to_string(), |a| a.label().to_string()),
                _ => e.by_user,
            },
            handler_change: if e.handler_from != e.handler_to && !e.handler_from.is_empty() {
                format!(
                    "{} → {}",
                    handler_name(app, &e.handler_from),
                    handler_name(app, &e.handler_to)
                )
            } else {
                String::new()
            },
        })
        .collect();
    let limit_basis = cfg
        .category(&p.category)
        .map(|c| c.limit_basis.clone())
        .unwrap_or_default();
    let (contact_name, contact_phone) = (p.contact_name.clone(), p.contact_phone.clone());
    let deadline_trace = cal
        .explain_add_workdays(
            p.received_on,
            (p.limit_workdays + p.extension_workdays) as u32,
        )
        .map(|e| e.1)
        .unwrap_or_default();
    let attachments = app.store.service_attachments(id).await?;
    Ok(ProblemDetail {
        attachments,
        deadline_trace,
        problem: view(app, &cfg, &cal, p, today),
        contact_name,
        contact_phone,
        events,
        actions,
        limit_basis,
    })
}

/// An attachment of a problem, for a viewer who may see the problem.
pub async fn attachment(
    app: &App,
    role: &Role,
    problem_id: i64,
    file_id: i64,
) -> Result<Download, AppError> {
    load_visible(app, role, problem_id).await?;
    match app.store.service_attachment(file_id).await? {
        Some(f) if f.0.owner_id == problem_id => Ok(Download::of(f)),
        _ => Err(AppError::not_found(
            "no_file",
            format!("问题 {problem_id} 没有编号为 {file_id} 的附件"),
        )),
    }
}

/// What a queue page asks for.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub open_only: bool,
    pub state: Option<State>,
    pub category: Option<String>,
    pub county: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

/// A page of a viewer's problems.
#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub rows: Vec<ProblemView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub red: usize,
    pub yellow: usize,
}

/// Narrows a filter to what a viewer may see: the working group all, a unit what is dispatched
/// to it, a county its county's (another county asked for is refused), an enterprise its own.
fn scope(role: &Role, f: &mut ProblemFilter) -> Result<(), AppError> {
    match role {
        Role::Admin => {}
        Role::Unit(u) => f.handler = Some(format!("unit:{u}")),
        Role::County(c) => {
            if f.county.as_deref().is_some_and(|x| x != c.as_str()) {
                return Err(AppError::Forbidden("县区只能查看本辖区的问题".into()));
            }
            f.county = Some(c.clone());
        }
        Role::Enterprise(u) => f.uscc = Some(u.as_str().to_string()),
        Role::Anonymous => return Err(AppError::Forbidden("请先登录".into())),
    }
    Ok(())
}

/// The 临期 and 逾期 problems of a viewer's scope (the reminder one working day before the
/// deadline, and the escalation of what is overdue to the unit's head and the working group).
#[derive(Debug, Clone, Serialize)]
pub struct Alerts {
    /// Open problems due on or before this day are listed (today + the reminder window).
    pub remind_until: NaiveDate,
    /// The most urgent first (逾期 before 临期), at most `limit`.
    pub rows: Vec<ProblemView>,
    /// Open and past the deadline (逾期), all of them.
    pub overdue: i64,
    /// Open and due within the reminder window (临期), all of them.
    pub due_soon: i64,
}

/// The 临期/逾期 list for the working group (the city), a unit (its own: for its head) or a
/// county (its county's); not for enterprises.
pub async fn alerts(
    app: &App,
    role: &Role,
    today: NaiveDate,
    limit: i64,
) -> Result<Alerts, AppError> {
    if matches!(role, Role::Enterprise(_) | Role::Anonymous) {
        return Err(AppError::Forbidden(
            "临期与逾期提醒由工作专班、责任单位和县区查看".into(),
        ));
    }
    let cfg = config(app)?;
    let cal = calendar();
    let remind_until = if cfg.rules.remind_workdays_before == 0 {
        today
    } else {
        cal.add_workdays(today, cfg.rules.remind_workdays_before)
            .map_err(cal_err)?
    };
    let mut f = ProblemFilter {
        open_only: true,
        deadline_to: Some(remind_until),
        limit,
        ..ProblemFilter::default()
    };
    scope(role, &mut f)?;
    let (rows, listed) = app.store.service_list(&f).await?;
    let overdue = match today.pred_opt() {
        Some(yesterday) => {
            f.deadline_to = Some(yesterday);
            f.limit = 1;
            app.store.service_list(&f).await?.1
        }
        None => 0,
    };
    Ok(Alerts {
        remind_until,
        rows: rows
            .into_iter()
            .map(|p| view(app, &cfg, &cal, p, today))
            .collect(),
        overdue,
        due_soon: listed - overdue,
    })
}

/// The problems a viewer works or follows: the working group all (filters), a unit those
/// dispatched to it, a county its county's, an enterprise its own.
pub async fn queue(
    app: &App,
    role: &Role,
    q: &QueueQuery,
    today: NaiveDate,
) -> Result<Queue, AppError> {
    let cfg = config(app)?;
    let cal = calendar();
    let per_page = if q.per_page <= 0 {
        50
    } else {
        q.per_page.min(500)
    };
    let page = q.page.max(1);
    let mut f = ProblemFilter {
        open_only: q.open_only,
        state: q.state,
        category: q.category.clone(),
        county: q.county.clone(),
        limit: per_page,
        offset: (page - 1) * per_page,
        ..ProblemFilter::default()
    };
    scope(role, &mut f)?;
    let (rows, total) = app.store.service_list(&f).await?;
    let rows: Vec<ProblemView> = rows
        .into_iter()
        .map(|p| view(app, &cfg, &cal, p, today))
        .collect();
    Ok(Queue {
        red: rows.iter().filter(|r| r.due == Some(Due::Red)).count(),
        yellow: rows.iter().filter(|r| r.due == Some(Due::Yellow)).count(),
        rows,
        total,
        page,
        per_page,
    })
}

/// One row of the 清单's rates.
#[derive(Debug, Clone, Serialize)]
pub struct RateRow {
    pub key: String,
    pub name: String,
    pub counts: Counts,
    pub rates: Rates,
}

/// The dimension of the rates, as a page or the CLI names it.
pub fn group_by(s: &str) -> Result<GroupBy, AppError> {
    Ok(match s {
        "unit" | "handler" | "" => GroupBy::Handler,
        "county" => GroupBy::County,
        "category" => GroupBy::Category,
        "month" => GroupBy::Month,
        other => {
            return Err(bad(
                "bad_group",
                format!(
                    "统计维度“{other}”无效：可选 unit（承办单位）、county（县区）、category（类别）、month（月份）"
                ),
            ));
        }
    })
}

/// The first and last month of a year (`YYYY-01`, `YYYY-12`): the range of the counts table.
fn year_months(year: i32) -> Result<(String, String), AppError> {
    // Months compare as text in the counts table: four-digit years only.
    if !(1000..=9999).contains(&year) {
        return Err(bad("bad_year", format!("年度 {year} 无效：请写四位年份")));
    }
    Ok((format!("{year:04}-01"), format!("{year:04}-12")))
}

/// The 清单's rates of a year by a dimension, for a viewer (a county its county's problems, a unit
/// those dispatched to it, the working group all), with the total row last.
pub async fn rates(
    app: &App,
    role: &Role,
    by: GroupBy,
    year: i32,
    today: NaiveDate,
) -> Result<Vec<RateRow>, AppError> {
    let cfg = config(app)?;
    let (county, handler) = match role {
        Role::Admin => (None, None),
        Role::County(c) => (Some(c.clone()), None),
        Role::Unit(u) => (None, Some(format!("unit:{u}"))),
        _ => {
            return Err(AppError::Forbidden(
                "只有工作专班、责任单位和县区可以查看清单统计".into(),
            ));
        }
    };
    let (from, to) = year_months(year)?;
    let rows = app
        .store
        .service_counts(by, &from, &to, county.as_deref(), handler.as_deref(), today)
        .await?;
    let mut total = Counts::default();
    let mut out: Vec<RateRow> = rows
        .into_iter()
        .map(|(key, counts)| {
            total.add(&counts);
            let name = match by {
                GroupBy::Handler => handler_name(app, &key),
                GroupBy::County => app.jurisdiction_name(&key),
                GroupBy::Category => cfg
                    .category(&key)
                    .map_or_else(|| key.clone(), |c| c.name.clone()),
                GroupBy::Month => {
                    let m = key
                        .get(5..7)
                        .and_then(|m| m.parse::<u32>().ok())
                        .unwrap_or(0);
                    format!("{}年{m}月", key.get(0..4).unwrap_or(""))
                }
                GroupBy::All => "合计".into(),
            };
            RateRow {
                rates: huiqi_service::rates::rates(&counts),
                key,
                name,
                counts,
            }
        })
        .collect();
    out.push(RateRow {
        key: "total".into(),
        name: "合计".into(),
        rates: huiqi_service::rates::rates(&total),
        counts: total,
    });
    Ok(out)
}

/// 日常调度's 为企服务 panel: this year's figures in the viewer's scope (the working group the
/// city, a county its county, a unit its own), with open and overdue problems as of `today`.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub year: i32,
    /// Whose figures: 全市, the county's or the unit's name.
    pub scope: String,
    pub counts: Counts,
    pub rates: Rates,
}

/// The panel for a viewer; `None` for a viewer without a 清单 (an enterprise, nobody).
pub async fn panel(app: &App, role: &Role, today: NaiveDate) -> Result<Option<Panel>, AppError> {
    let scope = match role {
        Role::Admin => "全市".to_string(),
        Role::County(c) => app.jurisdiction_name(c),
        Role::Unit(u) => handler_name(app, &format!("unit:{u}")),
        Role::Enterprise(_) | Role::Anonymous => return Ok(None),
    };
    let year = today.year();
    let total = rates(app, role, GroupBy::All, year, today)
        .await?
        .pop()
        .ok_or_else(|| bad("no_total", "统计没有合计行"))?;
    Ok(Some(Panel {
        year,
        scope,
        counts: total.counts,
        rates: total.rates,
    }))
}

/// The weekly 通报: the units with the most overdue problems and the lowest satisfaction this year.
#[derive(Debug, Clone, Serialize)]
pub struct Bulletin {
    pub week_of: NaiveDate,
    pub most_overdue: Vec<RateRow>,
    pub least_satisfied: Vec<RateRow>,
}

pub async fn bulletin(app: &App, role: &Role, today: NaiveDate) -> Result<Bulletin, AppError> {
    if *role != Role::Admin {
        return Err(AppError::Forbidden("通报由工作专班查看".into()));
    }
    let mut rows = rates(app, role, GroupBy::Handler, today.year(), today).await?;
    rows.pop();
    let mut most: Vec<RateRow> = rows
        .iter()
        .filter(|r| r.counts.overdue > 0)
        .cloned()
        .collect();
    most.sort_by(|a, b| {
        b.counts
            .overdue
            .cmp(&a.counts.overdue)
            .then(a.name.cmp(&b.name))
    });
    most.truncate(5);
    let mut least: Vec<RateRow> = rows
        .into_iter()
        .filter(|r| r.rates.satisfied.value.is_some())
        .collect();
    least.sort_by(|a, b| {
        a.rates
            .satisfied
            .value
            .cmp(&b.rates.satisfied.value)
            .then(a.name.cmp(&b.name))
    });
    least.truncate(5);
    let week_of = today - Days::new(today.weekday().num_days_from_monday().into());
    Ok(Bulletin {
        week_of,
        most_overdue: most,
        least_satisfied: least,
    })
}

/// The figures for the assessment of article 19, per jurisdiction for a year: the on-time rate
/// (期限内办结 ÷ 办结) and satisfaction (评 4–5 分 ÷ 评价数), as (numerator, denominator); a
/// jurisdiction without problems has none.
pub async fn assess_inputs(
    app: &App,
    year: i32,
    today: NaiveDate,
) -> Result<BTreeMap<String, ((i64, i64), (i64, i64))>, AppError> {
    let (from, to) = year_months(year)?;
    Ok(app
        .store
        .service_counts(GroupBy::County, &from, &to, None, None, today)
        .await?
        .into_iter()
        .map(|(k, c)| (k, ((c.done_on_time, c.done), (c.satisfied, c.rated))))
        .collect())
}

/// A routing change of the working group (category × county → unit id or `county`).
pub async fn set_route(
    app: &App,
    role: &Role,
    by: &str,
    category: &str,
    county: &str,
    handler: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if *role != Role::Admin {
        return Err(AppError::Forbidden("交办表由工作专班维护".into()));
    }
    let cfg = config(app)?;
    let cat = cfg
        .category_any(category)
        .ok_or_else(|| bad("bad_category", format!("没有类别“{category}”")))?;
    let r = Route {
        category: cat.id.clone(),
        county: county.trim().to_string(),
        handler: handler.trim().to_string(),
    };
    cfg.check_route(&r, &app.pack)
        .map_err(|m| bad("bad_route", m))?;
    app.store
        .service_add_route(&r.category, &r.county, &r.handler, by, now)
        .await?;
    Ok(())
}

/// The routing table in force: every category × county with its handler and where it comes from.
pub async fn routing_table(app: &App) -> Result<Vec<(String, String, String, String)>, AppError> {
    let cfg = config(app)?;
    let extra = extra_routes(app).await?;
    let mut out = Vec::new();
    for c in &cfg.categories {
        for j in &app.pack.jurisdictions {
            let h = cfg.route(&c.id, &j.id, &extra);
            let source = if extra.iter().any(|r| r.category == c.id && r.county == j.id) {
                "工作专班调整"
            } else if cfg
                .routing
                .iter()
                .any(|r| r.category == c.id && r.county == j.id)
            {
                "交办表"
            } else {
                "类别默认"
            };
            out.push((
                c.name.clone(),
                j.name.clone(),
                h.name(&app.pack),
                source.to_string(),
            ));
        }
    }
    Ok(out)
}

/// Creates a channel's API key (Open311 POST); returns the key, shown once.
pub async fn create_api_key(
    app: &App,
    role: &Role,
    by: &str,
    channel: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    if *role != Role::Admin {
        return Err(AppError::Forbidden("接口密钥由工作专班创建".into()));
    }
    let channel = text("渠道", channel, 40)?;
    let name = text("名称", name, 60)?;
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|e| AppError::Task(e.to_string()))?;
    let key = hex::encode(raw);
    app.store
        .service_add_api_key(&channel, &name, &key, by, now)
        .await?;
    Ok(key)
}

/// The channel name of an API key, or a refusal.
pub async fn api_channel(app: &App, key: &str) -> Result<String, AppError> {
    match app.store.service_api_key(key.trim()).await? {
        Some(k) => Ok(k.channel),
        None => Err(AppError::Forbidden("api_key 无效或已停用".into())),
    }
}

/// The columns of an assignment file (千名干部联万企): 干部, 职务 (may be empty), 县区 (code or
/// name), 统一社会信用代码 — one row per official × enterprise.
pub const ASSIGN_COLUMNS: [Column; 4] = [
    Column {
        name: "official",
        db: "official",
        zh: "干部",
        ty: FieldType::Name,
    },
    Column {
        name: "post",
        db: "post",
        zh: "职务",
        ty: FieldType::Text,
    },
    Column {
        name: "county",
        db: "county",
        zh: "县区",
        ty: FieldType::County,
    },
    USCC_COLUMN,
];

/// How [`ASSIGN_COLUMNS`] are read.
pub fn assign_spec() -> huiqi_ingest::TableSpec<'static> {
    huiqi_ingest::TableSpec {
        name: "service_assignments",
        label: "联企干部安排",
        columns: &ASSIGN_COLUMNS,
        optional: &[false, true, false, false],
    }
}

/// Who may assign officials: the working group (any county) and a county (its own).
fn may_assign(role: &Role) -> Result<(), AppError> {
    match role {
        Role::Admin | Role::County(_) => Ok(()),
        _ => Err(AppError::Forbidden("联企干部由工作专班或县区安排".into())),
    }
}

/// The assignment template (.xlsx bytes), for those who may assign.
pub fn assign_template(app: &App, role: &Role) -> Result<Vec<u8>, AppError> {
    may_assign(role)?;
    Ok(huiqi_ingest::table_template(
        assign_spec(),
        "一名干部联系多户企业时每户一行",
        &Counties::from_pack(&app.pack),
    )?)
}

/// Assigns officials to enterprises from a file (.xlsx, .xls or .csv) read by huiqi-ingest's
/// bounded reader: every row checked (the row and column named in each error), and nothing
/// written unless every row is good; then as [`assign`] (scope: a county only its own).
pub async fn assign_file(
    app: &App,
    role: &Role,
    by: &str,
    file: &InputFile,
    today: NaiveDate,
) -> Result<usize, AppError> {
    may_assign(role)?;
    let table = huiqi_ingest::read_table(file, assign_spec(), &Counties::from_pack(&app.pack))?;
    if !table.report.errors.is_empty() {
        return Err(bad(
            "bad_file",
            format!(
                "文件“{}”有误，未安排任何联企关系：{}",
                file.file_name,
                table.report.error_lines().join("；")
            ),
        ));
    }
    let text = |v: &Value| match v {
        Value::Text(t) => t.clone(),
        _ => String::new(),
    };
    let rows: Vec<(String, String, String, String)> = table
        .rows
        .iter()
        .map(|(_, v)| (text(&v[0]), text(&v[1]), text(&v[2]), text(&v[3])))
        .collect();
    let numbered: Vec<(u64, &AssignRow)> = table.rows.iter().map(|(r, _)| *r).zip(&rows).collect();
    assign_numbered(app, role, by, &numbered, today).await
}

/// One assignment as given: (official, post, county, uscc).
pub type AssignRow = (String, String, String, String);

/// Assigns officials to enterprises (千名干部联万企): rows of (official, post, county, uscc).
pub async fn assign(
    app: &App,
    role: &Role,
    by: &str,
    rows: &[(String, String, String, String)],
    today: NaiveDate,
) -> Result<usize, AppError> {
    let numbered: Vec<(u64, &AssignRow)> = (1..).zip(rows).collect();
    assign_numbered(app, role, by, &numbered, today).await
}

/// [`assign`] with each row's number in its file (for the messages).
async fn assign_numbered(
    app: &App,
    role: &Role,
    by: &str,
    rows: &[(u64, &AssignRow)],
    today: NaiveDate,
) -> Result<usize, AppError> {
    let own_county = match role {
        Role::Admin => None,
        Role::County(c) => Some(c.clone()),
        _ => return Err(AppError::Forbidden("联企干部由工作专班或县区安排".into())),
    };
    let mut out = Vec::with_capacity(rows.len());
    for &(row, (official, post, county, uscc)) in rows {
        let official = text(&format!("第 {row} 行的干部姓名"), official, 40)?;
        if app.pack.jurisdiction(county.trim()).is_none() {
            return Err(bad(
                "bad_county",
                format!("第 {row} 行：县区“{county}”不存在"),
            ));
        }
        if own_county.as_deref().is_some_and(|c| c != county.trim()) {
            return Err(AppError::Forbidden(format!(
                "第 {row} 行：县区只能安排本辖区的联企干部"
            )));
        }
        let u = Uscc::parse(uscc.trim()).map_err(|e| {
            bad(
                "bad_uscc",
                format!("第 {row} 行：统一社会信用代码“{uscc}”无效：{e}"),
            )
        })?;
        out.push(NewAssignment {
            official,
            post: post.trim().to_string(),
            county: county.trim().to_string(),
            uscc: u.as_str().to_string(),
            active: true,
        });
    }
    Ok(app.store.service_assign(&out, today, by).await?)
}

/// Logs a visit; the problems raised enter the pool with channel 走访. Returns the visit id and
/// the problems' outcomes.
#[allow(clippy::too_many_arguments)]
pub async fn log_visit(
    app: &App,
    role: &Role,
    by: &str,
    official: &str,
    uscc: &str,
    visited_on: NaiveDate,
    discussed: &str,
    problems: &[Intake],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(i64, Vec<IntakeOutcome>), AppError> {
    if !matches!(role, Role::Admin | Role::County(_) | Role::Unit(_)) {
        return Err(AppError::Forbidden(
            "走访记录由干部所在单位或县区登记".into(),
        ));
    }
    if visited_on > today {
        return Err(bad(
            "future_date",
            format!("走访日期 {visited_on} 晚于今天"),
        ));
    }
    let official = text("干部姓名", official, 40)?;
    let discussed = text("走访内容", discussed, 2000)?;
    let u = Uscc::parse(uscc.trim())
        .map_err(|e| bad("bad_uscc", format!("统一社会信用代码“{uscc}”无效：{e}")))?;
    let county = app
        .store
        .service_enterprise(u.as_str())
        .await?
        .map(|(_, c)| c)
        .ok_or_else(|| bad("unknown_enterprise", format!("企业 {u} 不在企业库中")))?;
    if let Role::County(c) = role
        && c != &county
    {
        return Err(AppError::Forbidden("县区只能登记本辖区企业的走访".into()));
    }
    let id = app
        .store
        .service_add_visit(
            &official,
            u.as_str(),
            &county,
            visited_on,
            &discussed,
            by,
            now,
        )
        .await?;
    let mut outcomes = Vec::new();
    for p in problems {
        let mut p = p.clone();
        p.uscc = u.as_str().to_string();
        p.source_ref = format!("visit:{id}");
        let origin = Origin::Viewer(role.clone(), Channel::Visit);
        outcomes.push(intake(app, &origin, by, &p, today, now).await?);
    }
    Ok((id, outcomes))
}

/// Coverage per official for the quarter containing `today` (enterprises visited / assigned).
pub async fn coverage(
    app: &App,
    role: &Role,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate, Vec<Coverage>), AppError> {
    let county = match role {
        Role::Admin => None,
        Role::County(c) => Some(c.clone()),
        _ => return Err(AppError::Forbidden("联企覆盖率由工作专班和县区查看".into())),
    };
    let q0 = (today.month0() / 3) * 3 + 1;
    let from = NaiveDate::from_ymd_opt(today.year(), q0, 1).expect("valid quarter start");
    let rows = app
        .store
        .service_coverage(from, today, county.as_deref())
        .await?;
    Ok((from, today, rows))
}

/// The open problems of a queue and the rates as .xlsx bytes (the shared [`crate::sheet`]
/// layout: counts, dates and rates as numbers; a rate over nothing is “暂无数据”).
pub fn xlsx(
    title: &str,
    as_of: NaiveDate,
    rows: &[ProblemView],
    rates: &[RateRow],
) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let as_of = format!("数据截至 {as_of}");
    let fill = |d: Option<Due>| match d {
        Some(Due::Red) => Cell::Flag(Due::Red.label().into(), 0xFFC7CE),
        Some(Due::Yellow) => Cell::Flag(Due::Yellow.label().into(), 0xFFEB9C),
        Some(Due::Green) => Cell::Flag(Due::Green.label().into(), 0xC6EFCE),
        None => Cell::Empty,
    };
    let mut open = Sheet::new(
        "问题清单",
        title,
        &as_of,
        &[
            ("编号", 8.0),
            ("企业", 30.0),
            ("县区", 12.0),
            ("类别", 10.0),
            ("问题", 40.0),
            ("渠道", 12.0),
            ("承办单位", 20.0),
            ("受理日期", 12.0),
            ("办理期限", 12.0),
            ("已用工作日", 10.0),
            ("状态", 12.0),
            ("时限", 8.0),
        ],
    );
    open.rows = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Count(r.id),
                Cell::text(&r.enterprise_name),
                Cell::text(&r.county_name),
                Cell::text(&r.category_name),
                Cell::text(&r.title),
                Cell::text(&r.channel_label),
                Cell::text(&r.handler_name),
                Cell::Date(r.received_on),
                Cell::Date(r.deadline),
                Cell::Count(r.age_workdays.unwrap_or(0)),
                Cell::text(&r.state_label),
                fill(r.due),
            ]
        })
        .collect();
    open.total = Some(vec![
        Cell::text("合计"),
        Cell::text(format!("{} 个", rows.len())),
    ]);
    let rate = |r: &huiqi_service::rates::Rate| r.value.map_or(Cell::text("暂无数据"), Cell::Share);
    let mut stats = Sheet::new(
        "办理统计",
        "办理统计",
        &as_of,
        &[
            ("单位/县区/类别/月份", 24.0),
            ("受理数", 11.0),
            ("办结数", 11.0),
            ("办结率", 11.0),
            ("解决数", 11.0),
            ("解决率", 11.0),
            ("按时办结率", 11.0),
            ("平均办理工作日", 11.0),
            ("重办率", 11.0),
            ("评价数", 11.0),
            ("满意率", 11.0),
            ("在办", 11.0),
            ("逾期", 11.0),
        ],
    );
    stats.rows = rates
        .iter()
        .map(|r| {
            let c = &r.counts;
            vec![
                Cell::text(&r.name),
                Cell::Count(c.received),
                Cell::Count(c.done),
                rate(&r.rates.done),
                Cell::Count(c.resolved),
                rate(&r.rates.resolved),
                rate(&r.rates.on_time),
                r.rates
                    .avg_workdays
                    .map_or(Cell::text("暂无数据"), Cell::Number),
                rate(&r.rates.reopened),
                Cell::Count(c.rated),
                rate(&r.rates.satisfied),
                Cell::Count(c.open),
                Cell::Count(c.overdue),
            ]
        })
        .collect();
    workbook(title, &[open, stats])
}

/// What [`seed_demo`] made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub problems: usize,
    pub duplicates: usize,
    pub public: usize,
    pub open: usize,
    pub assignments: usize,
    pub visits: usize,
    pub api_key: String,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// Problem texts by category: (title, description).
const DEMO_TEXTS: &[(&str, &[(&str, &str)])] = &[
    (
        "policy_consult",
        &[
            (
                "小型微利企业所得税优惠如何申报",
                "我公司去年应纳税所得额约 260 万元，想了解小型微利企业所得税优惠在年度汇算时如何填报，是否需要另外提交资料。",
            ),
            (
                "六税两费减免是否适用个体户",
                "我们是个体工商户，想确认六税两费减半征收是否自动享受，还是需要到办税服务厅申请。",
            ),
            (
                "科技型中小企业评价流程咨询",
                "公司研发人员 12 人，想申请科技型中小企业评价，请告知入库条件、材料清单和时间安排。",
            ),
        ],
    ),
    (
        "financing",
        &[
            (
                "首贷申请被拒，希望协调",
                "公司首次向银行申请 200 万元流动资金贷款，因缺少抵押物被拒，希望了解政府性融资担保和续贷过桥政策。",
            ),
            (
                "续贷周转资金紧张",
                "现有贷款下月到期，续贷审批需要先还后贷，周转资金缺口约 150 万元，希望协调无还本续贷。",
            ),
            (
                "担保费补贴迟迟未到账",
                "去年办理的政策性担保贷款，担保费补贴申请后五个月仍未到账，请帮助查询进度。",
            ),
        ],
    ),
    (
        "employment",
        &[
            (
                "招工难，缺少熟练焊工",
                "订单增加后需要熟练焊工 20 名，本地招聘两个月只招到 5 人，希望人社部门帮助对接职业院校和招聘会。",
            ),
            (
                "稳岗补贴申领咨询",
                "公司去年未裁员，想申领稳岗返还，系统提示参保信息不一致，不知道如何处理。",
            ),
            (
                "新招员工社保补贴申请",
                "今年新招用高校毕业生 6 名，希望了解社保补贴的申请条件和办理渠道。",
            ),
        ],
    ),
    (
        "land_plant",
        &[
            (
                "扩产需要标准化厂房",
                "企业计划新上一条生产线，需要 3000 平方米标准化厂房，希望了解园区可租赁厂房和租金补贴政策。",
            ),
            (
                "厂房不动产证办理缓慢",
                "自建厂房已竣工验收一年，不动产权证仍未办下，影响银行抵押贷款，请协调加快办理。",
            ),
            (
                "园区道路积水影响出货",
                "园区内道路排水不畅，雨天积水严重，货车无法进出，影响正常出货。",
            ),
        ],
    ),
    (
        "approval",
        &[
            (
                "食品经营许可证延续办理",
                "许可证下月到期，网上申请延续时系统一直提示材料不全，但未说明缺少什么材料。",
            ),
            (
                "环评审批时间过长",
                "技改项目环评报告表已提交 40 天，仍未收到审批意见，希望了解进度和需要补充的内容。",
            ),
            (
                "消防验收预约困难",
                "新厂房装修完毕，消防验收预约一直排不上，影响开业时间。",
            ),
        ],
    ),
    (
        "late_payment",
        &[
            (
                "政府工程款拖欠",
                "我公司承建的乡镇道路工程已于去年验收，尚有工程款 86 万元未支付，多次催要无果。",
            ),
            (
                "国有企业拖欠货款",
                "向某国有企业供货已逾合同约定付款期 90 天，货款 42 万元未付，希望协调清欠。",
            ),
            (
                "质保金到期未退还",
                "项目质保期已满半年，质保金 18 万元仍未退还。",
            ),
        ],
    ),
    (
        "market_expansion",
        &[
            (
                "参加广交会展位补贴咨询",
                "企业计划参加今年广交会，希望了解展位费补贴标准和申请方式。",
            ),
            (
                "产品进入政府采购目录",
                "我们生产的节能灯具想进入政府采购，希望了解中小企业预留份额和投标要求。",
            ),
            (
                "跨境电商平台入驻支持",
                "希望开拓海外市场，了解跨境电商平台入驻和物流补贴政策。",
            ),
        ],
    ),
    (
        "other",
        &[
            (
                "企业周边噪音扰民投诉处理",
                "附近工地夜间施工噪音大，员工宿舍休息受影响，希望协调。",
            ),
            (
                "企业名称变更后银行账户无法变更",
                "营业执照名称已变更，银行要求提供多份证明，办理不顺。",
            ),
            (
                "厂区周边路灯损坏",
                "厂区门口道路路灯损坏两个月，夜班员工出行不安全。",
            ),
        ],
    ),
];

const DEMO_REPLIES: &[&str] = &[
    "已电话联系企业负责人，说明政策口径和办理流程，并将材料清单发至企业邮箱。",
    "经现场核实，已协调相关科室当周办理完毕，请企业查收。",
    "已与合作银行对接，银行将于本周上门调查，安排客户经理专人跟进。",
    "已组织专场招聘会并推送 3 所职业院校对接名单。",
    "已督促付款单位制定还款计划，首笔款项已于本周支付。",
];

const OFFICIALS: &[&str] = &[
    "王建国",
    "李秀英",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄丽",
    "周杰",
    "吴敏",
    "徐强",
    "孙婷",
    "胡军",
    "朱琳",
    "高峰",
    "林涛",
    "何娟",
    "郭亮",
    "马超",
    "罗丹",
    "梁晨",
    "宋佳",
    "郑凯",
    "谢芳",
];

fn role_of_handler(stored: &str) -> Role {
    match Handler::from_stored(stored) {
        Some(Handler::Unit(u)) => Role::Unit(u),
        Some(Handler::County(c)) => Role::County(c),
        None => Role::Admin,
    }
}

fn next_workday(cal: &Calendar, d: NaiveDate, n: u32) -> Result<NaiveDate, AppError> {
    cal.add_workdays(d, n).map_err(cal_err)
}

/// A believable year of problems up to `today` (some public, so that the public Open311 reads of
/// the last 90 days have content), 千名干部联万企 assignments and visits, and an API key for the
/// 12345 hotline (returned once). Every problem goes through the real use cases, so every event
/// is one the platform would have written. Deterministic for a registry and a day.
pub async fn seed_demo(app: &App, today: NaiveDate, count: usize) -> Result<DemoSummary, AppError> {
    let cal = calendar();
    let now = Utc::now();
    let mut rng = Rng(0x5EED_2026);
    let firms = app.store.all_enterprise_rows().await?;
    if firms.is_empty() {
        return Err(bad(
            "empty_registry",
            "企业库为空：请先导入企业（huiqi import）再载入为企服务演示数据",
        ));
    }
    let mut s = DemoSummary::default();
    // 千名干部联万企: officials per county, each linked to 12–20 enterprises of the county.
    let mut by_county: BTreeMap<&str, Vec<&huiqi_store::search::EnterpriseRow>> = BTreeMap::new();
    for f in &firms {
        by_county.entry(f.county.as_str()).or_default().push(f);
    }
    let mut assignments = Vec::new();
    let mut official_firms: Vec<(String, Vec<String>)> = Vec::new();
    for (i, name) in OFFICIALS.iter().enumerate() {
        let j = &app.pack.jurisdictions[i % app.pack.jurisdictions.len()];
        let Some(pool) = by_county.get(j.id.as_str()) else {
            continue;
        };
        let n = 12 + rng.below(9) as usize;
        let mut mine = Vec::new();
        for _ in 0..n {
            let f = rng.pick(pool);
            if !mine.contains(&f.uscc) {
                mine.push(f.uscc.clone());
                assignments.push((
                    name.to_string(),
                    "联企干部".to_string(),
                    j.id.clone(),
                    f.uscc.clone(),
                ));
            }
        }
        official_firms.push((name.to_string(), mine));
    }
    let first_day = today - Days::new(364);
    s.assignments = assign(app, &Role::Admin, "演示", &assignments, first_day).await?;
    // Problems, oldest first, on working days.
    let mut days: Vec<NaiveDate> = (0..count)
        .map(|_| first_day + Days::new(rng.below(365)))
        .collect();
    days.sort();
    for (i, mut day) in days.into_iter().enumerate() {
        while !cal.is_workday(day).map_err(cal_err)? {
            day = day + Days::new(1);
        }
        if day > today {
            break;
        }
        let f = rng.pick(&firms);
        let (cat, texts) = *rng.pick(DEMO_TEXTS);
        let (title, description) = *rng.pick(texts);
        let channel = *rng.pick(&[
            Channel::EnterprisePage,
            Channel::EnterprisePage,
            Channel::FrontDesk,
            Channel::Hotline,
            Channel::Hotline,
            Channel::Visit,
        ]);
        let public = rng.chance(35);
        let intake_in = Intake {
            uscc: f.uscc.clone(),
            category: cat.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            contact_name: "联系人".into(),
            contact_phone: format!("1390564{:04}", rng.below(10_000)),
            public,
            source_ref: if channel == Channel::Hotline {
                format!("12345-{}-{:05}", day.format("%Y%m%d"), i)
            } else {
                String::new()
            },
            ..Intake::default()
        };
        let out = if channel == Channel::Visit {
            let (official, _) = rng.pick(&official_firms).clone();
            let (_, mut outs) = log_visit(
                app,
                &Role::Admin,
                "演示",
                &official,
                &f.uscc,
                day,
                &format!("走访{}，了解生产经营情况，企业反映：{title}", f.name),
                std::slice::from_ref(&intake_in),
                day,
                now,
            )
            .await?;
            s.visits += 1;
            outs.remove(0)
        } else {
            let role = match channel {
                Channel::EnterprisePage => Role::Enterprise(
                    Uscc::parse(&f.uscc).map_err(|e| bad("bad_uscc", e.to_string()))?,
                ),
                _ => Role::Admin,
            };
            intake(
                app,
                &Origin::Viewer(role, channel),
                "演示",
                &intake_in,
                day,
                now,
            )
            .await?
        };
        s.problems += 1;
        if public {
            s.public += 1;
        }
        if out.duplicate_of.is_some() {
            s.duplicates += 1;
            continue;
        }
        let id = out.id;
        // Sometimes the enterprise also calls 12345 about the same thing: linked, not counted.
        if rng.chance(4) {
            let again = Intake {
                description: format!("{description}（企业来电再次反映）"),
                source_ref: format!("12345-{}-{:05}", day.format("%Y%m%d"), i + 100_000),
                ..intake_in.clone()
            };
            let origin = Origin::Viewer(Role::Admin, Channel::Hotline);
            let d2 = intake(app, &origin, "演示", &again, day, now).await?;
            s.problems += 1;
            if d2.duplicate_of.is_some() {
                s.duplicates += 1;
            }
        }
        let ent =
            Role::Enterprise(Uscc::parse(&f.uscc).map_err(|e| bad("bad_uscc", e.to_string()))?);
        let age = cal.workdays_between(day, today).unwrap_or(0);
        let mut d = day;
        // Front desk dispatches what came in from the enterprise page the next working day.
        if out.state == State::Received {
            if age < 1 {
                continue;
            }
            d = next_workday(&cal, d, 1)?;
            let p = app
                .store
                .service_problem(id)
                .await?
                .ok_or_else(|| bad("gone", "问题丢失"))?;
            act(
                app,
                &Role::Admin,
                "前台",
                id,
                Action::Dispatch,
                &ActionInput {
                    target: p.handler.clone(),
                    ..Default::default()
                },
                d,
                now,
            )
            .await?;
        }
        let p = app
            .store
            .service_problem(id)
            .await?
            .ok_or_else(|| bad("gone", "问题丢失"))?;
        let mut handler = role_of_handler(&p.handler);
        if age <= cal.workdays_between(day, d).unwrap_or(0) {
            continue;
        }
        act(
            app,
            &handler,
            "承办人",
            id,
            Action::Accept,
            &ActionInput::default(),
            d,
            now,
        )
        .await?;
        // Some are transferred once, with a reason.
        if rng.chance(8) && d < today {
            let units = [
                "economy_it",
                "market_regulation",
                "commerce",
                "hr_social_security",
            ];
            let target = units
                .iter()
                .find(|u| format!("unit:{u}") != p.handler)
                .copied()
                .unwrap_or("economy_it");
            act(
                app,
                &handler,
                "承办人",
                id,
                Action::Transfer,
                &ActionInput {
                    note: "该事项属其他部门职责，转相关部门办理".into(),
                    target: target.into(),
                    ..Default::default()
                },
                d,
                now,
            )
            .await?;
            handler = Role::Unit(target.into());
            d = next_workday(&cal, d, 1)?;
            if d > today {
                continue;
            }
            act(
                app,
                &handler,
                "承办人",
                id,
                Action::Accept,
                &ActionInput::default(),
                d,
                now,
            )
            .await?;
        }
        // A few recent ones are stuck with their handler (overdue on the 清单).
        if age < 40 && rng.chance(6) {
            s.open += 1;
            continue;
        }
        // The time it takes: mostly within the limit, some late; recent ones still open.
        let limit = p.limit_workdays as u32;
        let took = if rng.chance(12) {
            limit + 1 + rng.below(4) as u32
        } else {
            rng.below(u64::from(limit) + 1) as u32
        };
        let reply_day = next_workday(&cal, day, took.max(1))?.max(d);
        if reply_day > today {
            s.open += 1;
            continue;
        }
        let r = rng.below(100);
        let (action, note) = if r < 3 {
            (Action::CloseUnresolvable, "经核实，该诉求涉及历史遗留用地问题，现行政策下无法解决，已向企业说明原因和后续可行路径。".to_string())
        } else {
            (Action::Reply, rng.pick(DEMO_REPLIES).to_string())
        };
        act(
            app,
            &handler,
            "承办人",
            id,
            action,
            &ActionInput {
                note,
                ..Default::default()
            },
            reply_day,
            now,
        )
        .await?;
        // The enterprise: confirms, or says nothing (视为解决 after 5 working days), sometimes reopens.
        let answer = next_workday(&cal, reply_day, 1 + rng.below(3) as u32)?;
        if answer > today {
            continue;
        }
        if rng.chance(6) {
            act(
                app,
                &ent,
                "企业",
                id,
                Action::Reopen,
                &ActionInput {
                    note: "问题并未实际解决，银行仍未放款".into(),
                    ..Default::default()
                },
                answer,
                now,
            )
            .await?;
            let again = next_workday(&cal, answer, 1)?;
            if again > today {
                continue;
            }
            let h = p.handler.clone();
            act(
                app,
                &Role::Admin,
                "工作专班",
                id,
                Action::Dispatch,
                &ActionInput {
                    target: h.clone(),
                    note: "专班协调后重新交办".into(),
                    ..Default::default()
                },
                again,
                now,
            )
            .await?;
            let hr = role_of_handler(&h);
            act(
                app,
                &hr,
                "承办人",
                id,
                Action::Accept,
                &ActionInput::default(),
                again,
                now,
            )
            .await?;
            let re = next_workday(&cal, again, 2)?;
            if re > today {
                continue;
            }
            act(
                app,
                &hr,
                "承办人",
                id,
                Action::Reply,
                &ActionInput {
                    note: "专班牵头召开协调会，问题已落实解决。".into(),
                    ..Default::default()
                },
                re,
                now,
            )
            .await?;
            let c = next_workday(&cal, re, 1)?;
            if c <= today {
                act(
                    app,
                    &ent,
                    "企业",
                    id,
                    Action::Confirm,
                    &ActionInput::default(),
                    c,
                    now,
                )
                .await?;
                act(
                    app,
                    &ent,
                    "企业",
                    id,
                    Action::Rate,
                    &ActionInput {
                        rating: Some(3 + rng.below(2) as u8),
                        ..Default::default()
                    },
                    c,
                    now,
                )
                .await?;
            }
            continue;
        }
        if action == Action::Reply && rng.chance(65) {
            act(
                app,
                &ent,
                "企业",
                id,
                Action::Confirm,
                &ActionInput::default(),
                answer,
                now,
            )
            .await?;
        }
        if rng.chance(55) {
            let rating = match rng.below(100) {
                0..=4 => 1,
                5..=9 => 2,
                10..=19 => 3,
                20..=49 => 4,
                _ => 5,
            };
            let st = app.store.service_problem(id).await?.map(|p| p.state());
            if matches!(st, Some(State::Resolved | State::Unresolvable)) {
                act(
                    app,
                    &ent,
                    "企业",
                    id,
                    Action::Rate,
                    &ActionInput {
                        rating: Some(rating),
                        ..Default::default()
                    },
                    answer,
                    now,
                )
                .await?;
            }
        }
        // 视为解决 of everything due by the enterprise's answer day.
        auto_resolve(app, answer, now).await?;
    }
    auto_resolve(app, today, now).await?;
    // Visits without problems, so that coverage this quarter is believable.
    for (official, mine) in &official_firms {
        for u in mine.iter().take(mine.len() * 2 / 3) {
            let back = rng.below(80);
            let d = today - Days::new(back);
            log_visit(
                app,
                &Role::Admin,
                "演示",
                official,
                u,
                d,
                "走访了解企业生产经营和用工情况，宣讲惠企政策，企业暂无新的诉求。",
                &[],
                today,
                now,
            )
            .await?;
            s.visits += 1;
        }
    }
    s.api_key = create_api_key(
        app,
        &Role::Admin,
        "演示",
        "12345热线",
        "12345 政务服务便民热线",
        now,
    )
    .await?;
    Ok(s)
}

/// What a public read (Open311 GET) asks for: only problems marked public are ever returned.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// Some ids (service_request_id, comma-separated in the request).
    pub ids: Vec<i64>,
    pub category: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Public problems (at most 1,000, newest first). The view carries no contact person or phone;
/// the front end shows neither the enterprise's identity nor its figures.
pub async fn public_requests(
    app: &App,
    f: &PublicFilter,
    today: NaiveDate,
) -> Result<Vec<ProblemView>, AppError> {
    let cfg = config(app)?;
    let cal = calendar();
    let rows = if f.ids.is_empty() {
        app.store
            .service_list(&ProblemFilter {
                public_only: true,
                category: f.category.clone(),
                received_from: f.from,
                received_to: f.to,
                limit: 1000,
                ..ProblemFilter::default()
            })
            .await?
            .0
    } else {
        let mut rows = Vec::new();
        for id in &f.ids {
            if let Some(p) = app.store.service_problem(*id).await? {
                rows.push(p);
            }
        }
        rows
    };
    Ok(rows
        .into_iter()
        .filter(|p| p.public)
        .map(|p| view(app, &cfg, &cal, p, today))
        .collect())
}

/// The registered name of an enterprise (empty if not registered).
pub async fn enterprise_name(app: &App, uscc: &str) -> Result<String, AppError> {
    Ok(app
        .store
        .service_enterprise(uscc)
        .await?
        .map(|(n, _)| n)
        .unwrap_or_default())
}

/// Visits between two days a viewer may see (the working group all, a county its own; a unit
/// the visits it logged are not told apart here, so it sees the whole city's log).
pub async fn visit_log(
    app: &App,
    role: &Role,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> Result<Vec<VisitRow>, AppError> {
    let county = match role {
        Role::Admin | Role::Unit(_) => None,
        Role::County(c) => Some(c.as_str()),
        _ => {
            return Err(AppError::Forbidden(
                "走访记录由工作专班、单位和县区查看".into(),
            ));
        }
    };
    Ok(app.store.service_visits(from, to, county, limit).await?)
}
