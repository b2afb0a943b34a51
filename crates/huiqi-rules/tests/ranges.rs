//! No panic on any input (issue 11 item 6): for any `Decimal` facts within the ranges of
//! `huiqi_domain::limits` (any scale, the extremes included) and any what-if parameter values
//! within theirs, the engine evaluates without panicking; facts beyond a range are refused by
//! `try_evaluate`, naming the column; parameter values beyond theirs are refused by
//! `ParamSet::set`.

use chrono::NaiveDate;
use huiqi_domain::limits::{COUNT_MAX, MONEY_MAX_YUAN, PARAM_MAX, RATE_PARAM_MAX};
use huiqi_domain::{EntityKind, Facts, FounderGroup};
use huiqi_rules::{Engine, Rules};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// (column, signed, is a headcount)
const NUMBERS: [(&str, bool, bool); 21] = [
    ("employees", false, true),
    ("revenue", false, false),
    ("total_assets", false, false),
    ("taxable_income", true, false),
    ("business_income", true, false),
    ("other_iit_relief", false, false),
    ("vat_sales_q1", false, false),
    ("vat_sales_q2", false, false),
    ("vat_sales_q3", false, false),
    ("vat_sales_q4", false, false),
    ("resource_tax", false, false),
    ("urban_maintenance_tax", false, false),
    ("property_tax", false, false),
    ("land_use_tax", false, false),
    ("stamp_duty", false, false),
    ("farmland_occupation_tax", false, false),
    ("education_surcharge", false, false),
    ("local_education_surcharge", false, false),
    ("vat_due", false, false),
    ("iit_due", false, false),
    ("rd_expense", false, false),
];

/// A decimal in `[min, max]` with any scale 0–28: the bounds themselves, zero, the smallest
/// positive decimal, or a random value.
fn decimal_in(min: i64, max: i64) -> BoxedStrategy<Decimal> {
    let random = (0u32..=28, any::<u64>(), any::<u64>()).prop_map(move |(scale, a, b)| {
        // A random fraction of the range, at `scale` decimals.
        let span = (i128::from(max) - i128::from(min)) as u128;
        let unit = 10u128.pow(scale.min(12));
        let pick = (u128::from(a) << 64 | u128::from(b)) % (span * unit + 1);
        let v = Decimal::from_i128_with_scale(pick as i128, scale.min(12)) + Decimal::from(min);
        // Extra digits below, so every scale up to 28 appears.
        let tiny = Decimal::from_i128_with_scale(1, scale);
        if v + tiny <= Decimal::from(max) {
            v + tiny
        } else {
            v
        }
    });
    prop_oneof![
        Just(Decimal::from(max)),
        Just(Decimal::from(min)),
        Just(Decimal::ZERO),
        Just(Decimal::from_i128_with_scale(1, 28)),
        random.clone(),
        random,
    ]
    .boxed()
}

fn date() -> impl Strategy<Value = NaiveDate> {
    // Any date chrono holds.
    (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
        .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
}

use chrono::Datelike;

fn facts_in_range() -> impl Strategy<Value = Facts> {
    let numbers: Vec<BoxedStrategy<Decimal>> = NUMBERS
        .iter()
        .map(|(_, signed, count)| {
            let max = if *count { COUNT_MAX } else { MONEY_MAX_YUAN };
            decimal_in(if *signed { -max } else { 0 }, max)
        })
        .collect();
    (
        numbers,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        proptest::option::of(prop_oneof![
            date(),
            Just(NaiveDate::MIN),
            Just(NaiveDate::MAX)
        ]),
    )
        .prop_map(|(n, individual, restricted, small, group, registered)| {
            let mut f = Facts {
                kind: if individual {
                    EntityKind::IndividualBusiness
                } else {
                    EntityKind::Enterprise
                },
                industry: "C3311".into(),
                restricted_industry: restricted,
                vat_small_scale: small,
                founder_group: [
                    FounderGroup::None,
                    FounderGroup::RetiredSoldier,
                    FounderGroup::KeyGroup,
                ][group as usize],
                registered_on: registered,
                ..Facts::default()
            };
            for ((name, _, _), v) in NUMBERS.iter().zip(n) {
                set(&mut f, name, v);
            }
            f
        })
}

fn set(f: &mut Facts, name: &str, v: Decimal) {
    let field = match name {
        "employees" => &mut f.employees,
        "revenue" => &mut f.revenue,
        "total_assets" => &mut f.total_assets,
        "taxable_income" => &mut f.taxable_income,
        "business_income" => &mut f.business_income,
        "other_iit_relief" => &mut f.other_iit_relief,
        "vat_sales_q1" => &mut f.vat_sales_q1,
        "vat_sales_q2" => &mut f.vat_sales_q2,
        "vat_sales_q3" => &mut f.vat_sales_q3,
        "vat_sales_q4" => &mut f.vat_sales_q4,
        "resource_tax" => &mut f.resource_tax,
        "urban_maintenance_tax" => &mut f.urban_maintenance_tax,
        "property_tax" => &mut f.property_tax,
        "land_use_tax" => &mut f.land_use_tax,
        "stamp_duty" => &mut f.stamp_duty,
        "farmland_occupation_tax" => &mut f.farmland_occupation_tax,
        "education_surcharge" => &mut f.education_surcharge,
        "local_education_surcharge" => &mut f.local_education_surcharge,
        "vat_due" => &mut f.vat_due,
        "iit_due" => &mut f.iit_due,
        "rd_expense" => &mut f.rd_expense,
        other => panic!("unknown column {other}"),
    };
    *field = v;
}

/// The scalar parameters: id and whether it is a rate.
fn scalar_params() -> Vec<(String, bool)> {
    Rules::builtin()
        .params
        .defs()
        .iter()
        .filter(|d| d.values.iter().all(|v| v.brackets.is_none()))
        .map(|d| (d.id.clone(), d.is_rate()))
        .collect()
}

/// A what-if value within its range for every scalar parameter, or none (left as it is).
fn param_values() -> impl Strategy<Value = Vec<Option<Decimal>>> {
    scalar_params()
        .into_iter()
        .map(|(_, rate)| {
            proptest::option::of(decimal_in(0, if rate { RATE_PARAM_MAX } else { PARAM_MAX }))
                .boxed()
        })
        .collect::<Vec<_>>()
}

/// The built-in rules with `values` set (from the first date on).
fn changed_rules(values: Vec<Option<Decimal>>) -> Rules {
    let mut r = Rules::builtin();
    for ((id, _), v) in scalar_params().iter().zip(values) {
        if let Some(v) = v {
            r.params.set(id, v, None).expect("a value within its range");
        }
    }
    r
}

fn at() -> impl Strategy<Value = NaiveDate> {
    (2018i32..2030, 1u32..=12).prop_map(|(y, m)| NaiveDate::from_ymd_opt(y, m, 28).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn facts_in_range_never_panic(f in facts_in_range(), at in at()) {
        let rules = Rules::builtin();
        let engine = Engine::new(&rules, at);
        let out = engine.try_evaluate(&f).expect("facts within range are accepted");
        let (traced, _) = engine.evaluate_traced(&f);
        prop_assert_eq!(out, traced);
    }

    #[test]
    fn facts_and_parameters_in_range_never_panic(
        f in facts_in_range(),
        values in param_values(),
        at in at(),
    ) {
        let rules = changed_rules(values);
        let engine = Engine::new(&rules, at);
        let (out, _) = engine.try_evaluate_traced(&f).expect("facts within range are accepted");
        for m in huiqi_rules::MeasureId::ALL {
            // A matching run stores every amount in fen as i64.
            prop_assert!(out.value(*m).abs() <= Decimal::from(i64::MAX / 100), "{:?}", m);
        }
    }

    #[test]
    fn facts_out_of_range_are_refused(
        f in facts_in_range(),
        which in 0..NUMBERS.len(),
        beyond in prop_oneof![
            Just(Decimal::MAX),
            Just(Decimal::MIN),
            (1i64..i64::MAX).prop_map(|d| Decimal::from(MONEY_MAX_YUAN) + Decimal::new(d, 4)),
            (1i64..i64::MAX).prop_map(|d| -Decimal::from(MONEY_MAX_YUAN) - Decimal::new(d, 4)),
            Just(Decimal::from(COUNT_MAX) + Decimal::new(1, 2)),
            Just(Decimal::new(-1, 28)),
        ],
    ) {
        let (name, signed, count) = NUMBERS[which];
        let max = Decimal::from(if count { COUNT_MAX } else { MONEY_MAX_YUAN });
        let min = if signed { -max } else { Decimal::ZERO };
        prop_assume!(beyond > max || beyond < min);
        let mut f = f;
        set(&mut f, name, beyond);
        let rules = Rules::builtin();
        let engine = Engine::new(&rules, NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        let e = engine.try_evaluate(&f).expect_err("beyond its range").to_string();
        prop_assert!(e.contains(name), "{}", e);
        prop_assert!(engine.try_evaluate_traced(&f).is_err());
    }

    #[test]
    fn parameter_values_out_of_range_are_refused(
        beyond in prop_oneof![
            Just(Decimal::MAX),
            Just(Decimal::MIN),
            Just(Decimal::NEGATIVE_ONE),
            (1i64..i64::MAX).prop_map(|d| Decimal::from(PARAM_MAX) + Decimal::new(d, 6)),
        ],
    ) {
        let mut rules = Rules::builtin();
        let e = rules.params.set("startup.annual_limit", beyond, None).unwrap_err().to_string();
        prop_assert!(e.contains("startup.annual_limit"), "{}", e);
        let e = rules.params.set("cit.statutory_rate", beyond, None).unwrap_err().to_string();
        prop_assert!(e.contains("cit.statutory_rate"), "{}", e);
    }
}

#[test]
fn rate_parameters_have_the_narrow_range() {
    let mut rules = Rules::builtin();
    assert!(
        rules
            .params
            .set("cit.statutory_rate", Decimal::from(10), None)
            .is_ok()
    );
    let e = rules
        .params
        .set("cit.statutory_rate", Decimal::from(11), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("上限 10"), "{e}");
    // A second change of a rate keeps the rate's range.
    assert!(
        rules
            .params
            .set("cit.statutory_rate", Decimal::from(1_000_000), None)
            .is_err()
    );
    assert!(
        rules
            .params
            .set("startup.annual_limit", Decimal::from(MONEY_MAX_YUAN), None)
            .is_ok()
    );
}

#[test]
fn the_issue_s_inputs_are_refused_not_panicking() {
    // issue 11: a what-if value of 7.9e28 panicked the rayon workers.
    let mut rules = Rules::builtin();
    let v: Decimal = "79000000000000000000000000000".parse().unwrap();
    assert!(rules.params.set("startup.annual_limit", v, None).is_err());
    let f = Facts {
        revenue: v,
        ..Facts::default()
    };
    let engine = Engine::new(&rules, NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
    let e = engine.try_evaluate(&f).unwrap_err().to_string();
    assert!(
        e.contains("revenue（营业收入）") && e.contains("1,000,000,000,000 元"),
        "{e}"
    );
}
