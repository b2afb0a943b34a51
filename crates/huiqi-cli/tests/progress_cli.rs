//! 日常调度 as a user runs it, against SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL, with the
//! lists its computed targets come from (`huiqi import --source certifications|trainings`).

mod common;
use common::{huiqi_on, ok, text, write};

use std::path::{Path, PathBuf};

use huiqi_store::testing::{TestDb, each_db};

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
        let out = huiqi_on(
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
        let out = huiqi_on(
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

// —— the lists and the targets computed from them ——

fn actual(rows: &[serde_json::Value], target: &str, j: &str) -> Option<u64> {
    row(rows, target, j)["actual"]
        .as_str()
        .map(|a| a.parse().unwrap())
}

fn reason(rows: &[serde_json::Value], target: &str, j: &str) -> String {
    row(rows, target, j)["reason"].as_str().unwrap().to_owned()
}

const JURISDICTIONS: [&str; 8] = [
    "341502",
    "341503",
    "341504",
    "341522",
    "341523",
    "341524",
    "341525",
    "luan-etdz",
];

/// A registry of `count` generated enterprises with their generated certifications and trainings
/// files (2023).
fn setup(db: &TestDb, dir: &Path, count: u64) -> (PathBuf, PathBuf) {
    let pop = dir.join("pop.csv");
    let certs = dir.join("认定名单.csv");
    let trainings = dir.join("培训台账.csv");
    let n = count.to_string();
    ok(
        db,
        &[
            "gen",
            "--count",
            &n,
            "--year",
            "2024",
            "--output",
            pop.to_str().unwrap(),
            "--certifications",
            certs.to_str().unwrap(),
            "--trainings",
            trainings.to_str().unwrap(),
            "--lists-year",
            "2023",
        ],
    );
    ok(
        db,
        &[
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            pop.to_str().unwrap(),
        ],
    );
    (certs, trainings)
}

#[tokio::test]
async fn lists_import_once_and_the_table_computes_their_targets() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let (certs, trainings) = setup(&db, dir.path(), 4000);
        let before = json(&db, "2023-09");
        assert!(
            !reason(&before, "new_tech_smes", "341502").contains("计算"),
            "no list yet: reported values stand"
        );
        for (source, file) in [("certifications", &certs), ("trainings", &trainings)] {
            let out = ok(&db, &["import", "--source", source, file.to_str().unwrap()]);
            assert!(out.contains("已导入"), "{out}");
            // The same file again changes nothing.
            let out = ok(&db, &["import", "--source", source, file.to_str().unwrap()]);
            assert!(out.contains("完全相同"), "{out}");
        }
        let rows = json(&db, "2023-09");
        // Every computed target: all jurisdictions have a value, the city row is their sum, and
        // the reason says how.
        for (target, how) in [
            ("new_tech_smes", "认定名单中 2023-01-01 至 2023-09-30"),
            ("new_innovative_smes", "认定名单"),
            ("new_provincial_zjtx", "认定名单"),
            ("entrepreneur_trainings", "企业家培训台账中 2023-01-01 至 2023-09-30"),
            ("entrepreneur_trainees", "企业家和企业高管人次之和"),
        ] {
            let sum: u64 = JURISDICTIONS
                .iter()
                .map(|j| actual(&rows, target, j).unwrap_or_else(|| panic!("{target} {j}")))
                .sum();
            assert_eq!(actual(&rows, target, "city"), Some(sum), "{target}");
            assert!(reason(&rows, target, "city").contains(how), "{target}");
        }
        // The trainings computed match the file: sessions and attendees dated January–September.
        let body = std::fs::read_to_string(&trainings).unwrap();
        let (mut sessions, mut attendees) = (0u64, 0u64);
        for line in body.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f[1] <= "2023-09-30" {
                sessions += 1;
                attendees += f[5].parse::<u64>().unwrap();
            }
        }
        assert_eq!(actual(&rows, "entrepreneur_trainings", "city"), Some(sessions));
        assert_eq!(actual(&rows, "entrepreneur_trainees", "city"), Some(attendees));

        // One more certification, dated inside the window, for an enterprise of the registry
        // without one: the count of its county rises by one; one dated after September does not
        // count in September.
        let pop = std::fs::read_to_string(dir.path().join("pop.csv")).unwrap();
        let certified = std::fs::read_to_string(&certs).unwrap();
        let mut fresh = pop
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[0].starts_with("91") && !certified.contains(f[0]));
        let a = fresh.next().unwrap();
        let b = fresh.next().unwrap();
        let county = |code: &str| -> &str {
            match &code[2..8] {
                "341500" => "luan-etdz",
                other => JURISDICTIONS.iter().find(|j| **j == other).unwrap(),
            }
        };
        let more = write(
            dir.path(),
            "more.csv",
            &format!(
                "uscc,kind,certified_on,certificate_no\n{},tech_sme,2023-03-01,X1\n{},科技型中小企业,2023-10-01,\n",
                a[0], b[0]
            ),
        );
        let out = ok(&db, &["import", "--source", "certifications", more.to_str().unwrap()]);
        assert!(out.contains("新增 2"), "{out}");
        let after = json(&db, "2023-09");
        let (ja, jb) = (county(a[0]), county(b[0]));
        let expect_a = actual(&rows, "new_tech_smes", ja).unwrap() + 1;
        assert_eq!(actual(&after, "new_tech_smes", ja), Some(expect_a));
        if ja != jb {
            assert_eq!(
                actual(&after, "new_tech_smes", jb),
                actual(&rows, "new_tech_smes", jb),
                "October is after September's end"
            );
        }
        assert_eq!(
            actual(&after, "new_tech_smes", "city"),
            Some(actual(&rows, "new_tech_smes", "city").unwrap() + 1)
        );
    })
    .await;
}

/// (source, file body, a line the error output must contain).
const BAD_FILES: &[(&str, &str, &str)] = &[
    (
        "certifications",
        "统一社会信用代码,认定类型,认定日期,证书编号\n{good}\n{good2},国家级专精特新,2023-05-01,\n",
        "第 3 行，列“认定类型”",
    ),
    (
        "certifications",
        "统一社会信用代码,认定类型,认定日期,证书编号\n{good}\n91341502MA00000019,科技型中小企业,2023-05-01,\n",
        "第 3 行，列“统一社会信用代码”",
    ),
    (
        "certifications",
        "uscc,kind,certified_on,certificate_no\n{good}\n{unregistered},innovative_sme,2023-05-01,\n",
        "第 3 行，列“uscc”：统一社会信用代码 {unregistered} 不在企业库中",
    ),
    (
        "trainings",
        "场次编号,日期,辖区,培训名称,主办单位,参训人数\nPX1,2023-03-01,金安区,创业培训,,60\nPX2,2023-03-02,合肥市,创业培训,,60\n",
        "第 3 行，列“辖区”",
    ),
    (
        "trainings",
        "session_id,held_on,county,title,organiser,attendees\nPX1,2023-03-01,341502,创业培训,,60\nPX1,2023-03-02,341503,创业培训,,60\n",
        "第 3 行，列“session_id”：场次编号 PX1 与第 2 行重复",
    ),
];

#[tokio::test]
async fn a_bad_row_imports_nothing_and_is_named_by_row_and_column() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let (certs, _) = setup(&db, dir.path(), 300);
        let pop = std::fs::read_to_string(dir.path().join("pop.csv")).unwrap();
        let codes: Vec<&str> = pop
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        let good = format!("{},科技型中小企业,2023-04-01,", codes[0]);
        let good2 = codes[1];
        // A valid code that is not in the registry.
        let unregistered = huiqi_domain::Uscc::from_parts("91", "341502", "MA0000AB")
            .unwrap()
            .to_string();
        assert!(!pop.contains(&unregistered));
        for (i, (source, body, expected)) in BAD_FILES.iter().enumerate() {
            let body = body
                .replace("{good}", &good)
                .replace("{good2}", good2)
                .replace("{unregistered}", &unregistered);
            let expected = expected.replace("{unregistered}", &unregistered);
            let f = write(dir.path(), &format!("bad{i}.csv"), &body);
            let out = huiqi_on(&db, &["import", "--source", source, f.to_str().unwrap()]);
            assert_eq!(
                out.status.code(),
                Some(2),
                "case {i}: {}",
                text(&out.stderr)
            );
            let err = text(&out.stderr);
            assert!(err.contains("未导入任何数据"), "case {i}: {err}");
            assert!(err.contains(&expected), "case {i}: {err}");
        }
        // Nothing of any bad file reached the database: the good first rows are not there either.
        let store = huiqi_store::Store::connect(&db.url).await.unwrap();
        assert!(store.certifications(None).await.unwrap().is_empty());
        assert!(store.list_imports().await.unwrap().is_empty());
        let rows = json(&db, "2023-12");
        assert!(!reason(&rows, "entrepreneur_trainings", "city").contains("计算"));
        // The generated file itself imports.
        ok(
            &db,
            &[
                "import",
                "--source",
                "certifications",
                certs.to_str().unwrap(),
            ],
        );
        // Lists take no --year; templates are written.
        let out = huiqi_on(
            &db,
            &[
                "import",
                "--source",
                "trainings",
                "--year",
                "2023",
                certs.to_str().unwrap(),
            ],
        );
        assert!(!out.status.success() && text(&out.stderr).contains("--year"));
        for source in ["certifications", "trainings"] {
            let t = dir.path().join(format!("{source}.xlsx"));
            ok(&db, &["import", "--template", source, t.to_str().unwrap()]);
            assert!(t.exists());
        }
    })
    .await;
}
