//! An in-memory bigram index of enterprise names, so that a search by a fragment of a name does
//! not scan the registry (`name LIKE '%…%'` is a full scan). Names change only through imports:
//! the index remembers the latest import id it was built at; when the registry's latest import
//! differs, a rebuild starts in the background and searches go to the database meanwhile, so
//! an answer is never stale.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use huiqi_store::Store;
use huiqi_store::accounts::{EnterpriseFilter, EnterpriseRow};

struct Built {
    import_id: i64,
    rows: Vec<EnterpriseRow>,
    /// Two consecutive characters of a name → the rows (ascending, so in USCC order).
    grams: HashMap<(char, char), Vec<u32>>,
}

#[derive(Default)]
pub struct NameIndex {
    built: RwLock<Option<Arc<Built>>>,
    building: AtomicBool,
}

fn build(import_id: i64, rows: Vec<EnterpriseRow>) -> Built {
    let mut grams: HashMap<(char, char), Vec<u32>> = HashMap::new();
    let mut seen: Vec<(char, char)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        seen.clear();
        let chars: Vec<char> = r.name.chars().collect();
        for w in chars.windows(2) {
            let g = (w[0], w[1]);
            if !seen.contains(&g) {
                seen.push(g);
                grams.entry(g).or_default().push(i as u32);
            }
        }
    }
    Built {
        import_id,
        rows,
        grams,
    }
}

impl NameIndex {
    /// The import id the index was last built at, if it has been built.
    pub fn built_at(&self) -> Option<i64> {
        self.built
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|b| b.import_id)
    }

    /// Starts a rebuild in the background unless one is running.
    pub fn refresh(self: &Arc<Self>, store: Store) {
        if self.building.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let result = async {
                let id = store.latest_import_id().await?;
                let rows = store.all_enterprise_rows().await?;
                Ok::<_, huiqi_store::StoreError>((id, rows))
            }
            .await;
            match result {
                Ok((id, rows)) => {
                    if let Ok(built) = tokio::task::spawn_blocking(move || build(id, rows)).await {
                        *me.built.write().unwrap_or_else(|e| e.into_inner()) =
                            Some(Arc::new(built));
                    }
                }
                Err(e) => eprintln!("企业名称索引重建失败：{e}"),
            }
            me.building.store(false, Ordering::SeqCst);
        });
    }

    /// Answers a name-fragment search from the index when it is current (`None`: ask the
    /// database). Only for queries of two or more characters that are not a USCC fragment.
    pub async fn search(
        self: &Arc<Self>,
        store: &Store,
        f: &EnterpriseFilter<'_>,
        limit: usize,
    ) -> Option<Vec<EnterpriseRow>> {
        let q = f.query.trim();
        let chars: Vec<char> = q.chars().collect();
        if chars.len() < 2 || q.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let built = self.built.read().unwrap_or_else(|e| e.into_inner()).clone();
        let latest = store.latest_import_id().await.ok()?;
        let Some(built) = built.filter(|b| b.import_id == latest) else {
            self.refresh(store.clone());
            return None;
        };
        // The rarest bigram of the query, then check the whole fragment and the filters.
        let rarest = chars
            .windows(2)
            .map(|w| {
                built
                    .grams
                    .get(&(w[0], w[1]))
                    .map_or(&[][..], |v| v.as_slice())
            })
            .min_by_key(|v| v.len())?;
        let out = rarest
            .iter()
            .map(|&i| &built.rows[i as usize])
            .filter(|r| r.name.contains(q))
            .filter(|r| f.county.is_empty() || r.county == f.county)
            .filter(|r| f.industry.is_empty() || r.industry.starts_with(f.industry))
            .filter(|r| f.kind.is_empty() || r.kind == f.kind)
            .take(limit)
            .cloned()
            .collect();
        Some(out)
    }
}
