//! The built-in scheme loads; every kind of mistake in a scheme file is named with its line and id.

use super::*;

fn pack() -> Pack {
    huiqi_policy::builtin::default_pack().unwrap()
}

#[test]
fn the_built_in_scheme_of_2023_loads() {
    let pack = pack();
    let s = crate::builtin::scheme(huiqi_policy::builtin::DEFAULT, &pack, 2023).unwrap();
    assert_eq!(s.year, 2023);
    let total: Decimal = s.indicators.iter().map(|i| i.weight).sum();
    assert_eq!(total, Decimal::ONE_HUNDRED);
    // Every target of the pack is weighed, and the target weights add up to the indicator's.
    let Rule::TargetCompletion { targets, .. } = &s.indicator("targets").unwrap().rule else {
        panic!("targets indicator")
    };
    assert_eq!(targets.len(), pack.targets.len());
    assert_eq!(
        targets.iter().map(|t| t.weight).sum::<Decimal>(),
        Decimal::from(50)
    );
    assert_eq!(s.band_of(Decimal::from(85)), ("excellent", "优秀"));
    assert_eq!(s.band_of("84.99".parse().unwrap()), ("good", "良好"));
    assert_eq!(s.band_of(Decimal::from(60)), ("pass", "合格"));
    assert_eq!(s.band_of("59.99".parse().unwrap()), ("fail", "不合格"));
    assert!(s.eligible("pass") && s.eligible("excellent") && !s.eligible("fail"));
    assert!(crate::builtin::scheme(huiqi_policy::builtin::DEFAULT, &pack, 1999).is_err());
}

const GOOD: &str = r#"id: t
version: v1
title: 测试方案
year: 2023
status: draft
basis: { article: 19, quote: q }
indicators:
  - id: targets
    name: 目标
    article: 1
    measure: m
    weight: "60"
    rule:
      kind: target_completion
      cap: "1"
      targets:
        - { target: new_listings, weight: "1" }
    no_data: zero
  - id: reports
    name: 报送
    article: 16
    measure: m
    weight: "40"
    rule: { kind: rate, input: task_reports_on_time, zero_at: "0", full_at: "1" }
    no_data: zero
    no_cases: full
bands:
  - { id: a, name: 优秀, min: "85" }
  - { id: b, name: 合格, min: "60" }
below_bands: { id: c, name: 不合格 }
award:
  pool: "100.00"
  method: by_band
  min_band: b
  band_weights: { a: "2", b: "1" }
  remainder: largest_remainder
"#;

fn load(text: &str) -> Result<Scheme, DataErrors> {
    Scheme::load("s.yaml", text, &pack())
}

#[test]
fn a_small_scheme_loads() {
    let s = load(GOOD).unwrap();
    assert_eq!(s.indicators.len(), 2);
    assert_eq!(s.award.band_weights.len(), 2);
}

/// Each mistake, made in an otherwise good file, gives the expected message at the expected line.
#[test]
fn every_mistake_is_named_with_line_and_id() {
    let cases: [(&str, &str, &str); 14] = [
        // (replace, with, expected text in the message)
        (
            "weight: \"40\"",
            "weight: \"30\"",
            "各指标权重之和为 90，须为 100",
        ),
        (
            "weight: \"40\"",
            "weight: 40.0",
            "第23行 [reports]：YAML 格式错误：数值 40 写成了浮点数",
        ),
        (
            "target: new_listings",
            "target: new_listing",
            "第17行 [new_listing]：目标 new_listing 在政策包 targets.yaml 中不存在",
        ),
        (
            "cap: \"1\"",
            "cap: \"2\"",
            "第8行 [targets]：指标 targets 的完成率封顶 cap = 2",
        ),
        (
            "zero_at: \"0\"",
            "zero_at: \"1\"",
            "[reports]：指标 reports 的计分区间",
        ),
        (
            "    no_cases: full\n",
            "",
            "[reports]：指标 reports 须写明 no_cases",
        ),
        (
            "    no_data: zero\n  - id: reports",
            "    no_data: zero\n    no_cases: full\n  - id: reports",
            "[targets]：指标 targets 按目标完成率计分",
        ),
        (
            "input: task_reports_on_time",
            "input: reports",
            "取值 `reports` 不在允许范围内",
        ),
        ("min: \"60\"", "min: \"90\"", "[b]：等次须从高到低排列"),
        (
            "min_band: b",
            "min_band: x",
            "[x]：min_band “x” 不是等次 id",
        ),
        (
            "band_weights: { a: \"2\", b: \"1\" }",
            "band_weights: { a: \"2\" }",
            "缺少 b（合格）",
        ),
        (
            "method: by_band",
            "method: proportional",
            "proportional）不用 band_weights",
        ),
        (
            "pool: \"100.00\"",
            "pool: \"100.001\"",
            "奖补资金池 pool = 100.001",
        ),
        (
            "article: 16",
            "article: 30",
            "[reports]：指标 reports 引用的第30条不存在",
        ),
    ];
    for (from, to, want) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        let e = load(&text).expect_err(want);
        let msg = e.to_string();
        assert!(msg.contains(want), "{from} → {to}: want “{want}” in\n{msg}");
        assert!(msg.contains("s.yaml"), "{msg}");
    }
    // Unknown keys, also inside a rule.
    let msg = load(&GOOD.replacen("cap: \"1\"", "cap: \"1\"\n      capp: \"1\"", 1))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("未知字段 `capp`") && msg.contains("[targets]"),
        "{msg}"
    );
    let msg = load(&format!("{GOOD}extra: 1\n")).unwrap_err().to_string();
    assert!(msg.contains("未知字段 `extra`"), "{msg}");
    // Several problems at once are all reported.
    let text = GOOD
        .replacen("weight: \"40\"", "weight: \"30\"", 1)
        .replacen("min_band: b", "min_band: x", 1);
    assert_eq!(load(&text).unwrap_err().0.len(), 2, "weights, min_band");
}
