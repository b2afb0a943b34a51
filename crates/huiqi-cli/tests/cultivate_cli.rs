//! `huiqi cultivate` as pinned by issue 17: `score` (JSON shape, input field names, `missing` in
//! Chinese, `--trace`, stdin, errors) and `candidates`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn huiqi_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run huiqi");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn score(standard: &str, at: &str, input: &str, trace: bool) -> Value {
    let mut args = vec!["cultivate", "score", "--standard", standard, "--at", at];
    if trace {
        args.push("--trace");
    }
    args.push("-");
    let out = huiqi_stdin(&args, input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const TECH: &str = r#"{
  "employees": 100, "tech_staff": 30, "sales_revenue": "10000000", "total_assets": "8000000",
  "cost_total": "9000000", "rd_expense": "240000", "ip_class1": 0, "ip_class2": 3,
  "restricted_industry": false, "serious_violation": false, "high_tech_certified": false,
  "national_award_top3": false, "provincial_rd_institution": false, "standard_lead": false
}"#;

#[test]
fn tech_sme_score_has_the_pinned_shape() {
    let v = score("tech_sme", "2024-06-30", TECH, false);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "missing",
            "parts",
            "qualified",
            "score",
            "standard",
            "version"
        ],
        "{v}"
    );
    assert_eq!(v["standard"], "tech_sme");
    assert_eq!(v["version"], "2017");
    // staff 30% → 20, R&D 2.4% of sales → 10 (2.67% of costs → 0), 3 class-II IP → 18.
    assert_eq!(v["score"], 48);
    assert_eq!(v["qualified"], false);
    assert_eq!(v["parts"]["tech_staff"], 20);
    assert_eq!(v["parts"]["rd"], 10);
    assert_eq!(v["parts"]["ip"], 18);
    let missing: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(missing[0], "总分须达到 60 分（现 48 分，还差 12 分）");
    assert!(
        missing.contains(&"研发投入占销售收入比例达到 3%（现 2.4%）可再得 10 分"),
        "{missing:?}"
    );
    assert!(v.get("trace").is_none());
}

#[test]
fn trace_from_a_file_cites_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.json");
    std::fs::write(&f, TECH).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args([
            "cultivate",
            "score",
            "--standard",
            "tech_sme",
            "--at",
            "2024-06-30",
            "--trace",
        ])
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let trace = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(trace.contains("国科发政〔2017〕115号"), "{trace}");
    assert!(
        trace.contains(
            "研发投入占销售收入比例：2.4%（研发投入 24 万元 / 销售收入 1,000 万元） → 10 分"
        ),
        "{trace}"
    );
}

#[test]
fn direct_route_and_dated_versions() {
    let v = score(
        "tech_sme",
        "2024-06-30",
        r#"{"employees": 20, "high_tech_certified": true}"#,
        false,
    );
    assert_eq!(v["qualified"], true);
    assert_eq!(v["missing"].as_array().unwrap().len(), 0);
    let v = score("innovative_sme", "2026-03-31", "{}", false);
    assert_eq!(v["version"], "2022");
    let v = score("zjtx", "2026-04-01", "{}", false);
    assert_eq!(v["version"], "2026（待核实）");
}

#[test]
fn bad_input_is_a_clear_error() {
    let out = huiqi_stdin(
        &[
            "cultivate",
            "score",
            "--standard",
            "tech_sme",
            "--at",
            "2024-06-30",
            "-",
        ],
        r#"{"employees": 10, "techstaff": 3}"#,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("不认识的字段 `techstaff`"), "{err}");
    let out = huiqi_stdin(
        &[
            "cultivate",
            "score",
            "--standard",
            "zjtx",
            "--at",
            "2020-01-01",
            "-",
        ],
        "{}",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("没有有效的版本"), "{err}");
}

/// 四上 revenue line in fen, read independently from national-rules.md §9 (not from the data file):
/// `None` for industries without a revenue line (construction, real-estate development, and the
/// sections §9 does not name).
fn independent_line(industry: &str) -> Option<i64> {
    let wan = |n: i64| Some(n * 10_000 * 100);
    let div: u32 = industry.get(1..3).and_then(|d| d.parse().ok()).unwrap_or(0);
    let class = industry.get(1..5).unwrap_or("");
    match industry.as_bytes()[0] {
        b'B' | b'C' | b'D' => wan(2000),
        b'F' if div == 51 => wan(2000),
        b'F' if div == 52 => wan(500),
        b'H' => wan(200),
        b'G' | b'I' | b'N' => wan(2000),
        b'Q' if div == 84 => wan(2000),
        b'Q' if div == 85 => wan(500),
        b'L' | b'M' | b'P' => wan(1000),
        b'K' if class == "7010" => None,
        b'K' if ["7020", "7030", "7040", "7090"].contains(&class) => wan(1000),
        b'O' | b'R' => wan(500),
        _ => None,
    }
}

fn run_db(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(args)
        .env("HUIQI_DATABASE_URL", url)
        .output()
        .expect("run huiqi")
}

fn ok_db(url: &str, args: &[&str]) -> String {
    let out = run_db(url, args);
    assert!(
        out.status.success(),
        "huiqi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn above_scale_candidates_equal_an_independent_reading_of_the_thresholds() {
    huiqi_store::testing::each_db(|db| async move {
        let url = db.url.clone();
        let dir = tempfile::tempdir().unwrap();
        let n = 4000u64;
        let facts = dir.path().join("facts.csv");
        huiqi_synth::write_csv(std::fs::File::create(&facts).unwrap(), n, 2024, 17).unwrap();
        ok_db(
            &url,
            &[
                "import",
                "--source",
                "facts",
                "--year",
                "2024",
                facts.to_str().unwrap(),
            ],
        );
        // 统计 reports some enterprises as 四上 already: every third one in a candidate window.
        let rows: Vec<_> = (0..n)
            .map(|i| huiqi_synth::enterprise(i, 2024, 17))
            .collect();
        let in_window = |r: &huiqi_synth::SynthRow| {
            r.kind == huiqi_domain::EntityKind::Enterprise
                && independent_line(r.industry)
                    .is_some_and(|t| r.revenue * 10 >= t * 8 && r.revenue < t)
        };
        let mut stats = String::from("uscc,above_scale\n");
        let mut already = std::collections::HashSet::new();
        for r in rows.iter().filter(|r| in_window(r)).step_by(3) {
            stats.push_str(&format!("{},true\n", r.uscc));
            already.insert(r.uscc.to_string());
        }
        let stats_file = dir.path().join("stats.csv");
        std::fs::write(&stats_file, stats).unwrap();
        ok_db(
            &url,
            &[
                "import",
                "--source",
                "stats",
                "--year",
                "2024",
                stats_file.to_str().unwrap(),
            ],
        );

        let mut expected: Vec<String> = rows
            .iter()
            .filter(|r| in_window(r) && !already.contains(&r.uscc.to_string()))
            .map(|r| r.uscc.to_string())
            .collect();
        expected.sort();
        assert!(
            expected.len() > 20,
            "too few candidates to test: {}",
            expected.len()
        );

        let v: Value = serde_json::from_str(&ok_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let got: Vec<String> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["uscc"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, expected);
        // Each row: threshold, gap = threshold − revenue, and the line used.
        for r in v["rows"].as_array().unwrap() {
            let rev: rust_decimal::Decimal = r["revenue"].as_str().unwrap().parse().unwrap();
            let thr: rust_decimal::Decimal = r["threshold"].as_str().unwrap().parse().unwrap();
            let gap: rust_decimal::Decimal = r["gap"].as_str().unwrap().parse().unwrap();
            assert_eq!(thr - rev, gap);
            assert!(!r["line"].as_str().unwrap().is_empty());
        }
        // Candidates vs this year's targets per county: each industry line's candidates (counted
        // here from the rows by GB/T 4754 section) beside the county's equal share of the city
        // target (no allocation in 日常调度: ⌈city / 8⌉).
        let by_county = v["by_county"].as_array().unwrap();
        assert_eq!(by_county.len(), 8);
        for c in by_county {
            let id = c["county"].as_str().unwrap();
            let mine: Vec<&Value> = v["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["county"] == id)
                .collect();
            assert_eq!(c["candidates"].as_u64().unwrap() as usize, mine.len());
            let of = |sections: &str| {
                mine.iter()
                    .filter(|r| {
                        let s = r["industry"].as_str().unwrap().chars().next().unwrap();
                        sections.contains(s)
                    })
                    .count() as u64
            };
            let expected = [
                ("new_above_scale_industrial", "150", "19", of("BCD")),
                (
                    "new_above_scale_services",
                    "40",
                    "5",
                    mine.len() as u64 - of("BCDEFH"),
                ),
                ("new_above_quota_trade", "100", "13", of("FH")),
                ("new_qualified_construction", "35", "5", 0),
            ];
            let targets = c["targets"].as_array().unwrap();
            assert_eq!(targets.len(), expected.len(), "{c}");
            for (t, (id, city, share, n)) in targets.iter().zip(expected) {
                assert_eq!(t["target"], id);
                assert_eq!(t["city"], city);
                assert_eq!(t["share"], share, "{t}");
                assert_eq!(t["candidates"].as_u64().unwrap(), n, "{t}");
            }
        }
        let notes = v["notes"].to_string();
        assert!(
            notes.contains("建筑业") && notes.contains("房地产开发经营"),
            "{notes}"
        );

        // One county: the same rows of that county.
        let county = v["rows"][0]["county"].as_str().unwrap().to_string();
        let one: Value = serde_json::from_str(&ok_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--county",
                &county,
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let n_county = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["county"] == county.as_str())
            .count();
        assert_eq!(one["rows"].as_array().unwrap().len(), n_county);

        // The table and the workbook.
        let table = ok_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
            ],
        );
        assert!(
            table.contains("小升规候选名单") && table.contains("合计"),
            "{table}"
        );
        // --top 3: the three smallest gaps, the count of the whole list said.
        let top = ok_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--top",
                "3",
            ],
        );
        // (Ties: the larger revenue first, then the code.)
        let dec = |r: &Value, k: &str| -> rust_decimal::Decimal {
            r[k].as_str().unwrap().parse().unwrap()
        };
        let mut gaps: Vec<(rust_decimal::Decimal, rust_decimal::Decimal, String)> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    dec(r, "gap"),
                    -dec(r, "revenue"),
                    r["uscc"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        gaps.sort();
        let shown: Vec<&str> = top
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .find(|w| w.len() == 18 && w.starts_with("91"))
            })
            .collect();
        assert_eq!(
            shown,
            gaps.iter()
                .take(3)
                .map(|(_, _, u)| u.as_str())
                .collect::<Vec<_>>(),
            "{top}"
        );
        assert!(
            top.contains(&format!(
                "只列最接近的前 3 户，共 {} 户",
                huiqi_domain::text::thousands(gaps.len() as u64)
            )),
            "{top}"
        );
        // --top 0: no rows, the count of all said; beyond the list: every row, nothing said;
        // not a number: refused in Chinese.
        let top_of = |n: &str| {
            run_db(
                &url,
                &[
                    "cultivate",
                    "candidates",
                    "--kind",
                    "above_scale",
                    "--year",
                    "2024",
                    "--top",
                    n,
                ],
            )
        };
        let rows_in = |out: &str| {
            out.lines()
                .filter(|l| {
                    l.split_whitespace()
                        .any(|w| w.len() == 18 && w.starts_with("91"))
                })
                .count()
        };
        let none = String::from_utf8_lossy(&top_of("0").stdout).into_owned();
        assert_eq!(rows_in(&none), 0, "{none}");
        assert!(none.contains("只列最接近的前 0 户"), "{none}");
        let all = String::from_utf8_lossy(&top_of("18446744073709551615").stdout).into_owned();
        assert_eq!(rows_in(&all), gaps.len(), "{all}");
        assert!(!all.contains("只列"), "{all}");
        for bad in ["x", "", "99999999999999999999999"] {
            let out = top_of(bad);
            assert!(!out.status.success(), "--top {bad:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("--top"), "--top {bad:?}: {err}");
            assert!(
                !err.contains("invalid"),
                "Chinese, not clap's English: {err}"
            );
        }
        let xlsx = dir.path().join("c.xlsx");
        ok_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--format",
                "xlsx",
                "--output",
                xlsx.to_str().unwrap(),
            ],
        );
        assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);

        // Other kinds run and explain themselves.
        for kind in ["ind_to_ent", "tech_sme", "innovative_sme", "zjtx"] {
            let v: Value = serde_json::from_str(&ok_db(
                &url,
                &[
                    "cultivate",
                    "candidates",
                    "--kind",
                    kind,
                    "--year",
                    "2024",
                    "--format",
                    "json",
                ],
            ))
            .unwrap();
            assert!(!v["notes"].as_array().unwrap().is_empty(), "{kind}");
        }
        let ind: Value = serde_json::from_str(&ok_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "ind_to_ent",
                "--year",
                "2024",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        for r in ind["rows"].as_array().unwrap() {
            assert!(r["uscc"].as_str().unwrap().starts_with("92"), "{r}");
            assert!(!r["reasons"].as_array().unwrap().is_empty());
        }
        // A county that does not exist is an error naming the choices.
        let out = run_db(
            &url,
            &[
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--county",
                "999999",
            ],
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("没有辖区"));
    })
    .await;
}

#[tokio::test]
async fn parks_template_import_and_grade() {
    huiqi_store::testing::each_db(|db| async move {
        let url = db.url.clone();
        let dir = tempfile::tempdir().unwrap();
        let template = dir.path().join("parks.csv");
        ok_db(
            &url,
            &["parks", "template", "--output", template.to_str().unwrap()],
        );
        let mut text = std::fs::read_to_string(&template).unwrap();
        // Two more parks: one weaker, one opened this year (transition period).
        text.push_str("P02,霍山县小微企业园,341525,2018,100,50,20,60000000,3000000,500,1,6,1\n");
        text.push_str("P03,经开区新园,luan-etdz,2024,80,20,5,1000000,100000,50,0,2,0\n");
        std::fs::write(&template, &text).unwrap();
        let out = ok_db(
            &url,
            &[
                "parks",
                "import",
                "--year",
                "2024",
                template.to_str().unwrap(),
            ],
        );
        assert!(out.contains("3 个园区"), "{out}");

        let v: Value = serde_json::from_str(&ok_db(
            &url,
            &["parks", "grade", "--year", "2024", "--format", "json"],
        ))
        .unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 3);
        for r in rows {
            for k in ["park", "county", "score", "grade", "rank", "computation"] {
                assert!(r.get(k).is_some(), "{k}: {r}");
            }
        }
        // 示例园区01 (120.5 亩): output 3.6亿 → 2,987,551.87 元/亩 of 3,000,000 → 29.88; tax
        // 124,481.33 元/亩 of 150,000 → 20.75; occupancy 82.99% of 90% → 13.83; graduates 3/5 → 9;
        // services 24/24 → 10; no incident → 5: 88.46 → A, rank 1.
        assert_eq!(rows[0]["park"], "金安区小微企业园");
        assert_eq!(rows[0]["score"], "88.46");
        assert_eq!(rows[0]["grade"], "A");
        // 霍山: 6 + 5 + 8.33 + 3 + 2.5 + 0 (one incident: 5 − 5) = 24.83 → D.
        assert_eq!(rows[1]["score"], "24.83");
        assert_eq!(rows[1]["grade"], "D");
        assert_eq!(rows[0]["rank"], 1);
        assert_eq!(rows[1]["rank"], 2);
        assert_eq!(rows[2]["grade"], "过渡期");
        assert!(rows[2]["rank"].is_null());
        let table = ok_db(&url, &["parks", "grade", "--year", "2024"]);
        assert!(
            table.contains("金安区小微企业园") && table.contains("过渡期"),
            "{table}"
        );

        // A bad file: every error with row and column, nothing written.
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            text.replace("341525,2018,100,50", "341599,2018,100,500"),
        )
        .unwrap();
        let out = run_db(
            &url,
            &["parks", "import", "--year", "2024", bad.to_str().unwrap()],
        );
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("第 3 行，列“所属辖区”") && err.contains("第 3 行，列“已入驻面积（亩）”"),
            "{err}"
        );
        let again: Value = serde_json::from_str(&ok_db(
            &url,
            &["parks", "grade", "--year", "2024", "--format", "json"],
        ))
        .unwrap();
        assert_eq!(again.as_array().unwrap().len(), 3);
    })
    .await;
}

/// 元 text of an amount in fen (the way the score's JSON input wants money).
fn yuan_text(fen: i64) -> String {
    let s = if fen < 0 { "-" } else { "" };
    format!("{s}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// Half-width digits written full-width (as some departments' spreadsheets do).
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap(),
            c => c,
        })
        .collect()
}

/// The 科技局/知识产权 source (`tech`): the template, a file with a title row, a totals row and
/// full-width digits imported like any department's file, a bad file refused whole with every
/// error named by row and column, and the certification lists scoring the imported facts — each
/// listed score equal to `huiqi cultivate score` on the same facts written out independently.
#[tokio::test]
async fn tech_source_import_feeds_the_certification_scores() {
    huiqi_store::testing::each_db(|db| async move {
        let url = db.url.clone();
        let dir = tempfile::tempdir().unwrap();
        let (n, seed) = (1500u64, 31u64);
        let facts = dir.path().join("facts.csv");
        huiqi_synth::write_csv(std::fs::File::create(&facts).unwrap(), n, 2024, seed).unwrap();
        let facts = facts.to_str().unwrap();
        ok_db(&url, &["import", "--source", "facts", "--year", "2024", facts]);

        // The template.
        let template = dir.path().join("科技模板.xlsx");
        ok_db(
            &url,
            &["import", "--template", "tech", template.to_str().unwrap()],
        );
        assert!(std::fs::metadata(&template).unwrap().len() > 1000);

        let list = |url: &str| -> Value {
            serde_json::from_str(&ok_db(
                url,
                &[
                    "cultivate", "candidates", "--kind", "tech_sme", "--year", "2024", "--format",
                    "json",
                ],
            ))
            .unwrap()
        };
        let before = list(&url);

        // A bad file: nothing written, every error named.
        let rows: Vec<(u64, [String; 12])> = (0..n)
            .filter_map(|i| huiqi_synth::tech_row(i, 2024, 2024, seed).map(|r| (i, r)))
            .collect();
        assert!(rows.len() > 20, "too few tech rows: {}", rows.len());
        let header = "统一社会信用代码,科技人员数,研发人员数,Ⅰ类知识产权,Ⅱ类知识产权,Ⅰ类高价值知识产权,自主研发Ⅰ类知识产权,主营业务收入,成本费用总额,负债总额,净利润,高新技术企业";
        let mut bad = format!("{header}\n{}\n", rows[0].1.join(","));
        let mut r1 = rows[1].1.clone();
        r1[1] = "-3".into();
        r1[3] = "1.5".into();
        bad.push_str(&format!("{}\n", r1.join(",")));
        let bad_file = dir.path().join("bad.csv");
        std::fs::write(&bad_file, bad).unwrap();
        // An enterprise the registry does not know (checked once the cells are right).
        let stranger = huiqi_synth::enterprise(n + 7, 2024, seed).uscc.to_string();
        let mut r2 = rows[2].1.clone();
        r2[0] = stranger.clone();
        let stranger_file = dir.path().join("stranger.csv");
        std::fs::write(
            &stranger_file,
            format!("{header}\n{}\n{}\n", rows[0].1.join(","), r2.join(",")),
        )
        .unwrap();
        let refused = |file: &std::path::Path| -> String {
            let out = run_db(
                &url,
                &["import", "--source", "tech", "--year", "2024", file.to_str().unwrap()],
            );
            let err = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            assert!(!out.status.success(), "{err}");
            assert!(err.contains("未导入任何数据"), "{err}");
            err
        };
        let err = refused(&bad_file);
        assert!(err.contains("第 3 行，列“科技人员数”：数量不能为负"), "{err}");
        assert!(err.contains("第 3 行，列“Ⅰ类知识产权”：应为整数"), "{err}");
        let err = refused(&stranger_file);
        assert!(err.contains(&stranger) && err.contains("第 3 行"), "{err}");
        assert_eq!(list(&url)["rows"], before["rows"], "a refused file changed nothing");

        // The good file: a title row, full-width digits in one row, a totals row.
        let mut good = format!("2024 年度科技企业数据报送表\n{header}\n");
        for (k, (_, r)) in rows.iter().enumerate() {
            let mut r = r.clone();
            if k == 0 {
                r[1] = full_width(&r[1]);
                r[7] = full_width(&r[7]);
            }
            good.push_str(&format!("{}\n", r.join(",")));
        }
        good.push_str("合计,,,,,,,,,,,\n");
        let good_file = dir.path().join("科技数据-2024.csv");
        std::fs::write(&good_file, good).unwrap();
        ok_db(
            &url,
            &[
                "import",
                "--source",
                "tech",
                "--year",
                "2024",
                good_file.to_str().unwrap(),
            ],
        );

        // Every listed enterprise the 科技局 reported: the listed score is the score of its facts.
        let after = list(&url);
        assert!(!after["notes"].to_string().contains("尚无部门数据"));
        let mut checked = 0;
        let mut raised = 0;
        for (i, t) in &rows {
            let e = huiqi_synth::enterprise(*i, 2024, seed);
            let Some(row) = after["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["uscc"] == t[0].as_str())
            else {
                continue;
            };
            let input = serde_json::json!({
                "employees": e.employees,
                "tech_staff": t[1].parse::<u32>().unwrap(),
                "sales_revenue": yuan_text(e.revenue),
                "total_assets": yuan_text(e.total_assets),
                "cost_total": t[8],
                "rd_expense": yuan_text(e.rd_expense),
                "ip_class1": t[3].parse::<u32>().unwrap(),
                "ip_class2": t[4].parse::<u32>().unwrap(),
                "restricted_industry": e.restricted_industry,
                "high_tech_certified": t[11] == "是",
            });
            let s = score("tech_sme", "2024-12-31", &input.to_string(), false);
            assert_eq!(row["score"], s["score"], "{}: {input}", t[0]);
            let earlier = before["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["uscc"] == t[0].as_str());
            if earlier.is_none_or(|r| r["score"].as_u64() < s["score"].as_u64()) {
                raised += 1;
            }
            checked += 1;
        }
        assert!(checked >= 5, "only {checked} reported enterprises listed");
        // Beside 新增科技型中小企业 (100 a year, 13 per county when not allocated).
        for c in after["by_county"].as_array().unwrap() {
            let t = &c["targets"][0];
            assert_eq!(
                (t["target"].as_str(), t["share"].as_str()),
                (Some("new_tech_smes"), Some("13"))
            );
            assert_eq!(t["candidates"], c["candidates"]);
        }
        assert!(raised >= 1, "the imported facts raised no score");
    })
    .await;
}
