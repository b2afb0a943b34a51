//! 政策沙盘 (what-if) on the registry: change parameters in memory, evaluate the registry's facts of
//! a year before and after, report the difference. Never writes. The command line reads the
//! registry in batches every time; a server keeps the facts of a year in memory
//! ([`PopulationCache`]) so that a what-if answers in about a second.

use std::sync::Arc;

use chrono::NaiveDate;
use huiqi_domain::{Facts, limits, numbers};
use huiqi_match::BATCH;
use huiqi_match::whatif::{Change, Sandbox, WhatIfReport, changed_rules, whatif_on};
use huiqi_policy::Pack;
use huiqi_rules::Rules;
use huiqi_store::{Store, StoreError};
use rust_decimal::Decimal;

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
        // Room for every enterprise at once when the snapshot says how many (growing a vector of
        // a million facts by doubling copied 500 MB).
        let rows = store
            .fact_snapshots()
            .await?
            .into_iter()
            .find(|s| s.year == year && s.import_watermark == import_id)
            .map_or(0, |s| usize::try_from(s.rows).unwrap_or(0));
        let mut facts = Vec::with_capacity(rows);
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

/// One scalar parameter in force on a date, as the sandbox offers it for a change.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInForce {
    pub id: String,
    pub title: String,
    pub value: Decimal,
    /// A rate or a share: shown and entered as a percentage (0.25 is 25%).
    pub rate: bool,
    /// 元, 人, 个月, or `%` for a rate.
    pub unit: String,
    /// The value with its unit as a reader takes it (`20,000 元`, `25%`).
    pub shown: String,
    pub from: NaiveDate,
    /// Document and article.
    pub reference: String,
    pub unverified: bool,
}

/// A parameter value with its unit: a rate as a percentage (up to two decimals, as written),
/// anything else with 千分位 and the parameter's unit.
pub fn show_value(value: Decimal, rate: bool, unit: &str) -> String {
    if rate {
        format!("{}%", (value * Decimal::ONE_HUNDRED).normalize())
    } else {
        let n = value.normalize();
        let text = numbers::fixed(n, n.scale());
        if unit.is_empty() {
            text
        } else {
            format!("{text} {unit}")
        }
    }
}

/// The scalar parameters in force on `at`, in the pack's order (a tax scale cannot be replaced
/// by one number and is left out).
pub fn params_in_force(rules: &Rules, at: NaiveDate) -> Vec<ParamInForce> {
    rules
        .params
        .defs()
        .iter()
        .filter_map(|def| {
            let p = rules.params.at(&def.id, at)?;
            let rate = def.is_rate();
            let unit = if rate {
                "%".to_string()
            } else {
                def.unit.clone().unwrap_or_default()
            };
            Some(ParamInForce {
                shown: show_value(p.value, rate, &unit),
                id: p.id,
                title: p.title,
                value: p.value,
                rate,
                unit,
                from: p.from,
                reference: p.reference,
                unverified: p.unverified,
            })
        })
        .collect()
}

/// One change picked from the list of parameters in force on `at`: `value` as the reader enters
/// it (a rate in %, 千分位 allowed), from `from` (empty: every date). Errors are Chinese and name
/// the parameter by its title.
pub fn pick_change(
    rules: &Rules,
    at: NaiveDate,
    id: &str,
    value: &str,
    from: &str,
) -> Result<Change, AppError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(AppError::invalid("no_change", "请选择要改动的参数。"));
    }
    let Some(p) = params_in_force(rules, at).into_iter().find(|p| p.id == id) else {
        // Named by its title when the pack has it (a tax scale, or one not in force that day).
        let name = rules.params.defs().iter().find(|d| d.id == id).map_or_else(
            || format!("参数“{}”", huiqi_domain::text::quote(id)),
            |d| d.title.clone(),
        );
        return Err(AppError::invalid(
            "bad_parameter",
            format!("{name}在 {at} 没有有效的单一取值，不能在沙盘中改动；请从列表中选择。"),
        ));
    };
    let raw = huiqi_domain::text::to_halfwidth(value.trim()).replace([',', '%'], "");
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::invalid(
            "bad_value",
            format!("请填写{}的新数值（单位：{}）。", p.title, p.unit),
        ));
    }
    let Ok(entered) = raw.parse::<Decimal>() else {
        return Err(AppError::invalid(
            "bad_value",
            format!(
                "{}的新数值“{}”不是数字（单位：{}）。",
                p.title,
                huiqi_domain::text::quote(value.trim()),
                p.unit
            ),
        ));
    };
    let new = if p.rate {
        entered / Decimal::ONE_HUNDRED
    } else {
        entered
    };
    // The ranges of huiqi_domain::limits, in the unit the reader entered (a rate in %).
    let max = if p.rate {
        limits::RATE_PARAM_MAX * 100
    } else {
        limits::PARAM_MAX
    };
    limits::check_range(&format!("{}的新数值", p.title), entered, 0, max, &p.unit)
        .map_err(|e| AppError::invalid("bad_value", e.0))?;
    let from = match from.trim() {
        "" => None,
        d => Some(d.parse::<NaiveDate>().map_err(|_| {
            AppError::invalid(
                "bad_date",
                format!(
                    "{}的起始日期“{}”无效：请写成 YYYY-MM-DD。",
                    p.title,
                    huiqi_domain::text::quote(d)
                ),
            )
        })?),
    };
    let change = Change {
        param: p.id,
        value: new,
        from,
    };
    changed_rules(rules, std::slice::from_ref(&change))
        .map_err(|e| AppError::invalid("bad_parameter", e.to_string()))?;
    Ok(change)
}

/// The change in words for a title: `从事个体经营每户每年扣减税费限额 20,000 元 → 24,000 元（自 2024-01-01）`.
pub fn change_label(p: &ParamInForce, c: &Change) -> String {
    format!(
        "{} {} → {}{}",
        p.title,
        p.shown,
        show_value(c.value, p.rate, &p.unit),
        c.from
            .map_or_else(|| "（所有日期）".to_string(), |d| format!("（自 {d}）"))
    )
}

/// The what-if's results as an .xlsx workbook: by measure, jurisdiction, industry section and
/// size class, and the 20 biggest gainers and losers; every sheet's title row names the change.
pub fn report_xlsx(r: &WhatIfReport, change: &str) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let title = format!("政策沙盘：{change}");
    let as_of = format!(
        "{} 年度企业库 {} 户，适用日期 {}；模拟结果，未改动已存结果",
        chrono::Datelike::year(&r.at),
        numbers::count(r.enterprises as i64),
        r.at
    );
    let delta_row = |d: &huiqi_match::whatif::Delta| {
        vec![
            Cell::text(d.label.clone()),
            Cell::Count(d.beneficiaries_before as i64),
            Cell::Count(d.beneficiaries_after as i64),
            Cell::Count(d.beneficiaries_after as i64 - d.beneficiaries_before as i64),
            Cell::Money(d.cost_before),
            Cell::Money(d.cost_after),
            Cell::Money(d.cost_change()),
        ]
    };
    let mut sheets = Vec::new();
    for (name, first, rows) in [
        ("按措施", "措施", &r.measures),
        ("按辖区", "辖区", &r.by_county),
        ("按行业门类", "行业门类", &r.by_section),
        ("按企业规模", "企业规模", &r.by_size_class),
    ] {
        let mut s = Sheet::new(
            name,
            &title,
            &as_of,
            &[
                (first, 28.0),
                ("受益户数（前）", 14.0),
                ("受益户数（后）", 14.0),
                ("受益户数变化", 14.0),
                ("金额（前，元）", 18.0),
                ("金额（后，元）", 18.0),
                ("金额变化（元）", 18.0),
            ],
        );
        s.rows = rows.iter().map(delta_row).collect();
        let mut t = delta_row(&r.total);
        t[0] = Cell::text("全市合计（企业不重复计）");
        s.total = Some(t);
        sheets.push(s);
    }
    for (name, movers) in [
        ("受益增加最多", &r.top_gainers),
        ("受益减少最多", &r.top_losers),
    ] {
        let mut s = Sheet::new(
            name,
            &title,
            &as_of,
            &[
                ("统一社会信用代码", 22.0),
                ("企业名称", 30.0),
                ("金额（前，元）", 18.0),
                ("金额（后，元）", 18.0),
                ("金额变化（元）", 18.0),
            ],
        );
        s.rows = movers
            .iter()
            .map(|m| {
                vec![
                    Cell::text(m.uscc.clone()),
                    Cell::text(m.name.clone()),
                    Cell::Money(m.before),
                    Cell::Money(m.after),
                    Cell::Money(m.after - m.before),
                ]
            })
            .collect();
        sheets.push(s);
    }
    workbook(&title, &sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDate {
        "2024-12-31".parse().unwrap()
    }

    #[test]
    fn parameters_in_force_carry_units_and_rates_are_percentages() {
        let rules = Rules::builtin();
        let ps = params_in_force(&rules, at());
        let get = |id: &str| ps.iter().find(|p| p.id == id).unwrap();
        assert_eq!(get("startup.annual_limit").shown, "20,000 元");
        assert_eq!(get("startup.window_months").shown, "36 个月");
        assert_eq!(get("cit.small_low_profit.max_employees").shown, "300 人");
        assert_eq!(get("six_taxes.share").shown, "50%");
        assert_eq!(get("vat.small_scale.reduced_rate").shown, "1%");
        assert!(
            ps.iter().all(|p| !p.unit.is_empty()),
            "every scalar has a unit"
        );
        assert!(
            !ps.iter().any(|p| p.id == "iit.business.scale"),
            "a scale is not offered"
        );
    }

    #[test]
    fn a_picked_rate_is_entered_in_percent_and_bad_input_names_the_parameter() {
        let rules = Rules::builtin();
        let c = pick_change(&rules, at(), "six_taxes.share", " 80 ", "2024-01-01").unwrap();
        assert_eq!(c.value, Decimal::new(8, 1));
        assert_eq!(c.from, Some("2024-01-01".parse().unwrap()));
        let c = pick_change(&rules, at(), "startup.annual_limit", "24,000", "").unwrap();
        assert_eq!((c.value, c.from), (Decimal::from(24_000), None));
        let p = params_in_force(&rules, at())
            .into_iter()
            .find(|p| p.id == "startup.annual_limit")
            .unwrap();
        assert_eq!(
            change_label(&p, &c),
            "从事个体经营每户每年扣减税费限额 20,000 元 → 24,000 元（所有日期）"
        );
        let err = |id: &str, v: &str, from: &str| {
            pick_change(&rules, at(), id, v, from)
                .unwrap_err()
                .to_string()
        };
        assert!(
            err("six_taxes.share", "1001", "")
                .contains("“六税两费”减征比例的新数值“1001”超出上限 1,000%"),
            "{}",
            err("six_taxes.share", "1001", "")
        );
        assert!(
            err("startup.annual_limit", "-5", "")
                .contains("从事个体经营每户每年扣减税费限额的新数值不能为负")
        );
        assert!(err("startup.annual_limit", "二万", "").contains("不是数字（单位：元）"));
    }
}
