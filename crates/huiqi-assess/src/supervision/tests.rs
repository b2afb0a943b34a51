//! Periods, the built-in file, the loader's refusals and every colour boundary.

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn p(s: &str) -> CyclePeriod {
    CyclePeriod::parse(s).unwrap()
}

fn pack() -> Pack {
    huiqi_policy::builtin::default_pack().unwrap()
}

fn config() -> SupervisionConfig {
    crate::builtin::supervision(huiqi_policy::builtin::DEFAULT, &pack()).unwrap()
}

#[test]
fn periods_parse_print_and_bound() {
    for s in ["2023-09", "2023-Q3", "2023-H2", "2023"] {
        assert_eq!(p(s).to_string(), s);
    }
    assert_eq!(p("2023-Q3").start(), day("2023-07-01"));
    assert_eq!(p("2023-Q3").end(), day("2023-09-30"));
    assert_eq!(p("2023-Q4").end(), day("2023-12-31"));
    assert_eq!(p("2024-02").end(), day("2024-02-29"));
    assert_eq!(p("2023-H1").end(), day("2023-06-30"));
    assert_eq!(p("2023").start(), day("2023-01-01"));
    assert_eq!(p("2023-Q4").due(10), day("2024-01-10"));
    assert_eq!(p("2024-Q1").previous(), p("2023-Q4"));
    assert_eq!(p("2024-01").previous(), p("2023-12"));
    assert_eq!(p("2023-H2").previous(), p("2023-H1"));
    assert_eq!(
        CyclePeriod::containing(Cycle::Quarterly, day("2023-09-30")),
        p("2023-Q3")
    );
    assert_eq!(
        CyclePeriod::containing(Cycle::HalfYearly, day("2023-07-01")),
        p("2023-H2")
    );
    assert_eq!(p("2023-Q3").label(), "2023年第三季度");
    assert_eq!(p("2023-H1").label(), "2023年上半年");
    for bad in [
        "2023-Q5", "2023-Q0", "2023-13", "2023-H3", "23-Q1", "2023-9", "2023/09", "",
    ] {
        let e = CyclePeriod::parse(bad).unwrap_err().to_string();
        assert!(e.contains("不是报告期"), "{bad}: {e}");
    }
    assert_eq!(
        CyclePeriod::of_year(Cycle::Quarterly, 2023)
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    );
}

#[test]
fn the_built_in_file_loads_and_gives_every_line() {
    let pack = pack();
    let cfg = config();
    assert_eq!(cfg.default_cycle, Cycle::Quarterly);
    assert_eq!(cfg.cycle_of("no_application_benefits"), Cycle::Monthly);
    assert_eq!(cfg.cycle_of("tiered_cultivation"), Cycle::Quarterly);
    let lines = cfg.lines(&pack);
    let n = pack.jurisdictions.len();
    // Expected count from the pack: named units × jurisdictions, plus the jurisdictions' own lines
    // for 各地各部门 tasks; working_group only its jurisdictions; county_assessment none.
    let mut expected = 0;
    for t in &pack.tasks {
        expected += match t.id.as_str() {
            "county_assessment" => 0,
            "working_group" => n,
            _ if t.units.is_empty() => n,
            _ if t.all_units => (t.units.len() + 1) * n,
            _ => t.units.len() * n,
        };
    }
    assert_eq!(lines.len(), expected);
    assert!(lines.iter().all(|l| l.task != "county_assessment"));
    assert!(
        lines
            .iter()
            .filter(|l| l.task == "working_group")
            .all(|l| l.unit.is_none())
    );
    // Every line is unique.
    let set: BTreeSet<&Line> = lines.iter().collect();
    assert_eq!(set.len(), lines.len());
    // A named task: each unit in each jurisdiction.
    let tax_jinan = lines
        .iter()
        .filter(|l| l.task == "individual_to_enterprise" && l.jurisdiction == "341502")
        .map(|l| l.unit.clone().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(tax_jinan, ["market_regulation", "tax"]);
    assert!(cfg.rule("publicity_campaign").cases);
    assert_eq!(
        cfg.rule("enterprise_service").figures,
        Some(Figures::Service)
    );
    assert_eq!(
        cfg.rule("late_payment_prevention").figures,
        Some(Figures::Arrears)
    );
}

#[test]
fn the_loader_names_file_line_and_id_for_every_problem() {
    let pack = pack();
    let text = "version: v\nbasis: { article: 16, quote: q }\ndefault_cycle: quarterly\ndue_days: 90\nred_after_days: 0\norder_reply_days: 7\ntasks:\n  - task: no_such_task\n  - task: enterprise_service\n    lines: units\n  - task: listing_support\n    supervised: false\n  - task: listing_support\n";
    let e = SupervisionConfig::load("s.yaml", text, &pack).unwrap_err();
    let all = e.to_string();
    assert_eq!(e.0.len(), 6, "{all}");
    assert!(all.contains("due_days = 90"), "{all}");
    assert!(all.contains("red_after_days = 0"), "{all}");
    assert!(all.contains("s.yaml 第8行 [no_such_task]"), "{all}");
    assert!(all.contains("s.yaml 第9行 [enterprise_service]"), "{all}");
    assert!(all.contains("note 中写明原因"), "{all}");
    assert!(
        all.contains("[listing_support]：任务 listing_support 重复列出"),
        "{all}"
    );

    // Unknown keys and wrong values are refused with the line and the item.
    let text = "version: v\nbasis: { article: 16, quote: q }\ndefault_cycle: quarterly\ndue_days: 10\nred_after_days: 15\norder_reply_days: 7\ntasks:\n  - task: listing_support\n    cycel: monthly\n";
    let e = SupervisionConfig::load("s.yaml", text, &pack).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("第9行") && msg.contains("[listing_support]"),
        "{msg}"
    );
    assert!(msg.contains("未知字段 `cycel`"), "{msg}");
    let text = "version: v\nbasis: { article: 16, quote: q }\ndefault_cycle: weekly\ndue_days: 10\nred_after_days: 15\norder_reply_days: 7\n";
    let msg = SupervisionConfig::load("s.yaml", text, &pack)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("第3行") && msg.contains("weekly"), "{msg}");
    let text = "version: v\nbasis: { article: 16, quote: q }\ndefault_cycle: quarterly\ndue_days: 10.5\nred_after_days: 15\norder_reply_days: 7\n";
    let msg = SupervisionConfig::load("s.yaml", text, &pack)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("第4行"), "{msg}");
}

fn reported(on: &str, status: ReportStatus) -> Option<Reported> {
    Some(Reported {
        first_on: day(on),
        status,
    })
}

#[test]
fn colours_at_every_boundary() {
    let cfg = config(); // due 10 days after the period, red 15 days after that
    let q3 = p("2023-Q3"); // due 2023-10-10, red from 2023-10-26
    let s = |report, prev, today: &str| signal(&cfg, q3, report, prev, &[], day(today));
    use Colour::*;
    use ReportStatus::*;
    let cases = [
        (s(None, None, "2023-09-15"), Pending),
        (s(None, None, "2023-10-10"), Pending),
        (s(None, None, "2023-10-11"), Yellow),
        (s(None, None, "2023-10-25"), Yellow),
        (s(None, None, "2023-10-26"), Red),
        (
            s(reported("2023-10-10", InProgress), None, "2023-12-01"),
            Green,
        ),
        (
            s(reported("2023-10-01", Done), Some(Lagging), "2023-12-01"),
            Green,
        ),
        (
            s(reported("2023-10-11", InProgress), None, "2023-12-01"),
            Yellow,
        ),
        (
            s(reported("2023-10-25", InProgress), None, "2023-12-01"),
            Yellow,
        ),
        (
            s(reported("2023-10-26", InProgress), None, "2023-12-01"),
            Red,
        ),
        (
            s(reported("2023-10-05", Lagging), None, "2023-12-01"),
            Yellow,
        ),
        (
            s(
                reported("2023-10-05", Lagging),
                Some(InProgress),
                "2023-12-01",
            ),
            Yellow,
        ),
        (
            s(reported("2023-10-05", Lagging), Some(Lagging), "2023-12-01"),
            Red,
        ),
        (
            s(reported("2023-10-05", NotStarted), None, "2023-12-01"),
            Yellow,
        ),
    ];
    for (i, (sig, want)) in cases.iter().enumerate() {
        assert_eq!(sig.colour, *want, "case {i}: {}", sig.reason);
        assert!(!sig.reason.is_empty());
    }
    assert_eq!(
        s(None, None, "2023-10-26").reason,
        "逾期 16 天未报送（截止 2023-10-10；逾期超过 15 天转红）"
    );
    assert_eq!(
        s(reported("2023-10-12", Lagging), None, "2023-12-01").reason,
        "逾期报送：截止 2023-10-10，2023-10-12 才报送（晚 2 天）；报送状态为“滞后”"
    );

    // 督办单: awaiting its reply is yellow (even over a green report), past the reply date red.
    let order = [OpenOrder {
        id: 7,
        due_on: day("2023-11-20"),
    }];
    let green = reported("2023-10-01", InProgress);
    let a = signal(&cfg, q3, green, None, &order, day("2023-11-20"));
    assert_eq!(a.colour, Yellow, "{}", a.reason);
    assert!(a.reason.contains("督办单 7 待答复"));
    let b = signal(&cfg, q3, green, None, &order, day("2023-11-21"));
    assert_eq!(b.colour, Red);
    assert!(b.reason.contains("督办单 7 逾期未答复"), "{}", b.reason);
}

#[test]
fn on_time_counts_every_due_period_of_the_jurisdiction() {
    let pack = pack();
    let cfg = config();
    let lines = cfg.lines(&pack);
    let mine: Vec<&Line> = lines
        .iter()
        .filter(|l| l.jurisdiction == "341502")
        .collect();
    let quarterly = mine
        .iter()
        .filter(|l| cfg.cycle_of(&l.task) == Cycle::Quarterly)
        .count() as u32;
    let monthly = mine
        .iter()
        .filter(|l| cfg.cycle_of(&l.task) == Cycle::Monthly)
        .count() as u32;
    let half = mine
        .iter()
        .filter(|l| cfg.cycle_of(&l.task) == Cycle::HalfYearly)
        .count() as u32;
    // As of 2023-10-10: Q1–Q3 due, January–August (September due 10-10 too: 9 months), H1.
    let mut first = BTreeMap::new();
    let line = mine
        .iter()
        .find(|l| l.task == "listing_support")
        .copied()
        .unwrap()
        .clone();
    first.insert((line.clone(), p("2023-Q1")), day("2023-04-10")); // on the day
    first.insert((line.clone(), p("2023-Q2")), day("2023-07-11")); // a day late
    first.insert((line.clone(), p("2023-Q4")), day("2023-10-01")); // not yet due: not counted
    let other = Line {
        jurisdiction: "341503".into(),
        ..line.clone()
    };
    first.insert((other, p("2023-Q3")), day("2023-10-01")); // another jurisdiction
    let got = on_time(&cfg, &lines, "341502", 2023, day("2023-10-10"), &first);
    assert_eq!(got.due, quarterly * 3 + monthly * 9 + half);
    assert_eq!(got.on_time, 1);
}

#[test]
fn statuses_and_kinds_parse_by_id_or_label() {
    for s in ReportStatus::ALL.iter().copied() {
        assert_eq!(ReportStatus::checked(s.as_str()).unwrap(), s);
        assert_eq!(ReportStatus::checked(s.label()).unwrap(), s);
    }
    let msg = ReportStatus::checked("完成").unwrap_err().to_string();
    assert!(msg.contains("not_started（未启动）"), "{msg}");
    for k in ReportKind::ALL.iter().copied() {
        assert_eq!(ReportKind::checked(k.as_str()).unwrap(), k);
        assert_eq!(ReportKind::checked(k.label()).unwrap(), k);
    }
    assert!(ReportKind::checked("x").is_err());
}

#[test]
fn the_board_colours_every_line_for_its_own_cycle() {
    let pack = pack();
    let cfg = config();
    let lines = cfg.lines(&pack);
    let line = |task: &str, unit: Option<&str>, j: &str| Line {
        task: task.into(),
        unit: unit.map(str::to_string),
        jurisdiction: j.into(),
    };
    let listing = line("listing_support", Some("local_finance"), "341502");
    let monthly = line("no_application_benefits", Some("data_resources"), "341502");
    let reports = [
        ReportFact {
            line: listing.clone(),
            period: p("2023-Q3"),
            reported_on: day("2023-10-08"),
            status: ReportStatus::Lagging,
        },
        // A later, better report for the same period: the status is the latest, “on time” the first.
        ReportFact {
            line: listing.clone(),
            period: p("2023-Q3"),
            reported_on: day("2023-10-20"),
            status: ReportStatus::InProgress,
        },
        ReportFact {
            line: monthly.clone(),
            period: p("2023-09"),
            reported_on: day("2023-10-12"),
            status: ReportStatus::Done,
        },
    ];
    let orders = [OrderFact {
        line: line("listing_support", Some("local_finance"), "341524"),
        order: OpenOrder {
            id: 3,
            due_on: day("2023-10-31"),
        },
    }];
    let rows = board(
        &cfg,
        &lines,
        day("2023-09-01"),
        &reports,
        &orders,
        day("2023-11-01"),
    );
    assert_eq!(rows.len(), lines.len());
    let find = |l: &Line| rows.iter().find(|r| &r.line == l).unwrap();
    let a = find(&listing);
    assert_eq!(a.period, p("2023-Q3"));
    assert_eq!(a.status, Some(ReportStatus::InProgress));
    assert_eq!(a.last_report, Some(day("2023-10-20")));
    assert_eq!(a.due, day("2023-10-10"));
    assert_eq!(a.signal.colour, Colour::Green, "{}", a.signal.reason);
    let m = find(&monthly);
    assert_eq!(m.period, p("2023-09"));
    assert_eq!(m.signal.colour, Colour::Yellow, "{}", m.signal.reason); // 2 days late
    let o = find(&line("listing_support", Some("local_finance"), "341524"));
    assert_eq!(o.open_orders, [3]);
    assert_eq!(o.signal.colour, Colour::Red); // missing for 22 days, and the order overdue
    assert!(
        o.signal.reason.contains("督办单 3 逾期未答复"),
        "{}",
        o.signal.reason
    );
    let half = find(&line("working_group", None, "341502"));
    assert_eq!(half.period, p("2023-H2"));
    assert_eq!(half.signal.colour, Colour::Pending);
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(json["period"], "2023-Q3");
    assert_eq!(json["signal"]["colour"], "green");
}
