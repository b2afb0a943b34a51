//! The targets 日常调度 computes from the registry (huiqi-app's `progress::computed_actuals`): the
//! figures of the store, converted to each target's unit, over each target's window, with the
//! reason saying how; on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL.

use huiqi_app::progress::{ComputedActual, computed_actuals};
use huiqi_domain::lists::{CertKind, ListRows};
use huiqi_domain::registry::{Record, Source, Value};
use huiqi_store::Store;
use huiqi_store::testing::each_db;
use huiqi_store::testing::fixtures::{
    cert, committed, date, import, meta, register, session, uscc,
};
use rust_decimal::Decimal;

/// Records a matching run of `year` classifying enterprises (n, county, size class).
async fn save_run(store: &Store, year: i32, sizes: &[(u32, &str, &str)]) {
    let run = huiqi_store::matching::Run {
        id: 0,
        started_at: chrono::Utc::now(),
        at: date(&format!("{year}-12-31")),
        year,
        pack_id: "luan-2023".into(),
        pack_version: "draft-2023".into(),
        parameters: "{}".into(),
        enterprises: sizes.len() as i64,
        total_fen: 0,
        import_watermark: None,
    };
    let rows: Vec<huiqi_store::matching::ResultRow> = sizes
        .iter()
        .map(|(n, county, size)| huiqi_store::matching::ResultRow {
            uscc: uscc(*n).to_string(),
            county: (*county).into(),
            size_class: (*size).into(),
            values: Vec::new(),
        })
        .collect();
    store.save_run(&run, &[], &rows).await.unwrap();
}

fn value(computed: &[ComputedActual], target: &str, county: &str) -> Option<Decimal> {
    computed
        .iter()
        .find(|c| c.target == target)
        .map(|c| c.by_county.get(county).copied().unwrap_or(Decimal::ZERO))
}

#[tokio::test]
async fn trainings_become_sessions_and_trainees_by_county() {
    each_db(|db| async move {
        let s = &db.store;
        let rows = ListRows::Trainings(vec![
            session(2, "PX1", "2023-03-01", "341502", 85),
            session(3, "PX2", "2023-03-09", "luan-etdz", 30),
            session(4, "PX3", "2023-04-01", "341502", 40),
        ]);
        assert_eq!(
            committed(s.import_list(&meta("t.csv"), &rows).await.unwrap()),
            (3, 0, 0)
        );
        let computed = computed_actuals(s, 2023, date("2023-04-30")).await.unwrap();
        assert_eq!(
            value(&computed, "entrepreneur_trainings", "341502"),
            Some(Decimal::from(2))
        );
        assert_eq!(
            value(&computed, "entrepreneur_trainees", "341502"),
            Some(Decimal::from(125))
        );
        assert_eq!(
            value(&computed, "entrepreneur_trainees", "luan-etdz"),
            Some(Decimal::from(30))
        );
    })
    .await;
}

#[tokio::test]
async fn computed_values_follow_the_registry_and_the_date_window() {
    each_db(|db| async move {
        let s = &db.store;
        register(
            s,
            &[
                (1, "341502", "2019-01-01"),
                (2, "341502", "2019-01-01"),
                (3, "341502", "2019-01-01"),
                (4, "341503", "2023-02-10"),
                (5, "341502", "2019-01-01"),
            ],
        )
        .await;
        // Before any certification the registry knows nothing about the target: not computed.
        let none = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(value(&none, "new_tech_smes", "341502"), None);
        assert_eq!(value(&none, "entrepreneur_trainings", "341502"), None);
        // Registrations are (one enterprise registered in 2023, in 341503).
        assert_eq!(
            value(&none, "new_taxpaying_entities", "341503"),
            Some(Decimal::ONE)
        );

        let rows = ListRows::Certifications(vec![
            cert(2, 1, CertKind::TechSme, "2022-12-31"), // the previous year: never counted
            cert(3, 2, CertKind::TechSme, "2023-01-01"), // the window's first day
            cert(4, 3, CertKind::TechSme, "2023-06-30"), // the month's last day
            cert(5, 5, CertKind::TechSme, "2023-07-01"), // after June's end
            cert(6, 4, CertKind::InnovativeSme, "2023-03-01"),
        ]);
        s.import_list(&meta("c.csv"), &rows).await.unwrap();
        // (as of, tech_sme in 341502, innovative in 341503)
        let cases = [
            ("2023-01-31", 1, 0),
            ("2023-05-31", 1, 1),
            ("2023-06-30", 2, 1),
            ("2023-07-31", 3, 1),
            ("2023-12-31", 3, 1),
        ];
        for (at, tech, innovative) in cases {
            let c = computed_actuals(s, 2023, date(at)).await.unwrap();
            assert_eq!(
                value(&c, "new_tech_smes", "341502"),
                Some(Decimal::from(tech)),
                "{at}"
            );
            assert_eq!(
                value(&c, "new_innovative_smes", "341503"),
                Some(Decimal::from(innovative)),
                "{at}"
            );
            // No 省级专精特新 in the list: that target stays with the reports.
            assert_eq!(value(&c, "new_provincial_zjtx", "341502"), None, "{at}");
            let how = &c.iter().find(|x| x.target == "new_tech_smes").unwrap().how;
            assert!(
                how.contains(&format!("2023-01-01 至 {at}")) && how.contains("认定名单"),
                "{how}"
            );
        }
        // 2022's own window counts only 2022's certification.
        let c = computed_actuals(s, 2023, date("2022-12-31")).await.unwrap();
        assert_eq!(value(&c, "new_tech_smes", "341502"), Some(Decimal::ONE));

        // Another certification imported: the count rises.
        register(s, &[(6, "341502", "2019-01-01")]).await;
        let more = ListRows::Certifications(vec![cert(2, 6, CertKind::TechSme, "2023-06-15")]);
        assert_eq!(
            committed(s.import_list(&meta("d.csv"), &more).await.unwrap()),
            (1, 0, 0)
        );
        let c = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(value(&c, "new_tech_smes", "341502"), Some(Decimal::from(3)));
        // A corrected date that moves a certification into the window: it counts.
        let moved = ListRows::Certifications(vec![cert(2, 5, CertKind::TechSme, "2023-06-20")]);
        assert_eq!(
            committed(s.import_list(&meta("e.csv"), &moved).await.unwrap()),
            (0, 1, 0)
        );
        let c = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(value(&c, "new_tech_smes", "341502"), Some(Decimal::from(4)));
    })
    .await;
}

#[tokio::test]
async fn finance_targets_come_from_the_finance_columns_in_yi_yuan() {
    each_db(|db| async move {
        let s = &db.store;
        register(
            s,
            &[
                (1, "341502", "2019-01-01"),
                (2, "341502", "2019-01-01"),
                (3, "341524", "2019-01-01"),
            ],
        )
        .await;
        let c = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(
            value(&c, "new_small_micro_loans", "341502"),
            None,
            "no finance data yet"
        );
        // new_loans in fen: 1.5 亿元, 0.25 亿元 (a first loan), 1,234.56 万元 (a first loan).
        let finance = |row: u64, n: u32, fen: i64, first: bool| Record {
            row,
            uscc: uscc(n),
            values: vec![Value::Int(0), Value::Int(fen), Value::Bool(first)],
        };
        import(
            s,
            Source::Finance,
            Some(2023),
            vec![
                finance(2, 1, 15_000_000_000, false),
                finance(3, 2, 2_500_000_000, true),
                finance(4, 3, 1_234_560_000, true),
            ],
        )
        .await;
        let yi = |s: &str| s.parse::<Decimal>().unwrap();
        // No matching run has classified anyone yet: no 小微企业 is counted.
        let c = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(
            value(&c, "new_small_micro_loans", "341502"),
            Some(Decimal::ZERO)
        );
        // A first run: all three small; the latest run: 1 small, 2 micro, 3 medium — the loan
        // targets count small and micro enterprises only, by the latest run of the year.
        save_run(
            s,
            2023,
            &[
                (1, "341502", "small"),
                (2, "341502", "small"),
                (3, "341524", "small"),
            ],
        )
        .await;
        save_run(
            s,
            2022,
            &[
                (1, "341502", "large"),
                (2, "341502", "large"),
                (3, "341524", "large"),
            ],
        )
        .await;
        save_run(
            s,
            2023,
            &[
                (1, "341502", "small"),
                (2, "341502", "micro"),
                (3, "341524", "medium"),
            ],
        )
        .await;
        let c = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(
            value(&c, "new_small_micro_loans", "341524"),
            Some(Decimal::ZERO),
            "a medium-sized enterprise's loans are not counted"
        );
        assert_eq!(
            value(&c, "first_loan_accounts", "341524"),
            Some(Decimal::ZERO)
        );
        save_run(
            s,
            2023,
            &[
                (1, "341502", "small"),
                (2, "341502", "micro"),
                (3, "341524", "micro"),
            ],
        )
        .await;
        let c = computed_actuals(s, 2023, date("2023-06-30")).await.unwrap();
        assert_eq!(
            value(&c, "new_small_micro_loans", "341502"),
            Some(yi("1.75"))
        );
        assert_eq!(
            value(&c, "new_small_micro_loans", "341524"),
            Some(yi("0.1235"))
        );
        assert_eq!(
            value(&c, "first_loan_accounts", "341502"),
            Some(Decimal::ONE)
        );
        assert_eq!(
            value(&c, "first_loan_accounts", "341524"),
            Some(Decimal::ONE)
        );
        assert_eq!(value(&c, "first_loan_amount", "341502"), Some(yi("0.25")));
        let how = &c
            .iter()
            .find(|x| x.target == "new_small_micro_loans")
            .unwrap()
            .how;
        assert!(
            how.contains("2023 年度") && how.contains("仅计小型、微型企业"),
            "{how}"
        );
        // Cumulative targets count from the policy's first year; yearly ones only their year.
        let c = computed_actuals(s, 2023, date("2024-03-31")).await.unwrap();
        assert_eq!(
            value(&c, "first_loan_accounts", "341502"),
            Some(Decimal::ONE)
        );
        assert_eq!(value(&c, "new_small_micro_loans", "341502"), None);
        let how = &c
            .iter()
            .find(|x| x.target == "first_loan_accounts")
            .unwrap()
            .how;
        assert!(how.contains("2023—2024 年度"), "{how}");
    })
    .await;
}

/// The month picker's choices: every month with reports and every month (from the policy's
/// first year up to today) with a registration, certification or training session — newest
/// first, each once; nothing after today, nothing before the first year.
#[tokio::test]
async fn the_months_with_data_are_the_reported_and_the_registry_months() {
    each_db(|db| async move {
        let s = &db.store;
        let start = huiqi_progress::Month::parse("2023-01").unwrap();
        let today = date("2023-11-15");
        assert!(
            huiqi_app::progress::periods(s, start, today)
                .await
                .unwrap()
                .is_empty()
        );
        register(
            s,
            &[
                (1, "341502", "2022-12-31"),
                (2, "341502", "2023-02-10"),
                (3, "341503", "2023-02-20"),
                (4, "341503", "2023-12-01"),
            ],
        )
        .await;
        let rows = ListRows::Trainings(vec![session(2, "PX1", "2023-05-03", "341502", 10)]);
        s.import_list(&meta("trainings.csv"), &rows).await.unwrap();
        let report = |period: &str| huiqi_store::progress::ReportRow {
            target: "new_listings".into(),
            jurisdiction: "341502".into(),
            period: period.into(),
            value: Decimal::ONE,
            note: String::new(),
            attachment: None,
            reporter: "测试".into(),
            reported_at: chrono::Utc::now(),
        };
        s.add_reports(&[report("2023-05"), report("2023-09"), report("2024-01")])
            .await
            .unwrap();
        let months: Vec<String> = huiqi_app::progress::periods(s, start, today)
            .await
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(months, ["2023-09", "2023-05", "2023-02"]);
    })
    .await;
}

/// A report's 附件 is kept in the shared file store and handed out only to those who may see
/// the report: the working group, the county of the report, a unit responsible for the target.
#[tokio::test]
async fn report_files_are_kept_once_and_scoped_like_the_report() {
    use huiqi_app::accounts::Role;
    use huiqi_app::progress::{
        check_report_files, report_file, report_files, save_report_with_files,
    };
    each_db(|db| async move {
        let s = &db.store;
        let pack = huiqi_app::builtin_pack().unwrap();
        let files =
            check_report_files(&[("台账.pdf".to_string(), b"%PDF-1.7 a".to_vec())]).unwrap();
        let row = huiqi_store::progress::ReportRow {
            target: "new_listings".into(),
            jurisdiction: "341502".into(),
            period: "2023-09".into(),
            value: Decimal::from(2),
            note: String::new(),
            attachment: None,
            reporter: "金安区".into(),
            reported_at: chrono::Utc::now(),
        };
        save_report_with_files(s, row.clone(), &files)
            .await
            .unwrap();
        let latest = s.reports_for("2023-09").await.unwrap();
        let key = ("new_listings".to_string(), "341502".to_string());
        assert_eq!(latest[&key].attachment.as_deref(), Some("台账.pdf"));
        let month = huiqi_progress::Month::parse("2023-09").unwrap();
        let mine = report_files(s, &pack, &Role::County("341502".into()), month)
            .await
            .unwrap();
        let id = mine[&key][0].id;
        assert!(
            report_files(s, &pack, &Role::County("341503".into()), month)
                .await
                .unwrap()
                .is_empty()
        );
        let unit = pack.target("new_listings").unwrap().units[0].clone();
        for (role, ok) in [
            (Role::Admin, true),
            (Role::County("341502".into()), true),
            (Role::Unit(unit), true),
            (Role::County("341503".into()), false),
            (Role::Unit("tax".into()), false),
        ] {
            let r = report_file(s, &pack, &role, id).await;
            assert_eq!(r.is_ok(), ok, "{role:?}");
            if let Ok(d) = r {
                assert_eq!(
                    (d.file_name.as_str(), d.bytes.as_slice()),
                    ("台账.pdf", &b"%PDF-1.7 a"[..])
                );
            }
        }
        assert!(report_file(s, &pack, &Role::Admin, id + 100).await.is_err());
        // A later report without a file: the latest report has no files.
        save_report_with_files(s, row, &[]).await.unwrap();
        assert!(
            report_files(s, &pack, &Role::Admin, month)
                .await
                .unwrap()
                .is_empty()
        );
        // Too large or of the wrong type: refused before anything is kept.
        let big = vec![b'%'; huiqi_app::files::MAX_BYTES + 1];
        let e = check_report_files(&[("大.pdf".to_string(), big)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("超过 10 MB"), "{e}");
        let e = check_report_files(&[("a.exe".to_string(), b"MZ".to_vec())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("只接受"), "{e}");
        let four: Vec<(String, Vec<u8>)> = (0..4)
            .map(|i| (format!("{i}.pdf"), b"%PDF".to_vec()))
            .collect();
        assert!(
            check_report_files(&four)
                .unwrap_err()
                .to_string()
                .contains("最多 3 个")
        );
    })
    .await;
}
