//! Task supervision (督办, article 16): every task of the pack × each responsible unit × each
//! jurisdiction is a *line* with a reporting cycle (data: `assess/supervision.yaml` of the pack,
//! quarterly by default). Each period's report is due a number of days after the period ends; a
//! missing or late report turns yellow, then red; a 督办单 past its reply date turns the line red.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use huiqi_policy::Pack;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::data::{Checker, DataErrors};

huiqi_domain::vocabulary! {
    /// How often a line reports.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Cycle {
        Monthly = ("monthly", "每月"),
        Quarterly = ("quarterly", "每季度"),
        HalfYearly = ("half_yearly", "每半年"),
        Yearly = ("yearly", "每年"),
    }
}

impl Cycle {
    pub fn per_year(self) -> u32 {
        match self {
            Cycle::Monthly => 12,
            Cycle::Quarterly => 4,
            Cycle::HalfYearly => 2,
            Cycle::Yearly => 1,
        }
    }

    fn months(self) -> u32 {
        12 / self.per_year()
    }
}

/// One reporting period of a cycle: `2023-09` (month), `2023-Q3`, `2023-H1`, `2023` (year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CyclePeriod {
    pub year: i32,
    pub cycle: Cycle,
    /// 1-based within the year.
    pub index: u32,
}

impl CyclePeriod {
    /// The period of `cycle` that contains `date`.
    pub fn containing(cycle: Cycle, date: NaiveDate) -> CyclePeriod {
        CyclePeriod {
            year: date.year(),
            cycle,
            index: (date.month() - 1) / cycle.months() + 1,
        }
    }

    /// Reads `2023-09`, `2023-Q3`, `2023-H1` or `2023`.
    pub fn parse(s: &str) -> Result<CyclePeriod, Error> {
        let t = s.trim();
        let err = || {
            Error::Invalid(format!(
                "“{t}”不是报告期：请写成 2023-09（月）、2023-Q3（季度）、2023-H1（半年）或 2023（年）"
            ))
        };
        let year_of = |y: &str| {
            (y.len() == 4)
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| (2000..=2100).contains(y))
        };
        let (cycle, year, index) = match t.split_once('-') {
            None => (Cycle::Yearly, year_of(t).ok_or_else(err)?, 1),
            Some((y, rest)) => {
                let year = year_of(y).ok_or_else(err)?;
                let (cycle, n) = if let Some(q) = rest.strip_prefix('Q') {
                    (Cycle::Quarterly, q)
                } else if let Some(h) = rest.strip_prefix('H') {
                    (Cycle::HalfYearly, h)
                } else if rest.len() == 2 {
                    (Cycle::Monthly, rest)
                } else {
                    return Err(err());
                };
                let index = n.parse::<u32>().map_err(|_| err())?;
                (cycle, year, index)
            }
        };
        if !(1..=cycle.per_year()).contains(&index) {
            return Err(err());
        }
        Ok(CyclePeriod { year, cycle, index })
    }

    pub fn start(self) -> NaiveDate {
        let month = (self.index - 1) * self.cycle.months() + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("valid period")
    }

    pub fn end(self) -> NaiveDate {
        let last_month = self.index * self.cycle.months();
        let next = if last_month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, last_month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).expect("valid period")
    }

    /// The day the report is due: `due_days` after the period's last day.
    pub fn due(self, due_days: u32) -> NaiveDate {
        self.end() + Days::new(due_days.into())
    }

    /// The period before this one (across a year end).
    pub fn previous(self) -> CyclePeriod {
        if self.index == 1 {
            CyclePeriod {
                year: self.year - 1,
                cycle: self.cycle,
                index: self.cycle.per_year(),
            }
        } else {
            CyclePeriod {
                index: self.index - 1,
                ..self
            }
        }
    }

    /// Every period of a cycle in a year.
    pub fn of_year(cycle: Cycle, year: i32) -> impl Iterator<Item = CyclePeriod> {
        (1..=cycle.per_year()).map(move |index| CyclePeriod { year, cycle, index })
    }

    /// `2023年第三季度`.
    pub fn label(self) -> String {
        const NUM: [&str; 12] = [
            "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
        ];
        match self.cycle {
            Cycle::Monthly => format!("{}年{}月", self.year, self.index),
            Cycle::Quarterly => format!("{}年第{}季度", self.year, NUM[self.index as usize - 1]),
            Cycle::HalfYearly => {
                format!(
                    "{}年{}",
                    self.year,
                    ["上半年", "下半年"][self.index as usize - 1]
                )
            }
            Cycle::Yearly => format!("{}年", self.year),
        }
    }
}

impl fmt::Display for CyclePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cycle {
            Cycle::Monthly => write!(f, "{}-{:02}", self.year, self.index),
            Cycle::Quarterly => write!(f, "{}-Q{}", self.year, self.index),
            Cycle::HalfYearly => write!(f, "{}-H{}", self.year, self.index),
            Cycle::Yearly => write!(f, "{}", self.year),
        }
    }
}

/// Which lines a task has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineScope {
    /// Each named responsible unit × each jurisdiction.
    Units,
    /// Each jurisdiction's government itself (for 各地各部门 tasks without named units).
    Jurisdictions,
    /// Both.
    Both,
}

/// Figures of another area that a task's lines link to (articles 17 and 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figures {
    /// 为企服务 (article 17): problems handled on time, satisfaction.
    Service,
    /// 清欠 (article 14): late-payment cases resolved.
    Arrears,
}

/// The supervision rule of one task (`tasks:` in the file); a task not listed takes the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRule {
    pub task: String,
    #[serde(default)]
    pub cycle: Option<Cycle>,
    /// `false`: the task is not supervised (the note says why).
    #[serde(default = "yes")]
    pub supervised: bool,
    #[serde(default)]
    pub lines: Option<LineScope>,
    /// Reports may be 典型案例 and 经验做法 with a publish flag (article 18).
    #[serde(default)]
    pub cases: bool,
    #[serde(default)]
    pub figures: Option<Figures>,
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

/// The article a rule stands on, with its words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    pub article: u8,
    pub quote: String,
}

/// `assess/supervision.yaml`: cycles, due dates and colour rules as data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionConfig {
    pub version: String,
    pub basis: Basis,
    pub default_cycle: Cycle,
    /// A period's report is due this many days after the period's last day.
    pub due_days: u32,
    /// A report still missing this many days after its due date turns red (yellow before).
    pub red_after_days: u32,
    /// Days a 督办单 gives for its reply unless the working group sets another date.
    pub order_reply_days: u32,
    #[serde(default)]
    pub tasks: Vec<TaskRule>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A task × responsible unit × jurisdiction: who reports on what, where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Line {
    pub task: String,
    /// A responsible unit of `units.yaml`, or `None` for the jurisdiction's government itself.
    pub unit: Option<String>,
    pub jurisdiction: String,
}

impl SupervisionConfig {
    /// Loads and checks the file against the pack (tasks exist, each listed once, limits sane).
    pub fn load(file: &str, text: &str, pack: &Pack) -> Result<SupervisionConfig, DataErrors> {
        let mut c = Checker::new(file, text);
        let Some(cfg) = c.parse::<SupervisionConfig>() else {
            return Err(DataErrors(c.errors));
        };
        if pack.article(cfg.basis.article).is_none() {
            c.whole(format!("basis 引用的第{}条不存在", cfg.basis.article));
        }
        if cfg.due_days > 60 {
            c.whole(format!(
                "due_days = {}：报送截止日须在报告期结束后 60 天以内",
                cfg.due_days
            ));
        }
        if cfg.red_after_days == 0 || cfg.red_after_days > 90 {
            c.whole(format!(
                "red_after_days = {}：须为 1 到 90 天（逾期未报送先黄后红）",
                cfg.red_after_days
            ));
        }
        if cfg.order_reply_days == 0 || cfg.order_reply_days > 60 {
            c.whole(format!(
                "order_reply_days = {}：督办单答复期限须为 1 到 60 天",
                cfg.order_reply_days
            ));
        }
        let mut seen = BTreeSet::new();
        for r in &cfg.tasks {
            let Some(task) = pack.tasks.iter().find(|t| t.id == r.task) else {
                c.at(
                    "task",
                    &r.task,
                    format!("任务 {} 在政策包 tasks.yaml 中不存在", r.task),
                );
                continue;
            };
            if !seen.insert(r.task.as_str()) {
                c.at("task", &r.task, format!("任务 {} 重复列出", r.task));
            }
            if matches!(r.lines, Some(LineScope::Units | LineScope::Both)) && task.units.is_empty()
            {
                c.at(
                    "task",
                    &r.task,
                    format!(
                        "任务 {} 没有点名的责任单位，lines 只能是 jurisdictions",
                        r.task
                    ),
                );
            }
            if !r.supervised && r.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                c.at(
                    "task",
                    &r.task,
                    format!(
                        "任务 {} 不督办（supervised: false）须在 note 中写明原因",
                        r.task
                    ),
                );
            }
        }
        c.finish(cfg)
    }

    /// The rule of a task (the defaults when the file does not list it).
    pub fn rule(&self, task: &str) -> TaskRule {
        self.tasks
            .iter()
            .find(|r| r.task == task)
            .cloned()
            .unwrap_or_else(|| TaskRule {
                task: task.to_string(),
                cycle: None,
                supervised: true,
                lines: None,
                cases: false,
                figures: None,
                note: None,
            })
    }

    pub fn cycle_of(&self, task: &str) -> Cycle {
        self.rule(task).cycle.unwrap_or(self.default_cycle)
    }

    /// Every supervised line, in the pack's task order, then unit (the jurisdiction's own line
    /// first), then the pack's jurisdiction order.
    pub fn lines(&self, pack: &Pack) -> Vec<Line> {
        let mut out = Vec::new();
        for task in &pack.tasks {
            let rule = self.rule(&task.id);
            if !rule.supervised {
                continue;
            }
            let scope = rule
                .lines
                .unwrap_or(match (task.units.is_empty(), task.all_units) {
                    (true, _) => LineScope::Jurisdictions,
                    (false, true) => LineScope::Both,
                    (false, false) => LineScope::Units,
                });
            let mut units: Vec<Option<String>> = Vec::new();
            if matches!(scope, LineScope::Jurisdictions | LineScope::Both) {
                units.push(None);
            }
            if matches!(scope, LineScope::Units | LineScope::Both) {
                units.extend(task.units.iter().cloned().map(Some));
            }
            for unit in units {
                for j in &pack.jurisdictions {
                    out.push(Line {
                        task: task.id.clone(),
                        unit: unit.clone(),
                        jurisdiction: j.id.clone(),
                    });
                }
            }
        }
        out
    }

    /// The periods of a task in a year whose reports are due on or before `as_of`.
    pub fn due_periods(&self, task: &str, year: i32, as_of: NaiveDate) -> Vec<CyclePeriod> {
        CyclePeriod::of_year(self.cycle_of(task), year)
            .filter(|p| p.due(self.due_days) <= as_of)
            .collect()
    }
}

huiqi_domain::vocabulary! {
    /// A report's status as the unit or county gives it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ReportStatus {
        NotStarted = ("not_started", "未启动"),
        InProgress = ("in_progress", "推进中"),
        Done = ("done", "已完成"),
        Lagging = ("lagging", "滞后"),
    }
}

impl ReportStatus {
    /// An id or the Chinese label.
    pub fn checked(s: &str) -> Result<ReportStatus, Error> {
        ReportStatus::parse_any(s).ok_or_else(|| {
            Error::Invalid(format!(
                "报送状态“{}”无效：只能是 {}",
                s.trim(),
                ReportStatus::ids()
            ))
        })
    }
}

huiqi_domain::vocabulary! {
    /// What a report is: a periodic progress report, or (article 18) a 典型案例 or 经验做法.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ReportKind {
        Progress = ("progress", "进展报告"),
        Case = ("case", "典型案例"),
        Practice = ("practice", "经验做法"),
    }
}

impl ReportKind {
    /// An id or the Chinese label.
    pub fn checked(s: &str) -> Result<ReportKind, Error> {
        ReportKind::parse_any(s).ok_or_else(|| {
            Error::Invalid(format!(
                "报送类型“{}”无效：只能是 {}",
                s.trim(),
                ReportKind::ids()
            ))
        })
    }
}

huiqi_domain::vocabulary! {
    /// The colour of a line for a period (三色督办; grey while the report is not yet due).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Colour {
        Pending = ("pending", "未到期"),
        Green = ("green", "绿"),
        Yellow = ("yellow", "黄"),
        Red = ("red", "红"),
    }
}

/// The reports of one line and period, as far as the colour needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported {
    /// The day the first report for the period came in (on time or not is decided by this one).
    pub first_on: NaiveDate,
    /// The status of the latest report.
    pub status: ReportStatus,
}

/// A 督办单 of the line awaiting its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOrder {
    pub id: i64,
    pub due_on: NaiveDate,
}

/// A line's colour and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub colour: Colour,
    pub reason: String,
}

/// Decides a line's colour for a period on `today`: from its report (missing or late → yellow,
/// then red `red_after_days` after the due date; 滞后 or 未启动 → yellow; 滞后 two periods running →
/// red) and its open 督办单 (awaiting reply → yellow; past the reply date → red).
pub fn signal(
    config: &SupervisionConfig,
    period: CyclePeriod,
    report: Option<Reported>,
    previous_status: Option<ReportStatus>,
    open_orders: &[OpenOrder],
    today: NaiveDate,
) -> Signal {
    let due = period.due(config.due_days);
    let red_from = due + Days::new(config.red_after_days.into());
    let mut parts: Vec<(Colour, String)> = Vec::new();
    match report {
        None if today <= due => parts.push((Colour::Pending, format!("报送截止 {due}，尚未到期"))),
        None => {
            let late = (today - due).num_days();
            if today > red_from {
                parts.push((
                    Colour::Red,
                    format!(
                        "逾期 {late} 天未报送（截止 {due}；逾期超过 {} 天转红）",
                        config.red_after_days
                    ),
                ));
            } else {
                parts.push((
                    Colour::Yellow,
                    format!("已过报送截止日 {due}，{late} 天未报送"),
                ));
            }
        }
        Some(r) => {
            if r.first_on > due {
                let late = (r.first_on - due).num_days();
                let colour = if r.first_on > red_from {
                    Colour::Red
                } else {
                    Colour::Yellow
                };
                parts.push((
                    colour,
                    format!(
                        "逾期报送：截止 {due}，{} 才报送（晚 {late} 天）",
                        r.first_on
                    ),
                ));
            }
            match r.status {
                ReportStatus::Lagging if previous_status == Some(ReportStatus::Lagging) => {
                    parts.push((Colour::Red, "连续两期报送“滞后”".into()))
                }
                ReportStatus::Lagging => parts.push((Colour::Yellow, "报送状态为“滞后”".into())),
                ReportStatus::NotStarted => {
                    parts.push((Colour::Yellow, "报送状态为“未启动”".into()))
                }
                _ => {}
            }
            if parts.is_empty() {
                parts.push((
                    Colour::Green,
                    format!(
                        "按时报送（{}，截止 {due}），状态“{}”",
                        r.first_on,
                        r.status.label()
                    ),
                ));
            }
        }
    }
    for o in open_orders {
        if today > o.due_on {
            parts.push((
                Colour::Red,
                format!("督办单 {} 逾期未答复（答复期限 {}）", o.id, o.due_on),
            ));
        } else {
            parts.push((
                Colour::Yellow,
                format!("督办中：督办单 {} 待答复（期限 {}）", o.id, o.due_on),
            ));
        }
    }
    let colour = parts.iter().map(|p| p.0).max().unwrap_or(Colour::Pending);
    Signal {
        colour,
        reason: parts
            .into_iter()
            .map(|p| p.1)
            .collect::<Vec<_>>()
            .join("；"),
    }
}

/// Reports due and reports in on time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OnTime {
    pub on_time: u32,
    pub due: u32,
}

/// A jurisdiction's on-time reporting in a year, as of a date: every line of the jurisdiction ×
/// every period of the year due by `as_of` counts once; it is on time if its first report came in
/// on or before the due date. `first_reports`: (line, period) → day of the first progress report.
pub fn on_time(
    config: &SupervisionConfig,
    lines: &[Line],
    jurisdiction: &str,
    year: i32,
    as_of: NaiveDate,
    first_reports: &BTreeMap<(Line, CyclePeriod), NaiveDate>,
) -> OnTime {
    let mut out = OnTime::default();
    for line in lines.iter().filter(|l| l.jurisdiction == jurisdiction) {
        for p in config.due_periods(&line.task, year, as_of) {
            out.due += 1;
            if first_reports
                .get(&(line.clone(), p))
                .is_some_and(|d| *d <= p.due(config.due_days))
            {
                out.on_time += 1;
            }
        }
    }
    out
}

/// A progress report as the board needs it (the store's row, reduced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFact {
    pub line: Line,
    pub period: CyclePeriod,
    pub reported_on: NaiveDate,
    pub status: ReportStatus,
}

/// A 督办单 awaiting its reply, for the line it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFact {
    pub line: Line,
    pub order: OpenOrder,
}

/// One line on the supervision board for the period containing a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardRow {
    pub line: Line,
    /// The line's reporting period that contains the month asked for.
    #[serde(serialize_with = "as_text")]
    pub period: CyclePeriod,
    /// The latest report's status for that period.
    pub status: Option<ReportStatus>,
    /// The day of the latest report for that period.
    pub last_report: Option<NaiveDate>,
    pub due: NaiveDate,
    pub signal: Signal,
    /// 督办单 of the line awaiting a reply.
    pub open_orders: Vec<i64>,
}

fn as_text<S: serde::Serializer>(p: &CyclePeriod, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(p)
}

/// The supervision board: every line, for its period containing `month` (`YYYY-MM`'s first day
/// will do), coloured as of `today`. `reports` in the order they came in (oldest first).
pub fn board(
    config: &SupervisionConfig,
    lines: &[Line],
    month: NaiveDate,
    reports: &[ReportFact],
    orders: &[OrderFact],
    today: NaiveDate,
) -> Vec<BoardRow> {
    // (line, period) → (first day, latest status, latest day).
    let mut seen: BTreeMap<(&Line, CyclePeriod), (NaiveDate, ReportStatus, NaiveDate)> =
        BTreeMap::new();
    for r in reports {
        seen.entry((&r.line, r.period))
            .and_modify(|e| {
                e.0 = e.0.min(r.reported_on);
                e.1 = r.status;
                e.2 = r.reported_on;
            })
            .or_insert((r.reported_on, r.status, r.reported_on));
    }
    lines
        .iter()
        .map(|line| {
            let period = CyclePeriod::containing(config.cycle_of(&line.task), month);
            let this = seen.get(&(line, period));
            let previous = seen.get(&(line, period.previous())).map(|e| e.1);
            let open: Vec<OpenOrder> = orders
                .iter()
                .filter(|o| &o.line == line)
                .map(|o| o.order)
                .collect();
            let reported = this.map(|e| Reported {
                first_on: e.0,
                status: e.1,
            });
            BoardRow {
                line: line.clone(),
                period,
                status: this.map(|e| e.1),
                last_report: this.map(|e| e.2),
                due: period.due(config.due_days),
                signal: signal(config, period, reported, previous, &open, today),
                open_orders: open.iter().map(|o| o.id).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
