//! Where the time of a matching run goes, on the registry in HUIQI_DATABASE_URL:
//! reading the facts, evaluating them, and a what-if over facts already in memory.
//! `cargo run --release -p huiqi-app --example bench_registry -- 2024-12-31`

use std::time::Instant;

use chrono::NaiveDate;
use huiqi_match::whatif::{Accumulator, Change, changed_rules};
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

    let t = Instant::now();
    let mut facts = Vec::new();
    store
        .for_each_facts_batch(chrono::Datelike::year(&at), 20_000, |b| facts.extend(b))
        .await
        .unwrap();
    println!(
        "read {} enterprises: {:.2} s",
        facts.len(),
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
    let after = Engine::new(&changed_rules(&rules, &changes).unwrap(), at);
    let t = Instant::now();
    let pairs: Vec<_> = facts
        .par_iter()
        .map(|f| (engine.evaluate(f), after.evaluate(f)))
        .collect();
    let mut acc = Accumulator::default();
    for (f, (b, a)) in facts.iter().zip(&pairs) {
        acc.add(f, b, a);
    }
    let report = acc.finish(at, changes, &pack);
    println!(
        "what-if over facts in memory: {:.2} s (cost {} → {})",
        t.elapsed().as_secs_f64(),
        report.total.cost_before,
        report.total.cost_after
    );
}
