//! Where the time of a matching run goes, on the registry in HUIQI_DATABASE_URL:
//! reading the facts, evaluating them, and a what-if over facts already in memory.
//! `cargo run --release -p huiqi-app --example bench_registry -- 2024-12-31`

use std::time::Instant;

use chrono::NaiveDate;
use huiqi_match::whatif::{Change, whatif_on};
use huiqi_rules::{Engine, Rules};
use rayon::prelude::*;

#[tokio::main]
async fn main() {
    let at: NaiveDate = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "2024-12-31".into())
        .parse()
        .expect("date");
    let store = huiqi_store::Store::connect(&huiqi_store::database_url_from_env())
        .await
        .expect("database");
    let rules = Rules::builtin();
    let pack = huiqi_policy::builtin::default_pack().unwrap();

    // Twice: the first read after an import joins the registry's tables and writes the year's
    // snapshot; the second reads the snapshot.
    let mut facts = Vec::new();
    for _ in 0..2 {
        let current = store.fact_snapshots().await.unwrap();
        let t = Instant::now();
        facts = Vec::new();
        store
            .for_each_facts_batch(chrono::Datelike::year(&at), 20_000, |b| facts.extend(b))
            .await
            .unwrap();
        println!(
            "read {} enterprises ({}): {:.2} s",
            facts.len(),
            if current.is_empty() {
                "joined, snapshot written"
            } else {
                "from the snapshot"
            },
            t.elapsed().as_secs_f64()
        );
    }

    // The read alone, each batch dropped as it comes (what a streaming reader pays).
    let t = Instant::now();
    let mut n = 0;
    store
        .for_each_facts_batch(chrono::Datelike::year(&at), 20_000, |b| n += b.len())
        .await
        .unwrap();
    println!(
        "read {n} enterprises, batches dropped: {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let engine = Engine::new(&rules, at);
    let t = Instant::now();
    let outs: Vec<_> = facts.par_iter().map(|f| engine.evaluate(f)).collect();
    println!(
        "evaluate once: {:.2} s ({} results)",
        t.elapsed().as_secs_f64(),
        outs.len()
    );

    let changes = vec![Change::parse("startup.annual_limit=24000").unwrap()];
    let t = Instant::now();
    let report = whatif_on(&facts, &rules, &pack, at, changes).unwrap();
    println!(
        "what-if over facts in memory: {:.2} s (cost {} → {})",
        t.elapsed().as_secs_f64(),
        report.total.cost_before,
        report.total.cost_after
    );

    // The what-if as `huiqi whatif` runs it: reading and evaluating batch by batch.
    let t = Instant::now();
    let changes = vec![Change::parse("startup.annual_limit=24000").unwrap()];
    let report = huiqi_app::whatif::whatif(&store, &rules, &pack, at, changes)
        .await
        .unwrap();
    println!(
        "what-if read batch by batch (huiqi whatif): {:.2} s (cost {} → {})",
        t.elapsed().as_secs_f64(),
        report.total.cost_before,
        report.total.cost_after
    );
}
