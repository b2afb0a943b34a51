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

use crate::{Engine, MEASURES, MeasureId, Outputs, Tracer, fen};

/// Opens the measure's trace and says whether it is in force on the engine's date.
fn open<T: Tracer>(e: &Engine, i: MeasureId, t: &mut T) -> bool {
    t.begin(i, e.measure(i));
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

    let mut out = Outputs::new(size_class);
    out.set_flag(MeasureId::SmallLowProfit, small_low_profit);
    out.set(MeasureId::CitRelief, cit_relief);
    out.set(MeasureId::IitBusinessRelief, iit_business_relief);
    out.set(MeasureId::SixTaxesRelief, six_taxes_relief);
    out.set(MeasureId::VatRelief, vat_relief);
    out.set(MeasureId::StartupDeduction, startup.total);
    out.set(MeasureId::RdExtraDeduction, rd_extra_deduction);
    total(e, &mut out, t);
    out
}

/// `total_relief`: the sum of the amounts the measure table counts in the total.
fn total<T: Tracer>(e: &Engine, out: &mut Outputs, t: &mut T) {
    let m = MeasureId::TotalRelief;
    t.begin(m, e.measure(m));
    let counted = MEASURES.iter().filter(|d| d.in_total);
    let total = fen(counted.clone().map(|d| out.value(d.id)).sum());
    if T::ON {
        let terms: Vec<String> = counted
            .map(|d| crate::trace::figure(out.value(d.id)).to_string())
            .collect();
        let left_out: Vec<String> = MEASURES
            .iter()
            .filter(|d| d.kind == crate::ValueKind::Amount && !d.in_total)
            .map(|d| {
                format!(
                    "{} {} 为扣除额，不计入",
                    d.id.title(),
                    crate::trace::yuan(out.value(d.id))
                )
            })
            .collect();
        t.calc(format_args!(
            "{} = {}{}",
            terms.join(" + "),
            crate::trace::figure(total),
            if left_out.is_empty() {
                String::new()
            } else {
                format!("（{}）", left_out.join("；"))
            }
        ));
    }
    t.end(format_args!("{}", crate::trace::yuan(total)));
    out.set(m, total);
}
