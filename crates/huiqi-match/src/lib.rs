//! 免申即享 (article 5: “政策找企业”), the pure part: what a matching run computes for one
//! enterprise, why (the reason of a push-list row, from the rules trace), the what-if sandbox
//! (政策沙盘) over facts in memory, push lists as Excel bytes and the grants file. The use cases
//! that read and write the registry (a run, a push list, the comparison of runs, the auditor's
//! lists) are huiqi-app's `matching`.
//!
//! Architecture invariant: no IO (no SQL, no files, no terminal). Amounts are `Decimal` 元 here,
//! fen in the store.
#![forbid(unsafe_code)]

pub mod export;
pub mod whatif;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use huiqi_domain::Uscc;
use huiqi_rules::{MeasureId, Rules, Trace};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

pub use whatif::{Change, WhatIfReport, whatif_on};

/// Facts are read from the registry and evaluated in batches of this many.
pub const BATCH: usize = 20_000;

/// Errors of matching. Messages are Chinese.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// Input that cannot be used as given (the message says what to write instead).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Rules(#[from] huiqi_rules::RulesError),
    #[error("写出 Excel 文件失败：{0}")]
    Export(#[from] rust_xlsxwriter::XlsxError),
}

/// Amount in fen of an exact amount already rounded to the fen; `None` when it does not fit in
/// `i64` (beyond about 9.2 × 10¹⁶ 元: never for amounts within `huiqi_domain::limits`).
pub fn to_fen(d: Decimal) -> Option<i64> {
    d.checked_mul(Decimal::ONE_HUNDRED)?.round().to_i64()
}

pub fn from_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// The value a run stores for a measure of `outputs`: the amount in fen, 1 for a flag that holds.
/// An amount beyond `i64` fen (only from facts outside `huiqi_domain::limits`) is an error naming
/// the measure.
pub fn stored_value(outputs: &huiqi_rules::Outputs, m: MeasureId) -> Result<i64, MatchError> {
    match m.kind() {
        huiqi_rules::ValueKind::Flag => Ok(i64::from(outputs.eligible(m))),
        _ => to_fen(outputs.value(m)).ok_or_else(|| {
            MatchError::Invalid(format!(
                "{}的金额 {} 元超出可存储的范围，请核对该企业的数据",
                m.title(),
                outputs.value(m)
            ))
        }),
    }
}

/// A stored value as an amount in 元 (0 for a flag: it carries no amount).
pub fn stored_amount(m: MeasureId, value: i64) -> Decimal {
    if m.is_money() {
        from_fen(value)
    } else {
        Decimal::ZERO
    }
}

/// The parameters in force at `at`, as the JSON a run records.
pub fn parameters_json(rules: &Rules, at: NaiveDate) -> String {
    let mut map = BTreeMap::new();
    for def in rules.params.defs() {
        if let Some(p) = rules.params.at(&def.id, at) {
            map.insert(
                def.id.clone(),
                serde_json::json!({"value": p.value.to_string(), "from": p.from, "ref": p.reference}),
            );
        } else if let Some(s) = rules.params.scale_at(&def.id, at) {
            map.insert(
                def.id.clone(),
                serde_json::json!({"brackets": s.brackets, "from": s.from, "ref": s.reference}),
            );
        }
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

/// The parameters whose recorded value differs between two runs: (id, old, new).
pub fn parameter_changes(old: &str, new: &str) -> Vec<(String, String, String)> {
    let pa: BTreeMap<String, serde_json::Value> = serde_json::from_str(old).unwrap_or_default();
    let pb: BTreeMap<String, serde_json::Value> = serde_json::from_str(new).unwrap_or_default();
    let mut changes = Vec::new();
    for k in pa.keys().chain(pb.keys().filter(|k| !pa.contains_key(*k))) {
        let show = |v: Option<&serde_json::Value>| {
            v.map_or("（无）".to_string(), |v| {
                v.get("value")
                    .map_or_else(|| v.to_string(), |x| x.as_str().unwrap_or("").to_string())
            })
        };
        let (x, y) = (show(pa.get(k)), show(pb.get(k)));
        if x != y {
            changes.push((k.clone(), x, y));
        }
    }
    changes
}

/// One line of a push list (政策找企业).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PushRow {
    pub uscc: String,
    pub name: String,
    /// 联系人 and 联系电话 from the registry (市场监管); empty when not on file.
    pub contact_person: String,
    pub contact_phone: String,
    pub county: String,
    pub county_name: String,
    pub industry: String,
    pub measure: String,
    pub amount: Decimal,
    /// Why, in plain Chinese, from the trace.
    pub reason: String,
}

/// A fact the rules read for a measure, as its trace reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Input {
    /// The fact's field id (`vat_sales_q1`).
    pub field: &'static str,
    /// Its Chinese name (the registry's header: 一季度增值税应税销售额).
    pub label: &'static str,
    /// As the trace shows it: 千分位 and 元 for an amount (`300,000.00 元`).
    pub value: String,
}

/// The facts that decided one measure, from its trace, in the order the formula read them
/// (each once).
pub fn inputs(trace: &Trace, measure: MeasureId) -> Vec<Input> {
    let Some(m) = trace.measure(measure.as_str()) else {
        return Vec::new();
    };
    let mut out: Vec<Input> = Vec::new();
    for s in &m.steps {
        if let huiqi_rules::trace::Step::Fact { name, value } = s
            && !out.iter().any(|i| i.field == *name)
        {
            out.push(Input {
                field: name,
                label: huiqi_domain::registry::column_named(name).map_or(name, |c| c.zh),
                value: value.clone(),
            });
        }
    }
    out
}

/// The reason for one measure, from its trace: the conditions that held and the result.
pub fn reason(trace: &Trace, measure: MeasureId) -> String {
    let Some(m) = trace.measure(measure.as_str()) else {
        return String::new();
    };
    let held: Vec<&str> = m
        .steps
        .iter()
        .filter_map(|s| match s {
            huiqi_rules::trace::Step::Condition { text, holds: true } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    format!(
        "{}；{}（六安政策第{}条，依据{}）⇒ {}",
        m.title,
        held.join("；"),
        m.city_article,
        m.basis,
        m.result
    )
}

/// A benefit actually granted, as a grants file states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub uscc: Uscc,
    pub measure: MeasureId,
    pub amount_fen: i64,
    pub granted_on: NaiveDate,
}

/// Parses a grants CSV (`uscc,measure,amount,date`; Chinese headers 统一社会信用代码/措施/金额/日期 also
/// accepted). Every bad row is reported; nothing is returned unless all rows are good.
pub fn parse_grants(text: &str) -> Result<Vec<GrantRow>, Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![format!("无法读取表头：{e}")]),
    };
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h));
    let (Some(cu), Some(cm), Some(ca), Some(cd)) = (
        col(&["uscc", "统一社会信用代码"]),
        col(&["measure", "措施"]),
        col(&["amount", "金额"]),
        col(&["date", "granted_on", "日期"]),
    ) else {
        return Err(vec![
            "表头须包含 uscc、measure、amount、date（或 统一社会信用代码、措施、金额、日期）"
                .into(),
        ]);
    };
    let grantable: Vec<&str> = MeasureId::grantable().map(MeasureId::as_str).collect();
    let (mut grants, mut errors) = (Vec::new(), Vec::new());
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("第{row}行：CSV 格式错误：{e}"));
                continue;
            }
        };
        let get = |c: usize| rec.get(c).unwrap_or("");
        let uscc = match Uscc::parse(get(cu)) {
            Ok(u) => u,
            Err(e) => {
                errors.push(format!("第{row}行 列 uscc：{e}"));
                continue;
            }
        };
        let Some(measure) =
            MeasureId::parse(get(cm)).filter(|m| MeasureId::grantable().any(|g| g == *m))
        else {
            errors.push(format!(
                "第{row}行 列 measure：“{}”不是可兑现的措施（{}）",
                get(cm),
                grantable.join("、")
            ));
            continue;
        };
        let amount = match get(ca).parse::<Decimal>() {
            Ok(a) if a >= Decimal::ZERO && a.scale() <= 2 => {
                match huiqi_domain::limits::check_money("兑现金额", a, false)
                    .ok()
                    .and_then(|()| to_fen(a))
                {
                    Some(fen) => fen,
                    None => {
                        errors.push(format!(
                            "第{row}行 列 amount：“{}”超出上限 {} 元，请核对金额与单位",
                            huiqi_domain::text::quote(get(ca)),
                            huiqi_domain::text::thousands(
                                huiqi_domain::limits::MONEY_MAX_YUAN as u64
                            )
                        ));
                        continue;
                    }
                }
            }
            _ => {
                errors.push(format!(
                    "第{row}行 列 amount：“{}”不是非负金额（元，最多两位小数）",
                    get(ca)
                ));
                continue;
            }
        };
        let Some(date) = huiqi_domain::facts_csv::parse_date(get(cd)) else {
            errors.push(format!(
                "第{row}行 列 date：“{}”不是日期（YYYY-MM-DD）",
                get(cd)
            ));
            continue;
        };
        grants.push(GrantRow {
            uscc,
            measure,
            amount_fen: amount,
            granted_on: date,
        });
    }
    if errors.is_empty() {
        Ok(grants)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_stores_every_measure_but_the_class_as_fen_or_a_flag() {
        let rules = Rules::builtin();
        let facts = huiqi_domain::Facts {
            kind: huiqi_domain::EntityKind::IndividualBusiness,
            business_income: Decimal::from(80_000),
            other_iit_relief: Decimal::from(2_000),
            ..Default::default()
        };
        let o = huiqi_rules::Engine::new(&rules, "2024-12-31".parse().unwrap()).evaluate(&facts);
        let stored: Vec<(&str, i64)> = MeasureId::stored()
            .map(|m| (m.as_str(), stored_value(&o, m).unwrap()))
            .collect();
        assert_eq!(stored[0], ("small_low_profit", 0));
        assert!(stored.contains(&("iit_business_relief", 225_000)));
        assert_eq!(
            stored.len(),
            MeasureId::COUNT - 2,
            "not the class, not the total"
        );
    }

    #[test]
    fn grants_name_every_bad_row() {
        let code = Uscc::from_parts("91", "341502", "MA2N0001").unwrap();
        let ok = format!("uscc,measure,amount,date\n{code},vat_relief,12.50,2024-03-01\n");
        let g = parse_grants(&ok).unwrap();
        assert_eq!(g[0].measure, MeasureId::VatRelief);
        assert_eq!(g[0].amount_fen, 1250);
        let bad = format!(
            "uscc,measure,amount,date\n{code},small_low_profit,1,2024-03-01\n{code},vat_relief,-1,2024-03-01\n"
        );
        let e = parse_grants(&bad).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(
            e[0].contains("第2行") && e[0].contains("不是可兑现的措施"),
            "{e:?}"
        );
        assert!(e[1].contains("第3行"), "{e:?}");
    }
}
