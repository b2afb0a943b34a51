//! Every import attempt is logged with who made it and its counts: committed, unchanged, refused
//! (nothing of it written) and unreadable files alike. On SQLite and (with
//! HUIQI_TEST_POSTGRES_URL) PostgreSQL.

use huiqi_app::imports::{self, ImportKind, LogOutcome, Outcome};
use huiqi_domain::registry::Source;
use huiqi_store::testing::each_db;

#[tokio::test]
async fn every_import_attempt_is_logged_with_its_actor_counts_and_outcome() {
    each_db(|db| async move {
        let store = &db.store;
        let pack = huiqi_app::builtin_pack().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kind = ImportKind::Registry(Source::Facts);
        let good = dir.path().join("事实表.csv");
        huiqi_synth::write_csv(std::fs::File::create(&good).unwrap(), 30, 2024, 5).unwrap();
        for actor in ["admin", "命令行"] {
            let file = imports::open_file(&good).unwrap();
            imports::import_file(store, &pack, kind, Some(2024), file, actor, |_| {})
                .await
                .unwrap();
        }
        // One bad row among good ones: refused, nothing written.
        let text = std::fs::read_to_string(&good).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let rest = &lines[3][lines[3].find(',').unwrap()..];
        lines[3] = format!("不是信用代码{rest}");
        let bad = dir.path().join("坏表.csv");
        std::fs::write(&bad, lines.join("\n")).unwrap();
        let before = store.registry_counts().await.unwrap();
        let file = imports::open_file(&bad).unwrap();
        let report = imports::import_file(store, &pack, kind, Some(2024), file, "admin", |_| {})
            .await
            .unwrap();
        assert!(matches!(report.outcome, Outcome::Refused(_)));
        assert_eq!(store.registry_counts().await.unwrap(), before);
        // Not a spreadsheet at all.
        let junk = dir.path().join("乱码.xlsx");
        std::fs::write(&junk, b"not a zip").unwrap();
        // Refused when opened (the web logs it then; see admin.rs): logged as refused.
        assert!(imports::open_file(&junk).is_err());
        imports::log_unreadable(store, kind, Some(2024), "乱码.xlsx", "admin")
            .await
            .unwrap();

        let (log, total) = imports::log_page(store, 10, 0).await.unwrap();
        assert_eq!(total, 4);
        let outcome = |i: usize| LogOutcome::parse(&log[i].outcome).unwrap();
        // Newest first.
        assert_eq!(log[0].file_name, "乱码.xlsx");
        assert_eq!(outcome(0), LogOutcome::Refused);
        assert_eq!(log[1].file_name, "坏表.csv");
        assert_eq!(outcome(1), LogOutcome::Refused);
        assert!(log[1].rows_refused >= 1, "{:?}", log[1]);
        assert_eq!(log[1].rows_read, 30);
        assert_eq!((log[1].rows_new, log[1].import_id), (0, None));
        assert_eq!(
            (log[2].actor.as_str(), outcome(2)),
            ("命令行", LogOutcome::Unchanged)
        );
        assert_eq!(log[2].rows_unchanged, 30);
        assert_eq!(
            (log[3].actor.as_str(), outcome(3)),
            ("admin", LogOutcome::Committed)
        );
        assert_eq!((log[3].rows_read, log[3].rows_new), (30, 30));
        assert_eq!(log[3].year, Some(2024));
        assert!(log[3].import_id.is_some());
        let (page2, _) = imports::log_page(store, 2, 2).await.unwrap();
        assert_eq!(page2[0].id, log[2].id);
    })
    .await;
}
