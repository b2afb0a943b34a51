//! 日常调度 (articles 16 and 19) on the store: the 调度表 of a month (the jurisdictions' shares, the
//! latest reports, and the targets the registry computes where it has the data), the dashboard
//! of a viewer, reports and who may make them, allocations, late reports, the demo year, and the
//! 调度表 as an Excel file.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use huiqi_domain::limits;
use huiqi_domain::text::quote;
use huiqi_policy::{Pack, Section};
use huiqi_progress::computed::{COMPUTED_TARGETS, how, in_target_unit};
use huiqi_progress::{Computed, Month, ProgressRow, Rank, Settings, Status};
use huiqi_store::Store;
use huiqi_store::progress::{AllocationRow, ReportRow, Window};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format as XFormat, Workbook};

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

/// A month's 调度表 with the overall ranking and the table of every month of its year so far.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub period: Month,
    pub rows: Vec<ProgressRow>,
    pub ranking: Vec<Rank>,
    /// The table of every month of the period's year up to the period.
    pub trend: Vec<(Month, Vec<ProgressRow>)>,
}

/// The dashboard of `period` (`YYYY-MM`), or of the latest month with reports; `None` when
/// no period is asked for and there are no reports to pick one from.
pub async fn dashboard(
    store: &Store,
    pack: &Pack,
    today: NaiveDate,
    period: Option<&str>,
) -> Result<Option<Dashboard>, AppError> {
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Month::parse(p)?,
        None => match latest_period(store, today).await? {
            Some(m) => m,
            None => return Ok(None),
        },
    };
    let shares = store.allocations().await?;
    let settings = Settings::default();
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

/// The targets (id, indicator) a viewer may report, in pack order: the working group and a
/// county any, a unit those it is responsible for.
pub fn reportable_targets(pack: &Pack, role: &Role) -> Vec<(String, String)> {
    pack.targets
        .iter()
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

/// The 调度表 as an .xlsx file: one sheet per section of the policy, Chinese headers, the status
/// coloured.
pub fn xlsx(pack: &Pack, at: Month, rows: &[ProgressRow]) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let colour = |s: Status| {
        XFormat::new().set_background_color(match s {
            Status::Green => 0xC6EFCE,
            Status::Yellow => 0xFFEB9C,
            Status::Red => 0xFFC7CE,
        })
    };
    let sections = [
        (Section::MainGoals, "主要目标"),
        (Section::KeyTasks, "重点任务"),
        (Section::Safeguards, "工作保障"),
    ];
    for (section, name) in sections {
        let targets: Vec<_> = pack
            .targets
            .iter()
            .filter(|t| {
                pack.article(t.article())
                    .is_some_and(|a| a.section == section)
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        ws.write_string_with_format(
            0,
            0,
            format!("《{}》调度表（{} 月末）", pack.manifest.title, at),
            &bold,
        )?;
        let headers = [
            "条",
            "指标",
            "责任单位",
            "辖区",
            "目标值",
            "完成值",
            "完成率",
            "序时进度",
            "状态",
            "说明",
        ];
        let widths = [5.0, 36.0, 30.0, 16.0, 12.0, 12.0, 10.0, 10.0, 6.0, 60.0];
        for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
            ws.write_string_with_format(1, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, w)?;
        }
        let mut row = 2u32;
        for t in targets {
            for r in rows.iter().filter(|r| r.target == t.id) {
                let cells = [
                    t.article().to_string(),
                    t.indicator.clone(),
                    pack.unit_names(&t.units),
                    jurisdiction_name(pack, &r.jurisdiction),
                    format!("{}{}", r.target_value, t.unit().symbol()),
                    r.actual
                        .map_or("未报送".into(), |a| format!("{a}{}", t.unit().symbol())),
                    pct(r.completion),
                    pct(r.time_progress),
                ];
                for (c, v) in cells.iter().enumerate() {
                    ws.write_string(row, c as u16, v)?;
                }
                ws.write_string_with_format(row, 8, r.status.label(), &colour(r.status))?;
                ws.write_string(row, 9, &r.reason)?;
                row += 1;
            }
        }
        ws.set_freeze_panes(2, 0)?;
    }
    Ok(wb.save_to_buffer()?)
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
}
