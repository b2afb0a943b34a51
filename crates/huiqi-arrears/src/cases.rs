//! The YAML cases of 清欠 (`policies/cn/arrears/cases.yaml`): each case is a due-date or an
//! interest question with its expected answer (or the expected error), run by the crate's tests
//! and by `huiqi arrears test`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{DueInput, Error, InterestInput, Params, PayerKind};

/// The built-in cases, compiled in.
pub const BUILTIN_YAML: &str = include_str!("../../../policies/cn/arrears/cases.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub due: Option<DueCase>,
    #[serde(default)]
    pub interest: Option<InterestCase>,
    pub expect: Expect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueCase {
    pub payer: String,
    pub contract_date: NaiveDate,
    pub delivered: NaiveDate,
    #[serde(default)]
    pub accepted: Option<NaiveDate>,
    #[serde(default)]
    pub acceptance_days: Option<u32>,
    #[serde(default)]
    pub agreed_days: Option<u32>,
    #[serde(default)]
    pub settled: Option<NaiveDate>,
    #[serde(default)]
    pub third_party: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterestCase {
    pub amount: Decimal,
    pub due: NaiveDate,
    pub paid: NaiveDate,
    pub contract_date: NaiveDate,
    #[serde(default)]
    pub agreed_rate: Option<Decimal>,
    #[serde(default)]
    pub delivered: Option<NaiveDate>,
}

/// What a case expects; only the keys given are compared. `due: null` is written `no_due: true`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub no_due: bool,
    #[serde(default)]
    pub regulation: Option<String>,
    #[serde(default)]
    pub term_days: Option<u32>,
    #[serde(default)]
    pub start: Option<NaiveDate>,
    /// The flag codes, in order (an empty list: no flag).
    #[serde(default)]
    pub flags: Option<Vec<String>>,
    #[serde(default)]
    pub overdue_days: Option<i64>,
    #[serde(default)]
    pub daily_rate: Option<String>,
    #[serde(default)]
    pub interest: Option<Decimal>,
    #[serde(default)]
    pub lpr_floor_applied: Option<bool>,
    /// A text the error message must contain (the case must fail).
    #[serde(default)]
    pub error: Option<String>,
    /// A text the reason (or one trace line) must contain.
    #[serde(default)]
    pub reason_contains: Option<String>,
}

/// The cases of a file.
pub fn parse(label: &str, text: &str) -> Result<Vec<Case>, Error> {
    let cases: Vec<Case> =
        yaml_serde::from_str(text).map_err(|e| Error::Data(format!("{label}：{e}")))?;
    for c in &cases {
        if c.due.is_some() == c.interest.is_some() {
            return Err(Error::Data(format!(
                "{label}：用例“{}”须有且只有 due 或 interest 之一",
                c.name
            )));
        }
    }
    Ok(cases)
}

/// Runs one case: `Ok(())` or what differed.
pub fn run(params: &Params, case: &Case) -> Result<(), String> {
    let e = &case.expect;
    let mut diffs = Vec::new();
    let mut check = |what: &str, want: Option<String>, got: String| {
        if let Some(w) = want
            && w != got
        {
            diffs.push(format!("{what}：期望 {w}，得到 {got}"));
        }
    };
    let texts = if let Some(d) = &case.due {
        let payer = match PayerKind::parse_or_explain(&d.payer) {
            Ok(p) => Some(p),
            Err(err) => return expect_error(e, &err.to_string()),
        };
        let input = DueInput {
            payer,
            contract_date: Some(d.contract_date),
            delivered: Some(d.delivered),
            accepted: d.accepted,
            acceptance_days: d.acceptance_days,
            agreed_days: d.agreed_days,
            settled: d.settled,
            third_party_condition: d.third_party,
        };
        match crate::due(params, &input) {
            Err(err) => return expect_error(e, &err.to_string()),
            Ok(r) => {
                let show = |d: Option<NaiveDate>| d.map_or("null".into(), |d| d.to_string());
                if e.no_due || e.due.is_some() {
                    let want = if e.no_due { None } else { e.due };
                    check("到期日", Some(show(want)), show(r.due));
                }
                check("条例版本", e.regulation.clone(), r.regulation_id.clone());
                check(
                    "期限",
                    e.term_days.map(|d| d.to_string()),
                    r.term_days.map_or("null".into(), |d| d.to_string()),
                );
                check(
                    "起算日",
                    e.start.map(|d| d.to_string()),
                    r.start.to_string(),
                );
                check(
                    "提示",
                    e.flags.as_ref().map(|f| f.join(",")),
                    r.flags.iter().map(|f| f.code).collect::<Vec<_>>().join(","),
                );
                let mut texts = r.trace.clone();
                texts.push(r.reason.clone());
                texts
            }
        }
    } else if let Some(i) = &case.interest {
        let input = InterestInput {
            amount: i.amount,
            due: i.due,
            paid: i.paid,
            agreed_rate: i.agreed_rate,
            contract_date: i.contract_date,
            delivered: i.delivered,
        };
        match crate::interest(params, &input) {
            Err(err) => return expect_error(e, &err.to_string()),
            Ok(r) => {
                check(
                    "逾期天数",
                    e.overdue_days.map(|d| d.to_string()),
                    r.overdue_days.to_string(),
                );
                check("日利率", e.daily_rate.clone(), r.daily_rate.clone());
                check(
                    "利息",
                    e.interest.map(|d| d.to_string()),
                    r.interest.to_string(),
                );
                check(
                    "LPR 下限",
                    e.lpr_floor_applied.map(|b| b.to_string()),
                    r.lpr_floor_applied.to_string(),
                );
                let mut texts = r.trace.clone();
                texts.push(r.reason.clone());
                texts
            }
        }
    } else {
        return Err("用例既无 due 也无 interest".into());
    };
    if let Some(err) = &e.error {
        diffs.push(format!("期望错误“{err}”，却算出了结果"));
    }
    if let Some(t) = &e.reason_contains
        && !texts.iter().any(|x| x.contains(t.as_str()))
    {
        diffs.push(format!("说明中没有“{t}”：{}", texts.join(" / ")));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("；"))
    }
}

fn expect_error(e: &Expect, message: &str) -> Result<(), String> {
    match &e.error {
        Some(want) if message.contains(want.as_str()) => Ok(()),
        Some(want) => Err(format!("期望错误含“{want}”，得到“{message}”")),
        None => Err(format!("意外的错误：{message}")),
    }
}

/// Runs every case; the failures with their names.
pub fn run_all(params: &Params, cases: &[Case]) -> Vec<(String, String)> {
    cases
        .iter()
        .filter_map(|c| run(params, c).err().map(|e| (c.name.clone(), e)))
        .collect()
}
