//! 免申即享 on the registry: a matching run (every measure over every enterprise, stored),
//! push lists of a run (each amount explained by the facts as they were at the run), the
//! comparison of two runs, the auditor's two lists, grants, and one enterprise's benefits.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use huiqi_domain::{Facts, SizeClass, Uscc};
use huiqi_match::{BATCH, PushRow, from_fen, reason, stored_amount, stored_value};
use huiqi_policy::Pack;
use huiqi_rules::{Engine, MeasureId, Rules};
use huiqi_store::Store;
pub use huiqi_store::matching::PushSort;
use huiqi_store::matching::{Contact, Grant, ResultRow, Run, RunWriter};
use huiqi_store::registry::FactSource;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{App, AppError, blocking};

/// The slot of a measure in a stored result's values ([`MeasureId::stored`] order).
pub fn slot(m: MeasureId) -> Option<usize> {
    MeasureId::stored().position(|x| x == m)
}

/// The stored value of a measure in a result (0 for the class); the total is the sum of the
/// amounts it counts (a run does not store it apart).
pub fn value(r: &ResultRow, m: MeasureId) -> i64 {
    if m.kind() == huiqi_rules::ValueKind::Total {
        return huiqi_rules::MEASURES
            .iter()
            .filter(|d| d.in_total)
            .map(|d| value(r, d.id))
            .sum();
    }
    slot(m).and_then(|i| r.values.get(i).copied()).unwrap_or(0)
}

/// Whether a stored result benefits from a measure.
pub fn eligible(r: &ResultRow, m: MeasureId) -> bool {
    value(r, m) > 0
}

/// The amount (元) of a measure in a stored result; 0 for a flag.
pub fn amount(r: &ResultRow, m: MeasureId) -> Decimal {
    stored_amount(m, value(r, m))
}

/// The results of a run, ordered by uscc, with a value per [`MeasureId::stored`] measure.
pub async fn results(store: &Store, run_id: i64) -> Result<Vec<ResultRow>, AppError> {
    Ok(store.run_results(run_id, &MeasureId::stored_ids()).await?)
}

/// A full matching run over the registry for `at`'s year: evaluates and stores, and records the
/// latest import it read. Never touches earlier runs. Refused (nothing stored) if an import
/// lands while it reads.
pub async fn run(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    at: NaiveDate,
) -> Result<Run, AppError> {
    Ok(run_with_totals(store, rules, pack, at).await?.0)
}

/// [`run`], with the totals per measure of what it stored (computed before storing, not read
/// back).
///
/// The results are stored while the next ones are evaluated: a task of their own writes each
/// chunk ([`RunWriter`]) as soon as it is evaluated, in the run's one transaction, so that the
/// database works while the engine does. Except on SQLite when the year's facts snapshot is not
/// current: that read keeps what it read as the snapshot, a write that gives up after 200 ms
/// rather than wait for another writer, so the run takes the write lock only after the read.
pub async fn run_with_totals(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    at: NaiveDate,
) -> Result<(Run, Vec<MeasureTotal>), AppError> {
    let started_at = Utc::now();
    let clock = std::time::Instant::now();
    let watermark = store.latest_import_id().await?;
    let engine = Engine::new(rules, at);
    let stored: Vec<MeasureId> = MeasureId::stored().collect();
    let measures = MeasureId::stored_ids();
    let mut run = Run {
        id: 0,
        started_at,
        at,
        year: chrono::Datelike::year(&at),
        pack_id: pack.manifest.id.clone(),
        pack_version: pack.manifest.version.clone(),
        parameters: huiqi_match::parameters_json(rules, at),
        enterprises: 0,
        total_fen: 0,
        import_watermark: Some(watermark),
    };
    // On SQLite the writer takes the write lock first; only then is it settled whether the
    // snapshot is current (an import, the only thing that deletes it, needs that lock).
    let mut writer = Some(store.begin_run(&run, &measures).await?);
    if store.backend() == huiqi_store::Backend::Sqlite
        && !store.fact_snapshot_current(engine.year()).await?
        && let Some(w) = writer.take()
    {
        w.abandon().await?;
    }
    let (send, recv) = tokio::sync::mpsc::unbounded_channel::<Vec<ResultRow>>();
    let writing = match writer {
        Some(w) => Writing::Now(tokio::spawn(write_all(w, recv))),
        None => Writing::After(recv),
    };
    let mut tally = Tally::new();
    let mut refused: Option<huiqi_match::MatchError> = None;
    let mut writer_stopped = false;
    let on_batch = |batch: Vec<huiqi_domain::Facts>| {
        if refused.is_some() || writer_stopped {
            return;
        }
        let rows: Result<Vec<ResultRow>, _> = batch
            .par_iter()
            .map(|f| -> Result<ResultRow, huiqi_match::MatchError> {
                let o = engine.evaluate(f);
                let values = stored
                    .iter()
                    .map(|m| stored_value(&o, *m))
                    .collect::<Result<_, _>>()
                    .map_err(|e| {
                        huiqi_match::MatchError::Invalid(format!("企业 {}：{e}", f.uscc))
                    })?;
                Ok(ResultRow {
                    uscc: f.uscc.clone(),
                    county: f.county.clone(),
                    size_class: o.size_class.as_str().to_string(),
                    values,
                })
            })
            .collect();
        match rows {
            Ok(rows) => {
                tally.add(&rows);
                // Fails only when the writer stopped on an error, which its task returns.
                writer_stopped = send.send(rows).is_err();
            }
            Err(e) => refused = Some(e),
        }
    };
    // While the writer's task holds SQLite's write lock, a damaged snapshot is not deleted by the
    // read (the delete would wait for that lock, up to the busy timeout): it is deleted below,
    // once the task has rolled back.
    let keep_damage =
        matches!(writing, Writing::Now(_)) && store.backend() == huiqi_store::Backend::Sqlite;
    let read = if keep_damage {
        store
            .for_each_facts_batch_keeping_damage(engine.year(), BATCH, on_batch)
            .await
    } else {
        store
            .for_each_facts_batch(engine.year(), BATCH, on_batch)
            .await
    };
    drop(send);
    let damaged = keep_damage && matches!(read, Err(huiqi_store::StoreError::Invalid(_)));
    let failed = match (read, refused) {
        (Err(e), _) => Some(AppError::from(e)),
        (Ok(_), Some(e)) => Some(e.into()),
        (Ok(_), None) => None,
    };
    if let Some(e) = failed {
        if let Writing::Now(task) = writing {
            // Dropped with the task: its transaction is rolled back, nothing is stored. Awaited,
            // so that the write lock is free before the damaged snapshot is deleted.
            task.abort();
            let _ = task.await;
        }
        if damaged {
            store.delete_fact_snapshot(engine.year()).await?;
        }
        return Err(e);
    }
    tracing::debug!(
        enterprises = tally.enterprises,
        seconds = clock.elapsed().as_secs_f64(),
        "匹配：读取并计算完毕"
    );
    let writer = match writing {
        Writing::Now(task) => task.await.map_err(|e| AppError::Task(e.to_string()))??,
        Writing::After(recv) => write_all(store.begin_run(&run, &measures).await?, recv).await?,
    };
    if store.latest_import_id().await? != watermark {
        return Err(AppError::invalid(
            "registry_changed",
            "匹配期间企业库有新的导入，本次结果未保存：请重新运行匹配",
        ));
    }
    run.enterprises = tally.enterprises as i64;
    run.total_fen = tally.total_fen()?;
    let totals = tally.totals()?;
    run.id = writer.finish(run.enterprises, run.total_fen).await?;
    tracing::debug!(
        run = run.id,
        seconds = clock.elapsed().as_secs_f64(),
        "匹配：结果已保存"
    );
    Ok((run, totals))
}

/// Where a run's results go while it reads and evaluates: to the writer's task, or kept until
/// the read ends.
enum Writing {
    Now(tokio::task::JoinHandle<Result<RunWriter, huiqi_store::StoreError>>),
    After(tokio::sync::mpsc::UnboundedReceiver<Vec<ResultRow>>),
}

/// Writes every chunk received until the sender is dropped; returns the writer, to be finished
/// (or dropped, storing nothing).
async fn write_all(
    mut writer: RunWriter,
    mut chunks: tokio::sync::mpsc::UnboundedReceiver<Vec<ResultRow>>,
) -> Result<RunWriter, huiqi_store::StoreError> {
    while let Some(chunk) = chunks.recv().await {
        writer.write(&chunk).await?;
    }
    Ok(writer)
}

/// Per benefit and the total, chunk by chunk: how many are eligible, and the amounts in fen.
struct Tally {
    measures: Vec<MeasureId>,
    eligible: Vec<usize>,
    fen: Vec<i128>,
    enterprises: usize,
}

impl Tally {
    fn new() -> Tally {
        let measures: Vec<MeasureId> = MeasureId::benefits()
            .chain(std::iter::once(MeasureId::TotalRelief))
            .collect();
        Tally {
            eligible: vec![0; measures.len()],
            fen: vec![0; measures.len()],
            measures,
            enterprises: 0,
        }
    }

    fn add(&mut self, results: &[ResultRow]) {
        for r in results {
            for (i, m) in self.measures.iter().enumerate() {
                let v = value(r, *m);
                self.eligible[i] += usize::from(v > 0);
                self.fen[i] += i128::from(v);
            }
        }
        self.enterprises += results.len();
    }

    fn out_of_range() -> AppError {
        AppError::invalid(
            "out_of_range",
            "全部企业减免合计超出可存储的范围，请核对企业库中的金额",
        )
    }

    /// The total relief of every enterprise, in fen.
    fn total_fen(&self) -> Result<i64, AppError> {
        let total = self.fen[self.measures.len() - 1];
        i64::try_from(total).map_err(|_| Self::out_of_range())
    }

    /// Per measure: how many are eligible and the total amount (元; 0 for a flag).
    fn totals(&self) -> Result<Vec<MeasureTotal>, AppError> {
        self.measures
            .iter()
            .zip(self.eligible.iter().zip(&self.fen))
            .map(|(m, (eligible, fen))| {
                let amount = if m.is_money() {
                    Decimal::try_from_i128_with_scale(*fen, 2).map_err(|_| Self::out_of_range())?
                } else {
                    Decimal::ZERO
                };
                Ok(MeasureTotal {
                    measure: *m,
                    eligible: *eligible,
                    amount,
                })
            })
            .collect()
    }
}

/// A run by id, or the latest.
pub async fn pick_run(store: &Store, id: Option<i64>) -> Result<Run, AppError> {
    let runs = store.runs().await?;
    match id {
        Some(id) => runs
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::not_found("no_run", format!("没有编号为 {id} 的匹配批次"))),
        None => runs.into_iter().next().ok_or_else(|| {
            AppError::not_found("no_run", "还没有匹配批次：请先运行 huiqi match --db")
        }),
    }
}

/// Every run, newest first.
pub async fn runs(store: &Store) -> Result<Vec<Run>, AppError> {
    Ok(store.runs().await?)
}

/// The latest run, if any.
pub async fn latest_run(store: &Store) -> Result<Option<Run>, AppError> {
    Ok(store.runs().await?.into_iter().next())
}

/// Per measure: how many are eligible and the total amount.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MeasureTotal {
    pub measure: MeasureId,
    pub eligible: usize,
    pub amount: Decimal,
}

huiqi_domain::vocabulary! {
    /// How an enterprise's result for a measure changed between two runs.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Change {
        BecameEligible = ("became_eligible", "新符合"),
        DroppedOut = ("dropped_out", "不再符合"),
        AmountChanged = ("amount_changed", "金额变化"),
    }
}

/// How one enterprise's result differs between two runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunDiff {
    pub uscc: String,
    pub measure: MeasureId,
    pub change: Change,
    pub old: Decimal,
    pub new: Decimal,
}

/// The comparison of two runs: parameter changes (the “why” common to all) and each
/// enterprise-measure whose eligibility or amount changed.
#[derive(Debug, Clone, Serialize)]
pub struct RunComparison {
    pub old_run: i64,
    pub new_run: i64,
    /// Parameters whose value differs: (id, old, new).
    pub parameter_changes: Vec<(String, String, String)>,
    pub pack_change: Option<(String, String)>,
    pub diffs: Vec<RunDiff>,
}

impl RunComparison {
    pub fn count(&self, change: Change) -> usize {
        self.diffs.iter().filter(|d| d.change == change).count()
    }
}

pub async fn compare_runs(store: &Store, old: i64, new: i64) -> Result<RunComparison, AppError> {
    let (a, b) = (
        pick_run(store, Some(old)).await?,
        pick_run(store, Some(new)).await?,
    );
    let parameter_changes = huiqi_match::parameter_changes(&a.parameters, &b.parameters);
    let pack_change = (a.pack_version != b.pack_version)
        .then(|| (a.pack_version.clone(), b.pack_version.clone()));
    let ra: HashMap<String, ResultRow> = results(store, old)
        .await?
        .into_iter()
        .map(|r| (r.uscc.clone(), r))
        .collect();
    let rb = results(store, new).await?;
    let empty = ResultRow {
        uscc: String::new(),
        county: String::new(),
        size_class: String::new(),
        values: Vec::new(),
    };
    let mut diffs = Vec::new();
    for r in &rb {
        let o = ra.get(&r.uscc).unwrap_or(&empty);
        for m in MeasureId::benefits() {
            let (eo, en) = (eligible(o, m), eligible(r, m));
            let (ao, an) = (amount(o, m), amount(r, m));
            let change = match (eo, en) {
                (false, true) => Change::BecameEligible,
                (true, false) => Change::DroppedOut,
                _ if ao != an => Change::AmountChanged,
                _ => continue,
            };
            diffs.push(RunDiff {
                uscc: r.uscc.clone(),
                measure: m,
                change,
                old: ao,
                new: an,
            });
        }
    }
    let in_new: std::collections::HashSet<&str> = rb.iter().map(|r| r.uscc.as_str()).collect();
    let mut gone: Vec<&ResultRow> = ra
        .values()
        .filter(|r| !in_new.contains(r.uscc.as_str()))
        .collect();
    gone.sort_by(|x, y| x.uscc.cmp(&y.uscc));
    for o in gone {
        for m in MeasureId::benefits().filter(|m| eligible(o, *m)) {
            diffs.push(RunDiff {
                uscc: o.uscc.clone(),
                measure: m,
                change: Change::DroppedOut,
                old: amount(o, m),
                new: Decimal::ZERO,
            });
        }
    }
    Ok(RunComparison {
        old_run: old,
        new_run: new,
        parameter_changes,
        pack_change,
        diffs,
    })
}

/// Who a push list is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushFilter {
    pub measure: MeasureId,
    /// A jurisdiction (as the run saw the enterprise's county).
    pub county: Option<String>,
    /// A responsible unit: the list is empty unless the unit pushes this measure.
    pub unit: Option<String>,
}

/// The measures a push list can be made for on a page (the amounts), in table order.
pub fn push_measures() -> impl Iterator<Item = MeasureId> {
    MeasureId::benefits().filter(|m| m.is_money())
}

/// The measures a viewer's push menu offers: a unit only those it pushes (the measure table's
/// `units`), everyone else all of [`push_measures`].
pub fn push_measures_for(role: &crate::accounts::Role) -> Vec<MeasureId> {
    push_measures()
        .filter(|m| role.unit().is_none_or(|u| m.def().units.contains(&u)))
        .collect()
}

/// Which units push the measures, for a unit that pushes none (`免申即享措施由市税务局、… 推送`).
pub fn push_units_sentence(pack: &Pack) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for m in push_measures() {
        for u in m.def().units {
            if !ids.contains(u) {
                ids.push(u);
            }
        }
    }
    let names: Vec<String> = ids
        .iter()
        .map(|u| pack.unit(u).map_or(u.to_string(), |x| x.name.clone()))
        .collect();
    format!("免申即享措施由{}推送", names.join("、"))
}

impl PushFilter {
    /// Checks a push list request: the measure (a benefit of the table), the county (of the
    /// city) and the unit (of the pack). Empty texts mean “all”.
    pub fn parse(
        pack: &Pack,
        measure: &str,
        county: Option<&str>,
        unit: Option<&str>,
    ) -> Result<PushFilter, AppError> {
        let measure = MeasureId::parse(measure.trim())
            .filter(|m| m.is_benefit())
            .ok_or_else(|| {
                let ids: Vec<&str> = MeasureId::benefits().map(MeasureId::as_str).collect();
                AppError::invalid(
                    "unknown_measure",
                    format!("没有名为“{measure}”的措施；可选：{}", ids.join("、")),
                )
            })?;
        let county = county.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = county
            && pack.jurisdiction(c).is_none()
        {
            return Err(AppError::invalid(
                "unknown_county",
                format!(
                    "辖区“{c}”不在六安市内；可选：{}",
                    pack.jurisdictions
                        .iter()
                        .map(|j| format!("{}（{}）", j.id, j.name))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        if let Some(u) = unit
            && pack.unit(u).is_none()
        {
            return Err(AppError::invalid(
                "unknown_unit",
                format!("没有 id 为“{u}”的责任单位"),
            ));
        }
        Ok(PushFilter {
            measure,
            county: county.map(str::to_string),
            unit: unit.map(str::to_string),
        })
    }
}

/// A page of a push list: how many enterprises benefit in all, their total, and the rows
/// asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PushPage {
    pub count: usize,
    pub total: Decimal,
    pub rows: Vec<PushRow>,
}

/// Said instead of a reason when the facts as of the run no longer reproduce its amount (a
/// department delivered a column group for the first time after the run, or the rules changed).
pub const NO_REASON: &str = "本批次计算所用的数据已被之后的导入更改，无法还原该次计算的理由；金额为本批次的计算结果。如需理由，请重新运行匹配。";

/// Which rows of a push list: its order, and the rows `offset..offset + limit` in it (all
/// from `offset` when `limit` is `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushSlice {
    pub sort: PushSort,
    pub offset: usize,
    pub limit: Option<usize>,
}

impl PushSlice {
    /// The whole list in `sort`'s order.
    pub fn all(sort: PushSort) -> PushSlice {
        PushSlice {
            sort,
            offset: 0,
            limit: None,
        }
    }

    /// The first `n` rows in `sort`'s order.
    pub fn first(n: usize, sort: PushSort) -> PushSlice {
        PushSlice {
            sort,
            offset: 0,
            limit: Some(n),
        }
    }
}

/// The whole push list of a run (ordered by uscc).
pub async fn push_list(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    run: &Run,
    filter: &PushFilter,
) -> Result<Vec<PushRow>, AppError> {
    Ok(push_page(
        store,
        rules,
        pack,
        run,
        filter,
        PushSlice::all(PushSort::Uscc),
    )
    .await?
    .rows)
}

/// The rows `slice` asks for of a push list, in its order, with the count and total of the whole
/// list. The database picks and orders the enterprises of the run; only the rows returned are read and
/// traced. Each row's amount is the run's; its reason comes from evaluating the facts as they
/// were at the run (the run's import watermark), so amount and reason always agree — where they
/// cannot ([`NO_REASON`]) the row says so instead of giving a reason for another amount.
pub async fn push_page(
    store: &Store,
    rules: &Rules,
    pack: &Pack,
    run: &Run,
    filter: &PushFilter,
    slice: PushSlice,
) -> Result<PushPage, AppError> {
    let m = filter.measure;
    if let Some(u) = &filter.unit
        && !m.def().units.contains(&u.as_str())
    {
        return Ok(PushPage {
            count: 0,
            total: Decimal::ZERO,
            rows: Vec::new(),
        });
    }
    let (picked, count, total) = store
        .push_candidates(
            run.id,
            m.as_str(),
            filter.county.as_deref().unwrap_or(""),
            slice.sort,
            i64::try_from(slice.offset).unwrap_or(i64::MAX),
            slice.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
        )
        .await?;
    // The database's order, kept through the batches below.
    let order: Vec<String> = picked.iter().map(|(u, _)| u.clone()).collect();
    let values: HashMap<String, i64> = picked.into_iter().collect();
    let mut usccs: Vec<String> = values.keys().cloned().collect();
    usccs.sort();
    let contacts = store.contacts_of(&usccs).await?;
    let engine = Engine::new(rules, run.at);
    let mut rows = Vec::with_capacity(usccs.len());
    for batch in usccs.chunks(BATCH) {
        let facts = store
            .facts_as_of(batch, run.year, run.import_watermark)
            .await?;
        rows.extend(
            facts
                .par_iter()
                .map(|f| {
                    let stored = values.get(&f.uscc).copied().unwrap_or(0);
                    let (out, trace) = engine.evaluate_traced(f);
                    let reason = if stored_value(&out, m).ok() == Some(stored) {
                        reason(&trace, m)
                    } else {
                        NO_REASON.to_string()
                    };
                    let contact = contacts.get(&f.uscc).cloned().unwrap_or_default();
                    PushRow {
                        uscc: f.uscc.clone(),
                        name: f.name.clone(),
                        contact_person: contact.person.unwrap_or_default(),
                        contact_phone: contact.phone.unwrap_or_default(),
                        county: f.county.clone(),
                        county_name: crate::jurisdiction_name(pack, &f.county),
                        industry: f.industry.clone(),
                        measure: m.as_str().to_string(),
                        amount: stored_amount(m, stored),
                        reason,
                    }
                })
                .collect::<Vec<_>>(),
        );
    }
    let mut by_uscc: HashMap<String, PushRow> =
        rows.into_iter().map(|r| (r.uscc.clone(), r)).collect();
    let rows = order.iter().filter_map(|u| by_uscc.remove(u)).collect();
    Ok(PushPage {
        count: count as usize,
        total: stored_amount(m, total),
        rows,
    })
}

/// The title of a push list's sheet: measure, year, parameters' date, pack, filter (not the
/// run's id: the same registry, pack and date give the same file).
pub fn push_title(pack: &Pack, run: &Run, filter: &PushFilter) -> String {
    let version = if run.pack_version == pack.manifest.version {
        pack.manifest.status.label().to_string()
    } else {
        run.pack_version.clone()
    };
    format!(
        "推送名单：{}｜{}{}｜数据：{} 年度企业库，按 {} 有效的政策参数计算（政策{}）",
        filter.measure.title(),
        filter
            .county
            .as_deref()
            .and_then(|c| pack.jurisdiction(c))
            .map_or("全市".to_string(), |j| j.name.clone()),
        filter
            .unit
            .as_deref()
            .and_then(|u| pack.unit(u))
            .map_or(String::new(), |u| format!("｜{}", u.name)),
        run.year,
        run.at,
        version
    )
}

/// A push list as the bytes of an .xlsx file (same rows, same bytes).
pub async fn push_xlsx(rows: Vec<PushRow>, title: String) -> Result<Vec<u8>, AppError> {
    Ok(blocking(move || huiqi_match::export::push_xlsx(&rows, &title)).await??)
}

/// The auditor's two lists for a run: eligible but not granted, granted but not eligible.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Reach {
    /// (uscc, measure, amount due)
    pub eligible_not_granted: Vec<(String, MeasureId, Decimal)>,
    /// (uscc, measure, amount granted)
    pub granted_not_eligible: Vec<(String, String, Decimal)>,
}

/// The measures a department grants and the auditor follows: the amounts counted in the total
/// (a deduction from taxable income is not granted as such).
fn granted_measures() -> impl Iterator<Item = MeasureId> {
    MeasureId::grantable().filter(|m| m.def().in_total)
}

pub async fn not_reached(store: &Store, run: &Run) -> Result<Reach, AppError> {
    let results = results(store, run.id).await?;
    let grants = store.grants_of_year(run.year).await?;
    let granted: std::collections::HashSet<(&str, &str)> = grants
        .iter()
        .map(|g| (g.uscc.as_str(), g.measure.as_str()))
        .collect();
    let by_uscc: HashMap<&str, &ResultRow> = results.iter().map(|r| (r.uscc.as_str(), r)).collect();
    let mut reach = Reach::default();
    for r in &results {
        for m in granted_measures() {
            if eligible(r, m) && !granted.contains(&(r.uscc.as_str(), m.as_str())) {
                reach
                    .eligible_not_granted
                    .push((r.uscc.clone(), m, amount(r, m)));
            }
        }
    }
    for g in &grants {
        let ok = MeasureId::parse(&g.measure)
            .is_some_and(|m| by_uscc.get(g.uscc.as_str()).is_some_and(|r| eligible(r, m)));
        if !ok {
            reach.granted_not_eligible.push((
                g.uscc.clone(),
                g.measure.clone(),
                from_fen(g.amount_fen),
            ));
        }
    }
    Ok(reach)
}

/// What a grants file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantsOutcome {
    /// (rows in the file, rows new to the database)
    Added { rows: usize, new: usize },
    /// Every bad row, nothing recorded.
    Refused(Vec<String>),
}

/// Records a grants CSV (`uscc,measure,amount,date`; UTF-8 or GB18030): all rows or none.
pub async fn add_grants(
    store: &Store,
    bytes: Vec<u8>,
    file_name: &str,
) -> Result<GrantsOutcome, AppError> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
    };
    let rows = match huiqi_match::parse_grants(&text) {
        Ok(g) => g,
        Err(errors) => return Ok(GrantsOutcome::Refused(errors)),
    };
    let grants: Vec<Grant> = rows
        .iter()
        .map(|g| Grant {
            uscc: g.uscc.to_string(),
            measure: g.measure.as_str().to_string(),
            amount_fen: g.amount_fen,
            granted_on: g.granted_on,
        })
        .collect();
    let new = store.add_grants(&grants, file_name).await?;
    Ok(GrantsOutcome::Added {
        rows: grants.len(),
        new,
    })
}

/// One benefit of an enterprise, with the reason from the rules trace.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BenefitRow {
    pub measure: MeasureId,
    pub title: String,
    /// 0 for a flag.
    pub amount: Decimal,
    pub reason: String,
    /// The facts that decided it (from the trace), with their Chinese names.
    pub inputs: Vec<huiqi_match::Input>,
    /// How the enterprise obtains it (`measures.yaml`).
    pub obtain: Option<huiqi_rules::Obtain>,
}

/// An enterprise's benefits: one evaluation of its facts on file, at one date, said plainly.
#[derive(Debug, Clone)]
pub struct Benefits {
    pub facts: Facts,
    /// The date whose parameters apply (the facts are that year's).
    pub at: NaiveDate,
    pub size_class: SizeClass,
    pub rows: Vec<BenefitRow>,
    pub total: Decimal,
    /// Which data and date the figures come from, in Chinese.
    pub basis: String,
    /// The import behind each column group of its facts (a group never reported is absent).
    pub sources: Vec<FactSource>,
    /// 联系人 and 联系电话 on file.
    pub contact: Contact,
}

/// An enterprise's benefits at the platform's date (`app.at`) from the registry's current facts;
/// `None` when it has no facts for that year.
pub async fn benefits_of(app: &App, uscc: &Uscc) -> Result<Option<Benefits>, AppError> {
    let engine = Engine::new(&app.rules, app.at);
    let Some(facts) = app.store.facts_of(uscc.as_str(), engine.year()).await? else {
        return Ok(None);
    };
    let (out, trace) = engine.evaluate_traced(&facts);
    let rows = MeasureId::benefits()
        .filter(|m| out.eligible(*m))
        .map(|m| BenefitRow {
            measure: m,
            title: m.title().to_string(),
            amount: if m.is_money() {
                out.value(m)
            } else {
                Decimal::ZERO
            },
            reason: reason(&trace, m),
            inputs: huiqi_match::inputs(&trace, m),
            obtain: app.rules.measure(m).obtain.clone(),
        })
        .collect();
    let latest = app.store.imports().await?.into_iter().last();
    let data = latest.map_or("企业库当前数据".to_string(), |i| {
        format!(
            "企业库当前数据（截至导入号 {}，{} 导入）",
            i.id,
            i.imported_at.format("%Y-%m-%d")
        )
    });
    let sources = app.store.fact_sources(uscc.as_str(), engine.year()).await?;
    let contact = app.store.contact_of(uscc.as_str()).await?;
    Ok(Some(Benefits {
        sources,
        contact,
        basis: format!(
            "按 {} 有效的政策参数，用{}中该企业 {} 年度的数据即时计算；与匹配批次的结果可能不同（批次按其运行时的数据计算）。",
            app.at,
            data,
            engine.year()
        ),
        facts,
        at: app.at,
        size_class: out.size_class,
        total: out.total_relief(),
        rows,
    }))
}
