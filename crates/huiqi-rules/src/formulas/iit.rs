//! 个体工商户经营所得减半 (财政部 税务总局公告2023年第12号 第一条; 2021—2022: 公告2021年第12号):
//! 减免税额 = (不超过上限部分的应纳税额 − 其他政策减免税额 × 不超过上限部分 ÷ 应纳税所得额) × 50%.

use huiqi_domain::{EntityKind, Facts};
use rust_decimal::Decimal;

use super::open;
use crate::MeasureId;
use crate::trace::{figure, yuan};
use crate::{Engine, Tracer, fen};

pub(super) fn iit_business_relief<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> Decimal {
    let zero = fen(Decimal::ZERO);
    if !open(e, MeasureId::IitBusinessRelief, t) {
        t.end(format_args!("0.00 元（不在有效期）"));
        return zero;
    }
    let individual = f.kind == EntityKind::IndividualBusiness;
    t.cond(format_args!("市场主体为个体工商户"), individual);
    let income = f.business_income;
    t.fact("business_income", format_args!("{}", yuan(income)));
    let positive = income > Decimal::ZERO;
    t.cond(
        format_args!("经营所得应纳税所得额 {} > 0", yuan(income)),
        positive,
    );
    let p = &e.p;
    let (true, true, Some(cap), Some(share), Some(scale)) =
        (individual, positive, &p.iit_cap, &p.iit_share, &p.iit_scale)
    else {
        t.end(format_args!("0.00 元"));
        return zero;
    };
    t.param(cap);
    t.param(share);
    t.scale(scale);
    let part = income.min(cap.value);
    let (tax_part, bracket) = scale.tax(part);
    if T::ON {
        let p = figure(part);
        t.calc(format_args!(
            "不超过 {} 部分 {p} 的应纳税额 = {p} × {} − {} = {}",
            cap.shown(),
            bracket.rate,
            figure(bracket.quick_deduction),
            figure(tax_part)
        ));
    }
    t.fact(
        "other_iit_relief",
        format_args!("{}", yuan(f.other_iit_relief)),
    );
    let other = f.other_iit_relief * part / income;
    let relief = fen(((tax_part - other) * share.value).max(Decimal::ZERO));
    if T::ON {
        let (tp, p, i) = (figure(tax_part), figure(part), figure(income));
        t.calc(format_args!(
            "({tp} − {} × {p} ÷ {i}) × {} = ({tp} − {}) × {} = {}",
            figure(f.other_iit_relief),
            share.value,
            figure(other),
            share.value,
            figure(relief)
        ));
    }
    t.end(format_args!("{}", yuan(relief)));
    relief
}
