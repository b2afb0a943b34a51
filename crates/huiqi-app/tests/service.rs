//! 为企服务 end to end over the store, on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL:
//! intake (registered and not), routing and 兜底, duplicates, the whole life of a problem with
//! every change kept as an event, transfers capped, reopening once, 视为解决, scope, the 清单's
//! rates and the assessment's inputs.

use std::path::Path;

use chrono::{NaiveDate, Utc};
use huiqi_app::App;
use huiqi_app::accounts::Role;
use huiqi_app::imports::{self, ImportKind, Outcome};
use huiqi_app::service::{self, ActionInput, Channel, GroupBy, Intake, Origin, PublicFilter};
use huiqi_domain::Uscc;
use huiqi_domain::registry::Source;
use huiqi_service::{Action, State};
use huiqi_store::testing::each_db;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn registry(app: &App, dir: &Path) -> Vec<(String, String)> {
    let path = dir.join("f.csv");
    huiqi_synth::write_csv(std::fs::File::create(&path).unwrap(), 60, 2024, 3).unwrap();
    let file = imports::open_file(&path).unwrap();
    let report = imports::import_file(
        &app.store,
        &app.pack,
        ImportKind::Registry(Source::Facts),
        Some(2024),
        file,
        |_| {},
    )
    .await
    .unwrap();
    assert!(matches!(report.outcome, Outcome::Committed { .. }));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].to_string())
        })
        .collect()
}

fn intake(uscc: &str, category: &str, title: &str, description: &str) -> Intake {
    Intake {
        uscc: uscc.into(),
        category: category.into(),
        title: title.into(),
        description: description.into(),
        contact_name: "张三".into(),
        contact_phone: "13905640000".into(),
        public: true,
        ..Intake::default()
    }
}

async fn act(
    app: &App,
    role: &Role,
    id: i64,
    action: Action,
    input: ActionInput,
    on: &str,
) -> Result<State, huiqi_app::AppError> {
    service::act(app, role, "测试", id, action, &input, d(on), Utc::now()).await
}

fn note(s: &str) -> ActionInput {
    ActionInput {
        note: s.into(),
        ..ActionInput::default()
    }
}

#[tokio::test]
async fn a_problems_whole_life() {
    each_db(|db| async move {
        let app = App::new(
            db.store.clone(),
            huiqi_app::builtin_pack().unwrap(),
            huiqi_rules::Rules::builtin(),
            d("2024-12-31"),
        );
        let dir = tempfile::tempdir().unwrap();
        let firms = registry(&app, dir.path()).await;
        let (uscc, county) = firms[0].clone();
        let other_county = firms.iter().find(|f| f.1 != county).unwrap().1.clone();
        let ent = Role::Enterprise(Uscc::parse(&uscc).unwrap());
        let now = Utc::now();

        // The enterprise raises a financing problem on its own page on Friday 2026-09-25
        // (a holiday in 2026: 中秋 09-25..09-27): received, handler proposed by the routing table.
        let out = service::intake(
            &app,
            &Origin::Viewer(ent.clone(), Channel::EnterprisePage),
            "企业",
            &intake(
                &uscc,
                "融资",
                "首贷被拒",
                "首次申请流动资金贷款 200 万元因缺少抵押物被拒",
            ),
            d("2026-09-24"),
            now,
        )
        .await
        .unwrap();
        assert_eq!(out.state, State::Received);
        assert!(out.registered);
        assert_eq!(out.handler_name, "市金融监管局");
        // 5 working days after Thursday 09-24: 09-25..27 off (中秋), 09-28, 09-29, 09-30, then
        // 10-01..10-07 off (国庆), 10-08, 10-09 → 10-09.
        assert_eq!(out.deadline, d("2026-10-09"));
        let id = out.id;

        // An enterprise may not raise for another; a unit may not take in from the front desk.
        let e = service::intake(
            &app,
            &Origin::Viewer(ent.clone(), Channel::EnterprisePage),
            "企业",
            &intake(&firms[1].0, "融资", "x", "y"),
            d("2026-09-24"),
            now,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, huiqi_app::AppError::Forbidden(_)), "{e}");
        assert!(
            service::intake(
                &app,
                &Origin::Viewer(Role::Unit("tax".into()), Channel::FrontDesk),
                "x",
                &intake(&uscc, "融资", "x", "y"),
                d("2026-09-24"),
                now
            )
            .await
            .is_err()
        );

        // The same problem again within 30 days: linked, not counted twice.
        let dup = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::Hotline),
            "前台",
            &intake(
                &uscc,
                "financing",
                "首贷被拒了",
                "首次申请流动资金贷款200万元，因缺少抵押物被银行拒绝",
            ),
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap();
        assert_eq!(dup.state, State::Duplicate);
        assert_eq!(dup.duplicate_of.map(|x| x.0), Some(id));

        // A business not in the registry: accepted and flagged; it needs its name and county;
        // 其他 goes to the county (兜底). An invalid code is refused.
        let mut other = Vec::new();
        huiqi_synth::write_csv(&mut other, 1, 2024, 99).unwrap();
        let stranger = String::from_utf8(other)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        assert!(!firms.iter().any(|f| f.0 == stranger));
        let no_county = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &intake(&stranger, "其他", "路灯损坏", "厂区门口路灯损坏两个月"),
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap_err();
        assert!(no_county.to_string().contains("县区"), "{no_county}");
        let unreg = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &Intake {
                enterprise_name: "六安某某商贸有限公司".into(),
                county: "341503".into(),
                ..intake(&stranger, "其他", "路灯损坏", "厂区门口路灯损坏两个月")
            },
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap();
        assert!(!unreg.registered);
        assert_eq!(unreg.handler_name, "裕安区（兜底）");
        let bad = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &intake("91341500MA2TEST00", "其他", "x", "y"),
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap_err();
        assert!(bad.to_string().contains("统一社会信用代码"), "{bad}");
        let e = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &intake(&uscc, "不存在的类别", "x", "y"),
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("融资"), "{e}");

        // Attachments: type checked by name and content.
        let e = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &Intake {
                attachments: vec![("a.exe".into(), b"MZ".to_vec())],
                ..intake(&uscc, "用工", "招工难", "缺焊工")
            },
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("a.exe"), "{e}");
        let e = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &Intake {
                attachments: vec![("a.pdf".into(), b"not a pdf".to_vec())],
                ..intake(&uscc, "用工", "招工难", "缺焊工")
            },
            d("2026-09-28"),
            now,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("不符"), "{e}");

        // Front desk dispatches; the unit signs; another unit cannot act; the county of another
        // county cannot see it.
        let unit = Role::Unit("local_finance".into());
        act(
            &app,
            &Role::Admin,
            id,
            Action::Dispatch,
            ActionInput {
                target: "local_finance".into(),
                ..Default::default()
            },
            "2026-09-28",
        )
        .await
        .unwrap();
        assert!(
            act(
                &app,
                &Role::Unit("tax".into()),
                id,
                Action::Accept,
                ActionInput::default(),
                "2026-09-28"
            )
            .await
            .is_err()
        );
        assert!(matches!(
            service::problem(
                &app,
                &Role::County(other_county.clone()),
                id,
                d("2026-09-28")
            )
            .await,
            Err(huiqi_app::AppError::Forbidden(_))
        ));
        assert!(
            service::problem(&app, &Role::County(county.clone()), id, d("2026-09-28"))
                .await
                .is_ok()
        );
        act(
            &app,
            &unit,
            id,
            Action::Accept,
            ActionInput::default(),
            "2026-09-28",
        )
        .await
        .unwrap();

        // Two transfers, then the working group decides.
        act(
            &app,
            &unit,
            id,
            Action::Transfer,
            ActionInput {
                note: "属银行监管事项".into(),
                target: "nfra_luan".into(),
                ..Default::default()
            },
            "2026-09-28",
        )
        .await
        .unwrap();
        let nfra = Role::Unit("nfra_luan".into());
        act(
            &app,
            &nfra,
            id,
            Action::Transfer,
            ActionInput {
                note: "属人民银行职责".into(),
                target: "pboc_luan".into(),
                ..Default::default()
            },
            "2026-09-29",
        )
        .await
        .unwrap();
        let pboc = Role::Unit("pboc_luan".into());
        let e = act(
            &app,
            &pboc,
            id,
            Action::Transfer,
            ActionInput {
                note: "再转".into(),
                target: "economy_it".into(),
                ..Default::default()
            },
            "2026-09-29",
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("工作专班"), "{e}");
        act(
            &app,
            &pboc,
            id,
            Action::Escalate,
            note("三家单位职责交叉，请专班协调"),
            "2026-09-29",
        )
        .await
        .unwrap();
        act(
            &app,
            &Role::Admin,
            id,
            Action::Dispatch,
            ActionInput {
                target: "local_finance".into(),
                note: "由市金融监管局牵头".into(),
                ..Default::default()
            },
            "2026-09-30",
        )
        .await
        .unwrap();
        act(
            &app,
            &unit,
            id,
            Action::Accept,
            ActionInput::default(),
            "2026-09-30",
        )
        .await
        .unwrap();
        // A reply without text is refused; with text it is 办结 (not 解决).
        assert!(
            act(&app, &unit, id, Action::Reply, note(" "), "2026-10-08")
                .await
                .is_err()
        );
        act(
            &app,
            &unit,
            id,
            Action::Reply,
            note("已协调合作银行办理信用贷款"),
            "2026-10-08",
        )
        .await
        .unwrap();
        let p = service::problem(&app, &ent, id, d("2026-10-08"))
            .await
            .unwrap();
        assert_eq!(p.problem.state, State::Replied);
        assert_eq!(p.problem.done_on_time, Some(true));
        assert!(!p.problem.resolved);
        assert!(p.actions.contains(&Action::Confirm) && p.actions.contains(&Action::Reopen));
        // An enterprise sees the office, not the official's account.
        assert!(p.events.iter().all(|e| e.by != "测试"));

        // 视为解决 only after 5 working days: replied Thu 10-08; 10-09 (Fri), 10-10 (Sat, worked),
        // 10-12, 10-13 → 4 by 10-13; 10-14 → 5.
        assert_eq!(
            service::auto_resolve(&app, d("2026-10-13"), now)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            service::auto_resolve(&app, d("2026-10-14"), now)
                .await
                .unwrap(),
            1
        );
        // The enterprise reopens once within 15 working days, and rates.
        act(
            &app,
            &ent,
            id,
            Action::Reopen,
            note("银行仍未放款"),
            "2026-10-15",
        )
        .await
        .unwrap();
        act(
            &app,
            &Role::Admin,
            id,
            Action::Dispatch,
            ActionInput {
                target: "local_finance".into(),
                ..Default::default()
            },
            "2026-10-15",
        )
        .await
        .unwrap();
        act(
            &app,
            &unit,
            id,
            Action::Accept,
            ActionInput::default(),
            "2026-10-15",
        )
        .await
        .unwrap();
        act(
            &app,
            &unit,
            id,
            Action::Reply,
            note("已放款 150 万元"),
            "2026-10-16",
        )
        .await
        .unwrap();
        act(
            &app,
            &ent,
            id,
            Action::Confirm,
            ActionInput::default(),
            "2026-10-16",
        )
        .await
        .unwrap();
        let e = act(
            &app,
            &ent,
            id,
            Action::Reopen,
            note("还想重办"),
            "2026-10-19",
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("一次"), "{e}");
        assert!(
            act(
                &app,
                &ent,
                id,
                Action::Rate,
                ActionInput {
                    rating: Some(6),
                    ..Default::default()
                },
                "2026-10-19"
            )
            .await
            .is_err()
        );
        act(
            &app,
            &ent,
            id,
            Action::Rate,
            ActionInput {
                rating: Some(4),
                ..Default::default()
            },
            "2026-10-19",
        )
        .await
        .unwrap();

        // Every change kept: who, when, from, to, note.
        let events = db.store.service_events(id).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "intake",
                "dispatch",
                "accept",
                "transfer",
                "transfer",
                "escalate",
                "dispatch",
                "accept",
                "reply",
                "auto_resolve",
                "reopen",
                "dispatch",
                "accept",
                "reply",
                "confirm",
                "rate"
            ]
        );
        assert_eq!(events[3].handler_from, "unit:local_finance");
        assert_eq!(events[3].handler_to, "unit:nfra_luan");
        assert_eq!(events[3].note, "属银行监管事项");
        assert_eq!(events[9].by_user, "系统");

        // The 清单: the duplicate is not counted; 办结 ≠ 解决 stays visible for an open problem.
        let open = service::intake(
            &app,
            &Origin::Viewer(Role::Admin, Channel::FrontDesk),
            "前台",
            &intake(&firms[1].0, "政策咨询", "六税两费", "个体户能否享受"),
            d("2026-10-19"),
            now,
        )
        .await
        .unwrap();
        assert_eq!(open.state, State::Dispatched);
        assert_eq!(open.deadline, d("2026-10-20"));
        let rows = service::rates(&app, &Role::Admin, GroupBy::County, 2026, d("2026-10-22"))
            .await
            .unwrap();
        let total = rows.last().unwrap();
        assert_eq!(total.counts.received, 3);
        assert_eq!(total.counts.done, 1);
        assert_eq!(total.counts.resolved, 1);
        assert_eq!(total.counts.done_on_time, 1);
        assert_eq!(total.counts.reopened, 1);
        assert_eq!(total.counts.rated, 1);
        assert_eq!(total.counts.satisfied, 1);
        assert_eq!(total.counts.open, 2);
        // The unregistered one (其他, 5 working days from 09-28: 10-10, a Saturday worked) and the consultation (10-20).
        assert_eq!(total.counts.overdue, 2);
        assert_eq!(total.rates.done.percent(), "33.3%");
        // A unit sees only its own; an enterprise none.
        let mine = service::rates(&app, &unit, GroupBy::Handler, 2026, d("2026-10-22"))
            .await
            .unwrap();
        assert_eq!(mine.last().unwrap().counts.received, 1);
        assert!(
            service::rates(&app, &ent, GroupBy::Handler, 2026, d("2026-10-22"))
                .await
                .is_err()
        );
        // The assessment's inputs per county.
        let inputs = service::assess_inputs(&app, 2026, d("2026-10-22"))
            .await
            .unwrap();
        assert_eq!(inputs.get(&county), Some(&((1, 1), (1, 1))));

        // Queues by scope.
        let q = service::queue(&app, &ent, &Default::default(), d("2026-10-22"))
            .await
            .unwrap();
        assert_eq!(q.total, 2, "its problem and its duplicate");
        let q = service::queue(
            &app,
            &Role::County(other_county.clone()),
            &Default::default(),
            d("2026-10-22"),
        )
        .await
        .unwrap();
        assert!(q.rows.iter().all(|r| r.county == other_county));

        // Public reads: only public problems, and the view has no contact.
        let public = service::public_requests(&app, &PublicFilter::default(), d("2026-10-22"))
            .await
            .unwrap();
        assert!(public.iter().all(|p| p.public));
        assert!(!public.is_empty());
    })
    .await;
}
