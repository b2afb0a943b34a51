//! 免申即享 as a user runs it (`huiqi match --db`, `whatif`, `export push`, `grants import`,
//! `runs`), against SQLite and (with HUIQI_TEST_POSTGRES_URL) a throw-away PostgreSQL database.

mod common;
use common::run_ok;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use huiqi_app::matching::{self, PushFilter};
use huiqi_match::whatif::Change;
use huiqi_rules::MeasureId;
use huiqi_store::testing::{TestDb, each_db};

fn populated(db: &TestDb, dir: &Path, count: u64) -> PathBuf {
    let path = common::facts_csv(&dir.join("facts.csv"), count, 2024, 7);
    run_ok(
        db,
        &[
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            path.to_str().unwrap(),
        ],
    );
    path
}

fn at() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
}

#[tokio::test]
async fn a_stored_run_equals_match_input_on_the_same_facts() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let facts = populated(&db, dir.path(), 3000);
        // Reading in small batches (many key ranges) gives the same facts, in uscc order, as
        // reading in one.
        let mut small = Vec::new();
        let mut sizes = Vec::new();
        db.store
            .for_each_facts_batch(2024, 7, |b| {
                sizes.push(b.len());
                small.extend(b)
            })
            .await
            .unwrap();
        let mut whole = Vec::new();
        db.store
            .for_each_facts_batch(2024, 100_000, |b| whole.extend(b))
            .await
            .unwrap();
        assert_eq!(whole.len(), 3000);
        assert!(small == whole, "batched reads differ");
        assert!(sizes.iter().all(|n| *n <= 7) && sizes.len() >= 3000 / 7);
        assert!(whole.windows(2).all(|w| w[0].uscc < w[1].uscc));
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        let out = dir.path().join("out.csv");
        run_ok(
            &db,
            &[
                "match",
                "--at",
                "2024-12-31",
                "--input",
                facts.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
            ],
        );

        let runs = db.store.runs().await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].enterprises, 3000);
        let stored = matching::results(&db.store, runs[0].id).await.unwrap();
        let file: HashMap<String, Vec<String>> = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<String> = l.split(',').map(str::to_string).collect();
                (f[0].clone(), f)
            })
            .collect();
        assert_eq!(stored.len(), file.len());
        for r in &stored {
            let f = &file[&r.uscc];
            assert_eq!(f[1], r.size_class, "{}", r.uscc);
            // Every measure but the class, in the columns of the measure table (after uscc).
            for m in MeasureId::stored().chain([MeasureId::TotalRelief]) {
                let column = 1 + m.index();
                let expected = if m.is_money() {
                    format!("{:.2}", huiqi_match::from_fen(matching::value(r, m)))
                } else {
                    matching::eligible(r, m).to_string()
                };
                assert_eq!(f[column], expected, "{} column {column} ({m})", r.uscc);
            }
        }
        // A second run does not replace the first.
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        assert_eq!(db.store.runs().await.unwrap().len(), 2);
        let cmp = matching::compare_runs(&db.store, runs[0].id, runs[0].id + 1)
            .await
            .unwrap();
        assert!(cmp.diffs.is_empty() && cmp.parameter_changes.is_empty());
    })
    .await;
}

#[tokio::test]
async fn what_if_at_the_current_value_changes_nothing_and_raising_a_limit_lowers_no_one() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        populated(&db, dir.path(), 4000);
        let rules = huiqi_rules::Rules::builtin();
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let same = vec![Change::parse("startup.annual_limit=20000").unwrap()];
        let r = huiqi_app::whatif::whatif(&db.store, &rules, &pack, at(), same)
            .await
            .unwrap();
        assert_eq!(r.total.cost_before, r.total.cost_after);
        assert!(r.top_gainers.is_empty() && r.top_losers.is_empty());

        let more = vec![Change::parse("startup.annual_limit=24000@2024-01-01").unwrap()];
        let r = huiqi_app::whatif::whatif(&db.store, &rules, &pack, at(), more.clone())
            .await
            .unwrap();
        assert!(
            r.total.cost_after > r.total.cost_before,
            "the synthetic population has veterans and key groups"
        );
        assert!(r.top_losers.is_empty(), "no one loses: {:?}", r.top_losers);
        // The server's what-if over facts held in memory gives the same report as the one that
        // reads the registry in batches.
        let cache = huiqi_app::whatif::PopulationCache::default();
        let facts = cache.facts(&db.store, 2024).await.unwrap();
        assert_eq!(facts.len(), 4000);
        let in_memory =
            huiqi_match::whatif::whatif_on(&facts, &rules, &pack, at(), more.clone()).unwrap();
        assert_eq!(
            serde_json::to_string(&in_memory).unwrap(),
            serde_json::to_string(&r).unwrap()
        );
        // Kept while the registry is unchanged; a new import makes the next call read it again.
        let again = cache.facts(&db.store, 2024).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&facts, &again));
        populated(&db, dir.path(), 4001);
        let reread = cache.facts(&db.store, 2024).await.unwrap();
        assert_eq!(reread.len(), 4001);
        // Per enterprise, directly: total relief after ≥ before.
        let after = huiqi_match::whatif::changed_rules(&rules, &more).unwrap();
        let (b, a) = (
            huiqi_rules::Engine::new(&rules, at()),
            huiqi_rules::Engine::new(&after, at()),
        );
        db.store
            .for_each_facts_batch(2024, 1000, |batch| {
                for f in &batch {
                    assert!(
                        a.evaluate(f).total_relief() >= b.evaluate(f).total_relief(),
                        "{}",
                        f.uscc
                    );
                }
            })
            .await
            .unwrap();
        // Stored results are untouched by a what-if.
        assert!(db.store.runs().await.unwrap().is_empty());
        // An unknown parameter is refused by name.
        let bad = vec![Change::parse("startup.nope=1").unwrap()];
        let e = huiqi_app::whatif::whatif(&db.store, &rules, &pack, at(), bad)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("startup.nope"));
    })
    .await;
}

#[tokio::test]
async fn not_reached_finds_planted_cases_and_exports_are_reproducible() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        populated(&db, dir.path(), 2000);
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        let run = db.store.runs().await.unwrap().remove(0);
        let results = matching::results(&db.store, run.id).await.unwrap();
        let vat: Vec<_> = results
            .iter()
            .filter(|r| matching::eligible(r, MeasureId::VatRelief))
            .collect();
        let not_vat = results
            .iter()
            .find(|r| !matching::eligible(r, MeasureId::VatRelief))
            .unwrap();
        // Plant: every VAT-eligible enterprise granted except the first; one ineligible granted.
        let mut csv = String::from("uscc,measure,amount,date\n");
        for r in &vat[1..] {
            csv.push_str(&format!(
                "{},vat_relief,{:.2},2024-06-30\n",
                r.uscc,
                huiqi_match::from_fen(matching::value(r, MeasureId::VatRelief))
            ));
        }
        csv.push_str(&format!("{},vat_relief,100.00,2024-06-30\n", not_vat.uscc));
        let grants = dir.path().join("granted.csv");
        std::fs::write(&grants, &csv).unwrap();
        run_ok(&db, &["grants", "import", grants.to_str().unwrap()]);
        // Importing the same file again adds nothing.
        let again = run_ok(&db, &["grants", "import", grants.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&again.stdout).contains("新增 0 条"));

        let reach = matching::not_reached(&db.store, &run).await.unwrap();
        let vat_missing: Vec<_> = reach
            .eligible_not_granted
            .iter()
            .filter(|(_, m, _)| *m == MeasureId::VatRelief)
            .collect();
        assert_eq!(vat_missing.len(), 1);
        assert_eq!(vat_missing[0].0, vat[0].uscc);
        assert_eq!(reach.granted_not_eligible.len(), 1);
        assert_eq!(reach.granted_not_eligible[0].0, not_vat.uscc);

        // The same registry, pack and date give byte-identical push lists.
        let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
        run_ok(
            &db,
            &[
                "export",
                "push",
                "--measure",
                "vat_relief",
                "--county",
                "341502",
                a.to_str().unwrap(),
            ],
        );
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        run_ok(
            &db,
            &[
                "export",
                "push",
                "--measure",
                "vat_relief",
                "--county",
                "341502",
                b.to_str().unwrap(),
            ],
        );
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "exports differ"
        );
        // A bad grants row is refused with its row number and nothing is added.
        std::fs::write(
            &grants,
            format!(
                "uscc,measure,amount,date\n{},vat_relief,abc,2024-06-30\n",
                vat[0].uscc
            ),
        )
        .unwrap();
        let err = common::refused(&db, &["grants", "import", grants.to_str().unwrap()]);
        assert!(err.contains("第2行 列 amount"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn push_lists_carry_amount_and_reason_and_respect_county_and_unit() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        populated(&db, dir.path(), 1500);
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        let run = db.store.runs().await.unwrap().remove(0);
        let rules = huiqi_rules::Rules::builtin();
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let filter = |county: Option<&str>, unit: Option<&str>| PushFilter {
            measure: MeasureId::SixTaxesRelief,
            county: county.map(str::to_string),
            unit: unit.map(str::to_string),
        };
        let all = matching::push_list(&db.store, &rules, &pack, &run, &filter(None, None))
            .await
            .unwrap();
        let one = matching::push_list(
            &db.store,
            &rules,
            &pack,
            &run,
            &filter(Some("341503"), None),
        )
        .await
        .unwrap();
        assert!(!one.is_empty() && one.len() < all.len());
        assert!(
            one.iter()
                .all(|r| r.county == "341503" && r.county_name == "裕安区")
        );
        assert!(
            all.iter()
                .all(|r| r.amount > rust_decimal::Decimal::ZERO
                    && r.reason.contains("六安政策第9条"))
        );
        let tax = matching::push_list(&db.store, &rules, &pack, &run, &filter(None, Some("tax")))
            .await
            .unwrap();
        assert_eq!(tax.len(), all.len());
        let other = matching::push_list(
            &db.store,
            &rules,
            &pack,
            &run,
            &filter(None, Some("commerce")),
        )
        .await
        .unwrap();
        assert!(other.is_empty(), "市商务局 does not push 六税两费");
        // A county outside the city is refused by name.
        let bad = PushFilter::parse(&pack, "six_taxes_relief", Some("110101"), None);
        assert!(bad.unwrap_err().to_string().contains("110101"));
    })
    .await;
}

/// A push list carries each enterprise's 联系人 and 联系电话 from the 市场监管 file; an enterprise
/// whose contact is not on file has empty contact columns.
#[tokio::test]
async fn push_lists_carry_the_contacts_of_the_market_file() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        populated(&db, dir.path(), 400);
        let market = dir.path().join("market.csv");
        let mut bytes = Vec::new();
        huiqi_synth::write_market_csv(&mut bytes, 400, 2024, 7).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // The first enterprise's contact is not on file.
        let mut first: Vec<&str> = lines[1].split(',').collect();
        let no_contact = first[0].to_string();
        first[7] = "";
        first[8] = "";
        lines[1] = first.join(",");
        std::fs::write(&market, lines.join("\n") + "\n").unwrap();
        run_ok(
            &db,
            &["import", "--source", "market", market.to_str().unwrap()],
        );
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        let expected: HashMap<String, (String, String)> = (0..400)
            .map(|i| {
                let e = huiqi_synth::enterprise(i, 2024, 7);
                let c = if e.uscc.as_str() == no_contact {
                    (String::new(), String::new())
                } else {
                    huiqi_synth::contact(i, 7)
                };
                (e.uscc.to_string(), c)
            })
            .collect();
        let run = db.store.runs().await.unwrap().remove(0);
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let rules = huiqi_rules::Rules::builtin();
        let counties: HashMap<String, &'static str> = (0..400)
            .map(|i| {
                let e = huiqi_synth::enterprise(i, 2024, 7);
                (e.uscc.to_string(), e.county)
            })
            .collect();
        let expected_county = |u: &str| counties.get(u).copied();
        for measure in ["six_taxes_relief", "vat_relief", "iit_business_relief"] {
            let filter = PushFilter {
                measure: MeasureId::parse(measure).unwrap(),
                county: None,
                unit: None,
            };
            let rows = matching::push_list(&db.store, &rules, &pack, &run, &filter)
                .await
                .unwrap();
            assert!(!rows.is_empty(), "{measure}");
            for r in rows {
                let (person, phone) = &expected[&r.uscc];
                assert_eq!(
                    (&r.contact_person, &r.contact_phone),
                    (person, phone),
                    "{}",
                    r.uscc
                );
                assert!(r.uscc == no_contact || !r.contact_phone.is_empty());
            }
        }
        // A page is the head of the whole list, with the whole list's count and total; the
        // count equals the stored results' eligible enterprises of that county.
        let results = matching::results(&db.store, run.id).await.unwrap();
        for county in [None, Some("341502".to_string())] {
            let filter = PushFilter {
                measure: MeasureId::SixTaxesRelief,
                county: county.clone(),
                unit: None,
            };
            let all = matching::push_list(&db.store, &rules, &pack, &run, &filter)
                .await
                .unwrap();
            let page = matching::push_page(
                &db.store,
                &rules,
                &pack,
                &run,
                &filter,
                matching::PushSlice::first(7, matching::PushSort::Uscc),
            )
            .await
            .unwrap();
            assert_eq!(page.rows, all[..7]);
            // The default order, amount descending (ties by uscc), one page further on.
            let mut by_amount = all.clone();
            by_amount.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.uscc.cmp(&b.uscc)));
            let second = matching::push_page(
                &db.store,
                &rules,
                &pack,
                &run,
                &filter,
                matching::PushSlice {
                    sort: matching::PushSort::default(),
                    offset: 3,
                    limit: Some(4),
                },
            )
            .await
            .unwrap();
            assert_eq!(second.rows, by_amount[3..7.min(by_amount.len())]);
            assert_eq!(second.count, all.len());
            assert_eq!(page.count, all.len());
            assert_eq!(page.total, all.iter().map(|r| r.amount).sum());
            let in_county: Vec<&String> = all.iter().map(|r| &r.uscc).collect();
            let expected: Vec<&String> = results
                .iter()
                .filter(|r| matching::eligible(r, MeasureId::SixTaxesRelief))
                .filter(|r| county.is_none() || expected_county(&r.uscc) == county.as_deref())
                .map(|r| &r.uscc)
                .collect();
            assert_eq!(in_county, expected);
        }
    })
    .await;
}

/// Every active enterprise's facts of 2024 as the store reads them, with the batch sizes.
async fn read_facts(
    store: &huiqi_store::Store,
    batch: usize,
) -> Result<(Vec<huiqi_domain::Facts>, Vec<usize>), huiqi_store::StoreError> {
    let (mut all, mut sizes) = (Vec::new(), Vec::new());
    store
        .for_each_facts_batch(2024, batch, |b| {
            sizes.push(b.len());
            all.extend(b)
        })
        .await?;
    Ok((all, sizes))
}

#[tokio::test]
async fn the_facts_snapshot_is_the_join_and_follows_every_import() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        populated(&db, dir.path(), 400);
        let s = &db.store;
        assert!(s.fact_snapshots().await.unwrap().is_empty());

        // The first read joins the tables and keeps the snapshot; the second reads it.
        let (joined, _) = read_facts(s, 7).await.unwrap();
        let kept = s.fact_snapshots().await.unwrap();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(
            (kept[0].year, kept[0].rows, kept[0].parts),
            (2024, joined.len() as i64, 1)
        );
        assert_eq!(kept[0].import_watermark, s.latest_import_id().await.unwrap());
        let (snapped, sizes) = read_facts(s, 7).await.unwrap();
        assert!(snapped == joined, "the snapshot differs from the join");
        assert!(sizes.iter().all(|n| (1..=7).contains(n)), "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), joined.len());
        // And both equal the facts read by key (another statement of the join).
        let usccs: Vec<String> = joined.iter().map(|f| f.uscc.clone()).collect();
        assert!(s.facts_of_many(&usccs, 2024).await.unwrap() == joined);

        // `huiqi db snapshot` prepares it ahead (here it is current already) and says what it holds;
        // a year without facts is refused in Chinese.
        let out = run_ok(&db, &["db", "snapshot"]);
        let said = String::from_utf8(out.stdout).unwrap();
        assert!(
            said.contains(&format!("2024 年度事实快照已就绪：{} 户企业，1 段", joined.len())),
            "{said}"
        );
        let stats = common::ok(&db, &["db", "stats"]);
        assert!(
            stats.contains(&format!(
                "事实快照：2024 年度 {} 户企业，1 段",
                joined.len()
            )) && stats.contains("（最新）"),
            "{stats}"
        );
        let out = common::huiqi_on(&db, &["db", "snapshot", "--year", "2019"]);
        assert!(!out.status.success());
        let said = String::from_utf8(out.stderr).unwrap();
        assert!(said.contains("2019 年度没有在营企业的事实"), "{said}");

        // An import deletes the snapshots; the next read sees what it changed.
        let renamed = joined[0].uscc.clone();
        let mut bytes = Vec::new();
        huiqi_synth::write_market_csv(&mut bytes, 400, 2024, 7).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<String> = text
            .lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                if cells[0] == renamed {
                    cells[1] = "六安市改名后的商贸有限公司";
                }
                cells.join(",")
            })
            .collect();
        let market = dir.path().join("market.csv");
        std::fs::write(&market, lines.join("\n") + "\n").unwrap();
        run_ok(&db, &["import", "--source", "market", market.to_str().unwrap()]);
        assert!(s.fact_snapshots().await.unwrap().is_empty());
        let stats = common::ok(&db, &["db", "stats"]);
        assert!(stats.contains("事实快照：无"), "{stats}");
        let (after, _) = read_facts(s, 1000).await.unwrap();
        let f = after.iter().find(|f| f.uscc == renamed).unwrap();
        assert_eq!(f.name, "六安市改名后的商贸有限公司");
        assert!(read_facts(s, 1000).await.unwrap().0 == after);

        let garbage = match db.backend() {
            huiqi_store::Backend::Sqlite => "X'00ff'",
            huiqi_store::Backend::Postgres => "decode('00ff', 'hex')",
        };
        // A snapshot of an earlier import is never read, even where its bytes are damaged; it
        // is replaced.
        huiqi_store::testing::execute(
            s,
            &format!(
                "UPDATE fact_snapshots SET import_watermark = import_watermark - 1, data = {garbage}"
            ),
        )
        .await;
        let stats = common::ok(&db, &["db", "stats"]);
        assert!(stats.contains("（已过期：最新导入号"), "{stats}");
        assert!(read_facts(s, 1000).await.unwrap().0 == after);
        let kept = s.fact_snapshots().await.unwrap();
        assert_eq!(kept[0].import_watermark, s.latest_import_id().await.unwrap());
        assert!(read_facts(s, 1000).await.unwrap().0 == after);

        // A damaged current snapshot is refused in Chinese, deleted, and the next read rebuilds.
        huiqi_store::testing::execute(s, &format!("UPDATE fact_snapshots SET data = {garbage}"))
            .await;
        let err = read_facts(s, 1000).await.unwrap_err().to_string();
        assert!(err.contains("事实快照第 1 段已损坏") && err.contains("请再运行一次"), "{err}");
        assert!(s.fact_snapshots().await.unwrap().is_empty());
        assert!(read_facts(s, 1000).await.unwrap().0 == after);
        assert!(read_facts(s, 1000).await.unwrap().0 == after);

        // A matching run that finds the current snapshot damaged while it stores what it reads
        // (on SQLite it holds the write lock meanwhile) is refused with the damage named, stores
        // nothing, and deletes the snapshot once its own lock is gone. Before, the delete waited
        // for that lock until the busy timeout (300 s; here 20 s, so that a return of it fails
        // soon) and then failed with "database is locked", leaving the snapshot.
        let runs_before = s.runs().await.unwrap().len();
        huiqi_store::testing::execute(s, &format!("UPDATE fact_snapshots SET data = {garbage}"))
            .await;
        let out = common::command_on(&db)
            .env("HUIQI_BUSY_TIMEOUT_SECS", "20")
            .args(["match", "--db", "--at", "2024-12-31"])
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!out.status.success());
        assert!(err.contains("事实快照第 1 段已损坏"), "{err}");
        assert!(s.fact_snapshots().await.unwrap().is_empty());
        assert_eq!(s.runs().await.unwrap().len(), runs_before);
        run_ok(&db, &["match", "--db", "--at", "2024-12-31"]);
        assert_eq!(s.runs().await.unwrap().len(), runs_before + 1);
    })
    .await;
}
