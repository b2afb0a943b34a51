//! 一企一档: one enterprise's file as staff read it — registration, facts of every year with
//! the department and import behind them, certifications, loans, what it benefits from in each
//! matching run and what changed from one run to the next, grants, and the history of its values.

use std::collections::HashMap;

use huiqi_domain::Uscc;
use huiqi_rules::MeasureId;
use huiqi_store::dossier::{CertificationOf, GrantOf, Registration, RunResultOf, YearFacts};
use huiqi_store::matching::Run;
use huiqi_store::registry::{HistoryEntry, ImportRecord};
use rust_decimal::Decimal;

use crate::matching::Change;
use crate::{App, AppError};

/// The enterprise in one run, with what changed since the run before it that included it.
#[derive(Debug, Clone)]
pub struct RunView {
    pub run: Run,
    pub size_class: String,
    /// (measure, amount in 元; 0 for a flag), in the measure table's order.
    pub benefits: Vec<(MeasureId, Decimal)>,
    /// Against the previous run that included the enterprise; empty for the first.
    pub changes: Vec<RunChange>,
    /// Whether there was an earlier run to compare with.
    pub compared: bool,
}

/// One measure whose result for the enterprise changed between two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunChange {
    pub measure: MeasureId,
    pub change: Change,
    pub old: Decimal,
    pub new: Decimal,
}

impl RunChange {
    /// new − old.
    pub fn difference(&self) -> Decimal {
        self.new - self.old
    }
}

/// The stored value of each benefit in a run's result (fen, or 1 for a flag).
fn values(r: &RunResultOf) -> HashMap<MeasureId, i64> {
    r.benefits
        .iter()
        .filter_map(|(m, v)| MeasureId::parse(m).map(|m| (m, *v)))
        .collect()
}

/// What changed for one enterprise from run `old` to run `new`, measure by measure in the
/// table's order: a measure gained, lost, or whose amount changed (with the amounts in 元).
pub fn run_changes(old: &RunResultOf, new: &RunResultOf) -> Vec<RunChange> {
    let (a, b) = (values(old), values(new));
    MeasureId::benefits()
        .filter_map(|m| {
            let (x, y) = (a.get(&m).copied(), b.get(&m).copied());
            let change = match (x, y) {
                (None, Some(_)) => Change::BecameEligible,
                (Some(_), None) => Change::DroppedOut,
                (Some(p), Some(q)) if p != q => Change::AmountChanged,
                _ => return None,
            };
            Some(RunChange {
                measure: m,
                change,
                old: huiqi_match::stored_amount(m, x.unwrap_or(0)),
                new: huiqi_match::stored_amount(m, y.unwrap_or(0)),
            })
        })
        .collect()
}

/// Everything the registry holds about one enterprise.
#[derive(Debug, Clone)]
pub struct EnterpriseFile {
    pub registration: Registration,
    /// Newest year first.
    pub years: Vec<YearFacts>,
    /// Every import, by id (source, file and date of each group and history entry).
    pub imports: HashMap<i64, ImportRecord>,
    pub certifications: Vec<CertificationOf>,
    /// Newest run first.
    pub runs: Vec<RunView>,
    pub grants: Vec<GrantOf>,
    /// Newest change first.
    pub history: Vec<HistoryEntry>,
}

/// The file of an enterprise; `None` when the registry does not know it. The caller checks
/// the viewer's scope.
pub async fn enterprise_file(app: &App, uscc: &Uscc) -> Result<Option<EnterpriseFile>, AppError> {
    let store = &app.store;
    let Some(registration) = store.registration_of(uscc.as_str()).await? else {
        return Ok(None);
    };
    let imports = store
        .imports()
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let runs: HashMap<i64, Run> = store.runs().await?.into_iter().map(|r| (r.id, r)).collect();
    let results = store.run_results_of(uscc.as_str()).await?;
    let mut views = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let Some(run) = runs.get(&r.run_id) else {
            continue;
        };
        let v = values(r);
        views.push(RunView {
            run: run.clone(),
            size_class: r.size_class.clone(),
            benefits: MeasureId::benefits()
                .filter_map(|m| v.get(&m).map(|x| (m, huiqi_match::stored_amount(m, *x))))
                .collect(),
            changes: i
                .checked_sub(1)
                .map_or_else(Vec::new, |p| run_changes(&results[p], r)),
            compared: i > 0,
        });
    }
    views.reverse();
    let mut history = store.history_of(uscc.as_str()).await?;
    history.reverse();
    Ok(Some(EnterpriseFile {
        years: store.facts_by_year(uscc.as_str()).await?,
        certifications: store.certifications_of(uscc.as_str()).await?,
        grants: store.grants_of(uscc.as_str()).await?,
        registration,
        imports,
        runs: views,
        history,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(run_id: i64, benefits: &[(&str, i64)]) -> RunResultOf {
        RunResultOf {
            run_id,
            size_class: "micro".into(),
            benefits: benefits.iter().map(|(m, v)| (m.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn changes_between_runs() {
        let old = result(
            1,
            &[
                ("small_low_profit", 1),
                ("cit_relief", 1_000_000),
                ("vat_relief", 900_000),
            ],
        );
        let new = result(
            2,
            &[
                ("small_low_profit", 1),
                ("cit_relief", 1_250_050),
                ("six_taxes_relief", 30_000),
            ],
        );
        let c = run_changes(&old, &new);
        let got: Vec<(MeasureId, Change, Decimal, Decimal)> = c
            .iter()
            .map(|c| (c.measure, c.change, c.old, c.new))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    MeasureId::CitRelief,
                    Change::AmountChanged,
                    Decimal::new(1_000_000, 2),
                    Decimal::new(1_250_050, 2)
                ),
                (
                    MeasureId::SixTaxesRelief,
                    Change::BecameEligible,
                    Decimal::ZERO,
                    Decimal::new(30_000, 2)
                ),
                (
                    MeasureId::VatRelief,
                    Change::DroppedOut,
                    Decimal::new(900_000, 2),
                    Decimal::ZERO
                ),
            ]
        );
        assert_eq!(c[0].difference(), Decimal::new(250_050, 2));
        assert_eq!(c[2].difference(), Decimal::new(-900_000, 2));
        // The same result twice: nothing changed (the flag included).
        assert!(run_changes(&new, &new).is_empty());
        // Lost a flag.
        let c = run_changes(&old, &result(3, &[("cit_relief", 1_000_000)]));
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].measure, c[0].change),
            (MeasureId::SmallLowProfit, Change::DroppedOut)
        );
    }
}
