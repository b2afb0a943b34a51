//! The lists beside the registry (certifications, training sessions) and the figures counted from
//! them, on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL. The targets computed from these
//! figures are tested in huiqi-app (`tests/computed.rs`).

use huiqi_domain::figures::Figure;
use huiqi_domain::lists::{CertKind, ListRows};
use huiqi_store::progress::Window;
use huiqi_store::registry::ImportOutcome;
use huiqi_store::testing::each_db;
use huiqi_store::testing::fixtures::{cert, committed, date, meta, register, session};

#[tokio::test]
async fn certifications_import_atomically_and_idempotently_with_provenance() {
    each_db(|db| async move {
        let s = &db.store;
        register(
            s,
            &[(1, "341502", "2020-01-01"), (2, "341503", "2020-01-01")],
        )
        .await;
        let rows = || {
            ListRows::Certifications(vec![
                cert(2, 1, CertKind::TechSme, "2023-03-01"),
                cert(3, 1, CertKind::ProvincialZjtx, "2023-08-01"),
                cert(4, 2, CertKind::TechSme, "2023-05-01"),
            ])
        };
        assert_eq!(
            committed(s.import_list(&meta("a.csv"), &rows()).await.unwrap()),
            (3, 0, 0)
        );
        // The same file again: nothing changes, not even a new import.
        let out = s.import_list(&meta("a.csv"), &rows()).await.unwrap();
        assert!(matches!(out, ImportOutcome::Unchanged { .. }), "{out:?}");
        let imports = s.list_imports().await.unwrap();
        assert_eq!(imports.len(), 1);
        assert_eq!(
            (
                imports[0].source.as_str(),
                imports[0].file_name.as_str(),
                imports[0].file_sha256.as_str()
            ),
            ("certifications", "a.csv", "sha-of-a.csv")
        );
        let stored = s.certifications(None).await.unwrap();
        assert_eq!(stored.len(), 3);
        assert!(stored.iter().all(|c| c.import_id == imports[0].id));

        // A file naming an enterprise not in the registry imports nothing, and says which row.
        let bad = ListRows::Certifications(vec![
            cert(2, 2, CertKind::InnovativeSme, "2023-06-01"),
            cert(3, 9, CertKind::TechSme, "2023-06-01"),
        ]);
        let out = s.import_list(&meta("b.csv"), &bad).await.unwrap();
        let ImportOutcome::Rejected(errors) = out else {
            panic!("{out:?}")
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].row, errors[0].column.as_deref()),
            (3, Some("统一社会信用代码"))
        );
        assert!(errors[0].message.contains("不在企业库中"), "{}", errors[0]);
        assert_eq!(s.certifications(None).await.unwrap(), stored);
        assert_eq!(s.list_imports().await.unwrap().len(), 1);

        // A corrected date replaces the row; the old value is kept in the history.
        let fixed = ListRows::Certifications(vec![cert(2, 2, CertKind::TechSme, "2023-05-02")]);
        assert_eq!(
            committed(s.import_list(&meta("c.csv"), &fixed).await.unwrap()),
            (0, 1, 0)
        );
        assert_eq!(s.list_history_count().await.unwrap(), 1);
        let tech = s.certifications(Some(CertKind::TechSme)).await.unwrap();
        assert_eq!(tech.len(), 2);
        assert_eq!(tech[1].certified_on, date("2023-05-02"));
        assert_eq!(s.foreign_key_violations().await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn training_sessions_import_idempotently() {
    each_db(|db| async move {
        let s = &db.store;
        let rows = || {
            ListRows::Trainings(vec![
                session(2, "PX1", "2023-03-01", "341502", 80),
                session(3, "PX2", "2023-03-09", "luan-etdz", 30),
            ])
        };
        assert_eq!(
            committed(s.import_list(&meta("t.csv"), &rows()).await.unwrap()),
            (2, 0, 0)
        );
        let out = s.import_list(&meta("t.csv"), &rows()).await.unwrap();
        assert!(matches!(out, ImportOutcome::Unchanged { .. }), "{out:?}");
        let more = ListRows::Trainings(vec![
            session(2, "PX1", "2023-03-01", "341502", 85),
            session(3, "PX3", "2023-04-01", "341502", 40),
        ]);
        assert_eq!(
            committed(s.import_list(&meta("t2.csv"), &more).await.unwrap()),
            (1, 1, 0)
        );
        assert_eq!(s.list_history_count().await.unwrap(), 1);
        // The figures of 日常调度's training targets, January to April.
        let window = Window::Dates(date("2023-01-01"), date("2023-04-30"));
        let sessions = s
            .figure_by_county(Figure::TrainingSessions, window)
            .await
            .unwrap();
        assert_eq!(sessions.get("341502"), Some(&2));
        let trainees = s.figure_by_county(Figure::Trainees, window).await.unwrap();
        assert_eq!(trainees.get("341502"), Some(&125));
        assert_eq!(trainees.get("luan-etdz"), Some(&30));
        assert!(s.figure_has_data(Figure::Trainees, window).await.unwrap());
    })
    .await;
}
