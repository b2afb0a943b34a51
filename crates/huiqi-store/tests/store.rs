//! The store's own tests, on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL.

use huiqi_store::testing::each_db;

#[tokio::test]
async fn migrations_apply_and_are_recorded() {
    each_db(|db| async move {
        let applied = db.store.applied_migrations().await.unwrap();
        assert!(
            applied.iter().any(|(v, _)| *v == 1),
            "0001 applied: {applied:?}"
        );
        // Running them again is a no-op.
        db.store.migrate().await.unwrap();
        assert_eq!(db.store.applied_migrations().await.unwrap(), applied);
    })
    .await;
}

#[tokio::test]
async fn a_bad_url_is_refused_in_chinese() {
    let err = huiqi_store::Store::connect("mysql://x").await.unwrap_err();
    assert!(err.to_string().contains("HUIQI_DATABASE_URL"), "{err}");
}

#[test]
fn redact_hides_the_password() {
    assert_eq!(
        huiqi_store::redact_url("postgres://u:secret@h/db"),
        "postgres://u:***@h/db"
    );
    assert_eq!(
        huiqi_store::redact_url("postgres://u@h/db"),
        "postgres://u@h/db"
    );
}

#[tokio::test]
async fn a_new_session_purges_expired_ones_only() {
    each_db(|db| async move {
        let s = &db.store;
        s.upsert_user("u", "hash", "admin", "", "用户", ("测试", ""))
            .await
            .unwrap();
        let id = s.user_by_name("u").await.unwrap().unwrap().id;
        let now = chrono::Utc::now();
        s.create_session("old", id, "c1", now - chrono::Duration::minutes(1))
            .await
            .unwrap();
        s.create_session("live", id, "c2", now + chrono::Duration::hours(1))
            .await
            .unwrap();
        assert!(s.session("old").await.unwrap().is_none());
        assert_eq!(
            s.session_count().await.unwrap(),
            1,
            "the expired session was purged"
        );
        s.create_session("new", id, "c3", now + chrono::Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(s.session_count().await.unwrap(), 2);
        assert_eq!(s.session("live").await.unwrap().unwrap().csrf_token, "c2");
    })
    .await;
}

/// Migration 0310 keeps the runs stored before it: each measure column of the old wide
/// `match_results` becomes rows of `match_benefits` (the flag as 1, amounts in fen, the total
/// dropped: it is their sum), with the enterprise's county.
#[tokio::test]
async fn runs_stored_before_0310_survive_it() {
    huiqi_store::testing::each_db_until(Some(300), |db| async move {
        let s = &db.store;
        let statements = [
            "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, rows_total, \
             rows_new, rows_updated, rows_unchanged) VALUES ('market', NULL, 'm.csv', 'ab', \
             '2024-01-01T00:00:00Z', 2, 2, 0, 0)",
            "INSERT INTO enterprises (uscc, name, kind, county, industry, status, import_id) VALUES \
             ('91341502MA2N00011X', '甲', 'enterprise', '341502', 'C3311', 'active', 1), \
             ('91341503MA2N00022X', '乙', 'enterprise', '341503', 'F5211', 'active', 1)",
            "INSERT INTO match_runs (started_at, at_date, year, pack_id, pack_version, parameters, \
             enterprises, total_fen) VALUES ('2024-12-31T00:00:00Z', '2024-12-31', 2024, 'luan-2023', \
             'draft-2023', '{}', 2, 1500)",
        ];
        for sql in statements {
            huiqi_store::testing::execute(s, sql).await;
        }
        let flag = if db.backend() == huiqi_store::Backend::Sqlite { "1" } else { "TRUE" };
        let no = if db.backend() == huiqi_store::Backend::Sqlite { "0" } else { "FALSE" };
        huiqi_store::testing::execute(s, &format!(
            "INSERT INTO match_results (run_id, uscc, size_class, small_low_profit, cit_relief_fen, \
             iit_business_relief_fen, six_taxes_relief_fen, vat_relief_fen, startup_deduction_fen, \
             rd_extra_deduction_fen, total_relief_fen) VALUES \
             (1, '91341502MA2N00011X', 'micro', {flag}, 1000, 0, 500, 0, 0, 70, 1500), \
             (1, '91341503MA2N00022X', 'small', {no}, 0, 0, 0, 0, 0, 0, 0)"
        ))
        .await;
        s.migrate().await.unwrap();
        let ids = [
            "small_low_profit",
            "cit_relief",
            "iit_business_relief",
            "six_taxes_relief",
            "vat_relief",
            "startup_deduction",
            "rd_extra_deduction",
        ];
        let rows = s.run_results(1, &ids).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].uscc, "91341502MA2N00011X");
        assert_eq!(rows[0].county, "341502");
        assert_eq!(rows[0].size_class, "micro");
        assert_eq!(rows[0].values, vec![1, 1000, 0, 500, 0, 0, 70]);
        assert_eq!(rows[1].county, "341503");
        assert_eq!(rows[1].values, vec![0; 7]);
        let runs = s.runs().await.unwrap();
        assert_eq!((runs[0].total_fen, runs[0].import_watermark), (1500, None));
        let (page, count, total) = s
            .push_candidates(
                1,
                "six_taxes_relief",
                "341502",
                huiqi_store::matching::PushSort::default(),
                0,
                None,
            )
            .await
            .unwrap();
        assert_eq!((page, count, total), (vec![("91341502MA2N00011X".to_string(), 500)], 1, 500));
    })
    .await;
}

/// Migration 0710 (the 科技局/知识产权 source `tech`) rebuilds `imports` on SQLite to widen its
/// CHECK: the imports made before keep their ids, every provenance still points at its row, a
/// `tech` import can be recorded, an unknown source is still refused, and foreign keys are
/// enforced again afterwards.
#[tokio::test]
async fn imports_made_before_0710_survive_it() {
    huiqi_store::testing::each_db_until(Some(700), |db| async move {
        let s = &db.store;
        for sql in [
            "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, rows_total, \
             rows_new, rows_updated, rows_unchanged) VALUES ('market', NULL, 'm.csv', 'ab', \
             '2024-01-01T00:00:00Z', 1, 1, 0, 0), ('tax', 2024, 't.csv', 'cd', \
             '2024-02-01T00:00:00Z', 1, 1, 0, 0)",
            "INSERT INTO enterprises (uscc, name, kind, county, industry, status, import_id) VALUES \
             ('91341502MA2N00011X', '甲', 'enterprise', '341502', 'C3311', 'active', 1)",
            "INSERT INTO enterprise_facts (uscc, year, revenue, tax_import_id) VALUES \
             ('91341502MA2N00011X', 2024, 123400, 2)",
        ] {
            huiqi_store::testing::execute(s, sql).await;
        }
        s.migrate().await.unwrap();
        assert_eq!(s.foreign_key_violations().await.unwrap(), 0);
        assert_eq!(s.registry_counts().await.unwrap().imports, 2);
        huiqi_store::testing::execute(
            s,
            "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, rows_total, \
             rows_new, rows_updated, rows_unchanged) VALUES ('tech', 2024, 'k.csv', 'ef', \
             '2024-03-01T00:00:00Z', 1, 1, 0, 0)",
        )
        .await;
        huiqi_store::testing::execute(
            s,
            "UPDATE enterprise_facts SET tech_staff = 12, ip_class1 = 2, main_revenue = 100000, \
             tech_import_id = 3 WHERE uscc = '91341502MA2N00011X' AND year = 2024",
        )
        .await;
        let rows = s.cultivation_facts(2024, "enterprise", "").await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].revenue_fen, Some(123400));
        assert_eq!(
            (rows[0].tech.tech_staff, rows[0].tech.ip_class1, rows[0].tech.main_revenue_fen),
            (Some(12), Some(2), Some(100000))
        );
        let refused = |sql: &'static str| async move {
            match s {
                huiqi_store::Store::Sqlite(p) => sqlx::query(sql).execute(p).await.is_err(),
                huiqi_store::Store::Postgres(p) => sqlx::query(sql).execute(p).await.is_err(),
            }
        };
        assert!(
            refused(
                "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, rows_total, \
                 rows_new, rows_updated, rows_unchanged) VALUES ('bogus', 2024, 'x', 'x', \
                 '2024-03-01T00:00:00Z', 1, 1, 0, 0)"
            )
            .await
        );
        assert!(
            refused(
                "INSERT INTO enterprise_facts (uscc, year, tech_import_id) VALUES \
                 ('91341502MA2N00011X', 2023, 99)"
            )
            .await
        );
    })
    .await;
}

/// Migration 0120 counts the registrations already in the registry (the dashboard reads the
/// counts, not the registry), and drops the index they replace.
#[tokio::test]
async fn registrations_made_before_0120_are_counted_by_it() {
    use chrono::NaiveDate;
    use huiqi_domain::figures::Figure;
    use huiqi_store::progress::Window;
    huiqi_store::testing::each_db_until(Some(110), |db| async move {
        let s = &db.store;
        for sql in [
            "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, rows_total, \
             rows_new, rows_updated, rows_unchanged) VALUES ('market', NULL, 'm.csv', 'ab', \
             '2024-01-01T00:00:00Z', 4, 4, 0, 0)",
            "INSERT INTO enterprises (uscc, name, kind, county, industry, registered_on, status, \
             import_id) VALUES \
             ('91341502MA2N00011X', '甲', 'enterprise', '341502', 'C3311', '2024-03-01', 'active', 1), \
             ('91341502MA2N00022X', '乙', 'enterprise', '341502', 'C3311', '2024-03-01', 'revoked', 1), \
             ('91341503MA2N00033X', '丙', 'enterprise', '341503', 'C3311', '2023-12-31', 'active', 1), \
             ('91341503MA2N00044X', '丁', 'enterprise', '341503', 'C3311', NULL, 'active', 1)",
        ] {
            huiqi_store::testing::execute(s, sql).await;
        }
        s.migrate().await.unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let figure = |from, to| s.figure_by_county(Figure::Registrations, Window::Dates(from, to));
        let y2024 = figure(day(2024, 1, 1), day(2024, 12, 31)).await.unwrap();
        assert_eq!(y2024.into_iter().collect::<Vec<_>>(), vec![("341502".to_string(), 2)]);
        let all = figure(day(2000, 1, 1), day(2030, 12, 31)).await.unwrap();
        assert_eq!(all.values().sum::<i64>(), 3);
        let index_left: i64 = match s {
            huiqi_store::Store::Sqlite(p) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'enterprises_registered'",
            )
            .fetch_one(p)
            .await
            .unwrap(),
            huiqi_store::Store::Postgres(p) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'enterprises_registered'",
            )
            .fetch_one(p)
            .await
            .unwrap(),
        };
        assert_eq!(index_left, 0);
    })
    .await;
}

/// Migration 0850 gives every run partitions of its own on PostgreSQL (a no-op on SQLite): the
/// runs stored before it stay readable, a run stored after it goes into its own partitions, and
/// both keys and the foreign key to `match_runs` still refuse what they refused before.
#[tokio::test]
async fn runs_stored_before_0850_survive_it() {
    use huiqi_store::matching::{PushSort, ResultRow, Run};
    huiqi_store::testing::each_db_until(Some(840), |db| async move {
        let s = &db.store;
        let statements = [
            "INSERT INTO match_runs (started_at, at_date, year, pack_id, pack_version, parameters, \
             enterprises, total_fen) VALUES ('2024-12-31T00:00:00Z', '2024-12-31', 2024, 'luan-2023', \
             'draft-2023', '{}', 2, 700)",
            "INSERT INTO match_results (run_id, uscc, county, size_class) VALUES \
             (1, '91341502MA2N00011X', '341502', 'micro'), (1, '91341503MA2N00022X', '341503', 'small')",
            "INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen) VALUES \
             (1, 'six_taxes_relief', '341502', '91341502MA2N00011X', 500), \
             (1, 'cit_relief', '341502', '91341502MA2N00011X', 200)",
        ];
        for sql in statements {
            huiqi_store::testing::execute(s, sql).await;
        }
        s.migrate().await.unwrap();
        let ids = ["cit_relief", "six_taxes_relief"];
        let result = |uscc: &str, county: &str, values: Vec<i64>| ResultRow {
            uscc: uscc.into(),
            county: county.into(),
            size_class: "micro".into(),
            values,
        };
        let run = Run {
            id: 0,
            started_at: "2025-01-02T00:00:00Z".parse().unwrap(),
            at: chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
            year: 2024,
            pack_id: "luan-2023".into(),
            pack_version: "draft-2023".into(),
            parameters: "{}".into(),
            enterprises: 2,
            total_fen: 900,
            import_watermark: Some(0),
        };
        let later = [
            result("91341502MA2N00011X", "341502", vec![0, 600]),
            result("91341503MA2N00022X", "341503", vec![300, 0]),
        ];
        let id = s.save_run(&run, &ids, &later).await.unwrap();
        assert_eq!(id, 2);
        let before = s.run_results(1, &ids).await.unwrap();
        assert_eq!(before.len(), 2);
        assert_eq!(before[0].values, vec![200, 500]);
        assert_eq!(before[1].values, vec![0, 0]);
        assert_eq!(s.run_results(2, &ids).await.unwrap(), later);
        for (run, expected) in [(1, 500), (2, 600)] {
            let (page, count, total) = s
                .push_candidates(run, "six_taxes_relief", "341502", PushSort::default(), 0, None)
                .await
                .unwrap();
            assert_eq!(
                (page, count, total),
                (vec![("91341502MA2N00011X".to_string(), expected)], 1, expected)
            );
        }
        let runs = s.runs().await.unwrap();
        assert_eq!(runs.iter().map(|r| (r.id, r.total_fen)).collect::<Vec<_>>(), [(2, 900), (1, 700)]);
        // The keys and the foreign key, in the earlier runs' rows and in a new run's.
        for refused in [
            "INSERT INTO match_results (run_id, uscc, county, size_class) VALUES (1, '91341502MA2N00011X', '341502', 'micro')",
            "INSERT INTO match_results (run_id, uscc, county, size_class) VALUES (2, '91341502MA2N00011X', '341502', 'micro')",
            "INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen) VALUES (2, 'cit_relief', '341503', '91341503MA2N00022X', 1)",
            "INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen) VALUES (9, 'cit_relief', '341503', '91341503MA2N00022X', 1)",
        ] {
            assert!(huiqi_store::testing::try_execute(s, refused).await.is_err(), "{refused}");
        }
        if let huiqi_store::Store::Postgres(p) = s {
            let parts: Vec<String> = sqlx::query_scalar(
                "SELECT c.relname::TEXT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = 'match_benefits'::regclass ORDER BY 1",
            )
            .fetch_all(p)
            .await
            .unwrap();
            assert_eq!(parts, ["match_benefits_before", "match_benefits_run_2"]);
        }
        assert_eq!(s.foreign_key_violations().await.unwrap(), 0);
    })
    .await;
}
