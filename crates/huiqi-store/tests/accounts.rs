//! Account security in the store (migration 0220), on SQLite and, with HUIQI_TEST_POSTGRES_URL,
//! on PostgreSQL: failed logins counted, throttled, not lengthened while throttled, forgotten
//! after the window and on success; disabling and a new password end the account's sessions;
//! every change is one audit line; an unknown account changes nothing.

use chrono::{Duration, Utc};
use huiqi_store::accounts::AccountChange;
use huiqi_store::testing::each_db;

/// The delay the app uses, small enough to see: none for 2 failures, then 10 s doubling.
fn delay(n: i32) -> Option<Duration> {
    (n >= 3).then(|| Duration::seconds(10 << (n - 3)))
}

#[tokio::test]
async fn failed_logins_throttle_and_are_forgotten() {
    each_db(|db| async move {
        let s = &db.store;
        assert!(
            !s.upsert_user("u", "h", "admin", "", "用户", ("测试", ""))
                .await
                .unwrap()
        );
        let t0 = Utc::now();
        let forget = |now: chrono::DateTime<Utc>| now - Duration::minutes(60);
        // An unknown name: nothing to record, nothing written.
        assert_eq!(
            s.record_failed_login("nobody", t0, forget(t0), delay)
                .await
                .unwrap(),
            None
        );
        for n in 1..=2 {
            let (count, until) = s
                .record_failed_login("u", t0, forget(t0), delay)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((count, until), (n, None));
        }
        let (count, until) = s
            .record_failed_login("u", t0, forget(t0), delay)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(count, 3);
        let until = until.expect("throttled after the third failure");
        assert!(
            (until - (t0 + Duration::seconds(10)))
                .num_milliseconds()
                .abs()
                < 5,
            "{until}"
        );
        // While throttled an attempt changes nothing (neither the count nor the delay).
        let t1 = t0 + Duration::seconds(5);
        let (count, again) = s
            .record_failed_login("u", t1, forget(t1), delay)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(count, 3);
        // (PostgreSQL keeps microseconds.)
        assert!(
            (again.unwrap() - until).num_microseconds().unwrap().abs() <= 1,
            "{again:?} {until}"
        );
        // After the delay the next failure doubles it.
        let t2 = t0 + Duration::seconds(11);
        let (count, until2) = s
            .record_failed_login("u", t2, forget(t2), delay)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(count, 4);
        assert!(until2.unwrap() - t2 >= Duration::seconds(19));
        let u = s.user_by_name("u").await.unwrap().unwrap();
        assert_eq!(u.failed_logins, 4);
        // An hour after the last failure the counter starts again at 1, without a delay.
        let t3 = t2 + Duration::minutes(61);
        let (count, until3) = s
            .record_failed_login("u", t3, forget(t3), delay)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((count, until3), (1, None));
        // Success forgets everything.
        s.record_failed_login("u", t3, forget(t3), delay)
            .await
            .unwrap();
        s.reset_failed_logins(u.id).await.unwrap();
        let u = s.user_by_name("u").await.unwrap().unwrap();
        assert_eq!(
            (u.failed_logins, u.locked_until, u.last_failed_at),
            (0, None, None)
        );
    })
    .await;
}

#[tokio::test]
async fn changes_end_sessions_and_leave_audit_lines() {
    each_db(|db| async move {
        let s = &db.store;
        s.upsert_user("a", "h", "admin", "", "甲", ("测试", ""))
            .await
            .unwrap();
        s.upsert_user("b", "h", "county", "341502", "乙", ("测试", ""))
            .await
            .unwrap();
        let a = s.user_by_name("a").await.unwrap().unwrap().id;
        let b = s.user_by_name("b").await.unwrap().unwrap().id;
        let later = Utc::now() + Duration::hours(1);
        for (token, user) in [("a1", a), ("b1", b), ("b2", b)] {
            s.create_session(token, user, "c", later).await.unwrap();
        }
        let rows = s.list_users().await.unwrap();
        assert_eq!(rows.iter().map(|r| r.sessions).collect::<Vec<_>>(), [1, 2]);

        // Disabling ends b's sessions (and only b's); a disabled account's session is refused.
        assert!(
            s.change_account("b", AccountChange::Disable, "a", "disable", "")
                .await
                .unwrap()
        );
        assert!(s.session("b1").await.unwrap().is_none());
        assert!(s.session("a1").await.unwrap().is_some());
        assert!(s.user_by_name("b").await.unwrap().unwrap().disabled);
        // Even a session made after disabling (it should not be) is not honoured.
        s.create_session("b3", b, "c", later).await.unwrap();
        assert!(s.session("b3").await.unwrap().is_none());
        assert!(
            s.change_account("b", AccountChange::Enable, "a", "enable", "")
                .await
                .unwrap()
        );
        assert!(!s.user_by_name("b").await.unwrap().unwrap().disabled);
        assert!(s.session("b3").await.unwrap().is_some());

        // Unlock forgets the failures.
        let now = Utc::now();
        for _ in 0..4 {
            s.record_failed_login("b", now, now - Duration::hours(1), delay)
                .await
                .unwrap();
        }
        assert!(
            s.user_by_name("b")
                .await
                .unwrap()
                .unwrap()
                .locked_until
                .is_some()
        );
        assert!(
            s.change_account("b", AccountChange::Unlock, "a", "unlock", "")
                .await
                .unwrap()
        );
        let u = s.user_by_name("b").await.unwrap().unwrap();
        assert_eq!((u.failed_logins, u.locked_until), (0, None));

        // A new password ends the sessions too.
        assert!(
            s.change_account(
                "b",
                AccountChange::SetPassword("h2"),
                "a",
                "reset_password",
                "新"
            )
            .await
            .unwrap()
        );
        assert!(s.session("b3").await.unwrap().is_none());
        assert_eq!(
            s.user_by_name("b").await.unwrap().unwrap().password_hash,
            "h2"
        );
        // Re-saving an account (`users add` on an existing name) ends its sessions as well.
        s.create_session("a2", a, "c", later).await.unwrap();
        assert!(
            s.upsert_user("a", "h3", "admin", "", "甲", ("命令行", ""))
                .await
                .unwrap()
        );
        assert!(s.session("a2").await.unwrap().is_none());

        // No such account: false, and no audit line.
        let (_, before) = s.account_audit(10, 0).await.unwrap();
        assert!(
            !s.change_account("nobody", AccountChange::Disable, "a", "disable", "")
                .await
                .unwrap()
        );
        let (lines, total) = s.account_audit(3, 0).await.unwrap();
        assert_eq!(total, before);
        // create a, create b, disable, enable, unlock, reset, update a: newest first.
        assert_eq!(total, 7);
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.action.as_str(), l.username.as_str(), l.actor.as_str()))
                .collect::<Vec<_>>(),
            [
                ("update", "a", "命令行"),
                ("reset_password", "b", "a"),
                ("unlock", "b", "a")
            ]
        );
        assert_eq!(lines[1].detail, "新");
        let (page2, _) = s.account_audit(3, 3).await.unwrap();
        assert_eq!(
            page2.iter().map(|l| l.action.as_str()).collect::<Vec<_>>(),
            ["enable", "disable", "create"]
        );
    })
    .await;
}
