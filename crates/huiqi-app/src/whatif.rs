//! 政策沙盘 (what-if) on the registry: change parameters in memory, evaluate the registry's facts of
//! a year before and after, report the difference. Never writes. The command line reads the
//! registry in batches every time; a server keeps the facts of a year in memory
//! ([`PopulationCache`]) so that a what-if answers in about a second.

use std::sync::Arc;

use chrono::NaiveDate;
use huiqi_domain::Facts;
use huiqi_match::BATCH;
use huiqi_match::whatif::{Change, Sandbox, WhatIfReport, changed_rules, whatif_on};
use huiqi_policy::Pack;
use huiqi_rules::Rules;
use huiqi_store::{Store, StoreError};

use crate::{App, AppError, blocking};

/// Parses the changes, one per line or argument (`param=value[@date]`); blank lines are
/// skipped. At least one is required; an unknown parameter is named before the registry is read.
pub fn parse_changes<'a>(
    rules: &Rules,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Change>, AppError> {
    let mut changes = Vec::new();
    for (i, line) in lines.into_iter().map(str::trim).enumerate() {
        if line.is_empty() {
            continue;
        }
        let c = Change::parse(line).map_err(|e| {
            AppError::invalid(
                "bad_change",
                format!("第 {} 行“{}”：{e}", i + 1, huiqi_domain::text::quote(line)),
            )
        })?;
        changes.push(c);
    }
    if changes.is_empty() {
        return Err(AppError::invalid(
            "no_change",
            "请至少填写一项参数改动，如 startup.annual_limit=24000（参数见 huiqi rules params）。",
        ));
    }
    changed_rules(rules, &changes)
        .map_err(|e| AppError::invalid("bad_parameter", e.to_string()))?;
    Ok(changes)
}

/// The what-if over the registry for `at`'s year, read in batches (memory stays small).
pub async fn whatif(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    at: NaiveDate,
    changes: Vec<Change>,
) -> Result<WhatIfReport, AppError> {
    let after = changed_rules(rules, &changes)
        .map_err(|e| AppError::invalid("bad_parameter", e.to_string()))?;
    let mut sandbox = Sandbox::new(rules, &after, at);
    store
        .for_each_facts_batch(sandbox.year(), BATCH, |batch| sandbox.add(&batch))
        .await?;
    Ok(sandbox.finish(at, changes, pack))
}

/// The what-if over the facts the app keeps in memory (read on first use, re-read after any
/// import), evaluated off the async runtime.
pub async fn whatif_cached(
    app: &Arc<App>,
    at: NaiveDate,
    changes: Vec<Change>,
) -> Result<WhatIfReport, AppError> {
    let facts = app
        .population
        .facts(&app.store, chrono::Datelike::year(&at))
        .await?;
    let app = Arc::clone(app);
    Ok(blocking(move || whatif_on(&facts, &app.rules, &app.pack, at, changes)).await??)
}

struct Loaded {
    year: i32,
    import_id: i64,
    facts: Arc<Vec<Facts>>,
}

/// The registry's facts of one year, kept in memory for the what-if: reading 1M enterprises
/// through the database takes seconds, evaluating them twice about one. Tagged with the year and
/// the latest import id: any new import makes the next what-if read the registry again, so an
/// answer is never computed on stale facts. Loaded on the first what-if, not at start (the facts
/// of 1M enterprises take several hundred MB).
#[derive(Default)]
pub struct PopulationCache {
    /// Held across the read, so concurrent what-ifs wait for one read instead of each reading.
    loaded: tokio::sync::Mutex<Option<Loaded>>,
}

impl PopulationCache {
    /// The facts of every active enterprise for `year`, from memory when they are current.
    pub async fn facts(&self, store: &Store, year: i32) -> Result<Arc<Vec<Facts>>, StoreError> {
        let mut loaded = self.loaded.lock().await;
        let import_id = store.latest_import_id().await?;
        if let Some(l) = loaded
            .as_ref()
            .filter(|l| l.year == year && l.import_id == import_id)
        {
            return Ok(Arc::clone(&l.facts));
        }
        // Drop the old population before reading the new one.
        *loaded = None;
        let mut facts = Vec::new();
        store
            .for_each_facts_batch(year, BATCH, |batch| facts.extend(batch))
            .await?;
        let facts = Arc::new(facts);
        *loaded = Some(Loaded {
            year,
            import_id,
            facts: Arc::clone(&facts),
        });
        Ok(facts)
    }

    /// Whether facts are in memory, and for which (year, import id).
    pub async fn loaded_for(&self) -> Option<(i32, i64)> {
        self.loaded
            .lock()
            .await
            .as_ref()
            .map(|l| (l.year, l.import_id))
    }
}
