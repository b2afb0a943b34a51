//! 退役士兵、重点群体从事个体经营扣减税费 (公告2023年第14号、第15号; 2019—2022: 财税〔2019〕22号、
//! 21号): within 36 months from the month of registration, up to the yearly limit (prorated
//! limit ÷ 12 × months in the year), deducted in order 增值税 → 城市维护建设税 → 教育费附加 →
//! 地方教育附加 → 个人所得税, never more than what is due.

use chrono::Datelike;
use huiqi_domain::{EntityKind, Facts, FounderGroup};
use rust_decimal::Decimal;

use super::open;
use crate::MeasureId;
use crate::trace::{figure, yuan};
use crate::{Engine, Tracer, fen};

/// The deduction and what remains due of the three surcharges it reaches before 六税两费.
pub(crate) struct Startup {
    pub total: Decimal,
    pub urban_maintenance_tax: Decimal,
    pub education_surcharge: Decimal,
    pub local_education_surcharge: Decimal,
}

/// Months of `year` inside the window of `window` months that starts at the registration month.
pub(crate) fn months_in_window(registered: chrono::NaiveDate, year: i32, window: i64) -> i64 {
    let start = registered.year() as i64 * 12 + registered.month0() as i64;
    (0..12)
        .filter(|m| (0..window).contains(&(year as i64 * 12 + m - start)))
        .count() as i64
}

pub(super) fn startup_deduction<T: Tracer>(e: &Engine, f: &Facts, t: &mut T) -> Startup {
    let untouched = Startup {
        total: fen(Decimal::ZERO),
        urban_maintenance_tax: f.urban_maintenance_tax,
        education_surcharge: f.education_surcharge,
        local_education_surcharge: f.local_education_surcharge,
    };
    if !open(e, MeasureId::StartupDeduction, t) {
        t.end(format_args!("0.00 元（不在有效期）"));
        return untouched;
    }
    let individual = f.kind == EntityKind::IndividualBusiness;
    t.cond(
        format_args!("市场主体为个体工商户（从事个体经营）"),
        individual,
    );
    let group = match f.founder_group {
        FounderGroup::None => None,
        FounderGroup::RetiredSoldier => Some("自主就业退役士兵"),
        FounderGroup::KeyGroup => Some("重点群体"),
    };
    t.cond(
        format_args!(
            "经营者为自主就业退役士兵或重点群体（{}）",
            group.unwrap_or("否")
        ),
        group.is_some(),
    );
    let p = &e.p;
    let (true, Some(_), Some(limit), Some(float), Some(window)) = (
        individual,
        group,
        &p.startup_limit,
        &p.startup_float,
        &p.startup_months,
    ) else {
        t.end(format_args!("0.00 元"));
        return untouched;
    };
    let Some(registered) = f.registered_on else {
        t.cond(format_args!("登记日期已知"), false);
        t.end(format_args!(
            "0.00 元（缺登记日期，无法确定 36 个月的期限）"
        ));
        return untouched;
    };
    t.param(limit);
    t.param(float);
    t.param(window);
    t.fact("registered_on", format_args!("{registered}"));
    if T::ON {
        for (name, value) in [
            ("vat_due", f.vat_due),
            ("urban_maintenance_tax", f.urban_maintenance_tax),
            ("education_surcharge", f.education_surcharge),
            ("local_education_surcharge", f.local_education_surcharge),
            ("iit_due", f.iit_due),
        ] {
            t.fact(name, format_args!("{}", yuan(value)));
        }
    }
    let months = months_in_window(registered, e.year(), window.value.try_into().unwrap_or(36));
    t.cond(
        format_args!(
            "{} 年在自登记当月起 {} 内的月数 {months} > 0",
            e.year(),
            window.shown()
        ),
        months > 0,
    );
    if months == 0 {
        t.end(format_args!("0.00 元"));
        return untouched;
    }
    let year_limit =
        limit.value * (Decimal::ONE + float.value) * Decimal::from(months) / Decimal::from(12);
    t.calc(format_args!(
        "本年限额 {} × (1 + {}) ÷ 12 × {months} = {}",
        limit.shown(),
        float.value,
        yuan(fen(year_limit))
    ));
    let mut left = year_limit;
    let mut take = |due: Decimal| {
        let x = due.min(left).max(Decimal::ZERO);
        left -= x;
        x
    };
    let vat = take(f.vat_due);
    let umt = take(f.urban_maintenance_tax);
    let edu = take(f.education_surcharge);
    let local = take(f.local_education_surcharge);
    let iit = take(f.iit_due);
    let total = fen(vat + umt + edu + local + iit);
    if T::ON {
        t.calc(format_args!(
            "依次扣减：增值税 {}（应纳 {}）、城市维护建设税 {}（应纳 {}）、教育费附加 {}（应纳 {}）、地方教育附加 {}（应纳 {}）、个人所得税 {}（应纳 {}）",
            figure(vat),
            figure(f.vat_due),
            figure(umt),
            figure(f.urban_maintenance_tax),
            figure(edu),
            figure(f.education_surcharge),
            figure(local),
            figure(f.local_education_surcharge),
            figure(iit),
            figure(f.iit_due)
        ));
    }
    t.end(format_args!("{}", yuan(total)));
    Startup {
        total,
        urban_maintenance_tax: f.urban_maintenance_tax - umt,
        education_surcharge: f.education_surcharge - edu,
        local_education_surcharge: f.local_education_surcharge - local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_months() {
        let d = |s: &str| s.parse().unwrap();
        assert_eq!(months_in_window(d("2023-04-15"), 2023, 36), 9);
        assert_eq!(months_in_window(d("2023-04-15"), 2025, 36), 12);
        assert_eq!(months_in_window(d("2023-04-15"), 2026, 36), 3);
        assert_eq!(months_in_window(d("2023-04-15"), 2027, 36), 0);
        assert_eq!(months_in_window(d("2023-04-15"), 2022, 36), 0);
    }
}
