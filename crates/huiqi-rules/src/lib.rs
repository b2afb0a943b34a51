//! The national tax reliefs and classifications that the Lu'an policy relies on
//! (articles 1, 4 and 9): exact to the fen, dated, and explained.
//!
//! * Parameters are data (`policies/cn/parameters.yaml`): dated values with their
//!   legal reference. [`Engine::new`] resolves them once for a date.
//! * Formulas are typed Rust, one module per national document (`formulas/`).
//! * Every formula reports to a [`Tracer`]; [`NoTrace`] compiles away.
//!
//! Architecture invariant: no IO (the pack arrives as text), no floats.
#![forbid(unsafe_code)]

pub mod batch;
pub mod cases;
mod formulas;
pub mod measures;
pub mod params;
pub mod rules;
pub mod trace;

use chrono::{Datelike, NaiveDate};
use huiqi_domain::Facts;
use rust_decimal::{Decimal, RoundingStrategy};

pub use huiqi_domain::SizeClass;
pub use measures::{MEASURES, MeasureDef, MeasureId, Outputs, ValueKind};
pub use params::{Param, ParamSet, Scale};
pub use rules::{MeasureBasis, Obtain, ObtainMode, Rules, SizeTable};
pub use trace::{NoTrace, Trace, Tracer};

/// Errors of the rules: a national pack that does not load, a parameter that cannot be set.
/// Messages are Chinese and name the file (and line) or the parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The pack's files are missing, malformed or inconsistent.
    #[error("{0}")]
    Pack(String),
    /// A parameter change of a what-if that the parameter does not allow.
    #[error("{0}")]
    Parameter(String),
    /// Facts outside the ranges of `huiqi_domain::limits`.
    #[error("{0}")]
    OutOfRange(#[from] huiqi_domain::limits::LimitError),
}

/// Rounds half-up to the fen and always shows two decimals.
pub fn fen(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// The parameter values a date puts in force, resolved once.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub cit_rate: Option<Param>,
    pub slp_share: Option<Param>,
    pub slp_rate: Option<Param>,
    pub slp_max_income: Option<Param>,
    pub slp_max_employees: Option<Param>,
    pub slp_max_assets: Option<Param>,
    pub iit_cap: Option<Param>,
    pub iit_share: Option<Param>,
    pub iit_scale: Option<Scale>,
    pub six_share: Option<Param>,
    pub vat_exemption: Option<Param>,
    pub vat_standard: Option<Param>,
    pub vat_reduced: Option<Param>,
    pub startup_limit: Option<Param>,
    pub startup_float: Option<Param>,
    pub startup_months: Option<Param>,
    pub rd_share: Option<Param>,
}

/// The rules resolved for one date: evaluate as many enterprises as you like with it.
/// `Engine` is `Send + Sync`; share one across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    at: NaiveDate,
    sizes: SizeTable,
    size_index: rules::SizeIndex,
    measures: Vec<MeasureBasis>,
    valid: [bool; MeasureId::COUNT],
    p: Resolved,
}

impl Engine {
    /// Resolves every parameter for `at`. The facts evaluated are those of `at`'s year.
    pub fn new(rules: &Rules, at: NaiveDate) -> Engine {
        let ps = &rules.params;
        let p = Resolved {
            cit_rate: ps.at("cit.statutory_rate", at),
            slp_share: ps.at("cit.small_low_profit.income_share", at),
            slp_rate: ps.at("cit.small_low_profit.rate", at),
            slp_max_income: ps.at("cit.small_low_profit.max_taxable_income", at),
            slp_max_employees: ps.at("cit.small_low_profit.max_employees", at),
            slp_max_assets: ps.at("cit.small_low_profit.max_total_assets", at),
            iit_cap: ps.at("iit.business.halving_cap", at),
            iit_share: ps.at("iit.business.halving_share", at),
            iit_scale: ps.scale_at("iit.business.scale", at),
            six_share: ps.at("six_taxes.share", at),
            vat_exemption: ps.at("vat.small_scale.quarterly_exemption", at),
            vat_standard: ps.at("vat.small_scale.standard_rate", at),
            vat_reduced: ps.at("vat.small_scale.reduced_rate", at),
            startup_limit: ps.at("startup.annual_limit", at),
            startup_float: ps.at("startup.province_float", at),
            startup_months: ps.at("startup.window_months", at),
            rd_share: ps.at("rd.extra_share", at),
        };
        let valid = std::array::from_fn(|i| rules.measure(MeasureId::ALL[i]).valid_at(at));
        Engine {
            at,
            sizes: rules.sizes.clone(),
            size_index: rules::SizeIndex::new(&rules.sizes),
            measures: rules.measures.clone(),
            valid,
            p,
        }
    }

    pub fn at(&self) -> NaiveDate {
        self.at
    }

    /// The tax year of the facts.
    pub fn year(&self) -> i32 {
        self.at.year()
    }

    pub fn measures(&self) -> &[MeasureBasis] {
        &self.measures
    }

    pub(crate) fn measure(&self, m: MeasureId) -> &MeasureBasis {
        &self.measures[m.index()]
    }

    pub(crate) fn is_valid(&self, m: MeasureId) -> bool {
        self.valid[m.index()]
    }

    pub fn evaluate(&self, f: &Facts) -> Outputs {
        formulas::evaluate(self, f, &mut NoTrace)
    }

    pub fn evaluate_traced(&self, f: &Facts) -> (Outputs, Trace) {
        let mut t = Trace::default();
        let out = formulas::evaluate(self, f, &mut t);
        (out, t)
    }

    /// [`Engine::evaluate`] for facts from outside (JSON, a caller that has not checked them):
    /// facts beyond `huiqi_domain::limits` are refused, naming the column. Facts read through
    /// huiqi's parsers and registry are already checked; within the ranges no formula overflows
    /// (property-tested).
    pub fn try_evaluate(&self, f: &Facts) -> Result<Outputs, RulesError> {
        f.check_ranges()?;
        Ok(self.evaluate(f))
    }

    /// [`Engine::evaluate_traced`] with the range check of [`Engine::try_evaluate`].
    pub fn try_evaluate_traced(&self, f: &Facts) -> Result<(Outputs, Trace), RulesError> {
        f.check_ranges()?;
        Ok(self.evaluate_traced(f))
    }
}
