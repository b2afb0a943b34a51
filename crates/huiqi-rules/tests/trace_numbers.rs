//! Amounts in explanations read with 千分位 and 元 (`⇒ 结果：112,096.28 元`), thresholds with
//! their unit (`≤ 3,000,000 元`), and every fact that decides a measure is reported.

use chrono::NaiveDate;
use huiqi_domain::{EntityKind, Facts};
use huiqi_rules::trace::Step;
use huiqi_rules::{Engine, MeasureId, Rules};
use rust_decimal::Decimal;

fn yuan(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn firm() -> Facts {
    Facts {
        uscc: "91341500MA2N000001".into(),
        name: "测试有限公司".into(),
        kind: EntityKind::Enterprise,
        county: "341502".into(),
        industry: "C13".into(),
        employees: Decimal::from(40),
        revenue: yuan("12345678.90"),
        total_assets: yuan("23456789.00"),
        taxable_income: yuan("2241925.60"),
        vat_small_scale: true,
        vat_sales_q1: yuan("250000.00"),
        vat_sales_q2: yuan("1234567.89"),
        vat_sales_q3: yuan("0"),
        vat_sales_q4: yuan("300000.00"),
        property_tax: yuan("12000.00"),
        stamp_duty: yuan("3456.78"),
        rd_expense: yuan("1500000.00"),
        ..Facts::default()
    }
}

#[test]
fn amounts_in_traces_have_thousands_separators_and_units() {
    let rules = Rules::builtin();
    let engine = Engine::new(&rules, NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
    let (out, trace) = engine.evaluate_traced(&firm());
    let text = trace.to_text();
    // The result of each money measure: 千分位 and 元, exactly the output.
    for m in [
        MeasureId::CitRelief,
        MeasureId::VatRelief,
        MeasureId::SixTaxesRelief,
    ] {
        let shown = huiqi_domain::numbers::yuan(out.value(m));
        assert!(shown.contains(','), "{m:?}: {shown}");
        assert_eq!(trace.measure(m.as_str()).unwrap().result, shown);
        assert!(text.contains(&format!("⇒ 结果：{shown}")), "{text}");
    }
    // Thresholds with their unit; facts with 千分位.
    assert!(text.contains("≤ 3,000,000 元"), "{text}");
    assert!(text.contains("≤ 300 人"), "{text}");
    assert!(
        text.contains("第2季度销售额 1,234,567.89 元 > 300,000 元"),
        "{text}"
    );
    assert!(text.contains("事实 rd_expense = 1,500,000.00 元"), "{text}");
    assert!(text.contains("参数 小型微利企业年度应纳税所得额上限（含本数）（cit.small_low_profit.max_taxable_income）= 3,000,000 元"), "{text}");
    // No amount of four or more digits without its separator anywhere in the explanation of
    // the amounts (dates and ids aside).
    for line in text.lines().filter(|l| l.contains('元')) {
        let bare = regex_free_bare_amount(line);
        assert!(bare.is_none(), "{line}: {bare:?}");
    }
    // The facts that decide VAT relief are its four quarters; 六税两费 each of its taxes.
    let facts = |m: MeasureId| -> Vec<&'static str> {
        trace
            .measure(m.as_str())
            .unwrap()
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Fact { name, .. } => Some(*name),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        facts(MeasureId::VatRelief),
        [
            "vat_sales_q1",
            "vat_sales_q2",
            "vat_sales_q3",
            "vat_sales_q4"
        ]
    );
    assert_eq!(facts(MeasureId::SixTaxesRelief).len(), 8);
    assert!(facts(MeasureId::RdExtraDeduction).contains(&"rd_expense"));
}

/// A run of five or more digits before a decimal point or 元 with no comma: an amount
/// without 千分位 (`112096.28 元`).
fn regex_free_bare_amount(line: &str) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after: String = chars[i..].iter().take(3).collect();
            let amount = after.starts_with('.') || after.trim_start().starts_with('元');
            if i - start >= 4
                && amount
                && !matches!(before, Some(',' | '.' | '-' | '_'))
                && !line.contains(&format!("{}-", chars[start..i].iter().collect::<String>()))
            {
                return Some(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}
