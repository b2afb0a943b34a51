//! The dated parameters of the payment regulation (`policies/cn/arrears/parameters.yaml`): each
//! version with its commencement date and the reference of every value, the default late-interest
//! rate, the complaint time limits and the 1-year LPR table.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::Error;

/// The built-in parameters, compiled into the binary.
pub const BUILTIN_YAML: &str = include_str!("../../../policies/cn/arrears/parameters.yaml");
const BUILTIN_LABEL: &str = "内置:cn/arrears/parameters.yaml";

/// A value with its legal reference; `unverified` values are shown as such wherever they are used.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param<T> {
    #[serde(default = "none")]
    pub value: Option<T>,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub unverified: bool,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Param<T> {
    /// The reference as it is cited in a trace (marked when not yet verified).
    pub fn cite(&self) -> String {
        if self.unverified {
            format!("{}（条款号待核实）", self.reference)
        } else {
            self.reference.clone()
        }
    }
}

/// A reference without a value (the article a rule comes from).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub unverified: bool,
}

impl Reference {
    pub fn cite(&self) -> String {
        if self.unverified {
            format!("{}（条款号待核实）", self.reference)
        } else {
            self.reference.clone()
        }
    }
}

/// One version of the regulation, in force from `from` (for contracts signed from that day).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regulation {
    pub id: String,
    pub title: String,
    pub from: NaiveDate,
    pub public_term_days: Param<u32>,
    pub public_max_days: Param<u32>,
    pub large_default_days: Param<u32>,
    pub back_to_back_banned: Param<bool>,
    pub acceptance: Reference,
    pub settlement: Reference,
    pub interest: Reference,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterestParams {
    pub default_daily_rate: Param<Decimal>,
    pub days_per_year: Param<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintParams {
    pub hand_on_workdays: Param<u32>,
    pub handle_days: Param<u32>,
    pub handle_max_days: Param<u32>,
}

/// One LPR announcement: from `date` on, the 1-year LPR is `rate` percent a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lpr {
    pub date: NaiveDate,
    pub rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LprTable {
    pub source: String,
    pub values: Vec<Lpr>,
}

/// Every parameter of 清欠, checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub regulations: Vec<Regulation>,
    pub interest: InterestParams,
    pub complaints: ComplaintParams,
    pub lpr_1y: LprTable,
}

impl Params {
    /// The built-in parameters (checked by the crate's tests, so this cannot fail in a release).
    pub fn builtin() -> Params {
        Params::from_yaml(BUILTIN_LABEL, BUILTIN_YAML)
            .expect("the built-in 清欠 parameters are valid")
    }

    /// Parses and checks a parameters file; every problem is named with the file.
    pub fn from_yaml(label: &str, text: &str) -> Result<Params, Error> {
        let p: Params =
            yaml_serde::from_str(text).map_err(|e| Error::Data(format!("{label}：{e}")))?;
        let mut problems = Vec::new();
        if p.regulations.is_empty() {
            problems.push("regulations 不能为空".to_string());
        }
        for w in p.regulations.windows(2) {
            if w[0].from >= w[1].from {
                problems.push(format!(
                    "条例版本须按施行日期递增：{} 的 {} 不早于 {} 的 {}",
                    w[0].id, w[0].from, w[1].id, w[1].from
                ));
            }
        }
        for r in &p.regulations {
            let (Some(t), Some(m)) = (r.public_term_days.value, r.public_max_days.value) else {
                problems.push(format!(
                    "{}：public_term_days 与 public_max_days 须有取值",
                    r.id
                ));
                continue;
            };
            if t == 0 || t > m {
                problems.push(format!(
                    "{}：法定期限 {t} 日须大于0且不超过上限 {m} 日",
                    r.id
                ));
            }
            if r.back_to_back_banned.value.is_none() {
                problems.push(format!("{}：back_to_back_banned 须为 true 或 false", r.id));
            }
        }
        let daily = p.interest.default_daily_rate.value;
        if !daily.is_some_and(|d| d > Decimal::ZERO && d < Decimal::ONE) {
            problems.push(
                "interest.default_daily_rate 须为 0 与 1 之间的小数（万分之五写 \"0.0005\"）"
                    .into(),
            );
        }
        if !p
            .interest
            .days_per_year
            .value
            .is_some_and(|d| d == 360 || d == 365)
        {
            problems.push("interest.days_per_year 须为 365 或 360".into());
        }
        for (name, v) in [
            ("hand_on_workdays", p.complaints.hand_on_workdays.value),
            ("handle_days", p.complaints.handle_days.value),
            ("handle_max_days", p.complaints.handle_max_days.value),
        ] {
            if v.is_none_or(|v| v == 0) {
                problems.push(format!("complaints.{name} 须为正整数"));
            }
        }
        if p.lpr_1y.values.is_empty() {
            problems.push("lpr_1y.values 不能为空".into());
        }
        for w in p.lpr_1y.values.windows(2) {
            if w[0].date >= w[1].date {
                problems.push(format!(
                    "LPR 须按公布日期递增：{} 不早于 {}",
                    w[0].date, w[1].date
                ));
            }
        }
        for l in &p.lpr_1y.values {
            if l.rate <= Decimal::ZERO || l.rate >= Decimal::ONE_HUNDRED {
                problems.push(format!(
                    "LPR {}：{} 须为年利率百分数（3.45 即 3.45%）",
                    l.date, l.rate
                ));
            }
        }
        if problems.is_empty() {
            Ok(p)
        } else {
            Err(Error::Data(format!("{label}：{}", problems.join("；"))))
        }
    }

    /// The version in force on a contract date; `None` before the first one.
    pub fn regulation_on(&self, contract_date: NaiveDate) -> Option<&Regulation> {
        self.regulations
            .iter()
            .rev()
            .find(|r| r.from <= contract_date)
    }

    /// The 1-year LPR announced last on or before `date`.
    pub fn lpr_on(&self, date: NaiveDate) -> Option<Lpr> {
        self.lpr_1y
            .values
            .iter()
            .rev()
            .find(|l| l.date <= date)
            .copied()
    }
}
