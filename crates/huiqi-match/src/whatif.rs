//! 政策沙盘: what if a parameter changed? Evaluates facts with the changed parameters beside the
//! current ones and reports the change in cost and beneficiaries per measure, county, industry
//! section and size class, and the enterprises that gain or lose most. Pure: the facts come from
//! the caller (huiqi-app reads them from the registry, or keeps them in memory).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use huiqi_domain::Facts;
use huiqi_domain::industry::section_name;
use huiqi_domain::text::quote;
use huiqi_policy::Pack;
use huiqi_rules::{Engine, MeasureId, Outputs, Rules};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{BATCH, MatchError};

/// One `--set PARAM=VALUE[@DATE]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub param: String,
    pub value: Decimal,
    pub from: Option<NaiveDate>,
}

impl Change {
    pub fn parse(s: &str) -> Result<Change, MatchError> {
        let (param, rest) = s.split_once('=').ok_or_else(|| {
            MatchError::Invalid(format!(
                "“{}”应写成 参数=数值[@日期]，如 startup.annual_limit=24000@2024-01-01",
                quote(s)
            ))
        })?;
        let (value, from) = match rest.split_once('@') {
            Some((v, d)) => (
                v,
                Some(d.parse::<NaiveDate>().map_err(|_| {
                    MatchError::Invalid(format!("“{}”不是日期（YYYY-MM-DD）", quote(d)))
                })?),
            ),
            None => (rest, None),
        };
        let value = value.trim().parse::<Decimal>().map_err(|_| {
            MatchError::Invalid(format!(
                "“{}”不是十进制数（最大约 7.9 × 10²⁸）",
                quote(value)
            ))
        })?;
        Ok(Change {
            param: param.trim().to_string(),
            value,
            from,
        })
    }
}

/// Before and after for one group.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Delta {
    pub key: String,
    pub label: String,
    pub beneficiaries_before: usize,
    pub beneficiaries_after: usize,
    pub cost_before: Decimal,
    pub cost_after: Decimal,
}

impl Delta {
    fn add(&mut self, before: Decimal, after: Decimal) {
        self.beneficiaries_before += usize::from(before > Decimal::ZERO);
        self.beneficiaries_after += usize::from(after > Decimal::ZERO);
        self.cost_before += before;
        self.cost_after += after;
    }

    fn merge(&mut self, other: &Delta) {
        self.beneficiaries_before += other.beneficiaries_before;
        self.beneficiaries_after += other.beneficiaries_after;
        self.cost_before += other.cost_before;
        self.cost_after += other.cost_after;
    }

    pub fn cost_change(&self) -> Decimal {
        self.cost_after - self.cost_before
    }
}

/// One enterprise whose benefit changes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mover {
    pub uscc: String,
    pub name: String,
    pub county: String,
    pub before: Decimal,
    pub after: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhatIfReport {
    pub at: NaiveDate,
    pub changes: Vec<Change>,
    pub enterprises: usize,
    pub total: Delta,
    /// Per measure (amounts; beneficiaries = eligible).
    pub measures: Vec<Delta>,
    pub by_county: Vec<Delta>,
    pub by_section: Vec<Delta>,
    pub by_size_class: Vec<Delta>,
    pub top_gainers: Vec<Mover>,
    pub top_losers: Vec<Mover>,
}

/// How many gainers and losers the report lists.
pub const TOP: usize = 20;

/// Adds up before/after evaluations.
#[derive(Default)]
pub struct Accumulator {
    enterprises: usize,
    total: Delta,
    /// Every benefit in `MeasureId::benefits()` order, once anything was added.
    measures: Vec<(MeasureId, Delta)>,
    county: BTreeMap<String, Delta>,
    section: BTreeMap<String, Delta>,
    size: BTreeMap<String, Delta>,
    movers: Vec<Mover>,
}

impl Accumulator {
    pub fn add(&mut self, f: &Facts, before: &Outputs, after: &Outputs) {
        let (b, a) = (before.total_relief(), after.total_relief());
        self.enterprises += 1;
        self.total.add(b, a);
        if self.measures.is_empty() {
            self.measures = MeasureId::benefits()
                .map(|m| (m, Delta::default()))
                .collect();
        }
        for (m, d) in &mut self.measures {
            d.add(before.value(*m), after.value(*m));
        }
        // The section is the industry code's first letter.
        let section = f
            .industry
            .chars()
            .next()
            .map_or("", |c| &f.industry[..c.len_utf8()]);
        // Grouped by the size class after the change (a parameter of the size table may move it).
        for (map, key) in [
            (&mut self.county, f.county.as_str()),
            (&mut self.section, section),
            (&mut self.size, after.size_class.as_str()),
        ] {
            // Looked up by reference: a key is copied once per group, not once per enterprise.
            match map.get_mut(key) {
                Some(d) => d.add(b, a),
                None => map.entry(key.to_string()).or_default().add(b, a),
            }
        }
        if a != b {
            self.movers.push(Mover {
                uscc: f.uscc.clone(),
                name: f.name.clone(),
                county: f.county.clone(),
                before: b,
                after: a,
            });
        }
    }

    /// Adds up two accumulators (of disjoint enterprises): the sums are exact, so the order in
    /// which a parallel evaluation merges them does not change the report.
    pub fn merge(mut self, other: Accumulator) -> Accumulator {
        self.enterprises += other.enterprises;
        self.total.merge(&other.total);
        if self.measures.is_empty() {
            self.measures = other.measures;
        } else {
            for ((_, mine), (_, theirs)) in self.measures.iter_mut().zip(&other.measures) {
                mine.merge(theirs);
            }
        }
        for (mine, theirs) in [
            (&mut self.county, other.county),
            (&mut self.section, other.section),
            (&mut self.size, other.size),
        ] {
            for (k, d) in theirs {
                mine.entry(k).or_default().merge(&d);
            }
        }
        self.movers.extend(other.movers);
        self
    }

    pub fn finish(mut self, at: NaiveDate, changes: Vec<Change>, pack: &Pack) -> WhatIfReport {
        let label = |map: BTreeMap<String, Delta>, name: &dyn Fn(&str) -> String| -> Vec<Delta> {
            map.into_iter()
                .map(|(k, mut d)| {
                    d.label = name(&k);
                    d.key = k;
                    d
                })
                .collect()
        };
        let by_county = label(std::mem::take(&mut self.county), &|k| {
            pack.jurisdiction(k)
                .map_or(k.to_string(), |j| j.name.clone())
        });
        let by_section = label(std::mem::take(&mut self.section), &|k| {
            section_name(k).unwrap_or("未填行业").to_string()
        });
        let by_size_class = label(std::mem::take(&mut self.size), &|k| {
            huiqi_domain::SizeClass::parse(k)
                .map_or(k, |c| c.label())
                .to_string()
        });
        // In the order of the measure ids (as they were listed when kept by id).
        self.measures.sort_by_key(|(m, _)| *m);
        let measures = self
            .measures
            .into_iter()
            .map(|(m, mut d)| {
                d.key = m.as_str().to_string();
                d.label = m.title().to_string();
                if !m.is_money() {
                    // A flag counts beneficiaries; it has no cost of its own.
                    d.cost_before = Decimal::ZERO;
                    d.cost_after = Decimal::ZERO;
                }
                d
            })
            .collect();
        let delta = |m: &Mover| m.after - m.before;
        self.movers
            .sort_by(|x, y| delta(y).cmp(&delta(x)).then_with(|| x.uscc.cmp(&y.uscc)));
        let top_gainers: Vec<Mover> = self
            .movers
            .iter()
            .filter(|m| delta(m) > Decimal::ZERO)
            .take(TOP)
            .cloned()
            .collect();
        let top_losers: Vec<Mover> = self
            .movers
            .iter()
            .rev()
            .filter(|m| delta(m) < Decimal::ZERO)
            .take(TOP)
            .cloned()
            .collect();
        let mut total = self.total;
        total.key = "total".into();
        total.label = "全市合计".into();
        WhatIfReport {
            at,
            changes,
            enterprises: self.enterprises,
            total,
            measures,
            by_county,
            by_section,
            by_size_class,
            top_gainers,
            top_losers,
        }
    }
}

/// The rules with the changes applied (an unknown parameter is an error naming it).
pub fn changed_rules(rules: &Rules, changes: &[Change]) -> Result<Rules, MatchError> {
    let mut changed = rules.clone();
    for c in changes {
        changed
            .params
            .set(&c.param, c.value, c.from)
            .map_err(|e| MatchError::Invalid(e.to_string()))?;
    }
    Ok(changed)
}

/// The what-if over facts in memory (a server keeps the registry's facts of a year so that the
/// sandbox answers in about a second; see huiqi-app's `PopulationCache`).
pub fn whatif_on(
    facts: &[Facts],
    rules: &Rules,
    pack: &Pack,
    at: NaiveDate,
    changes: Vec<Change>,
) -> Result<WhatIfReport, MatchError> {
    let after_rules = changed_rules(rules, &changes)?;
    let mut run = Sandbox::new(rules, &after_rules, at);
    for batch in facts.chunks(BATCH) {
        run.add(batch);
    }
    Ok(run.finish(at, changes, pack))
}

/// One what-if in progress: the engines before and after the changes, and the totals so far.
/// Feed it batches of facts ([`Sandbox::add`]) and [`Sandbox::finish`] it.
pub struct Sandbox {
    before: Engine,
    after: Engine,
    acc: Accumulator,
}

impl Sandbox {
    pub fn new(rules: &Rules, after_rules: &Rules, at: NaiveDate) -> Self {
        Sandbox {
            before: Engine::new(rules, at),
            after: Engine::new(after_rules, at),
            acc: Accumulator::default(),
        }
    }

    /// The tax year of the facts it expects.
    pub fn year(&self) -> i32 {
        self.before.year()
    }

    /// The report of everything added.
    pub fn finish(self, at: NaiveDate, changes: Vec<Change>, pack: &Pack) -> WhatIfReport {
        self.acc.finish(at, changes, pack)
    }

    /// Evaluates a batch under both parameter sets (in parallel) and adds it to the totals.
    pub fn add(&mut self, batch: &[Facts]) {
        let (before, after) = (&self.before, &self.after);
        let acc = batch
            .par_iter()
            .fold(Accumulator::default, |mut acc, f| {
                acc.add(f, &before.evaluate(f), &after.evaluate(f));
                acc
            })
            .reduce(Accumulator::default, Accumulator::merge);
        self.acc = std::mem::take(&mut self.acc).merge(acc);
    }
}
