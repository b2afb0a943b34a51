//! The working-day calendar: which days are 工作日 under the yearly 国务院办公厅关于部分节假日安排的
//! 通知, and the dates time limits counted in working days fall on.
//!
//! A working day is Monday–Friday that is not a holiday of its year's notice, or a weekend day the
//! notice makes a working day (调休上班). The calendar knows only the years it was given: a question
//! about a day in any other year is [`CalendarError::NoYear`], never a guess, because the notice for
//! a year appears only in the November or December before it. Years come from
//! `policies/cn/calendar.yaml` ([`Calendar::builtin`]) and may be added or corrected at run time
//! ([`Calendar::insert_year`]), e.g. from the years an administrator entered into the database.
//!
//! "N 个工作日内" counted from a day D ends on the N-th working day after D ([`Calendar::add_workdays`]).
//!
//! Architecture invariant: no IO (the data arrives as text or values); every year cites its notice.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The built-in calendar data (`policies/cn/calendar.yaml`), compiled into the binary.
pub const BUILTIN_YAML: &str = include_str!("../../../policies/cn/calendar.yaml");
const BUILTIN_LABEL: &str = "内置:cn/calendar.yaml";

/// The earliest and latest year the calendar accepts (a typo like `224` is refused, not stored).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

/// A run of days off named in a notice (`春节`, 2024-02-10 to 2024-02-17, both included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub name: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Holiday {
    fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.until
    }
}

/// One year of one notice: its holidays and the weekend days worked instead (调休上班).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearDef {
    pub year: i32,
    /// The notice the days come from (its title, and 文号 where known).
    pub notice: String,
    pub holidays: Vec<Holiday>,
    /// Saturdays and Sundays that are working days.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

impl YearDef {
    /// What is wrong with this year's data, each problem with the date or holiday it concerns
    /// (`(needle, message)`: the needle is the text to look for in the file, for the line).
    fn problems(&self) -> Vec<(Option<String>, String)> {
        let mut out = Vec::new();
        let y = self.year;
        if !YEARS.contains(&y) {
            out.push((
                None,
                format!(
                    "年份 {y} 不在 {}–{} 之间：请写四位年份",
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
            return out;
        }
        if self.notice.trim().is_empty() {
            out.push((
                None,
                format!("{y}年缺少 notice：请写明所依据的国务院办公厅通知"),
            ));
        }
        for (i, h) in self.holidays.iter().enumerate() {
            let at = Some(h.from.to_string());
            if h.name.trim().is_empty() {
                out.push((at.clone(), format!("{} 起的假期缺少名称（name）", h.from)));
            }
            if h.from > h.until {
                out.push((
                    at.clone(),
                    format!("{}：开始日期 {} 晚于结束日期 {}", h.name, h.from, h.until),
                ));
            }
            for d in [h.from, h.until] {
                if d.year() != y {
                    out.push((
                        Some(d.to_string()),
                        format!("{}：日期 {d} 不在 {y} 年内：每年的安排单独写一项", h.name),
                    ));
                }
            }
            for other in &self.holidays[..i] {
                if h.from <= other.until && other.from <= h.until {
                    out.push((
                        at.clone(),
                        format!("{} 与 {} 的放假日期重叠", h.name, other.name),
                    ));
                }
            }
        }
        for (i, &d) in self.workdays.iter().enumerate() {
            let at = Some(d.to_string());
            if d.year() != y {
                out.push((at.clone(), format!("调休上班日 {d} 不在 {y} 年内")));
            }
            if !is_weekend(d) {
                out.push((
                    at.clone(),
                    format!(
                        "调休上班日 {d} 是{}，本来就是工作日：只列出调为上班的周六、周日",
                        weekday_zh(d)
                    ),
                ));
            }
            if let Some(h) = self.holidays.iter().find(|h| h.contains(d)) {
                out.push((
                    at.clone(),
                    format!("{d} 既在{}假期内又列为调休上班日", h.name),
                ));
            }
            if self.workdays[..i].contains(&d) {
                out.push((at, format!("调休上班日 {d} 重复")));
            }
        }
        out
    }

    fn holiday(&self, d: NaiveDate) -> Option<&Holiday> {
        self.holidays.iter().find(|h| h.contains(d))
    }
}

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind<'a> {
    /// Monday–Friday, no holiday.
    Workday,
    /// A Saturday or Sunday the notice makes a working day (调休上班).
    AdjustedWorkday,
    /// Saturday or Sunday.
    Weekend,
    /// A day off of the named holiday (weekend days inside a holiday are this, not `Weekend`).
    Holiday(&'a str),
}

impl DayKind<'_> {
    pub fn is_workday(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday)
    }
}

/// One problem in calendar data, naming the file, the line where it can be found, and the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    pub line: Option<usize>,
    pub year: Option<i32>,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " 第{line}行")?;
        }
        if let Some(year) = self.year {
            write!(f, " [{year}]")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// Why the calendar could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar has no data for this year: no day in it can be called a working day or not.
    #[error(
        "{year}年的法定节假日安排尚未录入，无法确定{year}年的工作日（不作推测）：请在国务院办公厅公布{year}年部分节假日安排的通知后，由管理员添加{year}年"
    )]
    NoYear { year: i32 },
    /// Calendar data that cannot be used; every problem found.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<DataError>),
}

fn join_lines(errors: &[DataError]) -> String {
    let mut s = format!("节假日数据有 {} 处错误：", errors.len());
    for e in errors {
        s.push_str("\n  - ");
        s.push_str(&e.to_string());
    }
    s
}

/// Reads calendar years from YAML (a list of [`YearDef`]), each checked; unknown keys are refused,
/// and every problem names the file, the line and the year. Does not check the years against each
/// other (see [`Calendar::from_yaml`]).
pub fn parse_years(label: &str, text: &str) -> Result<Vec<YearDef>, CalendarError> {
    let years: Vec<YearDef> = yaml_serde::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        CalendarError::Invalid(vec![DataError {
            file: label.to_string(),
            line,
            year: line.and_then(|l| year_at_line(text, l)),
            message: huiqi_policy::translate_yaml_error(&e.to_string()),
        }])
    })?;
    let mut errors = Vec::new();
    for y in &years {
        for (needle, message) in y.problems() {
            errors.push(DataError {
                file: label.to_string(),
                line: locate(text, y.year, needle.as_deref()),
                year: Some(y.year),
                message,
            });
        }
    }
    if errors.is_empty() {
        Ok(years)
    } else {
        Err(CalendarError::Invalid(errors))
    }
}

/// The working-day calendar: the years it has data for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearDef>,
}

impl Calendar {
    /// The calendar of `policies/cn/calendar.yaml`, compiled into the binary.
    pub fn builtin() -> Calendar {
        Calendar::from_yaml(BUILTIN_LABEL, BUILTIN_YAML)
            .expect("the built-in calendar is valid (tested)")
    }

    /// A calendar from YAML text (see [`parse_years`]); a year written twice is an error.
    pub fn from_yaml(label: &str, text: &str) -> Result<Calendar, CalendarError> {
        let mut cal = Calendar::default();
        let mut errors = Vec::new();
        for y in parse_years(label, text)? {
            let year = y.year;
            if cal.years.insert(year, y).is_some() {
                errors.push(DataError {
                    file: label.to_string(),
                    line: locate(text, year, None),
                    year: Some(year),
                    message: format!("{year}年写了两次：每年只能有一项"),
                });
            }
        }
        if errors.is_empty() {
            Ok(cal)
        } else {
            Err(CalendarError::Invalid(errors))
        }
    }

    /// Adds a year, or replaces the one the calendar has (a corrected notice). Returns the year
    /// replaced. Refused, with every problem, if the year's data is not consistent.
    pub fn insert_year(&mut self, year: YearDef) -> Result<Option<YearDef>, CalendarError> {
        let problems = year.problems();
        if !problems.is_empty() {
            return Err(CalendarError::Invalid(
                problems
                    .into_iter()
                    .map(|(_, message)| DataError {
                        file: "节假日安排".to_string(),
                        line: None,
                        year: Some(year.year),
                        message,
                    })
                    .collect(),
            ));
        }
        Ok(self.years.insert(year.year, year))
    }

    /// The years the calendar has data for, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearDef> {
        self.years.values()
    }

    pub fn year(&self, year: i32) -> Option<&YearDef> {
        self.years.get(&year)
    }

    fn year_of(&self, d: NaiveDate) -> Result<&YearDef, CalendarError> {
        self.years
            .get(&d.year())
            .ok_or(CalendarError::NoYear { year: d.year() })
    }

    /// What kind of day `d` is; an error for a year without data.
    pub fn day(&self, d: NaiveDate) -> Result<DayKind<'_>, CalendarError> {
        let y = self.year_of(d)?;
        Ok(if let Some(h) = y.holiday(d) {
            DayKind::Holiday(&h.name)
        } else if is_weekend(d) {
            if y.workdays.contains(&d) {
                DayKind::AdjustedWorkday
            } else {
                DayKind::Weekend
            }
        } else {
            DayKind::Workday
        })
    }

    /// Whether `d` is a working day; an error for a year without data.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.day(d).map(DayKind::is_workday)
    }

    /// The `n`-th working day after `from` (`from` itself for `n = 0`): the last day of a time
    /// limit of `n` working days starting on `from`. Only the days after `from` are looked at.
    pub fn add_workdays(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = next_day(d)?;
            if self.is_workday(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// The number of working days after `from` up to and including `to` (0 when `to` is not
    /// after `from`): `add_workdays(from, k) <= to` exactly for `k <= workdays_between(from, to)`.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = next_day(d)?;
            if self.is_workday(d)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// [`Calendar::add_workdays`] with how it was counted, in Chinese, citing the notices used:
    /// the working days counted and the days skipped (weekends and holidays by name).
    pub fn explain_add_workdays(
        &self,
        from: NaiveDate,
        n: u32,
    ) -> Result<(NaiveDate, String), CalendarError> {
        let end = self.add_workdays(from, n)?;
        if n == 0 {
            return Ok((end, format!("0 个工作日：期限即 {from} 当天")));
        }
        let mut counted = Vec::new();
        let mut skipped: Vec<(NaiveDate, NaiveDate, String)> = Vec::new();
        let mut notices: Vec<&str> = Vec::new();
        let mut d = from;
        while d < end {
            d = next_day(d)?;
            let y = self.year_of(d)?;
            if !notices.contains(&y.notice.as_str()) {
                notices.push(&y.notice);
            }
            let kind = self.day(d)?;
            match kind {
                DayKind::Workday => counted.push(format!("{}", d.format("%m-%d"))),
                DayKind::AdjustedWorkday => counted.push(format!(
                    "{}（{}调休上班）",
                    d.format("%m-%d"),
                    weekday_zh(d)
                )),
                DayKind::Weekend | DayKind::Holiday(_) => {
                    let why = match kind {
                        DayKind::Holiday(name) => format!("{name}放假"),
                        _ => "周末".to_string(),
                    };
                    match skipped.last_mut() {
                        Some((_, until, w)) if *w == why && next_day(*until)? == d => *until = d,
                        _ => skipped.push((d, d, why)),
                    }
                }
            }
        }
        let mut text = format!(
            "自 {from} 起第 {n} 个工作日为 {end}：计入 {}",
            counted.join("、")
        );
        if !skipped.is_empty() {
            let s: Vec<String> = skipped
                .iter()
                .map(|(a, b, why)| {
                    if a == b {
                        format!("{}（{why}）", a.format("%m-%d"))
                    } else {
                        format!("{}至{}（{why}）", a.format("%m-%d"), b.format("%m-%d"))
                    }
                })
                .collect();
            text.push_str(&format!("；跳过 {}", s.join("、")));
        }
        text.push_str(&format!("。依据：{}", notices.join("；")));
        Ok((end, text))
    }
}

fn next_day(d: NaiveDate) -> Result<NaiveDate, CalendarError> {
    d.succ_opt()
        .ok_or(CalendarError::NoYear { year: d.year() + 1 })
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// 星期一 … 星期日.
pub fn weekday_zh(d: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [d.weekday().num_days_from_monday() as usize]
}

/// The line of `year: NNNN` in the text, then (if given) the first line after it containing `needle`.
fn locate(text: &str, year: i32, needle: Option<&str>) -> Option<usize> {
    let key = format!("year: {year}");
    let start = text.lines().position(|l| l.contains(&key))?;
    let Some(needle) = needle else {
        return Some(start + 1);
    };
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .or(Some(start + 1))
}

/// The year whose entry encloses a 1-based line.
fn year_at_line(text: &str, line: usize) -> Option<i32> {
    text.lines()
        .take(line)
        .filter_map(|l| {
            l.trim_start_matches([' ', '-'])
                .strip_prefix("year:")
                .and_then(|v| v.trim().parse().ok())
        })
        .last()
}

#[cfg(test)]
mod tests;
