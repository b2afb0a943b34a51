//! `huiqi arrears due` and `huiqi arrears interest` as pinned in issue 15, and their errors.

use std::process::{Command, Output};

fn huiqi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(args)
        .output()
        .expect("run huiqi")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn error(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn interest_worked_example() {
    let v = json(&huiqi(&[
        "arrears",
        "interest",
        "--amount",
        "1000000",
        "--due",
        "2024-01-31",
        "--paid",
        "2024-03-01",
        "--contract-date",
        "2023-12-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["overdue_days"], 30);
    assert_eq!(v["daily_rate"], "0.0005");
    assert_eq!(v["interest"], "15000.00");
    assert!(v["reason"].as_str().unwrap().contains("第728号"), "{v}");
}

#[test]
fn interest_with_agreed_rate_below_lpr() {
    let v = json(&huiqi(&[
        "arrears",
        "interest",
        "--amount",
        "1,000,000",
        "--due",
        "2024-01-31",
        "--paid",
        "2024-03-01",
        "--agreed-rate",
        "3",
        "--contract-date",
        "2024-01-15",
        "--format",
        "json",
    ]));
    assert_eq!(v["interest"], "2835.62");
    assert_eq!(v["lpr_floor_applied"], true);
    assert!(v["reason"].as_str().unwrap().contains("LPR"), "{v}");
}

#[test]
fn due_pinned_shape() {
    let v = json(&huiqi(&[
        "arrears",
        "due",
        "--payer",
        "government",
        "--contract-date",
        "2024-03-01",
        "--delivered",
        "2024-03-10",
        "--acceptance-days",
        "15",
        "--accepted",
        "2024-05-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["due"], "2024-04-24");
    assert!(v["regulation"].as_str().unwrap().contains("第728号"));
    assert!(v["reason"].as_str().unwrap().contains("2024-04-24"), "{v}");
    assert_eq!(v["flags"], serde_json::json!([]));

    let v = json(&huiqi(&[
        "arrears",
        "due",
        "--payer",
        "public_institution",
        "--contract-date",
        "2025-06-01",
        "--delivered",
        "2025-07-10",
        "--agreed-days",
        "90",
        "--format",
        "json",
    ]));
    assert_eq!(v["due"], "2025-09-08");
    assert!(v["regulation"].as_str().unwrap().contains("第802号"));
    assert_eq!(v["flags"][0]["code"], "term_over_cap");

    let v = json(&huiqi(&[
        "arrears",
        "due",
        "--payer",
        "large_enterprise",
        "--contract-date",
        "2024-03-01",
        "--delivered",
        "2024-03-10",
        "--format",
        "json",
    ]));
    assert_eq!(v["due"], serde_json::Value::Null);
    assert!(v["reason"].as_str().unwrap().contains("无法计算"), "{v}");
}

#[test]
fn bad_input_is_a_clear_chinese_error() {
    let e = error(&huiqi(&[
        "arrears",
        "interest",
        "--amount",
        "1000",
        "--due",
        "2024-01-31",
        "--paid",
        "2024-01-05",
        "--contract-date",
        "2023-12-01",
        "--delivered",
        "2024-01-10",
        "--format",
        "json",
    ]));
    assert!(e.contains("付款日 2024-01-05 早于交付日 2024-01-10"), "{e}");
    let e = error(&huiqi(&[
        "arrears",
        "interest",
        "--amount",
        "-100",
        "--due",
        "2024-01-31",
        "--paid",
        "2024-03-01",
        "--contract-date",
        "2023-12-01",
        "--format",
        "json",
    ]));
    assert!(e.contains("金额 -100 为负数"), "{e}");
    let e = error(&huiqi(&[
        "arrears",
        "due",
        "--payer",
        "bank",
        "--contract-date",
        "2024-03-01",
        "--delivered",
        "2024-03-10",
        "--format",
        "json",
    ]));
    assert!(
        e.contains("付款方类型“bank”无法识别") && e.contains("government（机关）"),
        "{e}"
    );
    let e = error(&huiqi(&[
        "arrears",
        "due",
        "--payer",
        "机关",
        "--contract-date",
        "2024-03-01",
        "--delivered",
        "2024-03-10",
        "--accepted",
        "2024-03-01",
    ]));
    assert!(
        e.contains("验收合格日 2024-03-01 早于交付日 2024-03-10"),
        "{e}"
    );
    let e = error(&huiqi(&[
        "arrears",
        "interest",
        "--amount",
        "一百",
        "--due",
        "2024-01-31",
        "--paid",
        "2024-03-01",
        "--contract-date",
        "2023-12-01",
    ]));
    assert!(e.contains("金额“一百”不是数字"), "{e}");
    let e = error(&huiqi(&[
        "arrears",
        "due",
        "--payer",
        "government",
        "--contract-date",
        "2024/03/01",
        "--delivered",
        "2024-03-10",
    ]));
    assert!(e.contains("请写成 YYYY-MM-DD"), "{e}");
}

#[test]
fn yaml_cases_pass_from_the_command_line() {
    let out = huiqi(&["arrears", "test"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("不通过 0"), "{text}");
}

/// The demo data, the disclosure (JSON and .xlsx with numbers as numbers), the league table and
/// the assessment's 清欠 input, on SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL.
#[tokio::test]
async fn demo_disclosure_league_and_assessment() {
    use calamine::{Data, Reader, open_workbook_auto};
    huiqi_store::testing::each_db(|db| async move {
        let run = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_huiqi"))
                .args(args)
                .env("HUIQI_DATABASE_URL", &db.url)
                .output()
                .expect("run huiqi");
            assert!(
                out.status.success(),
                "huiqi {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("f.csv");
        huiqi_synth::write_csv(std::fs::File::create(&csv).unwrap(), 300, 2024, 5).unwrap();
        run(&[
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            csv.to_str().unwrap(),
        ]);
        let out = run(&["arrears", "seed-demo", "--at", "2025-06-30"]);
        assert!(
            out.contains("合同 260 份") && out.contains("投诉 24 件"),
            "{out}"
        );

        let d: serde_json::Value = serde_json::from_str(&run(&[
            "arrears",
            "disclosure",
            "--year",
            "2024",
            "--format",
            "json",
        ]))
        .unwrap();
        let rows = d["rows"].as_array().unwrap();
        // Every 机关、事业单位 payer and only those.
        assert_eq!(rows.len(), 10, "{d}");
        assert!(rows.iter().all(|r| r["payer_kind"] != "large_enterprise"));
        let total: rust_decimal::Decimal = d["total_amount"].as_str().unwrap().parse().unwrap();
        let sum: rust_decimal::Decimal = rows
            .iter()
            .map(|r| {
                r["overdue_amount"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!(total, sum);
        assert!(total > rust_decimal::Decimal::ZERO);
        assert_eq!(d["publish_by"], "2025-03-31");

        let xlsx = dir.path().join("d.xlsx");
        run(&[
            "arrears",
            "disclosure",
            "--year",
            "2024",
            "--format",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
        ]);
        let mut wb = open_workbook_auto(&xlsx).unwrap();
        let sheet = wb.worksheet_range("披露").unwrap();
        // Row 0 the title, 1 the date of the data, 2 the headers, 3 the first payer.
        assert_eq!(sheet.get((2, 5)).unwrap().to_string(), "逾期金额（元）");
        assert!(
            sheet
                .get((1, 0))
                .unwrap()
                .to_string()
                .starts_with("数据截至 ")
        );
        let first = sheet.get((3, 5)).unwrap();
        assert!(
            matches!(first, Data::Float(_)),
            "amount is a number: {first:?}"
        );
        assert!(
            matches!(sheet.get((3, 4)).unwrap(), Data::Float(_)),
            "count is a number"
        );
        // The Excel number, read back through its text into a Decimal: equal to the JSON amount.
        let want: rust_decimal::Decimal =
            rows[0]["overdue_amount"].as_str().unwrap().parse().unwrap();
        let got: rust_decimal::Decimal = first.to_string().parse().unwrap();
        assert_eq!(got, want, "cell {first:?}");

        let l: serde_json::Value = serde_json::from_str(&run(&[
            "arrears",
            "league",
            "--by",
            "county",
            "--at",
            "2025-06-30",
            "--format",
            "json",
        ]))
        .unwrap();
        let lrows = l["rows"].as_array().unwrap();
        assert!(!lrows.is_empty());
        let contracts: u64 = lrows.iter().map(|r| r["contracts"].as_u64().unwrap()).sum();
        assert_eq!(contracts, 260);
        assert!(!l["trend"].as_array().unwrap().is_empty());

        let cases: serde_json::Value = serde_json::from_str(&run(&[
            "arrears",
            "cases",
            "--at",
            "2025-06-30",
            "--format",
            "json",
        ]))
        .unwrap();
        assert_eq!(cases.as_array().unwrap().len(), 24);

        // The assessment reads 清欠 from the cases: the input is no longer "no data".
        let a: serde_json::Value = serde_json::from_str(&run(&[
            "assess",
            "--year",
            "2023",
            "--at",
            "2025-06-30",
            "--format",
            "json",
        ]))
        .unwrap();
        let measured = a["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["indicators"].as_array().unwrap().iter())
            .filter(|i| i["id"] == "arrears_resolution" && !i["value"].is_null())
            .count();
        assert!(measured > 0, "{a}");
    })
    .await;
}
