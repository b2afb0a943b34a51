//! The formulas, one module per national document. Each reads facts and the
//! resolved parameters, reports every step to the tracer, and rounds once, at
//! its end, half-up to the fen.

mod cit;
mod iit;
mod rd;
mod six_taxes;
mod size;
mod startup;
mod vat;

use huiqi_domain::Facts;

use crate::{Engine, Outputs, Tracer, fen};

// Positions in MEASURE_IDS.
pub(crate) const SIZE_CLASS: usize = 0;
pub(crate) const SMALL_LOW_PROFIT: usize = 1;
pub(crate) const CIT_RELIEF: usize = 2;
pub(crate) const IIT_BUSINESS_RELIEF: usize = 3;
pub(crate) const SIX_TAXES_RELIEF: usize = 4;
pub(crate) const VAT_RELIEF: usize = 5;
pub(crate) const STARTUP_DEDUCTION: usize = 6;
pub(crate) const RD_EXTRA_DEDUCTION: usize = 7;
pub(crate) const TOTAL_RELIEF: usize = 8;

/// Opens the measure's trace and says whether it is in force on the engine's date.
fn open<T: Tracer>(e: &Engine, i: usize, t: &mut T) -> bool {
    t.begin(e.measure(i));
    let valid = e.is_valid(i);
    if T::ON && !valid {
        let m = e.measure(i);
        t.cond(
            format_args!(
                "{} 在有效期内（{} 至 {}）",
                e.at(),
                m.valid_from.map_or("—".into(), |d| d.to_string()),
                m.valid_until.map_or("—".into(), |d| d.to_string())
            ),
            false,
        );
    }
    valid
}

pub(crate) fn evaluate<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> Outputs {
    let size_class = size::size_class(e, f, t);
    let small_low_profit = cit::small_low_profit(e, f, t);
    let cit_relief = cit::cit_relief(e, f, small_low_profit, t);
    let iit_business_relief = iit::iit_business_relief(e, f, t);
    // 公告2023年第12号 第四条: other reliefs first, so the startup deduction is taken from
    // the amounts due before the 六税两费 halving applies to what remains.
    let startup = startup::startup_deduction(e, f, t);
    let six_taxes_relief = six_taxes::six_taxes_relief(e, f, small_low_profit, &startup, t);
    let vat_relief = vat::vat_relief(e, f, t);
    let rd_extra_deduction = rd::rd_extra_deduction(e, f, t);

    t.begin(e.measure(TOTAL_RELIEF));
    let total_relief =
        fen(cit_relief + iit_business_relief + six_taxes_relief + vat_relief + startup.total);
    t.calc(format_args!(
        "{cit_relief} + {iit_business_relief} + {six_taxes_relief} + {vat_relief} + {} = {total_relief}（研发费用加计扣除 {rd_extra_deduction} 为扣除额，不计入）",
        startup.total
    ));
    t.end(format_args!("{total_relief} 元"));

    Outputs {
        size_class,
        small_low_profit,
        cit_relief,
        iit_business_relief,
        six_taxes_relief,
        vat_relief,
        startup_deduction: startup.total,
        rd_extra_deduction,
        total_relief,
    }
}
