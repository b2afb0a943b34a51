//! The registry's facts of one year, kept in memory for the 政策沙盘 (what-if): reading 1M
//! enterprises through the database takes seconds, evaluating them twice about one. The cache
//! is tagged with the year and the latest import id; any new import makes the next what-if read
//! the registry again, so an answer is never computed on stale facts. Loaded on the first
//! what-if, not at start (the facts of 1M enterprises take several hundred MB).

use std::sync::Arc;

use huiqi_domain::Facts;
use huiqi_store::{Store, StoreError};

struct Loaded {
    year: i32,
    import_id: i64,
    facts: Arc<Vec<Facts>>,
}

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
            .for_each_facts_batch(year, 20_000, |batch| facts.extend(batch))
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
