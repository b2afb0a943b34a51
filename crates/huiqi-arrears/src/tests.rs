use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{DueInput, InterestInput, Params, PayerKind, cases};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn builtin_parameters_are_valid() {
    let p = Params::builtin();
    assert_eq!(p.regulations.len(), 2);
    assert_eq!(p.regulation_on(d("2025-05-31")).unwrap().id, "728");
    assert_eq!(p.regulation_on(d("2025-06-01")).unwrap().id, "802");
    assert!(p.regulation_on(d("2020-08-31")).is_none());
    assert_eq!(
        p.lpr_on(d("2023-08-21")).unwrap().rate,
        Decimal::new(345, 2)
    );
    assert_eq!(
        p.lpr_on(d("2023-08-20")).unwrap().rate,
        Decimal::new(355, 2)
    );
    assert!(p.lpr_on(d("2019-08-19")).is_none());
}

#[test]
fn every_yaml_case_passes() {
    let p = Params::builtin();
    let cases = cases::parse("cases.yaml", cases::BUILTIN_YAML).unwrap();
    assert!(cases.len() >= 30, "{}", cases.len());
    let failures = cases::run_all(&p, &cases);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A case runner that accepted anything would pass the file: a wrong expectation must fail.
#[test]
fn a_wrong_expectation_fails() {
    let p = Params::builtin();
    let text = cases::BUILTIN_YAML.replacen("interest: \"15000.00\"", "interest: \"15000.01\"", 1);
    let cases = cases::parse("x", &text).unwrap();
    let failures = cases::run_all(&p, &cases);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(failures[0].1.contains("15000.01"), "{failures:?}");
}

#[test]
fn bad_parameters_are_refused_with_what_to_fix() {
    let bad = crate::params::BUILTIN_YAML.replace("value: \"0.0005\"", "value: \"5\"");
    let err = Params::from_yaml("p.yaml", &bad).unwrap_err().to_string();
    assert!(
        err.contains("p.yaml") && err.contains("default_daily_rate"),
        "{err}"
    );
    let unordered = crate::params::BUILTIN_YAML.replace("2019-09-20", "2019-08-01");
    let err = Params::from_yaml("p.yaml", &unordered)
        .unwrap_err()
        .to_string();
    assert!(err.contains("LPR 须按公布日期递增"), "{err}");
    let unknown = format!("{}\nextra: 1\n", crate::params::BUILTIN_YAML);
    assert!(Params::from_yaml("p.yaml", &unknown).is_err());
}

#[test]
fn interest_is_exact_over_many_amounts() {
    // amount × 0.0005 × days is exact in Decimal: it equals fen arithmetic done by hand.
    let p = Params::builtin();
    for fen in [1_i64, 99, 10_000, 12_345_678, 99_999_999_999] {
        for days in [1_i64, 7, 30, 365] {
            let amount = Decimal::new(fen, 2);
            let r = crate::interest(
                &p,
                &InterestInput {
                    amount,
                    due: d("2024-01-01"),
                    paid: d("2024-01-01") + chrono::Days::new(days as u64),
                    agreed_rate: None,
                    contract_date: d("2023-12-01"),
                    delivered: None,
                },
            )
            .unwrap();
            // fen × 5 × days / 10000 fen, half up.
            let num = i128::from(fen) * 5 * i128::from(days);
            let want = (num + 5_000) / 10_000;
            assert_eq!(
                r.interest,
                Decimal::from_i128_with_scale(want, 2),
                "{fen} {days}"
            );
            assert_eq!(r.overdue_days, days);
        }
    }
}

#[test]
fn due_names_the_version_and_cites_its_articles() {
    let p = Params::builtin();
    let r = crate::due(
        &p,
        &DueInput {
            payer: Some(PayerKind::Government),
            contract_date: Some(d("2024-03-01")),
            delivered: Some(d("2024-03-10")),
            ..DueInput::default()
        },
    )
    .unwrap();
    assert!(r.regulation.contains("第728号"));
    assert!(
        r.trace.iter().any(|t| t.contains("第八条")),
        "{:?}",
        r.trace
    );
    let r = crate::due(
        &p,
        &DueInput {
            payer: Some(PayerKind::Government),
            contract_date: Some(d("2025-06-01")),
            delivered: Some(d("2025-06-10")),
            ..DueInput::default()
        },
    )
    .unwrap();
    assert!(r.regulation.contains("第802号"));
    assert!(
        r.trace.iter().any(|t| t.contains("待核实")),
        "{:?}",
        r.trace
    );
    let missing = crate::due(&p, &DueInput::default())
        .unwrap_err()
        .to_string();
    assert!(missing.contains("付款方类型"), "{missing}");
}
