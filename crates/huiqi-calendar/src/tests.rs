use proptest::prelude::*;

use super::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Every day of every holiday, the day before and after each, and each 调休上班 day with its
/// neighbours: (date, is a working day). Written out, not derived from the data file.
const EDGES: &[(&str, bool)] = &[
    ("2024-01-01", false), // 周一 元旦
    ("2024-01-02", true),  // 周二
    ("2024-02-03", false), // 周六
    ("2024-02-04", true),  // 周日 调休上班
    ("2024-02-05", true),  // 周一
    ("2024-02-09", true),  // 周五
    ("2024-02-10", false), // 周六 春节
    ("2024-02-11", false), // 周日 春节
    ("2024-02-12", false), // 周一 春节
    ("2024-02-13", false), // 周二 春节
    ("2024-02-14", false), // 周三 春节
    ("2024-02-15", false), // 周四 春节
    ("2024-02-16", false), // 周五 春节
    ("2024-02-17", false), // 周六 春节
    ("2024-02-18", true),  // 周日 调休上班
    ("2024-02-19", true),  // 周一
    ("2024-04-03", true),  // 周三
    ("2024-04-04", false), // 周四 清明节
    ("2024-04-05", false), // 周五 清明节
    ("2024-04-06", false), // 周六 清明节
    ("2024-04-07", true),  // 周日 调休上班
    ("2024-04-08", true),  // 周一
    ("2024-04-27", false), // 周六
    ("2024-04-28", true),  // 周日 调休上班
    ("2024-04-29", true),  // 周一
    ("2024-04-30", true),  // 周二
    ("2024-05-01", false), // 周三 劳动节
    ("2024-05-02", false), // 周四 劳动节
    ("2024-05-03", false), // 周五 劳动节
    ("2024-05-04", false), // 周六 劳动节
    ("2024-05-05", false), // 周日 劳动节
    ("2024-05-06", true),  // 周一
    ("2024-05-10", true),  // 周五
    ("2024-05-11", true),  // 周六 调休上班
    ("2024-05-12", false), // 周日
    ("2024-06-09", false), // 周日
    ("2024-06-10", false), // 周一 端午节
    ("2024-06-11", true),  // 周二
    ("2024-09-13", true),  // 周五
    ("2024-09-14", true),  // 周六 调休上班
    ("2024-09-15", false), // 周日 中秋节
    ("2024-09-16", false), // 周一 中秋节
    ("2024-09-17", false), // 周二 中秋节
    ("2024-09-18", true),  // 周三
    ("2024-09-28", false), // 周六
    ("2024-09-29", true),  // 周日 调休上班
    ("2024-09-30", true),  // 周一
    ("2024-10-01", false), // 周二 国庆节
    ("2024-10-02", false), // 周三 国庆节
    ("2024-10-03", false), // 周四 国庆节
    ("2024-10-04", false), // 周五 国庆节
    ("2024-10-05", false), // 周六 国庆节
    ("2024-10-06", false), // 周日 国庆节
    ("2024-10-07", false), // 周一 国庆节
    ("2024-10-08", true),  // 周二
    ("2024-10-11", true),  // 周五
    ("2024-10-12", true),  // 周六 调休上班
    ("2024-10-13", false), // 周日
    ("2024-12-31", true),  // 周二
    ("2025-01-01", false), // 周三 元旦
    ("2025-01-02", true),  // 周四
    ("2025-01-25", false), // 周六
    ("2025-01-26", true),  // 周日 调休上班
    ("2025-01-27", true),  // 周一
    ("2025-01-28", false), // 周二 春节
    ("2025-01-29", false), // 周三 春节
    ("2025-01-30", false), // 周四 春节
    ("2025-01-31", false), // 周五 春节
    ("2025-02-01", false), // 周六 春节
    ("2025-02-02", false), // 周日 春节
    ("2025-02-03", false), // 周一 春节
    ("2025-02-04", false), // 周二 春节
    ("2025-02-05", true),  // 周三
    ("2025-02-07", true),  // 周五
    ("2025-02-08", true),  // 周六 调休上班
    ("2025-02-09", false), // 周日
    ("2025-04-03", true),  // 周四
    ("2025-04-04", false), // 周五 清明节
    ("2025-04-05", false), // 周六 清明节
    ("2025-04-06", false), // 周日 清明节
    ("2025-04-07", true),  // 周一
    ("2025-04-26", false), // 周六
    ("2025-04-27", true),  // 周日 调休上班
    ("2025-04-28", true),  // 周一
    ("2025-04-30", true),  // 周三
    ("2025-05-01", false), // 周四 劳动节
    ("2025-05-02", false), // 周五 劳动节
    ("2025-05-03", false), // 周六 劳动节
    ("2025-05-04", false), // 周日 劳动节
    ("2025-05-05", false), // 周一 劳动节
    ("2025-05-06", true),  // 周二
    ("2025-05-30", true),  // 周五
    ("2025-05-31", false), // 周六 端午节
    ("2025-06-01", false), // 周日 端午节
    ("2025-06-02", false), // 周一 端午节
    ("2025-06-03", true),  // 周二
    ("2025-09-27", false), // 周六
    ("2025-09-28", true),  // 周日 调休上班
    ("2025-09-29", true),  // 周一
    ("2025-09-30", true),  // 周二
    ("2025-10-01", false), // 周三 国庆节、中秋节
    ("2025-10-02", false), // 周四 国庆节、中秋节
    ("2025-10-03", false), // 周五 国庆节、中秋节
    ("2025-10-04", false), // 周六 国庆节、中秋节
    ("2025-10-05", false), // 周日 国庆节、中秋节
    ("2025-10-06", false), // 周一 国庆节、中秋节
    ("2025-10-07", false), // 周二 国庆节、中秋节
    ("2025-10-08", false), // 周三 国庆节、中秋节
    ("2025-10-09", true),  // 周四
    ("2025-10-10", true),  // 周五
    ("2025-10-11", true),  // 周六 调休上班
    ("2025-10-12", false), // 周日
    ("2025-12-31", true),  // 周三
    ("2026-01-01", false), // 周四 元旦
    ("2026-01-02", false), // 周五 元旦
    ("2026-01-03", false), // 周六 元旦
    ("2026-01-04", true),  // 周日 调休上班
    ("2026-01-05", true),  // 周一
    ("2026-02-13", true),  // 周五
    ("2026-02-14", true),  // 周六 调休上班
    ("2026-02-15", false), // 周日 春节
    ("2026-02-16", false), // 周一 春节
    ("2026-02-17", false), // 周二 春节
    ("2026-02-18", false), // 周三 春节
    ("2026-02-19", false), // 周四 春节
    ("2026-02-20", false), // 周五 春节
    ("2026-02-21", false), // 周六 春节
    ("2026-02-22", false), // 周日 春节
    ("2026-02-23", false), // 周一 春节
    ("2026-02-24", true),  // 周二
    ("2026-02-27", true),  // 周五
    ("2026-02-28", true),  // 周六 调休上班
    ("2026-03-01", false), // 周日
    ("2026-04-03", true),  // 周五
    ("2026-04-04", false), // 周六 清明节
    ("2026-04-05", false), // 周日 清明节
    ("2026-04-06", false), // 周一 清明节
    ("2026-04-07", true),  // 周二
    ("2026-04-30", true),  // 周四
    ("2026-05-01", false), // 周五 劳动节
    ("2026-05-02", false), // 周六 劳动节
    ("2026-05-03", false), // 周日 劳动节
    ("2026-05-04", false), // 周一 劳动节
    ("2026-05-05", false), // 周二 劳动节
    ("2026-05-06", true),  // 周三
    ("2026-05-08", true),  // 周五
    ("2026-05-09", true),  // 周六 调休上班
    ("2026-05-10", false), // 周日
    ("2026-06-18", true),  // 周四
    ("2026-06-19", false), // 周五 端午节
    ("2026-06-20", false), // 周六 端午节
    ("2026-06-21", false), // 周日 端午节
    ("2026-06-22", true),  // 周一
    ("2026-09-19", false), // 周六
    ("2026-09-20", true),  // 周日 调休上班
    ("2026-09-21", true),  // 周一
    ("2026-09-24", true),  // 周四
    ("2026-09-25", false), // 周五 中秋节
    ("2026-09-26", false), // 周六 中秋节
    ("2026-09-27", false), // 周日 中秋节
    ("2026-09-28", true),  // 周一
    ("2026-09-30", true),  // 周三
    ("2026-10-01", false), // 周四 国庆节
    ("2026-10-02", false), // 周五 国庆节
    ("2026-10-03", false), // 周六 国庆节
    ("2026-10-04", false), // 周日 国庆节
    ("2026-10-05", false), // 周一 国庆节
    ("2026-10-06", false), // 周二 国庆节
    ("2026-10-07", false), // 周三 国庆节
    ("2026-10-08", true),  // 周四
    ("2026-10-09", true),  // 周五
    ("2026-10-10", true),  // 周六 调休上班
    ("2026-10-11", false), // 周日
];

/// From the last working day before each holiday: the 1st and 3rd working day after it.
const ACROSS: &[(&str, u32, &str)] = &[
    ("2024-02-09", 1, "2024-02-18"), // 春节
    ("2024-02-09", 3, "2024-02-20"), // 春节
    ("2024-04-03", 1, "2024-04-07"), // 清明节
    ("2024-04-03", 3, "2024-04-09"), // 清明节
    ("2024-04-30", 1, "2024-05-06"), // 劳动节
    ("2024-04-30", 3, "2024-05-08"), // 劳动节
    ("2024-06-07", 1, "2024-06-11"), // 端午节
    ("2024-06-07", 3, "2024-06-13"), // 端午节
    ("2024-09-14", 1, "2024-09-18"), // 中秋节
    ("2024-09-14", 3, "2024-09-20"), // 中秋节
    ("2024-09-30", 1, "2024-10-08"), // 国庆节
    ("2024-09-30", 3, "2024-10-10"), // 国庆节
    ("2024-12-31", 1, "2025-01-02"), // 元旦
    ("2024-12-31", 3, "2025-01-06"), // 元旦
    ("2025-01-27", 1, "2025-02-05"), // 春节
    ("2025-01-27", 3, "2025-02-07"), // 春节
    ("2025-04-03", 1, "2025-04-07"), // 清明节
    ("2025-04-03", 3, "2025-04-09"), // 清明节
    ("2025-04-30", 1, "2025-05-06"), // 劳动节
    ("2025-04-30", 3, "2025-05-08"), // 劳动节
    ("2025-05-30", 1, "2025-06-03"), // 端午节
    ("2025-05-30", 3, "2025-06-05"), // 端午节
    ("2025-09-30", 1, "2025-10-09"), // 国庆节、中秋节
    ("2025-09-30", 3, "2025-10-11"), // 国庆节、中秋节
    ("2025-12-31", 1, "2026-01-04"), // 元旦
    ("2025-12-31", 3, "2026-01-06"), // 元旦
    ("2026-02-14", 1, "2026-02-24"), // 春节
    ("2026-02-14", 3, "2026-02-26"), // 春节
    ("2026-04-03", 1, "2026-04-07"), // 清明节
    ("2026-04-03", 3, "2026-04-09"), // 清明节
    ("2026-04-30", 1, "2026-05-06"), // 劳动节
    ("2026-04-30", 3, "2026-05-08"), // 劳动节
    ("2026-06-18", 1, "2026-06-22"), // 端午节
    ("2026-06-18", 3, "2026-06-24"), // 端午节
    ("2026-09-24", 1, "2026-09-28"), // 中秋节
    ("2026-09-24", 3, "2026-09-30"), // 中秋节
    ("2026-09-30", 1, "2026-10-08"), // 国庆节
    ("2026-09-30", 3, "2026-10-10"), // 国庆节
];

#[test]
fn every_holiday_edge_of_2024_to_2026() {
    let cal = Calendar::builtin();
    for &(d, expected) in EDGES {
        assert_eq!(cal.is_workday(date(d)).unwrap(), expected, "{d}");
    }
}

#[test]
fn working_days_across_every_holiday() {
    let cal = Calendar::builtin();
    for &(from, n, expected) in ACROSS {
        assert_eq!(
            cal.add_workdays(date(from), n).unwrap(),
            date(expected),
            "{from} + {n}"
        );
    }
}

#[test]
fn working_days_per_year_match_the_published_counts() {
    // 2024: 251, 2025: 248, 2026: 248 working days (counted independently from the notices).
    let cal = Calendar::builtin();
    for (year, expected) in [(2024, 251), (2025, 248), (2026, 248)] {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        let first = u32::from(cal.is_workday(from).unwrap());
        assert_eq!(
            cal.workdays_between(from, to).unwrap() + first,
            expected,
            "{year}"
        );
    }
}

#[test]
fn a_year_without_data_is_an_error_never_a_guess() {
    let cal = Calendar::builtin();
    assert_eq!(
        cal.is_workday(date("2027-03-01")),
        Err(CalendarError::NoYear { year: 2027 })
    );
    assert_eq!(
        cal.is_workday(date("2023-06-01")),
        Err(CalendarError::NoYear { year: 2023 })
    );
    // The last working day of 2026 is reachable; one more needs 2027.
    assert_eq!(
        cal.add_workdays(date("2026-12-30"), 1).unwrap(),
        date("2026-12-31")
    );
    assert_eq!(
        cal.add_workdays(date("2026-12-30"), 2),
        Err(CalendarError::NoYear { year: 2027 })
    );
    let msg = cal
        .add_workdays(date("2026-12-30"), 2)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("2027年") && msg.contains("管理员"), "{msg}");
    // Only the days after the start are looked at: a start on 2023-12-31 is fine, but a start on
    // 2023-12-29 needs to know whether 2023-12-30 (a Saturday) was worked.
    assert_eq!(
        cal.add_workdays(date("2023-12-29"), 1),
        Err(CalendarError::NoYear { year: 2023 })
    );
    assert_eq!(
        cal.add_workdays(date("2023-12-31"), 0).unwrap(),
        date("2023-12-31")
    );
    assert_eq!(
        cal.add_workdays(date("2023-12-31"), 1).unwrap(),
        date("2024-01-02")
    );
}

#[test]
fn an_administrator_adds_a_year() {
    let mut cal = Calendar::builtin();
    let y2027 = YearDef {
        year: 2027,
        notice: "国务院办公厅关于2027年部分节假日安排的通知".into(),
        holidays: vec![Holiday {
            name: "元旦".into(),
            from: date("2027-01-01"),
            until: date("2027-01-03"),
        }],
        workdays: vec![],
    };
    assert_eq!(cal.insert_year(y2027.clone()), Ok(None));
    assert_eq!(
        cal.add_workdays(date("2026-12-31"), 1).unwrap(),
        date("2027-01-04")
    );
    // Replacing a year returns the old one.
    assert_eq!(cal.insert_year(y2027.clone()), Ok(Some(y2027)));
    // Inconsistent data is refused with the reason.
    let bad = YearDef {
        year: 2028,
        notice: String::new(),
        holidays: vec![Holiday {
            name: "春节".into(),
            from: date("2028-01-30"),
            until: date("2028-01-26"),
        }],
        workdays: vec![date("2028-01-26"), date("2028-02-05")],
    };
    let Err(CalendarError::Invalid(errors)) = cal.insert_year(bad) else {
        panic!("accepted a bad year");
    };
    let text: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
    assert!(text.iter().any(|m| m.contains("notice")), "{text:?}");
    assert!(text.iter().any(|m| m.contains("晚于")), "{text:?}");
    assert!(
        text.iter().any(|m| m.contains("2028-01-26 是周三")),
        "{text:?}"
    );
    assert!(cal.year(2028).is_none());
}

#[test]
fn bad_files_name_file_line_and_year() {
    let text = "\
- year: 2024
  notice: 通知
  holidays:
    - { name: 元旦, from: 2024-01-01, until: 2024-01-01 }
  workdays: [2024-02-05]
- year: 2025
  notice: 通知
  holidays:
    - { name: 元旦, from: 2025-01-01, until: 2025-01-01, note: x }
";
    let Err(CalendarError::Invalid(errors)) = Calendar::from_yaml("calendar.yaml", text) else {
        panic!("accepted an unknown key");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, Some(9));
    assert_eq!(errors[0].year, Some(2025));
    assert!(errors[0].message.contains("未知字段"), "{}", errors[0]);

    let text = text.replace(", note: x", "");
    let Err(CalendarError::Invalid(errors)) = Calendar::from_yaml("calendar.yaml", &text) else {
        panic!("accepted a weekday as 调休上班");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "calendar.yaml 第5行 [2024]：调休上班日 2024-02-05 是周一，本来就是工作日：只列出调为上班的周六、周日"
    );

    let twice = "- { year: 2024, notice: 通知, holidays: [] }\n- { year: 2024, notice: 通知, holidays: [] }\n";
    let Err(CalendarError::Invalid(errors)) = Calendar::from_yaml("c.yaml", twice) else {
        panic!("accepted a year twice");
    };
    assert!(errors[0].message.contains("两次"), "{}", errors[0]);

    let Err(CalendarError::Invalid(errors)) = Calendar::from_yaml(
        "c.yaml",
        "- year: 2024\n  notice: x\n  holidays:\n    - { name: 春节, from: 2024-02-30, until: 2024-02-30 }\n",
    ) else {
        panic!("accepted 02-30");
    };
    assert_eq!(errors[0].line, Some(4));
}

#[test]
fn the_trace_names_skipped_days_and_the_notice() {
    let cal = Calendar::builtin();
    let (end, why) = cal.explain_add_workdays(date("2024-02-08"), 3).unwrap();
    assert_eq!(end, date("2024-02-19"));
    assert_eq!(
        why,
        "自 2024-02-08 起第 3 个工作日为 2024-02-19：计入 02-09、02-18（周日调休上班）、02-19；\
         跳过 02-10至02-17（春节放假）。依据：国务院办公厅关于2024年部分节假日安排的通知"
    );
    let (_, why) = cal.explain_add_workdays(date("2024-12-27"), 3).unwrap();
    assert!(why.contains("12-28至12-29（周末）"), "{why}");
    assert!(why.contains("01-01（元旦放假）"), "{why}");
    assert!(why.contains("2024年") && why.contains("2025年"), "{why}");
}

fn in_range() -> impl Strategy<Value = NaiveDate> {
    (0i64..(365 * 3 - 40)).prop_map(|k| date("2024-01-01") + chrono::Days::new(k as u64))
}

proptest! {
    #[test]
    fn add_and_count_agree(from in in_range(), n in 0u32..25) {
        let cal = Calendar::builtin();
        let end = cal.add_workdays(from, n).unwrap();
        prop_assert_eq!(cal.workdays_between(from, end).unwrap(), n);
        if n > 0 {
            prop_assert!(end > from);
            prop_assert!(cal.is_workday(end).unwrap());
            // The day before the deadline counts one working day less.
            prop_assert_eq!(cal.workdays_between(from, end.pred_opt().unwrap()).unwrap(), n - 1);
        }
        prop_assert_eq!(cal.explain_add_workdays(from, n).unwrap().0, end);
    }

    #[test]
    fn more_days_never_end_earlier(from in in_range(), n in 0u32..20) {
        let cal = Calendar::builtin();
        prop_assert!(cal.add_workdays(from, n + 1).unwrap() > cal.add_workdays(from, n).unwrap());
    }
}
