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
        s.upsert_user("u", "hash", "admin", "", "用户")
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
