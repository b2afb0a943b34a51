//! The incentive-fund ledger on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL: spending only
//! on article 19's purposes and within the balance, refusals that leave the ledger unchanged,
//! corrections by reversal only, concurrent spends that never overdraw, own-funded support apart.

use chrono::NaiveDate;
use huiqi_assess::funds::{EntryKind, Purpose};
use huiqi_store::funds::{FundDetails, FundEntryRow};
use huiqi_store::testing::each_db;
use huiqi_store::{Store, StoreError};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn by(who: &str) -> FundDetails {
    FundDetails {
        recorded_by: who.into(),
        ..FundDetails::default()
    }
}

fn spend_details(project: &str) -> FundDetails {
    FundDetails {
        project: project.into(),
        recipient: "金安区中小企业服务中心".into(),
        document_no: "金经信〔2024〕12号".into(),
        attachment: Some("拨付凭证.pdf".into()),
        recorded_by: "金安区经信局".into(),
        ..FundDetails::default()
    }
}

/// Everything the ledger holds, to compare before and after a refusal.
async fn snapshot(store: &Store) -> Vec<FundEntryRow> {
    store.fund_entries(None, None).await.unwrap()
}

fn refused(r: Result<FundEntryRow, StoreError>) -> String {
    match r {
        Err(e @ StoreError::Refused(_)) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn awards_spending_and_refusals() {
    each_db(|db| async move {
        let s = &db.store;
        let award = s
            .fund_award(
                "341502",
                2023,
                day("2024-03-01"),
                300_000_000,
                &by("工作专班"),
            )
            .await
            .unwrap();
        assert_eq!((award.seq, award.balance_after_fen), (1, 300_000_000));
        let spent = s
            .fund_spend(
                "341502",
                2023,
                day("2024-04-02"),
                120_000_000,
                Purpose::PublicServicePlatform,
                &spend_details("中小企业公共服务示范平台改造"),
            )
            .await
            .unwrap();
        assert_eq!(spent.balance_after_fen, 180_000_000);
        assert_eq!(spent.purpose, Some(Purpose::PublicServicePlatform));
        assert_eq!(spent.document_no, "金经信〔2024〕12号");

        // Beyond the balance: refused, the ledger exactly as it was.
        let before = snapshot(s).await;
        let msg = refused(
            s.fund_spend(
                "341502",
                2023,
                day("2024-05-01"),
                180_000_001,
                Purpose::ZjtxSupport,
                &spend_details("专精特新奖励"),
            )
            .await,
        );
        assert!(
            msg.contains("余额不足") && msg.contains("1,800,000.00"),
            "{msg}"
        );
        assert_eq!(snapshot(s).await, before);
        // A second award for the same year: refused.
        let msg = refused(
            s.fund_award("341502", 2023, day("2024-03-02"), 1, &by("工作专班"))
                .await,
        );
        assert!(msg.contains("已有奖补入账"), "{msg}");
        // Another jurisdiction without an award cannot spend.
        let msg = refused(
            s.fund_spend(
                "341503",
                2023,
                day("2024-05-01"),
                100,
                Purpose::StartupCoaching,
                &spend_details("x"),
            )
            .await,
        );
        assert!(msg.contains("自筹"), "{msg}");
        assert_eq!(snapshot(s).await, before);

        // Exactly the balance is fine; then nothing is left.
        s.fund_spend(
            "341502",
            2023,
            day("2024-06-01"),
            180_000_000,
            Purpose::InsuranceSubsidy,
            &spend_details("小微企业保费补贴"),
        )
        .await
        .unwrap();
        let t = &s.fund_totals(2023).await.unwrap()["341502"];
        assert_eq!(
            (t.awarded_fen, t.spent_fen, t.balance_fen),
            (300_000_000, 300_000_000, 0)
        );
        assert_eq!(t.spent_by_purpose_fen, [120_000_000, 0, 0, 0, 180_000_000]);
    })
    .await;
}

#[tokio::test]
async fn corrections_only_by_reversal() {
    each_db(|db| async move {
        let s = &db.store;
        s.fund_award("341522", 2023, day("2024-03-01"), 50_000_000, &by("工作专班"))
            .await
            .unwrap();
        let wrong = s
            .fund_spend(
                "341522",
                2023,
                day("2024-03-10"),
                9_000_000,
                Purpose::EntrepreneurTraining,
                &spend_details("企业家培训班"),
            )
            .await
            .unwrap();
        let rev = s
            .fund_reverse(wrong.id, day("2024-03-11"), "金额录错，应为 90,000 元", "霍邱县经信局")
            .await
            .unwrap();
        assert_eq!(rev.kind, EntryKind::Reversal);
        assert_eq!(rev.reverses, Some(wrong.id));
        assert_eq!(rev.reversed_kind, Some(EntryKind::Spend));
        assert_eq!(rev.purpose, Some(Purpose::EntrepreneurTraining));
        assert_eq!(rev.balance_after_fen, 50_000_000);
        assert_eq!((rev.jurisdiction.as_str(), rev.year, rev.seq), ("341522", 2023, 3));
        let before = snapshot(s).await;
        let msg = refused(s.fund_reverse(wrong.id, day("2024-03-12"), "再冲一次", "x").await);
        assert!(msg.contains("已于分录"), "{msg}");
        let msg = refused(s.fund_reverse(rev.id, day("2024-03-12"), "冲销冲销", "x").await);
        assert!(msg.contains("本身是冲销分录"), "{msg}");
        let msg = refused(s.fund_reverse(999_999, day("2024-03-12"), "x", "x").await);
        assert!(msg.contains("没有编号为 999999"), "{msg}");
        assert_eq!(snapshot(s).await, before);

        // The database itself refuses an update or a delete, a purpose outside the list and a
        // negative balance, whoever writes.
        let update = match s {
            Store::Sqlite(p) => sqlx::query("UPDATE fund_entries SET amount_fen = 1")
                .execute(p)
                .await
                .err(),
            Store::Postgres(p) => sqlx::query("UPDATE fund_entries SET amount_fen = 1")
                .execute(p)
                .await
                .err(),
        };
        assert!(update.unwrap().to_string().contains("只能追加"));
        let delete = match s {
            Store::Sqlite(p) => sqlx::query("DELETE FROM fund_entries").execute(p).await.err(),
            Store::Postgres(p) => sqlx::query("DELETE FROM fund_entries").execute(p).await.err(),
        };
        assert!(delete.unwrap().to_string().contains("只能追加"));
        let raw = "INSERT INTO fund_entries (jurisdiction, year, seq, kind, entry_date, amount_fen, purpose, \
                   balance_after_fen, recorded_by, recorded_at) \
                   VALUES ('341522', 2023, 9, 'spend', '2024-03-12', 1, 'office_renovation', 0, 'x', '2024-03-12T00:00:00Z')";
        let bad_purpose = match s {
            Store::Sqlite(p) => sqlx::query(raw).execute(p).await.is_err(),
            Store::Postgres(p) => sqlx::query(raw).execute(p).await.is_err(),
        };
        assert!(bad_purpose);
        assert_eq!(snapshot(s).await, before);
    })
    .await;
}

#[tokio::test]
async fn concurrent_spends_never_overdraw() {
    each_db(|db| async move {
        let s = db.store.clone();
        s.fund_award(
            "341524",
            2023,
            day("2024-03-01"),
            1_000_000,
            &by("工作专班"),
        )
        .await
        .unwrap();
        // 24 spends of 100,000 fen at once against 1,000,000: exactly 10 can pass.
        let mut tasks = Vec::new();
        for i in 0..24 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.fund_spend(
                    "341524",
                    2023,
                    day("2024-04-01"),
                    100_000,
                    Purpose::ALL[i % 5],
                    &spend_details(&format!("项目{i}")),
                )
                .await
            }));
        }
        let mut ok = 0;
        let mut overdrawn = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Refused(e)) if e.to_string().contains("余额不足") => {
                    overdrawn += 1
                }
                Err(e) => panic!("unexpected: {e}"),
            }
        }
        assert_eq!((ok, overdrawn), (10, 14));
        let entries = s.fund_entries(Some(2023), Some("341524")).await.unwrap();
        assert_eq!(entries.len(), 11);
        // Sequence numbers 1..=11 without gaps, each balance the running sum, never negative.
        let mut running = 0;
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(e.seq, i as i64 + 1);
            running += e.entry().effect();
            assert_eq!(e.balance_after_fen, running);
            assert!(running >= 0);
        }
        assert_eq!(running, 0);
    })
    .await;
}

#[tokio::test]
async fn own_funded_support_is_kept_apart() {
    each_db(|db| async move {
        let s = &db.store;
        let d = FundDetails {
            project: "县级小微企业创业辅导".into(),
            recorded_by: "金寨县财政局".into(),
            ..FundDetails::default()
        };
        let a = s
            .own_support_add(
                "341524",
                2023,
                day("2023-11-01"),
                20_000_000,
                Some(Purpose::StartupCoaching),
                &d,
            )
            .await
            .unwrap();
        s.own_support_add("341524", 2023, day("2023-12-01"), 5_000_000, None, &d)
            .await
            .unwrap();
        let no_project = s
            .own_support_add(
                "341524",
                2023,
                day("2023-12-01"),
                1,
                None,
                &FundDetails::default(),
            )
            .await
            .unwrap_err();
        assert!(no_project.to_string().contains("项目名称"));
        let r = s
            .own_support_reverse(a.id, day("2023-12-02"), "重复登记", "金寨县财政局")
            .await
            .unwrap();
        assert_eq!(r.reverses, Some(a.id));
        assert_eq!(r.amount_fen, 20_000_000);
        assert!(
            s.own_support_reverse(a.id, day("2023-12-03"), "再冲", "x")
                .await
                .unwrap_err()
                .to_string()
                .contains("已于分录")
        );
        assert_eq!(
            s.own_support_totals(2023).await.unwrap()["341524"],
            5_000_000
        );
        // The award ledger does not see it.
        assert!(s.fund_totals(2023).await.unwrap().is_empty());
        assert_eq!(
            s.own_support(Some(2023), Some("341524"))
                .await
                .unwrap()
                .len(),
            3
        );
    })
    .await;
}
