//! 研发费用加计扣除 (财政部 税务总局公告2023年第7号): expensed R&D deducted at an extra 100%,
//! for enterprises outside the negative list of 财税〔2015〕119号 第四条. It lowers taxable
//! income; the amount is the extra deduction, not tax saved.

use huiqi_domain::{EntityKind, Facts};
use rust_decimal::Decimal;

use super::open;
use crate::MeasureId;
use crate::trace::{figure, yuan};
use crate::{Engine, Tracer, fen};

/// 财税〔2015〕119号 第四条: industries that may not use the super-deduction (GB/T 4754 prefixes).
pub(crate) const NEGATIVE_LIST: [(&str, &str); 6] = [
    ("C16", "烟草制品业"),
    ("F", "批发和零售业"),
    ("H", "住宿和餐饮业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("R90", "娱乐业"),
];

pub(super) fn rd_extra_deduction<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> Decimal {
    let zero = fen(Decimal::ZERO);
    if !open(e, MeasureId::RdExtraDeduction, t) {
        t.end(format_args!("0.00 元（不在有效期）"));
        return zero;
    }
    let enterprise = f.kind == EntityKind::Enterprise;
    t.cond(
        format_args!("市场主体为企业（企业所得税纳税人）"),
        enterprise,
    );
    let listed = NEGATIVE_LIST
        .iter()
        .find(|(code, _)| f.industry.starts_with(code));
    t.cond(
        format_args!(
            "行业 {} 不在负面清单（财税〔2015〕119号）{}",
            f.industry,
            listed.map_or(String::new(), |l| format!("：属于{}", l.1))
        ),
        listed.is_none(),
    );
    t.fact("rd_expense", format_args!("{}", yuan(f.rd_expense)));
    let (true, None, Some(share)) = (enterprise, listed, &e.p.rd_share) else {
        t.end(format_args!("0.00 元"));
        return zero;
    };
    t.param(share);
    let extra = fen(f.rd_expense.max(Decimal::ZERO) * share.value);
    t.calc(format_args!(
        "{} × {} = {}",
        figure(f.rd_expense.max(Decimal::ZERO)),
        share.value,
        figure(extra)
    ));
    t.end(format_args!("{}（加计扣除额）", yuan(extra)));
    extra
}
