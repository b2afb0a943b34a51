//! Table-driven: every period kind and every status boundary.

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn target(period: Period, unit: MeasureUnit, value: &str) -> Target {
    Target {
        id: "t".into(),
        article: Some(1),
        indicator: "测试".into(),
        subject: None,
        value: d(value),
        unit: Some(unit),
        comparison: Comparison::AtLeast,
        period,
        units: vec!["tax".into()],
        quote: String::new(),
        note: None,
    }
}

#[test]
fn months_parse_and_count() {
    assert_eq!(
        m("2023-06").last_day(),
        NaiveDate::from_ymd_opt(2023, 6, 30).unwrap()
    );
    assert_eq!(
        m("2024-02").last_day(),
        NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
    );
    assert_eq!(m("2023-12").next(), m("2024-01"));
    assert!(Month::parse("2023-13").is_err() && Month::parse("2023/06").is_err());
}

#[test]
fn time_progress_per_kind_and_across_a_year_end() {
    let s = Settings::default();
    assert_eq!(
        time_progress(&Period::EachYear, m("2023-06"), &s),
        Some(d("0.5"))
    );
    assert_eq!(
        time_progress(&Period::EachYear, m("2023-12"), &s),
        Some(d("1"))
    );
    // Yearly targets restart in January.
    assert_eq!(
        time_progress(&Period::EachYear, m("2024-01"), &s)
            .unwrap()
            .round_dp(4),
        d("0.0833")
    );
    let cum = Period::Cumulative {
        until: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
    };
    assert_eq!(time_progress(&cum, m("2023-12"), &s), Some(d("0.5")));
    assert_eq!(time_progress(&cum, m("2025-03"), &s), Some(d("1")));
    let by = Period::ByDate {
        date: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
    };
    assert_eq!(time_progress(&by, m("2023-06"), &s), None);
}

#[test]
fn status_boundaries_for_yearly_targets() {
    let s = Settings::default(); // red margin 10 points
    let t = target(Period::EachYear, MeasureUnit::Jia, "120");
    // June: time progress 50%.
    let cases = [
        ("60", Status::Green),  // exactly on time progress
        ("59", Status::Yellow), // just behind
        ("48", Status::Yellow), // 40%: exactly at the margin
        ("47.99", Status::Red), // just past the margin
        ("200", Status::Green), // ahead
    ];
    for (actual, want) in cases {
        let a = assess(&t, "341502", t.value, Some(d(actual)), m("2023-06"), &s);
        assert_eq!(a.status, want, "{actual}: {}", a.reason);
        assert_eq!(a.time_progress, Some(d("0.5")));
    }
    let missing = assess(&t, "341502", t.value, None, m("2023-06"), &s);
    assert_eq!((missing.status, missing.completion), (Status::Red, None));
    assert!(missing.reason.contains("未报送"));
}

#[test]
fn by_date_and_ratio_targets_compare_with_the_target_not_time() {
    let s = Settings::default();
    let t = target(
        Period::ByDate {
            date: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
        },
        MeasureUnit::Percent,
        "1.3",
    );
    let cases = [
        ("2023-06", "1.3", Status::Green),
        ("2023-06", "1.17", Status::Yellow), // 90%: at the margin
        ("2023-06", "1.16", Status::Red),
        ("2023-12", "1.29", Status::Red), // the date has come: overdue
        ("2024-03", "1.31", Status::Green),
    ];
    for (at, actual, want) in cases {
        let a = assess(&t, "341502", t.value, Some(d(actual)), m(at), &s);
        assert_eq!(a.status, want, "{at} {actual}: {}", a.reason);
        assert_eq!(a.time_progress, None);
    }
}

#[test]
fn cumulative_targets_are_overdue_after_their_date() {
    let s = Settings::default();
    let t = target(
        Period::Cumulative {
            until: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
        },
        MeasureUnit::Hu,
        "1500",
    );
    assert_eq!(
        assess(&t, "x", t.value, Some(d("1499")), m("2023-12"), &s).status,
        Status::Yellow
    );
    assert_eq!(
        assess(&t, "x", t.value, Some(d("1499")), m("2024-01"), &s).status,
        Status::Red
    );
    assert_eq!(
        assess(&t, "x", t.value, Some(d("1500")), m("2024-01"), &s).status,
        Status::Green
    );
}

#[test]
fn at_most_targets_invert_completion() {
    let s = Settings::default();
    let mut t = target(Period::EachYear, MeasureUnit::Percent, "5");
    t.comparison = Comparison::AtMost;
    let a = assess(&t, "x", t.value, Some(d("4")), m("2023-12"), &s);
    assert_eq!((a.status, a.completion), (Status::Green, Some(d("1.25"))));
    assert_eq!(
        assess(&t, "x", t.value, Some(d("10")), m("2023-12"), &s).status,
        Status::Red
    );
}

#[test]
fn table_ranking_and_weights() {
    let pack = huiqi_policy::builtin::default_pack().unwrap();
    let s = Settings::default();
    let reports = demo::reports(&pack, 2023, 6);
    let actuals: BTreeMap<(String, String), Decimal> = reports
        .iter()
        .filter(|r| r.month == m("2023-06"))
        .map(|r| ((r.target.clone(), r.jurisdiction.clone()), r.value))
        .collect();
    let rows = table(&pack, m("2023-06"), &BTreeMap::new(), &actuals, &s);
    assert_eq!(
        rows.len(),
        pack.targets.len() * (pack.jurisdictions.len() + 1)
    );
    // 舒城县 skipped June in the demo data: red, not reported.
    let shucheng = rows
        .iter()
        .find(|r| r.target == "new_listings" && r.jurisdiction == "341523")
        .unwrap();
    assert_eq!((shucheng.status, shucheng.actual), (Status::Red, None));
    // Every status occurs in a believable picture.
    for st in [Status::Green, Status::Yellow, Status::Red] {
        assert!(rows.iter().any(|r| r.status == st), "{st:?}");
    }
    let overall = rank_overall(&rows, &s);
    assert_eq!(overall.len(), 8);
    assert_eq!(
        overall[0].jurisdiction, "341502",
        "金安区 has the fastest pace in the demo"
    );
    let per = rank_target(&rows, "new_taxpaying_entities");
    assert_eq!(
        per.last().unwrap().jurisdiction,
        "341523",
        "no June report ranks last"
    );
    // Weighting one target heavily changes the overall order toward it.
    let mut w = s.clone();
    w.weights.insert("new_listings".into(), Decimal::from(1000));
    let listing_best = rank_target(&rows, "new_listings")[0].jurisdiction.clone();
    assert_eq!(rank_overall(&rows, &w)[0].jurisdiction, listing_best);
}

#[test]
fn computed_values_replace_reports_and_say_how() {
    let pack = huiqi_policy::builtin::default_pack().unwrap();
    let s = Settings::default();
    let at = m("2023-06");
    // 金安区 reported 40 科技型中小企业 and 2 挂牌; the registry computed 7 and 2 科技型中小企业 for the
    // first two jurisdictions, none for the rest.
    let reported: BTreeMap<(String, String), Decimal> = [
        (("new_tech_smes".to_string(), "341502".to_string()), d("40")),
        (("new_listings".to_string(), "341502".to_string()), d("2")),
    ]
    .into_iter()
    .collect();
    let ids: Vec<String> = pack.jurisdictions.iter().map(|j| j.id.clone()).collect();
    let by: BTreeMap<String, Decimal> = [(ids[0].clone(), d("7")), (ids[1].clone(), d("2"))]
        .into_iter()
        .collect();
    let computed = [Computed {
        target: "new_tech_smes",
        by_jurisdiction: &by,
        how: "认定名单中 2023-01-01 至 2023-06-30 认定的科技型中小企业数",
    }];
    let rows = table_with_computed(&pack, at, &BTreeMap::new(), &reported, &computed, &s);
    let get = |t: &str, j: &str| {
        rows.iter()
            .find(|r| r.target == t && r.jurisdiction == j)
            .unwrap()
    };
    assert_eq!(get("new_tech_smes", &ids[0]).actual, Some(d("7")));
    // A jurisdiction the registry has nothing for computed 0 (not "unreported").
    assert_eq!(get("new_tech_smes", &ids[5]).actual, Some(d("0")));
    // The city row is the sum, as for reports, and every row of the target says how.
    assert_eq!(get("new_tech_smes", "city").actual, Some(d("9")));
    for j in ids.iter().map(String::as_str).chain(["city"]) {
        assert!(
            get("new_tech_smes", j).reason.contains("计算：认定名单中"),
            "{j}: {}",
            get("new_tech_smes", j).reason
        );
    }
    // Other targets keep their reports and their reasons.
    assert_eq!(get("new_listings", &ids[0]).actual, Some(d("2")));
    assert!(!get("new_listings", &ids[0]).reason.contains("计算"));
    assert_eq!(get("new_listings", &ids[1]).actual, None);
}

/// Each period kind of the pack read as its article says, at 2023-09: “每年” and “到2023年底…新增”
/// are flows with a 序时进度 of 9/12, “累计新增” counts from the policy's first January, a ratio
/// “不低于” by a date has none.
#[test]
fn the_packs_period_kinds_at_2023_09() {
    let pack = huiqi_policy::builtin::default_pack().unwrap();
    let s = Settings::default();
    let at = m("2023-09");
    let kind = |id: &str| pack.target(id).unwrap().period.kind();
    assert_eq!(kind("new_taxpaying_entities"), "each_year");
    assert_eq!(kind("new_small_micro_loans"), "added_by");
    assert_eq!(kind("first_loan_accounts"), "cumulative");
    assert_eq!(kind("tech_sme_rd_ratio"), "by_date");
    for (id, want) in [
        ("new_taxpaying_entities", Some(d("0.75"))),
        ("new_small_micro_loans", Some(d("0.75"))),
        ("first_loan_accounts", Some(d("0.75"))),
        ("tech_sme_rd_ratio", None),
    ] {
        let t = pack.target(id).unwrap();
        assert_eq!(time_progress(&t.period, at, &s), want, "{id}");
    }
    // The loans row (245 亿元 added in 2023): 180 亿元 by September is 73.5%, within 10 points of
    // the 序时进度 75% — yellow with its 序时进度, not red with “—”.
    let loans = pack.target("new_small_micro_loans").unwrap();
    let a = assess(loans, "city", loans.value, Some(d("180")), at, &s);
    assert_eq!(a.time_progress, Some(d("0.75")));
    assert_eq!(a.status, Status::Yellow, "{}", a.reason);
    assert!(a.reason.contains("序时进度 75.0%"), "{}", a.reason);
    // 150 亿元 (61.2%) is more than 10 points behind: red, for that reason.
    let a = assess(loans, "city", loans.value, Some(d("150")), at, &s);
    assert_eq!(a.status, Status::Red, "{}", a.reason);
    assert!(a.reason.contains("落后序时进度 75.0%"), "{}", a.reason);
    // After 2023-12-31 an unmet flow is overdue; a met one stays green.
    assert_eq!(
        assess(loans, "city", loans.value, Some(d("244")), m("2024-01"), &s).status,
        Status::Red
    );
    assert_eq!(
        assess(loans, "city", loans.value, Some(d("245")), m("2024-01"), &s).status,
        Status::Green
    );
    // Before its year a flow has not started.
    assert_eq!(time_progress(&loans.period, m("2022-12"), &s), Some(d("0")));
}

/// 15 of 19 is 78.9%, rounded once from the exact fraction, in the reason as on a page.
#[test]
fn completion_is_rounded_once() {
    let s = Settings::default();
    let t = target(Period::EachYear, MeasureUnit::Jia, "19");
    let a = assess(&t, "341502", t.value, Some(d("15")), m("2023-12"), &s);
    let c = a.completion.unwrap();
    assert_eq!(huiqi_domain::numbers::percent(c), "78.9%");
    assert!(a.reason.contains("完成率 78.9%"), "{}", a.reason);
    assert!(!a.reason.contains("79.0%"), "{}", a.reason);
    assert_eq!(r4(c), d("0.7895"));
}
