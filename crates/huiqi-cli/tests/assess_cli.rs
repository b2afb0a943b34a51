//! `huiqi tasks` and `huiqi assess` as pinned by issue 16, against SQLite and (with
//! HUIQI_TEST_POSTGRES_URL) PostgreSQL, on the demo year of 日常调度 and 督办与考核.

mod common;
use common::{huiqi_on, json, ok};

use huiqi_store::testing::each_db;
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("decimal string: {v}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn tasks_and_assessment_as_pinned() {
    each_db(|db| async move {
        ok(
            &db,
            &["progress", "seed-demo", "--year", "2023", "--upto", "12"],
        );
        let out = ok(&db, &["tasks", "seed-demo", "--year", "2023"]);
        assert!(out.contains("督办单") && out.contains("已发布"), "{out}");

        // huiqi tasks: one row per task × unit × jurisdiction.
        let rows = json(
            &db,
            &[
                "tasks",
                "--period",
                "2023-12",
                "--at",
                "2024-01-31",
                "--format",
                "json",
            ],
        );
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 416);
        for r in rows {
            for key in [
                "task",
                "article",
                "unit",
                "jurisdiction",
                "status",
                "last_report",
                "due",
            ] {
                assert!(r.get(key).is_some(), "{key} in {r}");
            }
        }
        let listing = rows
            .iter()
            .find(|r| r["task"] == "listing_support" && r["jurisdiction"] == "341502")
            .unwrap();
        assert_eq!(listing["article"], 1);
        assert_eq!(listing["unit"], "local_finance");
        assert_eq!(listing["due"], "2024-01-10");
        assert!(
            rows.iter()
                .any(|r| r["status"].is_null() && r["colour"] == "red")
        );
        assert!(rows.iter().any(|r| r["colour"] == "green"));
        // The demo's 督办单 sits on a red line and was answered: no longer awaiting a reply.
        let table = ok(
            &db,
            &[
                "tasks",
                "--period",
                "2023-12",
                "--at",
                "2024-01-31",
                "--jurisdiction",
                "舒城县",
            ],
        );
        assert!(
            table.contains("舒城县") && !table.contains("金安区"),
            "{table}"
        );
        assert!(table.contains("共 52 条督办线"), "{table}");

        // huiqi assess: per jurisdiction score, rank, band, award and every indicator's trace.
        let a = json(
            &db,
            &[
                "assess",
                "--year",
                "2023",
                "--at",
                "2024-01-31",
                "--format",
                "json",
            ],
        );
        let arows = a["rows"].as_array().unwrap();
        assert_eq!(arows.len(), 8);
        let awards: Decimal = arows.iter().map(|r| dec(&r["award"])).sum();
        assert_eq!(awards, dec(&a["pool"]), "awards sum to the pool");
        assert_eq!(dec(&a["unallocated"]), Decimal::ZERO);
        for r in arows {
            for key in ["jurisdiction", "score", "rank", "band", "award"] {
                assert!(!r[key].is_null(), "{key} in {r}");
            }
            // The score from the points shown: the indicators scored, rescaled to 100.
            let mut points = Decimal::ZERO;
            let mut weight = Decimal::ZERO;
            for i in r["indicators"].as_array().unwrap() {
                assert!(!i["how"].as_str().unwrap().is_empty());
                if !i["points"].is_null() {
                    points += dec(&i["points"]);
                    weight += dec(&i["weight"]);
                }
            }
            let by_hand = (points * Decimal::ONE_HUNDRED / weight)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            assert_eq!(dec(&r["score"]), by_hand, "{}", r["score_how"]);
        }
        // The stored, published one is the same computation.
        let store = &db.store;
        assert!(store.published_assessment(2023).await.unwrap().is_some());

        // The what-if: the same year under another scheme, side by side.
        let dir = tempfile::tempdir().unwrap();
        let text = include_str!("../../../policies/luan-2023/assess/scheme-2023.yaml")
            .replace("version: \"2023-v1\"", "version: \"2023-v2\"")
            .replace("min_band: pass", "min_band: good")
            .replace(
                "band_weights: { excellent: \"3\", good: \"2\", pass: \"1\" }",
                "band_weights: { excellent: \"3\", good: \"2\" }",
            );
        let other = dir.path().join("scheme-v2.yaml");
        std::fs::write(&other, text).unwrap();
        let w = json(
            &db,
            &[
                "assess",
                "--year",
                "2023",
                "--at",
                "2024-01-31",
                "--whatif",
                other.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert_eq!(w["whatif"]["scheme_version"], "2023-v2");
        let cmp = w["comparison"].as_array().unwrap();
        assert_eq!(cmp.len(), 8);
        for c in cmp {
            if c["band"][1] == "合格" {
                assert_eq!(
                    dec(&c["award"][1]),
                    Decimal::ZERO,
                    "合格 gets nothing under v2"
                );
            }
        }
        let table = ok(
            &db,
            &[
                "assess",
                "--year",
                "2023",
                "--at",
                "2024-01-31",
                "--whatif",
                other.to_str().unwrap(),
            ],
        );
        assert!(
            table.contains("方案比较：版本 2023-v1 → 版本 2023-v2"),
            "{table}"
        );
        assert!(
            table.contains("计算过程") && table.contains("余数规则"),
            "{table}"
        );

        // xlsx with the result, the computation and the comparison.
        let file = dir.path().join("考核.xlsx");
        ok(
            &db,
            &[
                "assess",
                "--year",
                "2023",
                "--at",
                "2024-01-31",
                "--whatif",
                other.to_str().unwrap(),
                "--format",
                "xlsx",
                "--output",
                file.to_str().unwrap(),
            ],
        );
        use calamine::{Reader, Xlsx, open_workbook};
        let wb: Xlsx<_> = open_workbook(&file).unwrap();
        assert_eq!(wb.sheet_names(), ["考核结果", "计算过程", "方案比较"]);
        let board = dir.path().join("督办.xlsx");
        ok(
            &db,
            &[
                "tasks",
                "--period",
                "2023-12",
                "--at",
                "2024-01-31",
                "--format",
                "xlsx",
                "--output",
                board.to_str().unwrap(),
            ],
        );
        let mut wb: Xlsx<_> = open_workbook(&board).unwrap();
        assert_eq!(wb.worksheet_range("督办").unwrap().rows().count(), 2 + 416);

        // Mistakes are named.
        let out = huiqi_on(&db, &["assess", "--year", "2031"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--scheme"));
        std::fs::write(&other, "id: x\n").unwrap();
        let out = huiqi_on(
            &db,
            &[
                "assess",
                "--year",
                "2023",
                "--scheme",
                other.to_str().unwrap(),
            ],
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("缺少必填字段"));
        let out = huiqi_on(&db, &["tasks", "--period", "2023-13"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("2023-13"));
    })
    .await;
}
