//! 督办 storage on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL: reports with evidence,
//! published cases, 督办单 and their history, stored and published assessments.

use chrono::{NaiveDate, TimeZone, Utc};
use huiqi_assess::orders::{OrderAction, OrderState};
use huiqi_assess::supervision::{ReportKind, ReportStatus};
use huiqi_store::Store;
use huiqi_store::assess::{NewAssessment, NewFile, NewOrder, NewTaskReport, ReportFilter};
use huiqi_store::testing::each_db;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn report(task: &str, unit: Option<&str>, j: &str, period: &str, on: &str) -> NewTaskReport {
    NewTaskReport {
        task: task.into(),
        unit: unit.map(str::to_string),
        jurisdiction: j.into(),
        period: period.into(),
        kind: ReportKind::Progress,
        status: ReportStatus::InProgress,
        title: String::new(),
        progress: "已走访企业 12 户，推荐 2 户申报挂牌".into(),
        measures: "召开专题会 1 次".into(),
        figures: "挂牌 1 家".into(),
        reporter: "金安区金融监管局".into(),
        reported_on: day(on),
        reported_at: Utc.with_ymd_and_hms(2023, 10, 9, 2, 0, 0).unwrap(),
        files: Vec::new(),
    }
}

#[tokio::test]
async fn reports_with_evidence_and_filters() {
    each_db(|db| async move {
        let s = &db.store;
        let mut r = report(
            "listing_support",
            Some("local_finance"),
            "341502",
            "2023-Q3",
            "2023-10-09",
        );
        r.files.push(NewFile {
            file_name: "挂牌公告.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 test".to_vec(),
        });
        let id = s.add_task_report(&r).await.unwrap();
        s.add_task_report(&report(
            "working_group",
            None,
            "341502",
            "2023-H2",
            "2024-01-05",
        ))
        .await
        .unwrap();
        s.add_task_report(&report(
            "listing_support",
            Some("local_finance"),
            "341503",
            "2023-Q3",
            "2023-10-20",
        ))
        .await
        .unwrap();

        let mine = s
            .task_reports(&ReportFilter {
                jurisdiction: Some("341502".into()),
                ..ReportFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[0].id, id);
        assert_eq!(mine[0].unit.as_deref(), Some("local_finance"));
        assert_eq!(mine[0].reported_on, day("2023-10-09"));
        assert_eq!(mine[0].files.len(), 1);
        assert_eq!(mine[0].files[0].size_bytes, 13);
        assert_eq!(mine[1].unit, None);
        let own_lines = s
            .task_reports(&ReportFilter {
                unit: Some(None),
                ..ReportFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(own_lines.len(), 1);
        let q3 = s
            .task_reports(&ReportFilter {
                period: Some("2023-Q3".into()),
                task: Some("listing_support".into()),
                unit: Some(Some("local_finance".into())),
                ..ReportFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(q3.len(), 2);
        let of_2024 = s
            .task_reports(&ReportFilter {
                year: Some(2024),
                ..ReportFilter::default()
            })
            .await
            .unwrap();
        assert!(of_2024.is_empty());
        let (meta, bytes) = s
            .task_report_file(mine[0].files[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(bytes, b"%PDF-1.4 test");
        assert_eq!(meta.sha256.len(), 64);
        assert!(s.task_report_file(999).await.unwrap().is_none());

        // Refusals write nothing: empty progress, a file too big.
        let mut empty = report("listing_support", None, "341502", "2023-Q3", "2023-10-09");
        empty.progress = "  ".into();
        assert!(
            s.add_task_report(&empty)
                .await
                .unwrap_err()
                .to_string()
                .contains("工作进展")
        );
        let mut big = report("listing_support", None, "341502", "2023-Q3", "2023-10-09");
        big.files.push(NewFile {
            file_name: "录像.mp4".into(),
            content_type: "video/mp4".into(),
            bytes: vec![0; huiqi_store::assess::MAX_EVIDENCE_BYTES + 1],
        });
        let msg = s.add_task_report(&big).await.unwrap_err().to_string();
        assert!(msg.contains("录像.mp4") && msg.contains("10 MB"), "{msg}");
        assert_eq!(
            s.task_reports(&ReportFilter::default())
                .await
                .unwrap()
                .len(),
            3
        );
    })
    .await;
}

#[tokio::test]
async fn cases_are_published_and_taken_back() {
    each_db(|db| async move {
        let s = &db.store;
        let progress = s
            .add_task_report(&report(
                "publicity_campaign",
                None,
                "341504",
                "2023-Q3",
                "2023-10-01",
            ))
            .await
            .unwrap();
        let mut case = report(
            "publicity_campaign",
            None,
            "341504",
            "2023-Q3",
            "2023-10-02",
        );
        case.kind = ReportKind::Case;
        case.title = "叶集区“企业吹哨、部门报到”助企纾困".into();
        let case = s.add_task_report(&case).await.unwrap();
        let msg = s
            .set_report_published(progress, true, "工作专班", "")
            .await
            .unwrap_err()
            .to_string();
        assert!(msg.contains("只有典型案例和经验做法可以发布"), "{msg}");
        let published = |s: &Store| {
            let s = s.clone();
            async move {
                s.task_reports(&ReportFilter {
                    kind: Some(ReportKind::Case),
                    ..ReportFilter::default()
                })
                .await
                .unwrap()[0]
                    .published
            }
        };
        assert!(!published(s).await);
        s.set_report_published(case, true, "工作专班", "经审核发布")
            .await
            .unwrap();
        assert!(published(s).await);
        s.set_report_published(case, false, "工作专班", "涉及企业隐私，撤回")
            .await
            .unwrap();
        assert!(!published(s).await);
        assert!(s.set_report_published(12345, true, "x", "").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn orders_keep_every_step() {
    each_db(|db| async move {
        let s = &db.store;
        let order = NewOrder {
            task: "listing_support".into(),
            unit: Some("local_finance".into()),
            jurisdiction: "341524".into(),
            period: "2023-Q3".into(),
            requirement: "第三季度挂牌进展逾期未报，请于期限内书面说明原因和整改措施".into(),
            issued_on: day("2023-10-27"),
            due_on: day("2023-11-03"),
            issued_by: "工作专班办公室".into(),
        };
        let id = s.issue_order(&order).await.unwrap();
        let bad = NewOrder {
            due_on: day("2023-10-27"),
            ..order.clone()
        };
        assert!(
            s.issue_order(&bad)
                .await
                .unwrap_err()
                .to_string()
                .contains("答复期限")
        );

        // Closing before any reply is not allowed.
        let msg = s
            .order_action(
                id,
                OrderAction::Close,
                "",
                None,
                "工作专班办公室",
                day("2023-10-28"),
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(msg.contains("待答复") && msg.contains("当前可以"), "{msg}");
        let st = s
            .order_action(
                id,
                OrderAction::Reply,
                "已补报，原因是人员调整",
                None,
                "金寨县金融监管局",
                day("2023-11-01"),
            )
            .await
            .unwrap();
        assert_eq!(st, OrderState::Replied);
        let st = s
            .order_action(
                id,
                OrderAction::Return,
                "请附整改台账",
                Some(day("2023-11-10")),
                "工作专班办公室",
                day("2023-11-02"),
            )
            .await
            .unwrap();
        assert_eq!(st, OrderState::Returned);
        s.order_action(
            id,
            OrderAction::Reply,
            "已附整改台账",
            None,
            "金寨县金融监管局",
            day("2023-11-08"),
        )
        .await
        .unwrap();
        s.order_action(
            id,
            OrderAction::Close,
            "办结",
            None,
            "工作专班办公室",
            day("2023-11-09"),
        )
        .await
        .unwrap();
        let msg = s
            .order_action(
                id,
                OrderAction::Reply,
                "再答复",
                None,
                "x",
                day("2023-11-10"),
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(msg.contains("已结束"), "{msg}");

        let all = s.orders(Some("341524")).await.unwrap();
        assert_eq!(all.len(), 1);
        let o = &all[0];
        assert_eq!(o.state, OrderState::Closed);
        assert_eq!(o.due_on, day("2023-11-10"));
        let steps: Vec<(&str, Option<OrderState>, OrderState, &str)> = o
            .events
            .iter()
            .map(|e| (e.action.as_str(), e.from, e.to, e.by.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                ("issue", None, OrderState::Issued, "工作专班办公室"),
                (
                    "reply",
                    Some(OrderState::Issued),
                    OrderState::Replied,
                    "金寨县金融监管局"
                ),
                (
                    "return",
                    Some(OrderState::Replied),
                    OrderState::Returned,
                    "工作专班办公室"
                ),
                (
                    "reply",
                    Some(OrderState::Returned),
                    OrderState::Replied,
                    "金寨县金融监管局"
                ),
                (
                    "close",
                    Some(OrderState::Replied),
                    OrderState::Closed,
                    "工作专班办公室"
                ),
            ]
        );
        assert_eq!(o.events[2].note, "请附整改台账");
        assert!(s.orders(Some("341502")).await.unwrap().is_empty());
        assert!(
            s.order_action(777, OrderAction::Reply, "x", None, "x", day("2023-11-10"))
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_replies_to_one_order_write_one_step() {
    each_db(|db| async move {
        let s = db.store.clone();
        let id = s
            .issue_order(&NewOrder {
                task: "listing_support".into(),
                unit: None,
                jurisdiction: "341502".into(),
                period: "2023-Q3".into(),
                requirement: "请说明".into(),
                issued_on: day("2023-10-27"),
                due_on: day("2023-11-03"),
                issued_by: "工作专班办公室".into(),
            })
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..6 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.order_action(
                    id,
                    OrderAction::Reply,
                    &format!("答复{i}"),
                    None,
                    "x",
                    day("2023-11-01"),
                )
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                // The others see the reply already given, or that someone acted just before them.
                Err(e) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains("已答复") || msg.contains("刚被他人处理过"),
                        "{msg}"
                    );
                }
            }
        }
        assert_eq!(ok, 1);
        let o = &s.orders(None).await.unwrap()[0];
        assert_eq!(o.events.len(), 2);
        assert_eq!(o.state, OrderState::Replied);
    })
    .await;
}

#[tokio::test]
async fn assessments_are_kept_and_published() {
    each_db(|db| async move {
        let s = &db.store;
        let a = NewAssessment {
            year: 2023,
            scheme_id: "county-assessment".into(),
            scheme_version: "2023-v1".into(),
            scheme_sha256: "ab".repeat(32),
            pool_fen: 800_000_000,
            result: r#"{"rows":[]}"#.into(),
            computed_by: "工作专班".into(),
        };
        let first = s.save_assessment(&a).await.unwrap();
        let second = s.save_assessment(&a).await.unwrap();
        assert!(s.published_assessment(2023).await.unwrap().is_none());
        s.set_assessment_published(first, true, "工作专班", "")
            .await
            .unwrap();
        assert_eq!(
            s.published_assessment(2023).await.unwrap().unwrap().id,
            first
        );
        s.set_assessment_published(second, true, "工作专班", "更正后重新发布")
            .await
            .unwrap();
        assert_eq!(
            s.published_assessment(2023).await.unwrap().unwrap().id,
            second
        );
        s.set_assessment_published(second, false, "工作专班", "撤回")
            .await
            .unwrap();
        assert_eq!(
            s.published_assessment(2023).await.unwrap().unwrap().id,
            first
        );
        assert!(s.published_assessment(2024).await.unwrap().is_none());
        let all = s.assessments(Some(2023)).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].pool_fen, 800_000_000);
        assert!(s.set_assessment_published(99, true, "x", "").await.is_err());
    })
    .await;
}
