//! The registry search (企业库) of a viewer, and an in-memory bigram index of enterprise names, so
//! that a search by a fragment of a name does not scan the registry (`name LIKE '%…%'` is a full
//! scan). A row changes only through an import
//! (name, county, …) or a matching run (size class): the index remembers the latest import and
//! run ids it was built at; when either differs, a rebuild starts in the background and searches go to the database meanwhile, so
//! an answer is never stale.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use huiqi_domain::{EntityKind, SizeClass};
use huiqi_store::Store;
pub use huiqi_store::search::{EnterpriseFilter, EnterpriseRow};

use crate::accounts::Role;
use crate::{App, AppError};

/// How many rows a registry search shows.
pub const SEARCH_LIMIT: usize = 100;

/// A registry search as asked (texts as typed; empty means “any”).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// A name fragment, a USCC or its fragment.
    pub q: String,
    pub county: String,
    /// A GB/T 4754 section letter or code prefix.
    pub industry: String,
    /// `enterprise` or `individual_business`.
    pub kind: String,
    /// `large`, `medium`, `small` or `micro`: the size class of the latest matching run.
    pub size: String,
}

/// A registry search as run: trimmed, checked, a county user's county forced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub q: String,
    pub county: String,
    pub industry: String,
    pub kind: Option<EntityKind>,
    pub size: Option<SizeClass>,
}

/// The registry search of a viewer: a county user's county is forced whatever the query says.
/// Answered by the name index when it is current, by the database otherwise (same rows).
pub async fn search(
    app: &App,
    role: &Role,
    query: &SearchQuery,
) -> Result<(Search, Vec<EnterpriseRow>), AppError> {
    huiqi_domain::limits::check_search(query.q.trim()).map_err(AppError::limit("bad_query"))?;
    for (what, text) in [("行业", &query.industry), ("辖区", &query.county)] {
        huiqi_domain::limits::check_text(what, text.trim(), huiqi_domain::limits::SEARCH_MAX_CHARS)
            .map_err(AppError::limit("bad_query"))?;
    }
    let size = match query.size.trim() {
        "" => None,
        s => Some(SizeClass::parse(s).ok_or_else(|| {
            AppError::invalid(
                "bad_size",
                format!("企业规模“{s}”无效；可选：{}，或留空", SizeClass::ids()),
            )
        })?),
    };
    let kind = match query.kind.trim() {
        "" => None,
        k => Some(EntityKind::parse(k).ok_or_else(|| {
            AppError::invalid(
                "bad_kind",
                format!("市场主体类型“{k}”无效；可选：{}，或留空", EntityKind::ids()),
            )
        })?),
    };
    let s = Search {
        q: query.q.trim().to_string(),
        county: match role.county() {
            Some(c) => c.to_string(),
            None => query.county.trim().to_string(),
        },
        // Section letters are upper case (the database's LIKE would not care; the index does).
        industry: query.industry.trim().to_ascii_uppercase(),
        kind,
        size,
    };
    let filter = EnterpriseFilter {
        query: &s.q,
        county: &s.county,
        industry: &s.industry,
        kind: s.kind.map_or("", EntityKind::as_str),
        size_class: s.size,
    };
    let rows = match app.names.search(&app.store, &filter, SEARCH_LIMIT).await {
        Some(rows) => rows,
        None => {
            app.store
                .search_enterprises(&filter, SEARCH_LIMIT as i64)
                .await?
        }
    };
    Ok((s, rows))
}

struct Built {
    version: (i64, i64),
    rows: Vec<EnterpriseRow>,
    /// Two consecutive characters of a name → the rows (ascending, so in USCC order).
    grams: HashMap<(char, char), Vec<u32>>,
}

#[derive(Default)]
pub struct NameIndex {
    built: RwLock<Option<Arc<Built>>>,
    building: AtomicBool,
}

fn build(version: (i64, i64), rows: Vec<EnterpriseRow>) -> Built {
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
        version,
        rows,
        grams,
    }
}

impl NameIndex {
    /// The (import id, run id) the index was last built at, if it has been built.
    pub fn built_at(&self) -> Option<(i64, i64)> {
        self.built
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|b| b.version)
    }

    /// Starts a rebuild in the background unless one is running.
    pub fn refresh(self: &Arc<Self>, store: Store) {
        if self.building.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let result = async {
                let id = store.search_version().await?;
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
                Err(e) => tracing::error!(error = %e, "企业名称索引重建失败"),
            }
            me.building.store(false, Ordering::SeqCst);
        });
    }

    /// Answers a search from the index when it is current (`None`: ask the database): a name
    /// fragment (through its rarest bigram when it has two or more characters) or filters alone
    /// (a scan of the rows in memory: a rare size class would otherwise scan the registry on
    /// disk). A query that looks like a USCC or its fragment goes to the database.
    pub async fn search(
        self: &Arc<Self>,
        store: &Store,
        f: &EnterpriseFilter<'_>,
        limit: usize,
    ) -> Option<Vec<EnterpriseRow>> {
        let q = f.query.trim();
        if !q.is_empty() && q.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let built = self.built.read().unwrap_or_else(|e| e.into_inner()).clone();
        let latest = store.search_version().await.ok()?;
        let Some(built) = built.filter(|b| b.version == latest) else {
            self.refresh(store.clone());
            return None;
        };
        let chars: Vec<char> = q.chars().collect();
        let candidates: Box<dyn Iterator<Item = &EnterpriseRow>> = if chars.len() >= 2 {
            let rarest = chars
                .windows(2)
                .map(|w| {
                    built
                        .grams
                        .get(&(w[0], w[1]))
                        .map_or(&[][..], |v| v.as_slice())
                })
                .min_by_key(|v| v.len())?;
            Box::new(rarest.iter().map(|&i| &built.rows[i as usize]))
        } else {
            Box::new(built.rows.iter())
        };
        let out = candidates
            .filter(|r| r.name.contains(q))
            .filter(|r| f.county.is_empty() || r.county == f.county)
            .filter(|r| f.industry.is_empty() || r.industry.starts_with(f.industry))
            .filter(|r| f.kind.is_empty() || r.kind == f.kind)
            .filter(|r| f.size_class.is_none() || r.size_class == f.size_class)
            .take(limit)
            .cloned()
            .collect();
        Some(out)
    }
}
