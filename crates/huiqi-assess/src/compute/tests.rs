//! One county recomputed by hand; awards that always sum to the pool; ranks, bands, fallbacks.

use super::*;
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn pack() -> huiqi_policy::Pack {
    huiqi_policy::builtin::default_pack().unwrap()
}

fn scheme() -> Scheme {
    crate::builtin::scheme(huiqi_policy::builtin::DEFAULT, &pack(), 2023).unwrap()
}

fn completions(pairs: &[(&str, Option<Decimal>)]) -> Option<BTreeMap<String, Option<Decimal>>> {
    Some(pairs.iter().map(|(t, c)| (t.to_string(), *c)).collect())
}

/// 金安区 with figures of every kind: over-fulfilled, unreported, no data yet.
fn jinan() -> Inputs {
    Inputs {
        jurisdiction: "341502".into(),
        targets_as_of: Some("2023-12".into()),
        target_completions: completions(&[
            ("new_taxpaying_entities", Some(dec!(1.05))),
            ("new_above_scale_industrial", Some(dec!(0.9))),
            ("new_above_scale_services", Some(dec!(0.8))),
            ("new_above_quota_trade", Some(dec!(1))),
            ("new_qualified_construction", Some(dec!(0.5))),
            ("new_listings", None),
            ("new_tech_smes", Some(dec!(1.2))),
            ("new_innovative_smes", Some(dec!(0.75))),
            ("new_provincial_zjtx", Some(dec!(0.6667))),
            ("tech_sme_rd_ratio", Some(dec!(0.9231))),
            ("tech_sme_researcher_ratio", Some(dec!(1.1))),
            ("new_small_micro_loans", Some(dec!(0.95))),
            ("first_loan_accounts", Some(dec!(0.88))),
            ("first_loan_amount", Some(dec!(0.7))),
            ("entrepreneur_trainings", Some(dec!(1.5))),
            ("entrepreneur_trainees", Some(dec!(0.4))),
        ]),
        task_reports_on_time: Some(Fraction::new(50, 60)),
        service_on_time: Some(Fraction::new(88, 100)),
        service_satisfaction: None,
        arrears_resolution: Some(Fraction::new(3, 4)),
        funds_use: None,
    }
}

/// Everything at or above full marks.
fn best(j: &str) -> Inputs {
    let pack = pack();
    Inputs {
        jurisdiction: j.into(),
        targets_as_of: Some("2023-12".into()),
        target_completions: Some(
            pack.targets
                .iter()
                .map(|t| (t.id.clone(), Some(Decimal::ONE)))
                .collect(),
        ),
        task_reports_on_time: Some(Fraction::new(60, 60)),
        service_on_time: Some(Fraction::new(95, 100)),
        service_satisfaction: None,
        arrears_resolution: Some(Fraction::new(4, 4)),
        funds_use: None,
    }
}

/// Nothing at all.
fn nothing(j: &str) -> Inputs {
    Inputs {
        jurisdiction: j.into(),
        task_reports_on_time: Some(Fraction::new(0, 60)),
        ..Inputs::default()
    }
}

/// The score of 金安区 worked out by hand from the scheme file, as the trace shows it.
#[test]
fn one_county_recomputed_by_hand() {
    let a = assess(&scheme(), &[jinan()]);
    let row = &a.rows[0];
    // 目标任务 (weight 50; target weights add to 50, so the points are Σ w × min(c, 1)):
    //   5×1 + 5×0.9 + 3×0.8 + 3×1 + 3×0.5 + 3×0 + 3×1 + 3×0.75 + 3×0.6667 + 2×0.9231 + 2×1
    //   + 5×0.95 + 3×0.88 + 3×0.7 + 2×1 + 2×0.4 = 39.7863 → 39.79
    let by_hand_targets = dec!(5)
        + dec!(4.5)
        + dec!(2.4)
        + dec!(3)
        + dec!(1.5)
        + dec!(0)
        + dec!(3)
        + dec!(2.25)
        + dec!(2.0001)
        + dec!(1.8462)
        + dec!(2)
        + dec!(4.75)
        + dec!(2.64)
        + dec!(2.1)
        + dec!(2)
        + dec!(0.8);
    assert_eq!(by_hand_targets, dec!(39.7863));
    // 按时报送 50/60: 15 × 50/60 = 12.50
    // 按时办结 88/100 = 0.88: 8 × (0.88 − 0.6) ÷ (0.95 − 0.6) = 8 × 0.8 = 6.40
    // 满意率: no data → 不计入
    // 清偿 3/4 = 0.75: 6 × (0.75 − 0.5) ÷ (1 − 0.5) = 3.00
    // 资金使用: first year → 不计入
    let points: Vec<Option<Decimal>> = row.indicators.iter().map(|i| i.points).collect();
    assert_eq!(
        points,
        [
            Some(dec!(39.79)),
            Some(dec!(12.50)),
            Some(dec!(6.40)),
            None,
            Some(dec!(3.00)),
            None
        ]
    );
    // Score: (39.79 + 12.50 + 6.40 + 3.00) ÷ (50 + 15 + 8 + 6) × 100 = 61.69 × 100 ÷ 79 = 78.0886… → 78.09
    assert_eq!(row.score, dec!(78.09));
    assert_eq!(row.band, "良好");
    assert_eq!(
        row.score_how,
        "为企服务满意率、上年度奖补资金使用不计入；总分 = (39.79 + 12.50 + 6.40 + 3.00) ÷ 计分权重 79 × 100 = 61.69 × 100 ÷ 79 = 78.09 分"
    );
    // The trace names every number used.
    let t = &row.indicators[0].how;
    assert!(t.contains("5×1（105.0% 封顶）"), "{t}");
    assert!(t.contains("3×0（new_listings 未报送）"), "{t}");
    assert!(
        t.starts_with("日常调度 2023-12 的完成率；得分 = 50 × "),
        "{t}"
    );
    assert!(t.ends_with("÷ 50 = 39.79 分"), "{t}");
    assert_eq!(
        row.indicators[1].how,
        "按时报送 50 ÷ 应报送 60 = 83.3%；得分 = 15 × (实际值 − 0) ÷ (1 − 0) = 12.50 分"
    );
    assert_eq!(
        row.indicators[3].how,
        "为企服务模块尚无数据，按方案不计入，总分按其余指标折算为百分制"
    );
    assert_eq!(
        row.indicators[5].how,
        "没有上年度的资金台账，按方案不计入，总分按其余指标折算为百分制"
    );
}

#[test]
fn ranks_bands_and_awards_by_band() {
    let s = scheme();
    let a = assess(
        &s,
        &[jinan(), best("341503"), nothing("341504"), best("341522")],
    );
    let got: Vec<(&str, Decimal, usize, &str, Decimal)> = a
        .rows
        .iter()
        .map(|r| {
            (
                r.jurisdiction.as_str(),
                r.score,
                r.rank,
                r.band.as_str(),
                r.award,
            )
        })
        .collect();
    // Two at 100 share rank 1; the pool 8,000,000 splits 3 : 3 : 2 (优秀, 优秀, 良好).
    assert_eq!(
        got,
        [
            ("341503", dec!(100), 1, "优秀", dec!(3000000.00)),
            ("341522", dec!(100), 1, "优秀", dec!(3000000.00)),
            ("341502", dec!(78.09), 3, "良好", dec!(2000000.00)),
            ("341504", dec!(0), 4, "不合格", dec!(0)),
        ]
    );
    assert_eq!(a.awarded_total, dec!(8000000.00));
    assert_eq!(a.unallocated, dec!(0));
    assert!(a.rows[3].award_how.contains("不合格未达到可获奖等次"));
    assert!(
        a.rows[2]
            .award_how
            .contains("8,000,000.00 元 × 等次权重 2 ÷ 可获奖县区等次权重之和 8"),
        "{}",
        a.rows[2].award_how
    );
    // No data at all for the targets scores 0 there (no_data: zero), and 0 of 60 reports is 0.
    assert!(
        a.rows[3].indicators[0]
            .how
            .contains("日常调度尚无该年度数据，按方案计 0 分")
    );
}

#[test]
fn the_remainder_goes_by_largest_remainder_then_score() {
    let mut s = scheme();
    s.award.pool = dec!(100.00);
    s.award.band_weights.insert("excellent".into(), dec!(1));
    s.award.band_weights.insert("good".into(), dec!(1));
    let mut third = best("341504");
    third.task_reports_on_time = Some(Fraction::new(59, 60)); // 99.x: still 优秀, lower score
    let mut fourth = jinan();
    fourth.jurisdiction = "341522".into();
    let a = assess(&s, &[third, best("341502"), fourth]);
    let awards: Vec<(&str, Decimal)> = a
        .rows
        .iter()
        .map(|r| (r.jurisdiction.as_str(), r.award))
        .collect();
    // 100.00 ÷ 3 = 33.333…: each 33.33, one fen left; equal remainders → the highest score.
    assert_eq!(
        awards,
        [
            ("341502", dec!(33.34)),
            ("341504", dec!(33.33)),
            ("341522", dec!(33.33))
        ]
    );
    assert_eq!(a.awarded_total, dec!(100.00));
    assert!(a.rows[0].award_how.contains("余数分配 +0.01 元"));
}

#[test]
fn proportional_awards_and_nobody_eligible() {
    let mut s = scheme();
    s.award.method = AwardMethod::Proportional;
    s.award.band_weights.clear();
    s.award.min_band = "good".into();
    s.award.pool = dec!(1000.00);
    let a = assess(&s, &[jinan(), best("341503"), nothing("341504")]);
    // 100 : 78.09 of 100,000 fen: 100,000 × 10,000 ÷ 17,809 = 56,151.33 and 100,000 × 7,809 ÷ 17,809
    // = 43,848.67 fen; rounded down 56,151 + 43,848 = 99,999; the fen left goes to the larger
    // remainder (0.67 > 0.33): 341502.
    let awards: Vec<(&str, Decimal)> = a
        .rows
        .iter()
        .map(|r| (r.jurisdiction.as_str(), r.award))
        .collect();
    assert_eq!(
        awards,
        [
            ("341503", dec!(561.51)),
            ("341502", dec!(438.49)),
            ("341504", dec!(0))
        ]
    );
    assert!(
        a.rows[1]
            .award_how
            .contains("× 得分 78.09 ÷ 可获奖县区得分之和 178.09"),
        "{}",
        a.rows[1].award_how
    );

    // Nobody reaches the minimum band: nothing is awarded and the pool is stated as unallocated.
    s.award.min_band = "excellent".into();
    let a = assess(&s, &[jinan(), nothing("341504")]);
    assert_eq!(a.awarded_total, dec!(0));
    assert_eq!(a.unallocated, dec!(1000.00));
}

#[test]
fn fallbacks_and_funds_use() {
    let mut s = scheme();
    // Rates with nothing to count follow no_cases (full here).
    let mut i = best("341502");
    i.arrears_resolution = Some(Fraction::new(0, 0));
    let a = assess(&s, &[i.clone()]);
    let arrears = &a.rows[0].indicators[4];
    assert_eq!(arrears.points, Some(dec!(6.00)));
    assert_eq!(arrears.how, "本年度已受理 0 件，按方案计满分");
    // Funds: 90% spent reaches full marks; 45% is half; no award but own funds ≥ 100,000 → full.
    let funds = |f| {
        let mut i = best("341502");
        i.funds_use = Some(f);
        assess(&s, &[i]).rows[0].indicators[5].clone()
    };
    let half = funds(FundsUse::Awarded {
        awarded: dec!(2000000),
        spent: dec!(900000),
    });
    assert_eq!(half.points, Some(dec!(7.50)), "{}", half.how);
    assert!(
        half.how.contains("上年度奖补 2,000,000.00 元"),
        "{}",
        half.how
    );
    let full = funds(FundsUse::Awarded {
        awarded: dec!(2000000),
        spent: dec!(1800000),
    });
    assert_eq!(full.points, Some(dec!(15.00)));
    let own = funds(FundsUse::NotAwarded {
        own_funded: dec!(100000),
    });
    assert_eq!(own.points, Some(dec!(15.00)), "{}", own.how);
    assert!(own.how.contains("未获得激励的县（区）需自行安排资金"));
    let too_little = funds(FundsUse::NotAwarded {
        own_funded: dec!(99999.99),
    });
    assert_eq!(too_little.points, Some(dec!(0)));
    // With every indicator present the score is the plain sum.
    let mut all = best("341502");
    all.service_satisfaction = Some(Fraction::new(9, 10));
    all.funds_use = Some(FundsUse::NotAwarded {
        own_funded: dec!(0),
    });
    let r = &assess(&s, &[all]).rows[0];
    // 50 + 15 + 8 + 6 × (0.9 − 0.6) ÷ 0.35 (= 5.142… → 5.14) + 6 + 0 = 84.14
    assert_eq!(r.score, dec!(84.14));
    assert_eq!(r.band, "良好");
    assert!(
        r.score_how
            .starts_with("总分 = 50.00 + 15.00 + 8.00 + 5.14 + 6.00 + 0.00")
    );
    // no_data: zero for the target indicator, full when the scheme says so.
    s.indicators[0].no_data = Fallback::Full;
    let r = &assess(&s, &[nothing("341504")]).rows[0];
    assert_eq!(r.indicators[0].points, Some(dec!(50.00)));
}

#[test]
fn what_if_side_by_side() {
    let a_scheme = scheme();
    let mut b_scheme = scheme();
    b_scheme.version = "2023-v2".into();
    b_scheme.bands[1].min = dec!(80); // 良好 needs 80
    let inputs = [jinan(), best("341503")];
    let (a, b) = (assess(&a_scheme, &inputs), assess(&b_scheme, &inputs));
    let cmp = compare(&a, &b);
    let j = cmp.iter().find(|c| c.jurisdiction == "341502").unwrap();
    assert_eq!(j.band, ("良好".to_string(), "合格".to_string()));
    assert_eq!(j.score, (dec!(78.09), dec!(78.09)));
    assert!(j.award.1 < j.award.0);
}

fn arb_inputs() -> impl Strategy<Value = Vec<(u32, u32, u32)>> {
    // Per jurisdiction: on-time reports out of 60, service on time out of 100, arrears resolved of 10.
    proptest::collection::vec((0u32..=60, 0u32..=100, 0u32..=10), 1..9)
}

proptest! {
    /// Whatever the scores and pool, under either method: the awards sum to the pool to the fen
    /// (or to nothing, with the pool stated as unallocated), nobody below the minimum band gets
    /// anything, and a higher score never gets less.
    #[test]
    fn awards_always_sum_to_the_pool(
        rows in arb_inputs(),
        pool_fen in 0i64..10_000_000_000,
        proportional in any::<bool>(),
    ) {
        let mut s = scheme();
        s.award.pool = from_fen(pool_fen);
        if proportional {
            s.award.method = AwardMethod::Proportional;
            s.award.band_weights.clear();
        }
        let ids = ["341502", "341503", "341504", "341522", "341523", "341524", "341525", "luan-etdz"];
        let inputs: Vec<Inputs> = rows
            .iter()
            .enumerate()
            .map(|(i, (r, sv, ar))| {
                let mut x = best(ids[i]);
                x.task_reports_on_time = Some(Fraction::new(*r, 60));
                x.service_on_time = Some(Fraction::new(*sv, 100));
                x.arrears_resolution = Some(Fraction::new(*ar, 10));
                x
            })
            .collect();
        let a = assess(&s, &inputs);
        let sum: Decimal = a.rows.iter().map(|r| r.award).sum();
        prop_assert_eq!(sum, a.awarded_total);
        prop_assert_eq!(a.awarded_total + a.unallocated, from_fen(pool_fen));
        let any_eligible = a.rows.iter().any(|r| s.eligible(&r.band_id));
        if any_eligible {
            prop_assert_eq!(a.unallocated, Decimal::ZERO);
        }
        for r in &a.rows {
            if !s.eligible(&r.band_id) {
                prop_assert_eq!(r.award, Decimal::ZERO);
            }
        }
        for w in a.rows.windows(2) {
            // Rows are best first; a fen of remainder may favour either of two equal shares only.
            prop_assert!(w[0].award + dec!(0.01) >= w[1].award);
            prop_assert!(w[0].score >= w[1].score);
        }
    }
}
