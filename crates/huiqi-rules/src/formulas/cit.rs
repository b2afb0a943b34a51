//! 小型微利企业 (财政部 税务总局公告2023年第12号 第三条、第五条; 公告2023年第6号): the
//! definition, and income tax on 25% of taxable income at 20%. A cliff, not a band: one
//! yuan over the income limit and the enterprise is not 小型微利 at all.

use huiqi_domain::{EntityKind, Facts};
use rust_decimal::Decimal;

use super::open;
use crate::MeasureId;
use crate::trace::{figure, yuan};
use crate::{Engine, Tracer, fen};

pub(super) fn small_low_profit<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> bool {
    if !open(e, MeasureId::SmallLowProfit, t) {
        t.end(format_args!("否（不在有效期）"));
        return false;
    }
    let p = &e.p;
    let (Some(max_income), Some(max_employees), Some(max_assets)) =
        (&p.slp_max_income, &p.slp_max_employees, &p.slp_max_assets)
    else {
        t.end(format_args!("否（该日无参数取值）"));
        return false;
    };
    t.param(max_income);
    t.param(max_employees);
    t.param(max_assets);
    let checks = [
        (
            f.kind == EntityKind::Enterprise,
            "市场主体为企业（个体工商户不缴企业所得税）",
        ),
        (!f.restricted_industry, "不属于国家限制和禁止行业"),
    ];
    let mut ok = true;
    for (holds, text) in checks {
        t.cond(format_args!("{text}"), holds);
        ok &= holds;
    }
    t.fact("taxable_income", format_args!("{}", yuan(f.taxable_income)));
    t.fact("employees", format_args!("{} 人", figure(f.employees)));
    t.fact("total_assets", format_args!("{}", yuan(f.total_assets)));
    let income_ok = f.taxable_income <= max_income.value;
    t.cond(
        format_args!(
            "年度应纳税所得额 {} ≤ {}（亏损或为零也符合）",
            yuan(f.taxable_income),
            max_income.shown()
        ),
        income_ok,
    );
    let emp_ok = f.employees <= max_employees.value;
    t.cond(
        format_args!(
            "从业人数 {} 人 ≤ {}",
            figure(f.employees),
            max_employees.shown()
        ),
        emp_ok,
    );
    let assets_ok = f.total_assets <= max_assets.value;
    t.cond(
        format_args!("资产总额 {} ≤ {}", yuan(f.total_assets), max_assets.shown()),
        assets_ok,
    );
    ok &= income_ok && emp_ok && assets_ok;
    t.end(format_args!(
        "{}",
        if ok {
            "是小型微利企业"
        } else {
            "不是小型微利企业"
        }
    ));
    ok
}

pub(super) fn cit_relief<T: Tracer>(
    e: &Engine,
    f: &Facts,
    small_low_profit: bool,
    t: &mut T,
) -> Decimal {
    if !open(e, MeasureId::CitRelief, t) {
        t.end(format_args!("0.00 元（不在有效期）"));
        return fen(Decimal::ZERO);
    }
    t.cond(format_args!("是小型微利企业"), small_low_profit);
    let p = &e.p;
    let (true, Some(rate), Some(share), Some(small_rate)) =
        (small_low_profit, &p.cit_rate, &p.slp_share, &p.slp_rate)
    else {
        t.end(format_args!("0.00 元"));
        return fen(Decimal::ZERO);
    };
    t.param(rate);
    t.param(share);
    t.param(small_rate);
    let income = f.taxable_income.max(Decimal::ZERO);
    t.fact("taxable_income", format_args!("{}", yuan(f.taxable_income)));
    let normal = income * rate.value;
    let reduced = income * share.value * small_rate.value;
    let relief = fen(normal - reduced);
    if T::ON {
        let (i, n, r) = (figure(income), figure(normal), figure(reduced));
        t.calc(format_args!(
            "按法定税率应纳 {i} × {} = {n}；优惠后应纳 {i} × {} × {} = {r}；减免 {n} − {r} = {}",
            rate.value,
            share.value,
            small_rate.value,
            figure(relief)
        ));
    }
    t.end(format_args!("{}", yuan(relief)));
    relief
}
