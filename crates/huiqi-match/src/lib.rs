//! 免申即享 (article 5: “政策找企业”): every measure over every enterprise in the
//! registry, stored as runs; push lists per measure, unit and county; the auditor's
//! two lists; and the what-if simulator (政策沙盘).
//!
//! Architecture invariant: no SQL (the store does that) and no terminal (the CLI
//! and the web do that). Amounts are `Decimal` 元 here, fen in the store.
#![forbid(unsafe_code)]

pub mod export;
pub mod whatif;

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use huiqi_domain::Facts;
use huiqi_policy::Pack;
use huiqi_rules::{Engine, Outputs, Rules, Trace};
use huiqi_store::matching::{AMOUNT_COLUMNS, Grant, ResultRow, Run};
use huiqi_store::{Store, StoreError};
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

pub use whatif::{Change, WhatIfReport, whatif};

/// Facts are read from the registry and evaluated in batches of this many.
pub const BATCH: usize = 20_000;

/// The measures a push list can be made for (size_class and total_relief are not benefits).
pub const BENEFITS: [&str; 7] = [
    "small_low_profit",
    "cit_relief",
    "iit_business_relief",
    "six_taxes_relief",
    "vat_relief",
    "startup_deduction",
    "rd_extra_deduction",
];

/// Errors of matching. Messages are Chinese.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("写出文件失败：{0}")]
    Export(String),
}

/// Amount in fen of an exact amount already rounded to the fen.
pub fn to_fen(d: Decimal) -> i64 {
    (d * Decimal::ONE_HUNDRED)
        .round()
        .to_i64()
        .expect("an amount in fen fits in i64")
}

pub fn from_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn result_row(uscc: &str, o: &Outputs) -> ResultRow {
    ResultRow {
        uscc: uscc.to_string(),
        size_class: o.size_class.as_str().to_string(),
        small_low_profit: o.small_low_profit,
        amounts_fen: o.amounts().map(|(_, d)| to_fen(d)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_amount_columns_are_the_rules_amounts_in_order() {
        let rules = huiqi_rules::Rules::builtin();
        let o = huiqi_rules::Engine::new(&rules, "2024-12-31".parse().unwrap())
            .evaluate(&Default::default());
        let names: Vec<&str> = o.amounts().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, huiqi_store::matching::AMOUNT_COLUMNS);
    }
}

/// Whether a stored result is eligible for a measure.
pub fn eligible(r: &ResultRow, measure: &str) -> bool {
    match measure {
        "small_low_profit" => r.small_low_profit,
        m => AMOUNT_COLUMNS
            .iter()
            .position(|c| *c == m)
            .is_some_and(|i| r.amounts_fen[i] > 0),
    }
}

/// The amount (fen) of a measure in a stored result; 0 for the flag.
pub fn amount_fen(r: &ResultRow, measure: &str) -> i64 {
    AMOUNT_COLUMNS
        .iter()
        .position(|c| *c == measure)
        .map_or(0, |i| r.amounts_fen[i])
}

fn check_measure(measure: &str) -> Result<(), MatchError> {
    if BENEFITS.contains(&measure) || measure == "total_relief" {
        Ok(())
    } else {
        Err(MatchError::Invalid(format!(
            "没有名为 {measure} 的措施；可选：{}",
            BENEFITS.join("、")
        )))
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
    serde_json::to_string(&map).expect("JSON of plain values")
}

/// Evaluates every active enterprise of the registry for `at`'s year and returns the results
/// ordered by uscc (not stored).
pub async fn evaluate_registry(
    store: &Store,
    rules: &Rules,
    at: NaiveDate,
) -> Result<Vec<ResultRow>, MatchError> {
    let engine = Engine::new(rules, at);
    let mut results = Vec::new();
    store
        .for_each_facts_batch(engine.year(), BATCH, |batch| {
            let rows: Vec<ResultRow> = batch
                .par_iter()
                .map(|f| result_row(&f.uscc, &engine.evaluate(f)))
                .collect();
            results.extend(rows);
        })
        .await?;
    Ok(results)
}

/// A full matching run: evaluates and stores. Never touches earlier runs.
pub async fn run(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    at: NaiveDate,
) -> Result<Run, MatchError> {
    let started_at = Utc::now();
    let results = evaluate_registry(store, rules, at).await?;
    let total_fen = results.iter().map(|r| r.amounts_fen[6]).sum();
    let mut run = Run {
        id: 0,
        started_at,
        at,
        year: chrono::Datelike::year(&at),
        pack_id: pack.manifest.id.clone(),
        pack_version: pack.manifest.version.clone(),
        parameters: parameters_json(rules, at),
        enterprises: results.len() as i64,
        total_fen,
    };
    run.id = store.save_run(&run, &results).await?;
    Ok(run)
}

/// Per measure: how many are eligible and the total amount.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MeasureTotal {
    pub measure: String,
    pub eligible: usize,
    pub amount: Decimal,
}

pub fn totals(results: &[ResultRow]) -> Vec<MeasureTotal> {
    BENEFITS
        .iter()
        .chain(std::iter::once(&"total_relief"))
        .map(|m| MeasureTotal {
            measure: m.to_string(),
            eligible: results.iter().filter(|r| eligible(r, m)).count(),
            amount: from_fen(results.iter().map(|r| amount_fen(r, m)).sum()),
        })
        .collect()
}

/// How one enterprise's result differs between two runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunDiff {
    pub uscc: String,
    pub measure: String,
    /// `became_eligible` | `dropped_out` | `amount_changed`
    pub change: &'static str,
    pub old: Decimal,
    pub new: Decimal,
}

/// The comparison of two runs: parameter changes (the “why” common to all) and each
/// enterprise-measure whose eligibility or amount changed.
#[derive(Debug, Clone, Serialize)]
pub struct RunComparison {
    pub old_run: i64,
    pub new_run: i64,
    /// Parameters whose value differs: (id, old, new).
    pub parameter_changes: Vec<(String, String, String)>,
    pub pack_change: Option<(String, String)>,
    pub diffs: Vec<RunDiff>,
}

pub async fn compare_runs(store: &Store, old: i64, new: i64) -> Result<RunComparison, MatchError> {
    let runs = store.runs().await?;
    let find = |id: i64| {
        runs.iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| MatchError::Invalid(format!("没有编号为 {id} 的匹配批次")))
    };
    let (a, b) = (find(old)?, find(new)?);
    let pa: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&a.parameters).unwrap_or_default();
    let pb: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&b.parameters).unwrap_or_default();
    let mut parameter_changes = Vec::new();
    for k in pa.keys().chain(pb.keys().filter(|k| !pa.contains_key(*k))) {
        let show = |v: Option<&serde_json::Value>| {
            v.map_or("（无）".to_string(), |v| {
                v.get("value")
                    .map_or_else(|| v.to_string(), |x| x.as_str().unwrap_or("").to_string())
            })
        };
        let (x, y) = (show(pa.get(k)), show(pb.get(k)));
        if x != y {
            parameter_changes.push((k.clone(), x, y));
        }
    }
    let pack_change = (a.pack_version != b.pack_version)
        .then(|| (a.pack_version.clone(), b.pack_version.clone()));
    let ra: HashMap<String, ResultRow> = store
        .run_results(old)
        .await?
        .into_iter()
        .map(|r| (r.uscc.clone(), r))
        .collect();
    let rb = store.run_results(new).await?;
    let empty = ResultRow {
        uscc: String::new(),
        size_class: String::new(),
        small_low_profit: false,
        amounts_fen: [0; 7],
    };
    let mut diffs = Vec::new();
    for r in &rb {
        let o = ra.get(&r.uscc).unwrap_or(&empty);
        for m in BENEFITS {
            let (eo, en) = (eligible(o, m), eligible(r, m));
            let (ao, an) = (amount_fen(o, m), amount_fen(r, m));
            let change = match (eo, en) {
                (false, true) => "became_eligible",
                (true, false) => "dropped_out",
                _ if ao != an => "amount_changed",
                _ => continue,
            };
            diffs.push(RunDiff {
                uscc: r.uscc.clone(),
                measure: m.to_string(),
                change,
                old: from_fen(ao),
                new: from_fen(an),
            });
        }
    }
    let in_new: std::collections::HashSet<&str> = rb.iter().map(|r| r.uscc.as_str()).collect();
    let mut gone: Vec<&ResultRow> = ra
        .values()
        .filter(|r| !in_new.contains(r.uscc.as_str()))
        .collect();
    gone.sort_by(|x, y| x.uscc.cmp(&y.uscc));
    for o in gone {
        for m in BENEFITS.iter().filter(|m| eligible(o, m)) {
            diffs.push(RunDiff {
                uscc: o.uscc.clone(),
                measure: m.to_string(),
                change: "dropped_out",
                old: from_fen(amount_fen(o, m)),
                new: Decimal::ZERO,
            });
        }
    }
    Ok(RunComparison {
        old_run: old,
        new_run: new,
        parameter_changes,
        pack_change,
        diffs,
    })
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

/// Who a push list is for.
#[derive(Debug, Clone, Default)]
pub struct PushFilter {
    pub measure: String,
    pub county: Option<String>,
    /// A responsible unit: the list is empty unless the unit pushes this measure.
    pub unit: Option<String>,
}

/// The reason for one measure, from its trace: the conditions that held and the result.
pub fn reason(trace: &Trace, measure: &str) -> String {
    let Some(m) = trace.measure(measure) else {
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

/// A page of a push list: how many enterprises are eligible in all, their total, and the rows
/// asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PushPage {
    pub count: usize,
    pub total: Decimal,
    pub rows: Vec<PushRow>,
}

/// The push list of a run: eligible enterprises for one measure, optionally one county and one
/// unit, ordered by uscc, with amount and reason.
pub async fn push_list(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    run: &Run,
    filter: &PushFilter,
) -> Result<Vec<PushRow>, MatchError> {
    Ok(push_page(store, rules, pack, run, filter, None).await?.rows)
}

/// The first `limit` rows of a push list (all when `None`) with the count and total of the whole
/// list. The database picks the eligible enterprises of the run; only the rows returned are
/// read and traced for their reason, so a page costs the same on any size of registry.
pub async fn push_page(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    run: &Run,
    filter: &PushFilter,
    limit: Option<usize>,
) -> Result<PushPage, MatchError> {
    check_measure(&filter.measure)?;
    if let Some(c) = &filter.county
        && pack.jurisdiction(c).is_none()
    {
        return Err(MatchError::Invalid(format!(
            "辖区 {c} 不在六安市内；可选：{}",
            pack.jurisdictions
                .iter()
                .map(|j| format!("{}（{}）", j.id, j.name))
                .collect::<Vec<_>>()
                .join("、")
        )));
    }
    let empty = PushPage {
        count: 0,
        total: Decimal::ZERO,
        rows: Vec::new(),
    };
    if let Some(u) = &filter.unit {
        if pack.unit(u).is_none() {
            return Err(MatchError::Invalid(format!("没有 id 为 {u} 的责任单位")));
        }
        if !rules.measure(&filter.measure).units.contains(u) {
            return Ok(empty);
        }
    }
    let (picked, count, total) = store
        .push_candidates(
            run.id,
            &filter.measure,
            filter.county.as_deref().unwrap_or(""),
            limit.map(|l| l as i64),
        )
        .await?;
    let amounts: HashMap<String, i64> = picked.into_iter().collect();
    let mut usccs: Vec<String> = amounts.keys().cloned().collect();
    usccs.sort();
    let contacts = store.contacts_of(&usccs).await?;
    let engine = Engine::new(rules, run.at);
    let mut rows = Vec::with_capacity(usccs.len());
    for batch in usccs.chunks(BATCH) {
        let facts = store.facts_of_many(batch, run.year).await?;
        rows.extend(
            facts
                .par_iter()
                .map(|f| {
                    let (_, trace) = engine.evaluate_traced(f);
                    let contact = contacts.get(&f.uscc).cloned().unwrap_or_default();
                    PushRow {
                        uscc: f.uscc.clone(),
                        name: f.name.clone(),
                        contact_person: contact.person.unwrap_or_default(),
                        contact_phone: contact.phone.unwrap_or_default(),
                        county: f.county.clone(),
                        county_name: pack
                            .jurisdiction(&f.county)
                            .map_or_else(|| f.county.clone(), |j| j.name.clone()),
                        industry: f.industry.clone(),
                        measure: filter.measure.clone(),
                        amount: from_fen(amounts.get(&f.uscc).copied().unwrap_or(0)),
                        reason: reason(&trace, &filter.measure),
                    }
                })
                .collect::<Vec<_>>(),
        );
    }
    Ok(PushPage {
        count: count as usize,
        total: from_fen(total),
        rows,
    })
}

/// The auditor's two lists for a run: eligible but not granted, granted but not eligible.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Reach {
    pub eligible_not_granted: Vec<(String, String, Decimal)>,
    /// (uscc, measure, amount granted)
    pub granted_not_eligible: Vec<(String, String, Decimal)>,
}

pub async fn not_reached(store: &Store, run: &Run) -> Result<Reach, MatchError> {
    let results = store.run_results(run.id).await?;
    let grants = store.grants_of_year(run.year).await?;
    let granted: std::collections::HashSet<(&str, &str)> = grants
        .iter()
        .map(|g| (g.uscc.as_str(), g.measure.as_str()))
        .collect();
    let by_uscc: HashMap<&str, &ResultRow> = results.iter().map(|r| (r.uscc.as_str(), r)).collect();
    let mut reach = Reach::default();
    for r in &results {
        for m in BENEFITS
            .iter()
            .filter(|m| **m != "small_low_profit" && **m != "rd_extra_deduction")
        {
            if eligible(r, m) && !granted.contains(&(r.uscc.as_str(), m)) {
                reach.eligible_not_granted.push((
                    r.uscc.clone(),
                    m.to_string(),
                    from_fen(amount_fen(r, m)),
                ));
            }
        }
    }
    for g in &grants {
        let ok = by_uscc
            .get(g.uscc.as_str())
            .is_some_and(|r| eligible(r, &g.measure));
        if !ok {
            reach.granted_not_eligible.push((
                g.uscc.clone(),
                g.measure.clone(),
                from_fen(g.amount_fen),
            ));
        }
    }
    Ok(reach)
}

/// Parses a grants CSV (`uscc,measure,amount,date`; Chinese headers 统一社会信用代码/措施/金额/日期 also
/// accepted). Every bad row is reported; nothing is returned unless all rows are good.
pub fn parse_grants(text: &str) -> Result<Vec<Grant>, Vec<String>> {
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
        let uscc = match huiqi_domain::Uscc::parse(get(cu)) {
            Ok(u) => u.as_str().to_string(),
            Err(e) => {
                errors.push(format!("第{row}行 列 uscc：{e}"));
                continue;
            }
        };
        let measure = get(cm).to_string();
        if !BENEFITS.contains(&measure.as_str()) || measure == "small_low_profit" {
            errors.push(format!(
                "第{row}行 列 measure：“{measure}”不是可兑现的措施（{}）",
                BENEFITS[1..].join("、")
            ));
            continue;
        }
        let amount = match get(ca).parse::<Decimal>() {
            Ok(a) if a >= Decimal::ZERO && a.scale() <= 2 => to_fen(a),
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
        grants.push(Grant {
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

/// `benefits_of(uscc, date)`: an enterprise's outputs with their trace, from the registry.
pub async fn benefits_of(
    store: &Store,
    rules: &Rules,
    uscc: &str,
    at: NaiveDate,
) -> Result<Option<(Facts, Outputs, Trace)>, MatchError> {
    let engine = Engine::new(rules, at);
    let Some(facts) = store.facts_of(uscc, engine.year()).await? else {
        return Ok(None);
    };
    let (out, trace) = engine.evaluate_traced(&facts);
    Ok(Some((facts, out, trace)))
}
