//! 督办与考核 (issue 16) on the store. 督办: the supervision board of a month (every line the
//! viewer may see, coloured), reports on a line with evidence files, 典型案例/经验做法 and their
//! publication, 督办单 and their steps. 考核: the assessment of article 19 from live data (日常调度
//! completions, on-time reports, last year's use of funds, 为企服务's on-time rate and satisfaction
//! from `service`, 清欠's share of accepted complaints paid), under the pack's scheme or another scheme file (the
//! what-if), kept and published. Who may do what is decided here:
//!
//! * working group (admin): everything; sends 督办单, closes, returns or withdraws them, publishes;
//! * a county: the lines of its jurisdiction — sees, reports, replies to their 督办单;
//! * a unit: its own lines in every jurisdiction — sees, reports, replies;
//! * the public: published cases and the published assessment only.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, Utc};
use huiqi_assess::compute::{self, Assessment, Fraction, FundsUse, Inputs};
use huiqi_assess::funds as rules;
use huiqi_assess::money::from_fen;
use huiqi_assess::orders::{OrderAction, OrderState};
use huiqi_assess::scheme::Scheme;
use huiqi_assess::supervision::{
    Colour, CyclePeriod, Figures, Line, OpenOrder, OrderFact, ReportFact, ReportKind, ReportStatus,
    SupervisionConfig, board, on_time,
};
use huiqi_policy::Pack;
use huiqi_progress::{Month, Settings};
use huiqi_store::assess::{
    AssessmentRow, NewAssessment, NewOrder, NewTaskReport, OrderRow, TaskReportRow,
};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::accounts::Role;
use crate::{App, AppError, jurisdiction_name};

/// What a front end hands in and filters by (the store's types).
pub use huiqi_store::assess::{FileMeta, MAX_EVIDENCE_BYTES, ReportFilter};

/// The most evidence files of one report.
pub const MAX_EVIDENCE_FILES: usize = 5;

/// Today in China (UTC+8), the day reports and 督办单 are dated by.
pub fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The supervision rules of the built-in pack.
pub fn config(pack: &Pack) -> Result<SupervisionConfig, AppError> {
    Ok(huiqi_assess::builtin::supervision(
        huiqi_policy::builtin::DEFAULT,
        pack,
    )?)
}

/// The assessment scheme of a year: the pack's (`assess/scheme-<year>.yaml`) or a file, with the
/// SHA-256 of its text.
pub fn scheme(pack: &Pack, year: i32, file: Option<&Path>) -> Result<(Scheme, String), AppError> {
    let (label, text) = match file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path).map_err(|e| {
                AppError::io(
                    format!("无法读取考核方案 {}（须为 UTF-8 编码）", path.display()),
                    e,
                )
            })?,
        ),
        None => {
            let name = format!("scheme-{year}.yaml");
            let (label, text) = huiqi_assess::builtin::file(huiqi_policy::builtin::DEFAULT, &name)
                .ok_or_else(|| {
                    AppError::not_found(
                        "no_scheme",
                        format!("政策包中没有 {year} 年度的考核方案（assess/{name}）：请用 --scheme 指定方案文件"),
                    )
                })?;
            (label, text.to_string())
        }
    };
    let s = Scheme::load(&label, &text, pack)
        .map_err(|e| AppError::invalid("bad_scheme", e.to_string()))?;
    if s.year != year {
        return Err(AppError::invalid(
            "scheme_year",
            format!("方案 {label} 是 {} 年度的，不是 {year} 年度", s.year),
        ));
    }
    Ok((s, format!("{:x}", Sha256::digest(text.as_bytes()))))
}

/// Whether `role` may see (and report on) a line.
pub fn may_report(role: &Role, line: &Line) -> bool {
    match role {
        Role::Admin => true,
        Role::County(c) => *c == line.jurisdiction,
        Role::Unit(u) => line.unit.as_deref() == Some(u.as_str()),
        Role::Enterprise(_) | Role::Anonymous => false,
    }
}

fn staff_only(role: &Role) -> Result<(), AppError> {
    match role {
        Role::Admin | Role::County(_) | Role::Unit(_) => Ok(()),
        _ => Err(AppError::Forbidden(
            "督办页面只对工作专班、责任单位和县区开放".into(),
        )),
    }
}

fn admin_only(role: &Role, what: &str) -> Result<(), AppError> {
    if *role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("只有工作专班可以{what}")))
    }
}

/// A line's unit for people: the unit's short name, or the jurisdiction's government.
pub fn unit_name(pack: &Pack, line: &Line) -> String {
    match &line.unit {
        Some(u) => pack.unit(u).map_or(u.clone(), |x| x.name.clone()),
        None => pack
            .jurisdiction(&line.jurisdiction)
            .map_or(line.jurisdiction.clone(), |j| j.government.clone()),
    }
}

/// One row of the board (and of `huiqi tasks`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    pub task: String,
    pub title: String,
    pub article: u8,
    /// The unit's id; empty for the jurisdiction's own line.
    pub unit: String,
    pub unit_name: String,
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    /// `2023-Q3`, `2023-09`, …
    pub period: String,
    pub period_label: String,
    /// The latest report's status for the period; `None` when nothing was reported.
    pub status: Option<ReportStatus>,
    pub status_label: String,
    pub last_report: Option<NaiveDate>,
    pub due: NaiveDate,
    pub colour: Colour,
    pub reason: String,
    pub open_orders: Vec<i64>,
    /// The figures of another area this task links to (articles 17 and 14).
    pub figures: Option<Figures>,
}

/// Every line the viewer may see, for the period of its cycle that contains `month`, coloured as
/// of `today`; optionally only one jurisdiction.
pub async fn tasks(
    app: &App,
    role: &Role,
    month: &str,
    today: NaiveDate,
    jurisdiction: Option<&str>,
) -> Result<Vec<TaskRow>, AppError> {
    staff_only(role)?;
    let m = Month::parse(month)?;
    let cfg = config(&app.pack)?;
    let lines: Vec<Line> = cfg
        .lines(&app.pack)
        .into_iter()
        .filter(|l| may_report(role, l))
        .filter(|l| jurisdiction.is_none_or(|j| l.jurisdiction == j))
        .collect();
    // Reports of this year and the one before (a period's previous period may lie there).
    let mut reports = Vec::new();
    for year in [m.year - 1, m.year] {
        reports.extend(
            app.store
                .task_reports(&ReportFilter {
                    year: Some(year),
                    kind: Some(ReportKind::Progress),
                    ..ReportFilter::default()
                })
                .await?,
        );
    }
    let facts: Vec<ReportFact> = reports.iter().filter_map(fact).collect();
    let orders: Vec<OrderFact> = app
        .store
        .orders(None)
        .await?
        .into_iter()
        .filter(|o| o.state.awaiting_reply())
        .map(|o| OrderFact {
            line: line_of(&o),
            order: OpenOrder {
                id: o.id,
                due_on: o.due_on,
            },
        })
        .collect();
    let rows = board(&cfg, &lines, m.first_day(), &facts, &orders, today);
    Ok(rows
        .into_iter()
        .map(|r| {
            let task = app.pack.tasks.iter().find(|t| t.id == r.line.task);
            TaskRow {
                title: task.map_or(String::new(), |t| t.title.clone()),
                article: task.map_or(0, |t| t.article),
                unit: r.line.unit.clone().unwrap_or_default(),
                unit_name: unit_name(&app.pack, &r.line),
                jurisdiction_name: jurisdiction_name(&app.pack, &r.line.jurisdiction),
                period: r.period.to_string(),
                period_label: r.period.label(),
                status: r.status,
                status_label: r.status.map_or("未报送", |s| s.label()).to_string(),
                last_report: r.last_report,
                due: r.due,
                colour: r.signal.colour,
                reason: r.signal.reason,
                open_orders: r.open_orders,
                figures: cfg.rule(&r.line.task).figures,
                task: r.line.task,
                jurisdiction: r.line.jurisdiction,
            }
        })
        .collect())
}

fn fact(r: &TaskReportRow) -> Option<ReportFact> {
    Some(ReportFact {
        line: Line {
            task: r.task.clone(),
            unit: r.unit.clone(),
            jurisdiction: r.jurisdiction.clone(),
        },
        period: CyclePeriod::parse(&r.period).ok()?,
        reported_on: r.reported_on,
        status: r.status,
    })
}

fn line_of(o: &OrderRow) -> Line {
    Line {
        task: o.task.clone(),
        unit: o.unit.clone(),
        jurisdiction: o.jurisdiction.clone(),
    }
}

/// A report as entered on the form or the command line.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub task: String,
    /// The unit's id; empty for the jurisdiction's own line.
    pub unit: String,
    pub jurisdiction: String,
    /// `2023-Q3`, `2023-09`, …; must be the task's cycle.
    pub period: String,
    /// `progress`, `case` or `practice` (or the Chinese words).
    pub kind: String,
    /// `not_started`, `in_progress`, `done`, `lagging` (or the Chinese words).
    pub status: String,
    pub title: String,
    pub progress: String,
    pub measures: String,
    pub figures: String,
    /// Evidence files as uploaded (name, bytes): checked by [`crate::files::check`].
    pub files: Vec<(String, Vec<u8>)>,
}

/// Checks a report against the rules and the viewer's scope, then keeps it. Every refusal says
/// what to fix; nothing is written then.
pub async fn report(
    app: &App,
    role: &Role,
    reporter: &str,
    input: ReportInput,
    today: NaiveDate,
) -> Result<i64, AppError> {
    staff_only(role)?;
    let cfg = config(&app.pack)?;
    let unit = Some(input.unit.trim().to_string()).filter(|u| !u.is_empty());
    let line = Line {
        task: input.task.trim().to_string(),
        unit,
        jurisdiction: crate::funds::jurisdiction_id(&app.pack, &input.jurisdiction)?,
    };
    if !cfg.lines(&app.pack).contains(&line) {
        return Err(AppError::invalid(
            "bad_line",
            format!(
                "没有这条督办线：任务 {}、{}、{}（请从任务清单中选择）",
                line.task,
                unit_name(&app.pack, &line),
                jurisdiction_name(&app.pack, &line.jurisdiction)
            ),
        ));
    }
    if !may_report(role, &line) {
        return Err(AppError::Forbidden(
            "无权报送这条督办线（只能报送本辖区或本单位的任务）".into(),
        ));
    }
    let period = CyclePeriod::parse(&input.period)?;
    let cycle = cfg.cycle_of(&line.task);
    if period.cycle != cycle {
        return Err(AppError::invalid(
            "bad_period",
            format!(
                "任务 {} {}报送一次，报告期应写成 {}（而不是 {}）",
                line.task,
                cycle.label(),
                CyclePeriod::containing(cycle, period.start()),
                period
            ),
        ));
    }
    if period.start() > today {
        return Err(AppError::invalid(
            "future_period",
            format!("报告期 {period} 还没有开始，不能报送"),
        ));
    }
    let kind = if input.kind.trim().is_empty() {
        ReportKind::Progress
    } else {
        ReportKind::checked(&input.kind)?
    };
    if kind != ReportKind::Progress && !cfg.rule(&line.task).cases {
        return Err(AppError::invalid(
            "no_cases",
            format!(
                "任务 {} 不收{}：典型案例和经验做法报在第18条“加大宣传力度”任务下",
                line.task,
                kind.label()
            ),
        ));
    }
    if kind != ReportKind::Progress && input.title.trim().is_empty() {
        return Err(AppError::invalid(
            "no_title",
            format!("{}须有标题", kind.label()),
        ));
    }
    let status = ReportStatus::checked(&input.status)?;
    {
        use huiqi_domain::limits::{
            REPORT_TEXT_MAX_CHARS, check_name_field, check_note, check_text,
        };
        check_name_field("标题", input.title.trim()).map_err(AppError::limit("bad_title"))?;
        for (what, text) in [
            ("工作进展", &input.progress),
            ("采取的措施", &input.measures),
        ] {
            check_text(what, text.trim(), REPORT_TEXT_MAX_CHARS)
                .map_err(AppError::limit("bad_text"))?;
        }
        check_note("数字", input.figures.trim()).map_err(AppError::limit("bad_text"))?;
    }
    if input.progress.trim().is_empty() {
        return Err(AppError::invalid(
            "no_progress",
            "工作进展不能为空：请写明本期做了什么、进度如何",
        ));
    }
    let files = crate::files::check("佐证材料", &input.files, MAX_EVIDENCE_FILES)?;
    Ok(app
        .store
        .add_task_report(&NewTaskReport {
            task: line.task,
            unit: line.unit,
            jurisdiction: line.jurisdiction,
            period: period.to_string(),
            kind,
            status,
            title: input.title.trim().to_string(),
            progress: input.progress.trim().to_string(),
            measures: input.measures.trim().to_string(),
            figures: input.figures.trim().to_string(),
            reporter: reporter.to_string(),
            reported_on: today,
            reported_at: Utc::now(),
            files,
        })
        .await?)
}

/// The reports the viewer may see (optionally of one jurisdiction and year), newest first.
pub async fn reports(
    app: &App,
    role: &Role,
    filter: ReportFilter,
) -> Result<Vec<TaskReportRow>, AppError> {
    staff_only(role)?;
    let mut rows: Vec<TaskReportRow> = app
        .store
        .task_reports(&filter)
        .await?
        .into_iter()
        .filter(|r| may_report(role, &report_line(r)))
        .collect();
    rows.reverse();
    Ok(rows)
}

fn report_line(r: &TaskReportRow) -> Line {
    Line {
        task: r.task.clone(),
        unit: r.unit.clone(),
        jurisdiction: r.jurisdiction.clone(),
    }
}

/// An evidence file, if the viewer may see its report (published cases: anyone).
pub async fn evidence(
    app: &App,
    role: &Role,
    file: i64,
) -> Result<crate::files::Download, AppError> {
    let Some((meta, bytes)) = app.store.task_report_file(file).await? else {
        return Err(AppError::not_found(
            "no_file",
            format!("没有编号为 {file} 的佐证材料"),
        ));
    };
    let report = app
        .store
        .task_reports(&ReportFilter::default())
        .await?
        .into_iter()
        .find(|r| r.id == meta.owner_id);
    let visible = report.is_some_and(|r| r.published || may_report(role, &report_line(&r)));
    if !visible {
        return Err(AppError::Forbidden("无权查看这份佐证材料".into()));
    }
    Ok(crate::files::Download::of((meta, bytes)))
}

/// Publishes a case or practice (or takes it back).
pub async fn publish_report(
    app: &App,
    role: &Role,
    by: &str,
    report: i64,
    published: bool,
) -> Result<(), AppError> {
    admin_only(role, "发布典型案例和经验做法")?;
    let note = if published { "发布" } else { "撤回" };
    Ok(app
        .store
        .set_report_published(report, published, by, note)
        .await?)
}

/// The published cases and practices (the public page), newest first.
pub async fn published_cases(app: &App) -> Result<Vec<TaskReportRow>, AppError> {
    let mut rows: Vec<TaskReportRow> = app
        .store
        .task_reports(&ReportFilter::default())
        .await?
        .into_iter()
        .filter(|r| r.kind != ReportKind::Progress && r.published)
        .collect();
    rows.reverse();
    Ok(rows)
}

/// A 督办单 to send.
#[derive(Debug, Clone, Default)]
pub struct OrderInput {
    pub task: String,
    pub unit: String,
    pub jurisdiction: String,
    pub period: String,
    pub requirement: String,
    /// Default: `order_reply_days` of the supervision rules after today.
    pub due: Option<NaiveDate>,
}

/// Sends a 督办单 (the working group).
pub async fn issue_order(
    app: &App,
    role: &Role,
    by: &str,
    input: OrderInput,
    today: NaiveDate,
) -> Result<i64, AppError> {
    admin_only(role, "发出督办单")?;
    let cfg = config(&app.pack)?;
    let line = Line {
        task: input.task.trim().to_string(),
        unit: Some(input.unit.trim().to_string()).filter(|u| !u.is_empty()),
        jurisdiction: crate::funds::jurisdiction_id(&app.pack, &input.jurisdiction)?,
    };
    if !cfg.lines(&app.pack).contains(&line) {
        return Err(AppError::invalid(
            "bad_line",
            format!("没有这条督办线：任务 {}", line.task),
        ));
    }
    let period = CyclePeriod::parse(&input.period)?;
    huiqi_domain::limits::check_note("督办要求", input.requirement.trim())
        .map_err(AppError::limit("bad_requirement"))?;
    let due = input
        .due
        .unwrap_or(today + Days::new(cfg.order_reply_days.into()));
    Ok(app
        .store
        .issue_order(&NewOrder {
            task: line.task,
            unit: line.unit,
            jurisdiction: line.jurisdiction,
            period: period.to_string(),
            requirement: input.requirement.trim().to_string(),
            issued_on: today,
            due_on: due,
            issued_by: by.to_string(),
        })
        .await?)
}

/// Acts on a 督办单: a reply by whoever may report on its line; close, return, withdraw by the
/// working group.
#[allow(clippy::too_many_arguments)]
pub async fn act_on_order(
    app: &App,
    role: &Role,
    by: &str,
    order: i64,
    action: &str,
    note: &str,
    new_due: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<OrderState, AppError> {
    huiqi_domain::limits::check_note("说明", note.trim()).map_err(AppError::limit("bad_note"))?;
    let action = OrderAction::parse_any(action).ok_or_else(|| {
        AppError::invalid(
            "bad_action",
            format!("操作“{action}”无效：只能是 {}", OrderAction::ids()),
        )
    })?;
    let Some(o) = app
        .store
        .orders(None)
        .await?
        .into_iter()
        .find(|o| o.id == order)
    else {
        return Err(AppError::not_found(
            "no_order",
            format!("没有编号为 {order} 的督办单"),
        ));
    };
    if action.by_working_group() {
        admin_only(role, &format!("{}督办单", action.label()))?;
    } else if !may_report(role, &line_of(&o)) {
        return Err(AppError::Forbidden(
            "无权答复这份督办单（只能答复本辖区或本单位的督办单）".into(),
        ));
    }
    Ok(app
        .store
        .order_action(order, action, note.trim(), new_due, by, today)
        .await?)
}

/// The 督办单 the viewer may see, newest first.
pub async fn orders(app: &App, role: &Role) -> Result<Vec<OrderRow>, AppError> {
    staff_only(role)?;
    let mut rows: Vec<OrderRow> = app
        .store
        .orders(None)
        .await?
        .into_iter()
        .filter(|o| may_report(role, &line_of(o)))
        .collect();
    rows.reverse();
    Ok(rows)
}

/// The inputs of each jurisdiction for a year's assessment, from live data as of `as_of`:
/// the 日常调度 completions of the year's December (or of the last month ended, for a year not
/// over), on-time reports of every line of the jurisdiction, last year's award and its use (or
/// own-funded support), 为企服务's on-time rate and satisfaction of the problems received in the
/// year (none for a jurisdiction without problems), 清欠's share of accepted complaints paid
/// ([`crate::arrears::resolution`]).
pub async fn inputs(app: &App, year: i32, as_of: NaiveDate) -> Result<Vec<Inputs>, AppError> {
    let cfg = config(&app.pack)?;
    let lines = cfg.lines(&app.pack);
    // 日常调度: the latest month of the year with reports (December once the year is reported
    // through); none: no data for the year.
    let december = Month { year, month: 12 };
    let last_ended = Month::of(as_of).prev();
    let until = if december <= last_ended {
        december
    } else {
        last_ended
    };
    let month = crate::progress::latest_period(&app.store, until.last_day())
        .await?
        .filter(|m| m.year == year);
    let rows = match month {
        Some(m) => {
            crate::progress::table_now(&app.store, &app.pack, m, &Settings::default()).await?
        }
        None => Vec::new(),
    };
    let any = rows
        .iter()
        .any(|r| r.actual.is_some() && r.jurisdiction != "city");
    // On-time reports: the first progress report of each line and period.
    let mut first: BTreeMap<(Line, CyclePeriod), NaiveDate> = BTreeMap::new();
    for r in app
        .store
        .task_reports(&ReportFilter {
            year: Some(year),
            kind: Some(ReportKind::Progress),
            ..ReportFilter::default()
        })
        .await?
    {
        if let Some(f) = fact(&r) {
            let e = first.entry((f.line, f.period)).or_insert(f.reported_on);
            *e = (*e).min(f.reported_on);
        }
    }
    // Last year's ledger.
    let totals = app.store.fund_totals(year - 1).await?;
    let own = app.store.own_support_totals(year - 1).await?;
    let ledger_exists = !totals.is_empty();
    // 为企服务 (article 17): the on-time rate (期限内办结 ÷ 办结) and satisfaction (评 4–5 分 ÷
    // 评价数) of the problems of each jurisdiction received in the year; none without problems.
    let service = crate::service::assess_inputs(app, year, as_of).await?;
    let frac = |(part, whole): (i64, i64)| (whole > 0).then(|| Fraction::new(part, whole));
    // 清欠: the share of complaints accepted in the year that were paid (None: no data yet).
    let arrears = crate::arrears::resolution(app, year, as_of).await?;
    Ok(app
        .pack
        .jurisdictions
        .iter()
        .map(|j| {
            let completions = any.then(|| {
                rows.iter()
                    .filter(|r| r.jurisdiction == j.id)
                    .map(|r| (r.target.clone(), r.completion))
                    .collect()
            });
            let ot = on_time(&cfg, &lines, &j.id, year, as_of, &first);
            let funds_use = match totals.get(&j.id) {
                Some(t) if t.awarded_fen > 0 => Some(FundsUse::Awarded {
                    awarded: from_fen(t.awarded_fen),
                    spent: from_fen(t.spent_fen),
                }),
                _ if ledger_exists => Some(FundsUse::NotAwarded {
                    own_funded: from_fen(own.get(&j.id).copied().unwrap_or(0)),
                }),
                _ => None,
            };
            Inputs {
                jurisdiction: j.id.clone(),
                targets_as_of: month.filter(|_| any).map(|m| m.to_string()),
                target_completions: completions,
                task_reports_on_time: Some(Fraction::new(ot.on_time, ot.due)),
                service_on_time: service.get(&j.id).and_then(|(t, _)| frac(*t)),
                service_satisfaction: service.get(&j.id).and_then(|(_, s)| frac(*s)),
                arrears_resolution: arrears
                    .as_ref()
                    .map(|m| m.get(&j.id).copied().unwrap_or(Fraction::new(0, 0))),
                funds_use,
            }
        })
        .collect())
}

/// A year's assessment under a scheme (the pack's, or a file for the what-if). The county sees
/// its own row only; the working group all.
pub async fn assessment(
    app: &App,
    role: &Role,
    year: i32,
    scheme_file: Option<&Path>,
    as_of: NaiveDate,
) -> Result<Assessment, AppError> {
    let (scheme, _) = scheme(&app.pack, year, scheme_file)?;
    let inputs = inputs(app, year, as_of).await?;
    let mut a = compute::assess(&scheme, &inputs);
    visible_rows(role, &mut a)?;
    Ok(a)
}

fn visible_rows(role: &Role, a: &mut Assessment) -> Result<(), AppError> {
    match role {
        Role::Admin => Ok(()),
        Role::County(c) => {
            a.rows.retain(|r| r.jurisdiction == *c);
            Ok(())
        }
        _ => Err(AppError::Forbidden(
            "考核结果在工作专班发布前只对工作专班和县区开放".into(),
        )),
    }
}

/// Computes the year's assessment under the pack's scheme, keeps it as shown and publishes it
/// (the working group). Returns the stored assessment's id.
pub async fn publish_assessment(
    app: &App,
    role: &Role,
    by: &str,
    year: i32,
    as_of: NaiveDate,
) -> Result<i64, AppError> {
    admin_only(role, "发布考核结果")?;
    let (scheme, sha) = scheme(&app.pack, year, None)?;
    let a = compute::assess(&scheme, &inputs(app, year, as_of).await?);
    let id = app
        .store
        .save_assessment(&NewAssessment {
            year,
            scheme_id: scheme.id.clone(),
            scheme_version: scheme.version.clone(),
            scheme_sha256: sha,
            pool_fen: huiqi_assess::money::to_fen(a.pool).unwrap_or(0),
            result: serde_json::to_string(&a)
                .map_err(|e| AppError::Task(format!("考核结果无法保存：{e}")))?,
            computed_by: by.to_string(),
        })
        .await?;
    app.store
        .set_assessment_published(id, true, by, "工作专班发布")
        .await?;
    Ok(id)
}

/// The published assessment of a year (anyone), with its stored record.
pub async fn published_assessment(
    app: &App,
    year: i32,
) -> Result<Option<(AssessmentRow, Assessment)>, AppError> {
    let Some(row) = app.store.published_assessment(year).await? else {
        return Ok(None);
    };
    let a: Assessment = serde_json::from_str(&row.result)
        .map_err(|e| AppError::Task(format!("已发布的考核结果无法读取：{e}")))?;
    Ok(Some((row, a)))
}

/// Credits the awards of a stored assessment to the ledger (the working group), dated `date`.
pub async fn credit_awards(
    app: &App,
    role: &Role,
    by: &str,
    assessment: i64,
    date: NaiveDate,
) -> Result<usize, AppError> {
    admin_only(role, "记录奖补入账")?;
    let Some(row) = app
        .store
        .assessments(None)
        .await?
        .into_iter()
        .find(|a| a.id == assessment)
    else {
        return Err(AppError::not_found(
            "no_assessment",
            format!("没有编号为 {assessment} 的考核结果"),
        ));
    };
    let a: Assessment = serde_json::from_str(&row.result)
        .map_err(|e| AppError::Task(format!("考核结果无法读取：{e}")))?;
    let mut n = 0;
    for r in a.rows.iter().filter(|r| r.award > Decimal::ZERO) {
        let fen = rules::amount_fen(r.award).map_err(|e| AppError::Store(e.into()))?;
        let details = huiqi_store::funds::FundDetails {
            note: format!(
                "{} 年度考核：{}，{} 分，{}",
                a.year, r.band, r.score, a.scheme_title
            ),
            assessment_id: Some(row.id),
            recorded_by: by.to_string(),
            ..Default::default()
        };
        app.store
            .fund_award(&r.jurisdiction, a.year, date, fen, &details)
            .await?;
        n += 1;
    }
    Ok(n)
}

/// The board's colours counted, for the page's summary.
pub fn colour_counts(rows: &[TaskRow]) -> [(Colour, usize); 4] {
    Colour::ALL
        .iter()
        .map(|c| (*c, rows.iter().filter(|r| r.colour == *c).count()))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap_or([
            (Colour::Pending, 0),
            (Colour::Green, 0),
            (Colour::Yellow, 0),
            (Colour::Red, 0),
        ])
}

/// The year a page shows when none is asked: the latest year before `today`'s with an assessment
/// scheme in the pack (else last year).
pub fn default_year(today: NaiveDate) -> i32 {
    huiqi_assess::builtin::files(huiqi_policy::builtin::DEFAULT)
        .iter()
        .filter_map(|(_, name, _)| {
            name.strip_prefix("scheme-")?
                .strip_suffix(".yaml")?
                .parse::<i32>()
                .ok()
        })
        .filter(|y| *y < today.year())
        .max()
        .unwrap_or(today.year() - 1)
}

/// The board as .xlsx bytes: one row per line, the colour filled in.
pub fn tasks_xlsx(title: &str, rows: &[TaskRow]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Color, Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let fill = |c: Colour| match c {
        Colour::Pending => XFormat::new().set_background_color(Color::RGB(0xEEEEEE)),
        Colour::Green => XFormat::new().set_background_color(Color::RGB(0xC6EFCE)),
        Colour::Yellow => XFormat::new().set_background_color(Color::RGB(0xFFEB9C)),
        Colour::Red => XFormat::new().set_background_color(Color::RGB(0xFFC7CE)),
    };
    let ws = wb.add_worksheet();
    ws.set_name("督办")?;
    ws.write_string_with_format(0, 0, title, &bold)?;
    let headers = [
        ("条", 5.0),
        ("任务", 36.0),
        ("责任单位", 22.0),
        ("辖区", 16.0),
        ("报告期", 16.0),
        ("报送状态", 10.0),
        ("最近报送", 12.0),
        ("报送截止", 12.0),
        ("督办", 8.0),
        ("说明", 60.0),
        ("督办单", 10.0),
    ];
    for (c, (h, w)) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        ws.write_string(row, 0, r.article.to_string())?;
        ws.write_string(row, 1, &r.title)?;
        ws.write_string(row, 2, &r.unit_name)?;
        ws.write_string(row, 3, &r.jurisdiction_name)?;
        ws.write_string(row, 4, &r.period_label)?;
        ws.write_string(row, 5, &r.status_label)?;
        ws.write_string(
            row,
            6,
            r.last_report.map_or(String::new(), |d| d.to_string()),
        )?;
        ws.write_string(row, 7, r.due.to_string())?;
        ws.write_string_with_format(row, 8, r.colour.label(), &fill(r.colour))?;
        ws.write_string(row, 9, &r.reason)?;
        ws.write_string(
            row,
            10,
            r.open_orders
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join("、"),
        )?;
    }
    ws.set_freeze_panes(2, 0)?;
    Ok(wb.save_to_buffer()?)
}

/// An assessment as .xlsx bytes: the result table, the computation of every figure, and (for the
/// what-if) the same year under another scheme side by side. Scores and amounts are text, exactly
/// as computed.
pub fn assessment_xlsx(
    pack: &Pack,
    a: &Assessment,
    whatif: Option<&Assessment>,
) -> Result<Vec<u8>, AppError> {
    use huiqi_assess::money::{grouped, yuan};
    use rust_xlsxwriter::{Format as XFormat, FormatAlign, Workbook};
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let right = XFormat::new().set_align(FormatAlign::Right);
    let name = |j: &str| jurisdiction_name(pack, j);

    let ws = wb.add_worksheet();
    ws.set_name("考核结果")?;
    ws.write_string_with_format(
        0,
        0,
        format!("{}（版本 {}）", a.scheme_title, a.scheme_version),
        &bold,
    )?;
    let mut headers: Vec<String> = ["排名", "辖区", "总分", "等次", "奖补（元）"]
        .map(String::from)
        .to_vec();
    if let Some(first) = a.rows.first() {
        headers.extend(
            first
                .indicators
                .iter()
                .map(|i| format!("{}（{} 分）", i.name, i.weight)),
        );
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, if c < 5 { 14.0 } else { 18.0 })?;
    }
    for (i, r) in a.rows.iter().enumerate() {
        let row = i as u32 + 2;
        ws.write_string(row, 0, r.rank.to_string())?;
        ws.write_string(row, 1, name(&r.jurisdiction))?;
        ws.write_string_with_format(row, 2, grouped(r.score, 2), &right)?;
        ws.write_string(row, 3, &r.band)?;
        ws.write_string_with_format(row, 4, yuan(r.award), &right)?;
        for (k, ind) in r.indicators.iter().enumerate() {
            let v = ind.points.map_or("不计入".to_string(), |p| grouped(p, 2));
            ws.write_string_with_format(row, 5 + k as u16, v, &right)?;
        }
    }
    let total_row = a.rows.len() as u32 + 2;
    ws.write_string_with_format(total_row, 1, "合计", &bold)?;
    ws.write_string_with_format(total_row, 4, yuan(a.awarded_total), &right)?;
    ws.write_string(
        total_row + 1,
        0,
        format!(
            "奖补资金池 {} 元，已分配 {} 元，未分配 {} 元。余数规则：{}",
            yuan(a.pool),
            yuan(a.awarded_total),
            yuan(a.unallocated),
            a.remainder_rule
        ),
    )?;
    ws.set_freeze_panes(2, 2)?;

    let ws = wb.add_worksheet();
    ws.set_name("计算过程")?;
    for (c, (h, w)) in [
        ("辖区", 16.0),
        ("指标", 24.0),
        ("权重", 8.0),
        ("实际值", 12.0),
        ("得分", 10.0),
        ("计算过程", 120.0),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    let mut row = 1u32;
    for r in &a.rows {
        for ind in &r.indicators {
            ws.write_string(row, 0, name(&r.jurisdiction))?;
            ws.write_string(row, 1, &ind.name)?;
            ws.write_string(row, 2, ind.weight.to_string())?;
            ws.write_string(row, 3, ind.value.map_or(String::new(), |v| v.to_string()))?;
            ws.write_string(
                row,
                4,
                ind.points.map_or("不计入".into(), |p| grouped(p, 2)),
            )?;
            ws.write_string(row, 5, &ind.how)?;
            row += 1;
        }
        ws.write_string(row, 0, name(&r.jurisdiction))?;
        ws.write_string_with_format(row, 1, "总分", &bold)?;
        ws.write_string(row, 4, grouped(r.score, 2))?;
        ws.write_string(row, 5, &r.score_how)?;
        row += 1;
        ws.write_string(row, 0, name(&r.jurisdiction))?;
        ws.write_string_with_format(row, 1, "奖补", &bold)?;
        ws.write_string(row, 5, &r.award_how)?;
        row += 1;
    }

    if let Some(b) = whatif {
        let ws = wb.add_worksheet();
        ws.set_name("方案比较")?;
        ws.write_string_with_format(
            0,
            0,
            format!(
                "{} 版本 {} 对比 版本 {}",
                a.year, a.scheme_version, b.scheme_version
            ),
            &bold,
        )?;
        for (c, h) in [
            "辖区",
            "总分（原）",
            "总分（新）",
            "排名（原）",
            "排名（新）",
            "等次（原）",
            "等次（新）",
            "奖补（原）",
            "奖补（新）",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(1, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, 14.0)?;
        }
        for (i, c) in compute::compare(a, b).iter().enumerate() {
            let row = i as u32 + 2;
            ws.write_string(row, 0, name(&c.jurisdiction))?;
            ws.write_string_with_format(row, 1, grouped(c.score.0, 2), &right)?;
            ws.write_string_with_format(row, 2, grouped(c.score.1, 2), &right)?;
            ws.write_string(row, 3, c.rank.0.to_string())?;
            ws.write_string(row, 4, c.rank.1.to_string())?;
            ws.write_string(row, 5, &c.band.0)?;
            ws.write_string(row, 6, &c.band.1)?;
            ws.write_string_with_format(row, 7, yuan(c.award.0), &right)?;
            ws.write_string_with_format(row, 8, yuan(c.award.1), &right)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// What the demo wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub reports: usize,
    pub published_cases: usize,
    pub order: Option<i64>,
    pub assessment: i64,
    pub awards: usize,
    pub ledger_entries: usize,
    pub own_support: usize,
}

/// The demo of 督办与考核 (`huiqi tasks seed-demo`): a year of task reports up to `today`, two
/// published cases, one 督办单 on the first red line of December with the county's reply, the
/// year's assessment under the pack's scheme (kept and published), its awards credited on
/// 15 March of the next year, and a believable spending ledger (own-funded support where there
/// is no award). Deterministic for the same database and dates.
pub async fn seed_demo(app: &App, year: i32, today: NaiveDate) -> Result<DemoSummary, AppError> {
    use huiqi_assess::demo::{self, DemoFund};
    let cfg = config(&app.pack)?;
    let mut out = DemoSummary::default();
    let reports: Vec<NewTaskReport> = demo::reports(&cfg, &app.pack, year, today)
        .into_iter()
        .map(|r| NewTaskReport {
            task: r.line.task,
            unit: r.line.unit,
            jurisdiction: r.line.jurisdiction,
            period: r.period.to_string(),
            kind: r.kind,
            status: r.status,
            title: r.title,
            progress: r.progress,
            measures: r.measures,
            figures: r.figures,
            reporter: r.reporter,
            reported_on: r.reported_on,
            // 10:00 in China.
            reported_at: r
                .reported_on
                .and_hms_opt(2, 0, 0)
                .map_or_else(Utc::now, |t| t.and_utc()),
            files: Vec::new(),
        })
        .collect();
    let ids = app.store.add_task_reports(&reports).await?;
    out.reports = ids.len();
    for (id, r) in ids.iter().zip(&reports) {
        if r.kind != ReportKind::Progress && out.published_cases < 2 {
            app.store
                .set_report_published(*id, true, "工作专班", "审核后发布")
                .await?;
            out.published_cases += 1;
        }
    }
    // The 督办单: the first red line of December, answered by its reporter two days later.
    let admin = Role::Admin;
    let december = format!("{year}-12");
    let board_rows = tasks(app, &admin, &december, today, None).await?;
    let red = board_rows.iter().find(|r| r.colour == Colour::Red);
    if let Some(r) = red {
        let line = Line {
            task: r.task.clone(),
            unit: Some(r.unit.clone()).filter(|u| !u.is_empty()),
            jurisdiction: r.jurisdiction.clone(),
        };
        let requirement = format!(
            "“{}”{}：{}。请于答复期限内书面说明原因、整改措施和完成时限，并附佐证材料。",
            r.title, r.period_label, r.reason
        );
        let id = issue_order(
            app,
            &admin,
            "工作专班办公室",
            OrderInput {
                task: line.task.clone(),
                unit: r.unit.clone(),
                jurisdiction: line.jurisdiction.clone(),
                period: r.period.clone(),
                requirement,
                due: None,
            },
            today,
        )
        .await?;
        let reporter = demo::reporter(&app.pack, &line);
        app.store
            .order_action(
                id,
                OrderAction::Reply,
                "已补报本期进展。逾期原因是牵头科室人员调整；已明确专人负责，今后按期报送。",
                None,
                &reporter,
                today + Days::new(2),
            )
            .await?;
        out.order = Some(id);
    }
    // The assessment, published, its awards credited.
    out.assessment = publish_assessment(app, &admin, "工作专班", year, today).await?;
    let award_date = NaiveDate::from_ymd_opt(year + 1, 3, 15)
        .ok_or_else(|| AppError::invalid("bad_year", format!("年度 {year} 无效")))?;
    out.awards = credit_awards(app, &admin, "工作专班", out.assessment, award_date).await?;
    let (_, a) = published_assessment(app, year)
        .await?
        .ok_or_else(|| AppError::Task("考核结果未能发布".into()))?;
    let awards: Vec<(String, Decimal)> = a
        .rows
        .iter()
        .map(|r| (r.jurisdiction.clone(), r.award))
        .collect();
    let mut last_spend: BTreeMap<String, i64> = BTreeMap::new();
    for e in demo::ledger(&app.pack, &awards, year, award_date) {
        match e {
            DemoFund::Spend {
                jurisdiction,
                date,
                amount,
                purpose,
                project,
                recipient,
                document,
            } => {
                let fen = rules::amount_fen(amount).map_err(|e| AppError::Store(e.into()))?;
                let recorded_by = format!("{}财政局", jurisdiction_name(&app.pack, &jurisdiction));
                let d = huiqi_store::funds::FundDetails {
                    project,
                    recipient,
                    document_no: document,
                    attachment: Some("拨付凭证.pdf".into()),
                    recorded_by,
                    ..Default::default()
                };
                let row = app
                    .store
                    .fund_spend(&jurisdiction, year, date, fen, purpose, &d)
                    .await?;
                last_spend.insert(jurisdiction, row.id);
                out.ledger_entries += 1;
            }
            DemoFund::ReverseLast {
                jurisdiction,
                date,
                reason,
            } => {
                if let Some(id) = last_spend.get(&jurisdiction) {
                    let by = format!("{}财政局", jurisdiction_name(&app.pack, &jurisdiction));
                    app.store.fund_reverse(*id, date, &reason, &by).await?;
                    out.ledger_entries += 1;
                }
            }
            DemoFund::Own {
                jurisdiction,
                date,
                amount,
                purpose,
                project,
            } => {
                let fen = rules::amount_fen(amount).map_err(|e| AppError::Store(e.into()))?;
                let d = huiqi_store::funds::FundDetails {
                    project,
                    recorded_by: format!("{}财政局", jurisdiction_name(&app.pack, &jurisdiction)),
                    ..Default::default()
                };
                app.store
                    .own_support_add(&jurisdiction, year, date, fen, Some(purpose), &d)
                    .await?;
                out.own_support += 1;
            }
        }
    }
    Ok(out)
}
