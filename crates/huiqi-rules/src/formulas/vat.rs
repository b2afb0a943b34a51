//! 增值税小规模纳税人 (财政部 税务总局公告2023年第19号; 2023: 公告2023年第1号), per quarter:
//! sales ≤ 30万元 exempt (relief = sales × 3%); above it 1% instead of 3% (relief = sales × 2%).

use huiqi_domain::Facts;
use rust_decimal::Decimal;

use super::open;
use crate::MeasureId;
use crate::trace::{figure, yuan};
use crate::{Engine, Tracer, fen};

pub(super) fn vat_relief<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> Decimal {
    let zero = fen(Decimal::ZERO);
    if !open(e, MeasureId::VatRelief, t) {
        t.end(format_args!("0.00 元（不在有效期）"));
        return zero;
    }
    t.cond(format_args!("增值税小规模纳税人"), f.vat_small_scale);
    let sales = [
        ("vat_sales_q1", f.vat_sales_q1),
        ("vat_sales_q2", f.vat_sales_q2),
        ("vat_sales_q3", f.vat_sales_q3),
        ("vat_sales_q4", f.vat_sales_q4),
    ];
    if T::ON {
        for (name, value) in sales {
            t.fact(name, format_args!("{}", yuan(value)));
        }
    }
    let p = &e.p;
    let (true, Some(line), Some(standard), Some(reduced)) = (
        f.vat_small_scale,
        &p.vat_exemption,
        &p.vat_standard,
        &p.vat_reduced,
    ) else {
        t.end(format_args!("0.00 元"));
        return zero;
    };
    t.param(line);
    t.param(standard);
    t.param(reduced);
    let mut total = Decimal::ZERO;
    for (q, (_, sales)) in sales.into_iter().enumerate() {
        if sales.is_zero() {
            continue;
        }
        let exempt = sales <= line.value;
        let relief = if exempt {
            sales * standard.value
        } else {
            sales * (standard.value - reduced.value)
        };
        if exempt {
            t.calc(format_args!(
                "第{}季度销售额 {} ≤ {}，免征：{} × {} = {}",
                q + 1,
                yuan(sales),
                line.shown(),
                figure(sales),
                standard.value,
                figure(relief)
            ));
        } else {
            t.calc(format_args!(
                "第{}季度销售额 {} > {}，减按 {}：{} × ({} − {}) = {}",
                q + 1,
                yuan(sales),
                line.shown(),
                reduced.value,
                figure(sales),
                standard.value,
                reduced.value,
                figure(relief)
            ));
        }
        total += relief;
    }
    let total = fen(total);
    t.end(format_args!("{}", yuan(total)));
    total
}
