//! 日常调度 (articles 16 and 19): each target by jurisdiction against time progress, with
//! the three-colour status and the ranking the working group runs on.
//!
//! Architecture invariant: pure — no IO, no SQL; exact decimals. The store keeps the
//! reports and allocations; this crate decides what they mean.
#![forbid(unsafe_code)]

pub mod computed;
pub mod demo;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use huiqi_policy::{Comparison, MeasureUnit, Pack, Period, Target};
use rust_decimal::Decimal;
use serde::Serialize;

/// Errors of 日常调度's vocabulary (Chinese messages saying what to write instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    /// Not a month `YYYY-MM` between 2000 and 2100.
    #[error("“{0}”不是月份，请写成 YYYY-MM（如 2023-06）")]
    Month(String),
}

/// A reporting period: one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, ProgressError> {
        let err = || ProgressError::Month(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        let (year, month) = (
            y.parse::<i32>().map_err(|_| err())?,
            m.parse::<u32>().map_err(|_| err())?,
        );
        if !(1..=12).contains(&month) || !(2000..=2100).contains(&year) {
            return Err(err());
        }
        Ok(Month { year, month })
    }

    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("a day before")
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Months from `self` to `other` (other − self).
    pub fn until(self, other: Month) -> i64 {
        (other.year as i64 * 12 + other.month as i64) - (self.year as i64 * 12 + self.month as i64)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// 三色: on or ahead of time progress, behind it, or behind by more than the margin / overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Green,
    Yellow,
    Red,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Green => "绿",
            Status::Yellow => "黄",
            Status::Red => "红",
        }
    }
}

/// The working group's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Behind time progress by more than this (a fraction: 0.10 = 10 percentage points) is red.
    pub red_margin: Decimal,
    /// The policy's first year: cumulative targets count from its January.
    pub start: Month,
    /// Reports for a month are due by this day of the next month.
    pub deadline_day: u32,
    /// Weights of targets in the overall ranking (missing = 1).
    pub weights: BTreeMap<String, Decimal>,
    /// Completion counted in the overall score is capped at this (over-fulfilling one target
    /// does not hide another).
    pub score_cap: Decimal,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            red_margin: Decimal::new(10, 2),
            start: Month {
                year: 2023,
                month: 1,
            },
            deadline_day: 5,
            weights: BTreeMap::new(),
            score_cap: Decimal::new(12, 1),
        }
    }
}

/// Time progress (序时进度) at the end of `at`, for a target's period kind, as a fraction.
/// `None` for level targets (“by a date”), which have no time progress.
pub fn time_progress(period: &Period, at: Month, settings: &Settings) -> Option<Decimal> {
    match period {
        // Yearly targets restart every January: December is 12/12, next January 1/12.
        Period::EachYear => Some(Decimal::from(at.month) / Decimal::from(12)),
        Period::Cumulative { until } => {
            let total = settings.start.until(Month::of(*until)) + 1;
            let done = (settings.start.until(at) + 1).clamp(0, total);
            Some(Decimal::from(done) / Decimal::from(total.max(1)))
        }
        // 到…底…新增: the flow of the date's year, from its January to the date.
        Period::AddedBy { date } => {
            let first = Month {
                year: date.year(),
                month: 1,
            };
            let total = first.until(Month::of(*date)) + 1;
            let done = (first.until(at) + 1).clamp(0, total);
            Some(Decimal::from(done) / Decimal::from(total.max(1)))
        }
        Period::ByDate { .. } => None,
    }
}

/// One target for one jurisdiction (or the city) in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub target: String,
    /// A jurisdiction id, or `city`.
    pub jurisdiction: String,
    pub target_value: Decimal,
    pub actual: Option<Decimal>,
    /// actual ÷ target (for “≤” targets: target ÷ actual), exact: a page, the reason and the
    /// CLI round it once, as a percentage (`huiqi_domain::numbers::percent`); JSON answers give
    /// it to 4 decimals.
    pub completion: Option<Decimal>,
    pub time_progress: Option<Decimal>,
    pub status: Status,
    /// How the status was decided, in Chinese.
    pub reason: String,
}

/// A fraction to 4 decimals, for JSON answers (never an input of a percentage shown).
pub fn r4(d: Decimal) -> Decimal {
    d.round_dp(4).normalize()
}

fn pct(d: Decimal) -> String {
    huiqi_domain::numbers::percent(d)
}

/// Decides the status of one target for one jurisdiction at the end of `at`.
pub fn assess(
    target: &Target,
    jurisdiction: &str,
    target_value: Decimal,
    actual: Option<Decimal>,
    at: Month,
    settings: &Settings,
) -> Assessment {
    let tp = time_progress(&target.period, at, settings);
    let mut a = Assessment {
        target: target.id.clone(),
        jurisdiction: jurisdiction.to_string(),
        target_value,
        actual,
        completion: None,
        time_progress: tp,
        status: Status::Red,
        reason: String::new(),
    };
    let Some(actual) = actual else {
        a.reason = "未报送完成值".into();
        return a;
    };
    let completion = match target.comparison {
        _ if target_value.is_zero() => Decimal::ONE,
        Comparison::AtLeast => actual / target_value,
        Comparison::AtMost if actual.is_zero() => Decimal::ONE,
        Comparison::AtMost => target_value / actual,
    };
    a.completion = Some(completion.normalize());
    let (status, reason) = match (&target.period, tp) {
        (Period::ByDate { date }, _) => {
            let met = completion >= Decimal::ONE;
            let overdue = at.last_day() >= *date;
            if met {
                (
                    Status::Green,
                    format!("已达到目标（完成率 {}）", pct(completion)),
                )
            } else if overdue {
                (
                    Status::Red,
                    format!("已到期限 {date} 仍未达到目标（完成率 {}）", pct(completion)),
                )
            } else if completion >= Decimal::ONE - settings.red_margin {
                (
                    Status::Yellow,
                    format!(
                        "未达到目标，差距在 {} 以内（期限 {date}）",
                        pct(settings.red_margin)
                    ),
                )
            } else {
                (
                    Status::Red,
                    format!(
                        "未达到目标，差距超过 {}（期限 {date}）",
                        pct(settings.red_margin)
                    ),
                )
            }
        }
        (period, Some(tp)) => {
            let end = match period {
                Period::Cumulative { until: date } | Period::AddedBy { date } => Some(*date),
                _ => None,
            };
            if end.is_some_and(|e| at.last_day() > e) && completion < Decimal::ONE {
                (
                    Status::Red,
                    format!("已逾期限仍未完成（完成率 {}）", pct(completion)),
                )
            } else if completion >= tp {
                (
                    Status::Green,
                    format!("完成率 {} ≥ 序时进度 {}", pct(completion), pct(tp)),
                )
            } else if completion >= tp - settings.red_margin {
                (
                    Status::Yellow,
                    format!(
                        "完成率 {} 落后序时进度 {}，差距在 {} 以内",
                        pct(completion),
                        pct(tp),
                        pct(settings.red_margin)
                    ),
                )
            } else {
                (
                    Status::Red,
                    format!(
                        "完成率 {} 落后序时进度 {} 超过 {}",
                        pct(completion),
                        pct(tp),
                        pct(settings.red_margin)
                    ),
                )
            }
        }
        (_, None) => unreachable!("only by-date targets have no time progress"),
    };
    a.status = status;
    a.reason = reason;
    a
}

/// The jurisdiction shares of the city targets: id → (target id → value). Missing shares
/// default to an equal split of the city value (rounded up for counts).
pub fn default_share(target: &Target, jurisdictions: usize) -> Decimal {
    match target.unit() {
        // Levels and ratios apply to each jurisdiction as they are.
        MeasureUnit::Percent => target.value,
        MeasureUnit::YiYuan | MeasureUnit::WanYuan | MeasureUnit::Yuan => {
            (target.value / Decimal::from(jurisdictions)).round_dp(2)
        }
        _ => (target.value / Decimal::from(jurisdictions)).ceil(),
    }
}

/// One row of the 调度表.
pub type ProgressRow = Assessment;

/// Builds the 调度表 for a month: every target × jurisdiction, plus the city row
/// (city target vs the sum of jurisdictions' values, or their mean for ratios).
pub fn table(
    pack: &Pack,
    at: Month,
    shares: &BTreeMap<(String, String), Decimal>,
    actuals: &BTreeMap<(String, String), Decimal>,
    settings: &Settings,
) -> Vec<ProgressRow> {
    let mut rows = Vec::new();
    let n = pack.jurisdictions.len();
    for t in &pack.targets {
        let mut reported = Vec::new();
        for j in &pack.jurisdictions {
            let key = (t.id.clone(), j.id.clone());
            let share = shares
                .get(&key)
                .copied()
                .unwrap_or_else(|| default_share(t, n));
            let actual = actuals.get(&key).copied();
            if let Some(a) = actual {
                reported.push(a);
            }
            rows.push(assess(t, &j.id, share, actual, at, settings));
        }
        let city_actual = if reported.is_empty() {
            None
        } else if t.unit() == MeasureUnit::Percent {
            Some((reported.iter().sum::<Decimal>() / Decimal::from(reported.len())).round_dp(2))
        } else {
            Some(reported.iter().sum())
        };
        rows.push(assess(t, "city", t.value, city_actual, at, settings));
    }
    rows
}

/// A target whose value the registry computed, per jurisdiction, and how (Chinese).
#[derive(Debug, Clone, Copy)]
pub struct Computed<'a> {
    pub target: &'a str,
    /// Jurisdiction id → value; a jurisdiction not listed computed 0.
    pub by_jurisdiction: &'a BTreeMap<String, Decimal>,
    pub how: &'a str,
}

/// [`table`] with the computed targets' values in place of their reports: every jurisdiction gets
/// its computed value (0 where the registry has none), the city row is built from them as from
/// reports (their sum), and each of the target's rows says in its reason how the value was
/// computed. Targets not in `computed` keep their reported values.
pub fn table_with_computed(
    pack: &Pack,
    at: Month,
    shares: &BTreeMap<(String, String), Decimal>,
    reported: &BTreeMap<(String, String), Decimal>,
    computed: &[Computed<'_>],
    settings: &Settings,
) -> Vec<ProgressRow> {
    let mut actuals = reported.clone();
    for c in computed {
        for j in &pack.jurisdictions {
            let v = c
                .by_jurisdiction
                .get(&j.id)
                .copied()
                .unwrap_or(Decimal::ZERO);
            actuals.insert((c.target.to_string(), j.id.clone()), v);
        }
    }
    let mut rows = table(pack, at, shares, &actuals, settings);
    for r in &mut rows {
        if let Some(c) = computed.iter().find(|c| c.target == r.target) {
            r.reason = format!("{}；计算：{}", r.reason, c.how);
        }
    }
    rows
}

/// A jurisdiction's place for one target or overall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rank {
    pub jurisdiction: String,
    pub rank: usize,
    pub score: Decimal,
}

/// Per target: jurisdictions by completion (missing = 0), best first, ties by id.
pub fn rank_target(rows: &[ProgressRow], target: &str) -> Vec<Rank> {
    let mut v: Vec<(String, Decimal)> = rows
        .iter()
        .filter(|r| r.target == target && r.jurisdiction != "city")
        .map(|r| {
            (
                r.jurisdiction.clone(),
                r.completion.unwrap_or(Decimal::ZERO),
            )
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter()
        .enumerate()
        .map(|(i, (j, s))| Rank {
            jurisdiction: j,
            rank: i + 1,
            score: s,
        })
        .collect()
}

/// Overall: the weighted mean of capped completions over all targets.
pub fn rank_overall(rows: &[ProgressRow], settings: &Settings) -> Vec<Rank> {
    let mut sums: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.jurisdiction != "city") {
        let w = settings
            .weights
            .get(&r.target)
            .copied()
            .unwrap_or(Decimal::ONE);
        let c = r
            .completion
            .unwrap_or(Decimal::ZERO)
            .min(settings.score_cap);
        let e = sums.entry(r.jurisdiction.clone()).or_default();
        e.0 += w * c;
        e.1 += w;
    }
    let mut v: Vec<(String, Decimal)> = sums
        .into_iter()
        .map(|(j, (s, w))| {
            (
                j,
                if w.is_zero() {
                    Decimal::ZERO
                } else {
                    (s / w).round_dp(4)
                },
            )
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter()
        .enumerate()
        .map(|(i, (j, s))| Rank {
            jurisdiction: j,
            rank: i + 1,
            score: s,
        })
        .collect()
}

#[cfg(test)]
mod tests;
