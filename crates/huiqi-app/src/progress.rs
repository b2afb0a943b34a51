//! 日常调度 (articles 16 and 19) on the store: the 调度表 of a month (the jurisdictions' shares, the
//! latest reports, and the targets the registry computes where it has the data), the dashboard
//! of a viewer (the target × jurisdiction matrix, the months with data, the ranking as text),
//! reports and who may make them (with their 附件 files, scoped like the reports), allocations,
//! late reports, the demo year, and the 调度表 as an Excel file.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use huiqi_domain::limits;
use huiqi_domain::text::quote;
use huiqi_policy::Pack;
use huiqi_progress::computed::{COMPUTED_TARGETS, how, in_target_unit};
use huiqi_progress::{Computed, Month, ProgressRow, Rank, Settings, Status};
use huiqi_store::Store;
use huiqi_store::files::{FileMeta, NewFile};
use huiqi_store::progress::{AllocationRow, ReportRow, Window};
use rust_decimal::Decimal;

use crate::accounts::Role;
use crate::{AppError, jurisdiction_name};

/// A target's value per county as computed from the registry, and how (Chinese, for the reason).
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedActual {
    pub target: &'static str,
    /// County id → value in the target's unit (0 is not listed: a county without any is 0).
    pub by_county: BTreeMap<String, Decimal>,
    pub how: String,
}

/// The computed targets (huiqi-progress's `COMPUTED_TARGETS`) as of `to` (a month's end), where
/// the registry has data for the target and year: dated lists count from 1 January of `to`'s
/// year to `to`; the finance figures are yearly (the year of `to`, or from `start_year` for
/// cumulative targets).
pub async fn computed_actuals(
    store: &Store,
    start_year: i32,
    to: NaiveDate,
) -> Result<Vec<ComputedActual>, AppError> {
    let year = to.year();
    let (Some(jan1), Some(dec31)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for c in COMPUTED_TARGETS {
        let f = c.figure;
        let (window, whole, text) = if f.is_yearly() {
            let first = if c.cumulative {
                start_year.min(year)
            } else {
                year
            };
            let text = if first == year {
                format!("{year} 年度")
            } else {
                format!("{first}—{year} 年度")
            };
            let w = Window::Years(first, year);
            (w, w, text)
        } else {
            (
                Window::Dates(jan1, to),
                Window::Dates(jan1, dec31),
                format!("{jan1} 至 {to}"),
            )
        };
        if !store.figure_has_data(f, whole).await? {
            continue;
        }
        let by_county = store
            .figure_by_county(f, window)
            .await?
            .into_iter()
            .map(|(county, n)| (county, in_target_unit(f, n)))
            .collect();
        out.push(ComputedActual {
            target: c.target,
            by_county,
            how: how(f, &text),
        });
    }
    Ok(out)
}

/// The 调度表 of a month: the jurisdictions' `shares` (the store's allocations), the latest
/// reports, and the targets the registry computes where it has the data (each computed row's
/// reason says how).
pub async fn table(
    store: &Store,
    pack: &Pack,
    at: Month,
    shares: &BTreeMap<(String, String), Decimal>,
    settings: &Settings,
) -> Result<Vec<ProgressRow>, AppError> {
    let reported: BTreeMap<(String, String), Decimal> = store
        .reports_for(&at.to_string())
        .await?
        .into_iter()
        .map(|(k, r)| (k, r.value))
        .collect();
    let computed = computed_actuals(store, settings.start.year, at.last_day()).await?;
    let computed: Vec<Computed<'_>> = computed
        .iter()
        .map(|c| Computed {
            target: c.target,
            by_jurisdiction: &c.by_county,
            how: &c.how,
        })
        .collect();
    Ok(huiqi_progress::table_with_computed(
        pack, at, shares, &reported, &computed, settings,
    ))
}

/// [`table`] with the current allocations.
pub async fn table_now(
    store: &Store,
    pack: &Pack,
    at: Month,
    settings: &Settings,
) -> Result<Vec<ProgressRow>, AppError> {
    let shares = store.allocations().await?;
    table(store, pack, at, &shares, settings).await
}

/// The latest month with reports, looking back two years from `from`.
pub async fn latest_period(store: &Store, from: NaiveDate) -> Result<Option<Month>, AppError> {
    let mut m = Month::of(from);
    for _ in 0..24 {
        if !store.reports_for(&m.to_string()).await?.is_empty() {
            return Ok(Some(m));
        }
        m = m.prev();
    }
    Ok(None)
}

/// The months that have data up to `today`'s month, newest first: every month with reports, and
/// every month from the policy's first year on in which the registry has a dated figure (a
/// registration, a certification, a training session) that a computed target counts.
pub async fn periods(
    store: &Store,
    start: Month,
    today: NaiveDate,
) -> Result<Vec<Month>, AppError> {
    let last = Month::of(today);
    let mut out: Vec<Month> = store
        .report_periods()
        .await?
        .iter()
        .filter_map(|p| Month::parse(p).ok())
        .filter(|m| *m <= last)
        .collect();
    // Month by month, an existence probe each: listing every date of the registry (one row per
    // registration) took 146 ms at 1M enterprises on PostgreSQL and grew with the registry.
    let mut m = start;
    while m <= last {
        if store
            .registry_has_dates(m.first_day(), m.last_day())
            .await?
        {
            out.push(m);
        }
        m = m.next();
    }
    out.sort();
    out.dedup();
    out.reverse();
    Ok(out)
}

/// A month's 调度表 with the overall ranking and the table of every month of its year so far.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub period: Month,
    /// The months with data ([`periods`]), newest first: the month picker's choices.
    pub periods: Vec<Month>,
    pub rows: Vec<ProgressRow>,
    pub ranking: Vec<Rank>,
    /// The table of every month of the period's year up to the period.
    pub trend: Vec<(Month, Vec<ProgressRow>)>,
}

/// The dashboard of `period` (`YYYY-MM`), or of the latest month with reports (else the latest
/// with registry figures); `None` when no period is asked for and no month has data.
pub async fn dashboard(
    store: &Store,
    pack: &Pack,
    today: NaiveDate,
    period: Option<&str>,
) -> Result<Option<Dashboard>, AppError> {
    let settings = Settings::default();
    let mut periods = periods(store, settings.start, today).await?;
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Month::parse(p)?,
        None => match latest_period(store, today).await? {
            Some(m) => m,
            None => match periods.first() {
                Some(m) => *m,
                None => return Ok(None),
            },
        },
    };
    // A month asked for without data is still offered (it is the one shown).
    if !periods.contains(&period) {
        periods.push(period);
        periods.sort_by(|a, b| b.cmp(a));
    }
    let shares = store.allocations().await?;
    let rows = table(store, pack, period, &shares, &settings).await?;
    let ranking = huiqi_progress::rank_overall(&rows, &settings);
    let mut trend = Vec::new();
    let mut m = Month {
        year: period.year,
        month: 1,
    };
    while m < period {
        trend.push((m, table(store, pack, m, &shares, &settings).await?));
        m = m.next();
    }
    trend.push((period, rows.clone()));
    Ok(Some(Dashboard {
        period,
        periods,
        rows,
        ranking,
        trend,
    }))
}

/// The jurisdiction whose rows a viewer sees: its own for a county user, else the city row.
pub fn scope_of(role: &Role) -> String {
    role.county().unwrap_or("city").to_string()
}

/// The rows a viewer sees: its jurisdiction's (the city's unless a county user), and for a unit
/// only the targets it is responsible for.
pub fn visible_rows<'a>(pack: &Pack, role: &Role, rows: &'a [ProgressRow]) -> Vec<&'a ProgressRow> {
    let scope = scope_of(role);
    rows.iter()
        .filter(|r| r.jurisdiction == scope)
        .filter(|r| {
            role.unit().is_none_or(|u| {
                pack.targets
                    .iter()
                    .any(|t| t.id == r.target && t.units.iter().any(|x| x == u))
            })
        })
        .collect()
}

/// The places in the ranking a viewer sees: a county its own, everyone else all.
pub fn visible_ranking<'a>(role: &Role, ranking: &'a [Rank]) -> Vec<&'a Rank> {
    match role.county() {
        Some(c) => ranking.iter().filter(|r| r.jurisdiction == c).collect(),
        None => ranking.iter().collect(),
    }
}

/// The name of the ranking's figure, the same on the page, in the .xlsx and in `huiqi progress`:
/// the weighted mean of the targets' completion, each counted at most 120%.
pub const RANKING_FIGURE: &str = "综合完成率";

/// How the ranking's figure is made, in one sentence (page, .xlsx, CLI).
pub const RANKING_HOW: &str = "各指标完成率加权平均，单项最高计 120%";

/// A place in the ranking as text: `第 3 名 / 共 8 名`.
pub fn rank_text(rank: usize, of: usize) -> String {
    format!("第 {rank} 名 / 共 {of} 名")
}

/// The jurisdictions (id, name) whose columns a viewer's matrix has: a county its own, everyone
/// else every jurisdiction of the pack and the city (全市) last.
pub fn matrix_columns(pack: &Pack, role: &Role) -> Vec<(String, String)> {
    match role.county() {
        Some(c) => vec![(c.to_string(), jurisdiction_name(pack, c))],
        None => pack
            .jurisdictions
            .iter()
            .map(|j| (j.id.clone(), j.name.clone()))
            .chain(std::iter::once(("city".to_string(), "全市".to_string())))
            .collect(),
    }
}

/// The legend of the 红/黄/绿 colours, from the status rule's settings (huiqi-progress's
/// `assess`): (status, what it means).
pub fn status_legend(settings: &Settings) -> Vec<(Status, String)> {
    let m = pct(Some(settings.red_margin));
    vec![
        (
            Status::Green,
            "完成率不低于序时进度（有期限的比例目标：已达到目标）".to_string(),
        ),
        (Status::Yellow, format!("落后序时进度（或目标）不超过 {m}")),
        (Status::Red, format!("落后超过 {m}、逾期仍未完成，或未报送")),
    ]
}

/// Whether a viewer sees a target at all: a unit only those it is responsible for.
pub fn sees_target(pack: &Pack, role: &Role, target: &str) -> bool {
    role.unit().is_none_or(|u| {
        pack.target(target)
            .is_some_and(|t| t.units.iter().any(|x| x == u))
    })
}

/// One target's row of the matrix: a cell per column (`None`: no row in the table).
#[derive(Debug, Clone)]
pub struct MatrixRow<'a> {
    pub target: String,
    pub indicator: String,
    /// The target's unit (`户`, `亿元`, `%`).
    pub unit: String,
    pub cells: Vec<Option<&'a ProgressRow>>,
}

/// The target × jurisdiction matrix a viewer sees: the columns of [`matrix_columns`], a row per
/// target it sees ([`sees_target`]) in pack order.
pub fn matrix<'a>(
    pack: &Pack,
    role: &Role,
    rows: &'a [ProgressRow],
) -> (Vec<(String, String)>, Vec<MatrixRow<'a>>) {
    let columns = matrix_columns(pack, role);
    let by_key: BTreeMap<(&str, &str), &ProgressRow> = rows
        .iter()
        .map(|r| ((r.target.as_str(), r.jurisdiction.as_str()), r))
        .collect();
    let out = pack
        .targets
        .iter()
        .filter(|t| sees_target(pack, role, &t.id))
        .map(|t| MatrixRow {
            target: t.id.clone(),
            indicator: t.indicator.clone(),
            unit: t.unit().symbol().to_string(),
            cells: columns
                .iter()
                .map(|(j, _)| by_key.get(&(t.id.as_str(), j.as_str())).copied())
                .collect(),
        })
        .collect();
    (columns, out)
}

/// The rows of the 调度表 a viewer may download: every cell of its matrix (a county its own
/// jurisdiction, a unit its targets in every jurisdiction and the city, the working group all),
/// in pack order of targets, columns in matrix order.
pub fn downloadable_rows<'a>(
    pack: &Pack,
    role: &Role,
    rows: &'a [ProgressRow],
) -> Vec<&'a ProgressRow> {
    let (_, m) = matrix(pack, role, rows);
    m.into_iter()
        .flat_map(|r| r.cells.into_iter().flatten())
        .collect()
}

/// Per month of the year so far, how many of the viewer's rows are green, yellow and red.
pub fn trend_counts(
    pack: &Pack,
    role: &Role,
    trend: &[(Month, Vec<ProgressRow>)],
) -> Vec<(Month, [usize; 3])> {
    trend
        .iter()
        .map(|(m, rows)| {
            let mut n = [0; 3];
            for r in visible_rows(pack, role, rows) {
                n[match r.status {
                    Status::Green => 0,
                    Status::Yellow => 1,
                    Status::Red => 2,
                }] += 1;
            }
            (*m, n)
        })
        .collect()
}

/// A task a unit carries, with every unit named and the legal basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub article: u8,
    pub title: String,
    /// Every unit the text names for it (the text designates no lead unit).
    pub units: String,
    pub basis: String,
}

/// The tasks a unit carries (named in its 责任单位 clause, or addressed to 各地各部门); nothing for
/// other roles.
pub fn unit_tasks(pack: &Pack, role: &Role) -> Vec<TaskRow> {
    let Some(u) = role.unit() else {
        return Vec::new();
    };
    pack.tasks
        .iter()
        .filter(|t| t.all_units || t.units.iter().any(|x| x == u))
        .map(|t| TaskRow {
            article: t.article,
            title: t.title.clone(),
            units: if t.all_units {
                "各地各部门".into()
            } else {
                pack.unit_names(&t.units)
            },
            basis: t
                .legal_basis
                .iter()
                .map(huiqi_policy::LegalBasis::citation)
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect()
}

/// Whether the registry computes a target (huiqi-progress's `COMPUTED_TARGETS`): it is not
/// reported.
pub fn is_computed(target: &str) -> bool {
    COMPUTED_TARGETS.iter().any(|c| c.target == target)
}

/// The targets the registry computes that a viewer would otherwise report (indicator names), and
/// why they are not on the report form — for the form's note.
pub fn computed_note(pack: &Pack, role: &Role) -> Option<String> {
    let names: Vec<String> = pack
        .targets
        .iter()
        .filter(|t| is_computed(&t.id) && may_report_target(role, t))
        .map(|t| format!("“{}”", t.indicator))
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "{}由企业库自动计算（市场监管登记信息、科技局和经信局认定名单、企业家培训台账、金融机构贷款数据，见调度表“说明”列），不在此报送。",
            names.join("、")
        )
    })
}

fn may_report_target(role: &Role, t: &huiqi_policy::Target) -> bool {
    match role {
        Role::Admin | Role::County(_) => true,
        Role::Unit(u) => t.units.iter().any(|x| x == u),
        _ => false,
    }
}

/// The targets (id, indicator) a viewer may report, in pack order: the working group and a
/// county any, a unit those it is responsible for — but never one the registry computes.
pub fn reportable_targets(pack: &Pack, role: &Role) -> Vec<(String, String)> {
    pack.targets
        .iter()
        .filter(|t| !is_computed(&t.id))
        .filter(|t| match role {
            Role::Admin | Role::County(_) => true,
            Role::Unit(u) => t.units.iter().any(|x| x == u),
            _ => false,
        })
        .map(|t| (t.id.clone(), t.indicator.clone()))
        .collect()
}

/// The jurisdictions (id, name) a viewer may report for: a county its own, else all.
pub fn reportable_jurisdictions(pack: &Pack, role: &Role) -> Vec<(String, String)> {
    pack.jurisdictions
        .iter()
        .filter(|j| match role {
            Role::County(c) => &j.id == c,
            Role::Admin | Role::Unit(_) => true,
            _ => false,
        })
        .map(|j| (j.id.clone(), j.name.clone()))
        .collect()
}

/// A report as entered (texts as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportInput {
    pub target: String,
    pub jurisdiction: String,
    /// `YYYY-MM`
    pub period: String,
    pub value: String,
    pub note: String,
    pub attachment: String,
}

/// Checks a report by `role` (who may report which target and jurisdiction is decided here);
/// the error names the field and says why.
pub fn check_report(
    pack: &Pack,
    role: &Role,
    reporter: &str,
    f: &ReportInput,
) -> Result<ReportRow, AppError> {
    let bad = |code, m: String| AppError::invalid(code, m);
    let (target, jurisdiction) = (f.target.trim(), f.jurisdiction.trim());
    check_ids(pack, target, jurisdiction)?;
    if is_computed(target) {
        let name = pack.target(target).map_or(target, |t| t.indicator.as_str());
        return Err(bad(
            "computed_target",
            format!("指标“{name}”由企业库自动计算（见调度表“说明”列），不需报送。"),
        ));
    }
    if !reportable_targets(pack, role)
        .iter()
        .any(|(id, _)| id == target)
    {
        return Err(AppError::Forbidden(
            "本单位不是该指标的责任单位，不能报送。".into(),
        ));
    }
    if !reportable_jurisdictions(pack, role)
        .iter()
        .any(|(id, _)| id == jurisdiction)
    {
        return Err(AppError::Forbidden("只能报送本辖区的完成值。".into()));
    }
    let period =
        Month::parse(&f.period).map_err(|e| bad("bad_period", format!("报送月份：{e}")))?;
    let text = f.value.trim();
    let value: Decimal = text
        .parse()
        .map_err(|_| bad("bad_value", format!("完成值“{}”不是数字。", quote(text))))?;
    if value.is_sign_negative() {
        return Err(bad("bad_value", format!("完成值不能为负：{text}。")));
    }
    if value.scale() > 4 {
        return Err(bad(
            "bad_value",
            format!("完成值“{}”最多四位小数。", quote(text)),
        ));
    }
    limits::check_report_value("完成值", value).map_err(|e| bad("bad_value", e.0))?;
    let note = f.note.trim();
    limits::check_note("说明", note).map_err(|e| bad("bad_note", e.0))?;
    let attachment = f.attachment.trim();
    limits::check_text("附件名称", attachment, limits::ATTACHMENT_NAME_MAX_CHARS)
        .map_err(|e| bad("bad_attachment", e.0))?;
    Ok(ReportRow {
        target: target.into(),
        jurisdiction: jurisdiction.into(),
        period: period.to_string(),
        value,
        note: note.into(),
        attachment: (!attachment.is_empty()).then(|| attachment.to_string()),
        reporter: reporter.into(),
        reported_at: Utc::now(),
    })
}

/// Checks that a target and a jurisdiction are the pack's; the error lists the choices.
pub fn check_ids(pack: &Pack, target: &str, jurisdiction: &str) -> Result<(), AppError> {
    if pack.target(target).is_none() {
        return Err(AppError::invalid(
            "unknown_target",
            format!(
                "指标“{target}”不存在；可选：{}",
                pack.targets
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    if pack.jurisdiction(jurisdiction).is_none() {
        return Err(AppError::invalid(
            "unknown_jurisdiction",
            format!(
                "辖区“{jurisdiction}”不存在；可选：{}",
                pack.jurisdictions
                    .iter()
                    .map(|j| format!("{}（{}）", j.id, j.name))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    Ok(())
}

/// Records a checked report (append-only: the latest counts).
pub async fn save_report(store: &Store, report: ReportRow) -> Result<(), AppError> {
    Ok(store.add_reports(&[report]).await?)
}

/// The most 附件 files of one report.
pub const MAX_REPORT_FILES: usize = 3;

/// Checks a report's 附件 files (type against content, size, count: `crate::files::check`).
pub fn check_report_files(files: &[(String, Vec<u8>)]) -> Result<Vec<NewFile>, AppError> {
    crate::files::check("附件", files, MAX_REPORT_FILES)
}

/// Records a checked report with its checked 附件 files (one transaction; the files kept once
/// in the shared file store); a report without a typed attachment name gets the files' names.
pub async fn save_report_with_files(
    store: &Store,
    mut report: ReportRow,
    files: &[NewFile],
) -> Result<i64, AppError> {
    if report.attachment.is_none() && !files.is_empty() {
        report.attachment = Some(
            files
                .iter()
                .map(|f| f.file_name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    Ok(store.add_report_with_files(&report, files).await?)
}

/// Whether a viewer may see a report of a target and jurisdiction (and its files): the working
/// group all, a county its own jurisdiction's, a unit those of the targets it is responsible for.
pub fn may_see_report(pack: &Pack, role: &Role, target: &str, jurisdiction: &str) -> bool {
    match role {
        Role::Admin => true,
        Role::County(c) => c == jurisdiction,
        Role::Unit(_) => sees_target(pack, role, target),
        _ => false,
    }
}

/// The 附件 of the latest reports of a month that a viewer may see: (target, jurisdiction) →
/// files.
pub async fn report_files(
    store: &Store,
    pack: &Pack,
    role: &Role,
    period: Month,
) -> Result<BTreeMap<(String, String), Vec<FileMeta>>, AppError> {
    let mut all = store.report_files_for(&period.to_string()).await?;
    all.retain(|(t, j), _| may_see_report(pack, role, t, j));
    Ok(all)
}

/// A report's 附件, if the viewer may see the report (else 403; no such file: 404).
pub async fn report_file(
    store: &Store,
    pack: &Pack,
    role: &Role,
    id: i64,
) -> Result<crate::files::Download, AppError> {
    let Some((meta, bytes, (target, jurisdiction))) = store.progress_report_file(id).await? else {
        return Err(AppError::not_found(
            "no_file",
            format!("没有编号为 {id} 的报送附件"),
        ));
    };
    if !may_see_report(pack, role, &target, &jurisdiction) {
        return Err(AppError::Forbidden("无权查看这份报送附件".into()));
    }
    Ok(crate::files::Download::of((meta, bytes)))
}

/// Records a jurisdiction's share of a city target (earlier shares stay as history).
pub async fn allocate(
    store: &Store,
    pack: &Pack,
    target: &str,
    jurisdiction: &str,
    value: Decimal,
    by: &str,
    note: &str,
) -> Result<(), AppError> {
    check_ids(pack, target, jurisdiction)?;
    limits::check_report_value("目标分解值", value)
        .map_err(|e| AppError::invalid("bad_value", e.0))?;
    if value.scale() > 4 {
        return Err(AppError::invalid(
            "bad_value",
            format!("目标分解值“{value}”最多四位小数。"),
        ));
    }
    limits::check_name_field("分解单位", by).map_err(|e| AppError::invalid("bad_by", e.0))?;
    limits::check_note("说明", note).map_err(|e| AppError::invalid("bad_note", e.0))?;
    Ok(store
        .add_allocation(&AllocationRow {
            target: target.into(),
            jurisdiction: jurisdiction.into(),
            value,
            changed_at: Utc::now(),
            changed_by: by.into(),
            note: note.into(),
        })
        .await?)
}

/// A target × jurisdiction not reported for a month, or reported after the deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateRow {
    pub jurisdiction: String,
    pub indicator: String,
    /// `None`: not reported.
    pub reported_on: Option<NaiveDate>,
}

/// The reports due for `period` that are missing or came after the deadline (the
/// `deadline_day` of the next month), with that deadline.
pub async fn late(
    store: &Store,
    pack: &Pack,
    period: Month,
    settings: &Settings,
) -> Result<(NaiveDate, Vec<LateRow>), AppError> {
    let reports = store.reports_for(&period.to_string()).await?;
    let next = period.next();
    let deadline = NaiveDate::from_ymd_opt(next.year, next.month, settings.deadline_day)
        .ok_or_else(|| AppError::invalid("bad_deadline", "报送截止日无效"))?;
    let mut rows = Vec::new();
    for t in &pack.targets {
        for j in &pack.jurisdictions {
            let reported = reports
                .get(&(t.id.clone(), j.id.clone()))
                .map(|r| r.reported_at.date_naive());
            if reported.is_none_or(|d| d > deadline) {
                rows.push(LateRow {
                    jurisdiction: j.name.clone(),
                    indicator: t.indicator.clone(),
                    reported_on: reported,
                });
            }
        }
    }
    Ok((deadline, rows))
}

/// Loads a believable year of monthly reports (up to month `upto`); returns how many.
pub async fn seed_demo(
    store: &Store,
    pack: &Pack,
    year: i32,
    upto: u32,
) -> Result<usize, AppError> {
    let reports: Vec<ReportRow> = huiqi_progress::demo::reports(pack, year, upto.clamp(1, 12))
        .into_iter()
        .map(|r| ReportRow {
            target: r.target,
            jurisdiction: r.jurisdiction,
            period: r.month.to_string(),
            value: r.value,
            note: r.note,
            attachment: r.attachment,
            reporter: r.reporter,
            reported_at: r.reported_at,
        })
        .collect();
    store.add_reports(&reports).await?;
    Ok(reports.len())
}

/// A ratio as a percentage with one decimal (`—` for none).
pub fn pct(d: Option<Decimal>) -> String {
    huiqi_domain::numbers::percent_or_dash(d)
}

/// The 调度表 as an .xlsx file (through [`crate::sheet`]): `rows` (what the viewer sees: a
/// county its own jurisdiction, a unit its targets) with target and completion as numbers in
/// the target's unit, the shares as percentages and the status coloured; and `ranking` with
/// [`RANKING_FIGURE`] as a percentage. `scope` names whose table it is (全市, a county, a unit).
pub fn xlsx(
    pack: &Pack,
    at: Month,
    scope: &str,
    rows: &[&ProgressRow],
    ranking: &[&Rank],
) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let title = format!("《{}》调度表：{scope}（{at}）", pack.manifest.title);
    let as_of = format!(
        "数据截至 {}（{at} 月末）；完成值为报送值，企业库计算的指标见“说明”",
        at.last_day()
    );
    let mut table = Sheet::new(
        "调度表",
        &title,
        &as_of,
        &[
            ("条", 5.0),
            ("指标", 36.0),
            ("单位", 8.0),
            ("责任单位", 30.0),
            ("辖区", 16.0),
            ("目标值", 12.0),
            ("完成值", 12.0),
            ("完成率", 10.0),
            ("序时进度", 10.0),
            ("状态", 6.0),
            ("说明", 60.0),
        ],
    );
    for r in rows {
        let Some(t) = pack.target(&r.target) else {
            continue;
        };
        table.rows.push(vec![
            Cell::Count(i64::from(t.article())),
            Cell::text(&t.indicator),
            Cell::text(t.unit().symbol()),
            Cell::text(pack.unit_names(&t.units)),
            Cell::text(jurisdiction_name(pack, &r.jurisdiction)),
            Cell::Value(r.target_value),
            r.actual.map_or(Cell::text("未报送"), Cell::Value),
            r.completion
                .map_or(Cell::Empty, |c| Cell::Share(huiqi_progress::r4(c))),
            r.time_progress
                .map_or(Cell::Empty, |c| Cell::Share(huiqi_progress::r4(c))),
            Cell::Flag(
                r.status.label().to_string(),
                match r.status {
                    Status::Green => 0xC6EFCE,
                    Status::Yellow => 0xFFEB9C,
                    Status::Red => 0xFFC7CE,
                },
            ),
            Cell::text(&r.reason),
        ]);
    }
    table.total = Some(vec![
        Cell::text("合计"),
        Cell::text(format!(
            "{} 项",
            huiqi_domain::numbers::count(rows.len() as i64)
        )),
    ]);
    let mut sheets = vec![table];
    if !ranking.is_empty() {
        let of = pack.jurisdictions.len();
        let mut rank = Sheet::new(
            "县区综合排名",
            &format!("县区综合排名（{at}）：{RANKING_FIGURE}，{RANKING_HOW}"),
            &as_of,
            &[
                ("名次", 6.0),
                ("名次说明", 16.0),
                ("辖区", 16.0),
                (RANKING_FIGURE, 12.0),
            ],
        );
        rank.rows = ranking
            .iter()
            .map(|r| {
                vec![
                    Cell::Count(r.rank as i64),
                    Cell::text(rank_text(r.rank, of)),
                    Cell::text(jurisdiction_name(pack, &r.jurisdiction)),
                    Cell::Share(huiqi_progress::r4(r.score)),
                ]
            })
            .collect();
        sheets.push(rank);
    }
    workbook(&title, &sheets)
}

/// The file name of a 调度表 download: `调度表-2024-09.xlsx`.
pub fn xlsx_file_name(at: Month) -> String {
    format!("调度表-{at}.xlsx")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The percentage the page and the CLI show (`pct`) is rounded once from the exact
    /// completion: 15 of 19 is 78.9%, as the row's reason says.
    #[test]
    fn fifteen_of_nineteen_is_78_9_percent_on_the_page_and_in_the_cli() {
        let pack = crate::builtin_pack().unwrap();
        let t = pack.target("new_above_scale_industrial").unwrap();
        let row = huiqi_progress::assess(
            t,
            "341502",
            Decimal::from(19),
            Some(Decimal::from(15)),
            Month::parse("2023-12").unwrap(),
            &huiqi_progress::Settings::default(),
        );
        assert_eq!(pct(row.completion), "78.9%");
        assert!(row.reason.contains("完成率 78.9%"), "{}", row.reason);
        assert_eq!(pct(None), "—");
    }

    fn table_2023_09(pack: &Pack) -> Vec<ProgressRow> {
        let reported: BTreeMap<(String, String), Decimal> =
            huiqi_progress::demo::reports(pack, 2023, 9)
                .into_iter()
                .filter(|r| r.month == Month::parse("2023-09").unwrap())
                .map(|r| ((r.target, r.jurisdiction), r.value))
                .collect();
        huiqi_progress::table(
            pack,
            Month::parse("2023-09").unwrap(),
            &BTreeMap::new(),
            &reported,
            &Settings::default(),
        )
    }

    /// The ranking reads the same everywhere: `第 N 名 / 共 M 名` and one figure name.
    #[test]
    fn the_ranking_text_and_its_figure() {
        assert_eq!(rank_text(3, 8), "第 3 名 / 共 8 名");
        assert_eq!(RANKING_FIGURE, "综合完成率");
        assert!(RANKING_HOW.contains("120%"));
    }

    /// The working group's matrix: 16 targets × 8 jurisdictions and 全市; a county its own
    /// column; a unit its own targets. The download is exactly the matrix's cells.
    #[test]
    fn the_matrix_and_the_download_follow_the_viewer_scope() {
        let pack = crate::builtin_pack().unwrap();
        let rows = table_2023_09(&pack);
        let (cols, m) = matrix(&pack, &Role::Admin, &rows);
        assert_eq!(cols.len(), pack.jurisdictions.len() + 1);
        assert_eq!(cols.last().unwrap().1, "全市");
        assert_eq!(m.len(), pack.targets.len());
        assert!(m.iter().all(|r| r.cells.iter().all(Option::is_some)));
        assert_eq!(
            downloadable_rows(&pack, &Role::Admin, &rows).len(),
            pack.targets.len() * cols.len()
        );
        let county = Role::County("341502".into());
        let (cols, _) = matrix(&pack, &county, &rows);
        assert_eq!(cols, [("341502".to_string(), "金安区".to_string())]);
        let mine = downloadable_rows(&pack, &county, &rows);
        assert_eq!(mine.len(), pack.targets.len());
        assert!(mine.iter().all(|r| r.jurisdiction == "341502"));
        let unit = pack.targets[0].units[0].clone();
        let role = Role::Unit(unit.clone());
        let theirs = downloadable_rows(&pack, &role, &rows);
        assert!(!theirs.is_empty());
        assert!(
            theirs
                .iter()
                .all(|r| { pack.target(&r.target).unwrap().units.contains(&unit) })
        );
        let bytes = xlsx(
            &pack,
            Month::parse("2023-09").unwrap(),
            "金安区",
            &mine,
            &[],
        )
        .unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(
            xlsx_file_name(Month::parse("2024-09").unwrap()),
            "调度表-2024-09.xlsx"
        );
    }

    /// Targets the registry computes are not offered on the report form (the note names them)
    /// and a report of one is refused with the reason.
    #[test]
    fn computed_targets_are_not_reported() {
        let pack = crate::builtin_pack().unwrap();
        let offered = reportable_targets(&pack, &Role::Admin);
        assert_eq!(
            offered.len(),
            pack.targets.len() - COMPUTED_TARGETS.len(),
            "{offered:?}"
        );
        assert!(offered.iter().all(|(id, _)| !is_computed(id)));
        let note = computed_note(&pack, &Role::Admin).unwrap();
        let t = pack.target("new_taxpaying_entities").unwrap();
        assert!(
            note.contains(&t.indicator) && note.contains("企业库"),
            "{note}"
        );
        let input = ReportInput {
            target: "new_taxpaying_entities".into(),
            jurisdiction: "341502".into(),
            period: "2023-09".into(),
            value: "1".into(),
            ..ReportInput::default()
        };
        let e = check_report(&pack, &Role::Admin, "专班", &input)
            .unwrap_err()
            .to_string();
        assert!(e.contains("由企业库自动计算"), "{e}");
        let ok = ReportInput {
            target: "new_listings".into(),
            ..input
        };
        assert!(check_report(&pack, &Role::Admin, "专班", &ok).is_ok());
    }
}
