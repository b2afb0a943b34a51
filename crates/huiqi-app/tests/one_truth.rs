//! One truth per run: a push list's amount and its reason come from one evaluation. After a later
//! import changes the facts, the run's push list still explains each stored amount with the facts
//! as they were at the run (the run's import watermark, `value_history` rolled back); where the
//! facts of the run cannot be had back, the row says so instead of a reason for another amount.
//! On SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL.

use std::path::Path;

use huiqi_app::imports::{self, ImportKind, Outcome};
use huiqi_app::matching::{self, NO_REASON, PushFilter};
use huiqi_domain::registry::Source;
use huiqi_rules::{Engine, MeasureId, Rules};
use huiqi_store::Store;
use huiqi_store::testing::each_db;

const TAXES: [&str; 8] = [
    "resource_tax",
    "urban_maintenance_tax",
    "property_tax",
    "land_use_tax",
    "stamp_duty",
    "farmland_occupation_tax",
    "education_surcharge",
    "local_education_surcharge",
];

/// A generated fact sheet of `count` enterprises; with `double`, every 六税两费 amount doubled.
fn fact_sheet(dir: &Path, name: &str, count: u64, double: bool) -> std::path::PathBuf {
    let mut bytes = Vec::new();
    huiqi_synth::write_csv(&mut bytes, count, 2024, 11).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let cols: Vec<&str> = header.split(',').collect();
    let taxes: Vec<usize> = TAXES
        .iter()
        .map(|t| cols.iter().position(|c| c == t).unwrap())
        .collect();
    let mut out = header.clone() + "\n";
    for line in lines {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        if double {
            for &i in &taxes {
                let v: rust_decimal::Decimal = f[i].parse().unwrap_or_default();
                f[i] = (v * rust_decimal::Decimal::TWO).to_string();
            }
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

async fn import_facts(store: &Store, path: &Path) -> i64 {
    let pack = huiqi_app::builtin_pack().unwrap();
    let file = imports::open_file(path).unwrap();
    let kind = ImportKind::Registry(Source::Facts);
    let report = imports::import_file(store, &pack, kind, Some(2024), file, "测试", |_| {})
        .await
        .unwrap();
    match report.outcome {
        Outcome::Committed { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

/// The amount a reason ends with (`… ⇒ 123.45 元`).
fn amount_in(reason: &str) -> &str {
    reason.rsplit("⇒ ").next().unwrap().trim_end_matches(" 元")
}

#[tokio::test]
async fn a_runs_push_list_explains_its_own_amounts_after_the_facts_change() {
    each_db(|db| async move {
        let store = &db.store;
        let dir = tempfile::tempdir().unwrap();
        let (rules, pack) = (Rules::builtin(), huiqi_app::builtin_pack().unwrap());
        let first = import_facts(store, &fact_sheet(dir.path(), "a.csv", 600, false)).await;
        let at = "2024-12-31".parse().unwrap();
        let run = matching::run(store, &rules, &pack, at).await.unwrap();
        assert_eq!(run.import_watermark, Some(first));
        let filter = PushFilter {
            measure: MeasureId::SixTaxesRelief,
            county: None,
            unit: None,
        };
        let before = matching::push_list(store, &rules, &pack, &run, &filter)
            .await
            .unwrap();
        assert!(before.len() > 10, "the sample has 六税两费 beneficiaries");
        for r in &before {
            assert_eq!(
                amount_in(&r.reason),
                huiqi_domain::numbers::amount(r.amount),
                "{}",
                r.reason
            );
        }

        // A later import doubles every 六税两费 amount: today's facts give other amounts…
        let second = import_facts(store, &fact_sheet(dir.path(), "b.csv", 600, true)).await;
        assert!(second > first);
        let engine = Engine::new(&rules, at);
        let today = store
            .facts_of_many(
                &before.iter().map(|r| r.uscc.clone()).collect::<Vec<_>>(),
                2024,
            )
            .await
            .unwrap();
        let changed = today
            .iter()
            .zip(&before)
            .filter(|(f, r)| engine.evaluate(f).value(MeasureId::SixTaxesRelief) != r.amount)
            .count();
        assert!(changed > 10, "the new facts change the amounts ({changed})");

        // …but the run's push list is the same, each amount with its own reason.
        let after = matching::push_list(store, &rules, &pack, &run, &filter)
            .await
            .unwrap();
        assert_eq!(after, before);
        assert!(after.iter().all(|r| r.reason != NO_REASON));

        // A new run sees the new facts, and explains those.
        let newer = matching::run(store, &rules, &pack, at).await.unwrap();
        assert_eq!(newer.import_watermark, Some(second));
        let now = matching::push_list(store, &rules, &pack, &newer, &filter)
            .await
            .unwrap();
        assert_ne!(now, before);
        for r in &now {
            assert_eq!(
                amount_in(&r.reason),
                huiqi_domain::numbers::amount(r.amount),
                "{}",
                r.reason
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_reason_that_cannot_be_had_back_is_not_given() {
    each_db(|db| async move {
        let store = &db.store;
        let dir = tempfile::tempdir().unwrap();
        let pack = huiqi_app::builtin_pack().unwrap();
        import_facts(store, &fact_sheet(dir.path(), "a.csv", 300, false)).await;
        // A run made with other parameters (as by an older huiqi): today's rules do not
        // reproduce its amounts, so its rows say so rather than explain another amount.
        let rules = Rules::builtin();
        let mut halved = rules.clone();
        halved
            .params
            .set("six_taxes.share", "0.25".parse().unwrap(), None)
            .unwrap();
        let at = "2024-12-31".parse().unwrap();
        let run = matching::run(store, &halved, &pack, at).await.unwrap();
        let filter = PushFilter {
            measure: MeasureId::SixTaxesRelief,
            county: None,
            unit: None,
        };
        let rows = matching::push_list(store, &rules, &pack, &run, &filter)
            .await
            .unwrap();
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r.reason == NO_REASON), "{rows:?}");
        // With the run's own rules, every row has its reason.
        let rows = matching::push_list(store, &halved, &pack, &run, &filter)
            .await
            .unwrap();
        assert!(rows.iter().all(|r| r.reason != NO_REASON));
    })
    .await;
}

/// A run stores its results while it reads and evaluates (a writer task of its own) once the
/// year's facts snapshot is current; the first run after an import stores them after the read, so
/// that its read can keep the snapshot. Both store the same rows, and the totals the run reports
/// (added up chunk by chunk) are those of the rows stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stored_while_it_reads_equals_one_stored_after() {
    each_db(|db| async move {
        let store = &db.store;
        let dir = tempfile::tempdir().unwrap();
        let (rules, pack) = (Rules::builtin(), huiqi_app::builtin_pack().unwrap());
        // More than two chunks of huiqi_match::BATCH, so that chunks are written while others
        // are evaluated.
        let count = 2 * huiqi_match::BATCH as u64 + 5_000;
        import_facts(store, &fact_sheet(dir.path(), "a.csv", count, false)).await;
        let at = "2024-12-31".parse().unwrap();
        let (first, first_totals) = matching::run_with_totals(store, &rules, &pack, at)
            .await
            .unwrap();
        assert!(
            store.fact_snapshot_current(2024).await.unwrap(),
            "the first run after the import keeps the snapshot"
        );
        let (second, second_totals) = matching::run_with_totals(store, &rules, &pack, at)
            .await
            .unwrap();
        assert_eq!(first_totals, second_totals);
        assert_eq!(
            (first.enterprises, second.enterprises),
            (count as i64, count as i64)
        );
        assert_eq!(first.total_fen, second.total_fen);
        let rows = matching::results(store, first.id).await.unwrap();
        assert_eq!(rows.len(), count as usize);
        assert_eq!(rows, matching::results(store, second.id).await.unwrap());
        for t in &second_totals {
            let eligible = rows
                .iter()
                .filter(|r| matching::eligible(r, t.measure))
                .count();
            let amount: rust_decimal::Decimal =
                rows.iter().map(|r| matching::amount(r, t.measure)).sum();
            assert_eq!(
                (t.eligible, t.amount),
                (eligible, amount),
                "{:?}",
                t.measure
            );
        }
        let total: i64 = rows
            .iter()
            .map(|r| matching::value(r, MeasureId::TotalRelief))
            .sum();
        assert_eq!(second.total_fen, total);
        assert!(total > 0);
        let stored = matching::runs(store).await.unwrap();
        assert_eq!(
            stored
                .iter()
                .map(|r| (r.id, r.total_fen))
                .collect::<Vec<_>>(),
            [(second.id, total), (first.id, total)]
        );
    })
    .await;
}

/// A run over a registry without facts for the year stores a run of no enterprises (on
/// PostgreSQL its two partitions are empty, keyed and attached), and the run after it still gets
/// its own partitions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_no_enterprises_is_stored_empty() {
    each_db(|db| async move {
        let store = &db.store;
        let (rules, pack) = (Rules::builtin(), huiqi_app::builtin_pack().unwrap());
        let at = "2024-12-31".parse().unwrap();
        for _ in 0..2 {
            let (run, totals) = matching::run_with_totals(store, &rules, &pack, at)
                .await
                .unwrap();
            assert_eq!((run.enterprises, run.total_fen), (0, 0));
            assert!(totals.iter().all(|t| t.eligible == 0 && t.amount.is_zero()));
            assert!(matching::results(store, run.id).await.unwrap().is_empty());
        }
        assert_eq!(matching::runs(store).await.unwrap().len(), 2);
    })
    .await;
}
