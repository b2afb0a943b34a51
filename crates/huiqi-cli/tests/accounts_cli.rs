//! `huiqi users …` / `huiqi accounts …` (issue 12 item 5) against SQLite and (with
//! HUIQI_TEST_POSTGRES_URL) PostgreSQL: add, disable, enable, unlock, reset a password (printed
//! once), list, and the audit lines with 命令行 as the actor; an unknown account or a short
//! password exits non-zero with a Chinese message and changes nothing.

use std::process::{Command, Output};

use huiqi_store::testing::{TestDb, each_db};

fn huiqi(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(args)
        .env("HUIQI_DATABASE_URL", &db.url)
        .output()
        .expect("run huiqi")
}

fn ok(db: &TestDb, args: &[&str]) -> String {
    let out = huiqi(db, args);
    assert!(
        out.status.success(),
        "huiqi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(db: &TestDb, args: &[&str]) -> String {
    let out = huiqi(db, args);
    assert!(!out.status.success(), "huiqi {args:?} should be refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn accounts_are_managed_from_the_command_line() {
    each_db(|db| async move {
        ok(
            &db,
            &[
                "users",
                "add",
                "--username",
                "wg",
                "--role",
                "admin",
                "--name",
                "工作专班",
                "--password",
                "correct-horse-42",
            ],
        );
        ok(
            &db,
            &[
                "accounts",
                "add",
                "--username",
                "jinan",
                "--role",
                "county",
                "--scope",
                "341502",
                "--name",
                "金安区",
            ],
        );
        let out = ok(&db, &["accounts", "disable", "jinan"]);
        assert!(out.contains("账号 jinan：停用"), "{out}");
        assert!(
            db.store
                .user_by_name("jinan")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        let list = ok(&db, &["accounts", "list"]);
        assert!(
            list.contains("已停用") && list.contains("共 2 个账号"),
            "{list}"
        );
        ok(&db, &["users", "enable", "jinan"]);
        assert!(
            !db.store
                .user_by_name("jinan")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        let now = chrono::Utc::now();
        db.store
            .record_failed_login("wg", now, now, |_| Some(chrono::Duration::minutes(5)))
            .await
            .unwrap();
        assert!(ok(&db, &["accounts", "list"]).contains("限速中"));
        ok(&db, &["accounts", "unlock", "wg"]);
        assert_eq!(
            db.store
                .user_by_name("wg")
                .await
                .unwrap()
                .unwrap()
                .locked_until,
            None
        );
        let hash = db
            .store
            .user_by_name("jinan")
            .await
            .unwrap()
            .unwrap()
            .password_hash;
        let out = ok(&db, &["accounts", "reset-password", "jinan"]);
        assert!(out.contains("新密码（只显示这一次）："), "{out}");
        assert_ne!(
            db.store
                .user_by_name("jinan")
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            hash
        );
        // Refusals: nothing written.
        let err = refused(&db, &["accounts", "disable", "ghost"]);
        assert!(err.contains("没有用户名为“ghost”的账号"), "{err}");
        let err = refused(
            &db,
            &["accounts", "reset-password", "jinan", "--password", "short"],
        );
        assert!(err.contains("至少 10 个字符"), "{err}");
        let audit = ok(&db, &["accounts", "audit"]);
        assert!(audit.contains("共 6 条"), "{audit}");
        for action in ["新建账号", "停用", "启用", "解除限速", "重设密码"] {
            assert!(audit.contains(action), "{action}: {audit}");
        }
        assert!(audit.contains("命令行"));
    })
    .await;
}
