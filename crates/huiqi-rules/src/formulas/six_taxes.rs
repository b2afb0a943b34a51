//! 六税两费减半 (财政部 税务总局公告2023年第12号 第二条、第四条): for small-scale VAT payers,
//! 小型微利企业 and 个体工商户, half of 资源税、城市维护建设税、房产税、城镇土地使用税、印花税、
//! 耕地占用税、教育费附加、地方教育附加 — after other reliefs (here: the startup deduction).
//! The 小型微利 status used is the same year's (the tax office uses the last annual settlement).

use huiqi_domain::{EntityKind, Facts};
use rust_decimal::Decimal;

use super::open;
use super::startup::Startup;
use crate::MeasureId;
use crate::trace::yuan;
use crate::{Engine, Tracer, fen};

pub(super) fn six_taxes_relief<T: Tracer>(
    e: &Engine,
    f: &Facts,
    small_low_profit: bool,
    startup: &Startup,
    t: &mut T,
) -> Decimal {
    let zero = fen(Decimal::ZERO);
    if !open(e, MeasureId::SixTaxesRelief, t) {
        t.end(format_args!("0.00 元（不在有效期）"));
        return zero;
    }
    let individual = f.kind == EntityKind::IndividualBusiness;
    t.cond(format_args!("增值税小规模纳税人"), f.vat_small_scale);
    t.cond(
        format_args!("小型微利企业（按本年度认定）"),
        small_low_profit,
    );
    t.cond(format_args!("个体工商户"), individual);
    if T::ON {
        for (name, value) in [
            ("resource_tax", f.resource_tax),
            ("urban_maintenance_tax", f.urban_maintenance_tax),
            ("property_tax", f.property_tax),
            ("land_use_tax", f.land_use_tax),
            ("stamp_duty", f.stamp_duty),
            ("farmland_occupation_tax", f.farmland_occupation_tax),
            ("education_surcharge", f.education_surcharge),
            ("local_education_surcharge", f.local_education_surcharge),
        ] {
            t.fact(name, format_args!("{}", yuan(value)));
        }
    }
    let Some(share) =
        e.p.six_share
            .as_ref()
            .filter(|_| f.vat_small_scale || small_low_profit || individual)
    else {
        t.end(format_args!("0.00 元（三类主体均不是）"));
        return zero;
    };
    t.param(share);
    let items = [
        ("资源税", f.resource_tax),
        ("城市维护建设税", startup.urban_maintenance_tax),
        ("房产税", f.property_tax),
        ("城镇土地使用税", f.land_use_tax),
        ("印花税", f.stamp_duty),
        ("耕地占用税", f.farmland_occupation_tax),
        ("教育费附加", startup.education_surcharge),
        ("地方教育附加", startup.local_education_surcharge),
    ];
    let base: Decimal = items.iter().map(|(_, v)| *v).sum();
    let relief = fen(base * share.value);
    if T::ON {
        let parts: Vec<String> = items
            .iter()
            .filter(|(_, v)| !v.is_zero())
            .map(|(n, v)| format!("{n} {}", yuan(*v)))
            .collect();
        t.calc(format_args!(
            "扣减创业税费后的应纳额：{}；合计 {} × {} = {}",
            if parts.is_empty() {
                "均为 0".into()
            } else {
                parts.join("、")
            },
            yuan(base),
            share.value,
            yuan(relief)
        ));
    }
    t.end(format_args!("{}", yuan(relief)));
    relief
}
