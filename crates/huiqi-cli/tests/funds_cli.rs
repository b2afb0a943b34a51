//! `huiqi funds` as pinned by issue 16, against SQLite and (with HUIQI_TEST_POSTGRES_URL)
//! PostgreSQL: award, spend within the balance and on article 19's purposes only, balance as a
//! table and as JSON; every refusal exits non-zero with a Chinese message and leaves the ledger as
//! it was.

mod common;
use common::{ok, refused};

use huiqi_store::testing::{TestDb, each_db};
use serde_json::Value;

fn balance(db: &TestDb) -> Vec<Value> {
    serde_json::from_str::<Value>(&ok(
        db,
        &["funds", "balance", "--year", "2023", "--format", "json"],
    ))
    .unwrap()
    .as_array()
    .unwrap()
    .clone()
}

#[tokio::test]
async fn award_spend_balance_as_pinned() {
    each_db(|db| async move {
        let out = ok(
            &db,
            &[
                "funds",
                "award",
                "--year",
                "2023",
                "--jurisdiction",
                "341502",
                "--amount",
                "3000000",
                "--date",
                "2024-03-01",
            ],
        );
        assert!(
            out.contains("金安区") && out.contains("3,000,000.00"),
            "{out}"
        );
        // A name works as well as a code.
        ok(
            &db,
            &[
                "funds",
                "award",
                "--year",
                "2023",
                "--jurisdiction",
                "霍山县",
                "--amount",
                "1000000.00",
                "--date",
                "2024-03-01",
            ],
        );
        let out = ok(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341502",
                "--purpose",
                "zjtx_support",
                "--amount",
                "1200000.50",
                "--date",
                "2024-04-01",
                "--project",
                "专精特新企业奖励",
                "--document",
                "金经信〔2024〕3号",
            ],
        );
        assert!(
            out.contains("支持专精特新企业发展") && out.contains("1,799,999.50"),
            "{out}"
        );
        ok(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341502",
                "--purpose",
                "insurance_subsidy",
                "--amount",
                "99.50",
                "--date",
                "2024-04-02",
            ],
        );
        let before = balance(&db);

        // Refusals: another purpose (quoting article 19), beyond the balance, bad amount, unknown
        // jurisdiction, no award at all.
        let msg = refused(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341502",
                "--purpose",
                "office_renovation",
                "--amount",
                "1",
                "--date",
                "2024-04-01",
            ],
        );
        assert!(
            msg.contains("office_renovation") && msg.contains("不得挪作他用"),
            "{msg}"
        );
        let msg = refused(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341502",
                "--purpose",
                "startup_coaching",
                "--amount",
                "1799900.01",
                "--date",
                "2024-04-03",
            ],
        );
        assert!(
            msg.contains("余额不足") && msg.contains("1,799,900.00"),
            "{msg}"
        );
        assert_eq!(msg.matches("余额不足").count(), 1, "said once: {msg}");
        let msg = refused(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341502",
                "--purpose",
                "startup_coaching",
                "--amount",
                "0.001",
                "--date",
                "2024-04-03",
            ],
        );
        assert!(msg.contains("最多两位小数"), "{msg}");
        let msg = refused(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341599",
                "--purpose",
                "startup_coaching",
                "--amount",
                "1",
                "--date",
                "2024-04-03",
            ],
        );
        assert!(
            msg.contains("没有辖区“341599”") && msg.contains("luan-etdz"),
            "{msg}"
        );
        let msg = refused(
            &db,
            &[
                "funds",
                "spend",
                "--year",
                "2023",
                "--jurisdiction",
                "341503",
                "--purpose",
                "startup_coaching",
                "--amount",
                "1",
                "--date",
                "2024-04-03",
            ],
        );
        assert!(msg.contains("没有奖补入账"), "{msg}");
        assert_eq!(balance(&db), before, "refusals change nothing");

        // The pinned balance rows.
        let rows = balance(&db);
        assert_eq!(rows.len(), 8);
        let jinan = &rows[0];
        assert_eq!(jinan["jurisdiction"], "341502");
        assert_eq!(jinan["awarded"], "3000000.00");
        assert_eq!(jinan["spent"], "1200100.00");
        assert_eq!(jinan["balance"], "1799900.00");
        assert_eq!(jinan["spent_by_purpose"]["zjtx_support"], "1200000.50");
        assert_eq!(jinan["spent_by_purpose"]["insurance_subsidy"], "99.50");
        assert_eq!(jinan["spent_by_purpose"]["public_service_platform"], "0.00");
        let huoshan = rows.iter().find(|r| r["jurisdiction"] == "341525").unwrap();
        assert_eq!(huoshan["balance"], "1000000.00");
        let table = ok(&db, &["funds", "balance", "--year", "2023"]);
        assert!(
            table.contains("金安区") && table.contains("1,799,900.00"),
            "{table}"
        );
        assert!(
            table.contains("合计") && table.contains("4,000,000.00"),
            "{table}"
        );

        // A correction is a reversal; the ledger shows both entries.
        let ledger: Value = serde_json::from_str(&ok(
            &db,
            &[
                "funds",
                "ledger",
                "--jurisdiction",
                "341502",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let last = ledger.as_array().unwrap().last().unwrap()["id"]
            .as_i64()
            .unwrap();
        ok(
            &db,
            &[
                "funds",
                "reverse",
                "--entry",
                &last.to_string(),
                "--date",
                "2024-04-05",
                "--reason",
                "重复支付",
            ],
        );
        let msg = refused(
            &db,
            &[
                "funds",
                "reverse",
                "--entry",
                &last.to_string(),
                "--date",
                "2024-04-05",
                "--reason",
                "再冲",
            ],
        );
        assert!(msg.contains("已于分录"), "{msg}");
        assert_eq!(balance(&db)[0]["balance"], "1799999.50");
        let ledger = ok(&db, &["funds", "ledger", "--year", "2023"]);
        assert!(
            ledger.contains("冲销") && ledger.contains("共 5 笔分录"),
            "{ledger}"
        );

        // Own-funded support shows beside the balance, not in it.
        ok(
            &db,
            &[
                "funds",
                "own",
                "--year",
                "2023",
                "--jurisdiction",
                "341524",
                "--amount",
                "200000",
                "--date",
                "2023-12-01",
                "--project",
                "县级创业辅导",
            ],
        );
        let jz = balance(&db)
            .into_iter()
            .find(|r| r["jurisdiction"] == "341524")
            .unwrap();
        assert_eq!(
            (jz["own_funded"].as_str(), jz["balance"].as_str()),
            (Some("200000.00"), Some("0.00"))
        );
    })
    .await;
}
