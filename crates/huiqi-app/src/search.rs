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
pub use huiqi_store::search::{EnterpriseFilter, EnterpriseRow, EnterpriseSort};

use crate::accounts::Role;
use crate::{App, AppError};

/// How many rows a registry search shows per page unless asked otherwise.
pub const SEARCH_LIMIT: usize = crate::paging::DEFAULT_PER_PAGE;

/// The page sizes a viewer may choose (shared with every paged list).
pub use crate::paging::PAGE_SIZES;

/// The most rows an export (.xlsx) of the registry holds.
pub const EXPORT_LIMIT: usize = 50_000;

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
    /// An [`EnterpriseSort`] id; empty: by USCC.
    pub sort: String,
    /// The page, from 1 (0: the first).
    pub page: usize,
    /// Rows per page, one of [`PAGE_SIZES`] (0: [`SEARCH_LIMIT`]).
    pub per_page: usize,
}

/// A registry search as run: trimmed, checked, a county user's county forced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub q: String,
    pub county: String,
    pub industry: String,
    pub kind: Option<EntityKind>,
    pub size: Option<SizeClass>,
    pub sort: EnterpriseSort,
}

/// One page of a registry search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub search: Search,
    /// All matching enterprises.
    pub total: usize,
    /// The page shown (from 1, at most `pages`).
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
    pub rows: Vec<EnterpriseRow>,
}

/// The registry search of a viewer, one page of it: a county user's county is forced whatever the
/// query says. Answered by the name index when it is current, by the database otherwise (same rows).
pub async fn search(app: &App, role: &Role, query: &SearchQuery) -> Result<SearchPage, AppError> {
    let s = checked(role, query)?;
    let per_page = crate::paging::per_page(query.per_page)?;
    // Bounded, so the offset neither overflows nor leaves the database's range.
    let wanted = query.page.clamp(1, u32::MAX as usize);
    let (total, rows) = fetch(app, &s, (wanted - 1) * per_page, per_page).await?;
    let paging = crate::paging::Paging::new(total, wanted, per_page);
    let pages = paging.pages;
    // A page past the end shows the last one.
    let (page, rows) = if wanted > pages {
        let (_, rows) = fetch(app, &s, paging.offset(), per_page).await?;
        (paging.page, rows)
    } else {
        (wanted, rows)
    };
    Ok(SearchPage {
        search: s,
        total,
        page,
        pages,
        per_page,
        rows,
    })
}

/// Every row of a registry search for an export, up to [`EXPORT_LIMIT`], with the number of all
/// matching enterprises (more than the rows when the cap cut the list).
pub async fn search_all(
    app: &App,
    role: &Role,
    query: &SearchQuery,
) -> Result<(Search, usize, Vec<EnterpriseRow>), AppError> {
    let s = checked(role, query)?;
    let (total, rows) = fetch(app, &s, 0, EXPORT_LIMIT).await?;
    Ok((s, total, rows))
}

/// The query trimmed and checked, a county user's county forced.
fn checked(role: &Role, query: &SearchQuery) -> Result<Search, AppError> {
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
    let sort = match query.sort.trim() {
        "" => EnterpriseSort::default(),
        x => EnterpriseSort::parse(x).ok_or_else(|| {
            let ids: Vec<&str> = EnterpriseSort::ALL.iter().map(|s| s.as_str()).collect();
            AppError::invalid(
                "bad_sort",
                format!("排序“{x}”无效；可选：{}，或留空", ids.join("、")),
            )
        })?,
    };
    Ok(Search {
        q: query.q.trim().to_string(),
        county: match role.county() {
            Some(c) => c.to_string(),
            None => query.county.trim().to_string(),
        },
        // Section letters are upper case (the database's LIKE would not care; the index does).
        industry: query.industry.trim().to_ascii_uppercase(),
        kind,
        size,
        sort,
    })
}

/// The number of matching rows and the rows `offset..offset + limit` in the search's order.
async fn fetch(
    app: &App,
    s: &Search,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<EnterpriseRow>), AppError> {
    let filter = EnterpriseFilter {
        query: &s.q,
        county: &s.county,
        industry: &s.industry,
        kind: s.kind.map_or("", EntityKind::as_str),
        size_class: s.size,
    };
    match app
        .names
        .search(&app.store, &filter, s.sort, offset, limit)
        .await
    {
        Some(found) => Ok(found),
        None => {
            let (total, rows) = app
                .store
                .search_enterprises_page(&filter, s.sort, offset as i64, limit as i64)
                .await?;
            Ok((usize::try_from(total).unwrap_or(0), rows))
        }
    }
}

/// The registry rows of an export as an .xlsx workbook (through [`crate::sheet`]): a title row
/// naming the filter, the date of the data, one row per enterprise (成立日期 as a date) and a
/// total row with the count; when the cap cut the list, the title says so.
pub fn registry_xlsx(
    app: &App,
    rows: &[EnterpriseRow],
    total: usize,
    what: &str,
    as_of: chrono::NaiveDate,
) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let mut title = format!("企业库（{what}）");
    if total > rows.len() {
        title.push_str(&format!(
            "：共 {} 户，仅导出前 {} 户",
            huiqi_domain::numbers::count(total as i64),
            huiqi_domain::numbers::count(rows.len() as i64)
        ));
    }
    let mut s = Sheet::new(
        "企业库",
        &title,
        &format!("数据截至 {as_of}；规模为最近一次政策匹配的划型结果"),
        &[
            ("统一社会信用代码", 22.0),
            ("名称", 32.0),
            ("辖区", 14.0),
            ("行业代码", 10.0),
            ("行业", 28.0),
            ("类型", 10.0),
            ("规模", 8.0),
            ("成立日期", 12.0),
        ],
    );
    s.rows = rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(&r.uscc),
                Cell::text(&r.name),
                Cell::text(app.jurisdiction_name(&r.county)),
                Cell::text(&r.industry),
                Cell::text(huiqi_domain::industry::display_name(&r.industry)),
                Cell::text(EntityKind::parse(&r.kind).map_or("—", EntityKind::label)),
                Cell::text(r.size_class.map_or("—", SizeClass::label)),
                r.registered_on
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map_or(Cell::Empty, Cell::Date),
            ]
        })
        .collect();
    s.total = Some(vec![
        Cell::text("合计（户）"),
        Cell::Count(rows.len() as i64),
    ]);
    workbook(&title, &[s])
}

/// A filter's row list, empty when no row has the value.
fn rows_of(v: Option<&Vec<u32>>) -> &[u32] {
    v.map_or(&[], Vec::as_slice)
}

struct Built {
    version: (i64, i64),
    rows: Vec<EnterpriseRow>,
    /// Two consecutive characters of a name → the rows (ascending, so in USCC order).
    grams: HashMap<(char, char), Vec<u32>>,
    /// The rows of each county, kind, size class and GB/T 4754 section (the industry code's
    /// first letter), ascending like `grams`: a filter starts from its smallest list, so a rare
    /// size class is counted from its own rows, not from a scan of the registry.
    by_county: HashMap<String, Vec<u32>>,
    by_kind: HashMap<String, Vec<u32>>,
    by_size: HashMap<SizeClass, Vec<u32>>,
    by_section: HashMap<char, Vec<u32>>,
}

#[derive(Default)]
pub struct NameIndex {
    built: RwLock<Option<Arc<Built>>>,
    building: AtomicBool,
}

fn build(version: (i64, i64), rows: Vec<EnterpriseRow>) -> Built {
    let mut grams: HashMap<(char, char), Vec<u32>> = HashMap::new();
    let mut seen: Vec<(char, char)> = Vec::new();
    let mut by_county: HashMap<String, Vec<u32>> = HashMap::new();
    let mut by_kind: HashMap<String, Vec<u32>> = HashMap::new();
    let mut by_size: HashMap<SizeClass, Vec<u32>> = HashMap::new();
    let mut by_section: HashMap<char, Vec<u32>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let n = i as u32;
        for (map, key) in [(&mut by_county, &r.county), (&mut by_kind, &r.kind)] {
            // Looked up by &str first: the key is copied once per value, not once per row.
            match map.get_mut(key.as_str()) {
                Some(list) => list.push(n),
                None => {
                    map.insert(key.clone(), vec![n]);
                }
            }
        }
        if let Some(c) = r.size_class {
            by_size.entry(c).or_default().push(n);
        }
        if let Some(c) = r.industry.chars().next() {
            by_section.entry(c).or_default().push(n);
        }
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
        by_county,
        by_kind,
        by_size,
        by_section,
    }
}

/// The rows that every one of `lists` (each ascending) holds, ascending: the shortest list copied,
/// then narrowed by each of the others.
fn intersect(mut lists: Vec<&[u32]>) -> Vec<u32> {
    lists.sort_by_key(|l| l.len());
    let Some((shortest, rest)) = lists.split_first() else {
        return Vec::new();
    };
    let mut out = shortest.to_vec();
    for other in rest {
        if out.is_empty() {
            break;
        }
        // Both ascending: each look-up starts where the previous one ended.
        let mut from = 0;
        out.retain(|x| match other[from..].binary_search(x) {
            Ok(i) => {
                from += i + 1;
                true
            }
            Err(i) => {
                from += i;
                false
            }
        });
    }
    out
}

impl Built {
    /// One page of a search and its total, exact. The candidates are the intersection of the
    /// sorted row lists the filters select (each bigram of the name fragment, the county, the
    /// kind, the size class, the industry's section; every row when there is none), integer work
    /// that touches no row. A row is read only where the lists do not decide alone: a fragment
    /// of one character or of more than two (all its bigrams do not make it a substring), an
    /// industry code longer than its section letter, and the rows of the page. So the total of a
    /// common two-character fragment is the length of its list (at 8M enterprises, hundreds of
    /// thousands of rows that the earlier version read and compared one by one on every request).
    fn query(
        &self,
        f: &EnterpriseFilter<'_>,
        q: &str,
        sort: EnterpriseSort,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<EnterpriseRow>) {
        let chars: Vec<char> = q.chars().collect();
        let mut lists: Vec<&[u32]> = Vec::new();
        if chars.len() >= 2 {
            lists.extend(
                chars
                    .windows(2)
                    .map(|w| rows_of(self.grams.get(&(w[0], w[1])))),
            );
        }
        if !f.county.is_empty() {
            lists.push(rows_of(self.by_county.get(f.county)));
        }
        if !f.kind.is_empty() {
            lists.push(rows_of(self.by_kind.get(f.kind)));
        }
        if let Some(c) = f.size_class {
            lists.push(rows_of(self.by_size.get(&c)));
        }
        if let Some(c) = f.industry.chars().next() {
            lists.push(rows_of(self.by_section.get(&c)));
        }
        if lists.is_empty() && chars.is_empty() && sort == EnterpriseSort::Uscc {
            // No filter: the page is a slice of the registry.
            let total = self.rows.len();
            let page = self.rows.iter().skip(offset).take(limit).cloned().collect();
            return (total, page);
        }
        let decided = (chars.is_empty() || chars.len() == 2) && f.industry.chars().nth(1).is_none();
        let passes = |i: &u32| {
            let r = &self.rows[*i as usize];
            decided || (r.name.contains(q) && r.industry.starts_with(f.industry))
        };
        // Without a list (a one-character fragment, or no filter in another order) every row is
        // a candidate: checked as it is enumerated, never collected first.
        let hits: Vec<u32> = if lists.is_empty() {
            (0..self.rows.len() as u32).filter(passes).collect()
        } else {
            let mut hits = intersect(lists);
            if !decided {
                hits.retain(passes);
            }
            hits
        };
        let total = hits.len();
        let end = offset.saturating_add(limit).min(total);
        if offset >= total {
            return (total, Vec::new());
        }
        // The rows are in USCC order already; another order sorts only as far as the page needs.
        if sort == EnterpriseSort::Uscc {
            let page = hits[offset..end].iter();
            return (
                total,
                page.map(|&i| self.rows[i as usize].clone()).collect(),
            );
        }
        let mut rows: Vec<&EnterpriseRow> = hits.iter().map(|&i| &self.rows[i as usize]).collect();
        if end < total {
            rows.select_nth_unstable_by(end, |a, b| sort.compare(a, b));
            rows.truncate(end);
        }
        rows.sort_unstable_by(|a, b| sort.compare(a, b));
        (total, rows[offset..].iter().map(|&r| r.clone()).collect())
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
    /// fragment and the filters, from the intersection of their row lists (`Built::query`). A
    /// query that looks like a USCC or its fragment goes to the database.
    pub async fn search(
        self: &Arc<Self>,
        store: &Store,
        f: &EnterpriseFilter<'_>,
        sort: EnterpriseSort,
        offset: usize,
        limit: usize,
    ) -> Option<(usize, Vec<EnterpriseRow>)> {
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
        Some(built.query(f, q, sort, offset, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registry of `n` rows whose names are drawn from a few characters, so that bigrams are
    /// shared by many names, in USCC order like the store's rows.
    fn registry(n: u32) -> Vec<EnterpriseRow> {
        let alphabet: Vec<char> = "黄区金安公司甲乙".chars().collect();
        let mut seed: u64 = 2023;
        let mut next = move |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        (0..n)
            .map(|i| {
                let len = 1 + next(6) as usize;
                let name: String = (0..len).map(|_| alphabet[next(8) as usize]).collect();
                EnterpriseRow {
                    uscc: format!("91341500MA{i:08}"),
                    name,
                    county: ["341502", "341503", "341504"][next(3) as usize].to_string(),
                    industry: ["C3311", "C3320", "F5211", "A0111"][next(4) as usize].to_string(),
                    kind: ["enterprise", "individual_business"][next(2) as usize].to_string(),
                    size_class: [None, Some(SizeClass::Micro), Some(SizeClass::Small)]
                        [next(3) as usize],
                    registered_on: [
                        None,
                        Some("2024-03-01".to_string()),
                        Some("2023-01-02".into()),
                    ][next(3) as usize]
                        .clone(),
                }
            })
            .collect()
    }

    /// The index answers every combination of fragment, filters, order and page exactly as a
    /// scan of every row does.
    #[test]
    fn the_index_answers_as_a_scan_of_every_row() {
        let rows = registry(3000);
        let built = build((1, 1), rows.clone());
        let mut checked = 0;
        for q in ["", "黄", "黄区", "区黄", "金安公", "公司甲乙", "司司", "无"] {
            for county in ["", "341503"] {
                for kind in ["", "individual_business"] {
                    for size_class in [None, Some(SizeClass::Micro)] {
                        for industry in ["", "C", "C33", "F5211"] {
                            let f = EnterpriseFilter {
                                query: q,
                                county,
                                industry,
                                kind,
                                size_class,
                            };
                            let mut want: Vec<&EnterpriseRow> = rows
                                .iter()
                                .filter(|r| r.name.contains(q))
                                .filter(|r| county.is_empty() || r.county == county)
                                .filter(|r| r.industry.starts_with(industry))
                                .filter(|r| kind.is_empty() || r.kind == kind)
                                .filter(|r| size_class.is_none() || r.size_class == size_class)
                                .collect();
                            for sort in [
                                EnterpriseSort::Uscc,
                                EnterpriseSort::Name,
                                EnterpriseSort::RegisteredDesc,
                            ] {
                                want.sort_by(|a, b| sort.compare(a, b));
                                for (offset, limit) in
                                    [(0, 20), (20, 20), (want.len().saturating_sub(3), 20)]
                                {
                                    let (total, page) = built.query(&f, q, sort, offset, limit);
                                    let expected: Vec<EnterpriseRow> = want
                                        .iter()
                                        .skip(offset)
                                        .take(limit)
                                        .map(|r| (*r).clone())
                                        .collect();
                                    assert_eq!(
                                        total,
                                        want.len(),
                                        "{q:?} {county} {kind} {size_class:?} {industry}"
                                    );
                                    assert_eq!(
                                        page, expected,
                                        "{q:?} {county} {kind} {size_class:?} {industry} {sort:?} {offset}"
                                    );
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 2 * 2 * 2 * 4 * 3 * 3);
    }

    #[test]
    fn intersect_keeps_what_every_list_holds() {
        assert_eq!(
            intersect(vec![&[1, 3, 5, 7, 9], &[0, 3, 4, 9, 10], &[3, 9]]),
            vec![3, 9]
        );
        assert_eq!(intersect(vec![&[1, 2], &[]]), Vec::<u32>::new());
        assert_eq!(intersect(vec![&[4, 8]]), vec![4, 8]);
    }
}
