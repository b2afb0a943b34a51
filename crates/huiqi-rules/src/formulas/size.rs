//! 中小企业划型标准规定（工信部联企业〔2011〕300号）: large, medium and small must reach
//! every lower bound of their row, otherwise one class down; below small is micro.

use huiqi_domain::Facts;
use rust_decimal::Decimal;

use super::open;
use crate::MeasureId;
use crate::rules::Bounds;
use crate::trace::{figure, yuan};
use crate::{Engine, SizeClass, Tracer};

const WAN: Decimal = Decimal::from_parts(10000, 0, 0, false, 0);

/// Whether the facts reach every lower bound (`yuan`: the bounds with money in 元, as
/// `SizeIndex` keeps them; the table's are in 万元).
fn meets(yuan: &Bounds, f: &Facts) -> bool {
    yuan.employees.is_none_or(|x| f.employees >= x)
        && yuan.revenue.is_none_or(|y| f.revenue >= y)
        && yuan.total_assets.is_none_or(|z| f.total_assets >= z)
}

fn describe(b: &Bounds) -> String {
    let mut parts = Vec::new();
    if let Some(x) = b.employees {
        parts.push(format!("从业人员 ≥ {x} 人"));
    }
    if let Some(y) = b.revenue {
        parts.push(format!("营业收入 ≥ {} 万元", figure(y)));
    }
    if let Some(z) = b.total_assets {
        parts.push(format!("资产总额 ≥ {} 万元", figure(z)));
    }
    parts.join(" 且 ")
}

pub(super) fn size_class<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> SizeClass {
    open(e, MeasureId::SizeClass, t); // 划型 applies at every date
    let row = e.size_index.row(&f.industry);
    let g = &e.sizes.groups[row];
    t.fact(
        "industry",
        format_args!(
            "{}",
            if f.industry.is_empty() {
                "（未填）"
            } else {
                &f.industry
            }
        ),
    );
    if T::ON {
        t.fact("employees", format_args!("{} 人", figure(f.employees)));
        t.fact(
            "revenue",
            format_args!("{}（{} 万元）", yuan(f.revenue), figure(f.revenue / WAN)),
        );
        t.fact(
            "total_assets",
            format_args!(
                "{}（{} 万元）",
                yuan(f.total_assets),
                figure(f.total_assets / WAN)
            ),
        );
    }
    t.note(format_args!("行业归入“{}”（{}）", g.name, e.sizes.document));
    let yuan = e.size_index.bounds(row);
    for (class, bounds, yuan) in [
        (SizeClass::Large, &g.large, &yuan[0]),
        (SizeClass::Medium, &g.medium, &yuan[1]),
        (SizeClass::Small, &g.small, &yuan[2]),
    ] {
        let ok = meets(yuan, f);
        if T::ON {
            t.cond(format_args!("{}：{}", class.label(), describe(bounds)), ok);
        }
        if ok {
            t.end(format_args!("{}", class.label()));
            return class;
        }
    }
    t.end(format_args!("微型（未达小型下限）"));
    SizeClass::Micro
}
