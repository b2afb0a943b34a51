//! 日常调度 as a user runs it, against SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL.

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

fn json(db: &TestDb, period: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&ok(
        db,
        &["progress", "--period", period, "--format", "json"],
    ))
    .unwrap()
    .as_array()
    .unwrap()
    .clone()
}

fn row<'a>(rows: &'a [serde_json::Value], target: &str, j: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["target"] == target && r["jurisdiction"] == j)
        .unwrap_or_else(|| panic!("{target} {j}"))
}

#[tokio::test]
async fn demo_year_statuses_late_reports_and_json_fields() {
    each_db(|db| async move {
        ok(
            &db,
            &["progress", "seed-demo", "--year", "2023", "--upto", "12"],
        );
        let rows = json(&db, "2023-06");
        // 16 targets × (8 jurisdictions + the city).
        assert_eq!(rows.len(), 16 * 9);
        for r in &rows {
            for k in [
                "target",
                "jurisdiction",
                "actual",
                "target_value",
                "completion",
                "time_progress",
                "status",
            ] {
                assert!(r.get(k).is_some(), "{k} missing: {r}");
            }
        }
        // Without a registry the computed target falls back to the reports.
        let jinan = row(&rows, "new_above_scale_industrial", "341502");
        assert_eq!(jinan["time_progress"], "0.5");
        assert_eq!(jinan["status"], "green");
        // 舒城县 skipped June.
        let shucheng = row(&rows, "new_listings", "341523");
        assert!(shucheng["actual"].is_null());
        assert_eq!(shucheng["status"], "red");
        // A period that spans the year end: January 2024 restarts yearly targets (no 2024 reports yet).
        let jan = json(&db, "2024-01");
        assert_eq!(
            row(&jan, "new_listings", "341502")["time_progress"]
                .as_str()
                .unwrap(),
            "0.0833"
        );
        assert!(row(&jan, "new_listings", "341502")["actual"].is_null());
        // December: the by-date ratio targets are due.
        let dec = json(&db, "2023-12");
        assert!(
            row(&dec, "tech_sme_rd_ratio", "341525")["reason"]
                .as_str()
                .unwrap()
                .contains("已到期限")
        );

        let late = ok(&db, &["progress", "late", "--period", "2023-06"]);
        assert!(late.contains("舒城县") && late.contains("未报送"), "{late}");
        assert!(
            late.contains("金寨县") && late.contains("逾期报送"),
            "{late}"
        );
        assert!(!late.contains("金安区"), "{late}");

        let dir = tempfile::tempdir().unwrap();
        let x = dir.path().join("t.xlsx");
        ok(
            &db,
            &[
                "progress",
                "--period",
                "2023-06",
                "--format",
                "xlsx",
                "--output",
                x.to_str().unwrap(),
            ],
        );
        assert!(std::fs::metadata(&x).unwrap().len() > 5000);
    })
    .await;
}

#[tokio::test]
async fn allocations_keep_history_and_reports_take_the_latest() {
    each_db(|db| async move {
        ok(
            &db,
            &[
                "progress",
                "allocate",
                "--target",
                "new_listings",
                "--jurisdiction",
                "341502",
                "--value",
                "4",
            ],
        );
        ok(
            &db,
            &[
                "progress",
                "allocate",
                "--target",
                "new_listings",
                "--jurisdiction",
                "341502",
                "--value",
                "5",
                "--by",
                "市金融监管局",
            ],
        );
        let history = db.store.allocation_history().await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].changed_by, "市金融监管局");
        ok(
            &db,
            &[
                "progress",
                "report",
                "--target",
                "new_listings",
                "--jurisdiction",
                "341502",
                "--period",
                "2023-06",
                "--value",
                "2",
            ],
        );
        ok(
            &db,
            &[
                "progress",
                "report",
                "--target",
                "new_listings",
                "--jurisdiction",
                "341502",
                "--period",
                "2023-06",
                "--value",
                "3",
            ],
        );
        let rows = json(&db, "2023-06");
        let r = row(&rows, "new_listings", "341502");
        assert_eq!(
            (r["target_value"].as_str(), r["actual"].as_str()),
            (Some("5"), Some("3"))
        );
        assert_eq!(r["completion"], "0.6");
        assert_eq!(r["status"], "green");
        // Unknown ids are refused by name.
        let out = huiqi(
            &db,
            &[
                "progress",
                "report",
                "--target",
                "nope",
                "--jurisdiction",
                "341502",
                "--period",
                "2023-06",
                "--value",
                "1",
            ],
        );
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("nope"));
        let out = huiqi(
            &db,
            &[
                "progress",
                "report",
                "--target",
                "new_listings",
                "--jurisdiction",
                "341502",
                "--period",
                "2023-13",
                "--value",
                "1",
            ],
        );
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("YYYY-MM"));
    })
    .await;
}

#[tokio::test]
async fn a_computed_target_follows_the_registry() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        huiqi_synth::write_csv(std::fs::File::create(&a).unwrap(), 3000, 2024, 11).unwrap();
        ok(
            &db,
            &[
                "import",
                "--source",
                "facts",
                "--year",
                "2024",
                a.to_str().unwrap(),
            ],
        );
        let count_2023 = |rows: &[serde_json::Value]| -> u64 {
            rows.iter()
                .filter(|r| r["target"] == "new_taxpaying_entities" && r["jurisdiction"] != "city")
                .map(|r| r["actual"].as_str().unwrap().parse::<u64>().unwrap())
                .sum()
        };
        let before = json(&db, "2023-12");
        let n1 = count_2023(&before);
        assert!(n1 > 0);
        let city = row(&before, "new_taxpaying_entities", "city");
        assert_eq!(city["actual"].as_str().unwrap().parse::<u64>().unwrap(), n1);
        assert!(
            row(&before, "new_taxpaying_entities", "341502")["reason"]
                .as_str()
                .unwrap()
                .contains("企业库中 2023-01-01 至 2023-12-31")
        );
        // More enterprises registered: the computed value follows.
        let b = dir.path().join("b.csv");
        huiqi_synth::write_csv(std::fs::File::create(&b).unwrap(), 6000, 2024, 12).unwrap();
        ok(
            &db,
            &[
                "import",
                "--source",
                "facts",
                "--year",
                "2024",
                b.to_str().unwrap(),
            ],
        );
        let n2 = count_2023(&json(&db, "2023-12"));
        assert!(n2 > n1, "{n1} → {n2}");
    })
    .await;
}
