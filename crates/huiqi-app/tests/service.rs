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
        "测试",
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

/// A small deterministic generator for the random walk below (xorshift).
struct Walk(u64);

impl Walk {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The counts table (kept with every change, read by the 清单, the 通报 and the assessment) says
/// the same as a scan of the problems, for every dimension and scope, after a varied sequence of
/// events: a demo year (intake on every channel, duplicates, dispatch, transfers, replies,
/// confirmations, 视为解决, reopenings, ratings), then a random walk of actions by every kind of
/// actor — the refused ones must change nothing.
#[tokio::test]
async fn the_counts_table_equals_a_scan_of_the_problems() {
    each_db(|db| async move {
        let today = d("2026-06-30");
        let app = App::new(
            db.store.clone(),
            huiqi_app::builtin_pack().unwrap(),
            huiqi_rules::Rules::builtin(),
            d("2024-12-31"),
        );
        let dir = tempfile::tempdir().unwrap();
        let firms = registry(&app, dir.path()).await;
        let demo = service::seed_demo(&app, d("2026-03-31"), 120)
            .await
            .unwrap();
        assert!(demo.problems >= 100 && demo.duplicates > 0, "{demo:?}");

        let actions = [
            Action::Dispatch,
            Action::Accept,
            Action::Transfer,
            Action::Escalate,
            Action::AskEnterprise,
            Action::Supplement,
            Action::Extend,
            Action::Reply,
            Action::CloseUnresolvable,
            Action::CloseNotRemit,
            Action::MarkDuplicate,
            Action::Confirm,
            Action::Reopen,
            Action::Rate,
        ];
        let targets = ["tax", "local_finance", "commerce", "county"];
        let (all, n) = db
            .store
            .service_list(&huiqi_store::service::ProblemFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len() as i64, n);
        let mut ids: Vec<i64> = all.iter().map(|p| p.id).collect();
        let categories = ["融资", "用工", "政策咨询", "审批办事", "拖欠账款"];
        let mut w = Walk(0x2026_0630);
        let (mut done, mut refused) = (0, 0);
        let mut day = d("2026-04-01");
        for step in 0..400 {
            if step % 40 == 39 {
                day = day + chrono::Days::new(7);
                service::auto_resolve(&app, day, Utc::now()).await.unwrap();
            }
            // New problems keep coming in: at the front desk (dispatched at once) or from the
            // enterprise's page (waiting for dispatch); some are duplicates of open ones.
            if step % 6 == 0 {
                let (uscc, _) = &firms[w.below(firms.len())];
                let origin = if w.below(2) == 0 {
                    Origin::Viewer(Role::Admin, Channel::FrontDesk)
                } else {
                    Origin::Viewer(
                        Role::Enterprise(Uscc::parse(uscc).unwrap()),
                        Channel::EnterprisePage,
                    )
                };
                let category = categories[w.below(categories.len())];
                let text = format!("第{}类问题的情况说明", w.below(3));
                let out = service::intake(
                    &app,
                    &origin,
                    "测试",
                    &intake(uscc, category, "随机问题", &text),
                    day,
                    Utc::now(),
                )
                .await
                .unwrap();
                ids.push(out.id);
            }
            // Mostly open problems and actions their state allows (by an actor who may take
            // them); one step in five anything by anyone, to be refused.
            let mut id = ids[w.below(ids.len())];
            let mut p = db.store.service_problem(id).await.unwrap().unwrap();
            for _ in 0..4 {
                if p.state().is_open() || p.state() == State::Replied {
                    break;
                }
                id = ids[w.below(ids.len())];
                p = db.store.service_problem(id).await.unwrap().unwrap();
            }
            let legal: Vec<Action> = actions
                .iter()
                .copied()
                .filter(|a| huiqi_service::state::next(p.state(), *a).is_some())
                .collect();
            let wild = legal.is_empty() || w.below(5) == 0;
            let action = if wild {
                actions[w.below(actions.len())]
            } else {
                legal[w.below(legal.len())]
            };
            let handler_role = match p.handler.split_once(':') {
                Some(("unit", u)) => Role::Unit(u.into()),
                Some((_, c)) => Role::County(c.into()),
                None => Role::Admin,
            };
            let enterprise = Role::Enterprise(Uscc::parse(&p.uscc).unwrap());
            let by_actor = |a: &huiqi_service::Actor| match a {
                huiqi_service::Actor::Enterprise => enterprise.clone(),
                huiqi_service::Actor::Handler => handler_role.clone(),
                _ => Role::Admin,
            };
            let role = if wild {
                [Role::Admin, enterprise.clone(), handler_role.clone()][w.below(3)].clone()
            } else {
                let who = huiqi_service::state::actors(action);
                by_actor(&who[w.below(who.len())])
            };
            let input = ActionInput {
                note: "随机步骤的说明".into(),
                rating: Some(1 + w.below(5) as u8),
                extension_workdays: Some(3),
                target: targets[w.below(targets.len())].into(),
                // A duplicate names an open problem of the same enterprise and category.
                original: if action == Action::MarkDuplicate {
                    let same: Vec<i64> = all
                        .iter()
                        .filter(|o| o.id != id && o.uscc == p.uscc && o.category == p.category)
                        .map(|o| o.id)
                        .collect();
                    Some(if same.is_empty() {
                        ids[w.below(ids.len())]
                    } else {
                        same[w.below(same.len())]
                    })
                } else {
                    None
                },
            };
            match service::act(&app, &role, "测试", id, action, &input, day, Utc::now()).await {
                Ok(_) => done += 1,
                Err(e) => {
                    if refused < 8 {
                        eprintln!("refused {action:?} by {role:?} on {id}: {e}");
                    }
                    refused += 1
                }
            }
        }
        assert!(done > 40 && refused > 40, "{done} done, {refused} refused");

        let counties: Vec<String> = {
            let mut c: Vec<String> = all.iter().map(|p| p.county.clone()).collect();
            c.sort();
            c.dedup();
            c
        };
        let handlers: Vec<String> = {
            let mut h: Vec<String> = all.iter().map(|p| p.handler.clone()).collect();
            h.sort();
            h.dedup();
            h
        };
        let mut compared = 0;
        for (from, to) in [
            ("2025-01", "2026-12"),
            ("2025-04", "2025-04"),
            ("2026-01", "2026-03"),
        ] {
            for by in [
                GroupBy::Handler,
                GroupBy::County,
                GroupBy::Category,
                GroupBy::Month,
                GroupBy::All,
            ] {
                let mut scopes: Vec<(Option<&str>, Option<&str>)> = vec![(None, None)];
                scopes.extend(counties.iter().take(3).map(|c| (Some(c.as_str()), None)));
                scopes.extend(handlers.iter().take(4).map(|h| (None, Some(h.as_str()))));
                for (county, handler) in scopes {
                    for on in [d("2026-03-31"), today] {
                        let table = db
                            .store
                            .service_counts(by, from, to, county, handler, on)
                            .await
                            .unwrap();
                        let scan = db
                            .store
                            .service_counts_scan(by, from, to, county, handler, on)
                            .await
                            .unwrap();
                        let scan: Vec<_> = scan
                            .into_iter()
                            .filter(|(_, c)| c.received > 0 || by == GroupBy::All)
                            .collect();
                        assert_eq!(
                            table, scan,
                            "{by:?} {from}..{to} {county:?} {handler:?} {on}"
                        );
                        compared += table.len();
                    }
                }
            }
        }
        assert!(compared > 200, "{compared} groups compared");
        // The table is not trivially empty: the year's total has every kind of count.
        let total = db
            .store
            .service_counts(GroupBy::All, "2025-01", "2026-12", None, None, today)
            .await
            .unwrap();
        let t = total[0].1;
        assert!(
            t.received > 0
                && t.done > 0
                && t.resolved > 0
                && t.reopened > 0
                && t.rated > 0
                && t.open > 0
                && t.overdue > 0,
            "{t:?}"
        );

        // 日常调度's panel: this year in the viewer's scope, the same figures.
        for (role, county, handler) in [
            (Role::Admin, None, None),
            (
                Role::County(counties[0].clone()),
                Some(counties[0].as_str()),
                None,
            ),
        ] {
            let p = service::panel(&app, &role, today).await.unwrap().unwrap();
            let scan = db
                .store
                .service_counts_scan(GroupBy::All, "2026-01", "2026-12", county, handler, today)
                .await
                .unwrap();
            assert_eq!(p.counts, scan[0].1, "{role:?}");
        }
        // The 临期/逾期 list: every overdue problem counted, the listed ones red or yellow.
        let alerts = service::alerts(&app, &Role::Admin, today, 1000)
            .await
            .unwrap();
        assert_eq!(alerts.overdue, t.overdue);
        assert_eq!(alerts.rows.len() as i64, alerts.overdue + alerts.due_soon);
        assert!(alerts.rows.iter().all(|r| {
            r.due
                .is_some_and(|d| d != huiqi_service::limits::Due::Green)
        }));
        assert!(
            service::panel(
                &app,
                &Role::Enterprise(Uscc::parse(&all[0].uscc).unwrap()),
                today
            )
            .await
            .unwrap()
            .is_none()
        );
    })
    .await;
}

async fn coverage_now(app: &App) -> Vec<huiqi_app::service::Coverage> {
    service::coverage(app, &Role::Admin, d("2026-03-02"))
        .await
        .unwrap()
        .2
}

/// 千名干部联万企 from an .xlsx (or .csv) through huiqi-ingest's bounded reader: a bad row is named
/// by its row and column and nothing is kept; a county assigns only in its own county; the
/// template reads back as a file with no rows.
#[tokio::test]
async fn officials_are_assigned_from_an_xlsx_all_or_nothing() {
    each_db(|db| async move {
        let app = App::new(
            db.store.clone(),
            huiqi_app::builtin_pack().unwrap(),
            huiqi_rules::Rules::builtin(),
            d("2024-12-31"),
        );
        let dir = tempfile::tempdir().unwrap();
        let firms = registry(&app, dir.path()).await;
        let (a, county) = firms[0].clone();
        let (b, _) = firms
            .iter()
            .find(|f| f.1 == county && f.0 != a)
            .unwrap()
            .clone();
        let (c, other) = firms.iter().find(|f| f.1 != county).unwrap().clone();
        let write = |name: &str, rows: &[[&str; 4]]| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.write_string(0, 0, "联企干部安排").unwrap();
            for (i, h) in ["干部", "职务", "县区", "统一社会信用代码"]
                .iter()
                .enumerate()
            {
                sheet.write_string(2, i as u16, *h).unwrap();
            }
            for (r, row) in rows.iter().enumerate() {
                for (i, v) in row.iter().enumerate() {
                    sheet.write_string(3 + r as u32, i as u16, *v).unwrap();
                }
            }
            let path = dir.path().join(name);
            book.save(&path).unwrap();
            imports::open_file(&path).unwrap()
        };
        let county_name = app.jurisdiction_name(&county);
        let today = d("2026-03-02");

        // A bad code in the second data row (row 5 of the sheet): named, nothing kept.
        let bad = write(
            "bad.xlsx",
            &[
                ["王干部", "科长", &county, &a],
                ["李干部", "", &county_name, "91341500MA2N0XXX0Y"],
            ],
        );
        let e = service::assign_file(&app, &Role::Admin, "测试", &bad, today)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("第 5 行") && e.contains("统一社会信用代码"),
            "{e}"
        );
        assert!(e.contains("未安排任何联企关系"), "{e}");
        assert!(coverage_now(&app).await.is_empty(), "nothing written");

        // A county may assign in its own county only: refused whole, with the file's row.
        let mixed = write(
            "mixed.xlsx",
            &[
                ["王干部", "科长", &county, &a],
                ["王干部", "科长", &other, &c],
            ],
        );
        let e = service::assign_file(&app, &Role::County(county.clone()), "测试", &mixed, today)
            .await
            .unwrap_err();
        assert!(matches!(e, huiqi_app::AppError::Forbidden(_)), "{e}");
        assert!(e.to_string().contains("第 5 行"), "{e}");
        assert!(coverage_now(&app).await.is_empty(), "nothing written");
        // A unit may not assign at all.
        assert!(
            service::assign_file(&app, &Role::Unit("tax".into()), "测试", &mixed, today)
                .await
                .is_err()
        );

        // Good rows, the county by its Chinese name too: one official, two enterprises.
        let good = write(
            "good.xlsx",
            &[
                ["王干部", "科长", &county, &a],
                ["王干部", "科长", &county_name, &b],
            ],
        );
        let n = service::assign_file(&app, &Role::County(county.clone()), "测试", &good, today)
            .await
            .unwrap();
        assert_eq!(n, 2);
        let cov = coverage_now(&app).await;
        assert_eq!(cov.len(), 1);
        assert_eq!((cov[0].official.as_str(), cov[0].assigned), ("王干部", 2));
        assert_eq!(cov[0].county, county);

        // The same columns from a CSV.
        let csv = dir.path().join("a.csv");
        std::fs::write(
            &csv,
            format!("干部,职务,县区,统一社会信用代码\n赵干部,,{other},{c}\n"),
        )
        .unwrap();
        let n = service::assign_file(
            &app,
            &Role::Admin,
            "测试",
            &imports::open_file(&csv).unwrap(),
            today,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);

        // The template has the columns and no rows: read back, it is refused as empty.
        let t = service::assign_template(&app, &Role::Admin).unwrap();
        let path = dir.path().join("template.xlsx");
        std::fs::write(&path, t).unwrap();
        let e = service::assign_file(
            &app,
            &Role::Admin,
            "测试",
            &imports::open_file(&path).unwrap(),
            today,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(e.contains("没有联企干部安排数据行"), "{e}");
        assert!(service::assign_template(&app, &Role::Unit("tax".into())).is_err());
    })
    .await;
}
