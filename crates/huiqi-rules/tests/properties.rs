//! Invariants over random facts: reliefs are never negative and never exceed the tax
//! they relieve; size classes are monotone in each indicator.

use chrono::NaiveDate;
use huiqi_domain::{EntityKind, Facts, FounderGroup};
use huiqi_rules::{Engine, MeasureId as M, Rules};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn money(max_yuan: i64) -> impl Strategy<Value = Decimal> {
    (0..max_yuan * 100).prop_map(|c| Decimal::new(c, 2))
}

const INDUSTRIES: [&str; 16] = [
    "A0111", "C3311", "E4710", "F5111", "F5211", "G5411", "G5910", "G6010", "H6110", "H6210",
    "I6311", "I6510", "K7010", "K7020", "L7211", "M7310",
];

fn facts() -> impl Strategy<Value = Facts> {
    (
        (
            any::<bool>(),
            0usize..INDUSTRIES.len(),
            0i64..2000,
            money(500_000_000),
            money(200_000_000),
        ),
        (
            (-5_000_000i64..10_000_000).prop_map(|c| Decimal::new(c, 0)),
            (-100_000i64..5_000_000).prop_map(|c| Decimal::new(c, 0)),
            money(50_000),
            any::<bool>(),
        ),
        (
            money(600_000),
            money(600_000),
            money(600_000),
            money(600_000),
        ),
        (
            money(20_000),
            money(20_000),
            money(20_000),
            money(20_000),
            money(20_000),
            money(20_000),
            money(20_000),
            money(20_000),
        ),
        (
            money(50_000),
            money(50_000),
            0u8..3,
            0u32..60,
            money(5_000_000),
        ),
    )
        .prop_map(|(a, b, q, s, r)| Facts {
            kind: if a.0 {
                EntityKind::Enterprise
            } else {
                EntityKind::IndividualBusiness
            },
            industry: INDUSTRIES[a.1].into(),
            employees: Decimal::from(a.2),
            revenue: a.3,
            total_assets: a.4,
            taxable_income: b.0,
            business_income: b.1,
            other_iit_relief: b.2,
            vat_small_scale: b.3,
            vat_sales_q1: q.0,
            vat_sales_q2: q.1,
            vat_sales_q3: q.2,
            vat_sales_q4: q.3,
            resource_tax: s.0,
            urban_maintenance_tax: s.1,
            property_tax: s.2,
            land_use_tax: s.3,
            stamp_duty: s.4,
            farmland_occupation_tax: s.5,
            education_surcharge: s.6,
            local_education_surcharge: s.7,
            vat_due: r.0,
            iit_due: r.1,
            founder_group: [
                FounderGroup::None,
                FounderGroup::RetiredSoldier,
                FounderGroup::KeyGroup,
            ][r.2 as usize],
            registered_on: NaiveDate::from_ymd_opt(2021 + (r.3 / 12) as i32, r.3 % 12 + 1, 1),
            rd_expense: r.4,
            ..Facts::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reliefs_are_never_negative_nor_above_the_tax(f in facts(), year in 2021i32..2029) {
        let rules = Rules::builtin();
        let e = Engine::new(&rules, NaiveDate::from_ymd_opt(year, 12, 31).unwrap());
        let o = e.evaluate(&f);
        for (name, v) in o.amounts() {
            prop_assert!(v >= Decimal::ZERO, "{name} = {v}");
        }
        let cit_due = f.taxable_income.max(Decimal::ZERO) * Decimal::new(25, 2);
        prop_assert!(o.value(M::CitRelief) <= cit_due, "cit {} > {}", o.value(M::CitRelief), cit_due);
        // The 35% top rate bounds the tax on business income.
        prop_assert!(o.value(M::IitBusinessRelief) <= f.business_income.max(Decimal::ZERO) * Decimal::new(35, 2));
        let six = f.resource_tax + f.urban_maintenance_tax + f.property_tax + f.land_use_tax + f.stamp_duty
            + f.farmland_occupation_tax + f.education_surcharge + f.local_education_surcharge;
        prop_assert!(o.value(M::SixTaxesRelief) <= six);
        let sales = f.vat_sales_q1 + f.vat_sales_q2 + f.vat_sales_q3 + f.vat_sales_q4;
        prop_assert!(o.value(M::VatRelief) <= sales * Decimal::new(3, 2) + Decimal::new(1, 2));
        let startup_due = f.vat_due + f.urban_maintenance_tax + f.education_surcharge + f.local_education_surcharge + f.iit_due;
        prop_assert!(o.value(M::StartupDeduction) <= startup_due && o.value(M::StartupDeduction) <= Decimal::from(24000));
        prop_assert_eq!(o.value(M::TotalRelief), o.value(M::CitRelief) + o.value(M::IitBusinessRelief) + o.value(M::SixTaxesRelief) + o.value(M::VatRelief) + o.value(M::StartupDeduction));
    }

    #[test]
    fn size_class_is_monotone(f in facts(), more_emp in 0i64..3000, more_rev in money(500_000_000), more_assets in money(500_000_000)) {
        let rules = Rules::builtin();
        let e = Engine::new(&rules, NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        let base = e.evaluate(&f).size_class;
        for bigger in [
            Facts { employees: f.employees + Decimal::from(more_emp), ..f.clone() },
            Facts { revenue: f.revenue + more_rev, ..f.clone() },
            Facts { total_assets: f.total_assets + more_assets, ..f.clone() },
        ] {
            prop_assert!(e.evaluate(&bigger).size_class >= base);
        }
    }
}
