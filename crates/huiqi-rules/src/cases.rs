//! Tests as data (in the spirit of OpenFisca's YAML tests): each case gives a date,
//! the facts and the expected outputs; `huiqi rules test` and `cargo test` run them all.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use huiqi_domain::Facts;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{Engine, Rules};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// The date whose parameters apply; the facts are that year's.
    pub at: NaiveDate,
    #[serde(default)]
    pub facts: Facts,
    /// Expected outputs by name; amounts compare as decimals (`600000` = `600000.00`).
    pub expect: BTreeMap<String, yaml_serde::Value>,
}

/// What a run of the cases found.
#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub failures: Vec<String>,
}

fn as_text(v: &yaml_serde::Value) -> String {
    match v {
        yaml_serde::Value::String(s) => s.clone(),
        yaml_serde::Value::Bool(b) => b.to_string(),
        yaml_serde::Value::Number(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn same(expected: &str, actual: &str) -> bool {
    match (Decimal::from_str(expected), Decimal::from_str(actual)) {
        (Ok(a), Ok(b)) => a == b,
        _ => expected == actual,
    }
}

/// Runs every case of every test file of the pack.
pub fn run(rules: &Rules) -> Report {
    let mut report = Report::default();
    for (file, text) in &rules.tests {
        let cases: Vec<Case> = match yaml_serde::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                let at = e
                    .location()
                    .map(|l| format!(" 第{}行", l.line()))
                    .unwrap_or_default();
                report
                    .failures
                    .push(format!("{file}{at}：无法读取测试用例：{e}"));
                continue;
            }
        };
        for case in cases {
            let out = Engine::new(rules, case.at).evaluate(&case.facts);
            let mut ok = true;
            for (name, want) in &case.expect {
                let want = as_text(want);
                match out.get(name) {
                    None => {
                        ok = false;
                        report
                            .failures
                            .push(format!("{file}「{}」：没有名为 {name} 的输出", case.name));
                    }
                    Some(got) if !same(&want, &got) => {
                        ok = false;
                        report.failures.push(format!(
                            "{file}「{}」：{name} 应为 {want}，实为 {got}",
                            case.name
                        ));
                    }
                    Some(_) => {}
                }
            }
            if ok {
                report.passed += 1;
            }
        }
    }
    report
}
