//! The scoring standards' tests as data (`policies/cn/cultivate/tests/*.yaml`): each case gives a
//! standard, a date, the input and what to expect; `cargo test` runs them all.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::{Profile, Standard, Standards};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub standard: Standard,
    pub at: NaiveDate,
    #[serde(default)]
    pub input: Profile,
    pub expect: Expect,
}

/// What a case expects; anything left out is not checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expect {
    pub version: Option<String>,
    pub score: Option<u32>,
    pub qualified: Option<bool>,
    pub parts: BTreeMap<String, u32>,
    /// Each must be one of the `missing` lines, word for word.
    pub missing: Vec<String>,
    /// `missing` is empty.
    pub nothing_missing: bool,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub failures: Vec<String>,
}

/// Runs every case of the given files (label, text).
pub fn run(standards: &Standards, files: &[(String, &str)]) -> Report {
    let mut report = Report::default();
    for (file, text) in files {
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
            let out = match crate::score(standards, case.standard, case.at, &case.input, false) {
                Ok(o) => o,
                Err(e) => {
                    report
                        .failures
                        .push(format!("{file}「{}」：{e}", case.name));
                    continue;
                }
            };
            let e = &case.expect;
            let mut bad = Vec::new();
            if let Some(v) = &e.version
                && *v != out.version
            {
                bad.push(format!("version 应为 {v}，实为 {}", out.version));
            }
            if let Some(s) = e.score
                && s != out.score
            {
                bad.push(format!("score 应为 {s}，实为 {}", out.score));
            }
            if let Some(q) = e.qualified
                && q != out.qualified
            {
                bad.push(format!("qualified 应为 {q}，实为 {}", out.qualified));
            }
            for (k, want) in &e.parts {
                match out.parts.get(k) {
                    Some(got) if got == want => {}
                    got => bad.push(format!("parts.{k} 应为 {want}，实为 {got:?}")),
                }
            }
            for m in &e.missing {
                if !out.missing.contains(m) {
                    bad.push(format!("missing 中没有“{m}”；实为 {:?}", out.missing));
                }
            }
            if e.nothing_missing && !out.missing.is_empty() {
                bad.push(format!("missing 应为空，实为 {:?}", out.missing));
            }
            if bad.is_empty() {
                report.passed += 1;
            } else {
                for b in bad {
                    report
                        .failures
                        .push(format!("{file}「{}」：{b}", case.name));
                }
            }
        }
    }
    report
}

/// The built-in case files (`policies/cn/cultivate/tests/`).
pub fn builtin_files() -> Vec<(String, &'static str)> {
    huiqi_policy::builtin::tree("cn")
        .into_iter()
        .filter(|(p, _)| p.starts_with("cultivate/tests/") && p.ends_with(".yaml"))
        .map(|(p, t)| (format!("内置:cn/{p}"), t))
        .collect()
}
