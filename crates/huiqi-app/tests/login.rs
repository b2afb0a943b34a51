//! Logins (issue 12 item 5), on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL: every
//! refusal — unknown name, wrong password, throttled account, disabled account — gives the same
//! error after the same work (exactly one argon2id verification each, which is what makes their
//! times alike); success forgets the failures; the working group's changes end sessions and
//! leave audit lines; the command line's account is the actor `命令行`.
//!
//! The only test of this binary that logs in, so the process-wide verification counter is its own.

use huiqi_app::accounts::{self, AdminAction, CLI_ACTOR, LoginError, Role};
use huiqi_store::testing::each_db;

const PASSWORD: &str = "correct-horse-42";

#[tokio::test]
async fn every_refusal_costs_one_verification_and_reads_the_same() {
    each_db(|db| async move {
        let s = &db.store;
        accounts::create_account(s, "a", Role::Admin, "甲", Some(PASSWORD.into()), CLI_ACTOR)
            .await
            .unwrap();
        accounts::create_account(
            s,
            "b",
            Role::County("341502".into()),
            "乙",
            Some(PASSWORD.into()),
            CLI_ACTOR,
        )
        .await
        .unwrap();
        let refused = |r: Result<String, LoginError>| match r {
            Err(e @ LoginError::Refused) => e.to_string(),
            other => panic!("expected a refusal, got {other:?}"),
        };
        let mut messages = Vec::new();
        let cases: [(&str, &str, &str); 2] = [
            ("unknown", "nobody", PASSWORD),
            ("wrong", "a", "wrong-password-x"),
        ];
        for (what, user, pw) in cases {
            let before = accounts::verifications();
            messages.push(refused(accounts::login(s, user, pw).await));
            assert_eq!(accounts::verifications() - before, 1, "{what}");
        }
        // Success forgets the wrong password.
        accounts::login(s, "a", PASSWORD).await.unwrap();
        assert_eq!(s.user_by_name("a").await.unwrap().unwrap().failed_logins, 0);
        // Throttled: after the free attempts, the right password is refused the same way.
        for _ in 0..accounts::FREE_ATTEMPTS {
            refused(accounts::login(s, "a", "wrong-password-x").await);
        }
        // (Past the first delay of 1 s, then a long one, so that a slow machine cannot outwait it.)
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let now = chrono::Utc::now();
        s.record_failed_login("a", now, now - chrono::Duration::hours(1), |_| {
            Some(chrono::Duration::minutes(5))
        })
        .await
        .unwrap();
        let before = accounts::verifications();
        messages.push(refused(accounts::login(s, "a", PASSWORD).await));
        assert_eq!(accounts::verifications() - before, 1, "throttled");
        // Disabled: the right password is refused the same way, and the session is gone.
        let token = accounts::login(s, "b", PASSWORD).await.unwrap();
        assert!(accounts::session_of(s, &token).await.unwrap().is_some());
        accounts::change_account(s, "a", "b", AdminAction::Disable)
            .await
            .unwrap();
        assert!(accounts::session_of(s, &token).await.unwrap().is_none());
        let before = accounts::verifications();
        messages.push(refused(accounts::login(s, "b", PASSWORD).await));
        assert_eq!(accounts::verifications() - before, 1, "disabled");
        assert!(messages.iter().all(|m| m == &messages[0]), "{messages:?}");

        // Enable, unlock, reset (given password, then generated); a short password is refused.
        accounts::change_account(s, CLI_ACTOR, "b", AdminAction::Enable)
            .await
            .unwrap();
        let token = accounts::login(s, "b", PASSWORD).await.unwrap();
        accounts::change_account(s, CLI_ACTOR, "a", AdminAction::Unlock)
            .await
            .unwrap();
        accounts::login(s, "a", PASSWORD).await.unwrap();
        let e = accounts::change_account(
            s,
            CLI_ACTOR,
            "b",
            AdminAction::ResetPassword(Some("short".into())),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("至少 10 个字符"), "{e}");
        let done = accounts::change_account(s, CLI_ACTOR, "b", AdminAction::ResetPassword(None))
            .await
            .unwrap();
        let new = done.password.clone().unwrap();
        assert!(done.generated && new.chars().count() == 16);
        assert!(
            accounts::session_of(s, &token).await.unwrap().is_none(),
            "the reset ended the session"
        );
        refused(accounts::login(s, "b", PASSWORD).await);
        accounts::login(s, "b", &new).await.unwrap();
        let e = accounts::change_account(s, "a", "a", AdminAction::Disable)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("不能停用自己"), "{e}");
        let e = accounts::change_account(s, "a", "ghost", AdminAction::Unlock)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("没有用户名为“ghost”的账号"), "{e}");

        let (lines, total) = accounts::account_audit(s, 100, 0).await.unwrap();
        assert_eq!(total, 6);
        assert_eq!(
            lines
                .iter()
                .rev()
                .map(|l| format!("{} {} {}", l.actor, l.action, l.username))
                .collect::<Vec<_>>(),
            [
                "命令行 新建账号 a",
                "命令行 新建账号 b",
                "a 停用 b",
                "命令行 启用 b",
                "命令行 解除限速 a",
                "命令行 重设密码 b",
            ]
        );
        let list = accounts::list_accounts(s).await.unwrap();
        assert_eq!(
            list.iter().map(|a| a.status()).collect::<Vec<_>>(),
            ["正常", "正常"]
        );
    })
    .await;
}
