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
pub mod params;
pub mod rules;
pub mod trace;

use chrono::{Datelike, NaiveDate};
use huiqi_domain::Facts;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

pub use params::{Param, ParamSet, Scale};
pub use rules::{MEASURE_IDS, Measure, Rules, SizeTable};
pub use trace::{NoTrace, Trace, Tracer};

/// 企业规模 (工信部联企业〔2011〕300号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Micro,
    Small,
    Medium,
    Large,
}

impl SizeClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SizeClass::Micro => "micro",
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SizeClass::Micro => "微型",
            SizeClass::Small => "小型",
            SizeClass::Medium => "中型",
            SizeClass::Large => "大型",
        }
    }
}

/// What the engine computes for one enterprise. Amounts in 元, rounded half-up to the fen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outputs {
    pub size_class: SizeClass,
    pub small_low_profit: bool,
    pub cit_relief: Decimal,
    pub iit_business_relief: Decimal,
    pub six_taxes_relief: Decimal,
    pub vat_relief: Decimal,
    pub startup_deduction: Decimal,
    /// Reduces taxable income; reported, not part of `total_relief`.
    pub rd_extra_deduction: Decimal,
    pub total_relief: Decimal,
}

impl Outputs {
    /// An output by its name, as text (`micro`, `true`, `12345.67`).
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "size_class" => self.size_class.as_str().to_string(),
            "small_low_profit" => self.small_low_profit.to_string(),
            "cit_relief" => self.cit_relief.to_string(),
            "iit_business_relief" => self.iit_business_relief.to_string(),
            "six_taxes_relief" => self.six_taxes_relief.to_string(),
            "vat_relief" => self.vat_relief.to_string(),
            "startup_deduction" => self.startup_deduction.to_string(),
            "rd_extra_deduction" => self.rd_extra_deduction.to_string(),
            "total_relief" => self.total_relief.to_string(),
            _ => return None,
        })
    }

    /// The money outputs by name (for sums and comparisons).
    pub fn amounts(&self) -> [(&'static str, Decimal); 7] {
        [
            ("cit_relief", self.cit_relief),
            ("iit_business_relief", self.iit_business_relief),
            ("six_taxes_relief", self.six_taxes_relief),
            ("vat_relief", self.vat_relief),
            ("startup_deduction", self.startup_deduction),
            ("rd_extra_deduction", self.rd_extra_deduction),
            ("total_relief", self.total_relief),
        ]
    }
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
    measures: Vec<Measure>,
    valid: [bool; MEASURE_IDS.len()],
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
        let valid = std::array::from_fn(|i| rules.measure(MEASURE_IDS[i]).valid_at(at));
        Engine {
            at,
            sizes: rules.sizes.clone(),
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

    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }

    pub(crate) fn measure(&self, i: usize) -> &Measure {
        &self.measures[i]
    }

    pub(crate) fn is_valid(&self, i: usize) -> bool {
        self.valid[i]
    }

    pub fn evaluate(&self, f: &Facts) -> Outputs {
        formulas::evaluate(self, f, &mut NoTrace)
    }

    pub fn evaluate_traced(&self, f: &Facts) -> (Outputs, Trace) {
        let mut t = Trace::default();
        let out = formulas::evaluate(self, f, &mut t);
        (out, t)
    }
}
